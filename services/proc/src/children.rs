//! The children the manager started, whose they are, and how they ended.
//!
//! A child belongs to the process that asked for it (its owner): only the
//! owner waits on it or kills it, and it takes the child's end once. When a
//! child ends first, its end is kept until the owner takes it; when the
//! owner ends first, the child lives on with no owner, and its end, when it
//! comes, is dropped (nobody can ask for it any more). A pid the kernel
//! gives a new process is never mistaken for an old child: the kernel tells
//! of an end before any message from a later process with that pid.

use alloc::vec::Vec;
use xous_abi::platform::Ending;
use xous_abi::services::proc::{state, status};

/// Children one process may have running or not yet waited on (the
/// kernel's table has 64 processes: no process takes them all).
pub const PROCESS_CHILDREN: usize = 32;

/// How a child ended: (state, exit code).
pub type End = (usize, u32);

struct Child {
    pid: u8,
    owner: u8,
    end: Option<End>,
}

#[derive(Default)]
pub struct Children {
    list: Vec<Child>,
}

impl Children {
    /// Whether `owner` may start one more child.
    pub fn may_add(&self, owner: u8) -> bool {
        self.list.iter().filter(|c| c.owner == owner).count() < PROCESS_CHILDREN
    }

    pub fn add(&mut self, pid: u8, owner: u8) {
        self.list.retain(|c| c.pid != pid);
        self.list.push(Child { pid, owner, end: None });
    }

    /// Whether `pid` is a running child of `owner`.
    pub fn is_running_child(&self, pid: u8, owner: u8) -> bool {
        self.list.iter().any(|c| c.pid == pid && c.owner == owner && c.end.is_none())
    }

    /// Whether `pid` is `owner`'s child, running or ended.
    pub fn owns(&self, pid: u8, owner: u8) -> bool {
        self.list.iter().any(|c| c.pid == pid && c.owner == owner)
    }

    /// `owner`'s child `pid`: its end, taken (the child is then forgotten),
    /// or None while it runs. NOT_CHILD if it is not `owner`'s.
    pub fn take_end(&mut self, pid: u8, owner: u8) -> Result<Option<End>, usize> {
        let i = self.list.iter().position(|c| c.pid == pid && c.owner == owner).ok_or(status::NOT_CHILD)?;
        let end = self.list[i].end;
        if end.is_some() {
            self.list.swap_remove(i);
        }
        Ok(end)
    }

    /// Process `pid` ended: as a child, its end is kept for its owner (the
    /// owner's pid if it has one); as an owner, its children are nobody's.
    pub fn ended(&mut self, pid: u8, code: u32, ending: Ending) -> Option<u8> {
        let state = match ending {
            Ending::Exited => state::EXITED,
            Ending::Faulted => state::FAULTED,
            Ending::Killed => state::KILLED,
        };
        let mut owner = None;
        for c in self.list.iter_mut() {
            if c.pid == pid && c.end.is_none() {
                c.end = Some((state, code));
                owner = Some(c.owner);
            }
            if c.owner == pid {
                c.owner = 0;
            }
        }
        self.list.retain(|c| c.owner != 0 || c.end.is_none());
        owner.filter(|o| *o != 0)
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
        c.add(5, 2);
        assert_eq!(c.take_end(5, 2), Ok(None));
        assert_eq!(c.take_end(5, 3), Err(status::NOT_CHILD), "not its child");
        assert_eq!(c.ended(5, 7, Ending::Exited), Some(2));
        assert!(!c.is_running_child(5, 2));
        assert_eq!(c.take_end(5, 2), Ok(Some((state::EXITED, 7))));
        assert_eq!(c.take_end(5, 2), Err(status::NOT_CHILD), "taken");
        c.add(6, 2);
        c.ended(6, 0xff, Ending::Faulted);
        assert_eq!(c.take_end(6, 2), Ok(Some((state::FAULTED, 0xff))));
        c.add(7, 2);
        c.ended(7, 0xfe, Ending::Killed);
        assert_eq!(c.take_end(7, 2), Ok(Some((state::KILLED, 0xfe))));
    }

    #[test]
    fn an_owners_end_leaves_its_children_to_nobody() {
        let mut c = Children::default();
        c.add(5, 2);
        c.add(6, 2);
        c.ended(6, 0, Ending::Exited);
        assert_eq!(c.ended(2, 0, Ending::Exited), None);
        assert_eq!(c.len(), 1, "the ended child's end is dropped, the running one stays");
        c.add(2, 9);
        assert_eq!(c.take_end(5, 2), Err(status::NOT_CHILD), "a later process with the owner's pid");
        assert_eq!(c.ended(5, 0, Ending::Exited), None);
        assert_eq!(c.len(), 1);
    }
}
