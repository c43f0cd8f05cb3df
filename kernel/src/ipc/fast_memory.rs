//! The fast path for memory messages (see fast.rs): a Lend or LendMut to
//! a server with a thread waiting, and the ReturnMemory that answers it.
//! The general path (message.rs, lend.rs) checks the sender's pages, marks them, finds
//! room in the server, maps the frames there and later undoes each step,
//! every one a walk of its own; here each side's entries are one run of one
//! page table, and both sides are done in one pass. Whatever does not fit
//! that case (a lazy page, an error, a buffer across two tables, no table
//! yet in the server's message region) goes to the general path untouched,
//! which then decides (and answers errors).

use super::lend::{flush_range, lendable_entry, lent_entry, returned_entry, server_entry};
use super::fast::in_first_page;
use super::Stage;
use crate::kernel::{Kernel, Platform};
use crate::mem::map::check_range;
use crate::mem::pte::{self, ENTRIES};
use crate::mem::PAGE_SIZE;
use crate::sched::{Move, ThreadRef};
use xous_abi::memory::USER_MESSAGE_BASE;
use xous_abi::message::InvokeType;
use xous_abi::SyscallResult;

/// SendMessage(cid, Lend/LendMut, id, addr, len, offset, valid) to a server
/// a thread waits on: the frames are mapped into the server, the sender's
/// entries marked, and the receiver runs in the sender's place (returned;
/// None, with nothing changed, when the fast path does not take it).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn lend<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, cid: usize, kind: usize, id: usize, addr: usize, len: usize, offset: usize, valid: usize) -> Option<ThreadRef> {
    if !in_first_page(t) {
        return None;
    }
    let kind = match kind {
        n if n == InvokeType::LendMut as usize => InvokeType::LendMut,
        n if n == InvokeType::Lend as usize => InvokeType::Lend,
        _ => return None,
    };
    let pages = len / PAGE_SIZE;
    if check_range(addr, len).is_err() {
        return None;
    }
    let p = k.procs.get(t.pid)?;
    let mut from = p.space.walk();
    let server = p.server_of(cid)?;
    let receiver = k.ipc.waiting_first_receiver(server)?;
    if !k.ipc.has_room_for_delivery(t.pid) {
        return None;
    }
    let mut to = k.procs.space(receiver.pid)?.walk();
    // The sender's entries, all lendable, in one table; the lowest room in
    // the server's message region, in its first table. Page tables are in
    // the direct map: each access below is a load or a store.
    // (One table on both sides, a process lending to itself from its own
    // message region's table, is left to the general path.)
    let (Some(from), Some(into)) = (from.table(&mut k.hw, addr), to.table(&mut k.hw, USER_MESSAGE_BASE)) else { return None };
    let (from, into) = k.hw.low_tables(from, into)?;
    let s = pte::vpn0(addr);
    let from = from.get_mut(s..s + pages)?;
    let needs_write = kind == InvokeType::LendMut;
    for e in from.iter() {
        if !lendable_entry(*e, needs_write) || !k.frames.holds_entry(*e) {
            return None;
        }
    }
    let d = free_run(into, pages)?;
    let at = USER_MESSAGE_BASE + d * PAGE_SIZE;
    // Nothing fails from here on.
    let slot = k.ipc.add_delivered_with_room(server, t, kind, id, [addr, len, offset, valid], at);
    // One loop for each kind, with its entries' bits worked out before it.
    let into = &mut into[d..d + pages];
    match kind {
        InvokeType::LendMut => map_run(from, into, InvokeType::LendMut),
        _ => map_run(from, into, InvokeType::Lend),
    }
    flush_range(k, receiver.pid, at, len);
    flush_range(k, t.pid, addr, len);
    super::fast::deliver(k, t, server, receiver, slot, kind, id, [at, len, offset, valid]);
    Some(receiver)
}

/// The first index of `n` (at least 1) empty entries in a row in `table`.
/// Each window that holds an entry is skipped past its last one, so an
/// empty region costs a load and a compare an entry.
#[inline(always)]
fn free_run(table: &[u32; ENTRIES], n: usize) -> Option<usize> {
    // One page, the most common lend (a 4 KiB buffer), in a shorter loop.
    if n == 1 {
        return table.iter().position(|e| *e == 0);
    }
    let mut start = 0;
    while start + n <= ENTRIES {
        match table[start..start + n].iter().rposition(|e| *e != 0) {
            None => return Some(start),
            Some(last) => start += last + 1,
        }
    }
    None
}

/// Maps the frames of the sender's entries `from` into the server's
/// entries `into` (free, as many), and marks the sender's lent as `kind`.
#[inline(always)]
fn map_run(from: &mut [u32], into: &mut [u32], kind: InvokeType) {
    for (f, i) in from.iter_mut().zip(into) {
        let e = *f;
        *i = server_entry(e, kind);
        *f = lent_entry(e, kind);
    }
}

/// ReturnMemory(sender, addr, len, offset, valid) of a lend whose entries
/// are one run on each side: the server's are cleared, the sender's get
/// their access back, and the sender is next to run.
#[inline(never)]
pub fn return_memory<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, word: usize, at: usize, length: usize, offset: usize, valid: usize) -> bool {
    if !in_first_page(t) {
        return false;
    }
    let Some(slot) = k.ipc.awaiting_reply(word, t.pid) else { return false };
    let Some(m) = k.ipc.messages[slot].as_ref() else { return false };
    let (kind, stage, sender, [addr, len, ..], orphaned) = (m.kind, m.stage, m.sender, m.args, m.orphaned);
    if !kind.is_memory() || orphaned || stage != (Stage::Delivered { server_va: at }) || length != len || !in_first_page(sender) {
        return false;
    }
    if !give_back(k, t, sender, at, addr, len) {
        return false;
    }
    k.live_message_done(slot, sender.pid);
    k.wake(sender, Move::Front, SyscallResult::MemoryReturned, &[offset, valid]);
    k.answer(t, SyscallResult::Ok, &[]);
    true
}

/// The pages of a lend from `sender` at `addr` (`len` bytes), mapped in
/// the server `t`'s process at `at`, go back: the server's entries are
/// cleared, the sender's get their access back. False, with nothing
/// changed, unless each side's entries are one run of one page table.
#[inline(always)]
pub fn give_back<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, sender: ThreadRef, at: usize, addr: usize, len: usize) -> bool {
    let pages = len / PAGE_SIZE;
    let (Some(server), Some(owner)) = (k.procs.space(t.pid), k.procs.space(sender.pid)) else { return false };
    let (mut to, mut from) = (server.walk(), owner.walk());
    let (Some(from), Some(into)) = (from.table(&mut k.hw, addr), to.table(&mut k.hw, at)) else { return false };
    let (s, d) = (pte::vpn0(addr), pte::vpn0(at));
    if s + pages > ENTRIES || d + pages > ENTRIES {
        return false;
    }
    for i in 0..pages {
        k.hw.low_table(into)[d + i] = 0;
        let e = k.hw.low_table(from)[s + i];
        k.hw.low_table(from)[s + i] = returned_entry(e);
    }
    flush_range(k, t.pid, at, len);
    flush_range(k, sender.pid, addr, len);
    true
}
