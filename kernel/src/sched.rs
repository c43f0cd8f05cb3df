//! The run queue: threads ready to run, in the order they became ready.
//!
//! Round robin: the timer moves the running thread to the back; a thread
//! that blocks is simply not in the queue, so it costs nothing until it is
//! woken. A ready thread is either the running one or in the queue, once:
//! the kernel keeps to that, so adding a thread needs no search (host tests
//! check it).

use crate::kernel::{Kernel, Platform};
use crate::thread::ThreadState;
use crate::process::MAX_PROCESSES;
use xous_abi::SyscallResult;

/// A thread, named by its process and its slot: 1..=31 for threads, 0 for
/// the process's interrupt handler (`thread::INTERRUPT_CONTEXT`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ThreadRef {
    pub pid: u8,
    pub tid: u8,
}

/// Every thread that can exist: each process's first 32 slots, and the
/// pages of more that the system allows (threads.rs).
const CAPACITY: usize = (MAX_PROCESSES + crate::threads::MORE_BLOCKS) * crate::thread::CONTEXTS_PER_PAGE;

pub struct RunQueue {
    ring: [ThreadRef; CAPACITY],
    head: usize,
    len: usize,
}

impl RunQueue {
    pub const fn new() -> RunQueue {
        RunQueue { ring: [ThreadRef { pid: 0, tid: 0 }; CAPACITY], head: 0, len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = ThreadRef> + '_ {
        (0..self.len).map(|i| self.ring[(self.head + i) % CAPACITY])
    }

    pub fn contains(&self, t: ThreadRef) -> bool {
        self.iter().any(|q| q == t)
    }

    /// Adds `t`, which is not queued, at the back.
    pub fn push(&mut self, t: ThreadRef) {
        debug_assert!(!self.contains(t), "{t:?} is queued already");
        assert!(self.len < CAPACITY, "run queue holds every thread at most once");
        self.ring[(self.head + self.len) % CAPACITY] = t;
        self.len += 1;
    }

    /// Adds `t`, which is not queued, at the front: it runs next.
    #[inline(always)]
    pub fn push_front(&mut self, t: ThreadRef) {
        debug_assert!(!self.contains(t), "{t:?} is queued already");
        assert!(self.len < CAPACITY, "run queue holds every thread at most once");
        self.head = (self.head + CAPACITY - 1) % CAPACITY;
        self.ring[self.head] = t;
        self.len += 1;
    }

    pub fn pop(&mut self) -> Option<ThreadRef> {
        if self.len == 0 {
            return None;
        }
        let t = self.ring[self.head];
        self.head = (self.head + 1) % CAPACITY;
        self.len -= 1;
        Some(t)
    }

    /// Takes `t` out of the queue (it stopped being ready while queued: rare,
    /// so out of line).
    #[cold]
    #[inline(never)]
    pub fn take_out(&mut self, t: ThreadRef) {
        self.remove(|q| q == t);
    }

    /// Drops every queued thread for which `matches` holds (a dying process's threads).
    pub fn remove(&mut self, matches: impl Fn(ThreadRef) -> bool) {
        let mut kept = 0;
        for i in 0..self.len {
            let t = self.ring[(self.head + i) % CAPACITY];
            if !matches(t) {
                self.ring[(self.head + kept) % CAPACITY] = t;
                kept += 1;
            }
        }
        self.len = kept;
    }
}

/// What the ending system does next (`Kernel::power_off_step`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PowerOff {
    /// Everything to drain is drained: power off.
    Now,
    /// Run this thread of a draining server's process.
    Run(ThreadRef),
    /// A draining server has messages but no thread of its process is
    /// ready: wait for an interrupt (or the deadline).
    Wait,
}

/// Which change of a thread's state `Kernel::set_state` makes, and so
/// where the thread goes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Move {
    /// It was ready and is not any more: off the processor, or out of the queue.
    Off,
    /// It becomes ready, after the others.
    Back,
    /// It becomes ready and runs next.
    Front,
    /// It becomes ready and runs at once if the processor is free (a
    /// message's receiver, when its sender waits for the reply), else next.
    Now,
    /// It is not ready before or after (an exited thread's slot freed).
    Stays,
}

/// Every change of a thread's state is made here: thread `t`, whose state
/// is `slot`, becomes `state` and moves as `how` says, so the rule of the
/// run queue holds: a Ready thread is the current one or queued, once, and
/// no other thread is either. `how` says which change it is, so nothing is
/// looked up for it (host tests check the claim, and the rule after every
/// syscall). `Kernel::set_state` finds the slot; the fast path has it.
#[inline(always)]
pub fn change_state(slot: &mut ThreadState, queue: &mut RunQueue, current: &mut Option<ThreadRef>, t: ThreadRef, state: ThreadState, how: Move) {
    let claim = (how == Move::Off, !matches!(how, Move::Off | Move::Stays));
    debug_assert_eq!((*slot == ThreadState::Ready, state == ThreadState::Ready), claim, "{t:?}: {:?} to {state:?} by {how:?}", *slot);
    *slot = state;
    match how {
        Move::Off if *current == Some(t) => *current = None,
        Move::Off => queue.take_out(t),
        Move::Back => queue.push(t),
        Move::Now if current.is_none() => *current = Some(t),
        Move::Front | Move::Now => queue.push_front(t),
        Move::Stays => {}
    }
}

impl<P: Platform> Kernel<P> {
    /// Thread `t` becomes `state`, moved as `how` says (`change_state`);
    /// false if its process is gone.
    #[inline(always)]
    pub fn set_state(&mut self, t: ThreadRef, state: ThreadState, how: Move) -> bool {
        let Some(p) = self.procs.get_mut(t.pid) else { return false };
        match p.threads.get_mut(t.tid as usize) {
            Some(slot) => change_state(slot, &mut self.queue, &mut self.current, t, state, how),
            None => return self.set_more_state(t, state, how),
        }
        true
    }

    /// The fast path's switch: the calling thread `t`, which runs and has
    /// just stopped being ready (its new state written by the caller),
    /// gives the processor to `next` (an id below 32, waiting until now),
    /// which becomes ready and runs. The same as `set_state(t, ..,
    /// Move::Off)` then `set_state(next, Ready, Move::Now)`, without asking
    /// what runs: only the running thread can make a syscall (the host
    /// tests' callers run too, `tests::runs`, and the run queue's rule is
    /// checked after every syscall there).
    #[inline(always)]
    pub fn hand_over(&mut self, t: ThreadRef, next: ThreadRef) {
        debug_assert_eq!(self.current, Some(t), "the caller runs");
        debug_assert_ne!(self.procs.get(t.pid).map(|p| p.threads[t.tid as usize]), Some(ThreadState::Ready));
        if let Some(p) = self.procs.get_mut(next.pid) {
            let state = &mut p.threads[next.tid as usize % crate::thread::CONTEXTS_PER_PAGE];
            debug_assert_ne!(*state, ThreadState::Ready, "{next:?} waited");
            *state = ThreadState::Ready;
            self.current = Some(next);
        }
    }

    /// Process `pid` has left the table, and its threads' states with it:
    /// none of them may stay queued or current. The one change of the run
    /// queue besides `set_state`, `next_thread` (and its copy in the trap
    /// path), the two `preempt`s and `power_off_step`.
    pub fn take_off_process(&mut self, pid: u8) {
        self.queue.remove(|t| t.pid == pid);
        if self.current.is_some_and(|t| t.pid == pid) {
            self.current = None;
        }
    }

    /// The waiting thread `t` gets this answer and becomes ready, moved as `how` says.
    #[inline]
    pub fn wake(&mut self, t: ThreadRef, how: Move, tag: SyscallResult, payload: &[usize]) {
        if self.set_state(t, ThreadState::Ready, how) {
            self.answer(t, tag, payload);
        }
    }

    /// Lets every thread waiting to repeat its syscall try again.
    #[inline]
    pub fn wake_retries(&mut self) {
        if self.retries_waiting {
            self.wake_all_retries();
        }
    }

    #[inline(never)]
    fn wake_all_retries(&mut self) {
        self.retries_waiting = false;
        for pid in crate::process::FIRST_PID..=MAX_PROCESSES as u8 {
            let mut from = 1;
            while let Some(tid) = self.find_thread(pid, from, |s| s == ThreadState::Retry) {
                self.set_state(ThreadRef { pid, tid }, ThreadState::Ready, Move::Back);
                from = tid as usize + 1;
            }
        }
    }

    /// The thread to run now: the current one if it can go on, else the next ready one.
    pub fn next_thread(&mut self) -> Option<ThreadRef> {
        if self.current.is_none() {
            self.current = self.queue.pop();
        }
        self.current
    }

    /// The system is ending (`halted` is set): what to do next. Only the
    /// processes owning a server drained before power-off still run (every
    /// other thread is taken off the processor and out of the run queue for
    /// good, its state left as it was: from here on the rule of the run
    /// queue no longer holds, and nothing needs it); the machine powers off once none of theirs is ready and those
    /// servers' queues are empty. Without such servers that is at once.
    pub fn power_off_step(&mut self) -> PowerOff {
        if let Some(t) = self.current {
            if self.ipc.drains(t.pid) {
                return PowerOff::Run(t);
            }
            self.current = None;
        }
        while let Some(t) = self.queue.pop() {
            if self.ipc.drains(t.pid) {
                self.current = Some(t);
                return PowerOff::Run(t);
            }
        }
        if self.ipc.drained() { PowerOff::Now } else { PowerOff::Wait }
    }

    /// An interrupt's handler is to run first: the running thread goes to
    /// the front of the queue, to run right after it.
    pub fn preempt_to_front(&mut self) {
        if let Some(t) = self.current.take() {
            self.queue.push_front(t);
        }
    }

    /// Timer tick: the running thread goes to the back of the queue.
    pub fn preempt(&mut self) {
        if let Some(t) = self.current.take() {
            self.queue.push(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pid: u8, tid: u8) -> ThreadRef {
        ThreadRef { pid, tid }
    }

    #[test]
    fn round_robin() {
        let mut q = RunQueue::new();
        q.push(t(2, 1));
        q.push(t(3, 1));
        assert_eq!(q.len(), 2);
        let first = q.pop().unwrap();
        q.push(first);
        assert_eq!(q.pop(), Some(t(3, 1)));
        assert_eq!(q.pop(), Some(t(2, 1)));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn front_and_removal() {
        let mut q = RunQueue::new();
        for pid in 2..6 {
            q.push(t(pid, 1));
            q.push(t(pid, 2));
        }
        q.remove(|x| x == t(5, 2));
        q.push_front(t(5, 2));
        assert_eq!(q.len(), 8);
        q.remove(|x| x.pid == 3);
        assert_eq!(q.len(), 6);
        assert_eq!(q.pop(), Some(t(5, 2)));
        let rest: Vec<ThreadRef> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(rest, [t(2, 1), t(2, 2), t(4, 1), t(4, 2), t(5, 1)]);
    }

    #[test]
    #[should_panic(expected = "queued already")]
    fn a_thread_is_queued_once() {
        let mut q = RunQueue::new();
        q.push(t(2, 1));
        q.push_front(t(2, 1));
    }

    #[test]
    fn wraps_around_the_ring() {
        let mut q = RunQueue::new();
        for round in 0..3 * CAPACITY {
            q.push(t((round % 60) as u8 + 2, 1));
            assert!(q.pop().is_some());
        }
        assert!(q.is_empty());
    }
}
