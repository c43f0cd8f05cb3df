//! Servers and connections: CreateServer (and WithAddress, Id),
//! DestroyServer, Connect (TryConnect, ConnectForProcess), Disconnect,
//! DRAIN_AT_POWER_OFF, and what closing a server or ending a process does
//! to the messages in flight.

use super::lend::{take_over, unmap_from_server, unmark_lent};
use super::{Stage, MAX_MESSAGES};
use crate::kernel::{Kernel, Platform};
use crate::process::FIRST_PID;
use crate::sched::{Move, ThreadRef};
use crate::syscall::{Handled, Outcome};
use xous_abi::message::InvokeType;
use xous_abi::services::Sid;
use xous_abi::{Error, SyscallResult};

/// CreateServerWithAddress(sid), CreateServer -> NewServerID(sid, cid): the
/// creator is connected to its own server (what the published `xous` crate
/// expects of both).
/// Errors: ServerExists, OutOfMemory (server table or connections full),
/// AccessDenied (the SID of an on-demand service, `xous_abi::services::
/// ON_DEMAND`, and the caller is not the boot image's process of that name:
/// such a service starts after programs do, and its SID must still be its
/// own when it does).
#[inline(never)]
pub fn create_server<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, sid: Option<Sid>) -> Handled {
    let sid = match sid {
        Some(sid) => {
            if let Some(service) = xous_abi::services::ON_DEMAND.iter().find(|s| s.sid == sid) {
                let caller = k.procs.get(t.pid).ok_or(Error::ProcessNotFound)?;
                if !caller.from_image || caller.name() != service.process {
                    return Err(Error::AccessDenied);
                }
            }
            sid
        }
        None => random_sid(k),
    };
    if k.ipc.find_server(&sid).is_some() {
        return Err(Error::ServerExists);
    }
    let index = k.ipc.add_server(sid, t.pid).ok_or(Error::OutOfMemory)?;
    k.wake_retries();
    let Some(cid) = k.procs.get_mut(t.pid).and_then(|p| p.connect(index)) else {
        k.ipc.remove_server(index);
        return Err(Error::OutOfMemory);
    };
    let [a, b, c, d] = sid.map(|w| w as usize);
    k.answered(t, SyscallResult::NewServerId, &[a, b, c, d, cid])
}

/// A SID no server has.
pub fn random_sid<P: Platform>(k: &mut Kernel<P>) -> Sid {
    loop {
        let sid = [k.hw.entropy(), k.hw.entropy(), k.hw.entropy(), k.hw.entropy()];
        if k.ipc.find_server(&sid).is_none() {
            return sid;
        }
    }
}

/// CreateServerId -> ServerID: a fresh random SID (no server yet).
#[inline(never)]
pub fn new_server_id<P: Platform>(k: &mut Kernel<P>, t: ThreadRef) -> Handled {
    let sid = random_sid(k);
    k.answered(t, SyscallResult::ServerId, &sid.map(|w| w as usize))
}

/// The server `sid` names, if the caller `pid` owns it. Errors:
/// ServerNotFound, AccessDenied.
pub fn owned_server<P: Platform>(k: &Kernel<P>, pid: u8, sid: &Sid) -> Result<u8, Error> {
    let index = k.ipc.find_server(sid).ok_or(Error::ServerNotFound)?;
    if k.ipc.server(index).map(|s| s.owner()) != Some(pid) {
        return Err(Error::AccessDenied);
    }
    Ok(index)
}

/// DestroyServer(sid). Errors: ServerNotFound, AccessDenied (not the owner).
#[inline(never)]
pub fn destroy_server<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, sid: Sid) -> Handled {
    let index = owned_server(k, t.pid, &sid)?;
    close_server(k, index);
    Ok(Outcome::Ok)
}

/// Connect/TryConnect(sid), ConnectForProcess(pid, sid) -> ConnectionID
/// (made for process `pid`, answered to `t`). Connect waits for the server
/// to appear; the others fail with ServerNotFound.
/// Errors: ServerNotFound, OutOfMemory (the connection table is full).
#[inline(never)]
pub fn connect<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, pid: u8, sid: Sid, wait: bool) -> Handled {
    let Some(index) = k.ipc.find_server(&sid) else {
        return if wait { Ok(Outcome::Retry) } else { Err(Error::ServerNotFound) };
    };
    let cid = k.procs.get_mut(pid).and_then(|p| p.connect(index)).ok_or(Error::OutOfMemory)?;
    k.answered(t, SyscallResult::ConnectionId, &[cid])
}

/// Disconnect(cid). Errors: ServerNotFound (no such connection).
#[inline(never)]
pub fn disconnect<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, cid: usize) -> Handled {
    let p = k.procs.get_mut(t.pid).ok_or(Error::ProcessNotFound)?;
    p.server_of(cid).ok_or(Error::ServerNotFound)?;
    p.connections[cid - 1] = 0;
    Ok(Outcome::Ok)
}

/// DRAIN_AT_POWER_OFF(sid): the caller's server `sid` is drained before
/// the machine powers off (see the ABI and `Kernel::power_off_step`).
/// Errors: ServerNotFound, AccessDenied (not the caller's server).
pub fn drain_at_power_off<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, sid: Sid) -> Handled {
    let index = owned_server(k, t.pid, &sid)?;
    k.ipc.server_mut(index).ok_or(Error::ServerNotFound)?.drain_at_power_off();
    Ok(Outcome::Ok)
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
                unmap_from_server(k, server.owner(), server_va, m.args[1], m.orphaned);
            }
        }
        if m.orphaned {
            continue;
        }
        if m.kind.is_memory() {
            unmark_lent(k, m.sender.pid, m.args[0], m.args[1]);
        }
        if m.kind.blocks_sender() {
            k.wake(m.sender, Move::Back, SyscallResult::Error, &[Error::ServerNotFound as usize]);
        }
    }
    for tid in k.ipc.receivers(index).iter() {
        k.wake(ThreadRef { pid: server.owner(), tid }, Move::Back, SyscallResult::Error, &[Error::ServerNotFound as usize]);
    }
    k.ipc.clear_queue(index);
    k.ipc.remove_server(index);
    k.exits.forget(index);
    for pid in FIRST_PID..=crate::process::MAX_PROCESSES as u8 {
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
    for index in 0..crate::ipc::MAX_SERVERS as u8 {
        if k.ipc.server(index).is_some_and(|s| s.owner() == pid) {
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
            Stage::Queued if m.kind == InvokeType::Scalar && k.ipc.server(m.server).is_some_and(|s| s.drains()) => {}
            Stage::Queued => {
                k.ipc.unqueue(slot);
                k.ipc.release(slot);
            }
            Stage::Delivered { server_va } => {
                if m.kind.is_memory() {
                    // The server still holds these frames: they become its
                    // own, to be freed when it returns them.
                    let owner = k.ipc.server(m.server).expect("live").owner();
                    take_over(k, owner, pid, server_va, m.args[1]);
                }
                k.ipc.orphan(slot);
            }
        }
    }
    k.wake_retries();
}
