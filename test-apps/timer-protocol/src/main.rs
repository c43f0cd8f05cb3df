//! timer-protocol: the ticktimer and system-time services spoken to
//! directly, with raw syscalls, to pin down what std relies on but cannot
//! show by itself (an UnlockMutex remembered for the LockMutex that comes
//! after it, NotifyCondition's count, a timed-out wait's answer) and how
//! they treat a careless client (a full table, malformed requests: always
//! an answer, never a crash). The addresses used as mutexes and conditions
//! are below the program's text, so no std object of this program has them.
//! It also sees test-apps/dying-client die with requests held in the
//! ticktimer, and checks that the ticktimer then holds nothing for it.
//! Prints one line per check and exits 1 if any failed.

use checks::raw::ecall;
use checks::Checks;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::services::{sid_from_name, systime, ticktimer as tt};
use xous_abi::{Syscall, SyscallResult};

/// A process's share of the ticktimer's table (255 threads + the interrupt context).
const TABLE_SLOTS: usize = xous_abi::limits::MAX_THREADS + 1;
/// This program checks answers, not punctuality (test-apps/time does):
/// an answer "at once" comes within QUICK_MS, a deadline is met within
/// SLACK_MS, so a busy host does not fail it.
const QUICK_MS: u128 = 20;
const SLACK_MS: u128 = 25;
/// How long to give something that should happen soon (another process
/// reaching the ticktimer, the kernel's exit notice reaching it).
const WAIT_MS: u128 = 2000;

fn connect(sid: [u32; 4]) -> usize {
    let [a, b, c, d] = sid.map(|w| w as usize);
    let r = ecall([Syscall::Connect as usize, a, b, c, d, 0, 0, 0]);
    assert_eq!(r[0], SyscallResult::ConnectionId as usize, "Connect: {r:?}");
    r[1]
}

/// A BlockingScalar: the result tag and the first two words.
fn blocking(cid: usize, id: usize, a: usize, b: usize) -> (usize, usize, usize) {
    let r = ecall([Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, id, a, b, 0, 0]);
    (r[0], r[1], r[2])
}

/// A BlockingScalar answered with Scalar1: its word.
fn answer1(cid: usize, id: usize, a: usize, b: usize) -> Option<usize> {
    let (tag, word, _) = blocking(cid, id, a, b);
    (tag == SyscallResult::Scalar1 as usize).then_some(word)
}

/// A BlockingScalar answered with Scalar2: the 64-bit value (low word first).
fn answer2(cid: usize, id: usize) -> Option<u64> {
    let (tag, low, high) = blocking(cid, id, 0, 0);
    (tag == SyscallResult::Scalar2 as usize).then_some(((high as u64) << 32) | low as u64)
}

/// A Scalar (nothing comes back but the send's own result tag).
fn scalar(cid: usize, id: usize, a: usize) -> usize {
    ecall([Syscall::SendMessage as usize, cid, InvokeType::Scalar as usize, id, a, 0, 0, 0])[0]
}

/// Lends one page with opcode `id`; the result tag of the send.
fn lend(cid: usize, id: usize) -> usize {
    let layout = std::alloc::Layout::from_size_align(4096, 4096).unwrap();
    // SAFETY: a valid, nonzero layout; the page is freed below.
    let page = unsafe { std::alloc::alloc_zeroed(layout) };
    let r = ecall([Syscall::SendMessage as usize, cid, InvokeType::Lend as usize, id, page as usize, 4096, 0, 8]);
    // SAFETY: allocated above with this layout, and back from the loan.
    unsafe { std::alloc::dealloc(page, layout) };
    r[0]
}

/// HELD_FOR: (entries, of them with a deadline) the ticktimer holds for `pid`.
fn held_for(t: usize, pid: u8) -> Option<(usize, usize)> {
    let (tag, entries, deadlines) = blocking(t, tt::HELD_FOR, pid as usize, 0);
    (tag == SyscallResult::Scalar2 as usize).then_some((entries, deadlines))
}

/// Asks HELD_FOR every few ms until it answers `wanted`, for at most
/// WAIT_MS; the last answer.
fn held_for_becomes(t: usize, pid: u8, wanted: (usize, usize)) -> Option<(usize, usize)> {
    let start = Instant::now();
    loop {
        let held = held_for(t, pid);
        if held == Some(wanted) || start.elapsed().as_millis() > WAIT_MS {
            return held;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// test-apps/dying-client's server here (the same name is in its main.rs).
const WITNESS: &str = "dying-witness";

/// test-apps/dying-client, booted beside this program, sends a message to
/// WITNESS while its three threads are held in the ticktimer (a sleep, a
/// condition wait, a lock), and faults once answered. The kernel-written
/// sender word gives its PID; the ticktimer, told of the end by the
/// kernel, must then hold nothing for that PID. Without the exit notice
/// the wait and the lock would stay held for good.
fn dying_client(c: &mut Checks, t: usize) {
    let sid = sid_from_name(WITNESS).expect("a short name").map(|w| w as usize);
    let r = ecall([Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3], 0, 0, 0]);
    assert_eq!(r[0], SyscallResult::NewServerId as usize, "CreateServerWithAddress: {r:?}");
    let message = ecall([Syscall::ReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3], 0, 0, 0]);
    assert_eq!(message[0], SyscallResult::MessageEnvelope as usize, "ReceiveMessage: {message:?}");
    let pid = MessageSender(message[1]).pid();
    let before = held_for_becomes(t, pid, (3, 1));
    c.check(before == Some((3, 1)), format!("dying-client (PID {pid}) has 3 requests held in the ticktimer, 1 with a deadline: {before:?}"));
    let answered = ecall([Syscall::ReturnScalar1 as usize, message[1], 0, 0, 0, 0, 0, 0]);
    assert_eq!(answered[0], SyscallResult::Ok as usize, "ReturnScalar1: {answered:?}");
    let after = held_for_becomes(t, pid, (0, 0));
    c.check(after == Some((0, 0)), format!("once dying-client faulted, the ticktimer holds nothing for PID {pid}: {after:?}"));
    c.check(held_for(t, 200) == Some((0, 0)), "HELD_FOR a PID no process has: (0, 0)".into());
}

/// Runs `request` on a thread; returns whether it was still blocked after
/// 30 ms, then lets it go with `release` and waits for it.
fn blocks_until(request: impl FnOnce() + Send + 'static, release: impl FnOnce()) -> bool {
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let t = thread::spawn(move || {
        request();
        flag.store(true, Ordering::SeqCst);
    });
    thread::sleep(Duration::from_millis(30));
    let blocked = !done.load(Ordering::SeqCst);
    release();
    t.join().unwrap();
    blocked && done.load(Ordering::SeqCst)
}

fn mutexes(c: &mut Checks, t: usize) {
    const M: usize = 0x100;
    c.check(answer1(t, tt::UNLOCK_MUTEX, M, 0) == Some(tt::OK), "UnlockMutex with no locker waiting is answered OK".into());
    let before = Instant::now();
    let got = answer1(t, tt::LOCK_MUTEX, M, 0);
    let took = before.elapsed().as_millis();
    c.check(got == Some(tt::OK) && took < QUICK_MS, format!("the next LockMutex takes the remembered unlock at once ({took} ms)"));
    let waited = blocks_until(
        move || assert_eq!(answer1(t, tt::LOCK_MUTEX, M, 0), Some(tt::OK)),
        || assert_eq!(answer1(t, tt::UNLOCK_MUTEX, M, 0), Some(tt::OK)),
    );
    c.check(waited, "the unlock is spent: another LockMutex waits for the next UnlockMutex".into());

    const F: usize = 0x200;
    answer1(t, tt::UNLOCK_MUTEX, F, 0);
    c.check(answer1(t, tt::FREE_MUTEX, F, 0) == Some(tt::OK), "FreeMutex is answered".into());
    let waited = blocks_until(move || { answer1(t, tt::LOCK_MUTEX, F, 0); }, || { answer1(t, tt::UNLOCK_MUTEX, F, 0); });
    c.check(waited, "FreeMutex forgets a remembered unlock".into());
}

fn conditions(c: &mut Checks, t: usize) {
    const C: usize = 0x300;
    let before = Instant::now();
    let answer = answer1(t, tt::WAIT_FOR_CONDITION, C, 30);
    let took = before.elapsed().as_millis();
    c.check(
        matches!(answer, Some(n) if n != 0) && (30..30 + SLACK_MS).contains(&took),
        format!("WaitForCondition(30 ms) nobody notifies: answer {answer:?} (nonzero) after {took} ms"),
    );
    c.check(answer1(t, tt::NOTIFY_CONDITION, C, 5) == Some(0), "NotifyCondition with nobody waiting wakes 0".into());
    let waiter = thread::spawn(move || answer1(t, tt::WAIT_FOR_CONDITION, C, 0));
    let mut woken = None;
    for _ in 0..100 {
        woken = answer1(t, tt::NOTIFY_CONDITION, C, 5);
        if woken != Some(0) {
            break;
        }
        thread::sleep(Duration::from_millis(2));
    }
    let waiter_got = waiter.join().unwrap();
    c.check(
        woken == Some(1) && waiter_got == Some(tt::OK),
        format!("NotifyCondition(count 5) with one waiter wakes {woken:?}; the waiter got {waiter_got:?} (0 = notified)"),
    );
    let waiter = thread::spawn(move || answer1(t, tt::WAIT_FOR_CONDITION, C, 0));
    thread::sleep(Duration::from_millis(20));
    scalar(t, tt::FREE_CONDITION, C);
    let got = waiter.join().unwrap();
    c.check(matches!(got, Some(n) if n != 0), format!("FreeCondition lets a forgotten waiter go, not notified ({got:?})"));
}

fn full_table(c: &mut Checks, t: usize) {
    let base = 0x1000;
    let remembered = (0..TABLE_SLOTS + 8).take_while(|i| answer1(t, tt::UNLOCK_MUTEX, base + 4 * i, 0) == Some(tt::OK)).count();
    c.check(remembered == TABLE_SLOTS, format!("{remembered} unlocks remembered before the table was full"));
    let before = Instant::now();
    let sleep = answer1(t, tt::SLEEP_MS, 1000, 0);
    let took = before.elapsed().as_millis();
    c.check(sleep == Some(tt::TABLE_FULL) && took < QUICK_MS, format!("with the table full, SleepMs(1000) is refused at once: {sleep:?} after {took} ms"));
    let wait = answer1(t, tt::WAIT_FOR_CONDITION, 0x400, 0);
    c.check(wait == Some(tt::TABLE_FULL), format!("and WaitForCondition gets {wait:?} (nonzero: std sees a timeout)"));
    c.check(answer2(t, tt::ELAPSED_MS).is_some(), "ElapsedMs still works".into());
    let taken = (0..remembered).filter(|i| answer1(t, tt::LOCK_MUTEX, base + 4 * i, 0) == Some(tt::OK)).count();
    c.check(taken == remembered, format!("{taken} LockMutex calls took the remembered unlocks"));
    let before = Instant::now();
    thread::sleep(Duration::from_millis(10));
    let took = before.elapsed().as_millis();
    c.check((10..10 + SLACK_MS).contains(&took), format!("with room again, sleep(10 ms) took {took} ms"));
}

fn malformed(c: &mut Checks, t: usize, s: usize) {
    c.check(answer1(t, 55, 0, 0) == Some(tt::BAD_REQUEST), "ticktimer: unknown opcode 55 gets BAD_REQUEST".into());
    c.check(answer1(t, systime::GET_UTC_TIME_MS, 0, 0) == Some(tt::BAD_REQUEST), "ticktimer: systime's opcode gets BAD_REQUEST".into());
    c.check(lend(t, tt::ELAPSED_MS) == SyscallResult::MemoryReturned as usize, "ticktimer: a lent page comes back".into());
    let sent = scalar(t, tt::ELAPSED_MS, 0) == 0 && scalar(t, tt::ALARM, 0) == 0 && scalar(t, 9999, 0) == 0;
    c.check(sent, "ticktimer: Scalars with blocking opcodes, ALARM and an unknown opcode are accepted".into());
    // (Found by ./x fuzz: a BlockingScalar ALARM was never answered.)
    c.check(answer1(t, tt::ALARM, 0, 0) == Some(tt::OK), "ticktimer: ALARM sent as a BlockingScalar is answered".into());
    // A non-blocking UnlockMutex is ignored: nothing is remembered.
    const M: usize = 0x500;
    scalar(t, tt::UNLOCK_MUTEX, M);
    let waited = blocks_until(move || { answer1(t, tt::LOCK_MUTEX, M, 0); }, || { answer1(t, tt::UNLOCK_MUTEX, M, 0); });
    c.check(waited, "ticktimer: an UnlockMutex sent as a Scalar is ignored".into());
    // Only the kernel may say that a process ended.
    let own = ecall([Syscall::GetProcessId as usize, 0, 0, 0, 0, 0, 0, 0])[1];
    c.check(answer1(t, tt::PROCESS_ENDED, own, 0) == Some(tt::BAD_REQUEST), "ticktimer: PROCESS_ENDED from a process gets BAD_REQUEST".into());
    const R: usize = 0x600;
    answer1(t, tt::UNLOCK_MUTEX, R, 0);
    scalar(t, tt::PROCESS_ENDED, own);
    let before = Instant::now();
    let got = answer1(t, tt::LOCK_MUTEX, R, 0);
    let took = before.elapsed().as_millis();
    c.check(got == Some(tt::OK) && took < QUICK_MS, format!("ticktimer: a forged PROCESS_ENDED Scalar is ignored: the remembered unlock is still taken at once ({took} ms)"));
    c.check(answer1(s, 4, 0, 0) == Some(systime::BAD_REQUEST), "systime: unknown opcode gets BAD_REQUEST".into());
    c.check(lend(s, systime::GET_UTC_TIME_MS) == SyscallResult::MemoryReturned as usize, "systime: a lent page comes back".into());
}

fn clocks(c: &mut Checks, t: usize, s: usize) {
    let a = answer2(t, tt::ELAPSED_MS).unwrap_or(0);
    thread::sleep(Duration::from_millis(50));
    let moved = answer2(t, tt::ELAPSED_MS).unwrap_or(0).wrapping_sub(a) as u128;
    c.check((50..50 + SLACK_MS).contains(&moved), format!("ElapsedMs (Scalar2, low word first) moved {moved} ms over a 50 ms sleep"));
    let std_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    let utc = answer2(s, systime::GET_UTC_TIME_MS).unwrap_or(0);
    let rtc = answer2(t, tt::RTC_TIME_NS).unwrap_or(0) / 1_000_000;
    c.check(
        utc.abs_diff(std_ms) < 1000 && rtc.abs_diff(std_ms) < 1000,
        format!("GetUtcTimeMs {utc} and the ticktimer's RTC_TIME_NS {rtc} ms agree with SystemTime {std_ms}"),
    );
}

fn main() {
    let mut c = Checks::new("timer-protocol");
    let t = connect(tt::SID);
    let s = connect(systime::SID);
    dying_client(&mut c, t);
    clocks(&mut c, t, s);
    mutexes(&mut c, t);
    conditions(&mut c, t);
    full_table(&mut c, t);
    malformed(&mut c, t, s);
    // After all that, the services still serve std.
    let before = Instant::now();
    thread::sleep(Duration::from_millis(20));
    let took = before.elapsed().as_millis();
    c.check((20..20 + SLACK_MS).contains(&took), format!("afterwards std's sleep(20 ms) took {took} ms"));
    c.finish();
}
