//! Syscalls: decode a0..a7 of the calling thread, check every argument,
//! act, and write the result back. A bad argument is an error result for
//! the caller, never a kernel panic. Each handler says which ABI errors it
//! returns; the table of shared/xous-abi.md is the contract.

use crate::kernel::{reg, Kernel, Platform};
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::process::{ThreadState, INTERRUPT_CONTEXT};
use crate::sched::ThreadRef;
use xous_abi::console::Channel;
use xous_abi::memory::{self, flags, is_user_page_range};
use xous_abi::platform;
use xous_abi::syscall::Limit;
use xous_abi::{Error, Syscall, SyscallResult};

mod exits;
mod fast;
mod fast_memory;
mod ipc;
pub use ipc::GIVE_WAY_ROUNDS;
mod process;

pub fn result(tag: SyscallResult, payload: &[usize]) -> [usize; 8] {
    let mut words = [0; 8];
    words[0] = tag as usize;
    words[1..1 + payload.len()].copy_from_slice(payload);
    words
}

pub fn ok() -> [usize; 8] {
    result(SyscallResult::Ok, &[])
}

pub fn error(e: Error) -> [usize; 8] {
    result(SyscallResult::Error, &[e as usize])
}

pub fn scalar1(value: usize) -> [usize; 8] {
    result(SyscallResult::Scalar1, &[value])
}

/// What a syscall did to its caller. Small, so it comes back in registers.
pub enum Outcome {
    /// Resume the caller, whose a0..a7 hold its answer already.
    Answered,
    /// Resume the caller with this error.
    Error(Error),
    /// The caller waits and then repeats this syscall (see ThreadState::Retry).
    Retry,
    /// The caller gives the processor away (to the back of the run queue)
    /// and then repeats this syscall.
    GiveWay,
    /// The caller waits (the handler blocked it); whoever wakes it writes its result.
    Waiting,
    /// The caller no longer exists (it ended itself).
    Gone,
}

/// Writes a handler's result into the caller's a0..a7.
fn reply<P: Platform>(r: Result<[usize; 8], Error>, k: &mut Kernel<P>, t: ThreadRef) -> Outcome {
    match r {
        Ok(words) => {
            k.set_result(t, &words);
            Outcome::Answered
        }
        Err(e) => Outcome::Error(e),
    }
}

/// Answers the caller Ok, or with the error.
fn replied<P: Platform>(r: Result<(), Error>, k: &mut Kernel<P>, t: ThreadRef) -> Outcome {
    match r {
        Ok(()) => {
            k.answer(t, SyscallResult::Ok, &[]);
            Outcome::Answered
        }
        Err(e) => Outcome::Error(e),
    }
}

pub use exits::process_ended;
pub use ipc::process_gone;

/// Handles the `ecall` of thread `t`, which is running, from its saved
/// registers, as the trap path does (the host tests' entry).
pub fn handle<P: Platform>(k: &mut Kernel<P>, t: ThreadRef) {
    let regs = k.context(t);
    regs[reg::PC] = regs[reg::PC].wrapping_add(4);
    let a: [usize; 8] = core::array::from_fn(|i| regs[reg::A0 + i] as usize);
    ecall(k, t, a);
}

/// What became of a syscall's caller, for the trap path.
#[derive(Copy, Clone, PartialEq, Eq)]
pub enum Next {
    /// It was answered and goes on.
    Goes,
    /// It waits; its process lives.
    Waits,
    /// Anything may have happened (the general path): look.
    Look,
}

/// Syscall `a` (a0..a7) of thread `t`, which is running and whose saved pc
/// is past its `ecall` already.
#[inline(always)]
pub fn ecall<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: [usize; 8]) -> Next {
    // The identity calls need nothing but the caller: answered here.
    let identity = match a[0] {
        n if n == Syscall::GetProcessId as usize => Some((SyscallResult::ProcessId, t.pid)),
        n if n == Syscall::GetThreadId as usize => Some((SyscallResult::ThreadId, t.tid)),
        _ => None,
    };
    if let Some((tag, value)) = identity {
        k.context(t)[reg::A0..reg::A0 + 8].copy_from_slice(&[tag as u32, value as u32, 0, 0, 0, 0, 0, 0]);
        return Next::Goes;
    }
    if let Some(next) = fast::call(k, t, a) {
        return next;
    }
    call(k, t);
    Next::Look
}

/// Every other syscall, read from `t`'s saved a0..a7 (so the words need
/// not be kept in registers through the fast path).
#[inline(never)]
fn call<P: Platform>(k: &mut Kernel<P>, t: ThreadRef) {
    let regs = k.context(t);
    let a: [usize; 8] = core::array::from_fn(|i| regs[reg::A0 + i] as usize);
    let outcome = match Syscall::from_usize(a[0]) {
        Some(call) => dispatch(k, t, call, &a),
        None => Outcome::Error(Error::UnhandledSyscall),
    };
    match outcome {
        Outcome::Answered | Outcome::Waiting | Outcome::Gone => {}
        Outcome::Error(e) => k.answer(t, SyscallResult::Error, &[e as usize]),
        Outcome::Retry => {
            // Back to the `ecall`, to make it again.
            let pc = k.reg(t, reg::PC).wrapping_sub(4);
            k.set_reg(t, reg::PC, pc);
            k.procs.get_mut(t.pid).expect("live").threads[t.tid as usize] = ThreadState::Retry;
            k.retries_waiting = true;
            k.block(t);
        }
        Outcome::GiveWay => {
            let pc = k.reg(t, reg::PC).wrapping_sub(4);
            k.set_reg(t, reg::PC, pc);
            k.preempt();
        }
    }
}

/// Each syscall's handler is a function of its own, never inlined here, so
/// a call pays only for the registers its own handler needs.
fn dispatch<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, call: Syscall, a: &[usize; 8]) -> Outcome {
    match call {
        Syscall::Yield => {
            k.preempt();
            replied(Ok(()), k, t)
        }
        Syscall::TerminateProcess => {
            k.terminate(t.pid, a[1] as u32);
            Outcome::Gone
        }
        Syscall::Shutdown => {
            k.halted = Some(0);
            replied(Ok(()), k, t)
        }
        Syscall::MapMemory => reply(map_memory(k, t.pid, a[1], a[2], a[3], a[4]), k, t),
        Syscall::UnmapMemory => reply(unmap_memory(k, t.pid, a[1], a[2]), k, t),
        Syscall::UpdateMemoryFlags => reply(update_memory_flags(k, t.pid, a[1], a[2], a[3], a[4]), k, t),
        Syscall::IncreaseHeap => reply(increase_heap(k, t.pid, a[1], a[2]), k, t),
        Syscall::DecreaseHeap => reply(decrease_heap(k, t.pid, a[1]), k, t),
        Syscall::AdjustProcessLimit => reply(adjust_limit(k, t.pid, a[1], a[2], a[3]), k, t),
        Syscall::CreateThread => reply(create_thread(k, t.pid, a), k, t),
        Syscall::JoinThread => join_thread(k, t, a[1]),
        Syscall::PlatformSpecific => reply(platform_specific(k, t, a), k, t),
        Syscall::ClaimInterrupt => reply(claim_interrupt(k, t.pid, a[1], a[2], a[3]), k, t),
        Syscall::FreeInterrupt => reply(free_interrupt(k, t.pid, a[1]), k, t),
        Syscall::CreateServerWithAddress => reply(ipc::create_server(k, t.pid, Some([a[1], a[2], a[3], a[4]]), true), k, t),
        Syscall::CreateServer => reply(ipc::create_server(k, t.pid, None, true), k, t),
        Syscall::CreateServerId => reply(ipc::new_server_id(k), k, t),
        Syscall::DestroyServer => reply(ipc::destroy_server(k, t.pid, [a[1], a[2], a[3], a[4]]), k, t),
        Syscall::Connect => ipc::connect(k, t, t.pid, [a[1], a[2], a[3], a[4]], true),
        Syscall::TryConnect => ipc::connect(k, t, t.pid, [a[1], a[2], a[3], a[4]], false),
        Syscall::ConnectForProcess => match u8::try_from(a[1]) {
            // Only for itself, or for a client waiting on it (the name
            // server connecting one that asked): else anyone could fill
            // anyone's connection table.
            Ok(pid) if k.procs.get(pid).is_some() && pid != t.pid && !k.ipc.waits_on(pid, t.pid) => Outcome::Error(Error::AccessDenied),
            Ok(pid) if k.procs.get(pid).is_some() => ipc::connect(k, t, pid, [a[2], a[3], a[4], a[5]], false),
            _ => Outcome::Error(Error::ProcessNotFound),
        },
        Syscall::Disconnect => reply(ipc::disconnect(k, t.pid, a[1]), k, t),
        Syscall::SendMessage => ipc::send(k, t, a, true),
        Syscall::TrySendMessage => ipc::send(k, t, a, false),
        Syscall::ReceiveMessage => ipc::receive(k, t, [a[1], a[2], a[3], a[4]], true),
        Syscall::TryReceiveMessage => ipc::receive(k, t, [a[1], a[2], a[3], a[4]], false),
        Syscall::ReturnMemory => replied(ipc::return_memory(k, t.pid, a[1], a[2], a[3], a[4], a[5]), k, t),
        Syscall::ReturnScalar1 => replied(ipc::return_scalar(k, t.pid, a[1], &a[2..3]), k, t),
        Syscall::ReturnScalar2 => replied(ipc::return_scalar(k, t.pid, a[1], &a[2..4]), k, t),
        Syscall::ReturnScalar5 => replied(ipc::return_scalar(k, t.pid, a[1], &a[2..7]), k, t),
        Syscall::ReplyAndReceiveNext => ipc::reply_and_receive_next(k, t, a),
        Syscall::SetExceptionHandler => reply(set_exception_handler(k, t.pid, a[1], a[2]), k, t),
        Syscall::VirtToPhys => reply(virt_to_phys(k, t.pid, a[1]), k, t),
        Syscall::CreateProcess => reply(process::create_process(k, t.pid, a), k, t),
        Syscall::SetMemRegion => reply(process::set_mem_region(k, t.pid, a[1], a[2], a[3], a[4]), k, t),
        _ => Outcome::Error(Error::UnhandledSyscall),
    }
}

/// R/W/X of the ABI's flags as page-table bits.
fn permissions(abi_flags: usize) -> u32 {
    let mut bits = 0;
    if abi_flags & flags::R != 0 {
        bits |= pte::R;
    }
    if abi_flags & flags::W != 0 {
        bits |= pte::W;
    }
    if abi_flags & flags::X != 0 {
        bits |= pte::X;
    }
    bits
}

pub(crate) fn check_range(addr: usize, len: usize) -> Result<(), Error> {
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
fn map_memory<P: Platform>(k: &mut Kernel<P>, pid: u8, phys: usize, virt: usize, size: usize, abi_flags: usize) -> Result<[usize; 8], Error> {
    if abi_flags & !flags::ALL != 0 {
        return Err(Error::InvalidArgument);
    }
    if size == 0 || size % PAGE_SIZE != 0 || phys % PAGE_SIZE != 0 {
        return Err(Error::BadAlignment);
    }
    if phys != 0 {
        return map_device(k, pid, phys, virt, size);
    }
    let virt = placement(k, pid, virt, size)?;
    k.reserve(pid, virt, size, permissions(abi_flags))?;
    Ok(result(SyscallResult::MemoryRange, &[virt, size]))
}

/// Where a MapMemory lands: the address asked for (checked), or for 0 the
/// lowest free range in the MapMemory area.
fn placement<P: Platform>(k: &mut Kernel<P>, pid: u8, virt: usize, size: usize) -> Result<usize, Error> {
    if virt != 0 {
        check_range(virt, size)?;
        return Ok(virt);
    }
    let p = k.procs.get(pid).ok_or(Error::ProcessNotFound)?;
    let (space, (from, to)) = (p.space, p.map_area);
    space.find_free(&mut k.hw, from, to, size).ok_or(Error::OutOfMemory)
}

/// MapMemory of a physical range: only device pages the board lets user
/// processes drive, each by one process at a time, read-write and uncached.
/// Errors: AccessDenied (RAM, or a device the kernel keeps), MemoryInUse
/// (another process has it, or the address is taken), OutOfMemory.
fn map_device<P: Platform>(k: &mut Kernel<P>, pid: u8, phys: usize, virt: usize, size: usize) -> Result<[usize; 8], Error> {
    let pages = || (phys..phys.saturating_add(size)).step_by(PAGE_SIZE);
    if phys.checked_add(size).is_none() || pages().any(|pa| !k.hw.is_user_device(pa)) {
        return Err(Error::AccessDenied);
    }
    if pages().any(|pa| k.devices.owner(pa).is_some()) {
        return Err(Error::MemoryInUse);
    }
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    let virt = placement(k, pid, virt, size)?;
    for (i, pa) in pages().enumerate() {
        let va = virt + i * PAGE_SIZE;
        let mapped = space.map(&mut k.hw, &mut k.frames, va, pa, pte::R | pte::W | pte::U, false);
        if let Err(e) = mapped.map_err(crate::kernel::map_error).and_then(|()| {
            if k.devices.take(pa, pid) { Ok(()) } else { Err(Error::OutOfMemory) }
        }) {
            k.release(pid, virt, i * PAGE_SIZE + PAGE_SIZE);
            return Err(e);
        }
        k.hw.flush_tlb(pid, Some(va));
    }
    Ok(result(SyscallResult::MemoryRange, &[virt, size]))
}

/// ClaimInterrupt(irq, handler, arg). Errors: InterruptNotFound (no such
/// interrupt), InterruptInUse (claimed already), BadAddress (handler).
#[inline(never)]
fn claim_interrupt<P: Platform>(k: &mut Kernel<P>, pid: u8, irq: usize, handler: usize, arg: usize) -> Result<[usize; 8], Error> {
    if irq == 0 || irq >= crate::irq::MAX_IRQS || !k.hw.irq_exists(irq) {
        return Err(Error::InterruptNotFound);
    }
    if k.irqs.claim(irq).is_some() {
        return Err(Error::InterruptInUse);
    }
    if handler == 0 || handler >= memory::USER_END {
        return Err(Error::BadAddress);
    }
    let stack = crate::kernel::INTERRUPT_STACK_TOP - crate::kernel::INTERRUPT_STACK_SIZE;
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    if space.entry(&mut k.hw, stack) == 0 {
        k.reserve(pid, stack, crate::kernel::INTERRUPT_STACK_SIZE, pte::R | pte::W)?;
    }
    k.irqs.claims[irq] = crate::slot::Slot::Full(crate::irq::Claim { pid, handler, arg, in_service: false, pending: false });
    k.hw.enable_irq(irq, true);
    Ok(ok())
}

/// FreeInterrupt(irq). Errors: InterruptNotFound (not claimed by the caller).
#[inline(never)]
fn free_interrupt<P: Platform>(k: &mut Kernel<P>, pid: u8, irq: usize) -> Result<[usize; 8], Error> {
    let claim = k.irqs.claim(irq).filter(|c| c.pid == pid).ok_or(Error::InterruptNotFound)?;
    k.hw.enable_irq(irq, false);
    if claim.in_service {
        k.hw.complete_irq(irq);
    }
    k.irqs.claims[irq] = crate::slot::Slot::Empty;
    Ok(ok())
}

/// SetExceptionHandler(pc, sp): faults of this process's threads run the
/// handler (a0 = RISC-V cause, a1 = address, a2 = pc) on stack `sp` instead of
/// ending the process; returning to 0xff80_4000 retries the faulting
/// instruction. pc = 0 removes the handler. Errors: BadAddress.
#[inline(never)]
fn set_exception_handler<P: Platform>(k: &mut Kernel<P>, pid: u8, pc: usize, sp: usize) -> Result<[usize; 8], Error> {
    if pc >= memory::USER_END || sp >= memory::USER_END || (pc != 0 && sp == 0) {
        return Err(Error::BadAddress);
    }
    let p = k.procs.get_mut(pid).ok_or(Error::ProcessNotFound)?;
    p.exception_handler = (pc != 0).then_some((pc, sp));
    Ok(ok())
}

/// VirtToPhys(address) -> Scalar1(physical address): for drivers, which
/// hand devices the physical addresses of their buffers (virtio DMA). A
/// page never touched is backed first. Errors: BadAddress (not mapped).
#[inline(never)]
fn virt_to_phys<P: Platform>(k: &mut Kernel<P>, pid: u8, va: usize) -> Result<[usize; 8], Error> {
    if va >= memory::USER_END {
        return Err(Error::BadAddress);
    }
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    let page = va & !(PAGE_SIZE - 1);
    let mut e = space.entry(&mut k.hw, page);
    if pte::is_lazy(e) {
        k.map_fresh(pid, page, e & pte::RWX)?;
        e = space.entry(&mut k.hw, page);
    }
    if !pte::is_leaf(e) || e & pte::U == 0 {
        return Err(Error::BadAddress);
    }
    Ok(scalar1(pte::address(e) + va % PAGE_SIZE))
}

pub use crate::process::MAIN_STACK_RESERVE;

/// UnmapMemory(addr, size). Errors: BadAlignment, BadAddress (something in
/// the range was not mapped), ShareViolation (a page is lent out, or a
/// received lend not answered yet).
#[inline(never)]
fn unmap_memory<P: Platform>(k: &mut Kernel<P>, pid: u8, addr: usize, size: usize) -> Result<[usize; 8], Error> {
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
    Ok(ok())
}

/// UpdateMemoryFlags(addr, size, flags, pid | 0): permissions can only be
/// taken away. Without R the pages become inaccessible (std's guard pages).
/// Errors: BadAlignment, BadAddress, AccessDenied (another process, or adding a permission).
#[inline(never)]
fn update_memory_flags<P: Platform>(k: &mut Kernel<P>, pid: u8, addr: usize, size: usize, abi_flags: usize, target: usize) -> Result<[usize; 8], Error> {
    if target != 0 && target != pid as usize {
        return Err(Error::AccessDenied);
    }
    check_range(addr, size)?;
    let wanted = permissions(abi_flags);
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
        space.set_entry(&mut k.hw, &mut k.frames, page, new).map_err(crate::kernel::map_error)?;
        k.hw.flush_tlb(pid, Some(page));
    }
    Ok(ok())
}

/// IncreaseHeap(bytes, flags) -> MemoryRange of the new part (0 bytes: the
/// whole heap). Errors: BadAlignment, OutOfMemory (over the heap limit).
#[inline(never)]
fn increase_heap<P: Platform>(k: &mut Kernel<P>, pid: u8, bytes: usize, abi_flags: usize) -> Result<[usize; 8], Error> {
    let p = k.procs.get(pid).ok_or(Error::ProcessNotFound)?;
    let (base, size, max) = (p.heap_base, p.heap_size, p.heap_max);
    if bytes == 0 {
        return Ok(result(SyscallResult::MemoryRange, &[base, size]));
    }
    if bytes % PAGE_SIZE != 0 {
        return Err(Error::BadAlignment);
    }
    if bytes > max.saturating_sub(size) {
        return Err(Error::OutOfMemory);
    }
    let start = base + size;
    k.reserve(pid, start, bytes, (permissions(abi_flags) & pte::RWX) | pte::R)?;
    k.procs.get_mut(pid).expect("live").heap_size = size + bytes;
    Ok(result(SyscallResult::MemoryRange, &[start, bytes]))
}

/// DecreaseHeap(bytes) -> MemoryRange of what remains. Errors: BadAlignment,
/// InvalidArgument (more than the heap), ShareViolation (a page is lent out).
#[inline(never)]
fn decrease_heap<P: Platform>(k: &mut Kernel<P>, pid: u8, bytes: usize) -> Result<[usize; 8], Error> {
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
    Ok(result(SyscallResult::MemoryRange, &[base, new_size]))
}

/// AdjustProcessLimit(knob, expected, new) -> Scalar2(knob, value). The heap
/// maximum changes only if `expected` is its current value; the heap size
/// is read-only. Errors: InvalidLimit.
#[inline(never)]
fn adjust_limit<P: Platform>(k: &mut Kernel<P>, pid: u8, knob: usize, expected: usize, new: usize) -> Result<[usize; 8], Error> {
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
    Ok(result(SyscallResult::Scalar2, &[knob, value]))
}

/// CreateThread(entry, stack, stack_len, a0..a3) -> ThreadId. The stack must
/// be mapped, whole pages. Errors: BadAddress, BadAlignment, ThreadNotAvailable.
#[inline(never)]
fn create_thread<P: Platform>(k: &mut Kernel<P>, pid: u8, a: &[usize; 8]) -> Result<[usize; 8], Error> {
    let (entry, stack, len) = (a[1], a[2], a[3]);
    check_range(stack, len)?;
    if entry == 0 || entry >= memory::USER_END {
        return Err(Error::BadAddress);
    }
    let tid = k.spawn_thread(pid, entry, stack + len, [a[4], a[5], a[6], a[7]])?;
    Ok(result(SyscallResult::ThreadId, &[tid as usize]))
}

/// JoinThread(tid) -> Scalar1(value) once that thread has returned.
/// Errors: ThreadNotAvailable (no such thread), InvalidThread (itself, or
/// 0, the interrupt handler's slot).
#[inline(never)]
fn join_thread<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, tid: usize) -> Outcome {
    let Some(p) = k.procs.get_mut(t.pid) else { return Outcome::Gone };
    // Slot 0 is the interrupt handler's, no thread: nothing would end a join of it.
    if tid == t.tid as usize || tid == INTERRUPT_CONTEXT as usize {
        return Outcome::Error(Error::InvalidThread);
    }
    match p.threads.get(tid).copied() {
        None | Some(ThreadState::Free) => Outcome::Error(Error::ThreadNotAvailable),
        Some(ThreadState::Exited(value)) => {
            p.threads[tid] = ThreadState::Free;
            k.answer(t, SyscallResult::Scalar1, &[value]);
            Outcome::Answered
        }
        Some(_) => {
            if p.threads.iter().any(|s| *s == ThreadState::Joining(tid as u8)) {
                // Someone else already waits for it; only one joiner is allowed.
                return Outcome::Error(Error::ThreadNotAvailable);
            }
            p.threads[t.tid as usize] = ThreadState::Joining(tid as u8);
            k.block(t);
            Outcome::Waiting
        }
    }
}

/// PlatformSpecific(meta, ...): the calls of `xous_abi::platform`.
/// Errors: InvalidArgument (no such meta-opcode), then each call's own.
#[inline(never)]
fn platform_specific<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: &[usize; 8]) -> Result<[usize; 8], Error> {
    let pid = t.pid;
    match a[1] {
        platform::DETACH_THREAD => k.detach_thread(t, a[2]).map(|()| ok()),
        platform::WATCH_EXITS => exits::watch(k, pid, [a[2], a[3], a[4], a[5]], a[6]),
        platform::DRAIN_AT_POWER_OFF => ipc::drain_at_power_off(k, pid, [a[2], a[3], a[4], a[5]]),
        platform::CONSOLE_WRITE => {
            let channel = u8::try_from(a[2]).ok().and_then(Channel::from_u8).ok_or(Error::InvalidArgument)?;
            let (mut addr, mut left) = (a[3], a[4]);
            let mut chunk = [0u8; PAGE_SIZE];
            while left > 0 {
                let n = left.min(PAGE_SIZE);
                k.read_user(pid, addr, &mut chunk[..n])?;
                k.hw.console(channel, &chunk[..n]);
                addr += n;
                left -= n;
            }
            Ok(ok())
        }
        _ => Err(Error::InvalidArgument),
    }
}
