//! Running `./x test`'s checks side by side. A boot on QEMU keeps one core
//! busy and leaves the others idle, so a few lanes (two on this project's
//! 2-core machines) take the checks in the table's order, each the next
//! one not yet started. Builds started by checks run at a lower priority
//! (`project::yielding`), so a build beside a boot does not slow the system
//! under test; checks that share something else take turns themselves (the
//! two that run the sysroot builder on the toolchain, in checks.rs).

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// How many lanes `./x test` runs by default: one per core, at most two
/// (each boot on QEMU is one core's work; more lanes are untried).
pub fn default_lanes() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get).min(2)
}

/// Runs `work` on every item of `items`, up to `lanes` at a time, starting
/// them in order.
pub fn side_by_side<T: Sync>(items: &[T], lanes: usize, work: impl Fn(&T) + Sync) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..lanes.max(1) {
            scope.spawn(|| {
                while let Some(item) = items.get(next.fetch_add(1, Relaxed)) {
                    work(item);
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    /// Items 0..n, each noting that it started and how many ran at once;
    /// item 0 waits (up to 10 s) for a second item to start, so with two
    /// lanes or more two items run side by side whatever the timing. Every
    /// item that ran, sorted, and the most that ran at once.
    fn run(lanes: usize, n: usize) -> (Vec<usize>, usize) {
        let (now, most, started) = (AtomicUsize::new(0), AtomicUsize::new(0), Mutex::new(Vec::new()));
        let items: Vec<usize> = (0..n).collect();
        side_by_side(&items, lanes, |&i| {
            started.lock().unwrap().push(i);
            most.fetch_max(now.fetch_add(1, Relaxed) + 1, Relaxed);
            let deadline = Instant::now() + Duration::from_secs(10);
            while i == 0 && lanes > 1 && started.lock().unwrap().len() < 2.min(n) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            now.fetch_sub(1, Relaxed);
        });
        let mut ran = started.into_inner().unwrap();
        ran.sort();
        (ran, most.into_inner())
    }

    #[test]
    fn every_item_runs_once_and_at_most_lanes_at_once() {
        assert_eq!(run(2, 6), ((0..6).collect(), 2), "two lanes: item 0 waited for another beside it");
        assert_eq!(run(1, 4), ((0..4).collect(), 1));
        assert_eq!(run(3, 0), (vec![], 0));
    }

    #[test]
    fn items_are_taken_in_order() {
        // One lane takes them one after the other, in the table's order.
        let order = Mutex::new(Vec::new());
        side_by_side(&[0, 1, 2, 3], 1, |&i| order.lock().unwrap().push(i));
        assert_eq!(order.into_inner().unwrap(), [0, 1, 2, 3]);
    }
}
