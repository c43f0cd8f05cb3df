//! The memory of memory messages (Lend, LendMut, Move), on the general
//! path: pages move, never bytes. At send, the sender's pages are checked
//! and marked: lent read-only pages lose W (nobody writes while they are
//! lent); pages lent mutably or moved become unreachable to the sender. At
//! receive, the same frames are mapped into the server's message region. At
//! reply, they leave the server and the sender's entries are restored; a
//! move instead hands the frames to the server for good. A run of pages
//! costs one walk of each page table per 4 MiB (`Walk`). The entry rules
//! below are shared with the fast path (fast_memory.rs).

use crate::kernel::{Kernel, Platform};
use crate::mem::frames::Frames;
use crate::mem::map::check_range;
use crate::mem::pte;
use crate::mem::user::map_error;
use crate::mem::PAGE_SIZE;
use xous_abi::memory::{USER_MESSAGE_BASE, USER_MMAP_BASE};
use xous_abi::message::InvokeType;
use xous_abi::Error;

/// Every page of the buffer is mapped, readable (and writable for a mutable
/// lend or move), RAM (a device's registers are no buffer: a server
/// filling one would drive the device for the sender), owned by the sender
/// for a move, and neither lent already nor borrowed (a received lend is
/// not the receiver's to pass on).
#[inline(never)]
pub fn check_lendable<P: Platform>(k: &mut Kernel<P>, pid: u8, addr: usize, len: usize, kind: InvokeType) -> Result<(), Error> {
    check_range(addr, len)?;
    // Pages swapped out come back first and pages never touched are
    // backed, all of them together (a lent page must be in RAM: the
    // server maps its frame).
    k.make_resident(pid, addr, len, true)?;
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
pub fn flush_range<P: Platform>(k: &mut Kernel<P>, pid: u8, va: usize, len: usize) {
    if len > FLUSH_PAGES_MAX * PAGE_SIZE {
        k.hw.flush_tlb(pid, None);
    } else if len == PAGE_SIZE {
        // The most common lend, without the loop.
        k.hw.flush_tlb(pid, Some(va));
    } else {
        for i in 0..len.div_ceil(PAGE_SIZE) {
            k.hw.flush_tlb(pid, Some(va + i * PAGE_SIZE));
        }
    }
}

/// Above this many pages one flush of the address space is cheaper.
const FLUSH_PAGES_MAX: usize = 4;

/// A sender's entry while its page is lent as `kind`: without W for a
/// read-only lend, invalid (address and permissions kept) otherwise.
#[inline(always)]
pub fn lent_entry(e: u32, kind: InvokeType) -> u32 {
    match kind {
        InvokeType::Lend if e & pte::W != 0 => (e & !pte::W) | pte::LENT_READ_ONLY | pte::WRITE_TAKEN,
        InvokeType::Lend => e | pte::LENT_READ_ONLY,
        _ => (e & !pte::V) | pte::LENT_AWAY,
    }
}

/// A sender's entry once its lent page is back: the access it had.
#[inline(always)]
pub fn returned_entry(e: u32) -> u32 {
    if pte::is_valid(e) {
        let write = if e & pte::WRITE_TAKEN != 0 { pte::W } else { 0 };
        (e & !(pte::LENT_READ_ONLY | pte::WRITE_TAKEN)) | write
    } else {
        (e & !pte::LENT_AWAY) | pte::V
    }
}

/// Whether a sender's entry can be lent as is (mapped, user-readable,
/// writable for a mutable lend, not lent already). One mask and one
/// compare, as the fast path checks it for every page: a valid entry
/// with R is a leaf, and a valid one is held (lent or borrowed) exactly
/// when one of its two software bits is set (the host test
/// `lendable_entry_is_the_rule_spelled_out` holds it to the rule).
#[inline(always)]
pub fn lendable_entry(e: u32, needs_write: bool) -> bool {
    let want = pte::V | pte::R | pte::U | if needs_write { pte::W } else { 0 };
    e & (want | pte::LENT_READ_ONLY | pte::BORROWED) == want
}

#[cfg(test)]
#[test]
fn lendable_entry_is_the_rule_spelled_out() {
    // Every combination of the low ten bits (flags and software bits).
    for e in 0..1u32 << 10 {
        for needs_write in [false, true] {
            let rule = pte::is_leaf(e) && !pte::is_held(e) && e & pte::U != 0 && e & pte::R != 0 && (!needs_write || e & pte::W != 0);
            assert_eq!(lendable_entry(e | 0x1234_5 << 10, needs_write), rule, "{e:#x} {needs_write}");
        }
    }
}

/// The entry a server gets for a lent (borrowed) or moved frame.
#[inline(always)]
pub fn server_entry(e: u32, kind: InvokeType) -> u32 {
    let access = match kind {
        InvokeType::Lend => pte::R | pte::U | pte::BORROWED,
        InvokeType::LendMut => pte::R | pte::W | pte::U | pte::BORROWED,
        _ => pte::R | pte::W | pte::U,
    };
    pte::entry(pte::address(e), access | pte::V | pte::A | pte::D)
}

/// Maps the sender's frames into the server's message region.
#[inline(never)]
pub fn map_into_server<P: Platform>(k: &mut Kernel<P>, server_pid: u8, sender: u8, addr: usize, len: usize, kind: InvokeType) -> Result<usize, Error> {
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
                    return Err(map_error(e));
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

/// The sender's pages while they are lent as `kind` (or moved).
#[inline(never)]
pub fn mark_lent<P: Platform>(k: &mut Kernel<P>, pid: u8, addr: usize, len: usize, kind: InvokeType) {
    rewrite(k, pid, addr, len, |_, e| lent_entry(e, kind));
}

/// Gives the sender's pages their access back.
#[inline(never)]
pub fn unmark_lent<P: Platform>(k: &mut Kernel<P>, pid: u8, addr: usize, len: usize) {
    rewrite(k, pid, addr, len, |_, e| returned_entry(e));
}

/// A move is complete: the pages leave the sender's address space.
#[inline(never)]
pub fn forget_moved<P: Platform>(k: &mut Kernel<P>, sender: u8, addr: usize, len: usize) {
    rewrite(k, sender, addr, len, |_, _| 0);
}

/// The server's pages of a message leave it; with `free_frames` (the
/// sender is gone and they became the server's) their frames are freed.
#[inline(never)]
pub fn unmap_from_server<P: Platform>(k: &mut Kernel<P>, pid: u8, at: usize, len: usize, free_frames: bool) {
    rewrite(k, pid, at, len, |frames, e| {
        if free_frames && e != 0 {
            let _ = frames.free(pte::address(e), pid);
        }
        0
    });
}

/// The frames behind `[at, at + len)` in the server `owner`, lent by `pid`,
/// which is ending, become the server's.
pub fn take_over<P: Platform>(k: &mut Kernel<P>, owner: u8, pid: u8, at: usize, len: usize) {
    rewrite(k, owner, at, len, |frames, e| {
        let _ = frames.transfer(pte::address(e), pid, owner);
        e
    });
}

/// Rewrites each entry of `[va, va + len)` in `pid`'s space with `f`, a
/// run of one page table at a time (until a table is missing; nothing if
/// the process is gone), then forgets the old translations.
#[inline(always)]
fn rewrite<P: Platform>(k: &mut Kernel<P>, pid: u8, va: usize, len: usize, mut f: impl FnMut(&mut Frames, u32) -> u32) {
    let Some(mut walk) = k.procs.get(pid).map(|p| p.space.walk()) else { return };
    let (mut at, end) = (va, va + len);
    while at < end {
        let Some(run) = walk.run(&mut k.hw, at, end) else { break };
        for e in run.iter_mut() {
            *e = f(&mut k.frames, *e);
        }
        at += run.len() * PAGE_SIZE;
    }
    flush_range(k, pid, va, len);
}
