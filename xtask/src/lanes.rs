//! Running `./x test`'s checks side by side. A boot on QEMU keeps one core
//! busy and leaves the others idle, so the checks are taken in the table's
//! order by a few lanes at once (two on this project's 2-core machines).
//! A check marked alone waits until every other lane is idle and keeps
//! them idle while it runs: the few whose work itself is the other lanes'
//! business (the shared toolchain directory). Builds started by checks run
//! at a lower priority (`project::yielding`), so a build beside a boot does
//! not slow the system under test.

use std::num::NonZeroUsize;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// How many lanes `./x test` runs by default: one per core, at most two
/// (each boot on QEMU is one core's work; more lanes are untried).
pub fn default_lanes() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get).min(2)
}

/// Which items are running and which comes next.
struct State {
    next: usize,
    running: usize,
    alone_running: bool,
}

/// Runs `work` on every item of `items` in order, up to `lanes` at a time;
/// an item for which `alone` says so runs with no other beside it. Items
/// start in order (one that must run alone is waited for, not overtaken).
pub fn side_by_side<T: Sync>(items: &[T], lanes: usize, alone: impl Fn(&T) -> bool + Sync, work: impl Fn(&T) + Sync) {
    let state = Mutex::new(State { next: 0, running: 0, alone_running: false });
    let changed = Condvar::new();
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    std::thread::scope(|scope| {
        for _ in 0..lanes.max(1) {
            scope.spawn(|| {
                while let Some((item, solo)) = take(items, &alone, lock(), &changed) {
                    // Ends the item's turn however `work` leaves (a panic
                    // included), so the other lanes never wait for ever.
                    let _turn = Turn { state: &state, changed: &changed, solo };
                    work(item);
                }
            });
        }
    });
}

/// The next item this lane may start, waiting until it may; None at the end.
fn take<'a, T>(items: &'a [T], alone: &impl Fn(&T) -> bool, mut state: MutexGuard<State>, changed: &Condvar) -> Option<(&'a T, bool)> {
    loop {
        let item = items.get(state.next)?;
        let solo = alone(item);
        if !state.alone_running && (!solo || state.running == 0) {
            state.next += 1;
            state.running += 1;
            state.alone_running = solo;
            return Some((item, solo));
        }
        state = changed.wait(state).unwrap_or_else(PoisonError::into_inner);
    }
}

/// One running item: dropping it frees its lane.
struct Turn<'a> {
    state: &'a Mutex<State>,
    changed: &'a Condvar,
    solo: bool,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.running -= 1;
        if self.solo {
            state.alone_running = false;
        }
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::Duration;

    /// Items 0..n, each noting how many ran at once while it ran.
    fn run(lanes: usize, alone: &[usize], n: usize) -> (Vec<usize>, Vec<usize>) {
        let (now, started) = (AtomicUsize::new(0), Mutex::new(Vec::new()));
        let most = Mutex::new(vec![0; n]);
        let items: Vec<usize> = (0..n).collect();
        side_by_side(&items, lanes, |i| alone.contains(i), |&i| {
            started.lock().unwrap().push(i);
            let at_once = now.fetch_add(1, SeqCst) + 1;
            std::thread::sleep(Duration::from_millis(20));
            let also = now.load(SeqCst);
            most.lock().unwrap()[i] = at_once.max(also);
            now.fetch_sub(1, SeqCst);
        });
        (started.into_inner().unwrap(), most.into_inner().unwrap())
    }

    #[test]
    fn items_start_in_order_two_at_a_time() {
        let (started, most) = run(2, &[], 6);
        assert_eq!(started, [0, 1, 2, 3, 4, 5]);
        assert!(most.iter().all(|&m| m <= 2), "{most:?}");
        assert!(most.iter().any(|&m| m == 2), "nothing ran side by side: {most:?}");
    }

    #[test]
    fn an_item_marked_alone_has_no_other_beside_it() {
        let (started, most) = run(2, &[2, 3], 6);
        assert_eq!(started, [0, 1, 2, 3, 4, 5]);
        assert_eq!((most[2], most[3]), (1, 1), "{most:?}");
    }

    #[test]
    fn one_lane_runs_one_at_a_time_and_a_panic_frees_its_lane() {
        let (_, most) = run(1, &[], 4);
        assert_eq!(most, [1, 1, 1, 1]);
        let done = AtomicUsize::new(0);
        let outcome = std::panic::catch_unwind(|| {
            side_by_side(&[0, 1, 2, 3], 2, |&i| i == 2, |&i| {
                if i == 0 {
                    panic!("item 0 fails");
                }
                done.fetch_add(1, SeqCst);
            })
        });
        assert!(outcome.is_err(), "the panic reaches the caller");
        assert_eq!(done.load(SeqCst), 3, "the alone item and the rest ran all the same");
    }
}
