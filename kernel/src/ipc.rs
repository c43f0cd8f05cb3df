//! Servers, connections and messages in flight: the bookkeeping behind
//! message passing, without the memory remapping (see syscall/ipc.rs).
//!
//! A message lives in one slot of a shared pool from the moment it is sent
//! until it is done: received (non-blocking kinds) or replied to (blocking
//! kinds). The reply address a server gets, the "sender", names that slot:
//! (pid << 24) | (server << 16) | slot, as in Xous.

use crate::sched::ThreadRef;
use crate::slot::Slot;
use xous_abi::limits::MAX_SERVERS;
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::services::Sid;

/// Messages in flight in the whole system.
pub const MAX_MESSAGES: usize = 256;
/// Messages one server may have waiting to be received.
pub const QUEUE_DEPTH: usize = 32;
/// Connections one process may hold.
pub const MAX_CONNECTIONS: usize = 32;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub sid: Sid,
    pub owner: u8,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting in the server's queue.
    Queued,
    /// Received; for memory kinds, mapped in the server at this address.
    Delivered { server_va: usize },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub server: u8,
    /// The sending thread (it waits for the reply if the kind blocks).
    pub sender: ThreadRef,
    pub kind: InvokeType,
    pub id: usize,
    /// Scalars: the four words. Memory: address and length in the sender,
    /// then the advisory `offset` and `valid`.
    pub args: [usize; 4],
    pub stage: Stage,
    /// Arrival order, for first-in first-out delivery.
    pub seq: u32,
    /// The sender died while the server held its memory: the frames now
    /// belong to the server's process and are freed when it replies.
    pub orphaned: bool,
}

pub struct Ipc {
    pub servers: [Option<Server>; MAX_SERVERS],
    pub messages: [Slot<Message>; MAX_MESSAGES],
    next_seq: u32,
}

impl Ipc {
    pub const fn new() -> Ipc {
        Ipc { servers: [None; MAX_SERVERS], messages: [Slot::Empty; MAX_MESSAGES], next_seq: 0 }
    }

    pub fn find_server(&self, sid: &Sid) -> Option<u8> {
        self.servers.iter().position(|s| s.is_some_and(|s| s.sid == *sid)).map(|i| i as u8)
    }

    /// Registers a server; `None` when the table is full.
    pub fn add_server(&mut self, sid: Sid, owner: u8) -> Option<u8> {
        let i = self.servers.iter().position(|s| s.is_none())?;
        self.servers[i] = Some(Server { sid, owner });
        Some(i as u8)
    }

    pub fn server(&self, index: u8) -> Option<Server> {
        self.servers.get(index as usize).copied().flatten()
    }

    pub fn queued(&self, server: u8) -> usize {
        self.messages.iter().filter_map(Slot::as_ref).filter(|m| m.server == server && m.stage == Stage::Queued).count()
    }

    /// Puts a message in the pool; `None` when the server's queue or the pool is full.
    pub fn enqueue(&mut self, server: u8, sender: ThreadRef, kind: InvokeType, id: usize, args: [usize; 4]) -> Option<usize> {
        if self.queued(server) >= QUEUE_DEPTH {
            return None;
        }
        let slot = self.messages.iter().position(Slot::is_empty)?;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.messages[slot] = Slot::Full(Message {
            server,
            sender,
            kind,
            id,
            args,
            stage: Stage::Queued,
            seq: self.next_seq,
            orphaned: false,
        });
        Some(slot)
    }

    /// The oldest queued message for `server`.
    pub fn oldest_queued(&self, server: u8) -> Option<usize> {
        self.messages
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.get().filter(|m| m.server == server && m.stage == Stage::Queued).map(|m| (i, m.seq)))
            .max_by_key(|(_, seq)| self.next_seq.wrapping_sub(*seq))
            .map(|(i, _)| i)
    }

    /// The reply address of message `slot` as the server sees it.
    pub fn sender_word(&self, slot: usize) -> usize {
        let m = self.messages[slot].get().expect("live message");
        MessageSender::new(m.sender.pid, m.server, slot as u16).0
    }

    /// The delivered, reply-awaiting message that `word` names, if `owner` owns its server.
    pub fn awaiting_reply(&self, word: usize, owner: u8) -> Option<usize> {
        let s = MessageSender(word);
        let slot = s.slot() as usize;
        let m = self.messages.get(slot).and_then(Slot::get)?;
        let server = self.server(m.server)?;
        let matches = m.server == s.server() && m.sender.pid == s.pid() && server.owner == owner;
        (matches && matches!(m.stage, Stage::Delivered { .. }) && m.kind.blocks_sender()).then_some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pid: u8) -> ThreadRef {
        ThreadRef { pid, tid: 1 }
    }

    #[test]
    fn queues_are_fifo_and_bounded() {
        let mut ipc = Ipc::new();
        let s = ipc.add_server([1, 2, 3, 4], 2).unwrap();
        assert_eq!(ipc.find_server(&[1, 2, 3, 4]), Some(s));
        assert_eq!(ipc.find_server(&[9, 9, 9, 9]), None);
        let first = ipc.enqueue(s, t(3), InvokeType::Scalar, 10, [0; 4]).unwrap();
        let second = ipc.enqueue(s, t(3), InvokeType::Scalar, 11, [0; 4]).unwrap();
        assert_eq!(ipc.oldest_queued(s), Some(first));
        ipc.messages[first] = Slot::Empty;
        assert_eq!(ipc.oldest_queued(s), Some(second));
        for _ in 1..QUEUE_DEPTH {
            assert!(ipc.enqueue(s, t(3), InvokeType::Scalar, 0, [0; 4]).is_some());
        }
        assert_eq!(ipc.enqueue(s, t(3), InvokeType::Scalar, 0, [0; 4]), None, "queue full");
    }

    #[test]
    fn reply_words_are_checked() {
        let mut ipc = Ipc::new();
        let s = ipc.add_server([1, 0, 0, 0], 2).unwrap();
        let slot = ipc.enqueue(s, t(3), InvokeType::BlockingScalar, 0, [0; 4]).unwrap();
        let word = ipc.sender_word(slot);
        assert_eq!(ipc.awaiting_reply(word, 2), None, "not received yet");
        ipc.messages[slot].as_mut().unwrap().stage = Stage::Delivered { server_va: 0 };
        assert_eq!(ipc.awaiting_reply(word, 2), Some(slot));
        assert_eq!(ipc.awaiting_reply(word, 4), None, "not the server's owner");
        assert_eq!(ipc.awaiting_reply(word ^ 1, 2), None, "another slot");
        assert_eq!(ipc.awaiting_reply(usize::MAX, 2), None);
    }
}
