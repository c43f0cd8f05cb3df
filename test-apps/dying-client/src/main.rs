//! dying-client: run as an extra process beside timer-protocol. It leaves
//! requests held in the ticktimer (a thread sleeping 150 ms, one waiting on
//! a Condvar for good, one queued on a Mutex its main thread holds) and then
//! faults, so the kernel ends it. The ticktimer must go on serving the
//! others: the sleep's answer, due after the death, goes to a sender that
//! is gone.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

fn main() {
    let lock = Arc::new(Mutex::new(0u32));
    let held = lock.lock().unwrap();
    let waiting = Arc::new((Mutex::new(false), Condvar::new()));

    thread::spawn(|| thread::sleep(Duration::from_millis(150)));
    let w = waiting.clone();
    thread::spawn(move || {
        let guard = w.0.lock().unwrap();
        let _never = w.1.wait_while(guard, |done| !*done);
    });
    let l = lock.clone();
    thread::spawn(move || *l.lock().unwrap() += 1);

    // Let the threads reach the ticktimer, then die with all of it held.
    thread::sleep(Duration::from_millis(20));
    println!("dying-client: dying with requests held");
    // SAFETY: none; the point is the fault (address 0 is never mapped).
    unsafe { std::ptr::null_mut::<u32>().write_volatile(*held) };
    unreachable!("the write faults");
}
