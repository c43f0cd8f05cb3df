//! The name server's two bounded tables: registered names, and connect
//! requests waiting for a name (or its server) to appear. Each grows on
//! the heap as it fills, up to its bound (an idle system pays for almost
//! nothing); full, or no memory for one more, is an answer (TABLE_FULL /
//! NAME_TAKEN), never a crash.
//!
//! Both are shared by every process, so each process has a share of each
//! (a quarter): one that registers names or waits without end fills its
//! share, and the others can still register and wait. What a process put
//! there goes when it ends (its names, and its waiting requests, which
//! are answered).

use alloc::vec::Vec;
use xous_abi::services::names::{LIMIT_REACHED, NAME_MAX_LENGTH, NAME_TAKEN, NOT_FOUND, OK, TABLE_FULL};

pub const MAX_NAMES: usize = 64;
pub const MAX_WAITERS: usize = 32;
/// Names one process may have registered at once.
pub const PROCESS_NAMES: usize = MAX_NAMES / 4;
/// Connect requests of one process the table may hold at once.
pub const PROCESS_WAITERS: usize = MAX_WAITERS / 4;

/// The names of the system's own services, each only for the service's
/// own SID (which only the service has a server at): whoever registers
/// one first, a connect by that name reaches the service. A process that
/// registered the filesystem's name for a SID of its own before the
/// filesystem did (it scans its disk first) took `std::fs` from everyone.
/// They are the names of the boot image's on-demand services
/// (`xous_abi::services::ON_DEMAND`), whose SIDs the kernel keeps for them.
fn reserved() -> impl Iterator<Item = (&'static str, [u32; 4])> {
    xous_abi::services::ON_DEMAND.iter().flat_map(|s| s.names.iter().map(move |name| (*name, s.sid)))
}

#[derive(Clone, Copy)]
struct Name {
    bytes: [u8; NAME_MAX_LENGTH],
    len: usize,
}

impl Name {
    fn new(name: &[u8]) -> Name {
        let mut bytes = [0; NAME_MAX_LENGTH];
        bytes[..name.len()].copy_from_slice(name);
        Name { bytes, len: name.len() }
    }

    fn is(&self, name: &[u8]) -> bool {
        &self.bytes[..self.len] == name
    }
}

#[derive(Clone, Copy)]
struct Entry {
    name: Name,
    /// The process that registered it.
    owner: u8,
    sid: [u32; 4],
    /// How many more connections may be made (None: no limit).
    connections_left: Option<u32>,
}

pub struct Names {
    /// At most MAX_NAMES.
    entries: Vec<Entry>,
}

impl Names {
    pub const fn new() -> Names {
        Names { entries: Vec::new() }
    }

    fn entry(&mut self, name: &[u8]) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.name.is(name))
    }

    pub fn contains(&self, name: &[u8]) -> bool {
        self.entries.iter().any(|e| e.name.is(name))
    }

    /// The SID to connect a client of `name` to, or why not (NOT_FOUND,
    /// LIMIT_REACHED). Call `connected` once the connection is made.
    pub fn admit(&mut self, name: &[u8]) -> Result<[u32; 4], u32> {
        match self.entry(name) {
            None => Err(NOT_FOUND),
            Some(Entry { connections_left: Some(0), .. }) => Err(LIMIT_REACHED),
            Some(entry) => Ok(entry.sid),
        }
    }

    /// Counts one connection made to `name` against its limit.
    pub fn connected(&mut self, name: &[u8]) {
        if let Some(left) = self.entry(name).and_then(|e| e.connections_left.as_mut()) {
            *left = left.saturating_sub(1);
        }
    }

    /// Registers `name` for `sid` on behalf of process `owner`, allowing
    /// `limit` connections (None: any number); a result code for the
    /// client (TABLE_FULL also when `owner` has its share of the table).
    pub fn add(&mut self, name: &[u8], sid: [u32; 4], limit: Option<u32>, owner: u8) -> u32 {
        if self.contains(name) || reserved().any(|(n, s)| n.as_bytes() == name && s != sid) {
            return NAME_TAKEN;
        }
        // A service's name is nobody's: it stays when the process that
        // registered it ends, and counts against no share, nor against the
        // table's bound (an on-demand service registers after programs
        // may have filled the table).
        let owner = if reserved().any(|(n, _)| n.as_bytes() == name) { 0 } else { owner };
        let ours = self.entries.iter().filter(|e| e.owner != 0);
        if owner != 0 && (ours.clone().filter(|e| e.owner == owner).count() >= PROCESS_NAMES || ours.count() >= MAX_NAMES) {
            return TABLE_FULL;
        }
        if self.entries.try_reserve(1).is_err() {
            return TABLE_FULL;
        }
        self.entries.push(Entry { name: Name::new(name), owner, sid, connections_left: limit });
        OK
    }

    /// Process `pid` ended: the names it registered go.
    pub fn remove_all_of(&mut self, pid: u8) {
        self.entries.retain(|e| e.owner != pid);
    }
}

/// Connect requests waiting for their name: the request (`M`, the
/// received message to answer) and the process that sent it.
pub struct Waiters<M: Copy> {
    /// In the order they came; at most MAX_WAITERS.
    entries: Vec<(Name, M, u8)>,
}

impl<M: Copy> Waiters<M> {
    pub const fn new() -> Waiters<M> {
        Waiters { entries: Vec::new() }
    }

    /// Holds `message` of process `pid` until `name` appears; gives it
    /// back if the table is full, or `pid` has its share of it.
    pub fn add(&mut self, name: &[u8], message: M, pid: u8) -> Result<(), M> {
        if self.entries.iter().filter(|e| e.2 == pid).count() >= PROCESS_WAITERS {
            return Err(message);
        }
        if self.entries.len() >= MAX_WAITERS || self.entries.try_reserve(1).is_err() {
            return Err(message);
        }
        self.entries.push((Name::new(name), message, pid));
        Ok(())
    }

    /// The oldest waiting request whose name satisfies `ready`, if any.
    pub fn take_where(&mut self, ready: impl Fn(&[u8]) -> bool) -> Option<M> {
        let i = self.entries.iter().position(|(n, _, _)| ready(&n.bytes[..n.len]))?;
        Some(self.entries.remove(i).1)
    }

    /// The oldest waiting request of process `pid`, if any (it ended).
    pub fn take_of(&mut self, pid: u8) -> Option<M> {
        let i = self.entries.iter().position(|e| e.2 == pid)?;
        Some(self.entries.remove(i).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One process registers all it can: its share, and others still can.
    #[test]
    fn a_process_has_a_share_of_the_names() {
        let mut names = Names::new();
        let name = |i: usize| format!("name-{i}");
        let mut taken = 0;
        while names.add(name(taken).as_bytes(), [1, 2, 3, 4], None, 7) == OK {
            taken += 1;
        }
        assert_eq!(taken, PROCESS_NAMES);
        assert_eq!(names.add(b"another", [1, 2, 3, 4], None, 8), OK, "another process still registers");
        assert_eq!(names.add(b"another", [1, 2, 3, 4], None, 9), NAME_TAKEN);
        names.remove_all_of(7);
        assert!(!names.contains(name(0).as_bytes()) && names.contains(b"another"), "its names went with it");
        assert_eq!(names.add(name(0).as_bytes(), [1, 2, 3, 4], None, 10), OK, "and are free again");
    }

    #[test]
    fn the_services_names_are_theirs() {
        let mut names = Names::new();
        let fs = xous_abi::services::fs::NAME.as_bytes();
        assert_eq!(names.add(fs, [1, 2, 3, 4], None, 9), NAME_TAKEN, "another SID under the filesystem's name");
        assert_eq!(names.add(fs, xous_abi::services::fs::SID, None, 9), OK, "its own SID, whoever registers it");
        names.remove_all_of(9);
        assert_eq!(names.admit(fs), Ok(xous_abi::services::fs::SID), "and it stays when that process ends");
        assert_eq!(names.add(xous_abi::services::net::DNS_NAME.as_bytes(), [5; 4], None, 9), NAME_TAKEN);
        let proc = xous_abi::services::proc::NAME.as_bytes();
        assert_eq!(names.add(proc, [9; 4], None, 9), NAME_TAKEN, "the process manager's too");
    }

    /// Programs that fill the table before an on-demand service starts do
    /// not keep it from registering its names.
    #[test]
    fn a_full_table_still_takes_the_services_names() {
        let mut names = Names::new();
        for pid in 10..10 + (MAX_NAMES / PROCESS_NAMES) as u8 {
            for i in 0..PROCESS_NAMES {
                assert_eq!(names.add(format!("{pid}-{i}").as_bytes(), [1, 2, 3, 4], None, pid), OK);
            }
        }
        assert_eq!(names.add(b"one more", [1, 2, 3, 4], None, 40), TABLE_FULL);
        assert_eq!(names.add(xous_abi::services::proc::NAME.as_bytes(), xous_abi::services::proc::SID, None, 5), OK);
        assert_eq!(names.add(xous_abi::services::fs::NAME.as_bytes(), xous_abi::services::fs::SID, None, 6), OK);
    }

    #[test]
    fn a_process_has_a_share_of_the_waiting_room() {
        let mut waiters: Waiters<usize> = Waiters::new();
        for i in 0..PROCESS_WAITERS {
            assert_eq!(waiters.add(b"x", i, 7), Ok(()));
        }
        assert_eq!(waiters.add(b"x", 99, 7), Err(99), "its share is full");
        assert_eq!(waiters.add(b"y", 100, 8), Ok(()), "another process still waits");
        let mut gone = Vec::new();
        while let Some(m) = waiters.take_of(7) {
            gone.push(m);
        }
        assert_eq!(gone, (0..PROCESS_WAITERS).collect::<Vec<_>>(), "a dead process's requests come out to be answered");
        assert_eq!(waiters.take_where(|n| n == b"y"), Some(100));
    }
}
