//! Messages: SendMessage (and TrySend), ReceiveMessage (and TryReceive),
//! the replies (ReturnScalar1/2/5, ReturnMemory) and ReplyAndReceiveNext,
//! on the general path, which handles every case; the common ones take the
//! fast path first (fast.rs, fast_memory.rs). A message to a server with a
//! thread waiting in ReceiveMessage is delivered into that thread's
//! registers at once and the thread runs next, in the sender's place when
//! the sender waits for its reply; a reply does the same for the sender.
//! What happens to the pages of a memory message: lend.rs.

use super::lend::{check_lendable, forget_moved, map_into_server, mark_lent, unmap_from_server, unmark_lent};
use super::Stage;
use crate::kernel::{Kernel, Platform};
use crate::sched::{Move, ThreadRef};
use crate::syscall::{Handled, Outcome};
use crate::thread::ThreadState;
use xous_abi::message::InvokeType;
use xous_abi::services::Sid;
use xous_abi::{Error, SyscallResult};

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
pub fn send<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: &[usize; 8], wait: bool) -> Handled {
    let result = try_send(k, t, a);
    if k.procs.get(t.pid).is_none() {
        return Ok(Outcome::Gone);
    }
    let rounds = k.gave_way(t);
    k.set_gave_way(t, 0);
    match result {
        Err(Error::ServerQueueFull) if wait => Ok(Outcome::Retry),
        Err(Error::ServerQueueFull) if rounds < GIVE_WAY_ROUNDS => {
            k.set_gave_way(t, rounds + 1);
            Ok(Outcome::GiveWay)
        }
        handled => handled,
    }
}

/// How many times in a row a TrySendMessage to a full queue gives the
/// processor away before it fails. One round is enough when the server
/// runs in it; more make the answer independent of how the host schedules
/// the machine (a quantum lost to the host left the server no time in a
/// round, and one chunk of a panic message was dropped under load).
pub const GIVE_WAY_ROUNDS: u8 = 8;

fn try_send<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: &[usize; 8]) -> Handled {
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
    let slot = k.ipc.add(server, t, kind, a[3], args, Stage::Queued).expect("room was checked");
    let outcome = if kind.blocks_sender() {
        // The sender waits from now on, so a receiver it wakes takes its place.
        k.set_state(t, ThreadState::AwaitingReply(slot as u16), Move::Off);
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

/// Hands message `slot` to `receiver`, which waits for `server`, and lets
/// it run next (at once if the sender waits now). If the message cannot
/// be mapped, it joins the queue and the receiver gets the error.
fn deliver_to_waiting<P: Platform>(k: &mut Kernel<P>, server: u8, receiver: ThreadRef, slot: usize) {
    if let Err(e) = deliver(k, receiver, slot) {
        k.ipc.queue(slot);
        k.answer(receiver, SyscallResult::Error, &[e as usize]);
    }
    k.ipc.remove_receiver(server, receiver.tid);
    k.set_state(receiver, ThreadState::Ready, Move::Now);
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
        k.message_done(slot);
        if kind == InvokeType::Move {
            forget_moved(k, sender.pid, args[0], args[1]);
        }
    }
    let envelope = [sender_word, kind.envelope_kind(), id, first, args[1], args[2], args[3]];
    k.answer(receiver, SyscallResult::MessageEnvelope, &envelope);
    Ok(())
}

/// ReceiveMessage/TryReceiveMessage(sid) -> MessageEnvelope (an exit
/// notice first, then the oldest queued message); TryReceive answers None
/// when nothing is waiting. Errors: ServerNotFound, AccessDenied
/// (not the server's owner).
#[inline(never)]
pub fn receive<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, sid: Sid, wait: bool) -> Handled {
    let server = super::server::owned_server(k, t.pid, &sid)?;
    if crate::exits::receive_notice(k, t, server) {
        return Ok(Outcome::Answered);
    }
    match k.ipc.oldest_queued(server) {
        // Mapped (or nothing to map): only then does it leave the queue, so
        // a message that could not be mapped stays queued, not lost.
        Some(slot) => {
            deliver(k, t, slot)?;
            k.ipc.pop_queued(server);
            Ok(Outcome::Answered)
        }
        None if wait => {
            k.ipc.add_receiver(server, t.tid);
            k.set_state(t, ThreadState::Receiving(server), Move::Off);
            Ok(Outcome::Waiting)
        }
        None => k.answered(t, SyscallResult::None, &[]),
    }
}

/// ReplyAndReceiveNext(sender, a0..a4, scalar count): answers a message as
/// ReturnMemory (offset = a3, valid = a4) or ReturnScalar1/2/5 (count 1:
/// a1; 2: a1, a2; otherwise a0..a4) would, by the message's kind, then
/// receives the next message of the same server, waiting if there is none.
/// Errors: InvalidArgument (no such message awaiting a reply).
#[inline(never)]
pub fn reply_and_receive_next<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: &[usize; 8]) -> Handled {
    let slot = k.ipc.awaiting_reply(a[1], t.pid).ok_or(Error::InvalidArgument)?;
    let m = k.ipc.messages[slot].as_ref().expect("live");
    let (kind, stage, len, server) = (m.kind, m.stage, m.args[1], m.server);
    if kind.is_memory() {
        let Stage::Delivered { server_va } = stage else { return Err(Error::InvalidArgument) };
        return_memory(k, t, a[1], server_va, len, a[5], a[6])?;
    } else {
        let values = [a[2], a[3], a[4], a[5], a[6]];
        match a[7] {
            1 => return_scalar(k, t, a[1], &values[1..2])?,
            2 => return_scalar(k, t, a[1], &values[1..3])?,
            _ => return_scalar(k, t, a[1], &values)?,
        };
    }
    let server = k.ipc.server(server).ok_or(Error::ServerNotFound)?;
    receive(k, t, server.sid, true)
}

/// ReturnMemory(sender, addr, len, offset, valid): the server gives lent
/// memory back; the sender wakes with MemoryReturned(offset, valid).
/// Errors: InvalidArgument (no such message awaiting a memory reply),
/// BadAddress (addr/len are not where the message was mapped).
#[inline(never)]
pub fn return_memory<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, word: usize, addr: usize, len: usize, offset: usize, valid: usize) -> Handled {
    let pid = t.pid;
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
    k.message_done(slot);
    if !orphaned {
        unmark_lent(k, sender.pid, args[0], args[1]);
        k.wake(sender, Move::Front, SyscallResult::MemoryReturned, &[offset, valid]);
    }
    Ok(Outcome::Ok)
}

/// ReturnScalar1/2/5(sender, values): the answer to a BlockingScalar.
/// Errors: InvalidArgument (no such message awaiting a scalar reply).
#[inline(never)]
pub fn return_scalar<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, word: usize, values: &[usize]) -> Handled {
    let pid = t.pid;
    let slot = k.ipc.awaiting_reply(word, pid).ok_or(Error::InvalidArgument)?;
    let m = k.ipc.messages[slot].as_ref().expect("live");
    let (kind, sender, orphaned) = (m.kind, m.sender, m.orphaned);
    if kind != InvokeType::BlockingScalar {
        return Err(Error::InvalidArgument);
    }
    k.message_done(slot);
    if !orphaned {
        let tag = match values.len() {
            1 => SyscallResult::Scalar1,
            2 => SyscallResult::Scalar2,
            _ => SyscallResult::Scalar5,
        };
        k.wake(sender, Move::Front, tag, values);
    }
    Ok(Outcome::Ok)
}

