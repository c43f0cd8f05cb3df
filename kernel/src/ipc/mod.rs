//! Servers and messages: the tables behind message passing (this file),
//! the syscalls on servers and connections (server.rs) and on messages
//! (message.rs), the pages of memory messages (lend.rs), and the fast path
//! of a round trip (fast.rs, fast_memory.rs).
//!
//! A message lives in one slot of a shared pool from the moment it is sent
//! until it is done: received (non-blocking kinds) or replied to (blocking
//! kinds). The reply address a server gets, the "sender", names that slot:
//! (pid << 24) | (server << 16) | slot, as in Xous. Nothing here searches
//! the pool: free slots are kept on a stack, each server keeps its queue
//! and the set of its threads waiting to receive.

use crate::kernel::{Kernel, Platform};
use crate::sched::ThreadRef;
use crate::slot::Slot;
use crate::tidset::TidSet;
use core::num::{NonZeroU32, NonZeroU8};
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::services::Sid;

pub mod fast;
pub mod fast_memory;
mod lend;
pub mod message;
pub mod server;

/// Messages in flight in the whole system: the board says how many
/// (QEMU: 1024, room for four processes of 255 threads each waiting for an
/// answer; the Baochip-1x: 512 of its 2 MiB).
pub const MAX_MESSAGES: usize = board::MESSAGES;
/// Messages one server may have waiting to be received.
pub const QUEUE_DEPTH: usize = 32;
/// Messages one process may have in the pool at once (queued, or received
/// and waiting for their answer): a process that sends without end fills
/// its own share, never the pool. Its blocking messages are at most one a
/// thread; 64 more are for scalars and moves nobody has received yet.
/// Never more than a quarter of the pool (on a board with a small one).
pub const PROCESS_MESSAGES: usize = {
    let all_threads = xous_abi::limits::MAX_THREADS + 1 + 64;
    if all_threads < MAX_MESSAGES / 4 { all_threads } else { MAX_MESSAGES / 4 }
};
/// The last places of a queue, which a sender gets only while it has
/// fewer than QUEUE_SHARE messages there: one that floods a server's queue
/// fills it up to here, and others still get in.
pub const QUEUE_RESERVE: usize = 8;
pub const QUEUE_SHARE: usize = 2;
/// Servers one process may own at once (the table is shared by all).
pub const PROCESS_SERVERS: usize = MAX_SERVERS / 4;
/// Servers in the whole system: as many as the board's kernel holds, at
/// most the ABI's limit.
pub const MAX_SERVERS: usize = board::SERVERS;
const _: () = assert!(MAX_SERVERS <= xous_abi::limits::MAX_SERVERS);
/// Connections one process may hold.
pub const MAX_CONNECTIONS: usize = 32;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Server {
    pub sid: Sid,
    /// Never 0 (PIDs start at 1): the table's `None` is this niche, so an
    /// empty table is all zeros and lies in .bss (link.x checks it). No
    /// other field may have a niche (a bool's would be chosen, and its
    /// `None` is 2): hence `drain` is a u8.
    owner: NonZeroU8,
    /// The owner's threads 0..=31 waiting in ReceiveMessage for it: bit n
    /// = thread n (the fast path's; ids past 31 are in
    /// `Ipc::more_receivers`, so the entry stays 24 bytes).
    receivers: u32,
    /// 1: drained before power-off (DRAIN_AT_POWER_OFF).
    drain: u8,
}

impl Server {
    pub fn owner(&self) -> u8 {
        self.owner.get()
    }

    /// Whether it is drained before power-off.
    pub fn drains(&self) -> bool {
        self.drain != 0
    }

    pub fn drain_at_power_off(&mut self) {
        self.drain = 1;
    }
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

    fn pop_front(&mut self) {
        if self.len > 0 {
            self.head = (self.head + 1) % QUEUE_DEPTH;
            self.len -= 1;
        }
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
    servers: [Option<Server>; MAX_SERVERS],
    /// The servers by a hash of their SID: server index + 1, 0 for none;
    /// open addressing with linear probing, rebuilt when a server goes.
    by_sid: [u8; SID_BUCKETS],
    pub messages: [Slot<Message>; MAX_MESSAGES],
    queues: [Fifo; MAX_SERVERS],
    /// Slots given back, to be used again first (a stack of `freed` of them).
    free_slots: [u16; MAX_MESSAGES],
    freed: usize,
    /// Slots from here up have never been used.
    fresh: usize,
    /// By PID: messages it sent that are in the pool and still its own
    /// (not orphaned by its end), against PROCESS_MESSAGES.
    in_flight: [u16; 256],
    /// By server: its owner's threads past 31 waiting in ReceiveMessage
    /// for it (ids 0..=31 are in `Server::receivers`; their bits here stay 0).
    more_receivers: [TidSet; MAX_SERVERS],
}

const _: () = assert!(MAX_MESSAGES <= 1 << 16 && MAX_MESSAGES.is_power_of_two(), "slots are kept as u16, and masked (Ipc::add)");

/// Buckets of the SID index: twice the servers, so a probe meets an empty
/// bucket soon, and the table is never full.
const SID_BUCKETS: usize = 2 * MAX_SERVERS;
const _: () = assert!(SID_BUCKETS.is_power_of_two() && MAX_SERVERS < 256);

/// Word by word: no call to a byte comparison.
fn same_sid(a: &Sid, b: &Sid) -> bool {
    a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3]
}

fn bucket(sid: &Sid) -> usize {
    let h = sid[0] ^ sid[1].rotate_left(8) ^ sid[2].rotate_left(16) ^ sid[3].rotate_left(24);
    (h ^ (h >> 16)) as usize % SID_BUCKETS
}

impl Ipc {
    pub const fn new() -> Ipc {
        Ipc {
            servers: [None; MAX_SERVERS],
            by_sid: [0; SID_BUCKETS],
            messages: [Slot::Empty; MAX_MESSAGES],
            queues: [Fifo::EMPTY; MAX_SERVERS],
            free_slots: [0; MAX_MESSAGES],
            freed: 0,
            fresh: 0,
            in_flight: [0; 256],
            more_receivers: [TidSet::EMPTY; MAX_SERVERS],
        }
    }

    /// Whether server `index` is there and has this SID.
    #[inline(always)]
    pub fn has_sid(&self, index: u8, sid: &Sid) -> bool {
        self.servers.get(index as usize).is_some_and(|s| s.is_some_and(|s| same_sid(&s.sid, sid)))
    }

    pub fn find_server(&self, sid: &Sid) -> Option<u8> {
        let mut b = bucket(sid);
        loop {
            let index = self.by_sid[b].checked_sub(1)?;
            if self.servers[index as usize].is_some_and(|s| same_sid(&s.sid, sid)) {
                return Some(index);
            }
            b = (b + 1) % SID_BUCKETS;
        }
    }

    /// Registers a server; `None` when the table is full, or `owner` has
    /// its share of it (PROCESS_SERVERS).
    pub fn add_server(&mut self, sid: Sid, owner: u8) -> Option<u8> {
        if self.servers.iter().flatten().filter(|s| s.owner() == owner).count() >= PROCESS_SERVERS {
            return None;
        }
        let i = self.servers.iter().position(|s| s.is_none())?;
        self.servers[i] = Some(Server { sid, owner: NonZeroU8::new(owner)?, receivers: 0, drain: 0 });
        self.index_server(i);
        Some(i as u8)
    }

    fn index_server(&mut self, i: usize) {
        let Some(server) = self.servers[i] else { return };
        let mut b = bucket(&server.sid);
        while self.by_sid[b] != 0 {
            b = (b + 1) % SID_BUCKETS;
        }
        self.by_sid[b] = i as u8 + 1;
    }

    /// Forgets server `index` (its queue must be empty by now).
    pub fn remove_server(&mut self, index: u8) {
        self.servers[index as usize] = None;
        self.more_receivers[index as usize] = TidSet::EMPTY;
        self.by_sid = [0; SID_BUCKETS];
        for i in 0..MAX_SERVERS {
            self.index_server(i);
        }
    }

    pub fn server_mut(&mut self, index: u8) -> Option<&mut Server> {
        self.servers.get_mut(index as usize)?.as_mut()
    }

    /// Whether every slot of the pool holds a message.
    pub fn is_full(&self) -> bool {
        self.freed == 0 && self.fresh == MAX_MESSAGES
    }

    /// Message `slot` is done: its slot can be used again.
    #[inline(always)]
    pub fn release(&mut self, slot: usize) {
        if let Some(m) = self.messages[slot].take() {
            self.free_slots[self.freed] = slot as u16;
            self.freed += 1;
            if !m.orphaned {
                self.in_flight[m.sender.pid as usize] -= 1;
            }
        }
    }

    /// `release` of message `slot`, which the caller has just read: there,
    /// sent by process `sender`, not orphaned (the fast path's replies).
    #[inline(always)]
    pub fn release_live(&mut self, slot: usize, sender: u8) {
        debug_assert!(self.messages[slot].get().is_some_and(|m| !m.orphaned && m.sender.pid == sender));
        self.messages[slot] = Slot::Empty;
        self.free_slots[self.freed % MAX_MESSAGES] = slot as u16;
        self.freed += 1;
        self.in_flight[sender as usize] -= 1;
    }

    /// The sender of message `slot` has ended: the message stays until its
    /// server answers, no longer counted against the sender's PID.
    pub fn orphan(&mut self, slot: usize) {
        if let Some(m) = self.messages[slot].as_mut().filter(|m| !m.orphaned) {
            m.orphaned = true;
            self.in_flight[m.sender.pid as usize] -= 1;
        }
    }

    pub fn server(&self, index: u8) -> Option<Server> {
        self.servers.get(index as usize).copied().flatten()
    }

    /// Whether process `pid` owns a server drained before power-off.
    pub fn drains(&self, pid: u8) -> bool {
        self.servers.iter().flatten().any(|s| s.drains() && s.owner() == pid)
    }

    /// Whether every server drained before power-off has an empty queue.
    pub fn drained(&self) -> bool {
        (0..MAX_SERVERS).all(|i| self.servers[i].is_none_or(|s| !s.drains()) || self.queues[i].len == 0)
    }

    pub fn queued(&self, server: u8) -> usize {
        self.queues[server as usize].len
    }

    /// The oldest queued message of `server` leaves its queue (it is delivered).
    pub fn pop_queued(&mut self, server: u8) {
        self.queues[server as usize].pop_front();
    }

    /// Message `slot` leaves its server's queue (it is dropped).
    pub fn unqueue(&mut self, slot: usize) {
        if let Some(m) = self.messages[slot].get().filter(|m| m.stage == Stage::Queued) {
            self.queues[m.server as usize].remove(slot);
        }
    }

    /// Forgets every message queued for `server` (it is closing).
    pub fn clear_queue(&mut self, server: u8) {
        self.queues[server as usize] = Fifo::EMPTY;
    }

    /// Puts a message in the pool at `stage`, not in its server's queue (it
    /// goes there with `queue`, or to a waiting receiver: the fast path adds
    /// it Delivered); `None` when the server's queue or the pool is full.
    #[inline(always)]
    pub fn add(&mut self, server: u8, sender: ThreadRef, kind: InvokeType, id: usize, args: [usize; 4], stage: Stage) -> Option<usize> {
        if !self.has_room(server, sender.pid) {
            return None;
        }
        Some(self.insert(Message { server, sender, kind, id, args, stage, orphaned: false }))
    }

    /// The fast path's `add` of a message that goes straight to a waiting
    /// receiver: its server's queue is empty then (a thread waits to
    /// receive only while it is), so of `has_room` only the pool and the
    /// sender's share of it are left to check (`has_room_for_delivery`).
    #[inline(always)]
    pub fn add_delivered(&mut self, server: u8, sender: ThreadRef, kind: InvokeType, id: usize, args: [usize; 4], server_va: usize) -> Option<usize> {
        debug_assert_eq!(self.queued(server), 0, "a receiver waits only while its server's queue is empty");
        if !self.has_room_for_delivery(sender.pid) {
            return None;
        }
        Some(self.add_delivered_with_room(server, sender, kind, id, args, server_va))
    }

    /// `add_delivered` once `has_room_for_delivery` said yes (the fast
    /// lend asks before it changes anything, and not again). Only after
    /// that question, with nothing taken from the pool since: else the
    /// sender's share and the pool overflow.
    #[inline(always)]
    pub(crate) fn add_delivered_with_room(&mut self, server: u8, sender: ThreadRef, kind: InvokeType, id: usize, args: [usize; 4], server_va: usize) -> usize {
        debug_assert!(self.has_room_for_delivery(sender.pid));
        self.insert(Message { server, sender, kind, id, args, stage: Stage::Delivered { server_va }, orphaned: false })
    }

    /// `has_room` for a server whose queue is empty: room in the pool,
    /// within `pid`'s share of it (the part of `has_room` about the pool).
    #[inline(always)]
    pub fn has_room_for_delivery(&self, pid: u8) -> bool {
        !self.is_full() && (self.in_flight[pid as usize] as usize) < PROCESS_MESSAGES
    }

    /// Puts `m` in a free slot of the pool, which has one.
    #[inline(always)]
    fn insert(&mut self, m: Message) -> usize {
        self.in_flight[m.sender.pid as usize] += 1;
        let slot = if self.freed > 0 {
            self.freed -= 1;
            // Always below MAX_MESSAGES; the mask (one instruction) tells
            // the compiler, which would check the index against it (two).
            self.free_slots[self.freed] as usize % MAX_MESSAGES
        } else {
            self.fresh += 1;
            self.fresh - 1
        };
        self.messages[slot] = Slot::Full(m);
        slot
    }

    /// A thread of `server`'s owner waiting in ReceiveMessage for it, if
    /// any, the lowest id first. (One waits only while the server's queue
    /// is empty.)
    pub fn waiting_receiver(&self, server: u8) -> Option<ThreadRef> {
        let s = self.server(server)?;
        let tid = match NonZeroU32::new(s.receivers) {
            Some(low) => low.trailing_zeros() as u8,
            None => self.more_receivers[server as usize].first()?,
        };
        Some(ThreadRef { pid: s.owner(), tid })
    }

    /// The fast path's `waiting_receiver`: only ids 0..=31, so the compiler
    /// knows the id is below 32 and the receiver's state and registers are
    /// in the process and its first page (a receiver past 31: the general path).
    #[inline(always)]
    pub fn waiting_first_receiver(&self, server: u8) -> Option<ThreadRef> {
        let s = self.server(server)?;
        let low = NonZeroU32::new(s.receivers)?;
        Some(ThreadRef { pid: s.owner(), tid: low.trailing_zeros() as u8 })
    }

    /// Thread `tid` of `server`'s owner waits in ReceiveMessage for it.
    #[inline(always)]
    pub fn add_receiver(&mut self, server: u8, tid: u8) {
        let Some(s) = self.servers.get_mut(server as usize).and_then(Option::as_mut) else { return };
        match tid < 32 {
            true => s.receivers |= 1 << tid,
            false => self.more_receivers[server as usize].insert(tid),
        }
    }

    /// Thread `tid` no longer waits to receive for `server`.
    #[inline(always)]
    pub fn remove_receiver(&mut self, server: u8, tid: u8) {
        let Some(s) = self.servers.get_mut(server as usize).and_then(Option::as_mut) else { return };
        match tid < 32 {
            true => s.receivers &= !(1 << tid),
            false => self.more_receivers[server as usize].remove(tid),
        }
    }

    /// Every thread waiting to receive for `server`, lowest id first.
    pub fn receivers(&self, server: u8) -> TidSet {
        let mut all = self.more_receivers.get(server as usize).copied().unwrap_or(TidSet::EMPTY);
        let low = self.server(server).map_or(0, |s| s.receivers);
        for tid in 0..32 {
            if low & (1 << tid) != 0 {
                all.insert(tid);
            }
        }
        all
    }

    /// Whether a message from process `pid` for `server` fits in its
    /// queue and in the pool, within `pid`'s shares of both.
    #[inline]
    pub fn has_room(&self, server: u8, pid: u8) -> bool {
        let queued = self.queued(server);
        queued < QUEUE_DEPTH
            && self.has_room_for_delivery(pid)
            && (queued < QUEUE_DEPTH - QUEUE_RESERVE || self.queued_by(server, pid) < QUEUE_SHARE)
    }

    /// How many of `server`'s queued messages process `pid` sent.
    #[inline(never)]
    fn queued_by(&self, server: u8, pid: u8) -> usize {
        let q = &self.queues[server as usize];
        (0..q.len).filter(|i| self.messages[q.slots[(q.head + i) % QUEUE_DEPTH] as usize].get().is_some_and(|m| m.sender.pid == pid)).count()
    }

    /// Message `slot` joins its server's queue, at the back.
    pub fn queue(&mut self, slot: usize) {
        if let Some(m) = self.messages[slot].get() {
            self.queues[m.server as usize].push(slot);
        }
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

    /// Whether process `client` waits for the answer to a message it sent
    /// to a server of process `owner` (which `owner` has received).
    pub fn waits_on(&self, client: u8, owner: u8) -> bool {
        self.messages.iter().filter_map(Slot::get).any(|m| {
            m.sender.pid == client
                && !m.orphaned
                && m.kind.blocks_sender()
                && matches!(m.stage, Stage::Delivered { .. })
                && self.server(m.server).is_some_and(|s| s.owner() == owner)
        })
    }

    /// The delivered, reply-awaiting message that `word` names, if `owner` owns its server.
    pub fn awaiting_reply(&self, word: usize, owner: u8) -> Option<usize> {
        let s = MessageSender(word);
        let slot = s.slot() as usize;
        let m = self.messages.get(slot).and_then(Slot::as_ref)?;
        let server = self.server(m.server)?;
        let matches = m.server == s.server() && m.sender.pid == s.pid() && server.owner() == owner;
        (matches && matches!(m.stage, Stage::Delivered { .. }) && m.kind.blocks_sender()).then_some(slot)
    }
}

impl<P: Platform> Kernel<P> {
    /// Message `slot` is done (received, or answered): its slot is free,
    /// and whoever waits for room may try again.
    #[inline(always)]
    pub fn message_done(&mut self, slot: usize) {
        self.ipc.release(slot);
        self.wake_retries();
    }

    /// `message_done` for a reply of the fast path, which has read the
    /// message (`Ipc::release_live`).
    #[inline(always)]
    pub fn live_message_done(&mut self, slot: usize, sender: u8) {
        self.ipc.release_live(slot, sender);
        self.wake_retries();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pid: u8) -> ThreadRef {
        ThreadRef { pid, tid: 1 }
    }

    /// A message into the pool and its server's queue, as a send with no
    /// receiver waiting does.
    fn enqueue(ipc: &mut Ipc, server: u8, sender: ThreadRef, id: usize) -> Option<usize> {
        let slot = ipc.add(server, sender, InvokeType::Scalar, id, [0; 4], Stage::Queued)?;
        ipc.queue(slot);
        Some(slot)
    }

    #[test]
    fn queues_are_fifo_and_bounded() {
        let mut ipc = Ipc::new();
        let s = ipc.add_server([1, 2, 3, 4], 2).unwrap();
        assert_eq!(ipc.find_server(&[1, 2, 3, 4]), Some(s));
        assert_eq!(ipc.find_server(&[9, 9, 9, 9]), None);
        let first = enqueue(&mut ipc, s, t(3), 10).unwrap();
        let second = enqueue(&mut ipc, s, t(3), 11).unwrap();
        let third = enqueue(&mut ipc, s, t(3), 12).unwrap();
        assert_eq!(ipc.oldest_queued(s), Some(first));
        ipc.unqueue(first);
        ipc.release(first);
        assert_eq!(ipc.oldest_queued(s), Some(second));
        ipc.unqueue(third);
        ipc.release(third);
        ipc.unqueue(second);
        ipc.release(second);
        assert_eq!((ipc.oldest_queued(s), ipc.queued(s)), (None, 0), "removed from the middle and the end");
        for _ in 0..QUEUE_DEPTH - QUEUE_RESERVE {
            assert!(enqueue(&mut ipc, s, t(3), 0).is_some());
        }
        assert_eq!(enqueue(&mut ipc, s, t(3), 0), None, "one sender fills all but the reserve");
        for i in 0..QUEUE_RESERVE {
            let other = t(4 + (i / QUEUE_SHARE) as u8);
            assert!(enqueue(&mut ipc, s, other, 0).is_some(), "the reserve is for the others");
        }
        assert_eq!(enqueue(&mut ipc, s, t(60), 0), None, "queue full");
    }

    #[test]
    fn slots_are_reused_and_the_pool_fills_up() {
        let mut ipc = Ipc::new();
        let servers: Vec<u8> = (0..MAX_MESSAGES / QUEUE_DEPTH + 1).map(|i| ipc.add_server([i as u32, 0, 0, 0], 2 + (i % 4) as u8).unwrap()).collect();
        let mut slots = Vec::new();
        // A sender per place of a queue: no one reaches a share of its own.
        let sender = |i: usize| t(3 + (i % QUEUE_DEPTH) as u8);
        for i in 0..MAX_MESSAGES {
            slots.push(enqueue(&mut ipc, servers[i / QUEUE_DEPTH], sender(i), i).unwrap());
        }
        assert!(ipc.is_full());
        assert_eq!(enqueue(&mut ipc, servers[MAX_MESSAGES / QUEUE_DEPTH], t(50), 0), None, "the pool is full");
        let mut sorted = slots.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), MAX_MESSAGES, "every slot once");
        ipc.unqueue(slots[7]);
        ipc.release(slots[7]);
        ipc.release(slots[7]);
        assert!(!ipc.is_full(), "a slot released twice counts once");
        assert_eq!(enqueue(&mut ipc, servers[MAX_MESSAGES / QUEUE_DEPTH], t(50), 0), Some(slots[7]));
        assert!(ipc.is_full());
    }

    #[test]
    fn servers_are_found_by_sid_through_collisions_and_removals() {
        let mut ipc = Ipc::new();
        // Four SIDs the hash sends to one bucket, then others to fill the table.
        let candidates: Vec<Sid> = (0..8192u32).map(|i| [i, 0x5eed, i.wrapping_mul(7), 1]).collect();
        let same: Vec<Sid> = candidates.iter().copied().filter(|s| bucket(s) == bucket(&candidates[0])).take(4).collect();
        assert_eq!(same.len(), 4, "the test needs colliding SIDs");
        let mut sids = same.clone();
        sids.extend(candidates.iter().filter(|s| !same.contains(s)).take(MAX_SERVERS - same.len()));
        for (i, sid) in sids.iter().enumerate() {
            ipc.add_server(*sid, 2 + (i / PROCESS_SERVERS) as u8).unwrap();
        }
        assert_eq!(ipc.add_server([9, 9, 9, 9], 60), None, "the table is full");
        for (i, sid) in sids.iter().enumerate() {
            assert_eq!(ipc.find_server(sid), Some(i as u8));
        }
        assert_eq!(ipc.find_server(&[1, 2, 3, 4]), None);
        let gone = ipc.find_server(&same[0]).unwrap();
        ipc.remove_server(gone);
        assert_eq!(ipc.find_server(&same[0]), None);
        assert!(same[1..].iter().all(|s| ipc.find_server(s).is_some()), "the rest of its chain is still found");
        assert_eq!(ipc.add_server([7, 7, 7, 7], 60), Some(gone), "the slot is used again");
        assert_eq!(ipc.find_server(&[7, 7, 7, 7]), Some(gone));
    }

    #[test]
    fn reply_words_are_checked() {
        let mut ipc = Ipc::new();
        let s = ipc.add_server([1, 0, 0, 0], 2).unwrap();
        let slot = ipc.add(s, t(3), InvokeType::BlockingScalar, 0, [0; 4], Stage::Queued).unwrap();
        let word = ipc.sender_word(slot);
        assert_eq!(ipc.awaiting_reply(word, 2), None, "not received yet");
        ipc.messages[slot].as_mut().unwrap().stage = Stage::Delivered { server_va: 0 };
        assert_eq!(ipc.awaiting_reply(word, 2), Some(slot));
        assert_eq!(ipc.awaiting_reply(word, 4), None, "not the server's owner");
        assert_eq!(ipc.awaiting_reply(word ^ 1, 2), None, "another slot");
        assert_eq!(ipc.awaiting_reply(usize::MAX, 2), None);
    }
}
