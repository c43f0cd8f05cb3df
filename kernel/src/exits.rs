//! Exit notices: the servers that asked to hear when a process ends
//! (PlatformSpecific WATCH_EXITS, see `xous_abi::platform`), and for each
//! the notices it has not received yet. A server that keeps something per
//! client (the ticktimer's waiters, later open files and sockets) lets go
//! of it when the notice comes; without one, whatever a dead client held
//! would stay, and leak into a later process given the same PID.
//!
//! Why notices are not ordinary messages: a message needs a slot of the
//! pool and room in the server's queue, and either may be full just when a
//! process ends; a notice must not be lost then. So a notice waiting here
//! is one bit per PID for each watching server; it cannot fail to fit, and
//! a server can have at most one per PID waiting. (A PID that ends again
//! before its first notice was received gets one notice, with the later
//! exit code; the server lets go of everything of that PID either way.
//! That never happens to the PIDs a watcher's own process starts:
//! CreateProcess does not give a process a PID its watching servers have
//! not yet heard the end of, see `unheard_by`.)
//! Receiving gives a server its notices before its queued messages: the
//! notice about a PID then always comes before any message from a later
//! process with that PID, and a thread of the server waiting to receive
//! gets a notice at once.
//!
//! Why opt-in, and through PlatformSpecific: only servers that keep state
//! per client need notices, and a notice is a message on the loop a server
//! runs anyway (no thread to add, nothing to poll). Xous's syscall numbers
//! are what std and the published crates know; PlatformSpecific is the one
//! Xous leaves to each platform, so the call clashes with no Xous syscall.

use crate::kernel::{Kernel, Platform};
use crate::sched::{Move, ThreadRef};
use crate::slot::Slot;
use crate::syscall::{Handled, Outcome};
use crate::process::MAX_PROCESSES;
use crate::ipc::MAX_SERVERS;
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::platform::{Ending, ExitNotice, KERNEL_PID};
use xous_abi::services::Sid;
use xous_abi::{Error, SyscallResult};

/// Servers that may watch at once (in the whole system). A bound, as every
/// kernel table has; the servers that need notices are few.
pub const MAX_WATCHERS: usize = 16;
/// Servers of one process that may watch at once (so one process cannot
/// take the whole table; a service needs one).
pub const PROCESS_WATCHERS: usize = 2;

const _: () = assert!(MAX_PROCESSES <= 64, "a bit per PID");

/// Kept by server index, so nothing here searches.
pub struct Exits {
    /// The message id of each watching server's notices.
    ids: [Slot<usize>; MAX_SERVERS],
    /// Bit `pid - 1`: that process ended and the server has not been told.
    pending: [u64; MAX_SERVERS],
    watchers: usize,
    /// By PID: how its last process ended (read when its notice is taken).
    endings: [(u32, Ending); MAX_PROCESSES + 1],
}

impl Exits {
    pub const fn new() -> Exits {
        Exits { ids: [Slot::Empty; MAX_SERVERS], pending: [0; MAX_SERVERS], watchers: 0, endings: [(0, Ending::Exited); MAX_PROCESSES + 1] }
    }

    /// Server `server` is to hear of every process end, with messages `id`.
    /// Errors: OutOfMemory (as many servers watch as may).
    pub fn watch(&mut self, server: u8, id: usize) -> Result<(), Error> {
        let slot = self.ids.get_mut(server as usize).ok_or(Error::ServerNotFound)?;
        if slot.is_empty() {
            if self.watchers == MAX_WATCHERS {
                return Err(Error::OutOfMemory);
            }
            self.watchers += 1;
        }
        *slot = Slot::Full(id);
        Ok(())
    }

    /// Server `server` is closing: it watches no more, and what it was
    /// not told yet goes with it.
    pub fn forget(&mut self, server: u8) {
        if let Some(slot) = self.ids.get_mut(server as usize) {
            if slot.take().is_some() {
                self.watchers -= 1;
            }
            self.pending[server as usize] = 0;
        }
    }

    /// Process `pid` ended: every watcher has a notice waiting for it.
    pub fn ended(&mut self, pid: u8, code: u32, ending: Ending) {
        let Some(bit) = pid_bit(pid) else { return };
        self.endings[pid as usize] = (code, ending);
        for (pending, id) in self.pending.iter_mut().zip(&self.ids) {
            if !id.is_empty() {
                *pending |= bit;
            }
        }
    }

    /// Whether server `server` watches.
    pub fn watches(&self, server: u8) -> bool {
        self.ids.get(server as usize).is_some_and(|s| !s.is_empty())
    }

    /// The PIDs (bit `pid - 1`) whose end `server` has not been told of.
    pub fn unheard(&self, server: u8) -> u64 {
        self.pending.get(server as usize).copied().unwrap_or(0)
    }

    /// Whether `server` has a notice waiting.
    #[inline]
    pub fn has_notice(&self, server: u8) -> bool {
        self.pending.get(server as usize).is_some_and(|p| *p != 0)
    }

    /// Takes `server`'s waiting notice of the lowest PID, with its id.
    pub fn take(&mut self, server: u8) -> Option<(usize, ExitNotice)> {
        let id = self.ids.get(server as usize)?.get()?;
        let pending = &mut self.pending[server as usize];
        if *pending == 0 {
            return None;
        }
        let pid = pending.trailing_zeros() as u8 + 1;
        *pending &= *pending - 1;
        let (code, ending) = self.endings[pid as usize];
        Some((id, ExitNotice { pid, code, ending }))
    }
}

/// The bit of `pid` in a server's set; none for a PID no process has.
fn pid_bit(pid: u8) -> Option<u64> {
    let i = (pid as usize).checked_sub(1)?;
    (i < MAX_PROCESSES).then(|| 1u64 << i)
}

/// WATCH_EXITS(sid, id): server `sid`, which `pid` owns, hears of every
/// process end from now on. Errors: ServerNotFound, AccessDenied (not the
/// caller's server), OutOfMemory (the watcher table is full, or `pid`
/// watches with PROCESS_WATCHERS servers already).
#[inline(never)]
pub fn watch<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, sid: Sid, id: usize) -> Handled {
    let pid = t.pid;
    let server = crate::ipc::server::owned_server(k, pid, &sid)?;
    let mine = (0..MAX_SERVERS as u8).filter(|&s| s != server && k.exits.watches(s) && k.ipc.server(s).is_some_and(|s| s.owner() == pid)).count();
    if mine >= PROCESS_WATCHERS {
        return Err(Error::OutOfMemory);
    }
    k.exits.watch(server, id)?;
    Ok(Outcome::Ok)
}

/// The PIDs (bit `pid - 1`) whose last end a server of `pid` watches for
/// and has not received yet. CreateProcess gives `pid` none of them, so a
/// process that starts children and watches their ends (the process
/// manager) hears of each child's end before the kernel can give a later
/// child the same PID: it never takes one child's end for another's.
pub fn unheard_by<P: Platform>(k: &Kernel<P>, pid: u8) -> u64 {
    (0..MAX_SERVERS as u8)
        .filter(|&s| k.exits.watches(s) && k.ipc.server(s).is_some_and(|s| s.owner() == pid))
        .fold(0, |bits, s| bits | k.exits.unheard(s))
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
            k.ipc.remove_receiver(server, receiver.tid);
            k.wake(receiver, Move::Back, SyscallResult::MessageEnvelope, &envelope);
        }
    }
}

/// Hands thread `t`, receiving for `server`, the server's next notice if
/// it has one (a notice goes before queued messages); whether it did.
#[inline]
pub fn receive_notice<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, server: u8) -> bool {
    k.exits.has_notice(server) && deliver_notice(k, t, server)
}

#[inline(never)]
fn deliver_notice<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, server: u8) -> bool {
    let Some(envelope) = next_notice(k, server) else { return false };
    k.answer(t, SyscallResult::MessageEnvelope, &envelope);
    true
}

/// `server`'s next notice as a received envelope: a Scalar from the kernel.
fn next_notice<P: Platform>(k: &mut Kernel<P>, server: u8) -> Option<[usize; 7]> {
    let (id, notice) = k.exits.take(server)?;
    let sender = MessageSender::new(KERNEL_PID, server, 0).0;
    let [a, b, c, d] = notice.words();
    Some([sender, InvokeType::Scalar.envelope_kind(), id, a, b, c, d])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(pid: u8, code: u32) -> ExitNotice {
        ExitNotice { pid, code, ending: Ending::Exited }
    }

    #[test]
    fn every_watcher_hears_every_end_once() {
        let mut e = Exits::new();
        e.watch(3, 100).unwrap();
        e.watch(9, 200).unwrap();
        assert!(!e.has_notice(3) && !e.has_notice(9));
        e.ended(5, 7, Ending::Exited);
        e.ended(2, 0xff, Ending::Faulted);
        assert!(e.has_notice(3) && e.has_notice(9) && !e.has_notice(4));
        assert_eq!(e.take(3), Some((100, ExitNotice { pid: 2, code: 0xff, ending: Ending::Faulted })));
        assert_eq!(e.take(3), Some((100, notice(5, 7))));
        assert_eq!(e.take(3), None);
        assert!(!e.has_notice(3) && e.has_notice(9), "each server has its own");
        assert_eq!(e.take(9).map(|(id, n)| (id, n.pid)), Some((200, 2)));
        assert_eq!(e.take(4), None, "not a watcher");
    }

    #[test]
    fn only_ends_after_the_registration_count() {
        let mut e = Exits::new();
        e.ended(5, 0, Ending::Exited);
        e.watch(3, 100).unwrap();
        assert!(!e.has_notice(3));
    }

    #[test]
    fn a_pid_that_ends_twice_before_it_is_told_is_told_once_with_the_later_code() {
        let mut e = Exits::new();
        e.watch(3, 100).unwrap();
        e.ended(5, 1, Ending::Exited);
        e.ended(5, 2, Ending::Exited);
        assert_eq!(e.take(3), Some((100, notice(5, 2))));
        assert_eq!(e.take(3), None);
    }

    #[test]
    fn the_table_is_bounded_and_asking_again_changes_the_id() {
        let mut e = Exits::new();
        for server in 0..MAX_WATCHERS as u8 {
            e.watch(server, 1).unwrap();
        }
        assert_eq!(e.watch(100, 1), Err(Error::OutOfMemory));
        e.watch(4, 77).unwrap();
        e.ended(64, 0, Ending::Exited);
        assert_eq!(e.take(4), Some((77, notice(64, 0))), "PID 64, the highest, fits too");
        e.forget(4);
        assert_eq!(e.watch(100, 1), Ok(()), "a forgotten server's place is free again");
        e.forget(4);
        e.forget(200);
        assert_eq!(e.watch(101, 1), Err(Error::OutOfMemory), "forgetting twice, or a server there cannot be, frees nothing");
        assert_eq!(e.watch(200, 1), Err(Error::ServerNotFound));
    }

    #[test]
    fn a_closed_server_loses_its_notices() {
        let mut e = Exits::new();
        e.watch(3, 100).unwrap();
        e.ended(5, 0, Ending::Exited);
        e.forget(3);
        assert!(!e.has_notice(3));
        assert_eq!(e.take(3), None);
        e.watch(3, 100).unwrap();
        assert_eq!(e.take(3), None, "a new server at the same index starts clean");
    }

    #[test]
    fn pids_no_process_has_are_ignored() {
        let mut e = Exits::new();
        e.watch(3, 100).unwrap();
        e.ended(0, 0, Ending::Exited);
        e.ended(65, 0, Ending::Exited);
        e.ended(255, 0, Ending::Exited);
        assert!(!e.has_notice(3));
    }
}
