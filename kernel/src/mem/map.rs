//! The memory syscalls: MapMemory (anonymous, or a device's pages),
//! UnmapMemory, UpdateMemoryFlags, the heap (IncreaseHeap, DecreaseHeap,
//! AdjustProcessLimit) and VirtToPhys, on a process's own address space.

use crate::kernel::{Kernel, Platform};
use crate::mem::pte;
use crate::mem::user::map_error;
use crate::mem::PAGE_SIZE;
use crate::process::DEFAULT_MAP_AREA;
use crate::sched::ThreadRef;
use crate::syscall::{Handled, Outcome};
use xous_abi::memory::{self, flags, is_user_page_range};
use xous_abi::syscall::Limit;
use xous_abi::{Error, SyscallResult};

/// R/W/X of the ABI's flags as page-table bits.
fn permissions(abi_flags: usize) -> u32 {
    [(flags::R, pte::R), (flags::W, pte::W), (flags::X, pte::X)].into_iter().filter(|(f, _)| abi_flags & f != 0).fold(0, |bits, (_, b)| bits | b)
}

/// A range of whole pages in user space: BadAlignment or BadAddress if not.
pub fn check_range(addr: usize, len: usize) -> Result<(), Error> {
    if addr % PAGE_SIZE != 0 || len % PAGE_SIZE != 0 || len == 0 {
        return Err(Error::BadAlignment);
    }
    if !is_user_page_range(addr, len) {
        return Err(Error::BadAddress);
    }
    Ok(())
}

/// MapMemory(phys, virt, size, flags) -> MemoryRange. Anonymous memory
/// (phys = 0) is reserved now and backed with zeroed frames on first touch.
/// Errors: BadAlignment, BadAddress, MemoryInUse, OutOfMemory, InvalidArgument.
#[inline(never)]
pub fn map_memory<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, phys: usize, virt: usize, size: usize, abi_flags: usize) -> Handled {
    let pid = t.pid;
    if abi_flags & !flags::ALL != 0 {
        return Err(Error::InvalidArgument);
    }
    if size == 0 || size % PAGE_SIZE != 0 || phys % PAGE_SIZE != 0 {
        return Err(Error::BadAlignment);
    }
    if phys != 0 {
        return map_device(k, t, phys, virt, size);
    }
    let virt = placement(k, pid, virt, size)?;
    k.reserve(pid, virt, size, permissions(abi_flags))?;
    k.answered(t, SyscallResult::MemoryRange, &[virt, size])
}

/// Where a MapMemory lands: the address asked for (checked), or for 0 the
/// lowest free range in the MapMemory area; when the default area is full,
/// the space above the main stack (`HIGH_MAP_AREA`).
fn placement<P: Platform>(k: &mut Kernel<P>, pid: u8, virt: usize, size: usize) -> Result<usize, Error> {
    if virt != 0 {
        check_range(virt, size)?;
        return Ok(virt);
    }
    let p = k.procs.get(pid).ok_or(Error::ProcessNotFound)?;
    let (space, (from, to)) = (p.space, p.map_area);
    let high = (p.map_area == DEFAULT_MAP_AREA).then_some(HIGH_MAP_AREA);
    space.find_free(&mut k.hw, from, to, size)
        .or_else(|| high.and_then(|(from, to)| space.find_free(&mut k.hw, from, to, size)))
        .ok_or(Error::OutOfMemory)
}

/// Where MapMemory with no address goes once the default area (496 MiB) is
/// full: from the top of the main stack to the kernel. 255 threads with
/// std's 2 MiB stacks need 512 MiB of reservations.
pub const HIGH_MAP_AREA: (usize, usize) = (memory::USER_STACK_TOP, memory::USER_END);

/// MapMemory of a physical range: only device pages the board lets user
/// processes drive, each by one process at a time, read-write and uncached;
/// a page the board reserves for a service only by the boot image's
/// process of that name.
/// Errors: AccessDenied (RAM, a device the kernel keeps, or one reserved
/// for another service), MemoryInUse
/// (another process has it, or the address is taken), OutOfMemory.
fn map_device<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, phys: usize, virt: usize, size: usize) -> Handled {
    let pid = t.pid;
    let pages = || (phys..phys.saturating_add(size)).step_by(PAGE_SIZE);
    if phys.checked_add(size).is_none() || pages().any(|pa| !k.hw.is_user_device(pa)) {
        return Err(Error::AccessDenied);
    }
    // A page the board reserves for a service goes only to the boot
    // image's process of that name (not to a child named so).
    let p = k.procs.get(pid).ok_or(Error::ProcessNotFound)?;
    if pages().any(|pa| k.hw.device_service(pa).is_some_and(|name| !p.from_image || p.name() != name)) {
        return Err(Error::AccessDenied);
    }
    if pages().any(|pa| k.devices.owner(pa).is_some()) {
        return Err(Error::MemoryInUse);
    }
    // From now on it drives a device, which may hold the addresses of the
    // pages it asked VirtToPhys about before: with swap, they stay in RAM
    // (within the pin limit; over it, no device).
    if k.swap.on() {
        let exposed = k.frames.exposed_unpinned(pid).count();
        if k.frames.pinned_by(pid) + exposed > k.frames.reserve() {
            return Err(Error::OutOfMemory);
        }
    }
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    let virt = placement(k, pid, virt, size)?;
    if !k.devices.take(phys, phys + size, pid) {
        return Err(Error::OutOfMemory);
    }
    if k.swap.on() {
        let mut pin = [0usize; 16];
        loop {
            let mut n = 0;
            for (slot, pa) in pin.iter_mut().zip(k.frames.exposed_unpinned(pid)) {
                *slot = pa;
                n += 1;
            }
            if n == 0 {
                break;
            }
            for pa in &pin[..n] {
                k.frames.set_pinned(*pa, true);
            }
        }
    }
    for (i, pa) in pages().enumerate() {
        let va = virt + i * PAGE_SIZE;
        if let Err(e) = space.map(&mut k.hw, &mut k.frames, va, pa, pte::R | pte::W | pte::U, false) {
            // The pages mapped so far go with their record (release); the
            // rest of the range is given back here.
            k.release(pid, virt, i * PAGE_SIZE);
            for rest in (pa..phys + size).step_by(PAGE_SIZE) {
                k.devices.release(rest, pid);
            }
            return Err(map_error(e));
        }
        k.hw.flush_tlb(pid, Some(va));
    }
    k.answered(t, SyscallResult::MemoryRange, &[virt, size])
}

/// VirtToPhys(address) -> Scalar1(physical address): for drivers, which
/// hand devices the physical addresses of their buffers (virtio DMA). A
/// page never touched is backed first, one swapped out brought back, and
/// for a process that drives a device the page is pinned: a device may
/// write it at any time, so swap never takes it. Errors: BadAddress (not
/// mapped), OutOfMemory (no frame, or a driver's pins at their limit).
#[inline(never)]
pub fn virt_to_phys<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, va: usize) -> Handled {
    let pid = t.pid;
    if va >= memory::USER_END {
        return Err(Error::BadAddress);
    }
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    let page = va & !(PAGE_SIZE - 1);
    k.make_resident(pid, page, PAGE_SIZE, true)?;
    let e = space.entry(&mut k.hw, page);
    if !pte::is_leaf(e) || e & pte::U == 0 {
        return Err(Error::BadAddress);
    }
    // For a driver (a process with a device mapped), a device may write it
    // at any time from now on: with swap, it stays in RAM, within the same
    // limit as PIN (else one process could pin all of RAM this way, and
    // swap could make room for no one). Others ask only to have the page
    // backed (the process manager loading a program): it may go to swap,
    // until the process maps a device (map_device pins what it was told).
    let frame = pte::address(e);
    k.frames.set_exposed(frame);
    if k.swap.on() && k.devices.drives_any(pid) && k.frames.owner(frame) == Some(pid) && !k.frames.is_pinned(frame) {
        if k.frames.pinned_by(pid) >= k.frames.reserve() {
            return Err(Error::OutOfMemory);
        }
        k.frames.set_pinned(frame, true);
    }
    k.answered(t, SyscallResult::Scalar1, &[pte::address(e) + va % PAGE_SIZE])
}


/// UnmapMemory(addr, size). Errors: BadAlignment, BadAddress (something in
/// the range was not mapped), ShareViolation (a page is lent out, or a
/// received lend not answered yet).
#[inline(never)]
pub fn unmap_memory<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, addr: usize, size: usize) -> Handled {
    let pid = t.pid;
    check_range(addr, size)?;
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    for page in (addr..addr + size).step_by(PAGE_SIZE) {
        match space.entry(&mut k.hw, page) {
            0 => return Err(Error::BadAddress),
            e if pte::is_held(e) => return Err(Error::ShareViolation),
            _ => {}
        }
    }
    k.release(pid, addr, size);
    Ok(Outcome::Ok)
}

/// UpdateMemoryFlags(addr, size, flags, pid | 0): permissions can only be
/// taken away. Without R the pages become inaccessible (std's guard pages).
/// Errors: BadAlignment, BadAddress, AccessDenied (another process, or adding a permission).
#[inline(never)]
pub fn update_memory_flags<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, addr: usize, size: usize, abi_flags: usize, target: usize) -> Handled {
    let pid = t.pid;
    if target != 0 && target != pid as usize {
        return Err(Error::AccessDenied);
    }
    check_range(addr, size)?;
    let wanted = permissions(abi_flags);
    k.make_resident(pid, addr, size, false)?;
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    for page in (addr..addr + size).step_by(PAGE_SIZE) {
        let e = space.entry(&mut k.hw, page);
        if e == 0 {
            return Err(Error::BadAddress);
        }
        if pte::is_held(e) {
            return Err(Error::ShareViolation);
        }
        if pte::is_valid(e) || pte::is_lazy(e) {
            if wanted & !(e & pte::RWX) != 0 {
                return Err(Error::AccessDenied);
            }
        }
    }
    for page in (addr..addr + size).step_by(PAGE_SIZE) {
        let e = space.entry(&mut k.hw, page);
        let kept = (e & pte::RWX) & wanted;
        let new = if kept & pte::R == 0 {
            // No access: keep any frame (freed on unmap), drop validity.
            (e & !(pte::V | pte::LAZY | pte::RWX)) | pte::GUARD
        } else {
            (e & !pte::RWX) | kept
        };
        space.set_entry(&mut k.hw, &mut k.frames, page, new).map_err(map_error)?;
        k.hw.flush_tlb(pid, Some(page));
    }
    Ok(Outcome::Ok)
}

/// IncreaseHeap(bytes, flags) -> MemoryRange of the new part (0 bytes: the
/// whole heap). Errors: BadAlignment, OutOfMemory (over the heap limit).
#[inline(never)]
pub fn increase_heap<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, bytes: usize, abi_flags: usize) -> Handled {
    let pid = t.pid;
    let p = k.procs.get(pid).ok_or(Error::ProcessNotFound)?;
    let (base, size, max) = (p.heap_base, p.heap_size, p.heap_max);
    if bytes == 0 {
        return k.answered(t, SyscallResult::MemoryRange, &[base, size]);
    }
    if bytes % PAGE_SIZE != 0 {
        return Err(Error::BadAlignment);
    }
    if bytes > max.saturating_sub(size) {
        return Err(Error::OutOfMemory);
    }
    let start = base + size;
    // Backed now unless asked for RESERVE: a service's heap (services/heap)
    // and std's allocator ask without it, so when RAM runs out their
    // allocation fails at the call and they can answer with an error,
    // instead of ending at a touch. (MapMemory stays lazy: thread stacks,
    // mapped that way, are mostly untouched.)
    let pte_flags = (permissions(abi_flags) & pte::RWX) | pte::R;
    if abi_flags & flags::RESERVE != 0 {
        k.reserve(pid, start, bytes, pte_flags)?;
    } else {
        k.commit(pid, start, bytes, pte_flags)?;
    }
    k.procs.get_mut(pid).expect("live").heap_size = size + bytes;
    k.answered(t, SyscallResult::MemoryRange, &[start, bytes])
}

/// DecreaseHeap(bytes) -> MemoryRange of what remains. Errors: BadAlignment,
/// InvalidArgument (more than the heap), ShareViolation (a page is lent out).
#[inline(never)]
pub fn decrease_heap<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, bytes: usize) -> Handled {
    let pid = t.pid;
    let p = k.procs.get(pid).ok_or(Error::ProcessNotFound)?;
    let (base, size) = (p.heap_base, p.heap_size);
    if bytes % PAGE_SIZE != 0 {
        return Err(Error::BadAlignment);
    }
    if bytes > size {
        return Err(Error::InvalidArgument);
    }
    let new_size = size - bytes;
    let space = p.space;
    if (base + new_size..base + size).step_by(PAGE_SIZE).any(|page| pte::is_lent(space.entry(&mut k.hw, page))) {
        return Err(Error::ShareViolation);
    }
    k.release(pid, base + new_size, bytes);
    k.procs.get_mut(pid).expect("live").heap_size = new_size;
    k.answered(t, SyscallResult::MemoryRange, &[base, new_size])
}

/// AdjustProcessLimit(knob, expected, new) -> Scalar2(knob, value). The heap
/// maximum changes only if `expected` is its current value; the heap size
/// is read-only. Errors: InvalidLimit.
#[inline(never)]
pub fn adjust_limit<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, knob: usize, expected: usize, new: usize) -> Handled {
    let pid = t.pid;
    let p = k.procs.get_mut(pid).ok_or(Error::ProcessNotFound)?;
    let value = match knob {
        k if k == Limit::HeapMaximum as usize => {
            if expected == p.heap_max && new >= p.heap_size && new % PAGE_SIZE == 0 {
                p.heap_max = new;
            }
            p.heap_max
        }
        k if k == Limit::HeapSize as usize => p.heap_size,
        _ => return Err(Error::InvalidLimit),
    };
    k.answered(t, SyscallResult::Scalar2, &[knob, value])
}

