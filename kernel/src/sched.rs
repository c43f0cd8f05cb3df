//! The run queue: threads ready to run, in the order they became ready.
//!
//! Round robin: the timer moves the running thread to the back; a thread
//! that blocks is simply not in the queue, so it costs nothing until it is
//! woken. A ready thread is either the running one or in the queue, once:
//! the kernel keeps to that, so adding a thread needs no search (host tests
//! check it).

use xous_abi::limits::{MAX_PROCESSES, MAX_THREADS};

/// A thread, named by its process and its thread id (1..=31).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ThreadRef {
    pub pid: u8,
    pub tid: u8,
}

const CAPACITY: usize = MAX_PROCESSES * (MAX_THREADS + 1);

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

    fn iter(&self) -> impl Iterator<Item = ThreadRef> + '_ {
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
