//! The ticktimer service, at SID `ticktimer-server`: time since boot
//! (ElapsedMs, from the `time` CSR), sleeping (SleepMs), and the slow path
//! of std's Mutex, Condvar and thread parking (LockMutex, UnlockMutex,
//! WaitForCondition, NotifyCondition, FreeMutex, FreeCondition). It also
//! owns the goldfish RTC and answers the system-time service's RTC_TIME_NS.
//!
//! no_std: std's own locks, `sleep` and `Instant` are clients of this
//! service, so a ticktimer built on std would wait on itself.
//!
//! No busy waiting: held requests with a deadline (sleeps, timed waits)
//! sit in a queue ordered by deadline, and the RTC alarm is armed for the
//! earliest. Its interrupt handler lowers the interrupt and sends ALARM, a
//! Scalar, to this server over a connection the process opened to itself;
//! the main loop wakes, answers whatever is due and re-arms. After every
//! message the loop answers what is due anyway, so an ALARM that could not
//! be sent (a full queue) loses nothing: the handler then re-arms the alarm
//! a millisecond later to try again.
//!
//! The logic (the library: `lib.rs`) keeps one pool of held requests with
//! a share per process of a slot per thread context, and a deadline queue
//! with room for every slot. std cannot fill its share (see `table.rs`); a
//! client that does gets TABLE_FULL at once instead of being held. std ignores the answer to
//! SleepMs and LockMutex, so for such a client a sleep ends early and a lock
//! is granted without exclusion; a WaitForCondition answered TABLE_FULL
//! looks like a timeout (a spurious wakeup, which std tolerates); an
//! UnlockMutex that cannot be remembered leaves the next locker waiting.
//! Every held request is answered exactly once. If the kernel refuses a
//! reply (no such request waits), the entry is dropped, and an unlock or
//! notify goes on to the next waiter. Malformed requests (unknown opcode,
//! wrong kind, a sender PID out of range) are answered if the sender waits
//! and otherwise ignored.
//!
//! A dead client: at startup the ticktimer asks the kernel for exit
//! notices (PlatformSpecific WATCH_EXITS, message PROCESS_ENDED), and on
//! one it lets go of everything the process left: its sleeps, its mutex
//! and condition waiters, its remembered unlocks, their deadlines. Nothing
//! of a dead process then reaches a later one given the same PID, and the
//! kernel's notice about a PID always comes before any message of that
//! later process. The kernel keeps a dead sender's message until the server
//! replies, and accepts that reply (it goes nowhere), so the reply word
//! stays unique; the ticktimer answers each dropped request, which is what
//! frees the kernel's message slot. HELD_FOR (pid) says how much is held
//! for a process, for tests to see the cleanup. Should the kernel refuse
//! the watch (its table full), the ticktimer says so on stderr and serves
//! on, without the cleanup.
#![no_std]
#![no_main]

/// The board's clock and alarm (QEMU virt: the `time` CSR and the goldfish
/// RTC; the Baochip-1x: its ticktimer block).
#[cfg_attr(not(feature = "dabao"), path = "hw_qemu_virt.rs")]
#[cfg_attr(feature = "dabao", path = "hw_dabao.rs")]
mod hw;

use core::sync::atomic::{AtomicUsize, Ordering};
use hw::{Rtc, NS_PER_TICK};
use ticktimer::{decode, Decoded, Replies, Reply, Ticks, Ticktimer};
use xous_abi::message::{kind, InvokeType};
use xous_abi::services::ticktimer as op;
use xous_rt::{error_of, reply, return_scalar, syscall, Server, Syscall};

/// The held requests' slots and deadlines (lib.rs), all reserved at start.
/// The alarm handler allocates nothing.
#[global_allocator]
static HEAP: service_heap::Heap = service_heap::Heap::growing_by(POOL_BYTES);

/// What `reserve_all` takes, and the allocator's own words, in one growth.
const POOL_BYTES: usize = (ticktimer::RESERVED_BYTES + 128 + 4095) & !4095;

/// The connection to our own server that the interrupt handler sends on.
static SELF_CONNECTION: AtomicUsize = AtomicUsize::new(0);

/// How long the handler waits before trying again when ALARM cannot be sent.
const ALARM_RETRY_NS: u64 = 1_000_000;

/// Answers through the kernel.
struct Kernel;

impl Replies for Kernel {
    fn send(&mut self, sender: usize, reply: Reply) -> bool {
        match reply {
            Reply::Scalar1(a) => return_scalar(sender, &[a]).is_ok(),
            Reply::Scalar2(a, b) => return_scalar(sender, &[a, b]).is_ok(),
        }
    }
}

/// The alarm interrupt's handler: runs in this process ahead of its
/// threads, on its own stack, and must stay short. `rtc` is the base of the
/// RTC's registers.
extern "C" fn on_alarm(_irq: usize, rtc: usize) {
    hw::clear_interrupt(rtc);
    let connection = SELF_CONNECTION.load(Ordering::Relaxed);
    let sent = syscall(Syscall::TrySendMessage, &[connection, InvokeType::Scalar as usize, op::ALARM, 0, 0, 0, 0]);
    if error_of(sent).is_some() {
        hw::alarm_after_ns(rtc, ALARM_RETRY_NS);
    }
}

/// One line on stderr.
fn report(what: &str, error: xous_rt::Error) {
    let mut line = xous_rt::Line::new();
    let _ = core::fmt::Write::write_fmt(&mut line, format_args!("ticktimer: {what}: {error:?}\n"));
    xous_rt::write(xous_abi::console::Channel::Stderr, line.as_bytes());
}

/// Reports why the service cannot start; its exit code.
fn fail(what: &str, error: xous_rt::Error) -> usize {
    report(what, error);
    1
}

fn main(_params: usize) -> usize {
    // Time is kept for everyone: never in swap.
    let _ = xous_rt::pin_whole_process();
    let rtc = match Rtc::map() {
        Ok(rtc) => rtc,
        Err(e) => return fail("cannot map the RTC", e),
    };
    let server = Server::create(op::SID);
    match xous_rt::connect(op::SID) {
        Ok(connection) => SELF_CONNECTION.store(connection, Ordering::Relaxed),
        Err(e) => return fail("cannot connect to itself", e),
    }
    let claim = syscall(Syscall::ClaimInterrupt, &[hw::ALARM_IRQ, on_alarm as *const () as usize, rtc.base()]);
    if let Some(e) = error_of(claim) {
        return fail("cannot claim the RTC interrupt", e);
    }
    rtc.enable_interrupt();
    if let Err(e) = xous_rt::watch_exits(op::SID, op::PROCESS_ENDED) {
        report("cannot watch for process exits; what dead processes hold stays", e);
    }

    let mut timer = Ticktimer::new();
    if !timer.reserve_all() {
        return fail("cannot take the memory for its table of held requests", xous_rt::Error::OutOfMemory);
    }
    // The deadline the alarm is set for, if any.
    let mut armed: Option<Ticks> = None;
    // The answer to the message just handled, given with the next receive
    // in one call.
    let mut answer: Option<(usize, Reply)> = None;
    loop {
        let message = match answer.take() {
            Some((sender, Reply::Scalar1(a))) => server.answer_and_receive(sender, &[a]),
            Some((sender, Reply::Scalar2(a, b))) => server.answer_and_receive(sender, &[a, b]),
            None => server.receive(),
        };
        match decode(message.sender, message.kind, message.id, message.args) {
            Decoded::Ticktimer(request) => {
                let reply = timer.handle(hw::ticks(), message.sender, request, &mut Kernel);
                if let (Some(reply), kind::BLOCKING_SCALAR) = (reply, message.kind) {
                    answer = Some((message.sender, reply));
                }
            }
            Decoded::RtcTimeNs => {
                let ns = rtc.now_ns();
                answer = Some((message.sender, Reply::Scalar2(ns as u32 as usize, (ns >> 32) as usize)));
            }
            // The alarm went off: nothing is armed any more. (From anyone
            // else it only makes us look early; a sender that waits for an
            // answer gets one: it used to wait for good.)
            Decoded::Alarm => {
                armed = None;
                reply(&message, 0, 0, op::OK);
            }
            Decoded::ProcessEnded(pid) => timer.process_ended(pid, &mut Kernel),
            Decoded::Malformed => reply(&message, 0, 0, op::BAD_REQUEST),
        }
        let now = hw::ticks();
        timer.expire(now, &mut Kernel);
        let next = timer.next_deadline();
        if next != armed {
            match next {
                Some(at) => rtc.alarm_after_ns(at.saturating_sub(now).saturating_mul(NS_PER_TICK)),
                None => rtc.cancel_alarm(),
            }
            armed = next;
        }
    }
}

xous_rt::entry!(main);
