//! The ticktimer's logic without the hardware: what each request does to
//! the table of held requests and the deadline queue, and who gets answered.
//! The process (`main.rs`) feeds it messages and the current time and
//! delivers the answers; everything here is unit-tested on the host.
//!
//! Requests are keyed by the sender's PID (from the envelope's sender word,
//! set by the kernel) and the address std passes: a mutex or condition at
//! the same address in two processes is two objects.
//!
//! A process's table lives as long as the process: the kernel's exit notice
//! (`process_ended`) empties it and takes its deadlines out of the queue.
//!
//! Time is the `time` CSR's count (`Ticks`, board::TIMEBASE_HZ a second):
//! monotonic, and read by the caller of every function here.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod deadlines;
pub mod request;
pub mod table;

use deadlines::{Deadlines, Key};
use table::{Entry, Table, POOL};
use xous_abi::limits::MAX_PROCESSES;
use xous_abi::message::MessageSender;
use xous_abi::services::ticktimer::{BAD_REQUEST, OK, TABLE_FULL, TIMED_OUT, TIME_SOURCE_TAG};

pub use request::{decode, Decoded, Request};

/// The memory `Ticktimer::reserve_all` takes: a slot and a deadline for
/// each of the pool's held requests.
pub const RESERVED_BYTES: usize = POOL * (table::SLOT_BYTES + deadlines::ENTRY_BYTES);

/// A count of the `time` CSR.
pub type Ticks = u64;
pub const TICKS_PER_MS: Ticks = board::TIMEBASE_HZ / 1000;

/// PIDs that can send (1..=MAX_PROCESSES; 0 is never a sender).
const TABLES: usize = MAX_PROCESSES + 1;

/// An answer to a BlockingScalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    Scalar1(usize),
    Scalar2(usize, usize),
}

/// Delivers answers to requests the ticktimer held.
pub trait Replies {
    /// Answers `sender`; false if it could not be delivered (the kernel
    /// knows no such request waiting: its sender is gone).
    fn send(&mut self, sender: usize, reply: Reply) -> bool;
}

pub struct Ticktimer {
    /// What is held, for every process.
    table: Table,
    deadlines: Deadlines<POOL>,
}

impl Default for Ticktimer {
    fn default() -> Self {
        Self::new()
    }
}

impl Ticktimer {
    pub const fn new() -> Ticktimer {
        Ticktimer { table: Table::new(), deadlines: Deadlines::new() }
    }

    /// Takes the memory for the whole pool and deadline queue now; false
    /// if there is not enough. The service does this at start: a request
    /// refused later for want of memory would be TABLE_FULL, which std
    /// reads as a lock granted (main.rs), so with the pool reserved std's
    /// clients are never refused (they cannot fill it: table.rs).
    pub fn reserve_all(&mut self) -> bool {
        self.table.reserve_all() && self.deadlines.reserve_all()
    }

    /// Handles one request of `sender` at time `now`. Returns the answer
    /// for the sender now, or `None` when the request is held (it is
    /// answered later through `out`). Requests of other threads that this
    /// one completes (an unlock, a notify) are answered through `out`.
    pub fn handle(&mut self, now: Ticks, sender: usize, request: Request, out: &mut impl Replies) -> Option<Reply> {
        let pid = MessageSender(sender).pid();
        if pid == 0 || pid as usize >= TABLES {
            return Some(Reply::Scalar1(BAD_REQUEST));
        }
        match request {
            Request::ElapsedMs => {
                let ms = now / TICKS_PER_MS;
                Some(Reply::Scalar2(ms as u32 as usize, (ms >> 32) as usize))
            }
            // The board's `time` CSR is readable from user mode (this
            // service reads it so too): std may read it itself.
            Request::TimeSource => Some(Reply::Scalar2(board::TIMEBASE_HZ as usize, TIME_SOURCE_TAG)),
            Request::SleepMs(0) => Some(Reply::Scalar1(OK)),
            Request::SleepMs(ms) => self.hold(pid, Entry::Sleeping { sender }, Some(after(now, ms))),
            Request::LockMutex(mutex) => self.lock(pid, sender, mutex),
            Request::UnlockMutex(mutex) => Some(Reply::Scalar1(self.unlock(pid, mutex, out))),
            Request::WaitForCondition { condition, timeout_ms } => {
                let deadline = (timeout_ms != 0).then(|| after(now, timeout_ms));
                self.hold(pid, Entry::Waiting { sender, condition }, deadline)
            }
            Request::NotifyCondition { condition, count } => Some(Reply::Scalar1(self.notify(pid, condition, count, out))),
            Request::FreeMutex(mutex) => {
                self.free_mutex(pid, mutex, out);
                Some(Reply::Scalar1(OK))
            }
            Request::FreeCondition(condition) => {
                self.free_condition(pid, condition, out);
                Some(Reply::Scalar1(OK))
            }
            Request::HeldFor(target) => Some(self.held_for(target)),
        }
    }

    /// Process `pid` ended (the kernel's exit notice): everything held for
    /// it goes, so nothing of it reaches a later process with its PID.
    /// Each held request is still answered: the kernel keeps a dead
    /// sender's message, and the reply word naming it, until the server
    /// answers, and drops the answer; answering is what frees it.
    pub fn process_ended(&mut self, pid: u8, out: &mut impl Replies) {
        while let Some(slot) = self.table.oldest(pid, |_| true) {
            if let Some(sender) = self.table.remove(pid, slot).and_then(|e| e.sender()) {
                out.send(sender, Reply::Scalar1(TIMED_OUT));
            }
        }
        self.deadlines.remove_process(pid);
    }

    /// HeldFor: (entries in `pid`'s table, of them in the deadline queue).
    fn held_for(&self, pid: usize) -> Reply {
        let Ok(pid) = u8::try_from(pid) else { return Reply::Scalar2(0, 0) };
        Reply::Scalar2(self.table.len(pid), self.deadlines.count_for(pid))
    }

    /// Answers every held request whose deadline is at or before `now`:
    /// sleeps with `OK`, condition waits with `TIMED_OUT`.
    pub fn expire(&mut self, now: Ticks, out: &mut impl Replies) {
        while let Some(Key { pid, slot }) = self.deadlines.pop_due(now) {
            let table = &mut self.table;
            let (sender, result) = match table.get(pid, slot) {
                Some(Entry::Sleeping { sender }) => (sender, OK),
                Some(Entry::Waiting { sender, .. }) => (sender, TIMED_OUT),
                // Only sleeps and timed waits are ever in the queue.
                _ => continue,
            };
            table.remove(pid, slot);
            // A sender that is gone needs nothing more: its entry is gone too.
            out.send(sender, Reply::Scalar1(result));
        }
    }

    /// When the next held request falls due.
    pub fn next_deadline(&self) -> Option<Ticks> {
        self.deadlines.earliest()
    }

    /// Keeps a request to answer later (with a deadline, if it has one).
    fn hold(&mut self, pid: u8, entry: Entry, deadline: Option<Ticks>) -> Option<Reply> {
        let table = &mut self.table;
        let Some(slot) = table.add(pid, entry) else {
            return Some(Reply::Scalar1(TABLE_FULL));
        };
        if let Some(at) = deadline {
            // The queue has room for every slot of the pool; should that
            // ever not hold, the request is refused like a full table.
            if self.deadlines.insert(at, Key { pid, slot }).is_err() {
                table.remove(pid, slot);
                return Some(Reply::Scalar1(TABLE_FULL));
            }
        }
        None
    }

    /// LockMutex: takes a remembered unlock if there is one, else waits.
    fn lock(&mut self, pid: u8, sender: usize, mutex: usize) -> Option<Reply> {
        let table = &mut self.table;
        let unlocked = table.oldest(pid, |e| matches!(*e, Entry::Unlocked { mutex: m, .. } if m == mutex));
        if let Some(slot) = unlocked {
            if let Some(Entry::Unlocked { count, .. }) = table.get_mut(pid, slot) {
                *count -= 1;
                if *count == 0 {
                    table.remove(pid, slot);
                }
            }
            return Some(Reply::Scalar1(OK));
        }
        self.hold(pid, Entry::Locking { sender, mutex }, None)
    }

    /// UnlockMutex: hands the mutex to the thread that has waited longest;
    /// with no one waiting (their LockMutex is still on its way), remembers
    /// the unlock for the next LockMutex. The result for the unlocker.
    fn unlock(&mut self, pid: u8, mutex: usize, out: &mut impl Replies) -> usize {
        let table = &mut self.table;
        let waiter = |e: &Entry| matches!(*e, Entry::Locking { mutex: m, .. } if m == mutex);
        while let Some(slot) = table.oldest(pid, waiter) {
            if let Some(Entry::Locking { sender, .. }) = table.remove(pid, slot) {
                if out.send(sender, Reply::Scalar1(OK)) {
                    return OK;
                }
            }
        }
        let remembered = table.oldest(pid, |e| matches!(*e, Entry::Unlocked { mutex: m, .. } if m == mutex));
        if let Some(Entry::Unlocked { count, .. }) = remembered.and_then(|slot| table.get_mut(pid, slot)) {
            *count += 1;
            return OK;
        }
        match self.table.add(pid, Entry::Unlocked { mutex, count: 1 }) {
            Some(_) => OK,
            None => TABLE_FULL,
        }
    }

    /// NotifyCondition: wakes up to `count` waiters, longest waiting first;
    /// the number woken (std subtracts it from the number it still owes).
    fn notify(&mut self, pid: u8, condition: usize, count: usize, out: &mut impl Replies) -> usize {
        let mut woken = 0;
        while woken < count {
            let Some((slot, sender)) = self.take_waiter(pid, condition) else { break };
            self.deadlines.remove(Key { pid, slot });
            if out.send(sender, Reply::Scalar1(OK)) {
                woken += 1;
            }
        }
        woken
    }

    /// The longest-waiting thread on `condition`, out of the table.
    fn take_waiter(&mut self, pid: u8, condition: usize) -> Option<(u16, usize)> {
        let table = &mut self.table;
        let slot = table.oldest(pid, |e| matches!(*e, Entry::Waiting { condition: c, .. } if c == condition))?;
        match table.remove(pid, slot)? {
            Entry::Waiting { sender, .. } => Some((slot, sender)),
            _ => None,
        }
    }

    /// FreeMutex: forgets remembered unlocks. A thread still waiting for a
    /// mutex that its process freed (a client bug) is let go rather than
    /// left hanging.
    fn free_mutex(&mut self, pid: u8, mutex: usize, out: &mut impl Replies) {
        let table = &mut self.table;
        let of_mutex = |e: &Entry| matches!(*e, Entry::Locking { mutex: m, .. } | Entry::Unlocked { mutex: m, .. } if m == mutex);
        while let Some(slot) = table.oldest(pid, of_mutex) {
            if let Some(Entry::Locking { sender, .. }) = table.remove(pid, slot) {
                out.send(sender, Reply::Scalar1(OK));
            }
        }
    }

    /// FreeCondition: nothing is kept for a condition but its waiters, and
    /// std frees it only when none are left; any that are (a client bug)
    /// are answered as not notified.
    fn free_condition(&mut self, pid: u8, condition: usize, out: &mut impl Replies) {
        while let Some((slot, sender)) = self.take_waiter(pid, condition) {
            self.deadlines.remove(Key { pid, slot });
            out.send(sender, Reply::Scalar1(TIMED_OUT));
        }
    }
}

/// `ms` milliseconds after `now`.
fn after(now: Ticks, ms: usize) -> Ticks {
    now.saturating_add((ms as Ticks).saturating_mul(TICKS_PER_MS))
}

#[cfg(test)]
mod tests;
