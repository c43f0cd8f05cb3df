//! std-xous: one lock over the heap, seen from std's own unit tests.
//!
//! std's unit-test program holds two copies of std: the one under test and
//! the real one it links against. Both use the one heap (`DLMALLOC`, which
//! the copy under test reaches by its exported name), and the copy under
//! test allocates thread-local values and their destructor lists through
//! its own `System`. Each copy had its own lock, so a thread starting or
//! ending could be inside the heap while another allocated through the
//! global allocator, and the heap broke (a store fault in dlmalloc, seen
//! once in `fs::tests::concurrent_recursive_mkdir`). This test does that on
//! purpose, for three seconds.

use crate::cell::RefCell;
use crate::sync::Arc;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::thread;
use crate::time::{Duration, Instant};

thread_local! {
    static SCRATCH: RefCell<Vec<u64>> = RefCell::new(Vec::new());
}

#[test]
fn thread_locals_and_the_global_allocator_share_the_heap_safely() {
    let stop = Arc::new(AtomicBool::new(false));
    // Allocate and free through the global allocator all the time.
    let churners: Vec<_> = (0..4u64)
        .map(|n| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut rounds = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let boxes: Vec<Box<u64>> = (0..64).map(|i| Box::new(i * n + rounds)).collect();
                    assert!(boxes.iter().zip(0..).all(|(b, i)| **b == i * n + rounds), "a box changed");
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    // Meanwhile, threads that live briefly and use a thread-local value:
    // made and dropped through the copy under test's `System`.
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut started = 0;
    while Instant::now() < deadline {
        let brief: Vec<_> = (0..8usize)
            .map(|i| {
                thread::spawn(move || {
                    SCRATCH.with(|s| s.borrow_mut().extend(0..16 + i as u64));
                    SCRATCH.with(|s| s.borrow().iter().sum::<u64>())
                })
            })
            .collect();
        for (i, t) in brief.into_iter().enumerate() {
            let n = 16 + i as u64;
            assert_eq!(t.join().unwrap(), n * (n - 1) / 2);
        }
        started += 8;
    }
    stop.store(true, Ordering::Relaxed);
    for churner in churners {
        assert!(churner.join().unwrap() > 0);
    }
    assert!(started > 0);
}
