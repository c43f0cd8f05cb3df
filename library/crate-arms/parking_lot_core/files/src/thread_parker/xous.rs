//! The thread parker for Xous.
//!
//! A parked thread sleeps in std's `thread::park` (on Xous a wait held by the
//! ticktimer service) until the thread that unparks it calls
//! `Thread::unpark`. Without this file Xous took the generic parker, which
//! spins until woken: on one core the spinning thread spends its whole time
//! slice while the thread that would wake it waits for the processor.
//!
//! What the parking lot asks about is `parked`, a flag of ours; std's park
//! token only makes the thread look at it again. So:
//!
//! - an unpark that comes before the park has already cleared `parked`, and
//!   the park returns without sleeping;
//! - `park_until` sleeps in pieces until `parked` is clear or the clock has
//!   reached the deadline, never less than asked (a wait of N ms may end a
//!   little early or be woken for nothing; the loop looks again);
//! - the unpark handle carries its own `Thread` (a counted reference), taken
//!   before `parked` is cleared: once it is clear the parked thread may
//!   return, end, and free the `ThreadData` this parker lives in, and the
//!   handle still wakes a valid thread;
//! - a wake that was not ours (someone's `Thread::unpark` meant for the
//!   thread's own `thread::park`, which our wait consumed) is given back when
//!   the wait ends, so a std park elsewhere never loses it. At worst such a
//!   park returns once for nothing, which std allows.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};
use std::time::Instant;

pub struct ThreadParker {
    /// Set by `prepare_park`, cleared by `unpark_lock`.
    parked: AtomicBool,
    /// The thread that parks here. Written once, by that thread, in its first
    /// `prepare_park` (before it is queued); read by an unparker only while
    /// the thread is queued, and by the thread itself.
    thread: UnsafeCell<Option<Thread>>,
}

impl ThreadParker {
    /// Puts back a park token our wait may have taken from someone else.
    /// On the current thread's own handle this only sets the token.
    unsafe fn give_back(&self) {
        if let Some(thread) = &*self.thread.get() {
            thread.unpark();
        }
    }
}

impl super::ThreadParkerT for ThreadParker {
    type UnparkHandle = UnparkHandle;

    /// A flag and, once the thread has parked, a reference to it: nothing
    /// to set up or tear down in the system.
    const IS_CHEAP_TO_CONSTRUCT: bool = true;

    fn new() -> ThreadParker {
        ThreadParker {
            parked: AtomicBool::new(false),
            thread: UnsafeCell::new(None),
        }
    }

    unsafe fn prepare_park(&self) {
        let thread = &mut *self.thread.get();
        if thread.is_none() {
            *thread = Some(thread::current());
        }
        self.parked.store(true, Ordering::Relaxed);
    }

    unsafe fn timed_out(&self) -> bool {
        // Called with the queue locked: an unparker clears the flag with the
        // same lock held, so this is exact.
        self.parked.load(Ordering::Relaxed)
    }

    unsafe fn park(&self) {
        let mut woken_by_another = false;
        while self.parked.load(Ordering::Acquire) {
            thread::park();
            // Still parked: the token was not from our unparker, which
            // clears the flag before it wakes us.
            woken_by_another |= self.parked.load(Ordering::Acquire);
        }
        if woken_by_another {
            self.give_back();
        }
    }

    unsafe fn park_until(&self, deadline: Instant) -> bool {
        let mut woken_by_another = false;
        let unparked = loop {
            if !self.parked.load(Ordering::Acquire) {
                break true;
            }
            let now = Instant::now();
            if now >= deadline {
                break false;
            }
            thread::park_timeout(deadline - now);
            // As in `park`; a wait that ran out counts too, since a token
            // given just as it ran out is taken with it.
            woken_by_another |= self.parked.load(Ordering::Acquire);
        };
        if woken_by_another {
            self.give_back();
        }
        unparked
    }

    unsafe fn unpark_lock(&self) -> UnparkHandle {
        // Our own reference first: after the store the parker may be freed.
        let thread = (*self.thread.get()).clone();
        self.parked.store(false, Ordering::Release);
        UnparkHandle { thread }
    }
}

pub struct UnparkHandle {
    thread: Option<Thread>,
}

impl super::UnparkHandleT for UnparkHandle {
    unsafe fn unpark(self) {
        if let Some(thread) = self.thread {
            thread.unpark();
        }
    }
}

pub fn thread_yield() {
    thread::yield_now();
}
