//! 200 threads alive at once in one process, as std's own tests and
//! once_cell's (128 at a Barrier) expect: each waits at a Barrier until
//! all 200 and main are there, so none can end before the last starts;
//! then each adds to a Mutex-guarded total and returns its number, and
//! main joins them all. A kernel with 31 threads a process refuses the
//! 32nd spawn (the program then says so and fails). `many-threads N`: N
//! threads instead of 200 (on the Baochip-1x a process has at most 64, so
//! 100 must end with the 64th spawn refused, not wait for ever).
//!
//! `many-threads scope-refused`: threads spawned into a `thread::scope`
//! until a spawn is refused (the process's limit of threads); the refusal
//! is an error, the threads are let go, and the scope must end. With the
//! std as shipped it never did: the refused thread's start data was leaked
//! with the scope's count of running threads still raised for it
//! (std-xous 0017).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

const THREADS: usize = 200;

fn scope_refused() {
    let go = AtomicBool::new(false);
    let spawned = thread::scope(|s| {
        let mut spawned = 0usize;
        let refusal = loop {
            let waiter = || {
                while !go.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(5));
                }
            };
            match thread::Builder::new().stack_size(16 * 1024).spawn_scoped(s, waiter) {
                Ok(_) => spawned += 1,
                Err(e) => break e,
            }
            assert!(spawned < 10_000, "no spawn was refused");
        };
        println!("many-threads: scoped spawn {} refused: {refusal}", spawned + 1);
        go.store(true, Ordering::Relaxed);
        spawned
    });
    println!("many-threads: the scope ended, its {spawned} threads joined");
    // A slot is free again: a spawn works.
    let again = thread::scope(|s| s.spawn(|| 7).join().unwrap());
    assert_eq!(again, 7);
    println!("many-threads: all checks passed");
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("scope-refused") {
        return scope_refused();
    }
    let threads: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(THREADS);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let total = Arc::new(Mutex::new(0usize));
    let mut handles = Vec::with_capacity(threads);
    for i in 0..threads {
        let (barrier, total) = (barrier.clone(), total.clone());
        let spawned = thread::Builder::new().name(format!("worker-{i}")).spawn(move || {
            let id = thread::current().id();
            barrier.wait();
            *total.lock().unwrap() += i;
            (i, id)
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                println!("many-threads: spawn {} refused: {e}", i + 1);
                std::process::exit(1);
            }
        }
    }
    println!("many-threads: {threads} threads spawned, all waiting at the barrier");
    barrier.wait();
    let mut ids = Vec::new();
    for (i, handle) in handles.into_iter().enumerate() {
        let (n, id) = handle.join().expect("a worker panicked");
        assert_eq!(n, i, "each join gets its own thread's value");
        ids.push(id);
    }
    ids.sort_by_key(|id| format!("{id:?}"));
    ids.dedup();
    assert_eq!(ids.len(), threads, "every thread had its own id");
    let total = *total.lock().unwrap();
    assert_eq!(total, threads * (threads - 1) / 2);
    println!("many-threads: {threads} joined, total {total}");
    println!("many-threads: all checks passed");
}
