//! std-xous: with every thread slot of the process taken, some by threads
//! that ended but are not joined yet, a new thread is refused rather than
//! given one of those slots, and each join still gets its own thread's
//! value (detach.rs says why this needs the kernel's DETACH_THREAD).

use crate::sync::Arc;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sys::pal::abi::limits::MAX_THREADS;
use crate::thread;
use crate::time::Duration;

#[test]
fn a_join_finds_its_own_thread_when_every_slot_is_taken() {
    // Threads that end at once, joined only at the end.
    let ended: Vec<_> = (0..8usize).map(|i| thread::spawn(move || i * 10)).collect();
    thread::sleep(Duration::from_millis(50));
    // Threads that wait, until a spawn finds no slot (MAX_THREADS a process).
    let go = Arc::new(AtomicBool::new(false));
    let mut waiting = Vec::new();
    let mut refused = None;
    for i in 0..MAX_THREADS + 8 {
        let go = go.clone();
        let spawned = thread::Builder::new().stack_size(16 * 1024).spawn(move || {
            while !go.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(5));
            }
            1000 + i
        });
        match spawned {
            Ok(handle) => waiting.push(handle),
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    go.store(true, Ordering::Relaxed);
    let waited: Vec<usize> = waiting.into_iter().map(|h| h.join().unwrap()).collect();
    let joined: Vec<usize> = ended.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(refused.is_some(), "more than MAX_THREADS threads at once");
    assert_eq!(joined, (0..8).map(|i| i * 10).collect::<Vec<_>>());
    assert_eq!(waited, (1000..1000 + waited.len()).collect::<Vec<_>>());
}
