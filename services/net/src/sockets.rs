//! The socket table: std's socket numbers and what stands behind each,
//! with the process that owns it. A number is good only for its owner;
//! anyone else's use of it is a bad socket, as is a number of the wrong
//! kind. Listeners and UDP sockets of the upstream client get numbers
//! below 256, because it reads theirs from one byte of the reply; std-xous
//! says in its request that it reads a second byte (`narrow` below), and
//! streams' numbers are two bytes in every reply. Streams take numbers
//! from 256 up first, to leave the low ones to the narrow kinds.

use alloc::vec::Vec;
use smoltcp::iface::SocketHandle;

/// How many sockets there can be at once.
pub const MAX_SOCKETS: usize = 1023;
/// Numbers below this fit the one byte the upstream client reads.
const NARROW: usize = 256;

pub enum Kind {
    Stream {
        handle: SocketHandle,
        /// `shutdown(Read)`: reads answer end of stream.
        read_closed: bool,
        /// `shutdown(Write)`: our FIN is sent or queued.
        write_closed: bool,
    },
    Listener {
        /// What it was bound to (unspecified: every address of ours).
        address: smoltcp::wire::IpAddress,
        port: u16,
        /// Sockets listening on the port, or connected and not accepted yet.
        backlog: Vec<SocketHandle>,
        /// Accepts not yet followed by the listen std sends after each
        /// accept (it expects the listener to be gone and binds again);
        /// that listen gets this same socket number back.
        relistens: u32,
        ttl: Option<u8>,
    },
    Udp {
        handle: SocketHandle,
        port: u16,
    },
}

pub struct Entry {
    pub owner: u8,
    pub kind: Kind,
}

pub struct Table {
    /// Index = socket number; 0 is never handed out.
    entries: Vec<Option<Entry>>,
}

impl Table {
    pub fn new() -> Table {
        let mut entries = Vec::new();
        entries.resize_with(MAX_SOCKETS + 1, || None);
        Table { entries }
    }

    /// A free number for `entry`, or `None`: below 256 if `narrow`, from
    /// 256 up first for a stream.
    pub fn add(&mut self, entry: Entry, narrow: bool) -> Option<u16> {
        let stream = matches!(entry.kind, Kind::Stream { .. });
        let end = if narrow { NARROW } else { self.entries.len() };
        let free = |n: &usize| self.entries[*n].is_none();
        let free = if stream { (NARROW..end).find(free).or_else(|| (1..NARROW).find(free)) } else { (1..end).find(free) }?;
        self.entries[free] = Some(entry);
        Some(free as u16)
    }

    /// Socket `number`, if `pid` owns it.
    pub fn get(&mut self, number: usize, pid: u8) -> Option<&mut Entry> {
        self.entries.get_mut(number)?.as_mut().filter(|e| e.owner == pid)
    }

    pub fn remove(&mut self, number: usize, pid: u8) -> Option<Entry> {
        self.get(number, pid)?;
        self.entries[number].take()
    }

    /// Every socket of `pid`, taken out of the table.
    pub fn remove_all_of(&mut self, pid: u8) -> Vec<Entry> {
        let mut gone = Vec::new();
        for slot in self.entries.iter_mut() {
            if slot.as_ref().is_some_and(|e| e.owner == pid) {
                gone.extend(slot.take());
            }
        }
        gone
    }

    /// The smoltcp sockets behind `pid`'s socket numbers (a listener's
    /// waiting connections included).
    pub fn handles_of(&self, pid: u8) -> impl Iterator<Item = SocketHandle> + '_ {
        self.entries.iter().flatten().filter(move |e| e.owner == pid).flat_map(|e| {
            let (one, many): (Option<SocketHandle>, &[SocketHandle]) = match &e.kind {
                Kind::Stream { handle, .. } | Kind::Udp { handle, .. } => (Some(*handle), &[]),
                Kind::Listener { backlog, .. } => (None, backlog),
            };
            one.into_iter().chain(many.iter().copied())
        })
    }

    /// Whether a listener or UDP socket (of `udp` kind) holds `port`.
    /// Every listener: its socket number and owner.
    pub fn listeners(&self) -> Vec<(usize, u8)> {
        let listener = |e: &Entry| matches!(e.kind, Kind::Listener { .. });
        self.entries.iter().enumerate().filter_map(|(n, e)| e.as_ref().filter(|e| listener(e)).map(|e| (n, e.owner))).collect()
    }

    pub fn port_taken(&self, port: u16, udp: bool) -> bool {
        self.entries.iter().flatten().any(|e| match e.kind {
            Kind::Listener { port: p, .. } => !udp && p == port,
            Kind::Udp { port: p, .. } => udp && p == port,
            Kind::Stream { .. } => false,
        })
    }

    /// The listener `pid` has on `port` awaiting a listen after an accept.
    pub fn relisten(&mut self, port: u16, pid: u8) -> Option<u16> {
        for (n, slot) in self.entries.iter_mut().enumerate() {
            if let Some(Entry { owner, kind: Kind::Listener { port: p, relistens, .. } }) = slot {
                if *owner == pid && *p == port && *relistens > 0 {
                    *relistens -= 1;
                    return Some(n as u16);
                }
            }
        }
        None
    }
}
