//! Exit notices as syscalls see them: a server asks for them
//! (PlatformSpecific WATCH_EXITS), the kernel records one for every
//! watcher when a process ends, and a watcher receives them as Scalars
//! ahead of its queued messages. The table and why notices are kept apart
//! from messages: `crate::exits`.

use super::ipc::sid_of;
use super::{ok, Outcome};
use crate::kernel::{Kernel, Platform};
use crate::sched::ThreadRef;
use xous_abi::limits::MAX_SERVERS;
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::platform::{Ending, KERNEL_PID};
use xous_abi::{Error, SyscallResult};

/// WATCH_EXITS(sid, id): server `sid`, which `pid` owns, hears of every
/// process end from now on. Errors: ServerNotFound, AccessDenied (not the
/// caller's server), OutOfMemory (the watcher table is full, or `pid`
/// watches with PROCESS_WATCHERS servers already).
#[inline(never)]
pub fn watch<P: Platform>(k: &mut Kernel<P>, pid: u8, sid: [usize; 4], id: usize) -> Result<[usize; 8], Error> {
    let server = k.ipc.find_server(&sid_of(sid)).ok_or(Error::ServerNotFound)?;
    if k.ipc.server(server).map(|s| s.owner) != Some(pid) {
        return Err(Error::AccessDenied);
    }
    let mine = (0..MAX_SERVERS as u8).filter(|&s| s != server && k.exits.watches(s) && k.ipc.server(s).is_some_and(|s| s.owner == pid)).count();
    if mine >= crate::exits::PROCESS_WATCHERS {
        return Err(Error::OutOfMemory);
    }
    k.exits.watch(server, id)?;
    Ok(ok())
}

/// Process `pid`, now gone, ended: each watcher gets a notice, at once if
/// a thread of it waits to receive.
#[inline(never)]
pub fn process_ended<P: Platform>(k: &mut Kernel<P>, pid: u8, code: u32, ending: Ending) {
    k.exits.ended(pid, code, ending);
    for server in 0..MAX_SERVERS as u8 {
        if !k.exits.has_notice(server) {
            continue;
        }
        let Some(receiver) = k.ipc.waiting_receiver(server) else { continue };
        if let Some(envelope) = next_notice(k, server) {
            if let Some(s) = k.ipc.server_mut(server) {
                s.receivers &= !(1 << receiver.tid);
            }
            k.wake(receiver, SyscallResult::MessageEnvelope, &envelope);
        }
    }
}

/// Hands thread `t`, receiving for `server`, the server's next notice if
/// it has one (a notice goes before queued messages).
#[inline]
pub fn receive_notice<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, server: u8) -> Option<Outcome> {
    if k.exits.has_notice(server) {
        deliver_notice(k, t, server)
    } else {
        None
    }
}

#[inline(never)]
fn deliver_notice<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, server: u8) -> Option<Outcome> {
    let envelope = next_notice(k, server)?;
    k.answer(t, SyscallResult::MessageEnvelope, &envelope);
    Some(Outcome::Answered)
}

/// `server`'s next notice as a received envelope: a Scalar from the kernel.
fn next_notice<P: Platform>(k: &mut Kernel<P>, server: u8) -> Option<[usize; 7]> {
    let (id, notice) = k.exits.take(server)?;
    let sender = MessageSender::new(KERNEL_PID, server, 0).0;
    let [a, b, c, d] = notice.words();
    Some([sender, InvokeType::Scalar.envelope_kind(), id, a, b, c, d])
}
