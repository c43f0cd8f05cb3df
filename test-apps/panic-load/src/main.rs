//! Output under load: `panic-load panic LEN` panics with a message of LEN
//! bytes (`message` below, which the host check rebuilds and looks for
//! whole) while two of its threads print numbered lines as fast as they
//! can; `panic-load` with no arguments (booted as an extra process) is a
//! hog: threads that keep the CPU busy and one that keeps the log service
//! busy, forever. Std's panic writer sends its text as non-blocking
//! scalars; the system must neither drop them when the log's queue is
//! full nor power off before the log has written them.

use std::hint::black_box;
use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

mod message;
use message::message;

/// Prints `name N` lines without end; each line is whole or absent on the host.
fn chatter(name: &'static str) {
    for n in 0u64.. {
        println!("{name} {n} ................................................................");
    }
}

/// Burns CPU without end.
fn spin() {
    let mut x = 1u32;
    loop {
        x = black_box(x.wrapping_mul(1_103_515_245).wrapping_add(12_345));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("panic") {
        for _ in 0..3 {
            thread::spawn(spin);
        }
        thread::spawn(|| chatter("hog"));
        spin();
    }
    let len: usize = args.get(2).and_then(|n| n.parse().ok()).filter(|n| *n >= 64).expect("usage: panic-load panic LEN (LEN >= 64)");
    println!("panic-load: panicking with {len} bytes");
    std::io::stdout().flush().unwrap();
    thread::spawn(|| chatter("chatter-a"));
    thread::spawn(|| chatter("chatter-b"));
    // Let the chatter and the hogs fill the log's queue first.
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(100) {
        black_box(start);
    }
    panic!("{}", message(len));
}
