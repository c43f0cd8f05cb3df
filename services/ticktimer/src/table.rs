//! One process's table: the requests the ticktimer holds for it (sleeps,
//! lock and condition waits) and the unlocks that came before their lock.
//!
//! It has a slot per thread context the kernel gives a process (31 threads
//! and the interrupt handler's). Under std's protocol every entry stands for
//! a distinct thread: a held request is a thread blocked in its call, and a
//! remembered unlock is a thread that counted itself into the mutex and is
//! on its way with the LockMutex that will take it. So a std program cannot
//! fill its table; only a client that breaks the protocol can, and then it
//! gets `TABLE_FULL` answers (`main.rs` says what std makes of them), in
//! its own table only.

use xous_abi::limits::MAX_THREADS;

pub const SLOTS: usize = MAX_THREADS + 1;

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
    entry: Entry,
    /// Arrival number, for first come, first served.
    seq: u32,
}

pub struct Table {
    slots: [Option<Slot>; SLOTS],
}

impl Table {
    pub const fn new() -> Table {
        Table { slots: [None; SLOTS] }
    }

    /// Stores `entry`, arrived as number `seq`; its slot, `None` when full.
    pub fn add(&mut self, entry: Entry, seq: u32) -> Option<u8> {
        let i = self.slots.iter().position(Option::is_none)?;
        self.slots[i] = Some(Slot { entry, seq });
        Some(i as u8)
    }

    pub fn get(&self, slot: u8) -> Option<Entry> {
        self.slots.get(slot as usize).copied().flatten().map(|s| s.entry)
    }

    pub fn get_mut(&mut self, slot: u8) -> Option<&mut Entry> {
        self.slots.get_mut(slot as usize)?.as_mut().map(|s| &mut s.entry)
    }

    pub fn remove(&mut self, slot: u8) -> Option<Entry> {
        self.slots.get_mut(slot as usize)?.take().map(|s| s.entry)
    }

    /// The slot of the earliest arrival among the entries that match.
    /// Arrival numbers wrap: `latest` (the newest number handed out) makes
    /// the oldest the one furthest behind it.
    pub fn oldest(&self, latest: u32, matches: impl Fn(&Entry) -> bool) -> Option<u8> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.filter(|s| matches(&s.entry)).map(|s| (i, latest.wrapping_sub(s.seq))))
            .max_by_key(|&(_, age)| age)
            .map(|(i, _)| i as u8)
    }

    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
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
    fn fills_up_and_frees() {
        let mut t = Table::new();
        for i in 0..SLOTS {
            assert_eq!(t.add(sleeping(i), i as u32), Some(i as u8));
        }
        assert_eq!(t.add(sleeping(99), 99), None, "full");
        assert_eq!(t.remove(5), Some(sleeping(5)));
        assert_eq!(t.remove(5), None, "already free");
        assert_eq!(t.add(sleeping(100), 100), Some(5), "a freed slot is reused");
        assert_eq!(t.get(5), Some(sleeping(100)));
        assert_eq!(t.get(SLOTS as u8), None);
        assert_eq!(t.remove(200), None);
    }

    #[test]
    fn oldest_matching_entry() {
        let mut t = Table::new();
        t.add(Entry::Locking { sender: 1, mutex: 0x10 }, 7);
        t.add(Entry::Locking { sender: 2, mutex: 0x20 }, 3);
        t.add(Entry::Locking { sender: 3, mutex: 0x10 }, 5);
        let for_0x10 = |e: &Entry| matches!(e, Entry::Locking { mutex: 0x10, .. });
        assert_eq!(t.oldest(7, for_0x10), Some(2));
        t.remove(2);
        assert_eq!(t.oldest(7, for_0x10), Some(0));
        t.remove(0);
        assert_eq!(t.oldest(7, for_0x10), None);
    }

    #[test]
    fn arrival_numbers_wrap() {
        let mut t = Table::new();
        t.add(sleeping(1), 2);
        t.add(sleeping(2), u32::MAX - 1);
        t.add(sleeping(3), 0);
        // Handed out in the order MAX - 1, 0, 2.
        assert_eq!(t.oldest(2, |_| true), Some(1));
    }

    #[test]
    fn entries_change_in_place() {
        let mut t = Table::new();
        let slot = t.add(Entry::Unlocked { mutex: 0x40, count: 1 }, 1).unwrap();
        if let Some(Entry::Unlocked { count, .. }) = t.get_mut(slot) {
            *count += 1;
        }
        assert_eq!(t.get(slot), Some(Entry::Unlocked { mutex: 0x40, count: 2 }));
        assert!(!t.is_empty());
        assert_eq!(t.len(), 1);
        t.remove(slot);
        assert!(t.is_empty());
        assert_eq!(t.len(), 0);
    }
}
