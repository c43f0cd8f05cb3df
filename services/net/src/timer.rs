//! Waking the main loop at a time: the main thread blocks in
//! ReceiveMessage, so a second thread waits for the next deadline (a
//! smoltcp timer, a request's timeout) on the ticktimer and then sends the
//! server a WAKE message. The main thread publishes the deadline in
//! `WAKE_AT` and, when it moves earlier, notifies the condition the timer
//! thread waits on. A notification sent just before the timer thread
//! starts to wait is lost, so no wait is longer than `LONGEST_WAIT_MS`:
//! a deadline is never missed by more than that.

use core::sync::atomic::{AtomicU32, Ordering};
use xous_abi::message::InvokeType;
use xous_abi::services::{net, ticktimer};
use xous_abi::memory::flags;
use xous_rt::{syscall, Syscall, SyscallResult};

/// The deadline, in ms since boot (0: none).
static WAKE_AT: AtomicU32 = AtomicU32::new(0);
/// What the timer thread is waiting for now (0: nothing in particular).
static WAITING_FOR: AtomicU32 = AtomicU32::new(0);
const LONGEST_WAIT_MS: u32 = 200;
const STACK: usize = 16 * 1024;

/// Milliseconds since boot, from the `time` counter.
pub fn now_ms() -> u64 {
    xous_rt::counters::time() / (board::TIMEBASE_HZ / 1000)
}

/// Starts the timer thread, which sends WAKE over `self_connection`.
pub fn start(self_connection: usize, ticktimer: usize) -> Result<(), usize> {
    let r = syscall(Syscall::MapMemory, &[0, 0, STACK, flags::R | flags::W]);
    if r[0] != SyscallResult::MemoryRange as usize {
        return Err(r[1]);
    }
    let r = syscall(Syscall::CreateThread, &[run as *const () as usize, r[1], STACK, self_connection, ticktimer]);
    if r[0] != SyscallResult::ThreadId as usize {
        return Err(r[1]);
    }
    Ok(())
}

/// Asks for a WAKE at `at_ms` (ms since boot), or none.
pub fn wake_at(at_ms: Option<u64>, ticktimer: usize) {
    let at = at_ms.map_or(0, |ms| ms.clamp(1, u32::MAX as u64) as u32);
    if WAKE_AT.swap(at, Ordering::SeqCst) == at {
        return;
    }
    let waiting = WAITING_FOR.load(Ordering::SeqCst);
    if at != 0 && (waiting == 0 || at < waiting) {
        let condition = &WAKE_AT as *const AtomicU32 as usize;
        syscall(
            Syscall::SendMessage,
            &[ticktimer, InvokeType::BlockingScalar as usize, ticktimer::NOTIFY_CONDITION, condition, 1, 0, 0],
        );
    }
}

extern "C" fn run(self_connection: usize, ticktimer: usize) -> ! {
    let condition = &WAKE_AT as *const AtomicU32 as usize;
    loop {
        let at = WAKE_AT.load(Ordering::SeqCst);
        let now = now_ms();
        if at != 0 && at as u64 <= now {
            // Due: tell the main loop once, and wait for its next deadline.
            let _ = WAKE_AT.compare_exchange(at, 0, Ordering::SeqCst, Ordering::SeqCst);
            syscall(Syscall::TrySendMessage, &[self_connection, InvokeType::Scalar as usize, net::WAKE, 0, 0, 0, 0]);
            continue;
        }
        let wait = if at == 0 { LONGEST_WAIT_MS } else { (at as u64 - now).min(LONGEST_WAIT_MS as u64) as u32 };
        WAITING_FOR.store(if at == 0 { 0 } else { at }, Ordering::SeqCst);
        syscall(
            Syscall::SendMessage,
            &[ticktimer, InvokeType::BlockingScalar as usize, ticktimer::WAIT_FOR_CONDITION, condition, wait.max(1) as usize, 0, 0],
        );
        WAITING_FOR.store(0, Ordering::SeqCst);
    }
}
