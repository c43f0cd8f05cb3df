//! Servers, connections and messages in flight: the bookkeeping behind
//! message passing, without the memory remapping (see syscall/ipc.rs).
//!
//! A message lives in one slot of a shared pool from the moment it is sent
//! until it is done: received (non-blocking kinds) or replied to (blocking
//! kinds). The reply address a server gets, the "sender", names that slot:
//! (pid << 24) | (server << 16) | slot, as in Xous. Nothing here searches
//! the pool: free slots are kept on a stack, each server keeps its queue
//! and the set of its threads waiting to receive.

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
    /// The owner's threads waiting in ReceiveMessage for it: bit n = thread n.
    pub receivers: u32,
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
    /// Slots given back, to be used again first (a stack of `freed` of them).
    free_slots: [u8; MAX_MESSAGES],
    freed: usize,
    /// Slots from here up have never been used.
    fresh: usize,
}

const _: () = assert!(MAX_MESSAGES <= 256, "slots are kept as bytes");

impl Ipc {
    pub const fn new() -> Ipc {
        Ipc {
            servers: [None; MAX_SERVERS],
            messages: [Slot::Empty; MAX_MESSAGES],
            queues: [Fifo::EMPTY; MAX_SERVERS],
            free_slots: [0; MAX_MESSAGES],
            freed: 0,
            fresh: 0,
        }
    }

    pub fn find_server(&self, sid: &Sid) -> Option<u8> {
        let same = |s: &Server| s.sid[0] == sid[0] && s.sid[1] == sid[1] && s.sid[2] == sid[2] && s.sid[3] == sid[3];
        self.servers.iter().position(|s| s.as_ref().is_some_and(same)).map(|i| i as u8)
    }

    /// Registers a server; `None` when the table is full.
    pub fn add_server(&mut self, sid: Sid, owner: u8) -> Option<u8> {
        let i = self.servers.iter().position(|s| s.is_none())?;
        self.servers[i] = Some(Server { sid, owner, receivers: 0 });
        Some(i as u8)
    }

    pub fn server_mut(&mut self, index: u8) -> Option<&mut Server> {
        self.servers.get_mut(index as usize)?.as_mut()
    }

    /// Whether every slot of the pool holds a message.
    pub fn is_full(&self) -> bool {
        self.freed == 0 && self.fresh == MAX_MESSAGES
    }

    /// Message `slot` is done: its slot can be used again.
    pub fn release(&mut self, slot: usize) {
        if self.messages[slot].take().is_some() {
            self.free_slots[self.freed] = slot as u8;
            self.freed += 1;
        }
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
        if self.queued(server) >= QUEUE_DEPTH || self.is_full() {
            return None;
        }
        let slot = if self.freed > 0 {
            self.freed -= 1;
            self.free_slots[self.freed] as usize
        } else {
            self.fresh += 1;
            self.fresh - 1
        };
        self.queues[server as usize].push(slot);
        self.messages[slot] = Slot::Full(Message { server, sender, kind, id, args, stage: Stage::Queued, orphaned: false });
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
        ipc.release(first);
        assert_eq!(ipc.oldest_queued(s), Some(second));
        ipc.unqueue(third);
        ipc.release(third);
        ipc.unqueue(second);
        ipc.release(second);
        assert_eq!((ipc.oldest_queued(s), ipc.queued(s)), (None, 0), "removed from the middle and the end");
        for _ in 0..QUEUE_DEPTH {
            assert!(ipc.enqueue(s, t(3), InvokeType::Scalar, 0, [0; 4]).is_some());
        }
        assert_eq!(ipc.enqueue(s, t(3), InvokeType::Scalar, 0, [0; 4]), None, "queue full");
    }

    #[test]
    fn slots_are_reused_and_the_pool_fills_up() {
        let mut ipc = Ipc::new();
        let servers: Vec<u8> = (0..MAX_MESSAGES / QUEUE_DEPTH + 1).map(|i| ipc.add_server([i as u32, 0, 0, 0], 2).unwrap()).collect();
        let mut slots = Vec::new();
        for i in 0..MAX_MESSAGES {
            slots.push(ipc.enqueue(servers[i / QUEUE_DEPTH], t(3), InvokeType::Scalar, i, [0; 4]).unwrap());
        }
        assert!(ipc.is_full());
        assert_eq!(ipc.enqueue(servers[MAX_MESSAGES / QUEUE_DEPTH], t(3), InvokeType::Scalar, 0, [0; 4]), None, "the pool is full");
        let mut sorted = slots.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), MAX_MESSAGES, "every slot once");
        ipc.unqueue(slots[7]);
        ipc.release(slots[7]);
        ipc.release(slots[7]);
        assert!(!ipc.is_full(), "a slot released twice counts once");
        assert_eq!(ipc.enqueue(servers[MAX_MESSAGES / QUEUE_DEPTH], t(3), InvokeType::Scalar, 0, [0; 4]), Some(slots[7]));
        assert!(ipc.is_full());
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
