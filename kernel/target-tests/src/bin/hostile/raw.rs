//! Random syscalls: every number (and some that do not exist), arguments
//! drawn from plausible kinds of words (our own addresses, kernel ones,
//! misaligned ones, lengths small and huge, server IDs of services, of our
//! own servers and made up, connection ids, reply words, PIDs), shaped per
//! syscall half of the time so that more calls get past the first check.
//!
//! A few calls are changed before they are made, so that the run goes on:
//! TerminateProcess and Shutdown are not made (the first would end us, the
//! second the machine); a thread, interrupt handler or exception handler
//! starts only at code of ours that cannot fault; no call touches memory
//! a worker uses (see worker.rs); a join never waits for a worker.

use crate::shared::{self, LOCK_ADDRESSES, OWN_CIDS, OWN_SIDS, SENDERS, SERVICE_CIDS};
use crate::worker::{Received, Worker, MAP_AREA, NEVER_MAPPED, PAGE};
use core::sync::atomic::Ordering;
use kernel_target_tests::{Syscall, SyscallResult};
use xous_abi::memory::USER_END;
use xous_abi::services::{fs, log, names, net, rng, systime, ticktimer};

core::arch::global_asm!(
    // A thread, interrupt handler or exception handler that returns at
    // once, through ra, without touching memory (any sp will do).
    // SAFETY: two instructions that use no memory and no stack.
    ".globl hostile_return",
    "hostile_return:",
    "mv a0, a1",
    "ret",
);

extern "C" {
    fn hostile_return();
}

pub fn return_at_once() -> usize {
    hostile_return as *const () as usize
}

/// SIDs of every service (running or not), and of the block driver's wake server.
pub const FOREIGN_SIDS: [[u32; 4]; 9] = [
    log::SID,
    names::SID,
    ticktimer::SID,
    systime::SID,
    rng::SID,
    fs::SID,
    net::SID,
    match xous_abi::services::sid_from_name("virtio-blk-wake!") {
        Some(sid) => sid,
        None => [0; 4],
    },
    xous_abi::services::proc::SID,
];

/// A SID: a service's, one of ours, one random calls made, or made up.
pub fn sid(w: &mut Worker) -> [usize; 4] {
    match w.rng.below(6) {
        0 | 1 => FOREIGN_SIDS[w.rng.below(FOREIGN_SIDS.len())].map(|x| x as usize),
        2 | 3 => OWN_SIDS[w.rng.below(OWN_SIDS.len())].get(),
        4 => match shared::EXTRA_SIDS[w.rng.below(shared::EXTRA_SIDS.len())].get() {
            // (An empty slot: not SID 0, which no list of ours can hold.)
            [0, 0, 0, 0] => [w.rng.word(), 1, 2, 3],
            sid => sid,
        },
        _ => [w.rng.word(), w.rng.word(), w.rng.word(), w.rng.word()],
    }
}

/// A reply word: one we received, one seen earlier, or made up.
pub fn sender(w: &mut Worker) -> usize {
    match w.rng.below(4) {
        0 => match w.received[w.rng.below(w.received.len())] {
            Some(m) => m.sender,
            None => SENDERS.any(w.rng.word()),
        },
        1 => SENDERS.any(w.rng.word()),
        2 => (w.rng.below(70) << 24) | (w.rng.below(130) << 16) | w.rng.below(300),
        _ => w.rng.word(),
    }
}

/// An address that is surely not something a worker uses.
fn foreign_address(w: &mut Worker) -> usize {
    match w.rng.below(5) {
        0 => 0,
        1 => USER_END + w.rng.below(0x100) * PAGE,
        2 => 0xff80_0000 + w.rng.below(8) * PAGE,
        3 => NEVER_MAPPED.0 + w.rng.below((NEVER_MAPPED.1 - NEVER_MAPPED.0) / PAGE) * PAGE,
        _ => w.rng.word() | 0xff00_0000,
    }
}

/// (address, length) for a memory argument: ours or not, aligned or not.
fn range(w: &mut Worker) -> (usize, usize) {
    let (addr, len) = match w.rng.below(8) {
        0..=3 => w.own_range().unwrap_or_else(|| (foreign_address(w), PAGE)),
        4 => (foreign_address(w), PAGE * (1 + w.rng.below(4))),
        5 => (foreign_address(w), w.rng.pick(&[0, 1, 0x7fff_f000, 0x1000_0000, usize::MAX & !(PAGE - 1)])),
        _ => {
            let (a, l) = w.own_range().unwrap_or((NEVER_MAPPED.0, PAGE));
            (a + 1 + w.rng.below(PAGE - 1), l)
        }
    };
    if w.rng.one_in(8) { (addr, len + 1 + w.rng.below(PAGE - 1)) } else { (addr, len) }
}

/// Any word, of a plausible kind.
fn word(w: &mut Worker) -> usize {
    match w.rng.below(14) {
        0 => 0,
        1 => w.rng.below(4),
        2 => w.rng.below(64),
        3 => w.rng.word(),
        4 => usize::MAX,
        5 => PAGE * w.rng.below(32),
        6 => range(w).0,
        7 => foreign_address(w),
        8 => sid(w)[w.rng.below(4)],
        9 => 1 + w.rng.below(40),
        10 => sender(w),
        11 => w.rng.below(70),
        12 => w.rng.pick(&[0x7fff_f000, 0x1000_0000, 0x8000_0000]),
        _ => w.rng.pick(&LOCK_ADDRESSES),
    }
}

/// One random syscall.
pub fn random_call(w: &mut Worker) {
    let number = match w.rng.below(20) {
        0 => w.rng.word(),
        1 => 47 + w.rng.below(60),
        _ => w.rng.below(47),
    };
    let mut a: [usize; 8] = core::array::from_fn(|_| word(w));
    a[0] = number;
    if w.rng.one_in(2) {
        shape(w, &mut a);
    }
    if !make_safe(w, &mut a) {
        return;
    }
    let r = w.ecall(a);
    if (a[0] == Syscall::SendMessage as usize || a[0] == Syscall::TrySendMessage as usize) && a[2] == 1 {
        // Answered or not (a server closed with our pages in it), whoever
        // had them may have written them.
        rewrite_patterns(w, a[4], a[5]);
    }
    after(w, &a, &r);
}

/// Arguments of the right kind for the call (still random values).
fn shape(w: &mut Worker, a: &mut [usize; 8]) {
    let n = a[0];
    let s = sid(w);
    let (addr, len) = range(w);
    if n == Syscall::MapMemory as usize {
        a[1] = if w.rng.one_in(6) { 0x1000_1000 + w.rng.below(9) * PAGE } else { 0 };
        a[2] = if w.rng.one_in(3) { MAP_AREA.0 + w.rng.below((MAP_AREA.1 - MAP_AREA.0) / PAGE) * PAGE } else { 0 };
        a[3] = PAGE * (1 + w.rng.below(16));
        a[4] = w.rng.below(0x40);
    } else if [Syscall::UnmapMemory as usize, Syscall::VirtToPhys as usize].contains(&n) {
        (a[1], a[2]) = (addr, len);
    } else if n == Syscall::UpdateMemoryFlags as usize {
        (a[1], a[2], a[3]) = (addr, len, w.rng.below(16));
        a[4] = w.rng.pick(&[0, 0, 1, 2, 3, 200]);
    } else if [Syscall::CreateServerWithAddress as usize, Syscall::ReceiveMessage as usize, Syscall::TryReceiveMessage as usize, Syscall::Connect as usize, Syscall::TryConnect as usize, Syscall::DestroyServer as usize].contains(&n) {
        a[1..5].copy_from_slice(&s);
    } else if n == Syscall::ConnectForProcess as usize {
        a[1] = w.rng.below(70);
        a[2..6].copy_from_slice(&s);
    } else if [Syscall::SendMessage as usize, Syscall::TrySendMessage as usize].contains(&n) {
        a[1] = cid(w);
        a[2] = w.rng.below(7);
        a[3] = w.rng.below(0x110);
        if (1..=3).contains(&a[2]) {
            (a[4], a[5]) = (addr, len);
        }
    } else if n == Syscall::ReturnMemory as usize {
        a[1] = sender(w);
        (a[2], a[3]) = (addr, len);
    } else if [Syscall::ReturnScalar1 as usize, Syscall::ReturnScalar2 as usize, Syscall::ReturnScalar5 as usize, Syscall::ReplyAndReceiveNext as usize].contains(&n) {
        a[1] = sender(w);
        if n == Syscall::ReplyAndReceiveNext as usize {
            a[7] = w.rng.pick(&[1, 2, 5, usize::MAX]);
        }
    } else if n == Syscall::CreateProcess as usize {
        // A child from one of our ranges, its entry somewhere in it.
        a[1] = 0x7ffe_0000;
        a[2] = 0x2_0000;
        (a[3], a[4]) = (addr, len);
        a[5] = 0x1_0000;
        a[6] = 0x1_0000 + 2 * w.rng.below(len.min(0x10_0000) / 2 + 1);
        a[7] = 0;
    } else if n == Syscall::PlatformSpecific as usize {
        // Every meta-opcode (CONSOLE_INPUT is the log service's alone, a
        // child may be named only by its parent) and one past the last.
        a[1] = w.rng.below(xous_abi::platform::NAME_CHILD + 2);
        match a[1] {
            1 => (a[3], a[4]) = (addr, len),
            2 | 4 => a[2..6].copy_from_slice(&s),
            6 => (a[2], a[3]) = (addr, len),
            7 => {
                a[2] = w.rng.below(34);
                (a[3], a[4]) = (addr, w.rng.below(80));
            }
            _ => a[2] = w.rng.below(34),
        }
    } else if [Syscall::IncreaseHeap as usize, Syscall::DecreaseHeap as usize].contains(&n) {
        a[1] = PAGE * w.rng.below(64);
        a[2] = w.rng.below(16);
    } else if n == Syscall::AdjustProcessLimit as usize {
        a[1] = w.rng.below(4);
    } else if n == Syscall::SetMemRegion as usize {
        a[1] = w.rng.below(70);
        a[2] = w.rng.below(6);
        (a[3], a[4]) = (addr, len);
    } else if [Syscall::JoinThread as usize, Syscall::ClaimInterrupt as usize, Syscall::FreeInterrupt as usize].contains(&n) {
        a[1] = w.rng.below(100);
    }
}

/// A connection id: a service's, one of ours, or any small number.
fn cid(w: &mut Worker) -> usize {
    match w.rng.below(3) {
        0 => SERVICE_CIDS[w.rng.below(SERVICE_CIDS.len())].load(Ordering::Relaxed),
        1 => OWN_CIDS[w.rng.below(OWN_CIDS.len())].load(Ordering::Relaxed),
        _ => w.rng.below(40),
    }
}

/// Whether a memory argument `[addr, addr + len)` names nothing another
/// worker (or this one's stacks and request pages) uses: it lies inside
/// one of this worker's ranges or where nothing of ours is, or the kernel
/// refuses it before looking at a page (misaligned, empty, out of user space).
fn harmless(w: &Worker, addr: usize, len: usize) -> bool {
    let Some(end) = addr.checked_add(len) else { return true };
    if addr % PAGE != 0 || len % PAGE != 0 || len == 0 || end > USER_END || addr == 0 {
        return true;
    }
    let within = |a: usize, n: usize| a <= addr && end <= a + n;
    w.scratch.iter().flatten().any(|r| within(r.addr, r.pages * PAGE))
        || w.loose.iter().any(|e| *e != 0 && {
            let (a, n) = crate::worker::split_loose(*e);
            within(a, n * PAGE)
        })
        || w.received.iter().flatten().any(|m| m.kind <= 2 && within(m.args[0], m.args[1]))
        || within(NEVER_MAPPED.0, NEVER_MAPPED.1 - NEVER_MAPPED.0)
}

/// Changes what would hurt the run itself; false: do not make this call.
fn make_safe(w: &mut Worker, a: &mut [usize; 8]) -> bool {
    let n = a[0];
    let entry_ok = |x: usize| x == 0 || x >= USER_END;
    match Syscall::from_usize(n) {
        Some(Syscall::TerminateProcess | Syscall::Shutdown) => return false,
        Some(Syscall::CreateThread) => {
            if !entry_ok(a[1]) {
                a[1] = return_at_once();
            }
        }
        Some(Syscall::JoinThread | Syscall::PlatformSpecific) if a[0] == Syscall::JoinThread as usize || a[1] == 3 => {
            // Joining or detaching another thread of ours would wait for a
            // worker for good, or take the slot of one it may join: only
            // ourselves, the interrupt handler's slot (0), or no thread.
            let at = if a[0] == Syscall::JoinThread as usize { 1 } else { 2 };
            let me = w.call(Syscall::GetThreadId, &[])[1];
            if a[at] != me && a[at] != 0 && a[at] < 32 {
                a[at] = me;
            }
        }
        Some(Syscall::SetExceptionHandler) => {
            // Ours stays (crate::on_fault): one that returned would retry
            // the fault for ever.
            if a[1] < USER_END {
                a[1] = crate::on_fault as *const () as usize;
                a[2] = crate::FAULT_STACK_TOP;
            }
        }
        Some(Syscall::ClaimInterrupt) => {
            if !entry_ok(a[2]) {
                a[2] = return_at_once();
            }
        }
        Some(Syscall::MapMemory) => {
            if a[2] != 0 && a[2] < USER_END && !(MAP_AREA.0..MAP_AREA.1).contains(&a[2]) {
                a[2] = MAP_AREA.0 + (a[2] % (MAP_AREA.1 - MAP_AREA.0));
            }
        }
        Some(Syscall::UnmapMemory | Syscall::UpdateMemoryFlags) => {
            if !harmless(w, a[1], a[2]) {
                a[1] = foreign_address(w);
                a[2] = PAGE;
            }
            if n == Syscall::UpdateMemoryFlags as usize && a[4] != 0 && w.rng.one_in(2) {
                a[4] = 0;
            }
        }
        Some(Syscall::CreateProcess) => {
            // A child's pages come only from a scratch region (read-write,
            // never executable), so it faults at its first instruction and
            // ends: one from pages of code (random mappings may be
            // executable, and lends fill pages with random bytes) could
            // loop for good, a process no one can end.
            let end = a[3].saturating_add(a[4]);
            let scratch = w.scratch.iter().flatten().any(|r| r.addr <= a[3] && end <= r.addr + r.pages * PAGE);
            if !scratch && !(a[3] % PAGE != 0 || a[4] % PAGE != 0 || a[4] == 0 || end > USER_END || a[3] == 0) {
                a[3] = foreign_address(w);
                a[4] = PAGE;
            }
        }
        Some(Syscall::SendMessage | Syscall::TrySendMessage) => {
            if (1..=3).contains(&a[2]) && !harmless(w, a[4], a[5]) {
                a[4] = foreign_address(w);
                a[5] = PAGE;
            }
            quiet_log(w, a, 2);
            bounded_wait(w, a);
        }
        Some(Syscall::CreateServerWithAddress) if a[1..5] == [0; 4] => {
            // SID 0 marks an empty slot in our lists: a server there would
            // never be destroyed, and a message to it never answered.
            a[1] = 1;
        }
        Some(Syscall::Connect) => {
            // A Connect to a server that is not there waits until the
            // supervisor makes it; most are made TryConnects, so that
            // the waiters stay fewer than the servers it can make.
            let known = OWN_SIDS.iter().any(|s| s.get()[..] == a[1..5])
                || (0..FOREIGN_SIDS.len()).any(|s| FOREIGN_SIDS[s].map(|x| x as usize)[..] == a[1..5] && crate::services::present(s));
            if !known && !w.rng.one_in(32) {
                a[0] = Syscall::TryConnect as usize;
            }
            if a[1..5] == [0; 4] {
                // (All zero marks an empty slot of the supervisor's list.)
                a[1] = 1;
            }
        }
        Some(Syscall::Disconnect) => {
            // Not the connections the targeted requests use: a number let
            // go may come back leading to another server, and a request
            // meant for a service would wait there.
            let kept = |c: usize| SERVICE_CIDS.iter().chain(OWN_CIDS.iter()).any(|k| k.load(Ordering::Relaxed) == c);
            if kept(a[1]) {
                a[1] = 40 + w.rng.below(10);
            }
        }
        Some(Syscall::SetMemRegion) => {
            let me = w.call(Syscall::GetProcessId, &[])[1];
            if a[1] == me && a[2] == 1 {
                (a[3], a[4]) = (MAP_AREA.0, MAP_AREA.1 - MAP_AREA.0);
            }
        }
        Some(Syscall::PlatformSpecific) => match a[1] {
            1 => {
                // The console: never stdout (it is the innocent's); the
                // crash channel is tried (the kernel refuses it); a few bytes.
                if !matches!(a[2], 0 | 2 | 3) {
                    a[2] = 2;
                }
                a[4] = a[4].min(48);
            }
            _ => {}
        },
        _ => {}
    }
    true
}

/// A message to the log service (or possibly so) writes nothing to stdout
/// and at most a few bytes to stderr: `kind_at` is the kind's index in `a`.
pub fn quiet_log(w: &mut Worker, a: &mut [usize; 8], kind_at: usize) {
    if a[kind_at - 1] != SERVICE_CIDS[crate::services::LOG].load(Ordering::Relaxed) {
        return;
    }
    if a[kind_at + 1] == log::STDOUT {
        a[kind_at + 1] = log::STDERR;
    }
    if (1..=2).contains(&a[kind_at]) && !w.rng.one_in(16) {
        a[kind_at + 5] = usize::MAX;
    } else {
        a[kind_at + 5] = a[kind_at + 5].min(24);
    }
}

/// A request the ticktimer would hold for good (a sleep of hours, a lock
/// or condition nobody else knows) is made one it lets go of: a sleep of
/// a few ms, the lock addresses the supervisor unlocks and notifies.
fn bounded_wait(w: &mut Worker, a: &mut [usize; 8]) {
    if a[1] != SERVICE_CIDS[crate::services::TICKTIMER].load(Ordering::Relaxed) {
        return;
    }
    match a[3] {
        ticktimer::SLEEP_MS => a[4] %= 16,
        ticktimer::LOCK_MUTEX | ticktimer::WAIT_FOR_CONDITION => {
            a[4] = w.rng.pick(&LOCK_ADDRESSES);
            a[5] %= 64;
        }
        _ => {}
    }
}

/// What a call that succeeded changed for us.
fn after(w: &mut Worker, a: &[usize; 8], r: &[usize; 8]) {
    let ok = r[0] != SyscallResult::Error as usize && r[0] != SyscallResult::Unimplemented as usize;
    if !ok {
        return;
    }
    match Syscall::from_usize(a[0]) {
        Some(Syscall::MapMemory) if r[0] == SyscallResult::MemoryRange as usize => w.add_loose(r[1], r[2] / PAGE),
        Some(Syscall::UnmapMemory | Syscall::UpdateMemoryFlags) => w.forget(a[1], a[2]),
        Some(Syscall::CreateProcess) => {
            w.forget(a[3], a[4]);
            crate::shared::CHILDREN.fetch_add(1, Ordering::Relaxed);
        }
        Some(Syscall::SendMessage | Syscall::TrySendMessage) if a[2] == 3 => w.forget(a[4], a[5]),
        Some(Syscall::CreateThread) if r[0] == SyscallResult::ThreadId as usize => {
            // It returns at once; joined now, its slot is free again (the
            // process detaches, so no other thread gets the slot before).
            w.call(Syscall::JoinThread, &[r[1]]);
        }
        Some(Syscall::CreateServer | Syscall::CreateServerWithAddress) => {
            let sid = if a[0] == Syscall::CreateServer as usize { [r[1], r[2], r[3], r[4]] } else { [a[1], a[2], a[3], a[4]] };
            keep_extra_server(w, sid);
        }
        Some(Syscall::ReceiveMessage | Syscall::TryReceiveMessage) if r[0] == SyscallResult::MessageEnvelope as usize => {
            w.keep_received(Received { sender: r[1], kind: r[2], id: r[3], args: [r[4], r[5], r[6], r[7]] });
        }
        Some(Syscall::ReplyAndReceiveNext) => {
            answered(w, a[1]);
            if r[0] == SyscallResult::MessageEnvelope as usize {
                w.keep_received(Received { sender: r[1], kind: r[2], id: r[3], args: [r[4], r[5], r[6], r[7]] });
            }
        }
        Some(Syscall::ReturnMemory | Syscall::ReturnScalar1 | Syscall::ReturnScalar2 | Syscall::ReturnScalar5) => answered(w, a[1]),
        _ => {}
    }
}

/// The message with reply word `sender` was answered.
fn answered(w: &mut Worker, sender: usize) {
    for m in w.received.iter_mut() {
        if m.is_some_and(|m| m.sender == sender) {
            *m = None;
        }
    }
}

/// A server a random call made: kept in a ring, and the one it displaces destroyed.
pub fn keep_extra_server(w: &mut Worker, sid: [usize; 4]) {
    let slot = shared::EXTRA_NEXT.fetch_add(1, Ordering::Relaxed) % shared::EXTRA_SIDS.len();
    let old = shared::EXTRA_SIDS[slot].get();
    shared::EXTRA_SIDS[slot].set(sid);
    if old != [0; 4] {
        w.call(Syscall::DestroyServer, &old);
    }
}

/// A mutable lend of ours came back: whoever had it may have written it.
pub fn rewrite_patterns(w: &mut Worker, addr: usize, len: usize) {
    let end = addr.saturating_add(len);
    for r in w.scratch.iter().flatten() {
        if r.addr < end && addr < r.addr + r.pages * PAGE {
            crate::worker::write_pattern(r);
        }
    }
}

