//! CreateProcess and SetMemRegion: a process starting a child from pages it
//! prepared, and choosing where a process's heap and MapMemory area lie.
//! The words are Xous's (`xous_abi::process`); what they do is ours, and
//! kernel/README.md states it.
//!
//! A child is made without copying: the caller's pages are taken out of its
//! space and put, frames and permissions as they are, into the child's at
//! the destination, so a loader prepares text, data and parameter block in
//! memory it maps, and hands them over in one call. Everything that can
//! fail is done before the first page moves; a failure takes the half-made
//! child out again unseen.

use crate::ipc::server::random_sid;
use crate::kernel::{Kernel, Platform};
use crate::mem::map::check_range;
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::sched::ThreadRef;
use crate::syscall::{Handled, Outcome};
use crate::thread::reg;
use xous_abi::process::{init, MemoryRegion, StartRecord};
use xous_abi::{Error, SyscallResult};

/// CreateProcess(stack base, stack size, pages, size, destination, entry,
/// start record | 0) -> NewProcess(pid, cid). The caller's pages
/// `[pages, pages + size)` become the child's at `destination`; the child
/// gets a lazily backed stack, a server of its own whose SID is in its
/// a2..a5 (the caller is connected to it: `cid`), and one thread at `entry`
/// with sp at the stack's top, a0/a1 from the start record, tp = 0.
/// Errors: BadAlignment, BadAddress (a range outside user space, the entry
/// outside the moved pages, stack and pages overlapping, a page not mapped,
/// an unreadable start record), ShareViolation (a page lent out, or not the
/// caller's RAM), OutOfMemory (64 processes, 128 servers, the caller's
/// connections, frames for tables; or every free PID is one whose end a
/// server of the caller watches for and has not received: see
/// `exits::unheard_by`).
#[inline(never)]
pub fn create_process<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: &[usize; 8]) -> Handled {
    let parent = t.pid;
    let w = |i: usize| a[1 + i];
    let (stack, stack_len) = (w(init::STACK_BASE), w(init::STACK_SIZE));
    let (pages, len, dest, entry) = (w(init::TEXT_ADDR), w(init::TEXT_SIZE), w(init::DESTINATION), w(init::ENTRY));
    check_range(stack, stack_len)?;
    check_range(pages, len)?;
    check_range(dest, len)?;
    if entry % 2 != 0 {
        return Err(Error::BadAlignment);
    }
    let overlap = stack < dest + len && dest < stack + stack_len;
    if !(dest..dest + len).contains(&entry) || overlap {
        return Err(Error::BadAddress);
    }
    let start = match w(init::START_RECORD) {
        0 => StartRecord::default(),
        at => {
            let mut bytes = [0; StartRecord::LEN];
            k.read_user(parent, at, &mut bytes)?;
            StartRecord::from_bytes(bytes)
        }
    };
    let p = k.procs.get(parent).ok_or(Error::ProcessNotFound)?;
    if !p.connections.contains(&0) {
        return Err(Error::OutOfMemory);
    }
    // The child is named after its parent: a copy, as the table changes.
    let (name, name_len) = (p.name, p.name_len);
    move_pages(k, parent, pages, len, None)?;
    let unheard = crate::exits::unheard_by(k, parent);
    let child = k.create_process_avoiding(core::str::from_utf8(&name[..name_len]).unwrap_or("?"), false, unheard)?;
    match prepare(k, parent, child, stack, stack_len, dest, len, entry, start) {
        Ok(cid) => {
            // Pages that are in swap move as they are, slot and all
            // (swap/seal.rs): a program bigger than RAM can be started.
            if let Err(e) = move_pages(k, parent, pages, len, Some((child, dest))) {
                k.tear_down(child);
                return Err(e);
            }
            k.answered(t, SyscallResult::NewProcess, &[child as usize, cid])
        }
        Err(e) => {
            k.tear_down(child);
            Err(e)
        }
    }
}

/// Checks that every page of `[pages, pages + len)` is mapped (or
/// reserved) in `pid`, not lent, and any frame behind it `pid`'s RAM; with
/// `into` = (child, destination), whose entries are reserved already, also
/// moves each entry there, with its frame's ownership (one function for
/// both, so the rules cannot differ).
fn move_pages<P: Platform>(k: &mut Kernel<P>, pid: u8, pages: usize, len: usize, into: Option<(u8, usize)>) -> Result<(), Error> {
    let mut from = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space.walk();
    let (child, dest) = into.unwrap_or((pid, 0));
    let mut to = k.procs.get(child).ok_or(Error::ProcessNotFound)?.space.walk();
    for offset in (0..len).step_by(PAGE_SIZE) {
        let e = from.entry(&mut k.hw, pages + offset);
        if e == 0 {
            return Err(Error::BadAddress);
        }
        // A swapped-out page is its slot; any other names its frame (or 0).
        let (slot, frame) = if pte::is_swapped(e) { (Some(pte::swap_slot(e)), 0) } else { (None, pte::address(e)) };
        let slot_not_mine = slot.is_some_and(|s| k.swap.slots.held(&mut k.hw, s, pid).is_none());
        // A page of the program store is the program's code or data, not
        // pages a parent builds a child from.
        if pte::is_held(e) || pte::is_stored(e) || slot_not_mine || (frame != 0 && k.frames.owner(frame) != Some(pid)) {
            return Err(Error::ShareViolation);
        }
        if into.is_some() {
            from.take(&mut k.hw, pages + offset);
            if let Some(slot) = slot {
                k.swap.slots.hand_over(&mut k.hw, slot, pid, child);
            } else if frame != 0 {
                let _ = k.frames.transfer(frame, pid, child);
            }
            to.replace(&mut k.hw, dest + offset, e);
        }
    }
    k.hw.flush_tlb(pid, None);
    Ok(())
}

/// Everything about the child that may fail: its stack, the room for its
/// pages (so their tables exist), its server, its thread, the caller's
/// connection to the server. The connection id.
#[allow(clippy::too_many_arguments)]
fn prepare<P: Platform>(k: &mut Kernel<P>, parent: u8, child: u8, stack: usize, stack_len: usize, dest: usize, len: usize, entry: usize, start: StartRecord) -> Result<usize, Error> {
    k.reserve(child, stack, stack_len, pte::R | pte::W)?;
    k.reserve(child, dest, len, pte::R)?;
    let sid = random_sid(k);
    let server = k.ipc.add_server(sid, child).ok_or(Error::OutOfMemory)?;
    let args = [start.eh_frame as usize, start.params as usize, sid[0] as usize, sid[1] as usize];
    let tid = k.spawn_thread_on(child, entry, (stack, stack + stack_len), args)?;
    let t = ThreadRef { pid: child, tid };
    k.set_reg(t, reg::A0 + 4, sid[2] as usize);
    k.set_reg(t, reg::A0 + 5, sid[3] as usize);
    k.procs.get_mut(child).ok_or(Error::ProcessNotFound)?.parent = parent;
    k.procs.get_mut(parent).and_then(|p| p.connect(server)).ok_or(Error::OutOfMemory)
}

/// SetMemRegion(pid, kind, address, size): for the caller or a child of
/// it, Default sets where MapMemory with no address looks for room, and
/// Heap where the heap starts and the most it may grow (only while it is
/// empty). Errors: ProcessNotFound, ProcessNotChild (another's process),
/// InvalidArgument (no such kind), Unavailable (Messages and Stack: their
/// places are fixed here), BadAlignment, BadAddress, MemoryInUse (the heap
/// has pages already).
#[inline(never)]
pub fn set_mem_region<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, pid: usize, kind: usize, addr: usize, size: usize) -> Handled {
    let caller = t.pid;
    let pid = u8::try_from(pid).map_err(|_| Error::ProcessNotFound)?;
    let p = k.procs.get_mut(pid).ok_or(Error::ProcessNotFound)?;
    if pid != caller && p.parent != caller {
        return Err(Error::ProcessNotChild);
    }
    let kind = MemoryRegion::from_usize(kind).ok_or(Error::InvalidArgument)?;
    if matches!(kind, MemoryRegion::Messages | MemoryRegion::Stack) {
        return Err(Error::Unavailable);
    }
    check_range(addr, size)?;
    if kind == MemoryRegion::Heap {
        if p.heap_size != 0 {
            return Err(Error::MemoryInUse);
        }
        p.heap_base = addr;
        p.heap_max = size;
    } else {
        p.map_area = (addr, addr + size);
    }
    Ok(Outcome::Ok)
}
