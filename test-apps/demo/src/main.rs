//! The demo `./x run` boots: an ordinary std program (nothing here knows it
//! runs on our kernel) using threads, a channel, a mutex, sleep, Instant and
//! SystemTime, so one screen shows the kernel and the services at work.

use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let started = Instant::now();
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970");
    println!("demo: std on our kernel; UTC is {} s after the Unix epoch", since_epoch.as_secs());

    let total = Arc::new(Mutex::new(0u64));
    let (tx, rx) = mpsc::channel();
    let workers: Vec<_> = (1..=4u64)
        .map(|n| {
            let (total, tx) = (Arc::clone(&total), tx.clone());
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(20 * n));
                let sum: u64 = (1..=n * 1000).sum();
                *total.lock().unwrap() += sum;
                tx.send((n, sum, started.elapsed())).unwrap();
            })
        })
        .collect();
    drop(tx);
    for (n, sum, at) in rx {
        println!("demo: thread {n} slept {} ms, summed 1..={} = {sum}, done at {} ms", 20 * n, n * 1000, at.as_millis());
    }
    for w in workers {
        w.join().unwrap();
    }
    println!("demo: total {} after {} ms; goodbye", total.lock().unwrap(), started.elapsed().as_millis());
}
