//! Open files: a handle is a number that belongs to one process and names
//! an inode, a position and what the opener may do. Numbers are table
//! slots plus one; a slot is reused once closed. A process holds at most
//! `PER_PROCESS` at once, the service `TOTAL`. A duplicated handle
//! (`File::try_clone`) shares its position with the original, as an
//! open file description does on Unix: reading through one moves both.

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::Cell;

pub const TOTAL: usize = 512;
pub const PER_PROCESS: usize = 128;

#[derive(Clone)]
pub struct Handle {
    pub pid: u8,
    pub inode: u32,
    /// Shared by a handle and its duplicates.
    pub position: Rc<Cell<u64>>,
    pub read: bool,
    pub write: bool,
    pub append: bool,
    /// Written through since the last commit: closing it commits.
    pub dirty: bool,
}

pub struct Handles {
    slots: Vec<Option<Handle>>,
}

impl Handles {
    pub fn new() -> Handles {
        Handles { slots: Vec::new() }
    }

    /// A new handle's number, or None if the process or the table is full.
    pub fn add(&mut self, handle: Handle) -> Option<u32> {
        if self.slots.iter().flatten().filter(|h| h.pid == handle.pid).count() >= PER_PROCESS {
            return None;
        }
        let slot = match self.slots.iter().position(Option::is_none) {
            Some(slot) => slot,
            None if self.slots.len() < TOTAL => {
                self.slots.push(None);
                self.slots.len() - 1
            }
            None => return None,
        };
        self.slots[slot] = Some(handle);
        Some(slot as u32 + 1)
    }

    /// The caller's handle `number`.
    pub fn get(&mut self, number: usize, pid: u8) -> Option<&mut Handle> {
        let slot = number.checked_sub(1)?;
        self.slots.get_mut(slot)?.as_mut().filter(|h| h.pid == pid)
    }

    pub fn remove(&mut self, number: usize, pid: u8) -> Option<Handle> {
        self.get(number, pid)?;
        self.slots[number - 1].take()
    }

    /// Every handle of a process that ended.
    pub fn remove_all_of(&mut self, pid: u8) -> Vec<Handle> {
        self.slots.iter_mut().filter(|s| s.as_ref().is_some_and(|h| h.pid == pid)).filter_map(Option::take).collect()
    }
}
