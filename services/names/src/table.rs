//! The name server's two fixed-size tables: registered names, and connect
//! requests waiting for a name (or its server) to appear. No heap: bounded,
//! and full is an answer (TABLE_FULL / NAME_TAKEN), never a crash.

use xous_abi::services::names::{LIMIT_REACHED, NAME_MAX_LENGTH, NAME_TAKEN, NOT_FOUND, OK, TABLE_FULL};
use xous_rt::Envelope;

pub const MAX_NAMES: usize = 64;
pub const MAX_WAITERS: usize = 32;

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
    sid: [u32; 4],
    /// How many more connections may be made (None: no limit).
    connections_left: Option<u32>,
}

pub struct Names {
    entries: [Option<Entry>; MAX_NAMES],
}

impl Names {
    pub fn new() -> Names {
        Names { entries: [None; MAX_NAMES] }
    }

    fn entry(&mut self, name: &[u8]) -> Option<&mut Entry> {
        self.entries.iter_mut().flatten().find(|e| e.name.is(name))
    }

    pub fn contains(&self, name: &[u8]) -> bool {
        self.entries.iter().flatten().any(|e| e.name.is(name))
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

    /// Registers `name` for `sid`, allowing `limit` connections (None: any
    /// number); a result code for the client.
    pub fn add(&mut self, name: &[u8], sid: [u32; 4], limit: Option<u32>) -> u32 {
        if self.contains(name) {
            return NAME_TAKEN;
        }
        match self.entries.iter_mut().find(|e| e.is_none()) {
            Some(slot) => {
                *slot = Some(Entry { name: Name::new(name), sid, connections_left: limit });
                OK
            }
            None => TABLE_FULL,
        }
    }
}

pub struct Waiters {
    entries: [Option<(Name, Envelope)>; MAX_WAITERS],
}

impl Waiters {
    pub fn new() -> Waiters {
        Waiters { entries: [None; MAX_WAITERS] }
    }

    /// Holds `message` until `name` appears; gives it back if the table is full.
    pub fn add(&mut self, name: &[u8], message: Envelope) -> Result<(), Envelope> {
        match self.entries.iter_mut().find(|e| e.is_none()) {
            Some(slot) => {
                *slot = Some((Name::new(name), message));
                Ok(())
            }
            None => Err(message),
        }
    }

    /// One waiting request whose name satisfies `ready`, if any.
    pub fn take_where(&mut self, ready: impl Fn(&[u8]) -> bool) -> Option<Envelope> {
        let slot = self.entries.iter_mut().find(|e| e.as_ref().is_some_and(|(n, _)| ready(&n.bytes[..n.len])))?;
        slot.take().map(|(_, message)| message)
    }
}
