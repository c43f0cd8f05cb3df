//! Entering and leaving the kernel.
//!
//! While a user thread runs, `sscratch` holds the kernel-virtual address of
//! its saved-register slot (pc, then x1..x31), and while the kernel handles
//! its trap too. `trap_entry` saves the user registers there, switches to
//! the kernel stack and calls `trap_syscall` (an `ecall`: its a0..a7 are
//! passed on in their registers, its pc is moved past the `ecall` first),
//! `trap_identity` (GetThreadId, GetProcessId) or `trap_other`; each says
//! which slot to load next; `resume` loads it and `sret`s.
//!
//! A syscall saves and loads only what the kernel's Rust code may change:
//! the caller-saved registers (ra, sp, t0-t6, a0-a7) and the pc; its
//! words a0..a7 reach the slot only when the general path needs them
//! there (`keep_words`: a call the fast path takes leaves its caller
//! waiting, and the answer that wakes it replaces a0..a7 whole). The
//! callee-saved ones (s0-s11) and gp, tp stay in their registers through
//! the Rust code, which preserves them (gp and tp it never uses). When the
//! same thread goes on, nothing more is done; when another thread runs
//! next, they are saved into the caller's slot first, and the next thread's
//! whole slot is loaded. So the kernel must not read or write a syscall
//! caller's callee-saved registers in its slot while it handles the call
//! (none of the syscalls does; faults and interrupts save everything).
//! An identity call saves less still: its answer replaces a0..a7, which
//! are neither saved nor loaded, and its pc goes straight back to `sepc`.

use super::boot::{kernel, KERNEL_STACK, KERNEL_STACK_SIZE};
use super::fast_trap;
use super::csr;
use super::hw;
use super::machine::{self, Source};
use crate::fault::Fault;
use crate::kernel::Kernel;
use crate::sched::PowerOff;
use crate::thread::{reg, CONTEXTS_PER_PAGE, CONTEXT_WORDS};
use crate::ipc::fast::{self, Route};
use crate::syscall::{self, Next};
use core::arch::global_asm;

global_asm!(
    r#"
    .section .text.trap, "ax"
    .balign 4
    .global trap_entry
trap_entry:
    csrrw   t6, sscratch, t6
    # First what Rust code may change but for a0..a7, which the identity
    # calls answer in and the others save below.
    .irp n, 1, 2, 5, 6, 7, 28, 29, 30
    sw      x\n, 4*\n(t6)
    .endr
    csrr    t5, sscratch
    sw      t5, 124(t6)
    csrw    sscratch, t6
    csrr    t4, scause
    li      t3, 8
    bne     t4, t3, 4f
    la      sp, {stack} + {stack_size}
    # GetThreadId and GetProcessId (32, 33) have a function of their own.
    addi    t3, a0, -32
    sltiu   t3, t3, 2
    bnez    t3, 5f
    # Any other syscall: it returns past the ecall; a0..a7 still hold its
    # words, which go into the slot only if the fast path does not take
    # the call (fast_trap.rs).
    csrr    t5, sepc
    addi    t5, t5, 4
    sw      t5, 0(t6)
    jal     {syscall}
    beqz    a1, 2f
    .irp n, 3, 4, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
    sw      x\n, 4*\n(a1)
    .endr
2:  andi    t0, a0, 1
    bnez    t0, 3f

    .global resume
resume:
    csrw    sscratch, a0
    lw      t5, 0(a0)
    csrw    sepc, t5
    .irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    lw      x\n, 4*\n(a0)
    .endr
    lw      a0, 40(a0)
    sret

3:  andi    t6, a0, -2
    lw      t5, 0(t6)
    csrw    sepc, t5
    csrw    sscratch, t6
    .irp n, 1, 2, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
    lw      x\n, 4*\n(t6)
    .endr
    sret

    # An interrupt or a fault: everything is saved, the next slot loaded whole.
4:  csrr    t5, sepc
    sw      t5, 0(t6)
    .irp n, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
    sw      x\n, 4*\n(t6)
    .endr
    mv      a0, t4
    la      sp, {stack} + {stack_size}
    jal     {other}
    j       resume

    # An identity call: the answer's two words come back in a0 and a1, the
    # other six are zero; the caller goes on past its ecall, its slot
    # untouched but for the registers saved above.
5:  jal     {identity}
    .irp n, 12, 13, 14, 15, 16, 17
    li      x\n, 0
    .endr
    csrr    t6, sscratch
    csrr    t5, sepc
    addi    t5, t5, 4
    csrw    sepc, t5
    .irp n, 1, 2, 5, 6, 7, 28, 29, 30, 31
    lw      x\n, 4*\n(t6)
    .endr
    sret
    "#,
    stack = sym KERNEL_STACK,
    stack_size = const KERNEL_STACK_SIZE,
    syscall = sym trap_syscall,
    identity = sym trap_identity,
    other = sym trap_other,
);

extern "C" {
    fn trap_entry();
    fn resume(context: usize) -> !;
}

/// Installs the trap vector, starts the preemption clock and the interrupt
/// controller, and runs the first thread.
pub fn start() -> ! {
    // SAFETY: trap_entry is the vector above; sstatus.SPP = 0 so that `sret`
    // enters user mode, SPIE = 0 so the kernel keeps interrupts off.
    unsafe {
        core::arch::asm!("csrw stvec, {0}", in(reg) trap_entry as *const () as usize);
        core::arch::asm!("csrc sstatus, {0}", in(reg) csr::SSTATUS_SPP | (1 << 5));
    }
    machine::start();
    csr::enable_interrupts();
    // SAFETY: kmain initialised the state; this is the only reference.
    let k = unsafe { kernel() };
    let context = run_next_slow(k);
    // SAFETY: `context` is the saved-register slot of a live thread.
    unsafe { resume(context) }
}

/// Called by `trap_entry` for an `ecall` but the identity calls, with the
/// caller's a0..a7 as they were; `sscratch` holds the caller's
/// saved-register slot (its pc already past the `ecall`). Returns in its
/// low word the slot to load next, plus 1 when it is the slot of the
/// caller, which needs only its caller-saved registers loaded; in its high
/// word the slot to save the caller's callee-saved registers into first,
/// or 0 (see the module's comment). A round trip's calls go on to
/// functions of their own with the words where they are (fast_trap.rs).
#[allow(clippy::too_many_arguments)]
extern "C" fn trap_syscall(a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize, a7: usize) -> u64 {
    match fast::route(a0, a2) {
        Route::Scalar => fast_trap::scalar(a0, a1, a2, a3, a4, a5, a6, a7),
        Route::Lend => fast_trap::lend(a0, a1, a2, a3, a4, a5, a6, a7),
        Route::ReplyAndWait => fast_trap::reply_and_wait(a0, a1, a2, a3, a4, a5, a6, a7),
        Route::Other => other_syscall(a0, a1, a2, a3, a4, a5, a6, a7),
    }
}

/// `trap_syscall` for `Route::Other`.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn other_syscall(a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize, a7: usize) -> u64 {
    // SAFETY: kmain initialised the state; the trap runs alone.
    let k = unsafe { kernel() };
    let Some(t) = k.current else { kernel_fault(ECALL_FROM_USER, 0) };
    let a = [a0, a1, a2, a3, a4, a5, a6, a7];
    keep_words(a);
    let fast = fast::other(k, t, a);
    let next = syscall::or_general(k, t, fast);
    after_syscall(k, t, next)
}

/// The running thread's syscall on the general path, its words in its slot
/// (`keep_words`): what a fast function does when the fast path refuses
/// the call.
#[inline(never)]
pub(super) fn general_syscall(k: &mut Kernel<hw::Hw>) -> u64 {
    let Some(t) = k.current else { kernel_fault(ECALL_FROM_USER, 0) };
    syscall::general(k, t);
    after_syscall(k, t, Next::Look)
}

/// Puts syscall words `a` into the caller's slot (a0..a7), which
/// `trap_entry` left as it was: the general path reads them there, and a
/// call made again (`Outcome::Retry`) needs them. A call the fast path
/// takes needs them nowhere: its caller waits, and whatever wakes it
/// writes all of a0..a7.
#[inline(always)]
pub(super) fn keep_words(a: [usize; 8]) {
    let context = csr::sscratch();
    // SAFETY: `sscratch` is the saved-register slot of the caller
    // (`k.current`, the thread that trapped), in the direct map; the
    // reference ends here, before anything else takes the slot.
    let regs = unsafe { &mut *(context as *mut [u32; CONTEXT_WORDS]) };
    for (r, w) in regs[reg::A0..reg::A0 + 8].iter_mut().zip(a) {
        *r = w as u32;
    }
}

/// What `trap_syscall` returns once syscall `t` made is done and left it `next`.
#[inline(always)]
fn after_syscall(k: &mut Kernel<hw::Hw>, t: crate::sched::ThreadRef, next: Next) -> u64 {
    let context = csr::sscratch();
    if next == Next::Goes || (next == Next::Look && k.current == Some(t) && k.halted.is_none()) {
        // The caller goes on, in its own address space.
        return (context | 1) as u64;
    }
    // Another thread runs: the caller's callee-saved registers go into its
    // slot first, unless its process is gone.
    let save = if next == Next::Waits || k.procs.anchors(t.pid).is_some() { context } else { 0 };
    ((save as u64) << 32) | run_next(k) as u64
}

/// What `trap_syscall` returns when the fast path handed the processor
/// from the caller, which waits now, to thread `next` (`k.current`): its
/// slot, once in its address space, and the caller's to save into.
#[inline(always)]
pub(super) fn handed_over(k: &mut Kernel<hw::Hw>, next: crate::sched::ThreadRef) -> u64 {
    let save = (csr::sscratch() as u64) << 32;
    // run_next, knowing the thread.
    if let (None, Some(anchors), true) = (k.halted, k.procs.anchors(next.pid), fast::in_first_page(next)) {
        return save | (hw::direct(anchors.contexts) + enter_first(anchors, next)) as u64;
    }
    save | run_next_slow(k) as u64
}

/// Called by `trap_entry` for GetThreadId and GetProcessId (`call`), which
/// answer from the caller alone; a function of their own, so that they keep
/// nothing on the stack and save and load only the registers this function
/// may change. Returns a0 and a1 of the answer (the rest are zeros).
extern "C" fn trap_identity(call: usize) -> u64 {
    // SAFETY: kmain initialised the state; the trap runs alone.
    let k = unsafe { kernel() };
    let Some(t) = k.current else { kernel_fault(ECALL_FROM_USER, 0) };
    let [a0, a1, ..] = syscall::identity(t, call).unwrap_or_default();
    ((a1 as u64) << 32) | a0 as u64
}

/// Called by `trap_entry` for an interrupt or a fault (scause `cause`),
/// with every register saved; returns the slot to load.
extern "C" fn trap_other(cause: usize) -> usize {
    // SAFETY: kmain initialised the state; the trap runs alone.
    other_trap(unsafe { kernel() }, cause)
}

/// An interrupt or a fault; returns the slot to load.
#[inline(never)]
fn other_trap(k: &mut Kernel<hw::Hw>, cause: usize) -> usize {
    let value = csr::stval();
    if csr::sstatus() & csr::SSTATUS_SPP != 0 {
        kernel_fault(cause, value);
    }
    let interrupt = cause & (1 << 31) != 0;
    let code = cause & 0x7fff_ffff;
    match (interrupt, code) {
        (true, 5 | 9) => interrupts(k, true),
        (true, _) => {}
        (false, ILLEGAL_INSTRUCTION) if machine::EMULATES_CSRS && emulate_csr_read(k) => {}
        (false, code) => {
            let t = k.current.expect("a user thread trapped");
            let pc = k.reg(t, reg::PC);
            match Fault::from_cause(code) {
                Some(fault) => k.fault(t, fault, pc, value),
                None => kernel_fault(cause, value),
            }
        }
    }
    run_next_slow(k)
}

/// scause of an `ecall` from user mode.
const ECALL_FROM_USER: usize = 8;
/// scause of an illegal instruction.
const ILLEGAL_INSTRUCTION: usize = 2;

/// A user thread's `csrr` of a counter the CPU lacks (the Baochip-1x's
/// `time`) trapped: if the board answers for it, the value goes into the
/// destination register and the thread goes on past the instruction, as if
/// the CPU had it. False if the instruction is anything else.
fn emulate_csr_read(k: &mut Kernel<hw::Hw>) -> bool {
    let Some(t) = k.current else { return false };
    let pc = k.reg(t, reg::PC);
    let mut word = [0; 4];
    if k.read_user(t.pid, pc, &mut word).is_err() {
        return false;
    }
    let Some((rd, csr)) = crate::arch::riscv::isa::counter_read(u32::from_le_bytes(word)) else { return false };
    let Some(value) = machine::emulated_csr(csr) else { return false };
    if rd != 0 {
        k.set_reg(t, rd, value as usize);
    }
    k.set_reg(t, reg::PC, pc + 4);
    true
}

/// Picks the next thread (waiting in `wfi` while there is none), switches to
/// its address space and returns its slot; powers off when the system ends.
/// The common case, a thread ready at once, is inline.
#[inline(always)]
fn run_next(k: &mut Kernel<hw::Hw>) -> usize {
    if k.halted.is_none() {
        // Kernel::next_thread, written out: calling it here (even
        // inline(always)) costs 4 instructions a round trip.
        if k.current.is_none() {
            k.current = k.queue.pop();
        }
        // Ids past 31 have their registers in a page found out of line:
        // run_next_slow's `enter`.
        if let Some(t) = k.current.filter(|t| (t.tid as usize) < CONTEXTS_PER_PAGE) {
            if let Some(anchors) = k.procs.anchors(t.pid) {
                return hw::direct(anchors.contexts) + enter_first(anchors, t);
            }
        }
    }
    run_next_slow(k)
}

/// Thread `t`'s address space, and the offset of its slot in the
/// process's first page of saved registers (so `t` is one of ids 0..=31).
#[inline(always)]
fn enter_first(anchors: crate::process::Anchors, t: crate::sched::ThreadRef) -> usize {
    csr::set_address_space(anchors.root, t.pid);
    t.tid as usize * CONTEXT_WORDS * 4
}

/// Thread `t`'s address space, and the slot to load for it: in the
/// process's first page of saved registers, or for ids from 32 in a page
/// taken later (threads.rs).
fn enter(k: &Kernel<hw::Hw>, anchors: crate::process::Anchors, t: crate::sched::ThreadRef) -> usize {
    let (page, word) = k.context_slot(t);
    csr::set_address_space(anchors.root, t.pid);
    hw::direct(page) + word * 4
}

#[inline(never)]
fn run_next_slow(k: &mut Kernel<hw::Hw>) -> usize {
    loop {
        if let Some(code) = k.halted {
            if let Some(t) = ending(k, code) {
                let anchors = k.procs.anchors(t.pid).expect("a draining thread's process lives");
                return enter(k, anchors, t);
            }
            continue;
        }
        if let Some(t) = k.next_thread() {
            let anchors = k.procs.anchors(t.pid).expect("a ready thread's process lives");
            return enter(k, anchors, t);
        }
        idle(k);
    }
}

/// The system is ending with `code`: the thread to run while the servers
/// drained before power-off catch up (None: an interrupt came, look
/// again), or power-off once they have, or at the deadline.
#[inline(never)]
fn ending(k: &mut Kernel<hw::Hw>, code: u32) -> Option<crate::sched::ThreadRef> {
    const LIMIT: u64 = board::TIMEBASE_HZ / 1000 * xous_abi::platform::DRAIN_LIMIT_MS;
    // Printed as a usize: a u64's Display would link 64-bit division into
    // the kernel (about 1.9 KB) for this one line.
    const LIMIT_MS: usize = xous_abi::platform::DRAIN_LIMIT_MS as usize;
    const _: () = assert!(LIMIT_MS as u64 == xous_abi::platform::DRAIN_LIMIT_MS);
    let deadline = *k.drain_deadline.get_or_insert_with(|| machine::now() + LIMIT);
    if machine::now() >= deadline {
        k.report(format_args!("kernel: a server to drain (the log) still had messages after {LIMIT_MS} ms; powering off"));
        shut_down(k, code);
    }
    match k.power_off_step() {
        PowerOff::Now => shut_down(k, code),
        PowerOff::Run(t) => Some(t),
        PowerOff::Wait => {
            wait_for_interrupts(k);
            None
        }
    }
}

/// Nothing to run: powers off if no process is left, else waits for an
/// interrupt and handles it.
#[inline(never)]
fn idle(k: &mut Kernel<hw::Hw>) {
    if k.procs.iter().next().is_none() {
        k.report(format_args!("kernel: no processes left"));
        shut_down(k, 0);
    }
    wait_for_interrupts(k);
}

/// Waits for the timer or a device, and handles what came.
fn wait_for_interrupts(k: &mut Kernel<hw::Hw>) {
    while !machine::interrupt_waiting() {
        csr::wait_for_interrupt();
    }
    interrupts(k, false);
}

/// The system ends with `code`, after the kernel's closing line.
#[inline(never)]
fn shut_down(k: &mut Kernel<hw::Hw>, code: u32) -> ! {
    k.report_peak_memory();
    machine::power_off(code)
}

/// Takes every pending interrupt: a device's goes to its owner's handler;
/// a tick of the preemption clock sends the running thread to the back of
/// the queue when `preempt` (not while the kernel idles).
fn interrupts(k: &mut Kernel<hw::Hw>, preempt: bool) {
    while let Some(source) = machine::next_interrupt() {
        match source {
            Source::Tick if preempt => k.preempt(),
            Source::Tick => {}
            Source::Device(irq) => k.interrupt(irq),
        }
    }
}

/// A trap in the kernel itself: a bug. Say what happened and stop.
fn kernel_fault(cause: usize, value: usize) -> ! {
    let mut epc: usize;
    // SAFETY: reading sepc has no side effects.
    unsafe { core::arch::asm!("csrr {0}, sepc", out(reg) epc) };
    crate::arch::riscv::panic::crash(format_args!(
        "kernel fault: scause {cause:#x} stval {value:#010x} sepc {epc:#010x}"
    ))
}
