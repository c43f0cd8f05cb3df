//! dying-client: run as an extra process beside timer-protocol. It leaves
//! requests held in the ticktimer (a thread sleeping 10 s, one waiting on a
//! Condvar for good, one queued on a Mutex its main thread holds), tells
//! timer-protocol its PID, and once answered faults, so the kernel ends it.
//! timer-protocol then checks that the ticktimer, told of the end by the
//! kernel, holds nothing more for this PID, and that it goes on serving
//! the others.
//!
//! The PID travels in the sender word of a message to timer-protocol's
//! server WITNESS: the kernel writes that word, so it is the true PID.

use checks::raw::ecall;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;
use xous_abi::message::InvokeType;
use xous_abi::services::sid_from_name;
use xous_abi::{Syscall, SyscallResult};

/// timer-protocol's server (the same name is in its main.rs).
const WITNESS: &str = "dying-witness";

/// Sends timer-protocol a BlockingScalar and waits for its answer: by then
/// it has seen what this process holds in the ticktimer.
fn report_to_witness() {
    let sid = sid_from_name(WITNESS).expect("a short name").map(|w| w as usize);
    let r = ecall([Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3], 0, 0, 0]);
    assert_eq!(r[0], SyscallResult::ConnectionId as usize, "Connect to {WITNESS}: {r:?}");
    let r = ecall([Syscall::SendMessage as usize, r[1], InvokeType::BlockingScalar as usize, 0, 0, 0, 0, 0]);
    assert_eq!(r[0], SyscallResult::Scalar1 as usize, "the witness's answer: {r:?}");
}

fn main() {
    let lock = Arc::new(Mutex::new(0u32));
    let held = lock.lock().unwrap();
    let waiting = Arc::new((Mutex::new(false), Condvar::new()));

    thread::spawn(|| thread::sleep(Duration::from_secs(10)));
    let w = waiting.clone();
    thread::spawn(move || {
        let guard = w.0.lock().unwrap();
        let _never = w.1.wait_while(guard, |done| !*done);
    });
    let l = lock.clone();
    thread::spawn(move || *l.lock().unwrap() += 1);

    report_to_witness();
    println!("dying-client: dying with requests held");
    // SAFETY: none; the point is the fault (address 0 is never mapped).
    unsafe { std::ptr::null_mut::<u32>().write_volatile(*held) };
    unreachable!("the write faults");
}
