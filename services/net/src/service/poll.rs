//! POLL and WAKE (`xous_abi::services::net_poll`): a client waits on many
//! sockets at once. A poll that finds nothing ready is held like any
//! blocking request (`Wait::Poll`), so the service serves everyone else
//! meanwhile, and is tried again after every round of the stack, after a
//! WAKE, and at its deadline (the service's timer wakes the main loop).

use super::{bad, Net, Wait};
use crate::sockets::Kind;
use smoltcp::socket::{tcp, udp};
use xous_abi::services::net::error;
use xous_abi::services::net_poll::{self as poll, event};
use xous_rt::{reply, Envelope};

fn u32_at(page: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(page[at..at + 4].try_into().expect("4 bytes"))
}

fn u16_at(page: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(page[at..at + 2].try_into().expect("2 bytes"))
}

impl Net {
    /// Takes a POLL in: checks it whole (count, buffer, interests known)
    /// and says how long it may wait. A socket that is not the caller's
    /// is no error: its entry is INVALID, so the poll is answered at once
    /// (as poll(2)'s POLLNVAL). An event loop's thread may close a socket
    /// just after another took its list of sockets to poll; failing the
    /// whole poll for it made tokio's driver panic.
    pub(super) fn poll_start(&mut self, m: &mut Envelope, now: u64) -> Option<(Wait, Option<u64>)> {
        let page = m.bytes_mut();
        let count = u32_at(page, poll::COUNT_AT) as usize;
        if count > poll::MAX_ENTRIES || poll::HEADER + count * poll::ENTRY > page.len() {
            return bad(m, poll::POLL, error::INVALID);
        }
        let key = u32_at(page, poll::KEY_AT);
        let timeout = u64::from_le_bytes(page[poll::TIMEOUT_AT..poll::TIMEOUT_AT + 8].try_into().expect("8 bytes"));
        for i in 0..count {
            let at = poll::HEADER + i * poll::ENTRY;
            let interest = u16_at(page, at + poll::INTEREST_AT);
            if interest & !event::INTEREST != 0 {
                return bad(m, poll::POLL, error::INVALID);
            }
        }
        // A nonzero timeout waits at least that long: `now` is whole ms,
        // up to 1 ms behind the clock, so the deadline is one ms further.
        let deadline = match timeout {
            poll::NO_TIMEOUT => None,
            0 => Some(now),
            ms => Some(now.saturating_add(ms).saturating_add(1)),
        };
        Some((Wait::Poll { key }, deadline))
    }

    /// Answers the poll if an entry is ready, a wake is pending for its
    /// key, or its deadline has passed; true when answered.
    pub(super) fn poll_attempt(&mut self, m: &mut Envelope, key: u32, pid: u8, expired: bool) -> bool {
        let woken = key != 0 && self.take_wake(pid, key);
        let page = m.bytes_mut();
        let count = u32_at(page, poll::COUNT_AT) as usize;
        let mut ready = 0u32;
        for i in 0..count {
            let at = poll::HEADER + i * poll::ENTRY;
            let socket = u16_at(page, at + poll::SOCKET_AT) as usize;
            let interest = u16_at(page, at + poll::INTEREST_AT);
            let events = self.readiness(socket, pid) & shown(interest);
            page[at + poll::EVENTS_AT..at + poll::EVENTS_AT + 2].copy_from_slice(&events.to_le_bytes());
            ready += (events != 0) as u32;
        }
        if ready == 0 && !woken && !expired {
            return false;
        }
        page[..poll::HEADER].fill(0);
        page[poll::READY_AT..poll::READY_AT + 4].copy_from_slice(&ready.to_le_bytes());
        page[poll::WOKEN_AT] = woken as u8;
        reply(m, 0, 0, 0);
        true
    }

    /// WAKE (key, what): remembers a wake for the key (a held poll with
    /// it is answered in the round of the stack that follows every
    /// message), or forgets one. Answers 0 or an error code.
    pub(super) fn wake(&mut self, pid: u8, args: [usize; 4]) -> usize {
        let Ok(key) = u32::try_from(args[0]) else { return error::INVALID as usize };
        if key == 0 {
            return error::INVALID as usize;
        }
        let known = self.wakes.iter().position(|&w| w == (pid, key));
        match (args[1], known) {
            (poll::WAKE_SET, Some(_)) => 0,
            (poll::WAKE_SET, None) => {
                if self.wakes.iter().filter(|w| w.0 == pid).count() >= poll::MAX_PENDING_WAKES || self.wakes.try_reserve(1).is_err() {
                    return error::LIBRARY_ERROR as usize;
                }
                self.wakes.push((pid, key));
                0
            }
            (poll::WAKE_FORGET, known) => {
                if let Some(at) = known {
                    self.wakes.swap_remove(at);
                }
                0
            }
            _ => error::INVALID as usize,
        }
    }

    fn take_wake(&mut self, pid: u8, key: u32) -> bool {
        match self.wakes.iter().position(|&w| w == (pid, key)) {
            Some(at) => {
                self.wakes.swap_remove(at);
                true
            }
            None => false,
        }
    }

    /// Every event that holds for socket `number` of `pid` now.
    fn readiness(&mut self, number: usize, pid: u8) -> u16 {
        let Some(entry) = self.table.get(number, pid) else { return event::INVALID };
        match &entry.kind {
            Kind::Stream { handle, read_closed, write_closed } => {
                let tcp = self.sockets.get::<tcp::Socket>(*handle);
                if matches!(tcp.state(), tcp::State::SynSent | tcp::State::SynReceived) {
                    return 0;
                }
                if super::was_reset(tcp, *write_closed) && !*read_closed {
                    return event::READABLE | event::WRITABLE | event::READ_CLOSED | event::WRITE_CLOSED | event::ERROR;
                }
                let mut events = 0;
                if tcp.can_recv() {
                    events |= event::READABLE;
                }
                if *read_closed || !tcp.may_recv() {
                    events |= event::READABLE | event::READ_CLOSED;
                }
                if tcp.can_send() {
                    events |= event::WRITABLE;
                }
                if *write_closed || !tcp.may_send() {
                    events |= event::WRITABLE | event::WRITE_CLOSED;
                }
                events
            }
            Kind::Listener { backlog, .. } => {
                let waiting = backlog.iter().any(|&h| {
                    matches!(self.sockets.get::<tcp::Socket>(h).state(), tcp::State::Established | tcp::State::CloseWait)
                });
                if waiting { event::READABLE } else { 0 }
            }
            Kind::Udp { handle, .. } => {
                let udp = self.sockets.get::<udp::Socket>(*handle);
                let mut events = 0;
                if udp.can_recv() {
                    events |= event::READABLE;
                }
                if udp.can_send() {
                    events |= event::WRITABLE;
                }
                events
            }
        }
    }

    /// A process ended: its remembered wakes go.
    pub(super) fn forget_wakes_of(&mut self, pid: u8) {
        self.wakes.retain(|w| w.0 != pid);
    }
}

/// The events an entry with `interest` is told of: each side's with its
/// interest, errors always.
fn shown(interest: u16) -> u16 {
    let mut shown = event::ERROR | event::INVALID;
    if interest & event::READABLE != 0 {
        shown |= event::READABLE | event::READ_CLOSED;
    }
    if interest & event::WRITABLE != 0 {
        shown |= event::WRITABLE | event::WRITE_CLOSED;
    }
    shown
}

