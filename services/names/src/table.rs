//! The name server's two fixed-size tables: registered names, and connect
//! requests waiting for a name to appear. No heap: bounded, and full is an
//! answer (TABLE_FULL / NAME_TAKEN), never a crash.

use xous_abi::services::names::{NAME_MAX_LENGTH, NAME_TAKEN, OK, TABLE_FULL};
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

pub struct Names {
    entries: [Option<(Name, [u32; 4])>; MAX_NAMES],
}

impl Names {
    pub fn new() -> Names {
        Names { entries: [None; MAX_NAMES] }
    }

    pub fn find(&self, name: &[u8]) -> Option<[u32; 4]> {
        self.entries.iter().flatten().find(|(n, _)| n.is(name)).map(|(_, sid)| *sid)
    }

    /// Registers `name` for `sid`; a result code for the client.
    pub fn add(&mut self, name: &[u8], sid: [u32; 4]) -> u32 {
        if self.find(name).is_some() {
            return NAME_TAKEN;
        }
        match self.entries.iter_mut().find(|e| e.is_none()) {
            Some(slot) => {
                *slot = Some((Name::new(name), sid));
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

    /// One request waiting for `name`, if any.
    pub fn take(&mut self, name: &[u8]) -> Option<Envelope> {
        let slot = self.entries.iter_mut().find(|e| e.as_ref().is_some_and(|(n, _)| n.is(name)))?;
        slot.take().map(|(_, message)| message)
    }
}
