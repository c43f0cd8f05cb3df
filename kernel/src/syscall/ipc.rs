//! Message-passing syscalls: servers, connections, send, receive, reply.
//!
//! Memory messages move pages, never bytes. At send, the sender's pages are
//! checked and marked: lent read-only pages lose W (nobody writes while they
//! are lent); pages lent mutably or moved become unreachable to the sender.
//! At receive, the same frames are mapped into the server's message region.
//! At reply, they leave the server and the sender's entries are restored; a
//! move instead hands the frames to the server for good. A run of pages
//! costs one walk of each page table per 4 MiB (`Walk`).
//!
//! The fast path is the general one: a message to a server with a thread
//! waiting in ReceiveMessage is delivered into that thread's registers at
//! once and the thread goes first in the run queue, so when the sender
//! waits for its reply the receiver runs next; a reply does the same for
//! the sender. Nothing on the way searches a table.

use super::{ok, result, Outcome};
use crate::ipc::{Stage, MAX_MESSAGES};
use crate::kernel::{Kernel, Platform};
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::process::ThreadState;
use crate::sched::ThreadRef;
use xous_abi::memory::{USER_MESSAGE_BASE, USER_MMAP_BASE};
use xous_abi::message::InvokeType;
use xous_abi::services::Sid;
use xous_abi::{Error, SyscallResult};

pub(super) fn sid_of(words: [usize; 4]) -> Sid {
    words.map(|w| w as u32)
}

fn sid_words(sid: Sid) -> [usize; 4] {
    sid.map(|w| w as usize)
}

/// CreateServerWithAddress(sid), CreateServer -> NewServerID(sid, cid): the
/// creator is connected to its own server (what the published `xous` crate
/// expects of both).
/// Errors: ServerExists, OutOfMemory (server table or connections full).
#[inline(never)]
pub fn create_server<P: Platform>(k: &mut Kernel<P>, pid: u8, sid: Option<[usize; 4]>, connect: bool) -> Result<[usize; 8], Error> {
    let sid = match sid {
        Some(words) => sid_of(words),
        None => random_sid(k),
    };
    if k.ipc.find_server(&sid).is_some() {
        return Err(Error::ServerExists);
    }
    let index = k.ipc.add_server(sid, pid).ok_or(Error::OutOfMemory)?;
    k.wake_retries();
    let w = sid_words(sid);
    if !connect {
        return Ok(result(SyscallResult::ServerId, &w));
    }
    let Some(cid) = k.procs.get_mut(pid).and_then(|p| p.connect(index)) else {
        k.ipc.remove_server(index);
        return Err(Error::OutOfMemory);
    };
    Ok(result(SyscallResult::NewServerId, &[w[0], w[1], w[2], w[3], cid]))
}

pub(super) fn random_sid<P: Platform>(k: &mut Kernel<P>) -> Sid {
    loop {
        let sid = [k.hw.entropy(), k.hw.entropy(), k.hw.entropy(), k.hw.entropy()];
        if k.ipc.find_server(&sid).is_none() {
            return sid;
        }
    }
}

/// CreateServerId -> ServerID: a fresh random SID (no server yet).
#[inline(never)]
pub fn new_server_id<P: Platform>(k: &mut Kernel<P>) -> Result<[usize; 8], Error> {
    let sid = random_sid(k);
    Ok(result(SyscallResult::ServerId, &sid_words(sid)))
}

/// DestroyServer(sid). Errors: ServerNotFound, AccessDenied (not the owner).
#[inline(never)]
pub fn destroy_server<P: Platform>(k: &mut Kernel<P>, pid: u8, sid: [usize; 4]) -> Result<[usize; 8], Error> {
    let index = k.ipc.find_server(&sid_of(sid)).ok_or(Error::ServerNotFound)?;
    if k.ipc.server(index).map(|s| s.owner) != Some(pid) {
        return Err(Error::AccessDenied);
    }
    close_server(k, index);
    Ok(ok())
}

/// Connect/TryConnect(sid), ConnectForProcess(pid, sid) -> ConnectionID.
/// Connect waits for the server to appear; the others fail with ServerNotFound.
/// Errors: ServerNotFound, OutOfMemory (the connection table is full).
#[inline(never)]
pub fn connect<P: Platform>(k: &mut Kernel<P>, caller: ThreadRef, pid: u8, sid: [usize; 4], wait: bool) -> Outcome {
    let Some(index) = k.ipc.find_server(&sid_of(sid)) else {
        return if wait { Outcome::Retry } else { Outcome::Error(Error::ServerNotFound) };
    };
    match k.procs.get_mut(pid).and_then(|p| p.connect(index)) {
        Some(cid) => {
            k.answer(caller, SyscallResult::ConnectionId, &[cid]);
            Outcome::Answered
        }
        None => Outcome::Error(Error::OutOfMemory),
    }
}

/// Disconnect(cid). Errors: ServerNotFound (no such connection).
#[inline(never)]
pub fn disconnect<P: Platform>(k: &mut Kernel<P>, pid: u8, cid: usize) -> Result<[usize; 8], Error> {
    let p = k.procs.get_mut(pid).ok_or(Error::ProcessNotFound)?;
    p.server_of(cid).ok_or(Error::ServerNotFound)?;
    p.connections[cid - 1] = 0;
    Ok(ok())
}

/// SendMessage/TrySendMessage(cid, kind, id, a, b, c, d).
/// Scalar and Move return Ok at once; the others wait for the reply.
/// Errors: ServerNotFound (bad cid, or the server is gone), InvalidArgument
/// (kind), BadAlignment / BadAddress (buffer), ShareViolation (a page is
/// already lent), ServerQueueFull (TrySendMessage only; SendMessage waits).
///
/// TrySendMessage to a full queue first gives the processor away, so the
/// server (ready, behind the sender) can catch up, and fails only if the
/// queue is still full after GIVE_WAY_ROUNDS such rounds: a sender in a tight
/// loop (std's panic writer sends its text as non-blocking scalars and
/// drops what fails) no longer outruns its server, and the call still
/// never waits for the server to do anything.
#[inline(never)]
pub fn send<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: &[usize; 8], wait: bool) -> Outcome {
    let result = try_send(k, t, a);
    let Some(p) = k.procs.get_mut(t.pid) else { return Outcome::Gone };
    let rounds = core::mem::take(&mut p.gave_way[t.tid as usize]);
    match result {
        Ok(outcome) => outcome,
        Err(Error::ServerQueueFull) if wait => Outcome::Retry,
        Err(Error::ServerQueueFull) if rounds < GIVE_WAY_ROUNDS => {
            p.gave_way[t.tid as usize] = rounds + 1;
            Outcome::GiveWay
        }
        Err(e) => Outcome::Error(e),
    }
}

/// How many times in a row a TrySendMessage to a full queue gives the
/// processor away before it fails. One round is enough when the server
/// runs in it; more make the answer independent of how the host schedules
/// the machine (a quantum lost to the host left the server no time in a
/// round, and one chunk of a panic message was dropped under load).
pub const GIVE_WAY_ROUNDS: u8 = 8;

/// DRAIN_AT_POWER_OFF(sid): the caller's server `sid` is drained before
/// the machine powers off (see the ABI and `Kernel::power_off_step`).
pub fn drain_at_power_off<P: Platform>(k: &mut Kernel<P>, pid: u8, sid: [usize; 4]) -> Result<[usize; 8], Error> {
    let index = k.ipc.find_server(&sid_of(sid)).ok_or(Error::ServerNotFound)?;
    let server = k.ipc.server_mut(index).ok_or(Error::ServerNotFound)?;
    if server.owner != pid {
        return Err(Error::AccessDenied);
    }
    server.drain = true;
    Ok(ok())
}

fn try_send<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: &[usize; 8]) -> Result<Outcome, Error> {
    let server = k.procs.get(t.pid).and_then(|p| p.server_of(a[1])).ok_or(Error::ServerNotFound)?;
    let kind = InvokeType::from_usize(a[2]).ok_or(Error::InvalidArgument)?;
    let args = [a[4], a[5], a[6], a[7]];
    if kind.is_memory() {
        check_lendable(k, t.pid, args[0], args[1], kind)?;
    }
    if !k.ipc.has_room(server, t.pid) {
        return Err(Error::ServerQueueFull);
    }
    if kind.is_memory() {
        mark_lent(k, t.pid, args[0], args[1], kind);
    }
    let slot = k.ipc.add(server, t, kind, a[3], args).expect("room was checked");
    let outcome = if kind.blocks_sender() {
        // The sender waits from now on, so a receiver it wakes takes its place.
        if let Some(p) = k.procs.get_mut(t.pid) {
            p.threads[t.tid as usize] = ThreadState::AwaitingReply(slot as u16);
        }
        k.block(t);
        Outcome::Waiting
    } else {
        k.answer(t, SyscallResult::Ok, &[]);
        Outcome::Answered
    };
    match k.ipc.waiting_receiver(server) {
        Some(receiver) => deliver_to_waiting(k, server, receiver, slot),
        None => k.ipc.queue(slot),
    }
    Ok(outcome)
}

/// Every page of the buffer is mapped, readable (and writable for a mutable
/// lend or move), RAM (a device's registers are no buffer: a server
/// filling one would drive the device for the sender), owned by the sender
/// for a move, and neither lent already nor borrowed (a received lend is
/// not the receiver's to pass on).
#[inline(never)]
fn check_lendable<P: Platform>(k: &mut Kernel<P>, pid: u8, addr: usize, len: usize, kind: InvokeType) -> Result<(), Error> {
    super::check_range(addr, len)?;
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    let mut walk = space.walk();
    let needs_write = matches!(kind, InvokeType::LendMut | InvokeType::Move);
    let (mut va, end) = (addr, addr + len);
    while va < end {
        let run = walk.run(&mut k.hw, va, end).ok_or(Error::BadAddress)?;
        let mut lazy = None;
        for (i, &e) in run.iter().enumerate() {
            if pte::is_lazy(e) {
                lazy = Some((va + i * PAGE_SIZE, e));
                break;
            }
            if pte::is_held(e) {
                return Err(Error::ShareViolation);
            }
            if !pte::is_leaf(e) || e & pte::U == 0 || e & pte::R == 0 || (needs_write && e & pte::W == 0) || !k.frames.contains(pte::address(e)) {
                return Err(Error::BadAddress);
            }
            if kind == InvokeType::Move && k.frames.owner(pte::address(e)) != Some(pid) {
                return Err(Error::ShareViolation);
            }
        }
        va = match lazy {
            // Never touched yet: back it now, so a frame can be lent; then
            // go on from that page.
            Some((page, e)) => {
                k.map_fresh(pid, page, e & pte::RWX)?;
                page
            }
            None => va + run.len() * PAGE_SIZE,
        };
    }
    Ok(())
}

/// Forgets cached translations of `[va, va + len)` in `pid`'s space: page
/// by page for a few pages, the whole address space for more.
#[inline(always)]
pub(super) fn flush_range<P: Platform>(k: &mut Kernel<P>, pid: u8, va: usize, len: usize) {
    if len > FLUSH_PAGES_MAX * PAGE_SIZE {
        k.hw.flush_tlb(pid, None);
    } else {
        for page in (va..va + len).step_by(PAGE_SIZE) {
            k.hw.flush_tlb(pid, Some(page));
        }
    }
}

/// Above this many pages one flush of the address space is cheaper.
const FLUSH_PAGES_MAX: usize = 4;

/// A sender's entry while its page is lent as `kind`: without W for a
/// read-only lend, invalid (address and permissions kept) otherwise.
#[inline(always)]
pub(super) fn lent_entry(e: u32, kind: InvokeType) -> u32 {
    match kind {
        InvokeType::Lend if e & pte::W != 0 => (e & !pte::W) | pte::LENT_READ_ONLY | pte::WRITE_TAKEN,
        InvokeType::Lend => e | pte::LENT_READ_ONLY,
        _ => (e & !pte::V) | pte::LENT_AWAY,
    }
}

/// A sender's entry once its lent page is back: the access it had.
#[inline(always)]
pub(super) fn returned_entry(e: u32) -> u32 {
    if pte::is_valid(e) {
        let write = if e & pte::WRITE_TAKEN != 0 { pte::W } else { 0 };
        (e & !(pte::LENT_READ_ONLY | pte::WRITE_TAKEN)) | write
    } else {
        (e & !pte::LENT_AWAY) | pte::V
    }
}

/// Whether a sender's entry can be lent as is (mapped, user-readable,
/// writable for a mutable lend, not lent already).
#[inline(always)]
pub(super) fn lendable_entry(e: u32, needs_write: bool) -> bool {
    pte::is_leaf(e) && !pte::is_held(e) && e & pte::U != 0 && e & pte::R != 0 && (!needs_write || e & pte::W != 0)
}

/// The entry a server gets for a lent (borrowed) or moved frame.
#[inline(always)]
pub(super) fn server_entry(e: u32, kind: InvokeType) -> u32 {
    let access = match kind {
        InvokeType::Lend => pte::R | pte::U | pte::BORROWED,
        InvokeType::LendMut => pte::R | pte::W | pte::U | pte::BORROWED,
        _ => pte::R | pte::W | pte::U,
    };
    pte::entry(pte::address(e), access | pte::V | pte::A | pte::D)
}

#[inline(never)]
fn mark_lent<P: Platform>(k: &mut Kernel<P>, pid: u8, addr: usize, len: usize, kind: InvokeType) {
    let mut walk = k.procs.get(pid).expect("live").space.walk();
    let (mut va, end) = (addr, addr + len);
    while va < end {
        let Some(run) = walk.run(&mut k.hw, va, end) else { break };
        for e in run.iter_mut() {
            *e = lent_entry(*e, kind);
        }
        va += run.len() * PAGE_SIZE;
    }
    flush_range(k, pid, addr, len);
}

/// Gives the sender's pages their access back.
#[inline(never)]
fn unmark_lent<P: Platform>(k: &mut Kernel<P>, pid: u8, addr: usize, len: usize) {
    let Some(mut walk) = k.procs.get(pid).map(|p| p.space.walk()) else { return };
    let (mut va, end) = (addr, addr + len);
    while va < end {
        let Some(run) = walk.run(&mut k.hw, va, end) else { break };
        for e in run.iter_mut() {
            *e = returned_entry(*e);
        }
        va += run.len() * PAGE_SIZE;
    }
    flush_range(k, pid, addr, len);
}

/// Hands message `slot` to `receiver`, which waits for `server`, and lets
/// it run next (at once if the sender waits now). If the message cannot
/// be mapped, it joins the queue and the receiver gets the error.
fn deliver_to_waiting<P: Platform>(k: &mut Kernel<P>, server: u8, receiver: ThreadRef, slot: usize) {
    if let Err(e) = deliver(k, receiver, slot) {
        k.ipc.queue(slot);
        k.answer(receiver, SyscallResult::Error, &[e as usize]);
    }
    if let Some(s) = k.ipc.server_mut(server) {
        s.receivers &= !(1 << receiver.tid);
    }
    k.hand_over(receiver);
}

/// Moves message `slot`, which is not in its server's queue (or the
/// caller takes it out once this succeeds), to the server's thread
/// `receiver`, whose a0..a7 get the envelope.
fn deliver<P: Platform>(k: &mut Kernel<P>, receiver: ThreadRef, slot: usize) -> Result<(), Error> {
    let m = k.ipc.messages[slot].as_ref().expect("queued message");
    let (kind, sender, id, args) = (m.kind, m.sender, m.id, m.args);
    let sender_word = k.ipc.sender_word(slot);
    let mut first = args[0];
    let mut server_va = 0;
    if kind.is_memory() {
        server_va = map_into_server(k, receiver.pid, sender.pid, args[0], args[1], kind)?;
        first = server_va;
    }
    if kind.blocks_sender() {
        k.ipc.messages[slot].as_mut().expect("live").stage = Stage::Delivered { server_va };
    } else {
        // Scalar and Move need no reply: the message is done once received.
        k.ipc.release(slot);
        if kind == InvokeType::Move {
            forget_moved(k, sender.pid, args[0], args[1]);
        }
        k.wake_retries();
    }
    let envelope = [sender_word, kind.envelope_kind(), id, first, args[1], args[2], args[3]];
    k.answer(receiver, SyscallResult::MessageEnvelope, &envelope);
    Ok(())
}

/// Maps the sender's frames into the server's message region.
#[inline(never)]
fn map_into_server<P: Platform>(k: &mut Kernel<P>, server_pid: u8, sender: u8, addr: usize, len: usize, kind: InvokeType) -> Result<usize, Error> {
    let server_space = k.procs.get(server_pid).ok_or(Error::ProcessNotFound)?.space;
    let mut from = k.procs.get(sender).ok_or(Error::ProcessNotFound)?.space.walk();
    let at = server_space.find_free(&mut k.hw, USER_MESSAGE_BASE, USER_MMAP_BASE, len).ok_or(Error::OutOfMemory)?;
    let mut to = server_space.walk();
    // The sender's frames go through a buffer, a chunk at a time: a run
    // of its table and one of the server's cannot be borrowed together.
    let mut chunk = [0u32; 8];
    let mut done = 0;
    while done < len {
        let run = from.run(&mut k.hw, addr + done, addr + len).ok_or(Error::BadAddress)?;
        let n = run.len().min(chunk.len());
        for (c, e) in chunk.iter_mut().zip(&run[..n]) {
            *c = *e;
        }
        let mut written = 0;
        while written < n {
            let target = at + done + written * PAGE_SIZE;
            let dst = match to.run_or_create(&mut k.hw, &mut k.frames, target, at + len) {
                Ok(dst) => dst,
                Err(e) => {
                    for undo in (at..target).step_by(PAGE_SIZE) {
                        to.take(&mut k.hw, undo);
                    }
                    return Err(crate::kernel::map_error(e));
                }
            };
            let m = dst.len().min(n - written);
            // Built entry by entry: a plain copy would be a memcpy call,
            // about a hundred instructions for a few words.
            for (d, c) in dst[..m].iter_mut().zip(&chunk[written..written + m]) {
                *d = server_entry(*c, kind);
            }
            written += m;
        }
        if kind == InvokeType::Move {
            for c in &chunk[..n] {
                let _ = k.frames.transfer(pte::address(*c), sender, server_pid);
            }
        }
        done += n * PAGE_SIZE;
    }
    flush_range(k, server_pid, at, len);
    Ok(at)
}

/// A move is complete: the pages leave the sender's address space.
#[inline(never)]
fn forget_moved<P: Platform>(k: &mut Kernel<P>, sender: u8, addr: usize, len: usize) {
    let Some(mut walk) = k.procs.get(sender).map(|p| p.space.walk()) else { return };
    let (mut va, end) = (addr, addr + len);
    while va < end {
        let Some(run) = walk.run(&mut k.hw, va, end) else { break };
        run.fill(0);
        va += run.len() * PAGE_SIZE;
    }
    flush_range(k, sender, addr, len);
}

/// ReceiveMessage/TryReceiveMessage(sid) -> MessageEnvelope (an exit
/// notice first, then the oldest queued message); TryReceive answers None
/// when nothing is waiting. Errors: ServerNotFound, AccessDenied
/// (not the server's owner).
#[inline(never)]
pub fn receive<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, sid: [usize; 4], wait: bool) -> Outcome {
    let Some(server) = k.ipc.find_server(&sid_of(sid)) else {
        return Outcome::Error(Error::ServerNotFound);
    };
    if k.ipc.server(server).map(|s| s.owner) != Some(t.pid) {
        return Outcome::Error(Error::AccessDenied);
    }
    if let Some(outcome) = super::exits::receive_notice(k, t, server) {
        return outcome;
    }
    match k.ipc.oldest_queued(server) {
        // Mapped (or nothing to map): only then does it leave the queue, so
        // a message that could not be mapped stays queued, not lost.
        Some(slot) => match deliver(k, t, slot) {
            Ok(()) => {
                k.ipc.pop_queued(server);
                Outcome::Answered
            }
            Err(e) => Outcome::Error(e),
        },
        None if wait => {
            k.procs.get_mut(t.pid).expect("live").threads[t.tid as usize] = ThreadState::Receiving(server);
            k.ipc.server_mut(server).expect("found").receivers |= 1 << t.tid;
            k.block(t);
            Outcome::Waiting
        }
        None => {
            k.answer(t, SyscallResult::None, &[]);
            Outcome::Answered
        }
    }
}

/// ReplyAndReceiveNext(sender, a0..a4, scalar count): answers a message as
/// ReturnMemory (offset = a3, valid = a4) or ReturnScalar1/2/5 (count 1:
/// a1; 2: a1, a2; otherwise a0..a4) would, by the message's kind, then
/// receives the next message of the same server, waiting if there is none.
/// Errors: InvalidArgument (no such message awaiting a reply).
#[inline(never)]
pub fn reply_and_receive_next<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: &[usize; 8]) -> Outcome {
    let Some(slot) = k.ipc.awaiting_reply(a[1], t.pid) else {
        return Outcome::Error(Error::InvalidArgument);
    };
    let m = k.ipc.messages[slot].as_ref().expect("live");
    let (kind, stage, len, server) = (m.kind, m.stage, m.args[1], m.server);
    let replied = if kind.is_memory() {
        let Stage::Delivered { server_va } = stage else { return Outcome::Error(Error::InvalidArgument) };
        return_memory(k, t.pid, a[1], server_va, len, a[5], a[6])
    } else {
        let values = [a[2], a[3], a[4], a[5], a[6]];
        match a[7] {
            1 => return_scalar(k, t.pid, a[1], &values[1..2]),
            2 => return_scalar(k, t.pid, a[1], &values[1..3]),
            _ => return_scalar(k, t.pid, a[1], &values),
        }
    };
    if let Err(e) = replied {
        return Outcome::Error(e);
    }
    let Some(server) = k.ipc.server(server) else {
        return Outcome::Error(Error::ServerNotFound);
    };
    receive(k, t, server.sid.map(|w| w as usize), true)
}

/// ReturnMemory(sender, addr, len, offset, valid): the server gives lent
/// memory back; the sender wakes with MemoryReturned(offset, valid).
/// Errors: InvalidArgument (no such message awaiting a memory reply),
/// BadAddress (addr/len are not where the message was mapped).
#[inline(never)]
pub fn return_memory<P: Platform>(k: &mut Kernel<P>, pid: u8, word: usize, addr: usize, len: usize, offset: usize, valid: usize) -> Result<(), Error> {
    let slot = k.ipc.awaiting_reply(word, pid).ok_or(Error::InvalidArgument)?;
    let m = k.ipc.messages[slot].as_ref().expect("live");
    let (kind, stage, sender, args, orphaned) = (m.kind, m.stage, m.sender, m.args, m.orphaned);
    let Stage::Delivered { server_va } = stage else { return Err(Error::InvalidArgument) };
    if !kind.is_memory() {
        return Err(Error::InvalidArgument);
    }
    if addr != server_va || len != args[1] {
        return Err(Error::BadAddress);
    }
    unmap_from_server(k, pid, server_va, len, orphaned);
    k.ipc.release(slot);
    k.wake_retries();
    if !orphaned {
        unmark_lent(k, sender.pid, args[0], args[1]);
        k.wake_first(sender, SyscallResult::MemoryReturned, &[offset, valid]);
    }
    Ok(())
}

#[inline(never)]
fn unmap_from_server<P: Platform>(k: &mut Kernel<P>, pid: u8, at: usize, len: usize, free_frames: bool) {
    let Some(mut walk) = k.procs.get(pid).map(|p| p.space.walk()) else { return };
    let (mut va, end) = (at, at + len);
    while va < end {
        let Some(run) = walk.run(&mut k.hw, va, end) else { break };
        for e in run.iter_mut() {
            if free_frames && *e != 0 {
                let _ = k.frames.free(pte::address(*e), pid);
            }
            *e = 0;
        }
        va += run.len() * PAGE_SIZE;
    }
    flush_range(k, pid, at, len);
}

/// ReturnScalar1/2/5(sender, values): the answer to a BlockingScalar.
/// Errors: InvalidArgument (no such message awaiting a scalar reply).
#[inline(never)]
pub fn return_scalar<P: Platform>(k: &mut Kernel<P>, pid: u8, word: usize, values: &[usize]) -> Result<(), Error> {
    let slot = k.ipc.awaiting_reply(word, pid).ok_or(Error::InvalidArgument)?;
    let m = k.ipc.messages[slot].as_ref().expect("live");
    let (kind, sender, orphaned) = (m.kind, m.sender, m.orphaned);
    if kind != InvokeType::BlockingScalar {
        return Err(Error::InvalidArgument);
    }
    k.ipc.release(slot);
    k.wake_retries();
    if !orphaned {
        let tag = match values.len() {
            1 => SyscallResult::Scalar1,
            2 => SyscallResult::Scalar2,
            _ => SyscallResult::Scalar5,
        };
        k.wake_first(sender, tag, values);
    }
    Ok(())
}

/// Closes server `index`: every message still meant for it is answered with
/// ServerNotFound (lent pages go back first), its waiting receivers too, and
/// connections to it end.
#[inline(never)]
fn close_server<P: Platform>(k: &mut Kernel<P>, index: u8) {
    let Some(server) = k.ipc.server(index) else { return };
    for slot in 0..MAX_MESSAGES {
        let Some(m) = k.ipc.messages[slot].get().filter(|m| m.server == index) else { continue };
        k.ipc.release(slot);
        if let Stage::Delivered { server_va } = m.stage {
            if m.kind.is_memory() {
                unmap_from_server(k, server.owner, server_va, m.args[1], m.orphaned);
            }
        }
        if m.orphaned {
            continue;
        }
        if m.kind.is_memory() {
            unmark_lent(k, m.sender.pid, m.args[0], m.args[1]);
        }
        if m.kind.blocks_sender() {
            k.wake(m.sender, SyscallResult::Error, &[Error::ServerNotFound as usize]);
        }
    }
    for tid in 0..32u8 {
        if server.receivers & (1 << tid) != 0 {
            k.wake(ThreadRef { pid: server.owner, tid }, SyscallResult::Error, &[Error::ServerNotFound as usize]);
        }
    }
    k.ipc.clear_queue(index);
    k.ipc.remove_server(index);
    k.exits.forget(index);
    for pid in crate::process::FIRST_PID..=xous_abi::limits::MAX_PROCESSES as u8 {
        if let Some(p) = k.procs.get_mut(pid) {
            for c in p.connections.iter_mut().filter(|c| **c == index as u16 + 1) {
                *c = 0;
            }
        }
    }
    k.wake_retries();
}

/// Process `pid` is ending: close its servers, drop its queued messages,
/// and keep the frames it lent to servers alive until they are returned.
#[inline(never)]
pub fn process_gone<P: Platform>(k: &mut Kernel<P>, pid: u8) {
    for index in 0..xous_abi::limits::MAX_SERVERS as u8 {
        if k.ipc.server(index).is_some_and(|s| s.owner == pid) {
            close_server(k, index);
        }
    }
    for slot in 0..MAX_MESSAGES {
        let Some(m) = k.ipc.messages[slot].get().filter(|m| m.sender.pid == pid) else { continue };
        match m.stage {
            // Sent and done for the sender (a non-blocking scalar carries
            // all it says): a server drained before power-off still gets
            // it, so a process's last words (its panic message) are not
            // lost because it ended. Others never hear from a gone process.
            Stage::Queued if m.kind == InvokeType::Scalar && k.ipc.server(m.server).is_some_and(|s| s.drain) => {}
            Stage::Queued => {
                k.ipc.unqueue(slot);
                k.ipc.release(slot);
            }
            Stage::Delivered { server_va } => {
                if m.kind.is_memory() {
                    // The server still holds these frames: they become its
                    // own, to be freed when it returns them.
                    let owner = k.ipc.server(m.server).expect("live").owner;
                    if let Some(mut walk) = k.procs.get(owner).map(|p| p.space.walk()) {
                        for page in (server_va..server_va + m.args[1]).step_by(PAGE_SIZE) {
                            let frame = pte::address(walk.entry(&mut k.hw, page));
                            let _ = k.frames.transfer(frame, pid, owner);
                        }
                    }
                }
                k.ipc.orphan(slot);
            }
        }
    }
    k.wake_retries();
}
