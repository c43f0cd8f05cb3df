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

/// One server's queue: the slots of its messages waiting to be received,
/// oldest first (so sending and receiving never scan the message pool).
#[derive(Clone, Copy)]
struct Fifo {
    slots: [u16; QUEUE_DEPTH],
    head: usize,
    len: usize,
}

impl Fifo {
    const EMPTY: Fifo = Fifo { slots: [0; QUEUE_DEPTH], head: 0, len: 0 };

    fn push(&mut self, slot: usize) -> bool {
        if self.len == QUEUE_DEPTH {
            return false;
        }
        self.slots[(self.head + self.len) % QUEUE_DEPTH] = slot as u16;
        self.len += 1;
        true
    }

    fn front(&self) -> Option<usize> {
        (self.len > 0).then(|| self.slots[self.head] as usize)
    }

    /// Takes `slot` out, wherever it is in the queue.
    fn remove(&mut self, slot: usize) {
        let Some(at) = (0..self.len).find(|i| self.slots[(self.head + i) % QUEUE_DEPTH] as usize == slot) else { return };
        for i in at..self.len - 1 {
            self.slots[(self.head + i) % QUEUE_DEPTH] = self.slots[(self.head + i + 1) % QUEUE_DEPTH];
        }
        self.len -= 1;
    }
}

pub struct Ipc {
    pub servers: [Option<Server>; MAX_SERVERS],
    pub messages: [Slot<Message>; MAX_MESSAGES],
    queues: [Fifo; MAX_SERVERS],
    next_seq: u32,
}

impl Ipc {
    pub const fn new() -> Ipc {
        Ipc { servers: [None; MAX_SERVERS], messages: [Slot::Empty; MAX_MESSAGES], queues: [Fifo::EMPTY; MAX_SERVERS], next_seq: 0 }
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
        self.queues[server as usize].len
    }

    /// Message `slot` leaves its server's queue (it is delivered, or dropped).
    pub fn unqueue(&mut self, slot: usize) {
        if let Some(m) = self.messages[slot].get().filter(|m| m.stage == Stage::Queued) {
            self.queues[m.server as usize].remove(slot);
        }
    }

    /// Forgets every message queued for `server` (it is closing).
    pub fn clear_queue(&mut self, server: u8) {
        self.queues[server as usize] = Fifo::EMPTY;
    }

    /// Puts a message in the pool; `None` when the server's queue or the pool is full.
    pub fn enqueue(&mut self, server: u8, sender: ThreadRef, kind: InvokeType, id: usize, args: [usize; 4]) -> Option<usize> {
        if self.queued(server) >= QUEUE_DEPTH {
            return None;
        }
        let slot = self.messages.iter().position(Slot::is_empty)?;
        self.queues[server as usize].push(slot);
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
        self.queues[server as usize].front()
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
        let third = ipc.enqueue(s, t(3), InvokeType::Scalar, 12, [0; 4]).unwrap();
        assert_eq!(ipc.oldest_queued(s), Some(first));
        ipc.unqueue(first);
        ipc.messages[first] = Slot::Empty;
        assert_eq!(ipc.oldest_queued(s), Some(second));
        ipc.unqueue(third);
        ipc.messages[third] = Slot::Empty;
        ipc.unqueue(second);
        ipc.messages[second] = Slot::Empty;
        assert_eq!((ipc.oldest_queued(s), ipc.queued(s)), (None, 0), "removed from the middle and the end");
        for _ in 0..QUEUE_DEPTH {
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
