//! The children the manager started, whose they are, and how they ended.
//!
//! A child belongs to the process that asked for it (its owner): only the
//! owner waits on it or kills it, and it takes the child's end once. When a
//! child ends first, its end is kept until the owner takes it; when the
//! owner ends first, the child lives on with no owner, and its end, when it
//! comes, is dropped (nobody can ask for it any more).
//!
//! Children are named by a word (`xous_abi::services::proc::child_pid`):
//! the PID and a serial number, so a child that ended and is not waited on
//! yet is never confused with a later child the kernel gave the same PID.
//! An end notice names a PID only; it is the end of the one child with
//! that PID still running: the kernel does not give the manager a PID
//! again before the manager has heard of its last end (`unheard_by` in
//! kernel/src/exits.rs), so an older child with the PID has ended already
//! and been told of. An owner's PID is reused as well, but the kernel
//! tells of an end before any message from a later process with that PID.

use alloc::vec::Vec;
use xous_abi::platform::Ending;
use xous_abi::services::proc::{child_pid, state, status};

/// Children one process may have running or not yet waited on (the
/// kernel's table has 64 processes: no process takes them all).
pub const PROCESS_CHILDREN: usize = 32;

/// How a child ended: (state, exit code).
pub type End = (usize, u32);

struct Child {
    /// As the owner names it: PID, and the serial above it.
    name: usize,
    owner: u8,
    end: Option<End>,
}

#[derive(Default)]
pub struct Children {
    list: Vec<Child>,
    /// The serial of the last child added.
    serial: usize,
}

impl Children {
    /// Whether `owner` may start one more child.
    pub fn may_add(&self, owner: u8) -> bool {
        self.list.iter().filter(|c| c.owner == owner).count() < PROCESS_CHILDREN
    }

    /// The kernel's new process `pid` is `owner`'s child: its name.
    pub fn add(&mut self, pid: u8, owner: u8) -> usize {
        // 24 bits of serial: a name comes back after 16 million children,
        // long after the child it named was waited on.
        self.serial = (self.serial + 1) & 0xff_ffff;
        let name = self.serial << 8 | pid as usize;
        self.list.push(Child { name, owner, end: None });
        name
    }

    fn find(&self, name: usize, owner: u8) -> Option<usize> {
        self.list.iter().position(|c| c.name == name && c.owner == owner)
    }

    /// Whether `name` is a running child of `owner`.
    pub fn is_running_child(&self, name: usize, owner: u8) -> bool {
        self.find(name, owner).is_some_and(|i| self.list[i].end.is_none())
    }

    /// Whether `name` is `owner`'s child, running or ended.
    pub fn owns(&self, name: usize, owner: u8) -> bool {
        self.find(name, owner).is_some()
    }

    /// `owner`'s child `name`: its end, taken (the child is then
    /// forgotten), or None while it runs. NOT_CHILD if it is not `owner`'s.
    pub fn take_end(&mut self, name: usize, owner: u8) -> Result<Option<End>, usize> {
        let i = self.find(name, owner).ok_or(status::NOT_CHILD)?;
        let end = self.list[i].end;
        if end.is_some() {
            self.list.swap_remove(i);
        }
        Ok(end)
    }

    /// Process `pid` ended: as a child, its end is kept for its owner (the
    /// owner and the child's name, if it has an owner); as an owner, its
    /// children are nobody's.
    pub fn ended(&mut self, pid: u8, code: u32, ending: Ending) -> Option<(u8, usize)> {
        let state = match ending {
            Ending::Exited => state::EXITED,
            Ending::Faulted => state::FAULTED,
            Ending::Killed => state::KILLED,
        };
        let mut ended = None;
        for c in self.list.iter_mut() {
            if child_pid(c.name) == pid && c.end.is_none() {
                c.end = Some((state, code));
                ended = Some((c.owner, c.name));
            }
            if c.owner == pid {
                c.owner = 0;
            }
        }
        self.list.retain(|c| c.owner != 0 || c.end.is_none());
        ended.filter(|(owner, _)| *owner != 0)
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_is_kept_for_the_owner_and_taken_once() {
        let mut c = Children::default();
        for pid in 10..10 + PROCESS_CHILDREN as u8 {
            assert!(c.may_add(3));
            c.add(pid, 3);
        }
        assert!(!c.may_add(3) && c.may_add(2), "a share each");
        let five = c.add(5, 2);
        assert_eq!(child_pid(five), 5);
        assert_eq!(c.take_end(five, 2), Ok(None));
        assert_eq!(c.take_end(five, 3), Err(status::NOT_CHILD), "not its child");
        assert_eq!(c.take_end(5, 2), Err(status::NOT_CHILD), "the PID alone names no child");
        assert_eq!(c.ended(5, 7, Ending::Exited), Some((2, five)));
        assert!(!c.is_running_child(five, 2));
        assert_eq!(c.take_end(five, 2), Ok(Some((state::EXITED, 7))));
        assert_eq!(c.take_end(five, 2), Err(status::NOT_CHILD), "taken");
        let six = c.add(6, 2);
        c.ended(6, 0xff, Ending::Faulted);
        assert_eq!(c.take_end(six, 2), Ok(Some((state::FAULTED, 0xff))));
        let seven = c.add(7, 2);
        c.ended(7, 0xfe, Ending::Killed);
        assert_eq!(c.take_end(seven, 2), Ok(Some((state::KILLED, 0xfe))));
    }

    #[test]
    fn a_child_that_ended_is_not_confused_with_a_later_one_with_its_pid() {
        // What `./x test` saw under load: a parent pipes one child into a
        // second; the first ends before the second is made, and the kernel
        // gives the second the first's PID. Each is waited on by its name.
        let mut c = Children::default();
        let first = c.add(4, 2);
        assert_eq!(c.ended(4, 0, Ending::Exited), Some((2, first)));
        let second = c.add(4, 2);
        assert_ne!(first, second);
        assert!(c.is_running_child(second, 2) && !c.is_running_child(first, 2));
        assert_eq!(c.ended(4, 9, Ending::Exited), Some((2, second)), "the notice is the running one's");
        assert_eq!(c.take_end(second, 2), Ok(Some((state::EXITED, 9))));
        assert_eq!(c.take_end(first, 2), Ok(Some((state::EXITED, 0))), "the first's end is still there");
        assert_eq!(c.len(), 0);
    }

    #[test]
    fn an_owners_end_leaves_its_children_to_nobody() {
        let mut c = Children::default();
        let five = c.add(5, 2);
        c.add(6, 2);
        c.ended(6, 0, Ending::Exited);
        assert_eq!(c.ended(2, 0, Ending::Exited), None);
        assert_eq!(c.len(), 1, "the ended child's end is dropped, the running one stays");
        c.add(2, 9);
        assert_eq!(c.take_end(five, 2), Err(status::NOT_CHILD), "a later process with the owner's pid");
        assert_eq!(c.ended(5, 0, Ending::Exited), None);
        assert_eq!(c.len(), 1);
    }
}
