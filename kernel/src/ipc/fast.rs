//! The fast path: the calls of a message round trip in their common case,
//! as seL4 keeps one. A blocking scalar sent to a server that has a thread
//! waiting to receive; the server's scalar reply; its next ReceiveMessage
//! with nothing queued; and the reply and the receive in one call
//! (ReplyAndReceiveNext, seL4's ReplyRecv), which saves a whole trap.
//! (Lends and their ReturnMemory: fast_memory.rs.) Each function either does the whole
//! call, with the same effect as the general path (message.rs) in that case,
//! or changes nothing and says so (false, None), and the general path takes
//! the call. The host tests run every message-passing test both ways.

use super::fast_memory::{give_back, lend, return_memory};
use super::Stage;
use crate::kernel::{Kernel, Platform};
use crate::sched::{change_state, Move, ThreadRef};
use crate::syscall::Next;
use crate::thread::ThreadState;
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::{Syscall, SyscallResult};

/// Whether `t` is one of ids 0..=31, whose state and saved registers are
/// in its process and its first page. The fast path serves only those
/// (each call checks its caller and the thread it wakes once, so the
/// compiler drops every branch to the pages of ids past 31 after it) and
/// leaves the others to the general path.
#[inline(always)]
pub fn in_first_page(t: ThreadRef) -> bool {
    (t.tid as usize) < crate::thread::CONTEXTS_PER_PAGE
}

/// The calls the fast path serves, told apart by a0 (the call) and a2
/// (a message's kind): the two calls of a round trip each way, and the
/// rest. One list, for `call` here and for the trap path, which goes from
/// this decision straight to the function with the words in the registers
/// they came in (arch/riscv/fast_trap.rs).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Route {
    /// SendMessage of a BlockingScalar: `blocking_scalar`.
    Scalar,
    /// Any other SendMessage: `lend` (which takes Lend and LendMut).
    Lend,
    /// ReplyAndReceiveNext: `reply_and_wait`.
    ReplyAndWait,
    /// Everything else: `other`.
    Other,
}

#[inline(always)]
pub fn route(call: usize, kind: usize) -> Route {
    match call {
        n if n == Syscall::SendMessage as usize && kind == InvokeType::BlockingScalar as usize => Route::Scalar,
        n if n == Syscall::SendMessage as usize => Route::Lend,
        n if n == Syscall::ReplyAndReceiveNext as usize => Route::ReplyAndWait,
        _ => Route::Other,
    }
}

/// Does syscall `a` of thread `t` if it is one of the cases above; `None`
/// if it is not, and nothing changed. The words go on in registers.
#[inline(always)]
pub fn call<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: [usize; 8]) -> Option<Next> {
    #[cfg(test)]
    if k.slow_path_only {
        return None;
    }
    let next = match route(a[0], a[2]) {
        Route::Scalar => blocking_scalar(k, t, a[1], a[3], a[4], a[5], a[6], a[7]),
        Route::Lend => lend(k, t, a[1], a[2], a[3], a[4], a[5], a[6], a[7]),
        Route::ReplyAndWait => reply_and_wait(k, t, a[1], a[3], a[4], a[5], a[6], a[7]),
        Route::Other => return other(k, t, a),
    };
    next.map(|_| Next::Waits)
}

/// `call` for `Route::Other`: the replies on their own and a receive with
/// nothing queued.
#[inline(always)]
pub fn other<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: [usize; 8]) -> Option<Next> {
    match a[0] {
        n if n == Syscall::ReturnMemory as usize => return_memory(k, t, a[1], a[2], a[3], a[4], a[5]).then_some(Next::Goes),
        n if n == Syscall::ReturnScalar1 as usize => scalar_reply(k, t, a[1], 1, a[2], 0).then_some(Next::Goes),
        n if n == Syscall::ReturnScalar2 as usize => scalar_reply(k, t, a[1], 2, a[2], a[3]).then_some(Next::Goes),
        n if n == Syscall::ReceiveMessage as usize => receive_and_wait(k, t, a[1], a[2], a[3], a[4]).then_some(Next::Waits),
        _ => None,
    }
}

/// SendMessage(cid, BlockingScalar, ...) to a server a thread waits on:
/// the message goes into that thread's registers, and it runs in the
/// sender's place while the sender waits for the reply. Returns that
/// thread (as the other calls of a round trip do the thread they hand the
/// processor to), or None with nothing changed.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn blocking_scalar<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, cid: usize, id: usize, w0: usize, w1: usize, w2: usize, w3: usize) -> Option<ThreadRef> {
    let kind = InvokeType::BlockingScalar;
    if !in_first_page(t) {
        return None;
    }
    let server = k.procs.get_mut(t.pid)?.server_of(cid)?;
    let receiver = k.ipc.waiting_first_receiver(server)?;
    let slot = k.ipc.add_delivered(server, t, kind, id, [w0, w1, w2, w3], 0)?;
    deliver(k, t, server, receiver, slot, kind, id, [w0, w1, w2, w3]);
    Some(receiver)
}

/// The end of every fast send: message `slot` of `server` (queued by the
/// caller, nothing left to fail) goes to `receiver`, which waits in
/// ReceiveMessage, as its envelope with `words` (for memory: the address
/// `server_va` it was mapped at, length, offset, valid); the sender `t`
/// waits for the reply, and the receiver runs in its place.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn deliver<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, server: u8, receiver: ThreadRef, slot: usize, kind: InvokeType, id: usize, words: [usize; 4]) {
    if let Some(p) = k.procs.get_mut(t.pid) {
        p.threads[t.tid as usize % crate::thread::CONTEXTS_PER_PAGE] = ThreadState::AwaitingReply(slot as u16);
    }
    k.ipc.remove_receiver(server, receiver.tid);
    let sender = MessageSender::new(t.pid, server, slot as u16).0;
    let [w0, w1, w2, w3] = words;
    k.answer(receiver, SyscallResult::MessageEnvelope, &[sender, kind.envelope_kind(), id, w0, w1, w2, w3]);
    k.hand_over(t, receiver);
}

/// ReturnScalar1/2(sender, values) to a sender that waits for it.
#[inline(never)]
fn scalar_reply<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, word: usize, count: usize, v0: usize, v1: usize) -> bool {
    if !in_first_page(t) {
        return false;
    }
    let Some(slot) = k.ipc.awaiting_reply(word, t.pid) else { return false };
    let Some(m) = k.ipc.messages[slot].as_ref() else { return false };
    let (kind, sender, orphaned) = (m.kind, m.sender, m.orphaned);
    if kind != InvokeType::BlockingScalar || orphaned || !in_first_page(sender) {
        return false;
    }
    k.live_message_done(slot, sender.pid);
    k.wake(sender, Move::Front, scalar_tag(count), &[v0, v1][..count]);
    k.answer(t, SyscallResult::Ok, &[]);
    true
}

/// The tag of a scalar reply of `count` (1 or 2) words.
#[inline(always)]
fn scalar_tag(count: usize) -> SyscallResult {
    if count == 1 { SyscallResult::Scalar1 } else { SyscallResult::Scalar2 }
}

/// ReceiveMessage(sid) with nothing queued (no message, no exit notice): the caller waits.
#[inline(never)]
fn receive_and_wait<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, s0: usize, s1: usize, s2: usize, s3: usize) -> bool {
    if !in_first_page(t) {
        return false;
    }
    let Some(p) = k.procs.get_mut(t.pid) else { return false };
    // The server this process received for last, else the one the SID names.
    let sid = [s0 as u32, s1 as u32, s2 as u32, s3 as u32];
    let server = match k.ipc.has_sid(p.last_server, &sid) {
        true => p.last_server,
        false => match k.ipc.find_server(&sid) {
            Some(server) => server,
            None => return false,
        },
    };
    if k.ipc.server(server).map(|s| s.owner()) != Some(t.pid) || k.ipc.oldest_queued(server).is_some() || k.exits.has_notice(server) {
        return false;
    }
    p.last_server = server;
    k.ipc.add_receiver(server, t.tid);
    change_state(&mut p.threads[t.tid as usize], &mut k.queue, &mut k.current, t, ThreadState::Receiving(server), Move::Off);
    true
}

/// ReplyAndReceiveNext(sender, rc, a1..a4, count) with a reply the calls
/// above would make (a scalar reply of one or two words, or memory given
/// back) and nothing queued for the server: the reply, then the caller
/// waits to receive, as ReceiveMessage would have it. One check of the
/// message serves both halves; everything that could refuse is checked
/// before anything changes. The caller waits, so it gets no answer now
/// (its next envelope is written when a message comes), and the sender
/// takes the processor at once instead of going through the run queue:
/// the general path's reply puts it first in the queue and the receive
/// leaves the processor free, so it runs next there too.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn reply_and_wait<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, word: usize, v0: usize, v1: usize, offset: usize, valid: usize, count: usize) -> Option<ThreadRef> {
    if !in_first_page(t) {
        return None;
    }
    // Checks the server's owner is the caller, too.
    let slot = k.ipc.awaiting_reply(word, t.pid)?;
    let m = k.ipc.messages[slot].as_ref()?;
    let (kind, stage, sender, orphaned, server, [addr, len, ..]) = (m.kind, m.stage, m.sender, m.orphaned, m.server, m.args);
    if orphaned || !in_first_page(sender) || k.ipc.oldest_queued(server).is_some() || k.exits.has_notice(server) {
        return None;
    }
    let (tag, answer) = match (kind.is_memory(), stage, count) {
        (true, Stage::Delivered { server_va }, _) => {
            // The one step that may still refuse; it changes nothing then.
            if !give_back(k, t, sender, server_va, addr, len) {
                return None;
            }
            (SyscallResult::MemoryReturned, [offset, valid])
        }
        (false, _, 1 | 2) if kind == InvokeType::BlockingScalar => (scalar_tag(count), [v0, if count == 2 { v1 } else { 0 }]),
        _ => return None,
    };
    // Nothing fails from here on. The caller is running, so its process is there.
    if let Some(p) = k.procs.get_mut(t.pid) {
        p.last_server = server;
        p.threads[t.tid as usize % crate::thread::CONTEXTS_PER_PAGE] = ThreadState::Receiving(server);
    }
    k.ipc.add_receiver(server, t.tid);
    k.live_message_done(slot, sender.pid);
    // (A one-word answer is the word and zeros: two words always.)
    k.answer(sender, tag, &answer);
    k.hand_over(t, sender);
    Some(sender)
}
