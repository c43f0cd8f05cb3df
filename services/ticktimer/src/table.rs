//! The requests the ticktimer holds (sleeps, lock and condition waits)
//! and the unlocks that came before their lock, for every process, in one
//! pool of POOL entries; each process's entries are a list in the order
//! they came.
//!
//! A process may hold at most PER_PROCESS entries, a slot per thread
//! context the kernel gives a process (255 threads and the interrupt
//! handler's). Under std's protocol every entry stands for a distinct
//! thread: a held request is a thread blocked in its call, and a remembered
//! unlock is a thread that counted itself into the mutex and is on its way
//! with the LockMutex that will take it. So a std program never exceeds its
//! share; only a client that breaks the protocol can, and then it gets
//! `TABLE_FULL` answers (`main.rs` says what std makes of them). The pool
//! holds four full shares (a process's first 32 threads need no more room
//! than the old per-process tables gave them, and the pool takes less
//! memory than those did); should it be full, a request is refused the
//! same way. On a board with a smaller kernel message pool (the
//! Baochip-1x's 512, board::MESSAGES) the pool is that size: no more
//! requests can be held than the kernel lets be in flight, and a share is
//! still a quarter of the pool.
//!
//! The pool's slots live on the heap: the service reserves all of them at
//! start (`reserve_all`: an answer TABLE_FULL for want of memory later
//! would break std's locks, main.rs), and a slot is made when first used
//! and joins the free list when given back. (Built on the stack and moved,
//! a fixed table cost the service twice its size.)

use alloc::vec::Vec;
use xous_abi::limits::{MAX_PROCESSES, MAX_THREADS};

/// Entries one process may hold: a slot per thread, at most a quarter of
/// the pool.
pub const PER_PROCESS: usize = if MAX_THREADS + 1 < POOL / 4 { MAX_THREADS + 1 } else { POOL / 4 };
/// Entries all processes together may hold: four full shares of 256, or
/// what the board's kernel has messages for, if fewer.
pub const POOL: usize = if board::MESSAGES < 4 * (MAX_THREADS + 1) { board::MESSAGES } else { 4 * (MAX_THREADS + 1) };
/// One list per possible PID (1..=MAX_PROCESSES; 0 is never a sender).
const LISTS: usize = MAX_PROCESSES + 1;
/// No slot (the end of a list).
const NONE: u16 = u16::MAX;
const _: () = assert!(POOL < NONE as usize);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A SleepMs; its deadline is in the deadline queue.
    Sleeping { sender: usize },
    /// A LockMutex waiting for an UnlockMutex.
    Locking { sender: usize, mutex: usize },
    /// A WaitForCondition waiting for a NotifyCondition (or its timeout,
    /// then it is in the deadline queue too).
    Waiting { sender: usize, condition: usize },
    /// UnlockMutex calls that found no LockMutex waiting: the next `count`
    /// LockMutex calls for this mutex return at once.
    Unlocked { mutex: usize, count: usize },
}

impl Entry {
    /// The reply word of the held request, if the entry is one.
    pub fn sender(&self) -> Option<usize> {
        match *self {
            Entry::Sleeping { sender } | Entry::Locking { sender, .. } | Entry::Waiting { sender, .. } => Some(sender),
            Entry::Unlocked { .. } => None,
        }
    }
}

#[derive(Clone, Copy)]
struct Slot {
    /// `None`: free.
    entry: Option<Entry>,
    pid: u8,
    /// The next slot of its process's list, or of the free list.
    next: u16,
}

/// Bytes of memory a slot takes.
pub const SLOT_BYTES: usize = core::mem::size_of::<Slot>();

pub struct Table {
    /// The slots allocated so far (at most POOL).
    slots: Vec<Slot>,
    /// The free list's first slot.
    free: u16,
    /// Per PID: its list's first and last slot, and its length.
    first: [u16; LISTS],
    last: [u16; LISTS],
    count: [u16; LISTS],
}

impl Table {
    pub const fn new() -> Table {
        Table { slots: Vec::new(), free: NONE, first: [NONE; LISTS], last: [NONE; LISTS], count: [0; LISTS] }
    }

    /// Takes the memory for all POOL slots now; false if there is not enough.
    pub fn reserve_all(&mut self) -> bool {
        self.slots.try_reserve_exact(POOL.saturating_sub(self.slots.len())).is_ok()
    }

    /// Stores `entry` for `pid` after its others; its slot, `None` when
    /// `pid` holds its share or the pool is full (POOL slots, or no memory
    /// for another; or `pid` is out of range).
    pub fn add(&mut self, pid: u8, entry: Entry) -> Option<u16> {
        let p = pid as usize;
        if p >= LISTS || self.count[p] as usize >= PER_PROCESS {
            return None;
        }
        if self.free == NONE {
            if self.slots.len() >= POOL || self.slots.try_reserve(1).is_err() {
                return None;
            }
            self.free = self.slots.len() as u16;
            self.slots.push(Slot { entry: None, pid: 0, next: NONE });
        }
        let slot = self.free;
        let s = &mut self.slots[slot as usize];
        self.free = s.next;
        *s = Slot { entry: Some(entry), pid, next: NONE };
        match self.last[p] {
            NONE => self.first[p] = slot,
            last => self.slots[last as usize].next = slot,
        }
        self.last[p] = slot;
        self.count[p] += 1;
        Some(slot)
    }

    /// `pid`'s entry in `slot`.
    pub fn get(&self, pid: u8, slot: u16) -> Option<Entry> {
        self.slots.get(slot as usize).filter(|s| s.pid == pid).and_then(|s| s.entry)
    }

    pub fn get_mut(&mut self, pid: u8, slot: u16) -> Option<&mut Entry> {
        self.slots.get_mut(slot as usize).filter(|s| s.pid == pid).and_then(|s| s.entry.as_mut())
    }

    /// Takes `pid`'s entry in `slot` out.
    pub fn remove(&mut self, pid: u8, slot: u16) -> Option<Entry> {
        self.get(pid, slot)?;
        let p = pid as usize;
        // Unlink: find the slot before it in the list.
        let mut before = NONE;
        let mut at = self.first[p];
        while at != slot {
            before = at;
            at = self.slots[at as usize].next;
        }
        let next = self.slots[slot as usize].next;
        match before {
            NONE => self.first[p] = next,
            b => self.slots[b as usize].next = next,
        }
        if self.last[p] == slot {
            self.last[p] = before;
        }
        self.count[p] -= 1;
        let s = &mut self.slots[slot as usize];
        let entry = s.entry.take();
        s.next = self.free;
        self.free = slot;
        entry
    }

    /// The slot of `pid`'s earliest arrival among the entries that match.
    pub fn oldest(&self, pid: u8, matches: impl Fn(&Entry) -> bool) -> Option<u16> {
        let mut at = *self.first.get(pid as usize)?;
        while at != NONE {
            let s = &self.slots[at as usize];
            if s.entry.as_ref().is_some_and(&matches) {
                return Some(at);
            }
            at = s.next;
        }
        None
    }

    /// Whether no process holds anything.
    pub fn is_empty(&self) -> bool {
        self.count.iter().all(|c| *c == 0)
    }

    /// How many entries `pid` holds.
    pub fn len(&self, pid: u8) -> usize {
        self.count.get(pid as usize).map_or(0, |c| *c as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sleeping(sender: usize) -> Entry {
        Entry::Sleeping { sender }
    }

    #[test]
    fn held_requests_have_a_sender_remembered_unlocks_do_not() {
        assert_eq!(sleeping(7).sender(), Some(7));
        assert_eq!(Entry::Locking { sender: 8, mutex: 1 }.sender(), Some(8));
        assert_eq!(Entry::Waiting { sender: 9, condition: 1 }.sender(), Some(9));
        assert_eq!(Entry::Unlocked { mutex: 1, count: 1 }.sender(), None);
    }

    #[test]
    fn the_reserved_pool_is_never_allocated_again_and_freed_slots_are_reused() {
        let mut t = Table::new();
        assert!(t.reserve_all());
        let (capacity, at) = (t.slots.capacity(), t.slots.as_ptr());
        assert!(capacity >= POOL);
        let mut held = Vec::new();
        for pid in 2..6 {
            held.extend((0..PER_PROCESS).map(|i| (pid, t.add(pid, sleeping(i)).unwrap())));
        }
        assert_eq!(t.add(7, sleeping(0)), None, "the pool is full");
        assert_eq!((t.slots.capacity(), t.slots.as_ptr()), (capacity, at), "no allocation after the reservation");
        for (pid, slot) in held {
            t.remove(pid, slot);
        }
        let mut t = Table::new();
        let a = t.add(2, sleeping(1)).unwrap();
        let b = t.add(3, sleeping(2)).unwrap();
        assert_eq!(t.slots.len(), 2);
        assert_eq!(t.remove(2, a), Some(sleeping(1)));
        assert_eq!(t.add(4, sleeping(3)), Some(a), "the freed slot, not a new one");
        assert_eq!((t.slots.len(), t.get(3, b)), (2, Some(sleeping(2))));
    }

    #[test]
    fn a_process_fills_its_share_and_frees() {
        let mut t = Box::new(Table::new());
        let slots: Vec<u16> = (0..PER_PROCESS).map(|i| t.add(2, sleeping(i)).unwrap()).collect();
        assert_eq!(t.add(2, sleeping(999)), None, "its share is full");
        assert!(t.add(3, sleeping(1)).is_some(), "another process still has room");
        assert_eq!(t.len(2), PER_PROCESS);
        assert_eq!(t.remove(2, slots[5]), Some(sleeping(5)));
        assert_eq!(t.remove(2, slots[5]), None, "already free");
        assert_eq!(t.get(3, slots[6]), None, "another process's slot");
        assert_eq!(t.remove(3, slots[6]), None);
        let again = t.add(2, sleeping(100)).unwrap();
        assert_eq!(t.get(2, again), Some(sleeping(100)));
        assert_eq!(t.get(2, POOL as u16), None);
        assert_eq!(t.remove(2, u16::MAX), None);
        assert_eq!(t.add(200, sleeping(1)), None, "no such pid");
    }

    #[test]
    fn the_pool_is_shared_and_bounded() {
        let mut t = Box::new(Table::new());
        let mut held = 0;
        for pid in 2..=6u8 {
            while t.add(pid, sleeping(held)).is_some() {
                held += 1;
            }
        }
        assert_eq!(held, POOL, "four full shares, then the pool is full");
        assert_eq!(t.len(6), 0, "the fifth process found no room");
        for pid in 2..=5u8 {
            while let Some(slot) = t.oldest(pid, |_| true) {
                t.remove(pid, slot);
            }
        }
        assert!(t.is_empty());
        assert_eq!((0..POOL).filter(|i| t.add(2 + (i % 5) as u8, sleeping(*i)).is_some()).count(), POOL, "every slot back in the pool");
    }

    #[test]
    fn oldest_matching_entry() {
        let mut t = Box::new(Table::new());
        let a = t.add(2, Entry::Locking { sender: 1, mutex: 0x10 }).unwrap();
        t.add(2, Entry::Locking { sender: 2, mutex: 0x20 }).unwrap();
        let c = t.add(2, Entry::Locking { sender: 3, mutex: 0x10 }).unwrap();
        t.add(3, Entry::Locking { sender: 4, mutex: 0x10 }).unwrap();
        let for_0x10 = |e: &Entry| matches!(e, Entry::Locking { mutex: 0x10, .. });
        assert_eq!(t.oldest(2, for_0x10), Some(a));
        t.remove(2, a);
        assert_eq!(t.oldest(2, for_0x10), Some(c));
        t.remove(2, c);
        assert_eq!(t.oldest(2, for_0x10), None, "process 3's is not 2's");
        // Removing the last of a list, then adding, keeps the order.
        let d = t.add(2, Entry::Locking { sender: 5, mutex: 0x10 }).unwrap();
        assert_eq!(t.oldest(2, |_| true).and_then(|s| t.get(2, s)), Some(Entry::Locking { sender: 2, mutex: 0x20 }));
        assert_eq!(t.oldest(2, for_0x10), Some(d));
    }

    #[test]
    fn entries_change_in_place() {
        let mut t = Box::new(Table::new());
        let slot = t.add(2, Entry::Unlocked { mutex: 0x40, count: 1 }).unwrap();
        if let Some(Entry::Unlocked { count, .. }) = t.get_mut(2, slot) {
            *count += 1;
        }
        assert_eq!(t.get(2, slot), Some(Entry::Unlocked { mutex: 0x40, count: 2 }));
        assert!(!t.is_empty());
        assert_eq!(t.len(2), 1);
        t.remove(2, slot);
        assert!(t.is_empty());
        assert_eq!(t.len(2), 0);
    }
}
