//! Entering and leaving the kernel.
//!
//! While a user thread runs, `sscratch` holds the kernel-virtual address of
//! its saved-register slot (pc, then x1..x31). `trap_entry` saves the user
//! registers there, switches to the kernel stack and calls `trap`, which
//! returns the slot of the thread to run next; `resume` loads it and `sret`s.

use super::boot::{kernel, KERNEL_STACK, KERNEL_STACK_SIZE};
use super::csr;
use super::hw;
use crate::kernel::{Fault, Kernel};
use crate::syscall;
use core::arch::global_asm;

global_asm!(
    r#"
    .section .text.trap, "ax"
    .balign 4
    .global trap_entry
trap_entry:
    csrrw   t6, sscratch, t6
    sw      x1, 4(t6)
    sw      x2, 8(t6)
    sw      x3, 12(t6)
    sw      x4, 16(t6)
    sw      x5, 20(t6)
    sw      x6, 24(t6)
    sw      x7, 28(t6)
    sw      x8, 32(t6)
    sw      x9, 36(t6)
    sw      x10, 40(t6)
    sw      x11, 44(t6)
    sw      x12, 48(t6)
    sw      x13, 52(t6)
    sw      x14, 56(t6)
    sw      x15, 60(t6)
    sw      x16, 64(t6)
    sw      x17, 68(t6)
    sw      x18, 72(t6)
    sw      x19, 76(t6)
    sw      x20, 80(t6)
    sw      x21, 84(t6)
    sw      x22, 88(t6)
    sw      x23, 92(t6)
    sw      x24, 96(t6)
    sw      x25, 100(t6)
    sw      x26, 104(t6)
    sw      x27, 108(t6)
    sw      x28, 112(t6)
    sw      x29, 116(t6)
    sw      x30, 120(t6)
    csrr    t5, sscratch
    sw      t5, 124(t6)
    csrr    t5, sepc
    sw      t5, 0(t6)
    la      sp, {stack} + {stack_size}
    call    {trap}

    .global resume
resume:
    lw      t5, 0(a0)
    csrw    sepc, t5
    mv      t6, a0
    csrw    sscratch, t6
    lw      x1, 4(t6)
    lw      x2, 8(t6)
    lw      x3, 12(t6)
    lw      x4, 16(t6)
    lw      x5, 20(t6)
    lw      x6, 24(t6)
    lw      x7, 28(t6)
    lw      x8, 32(t6)
    lw      x9, 36(t6)
    lw      x10, 40(t6)
    lw      x11, 44(t6)
    lw      x12, 48(t6)
    lw      x13, 52(t6)
    lw      x14, 56(t6)
    lw      x15, 60(t6)
    lw      x16, 64(t6)
    lw      x17, 68(t6)
    lw      x18, 72(t6)
    lw      x19, 76(t6)
    lw      x20, 80(t6)
    lw      x21, 84(t6)
    lw      x22, 88(t6)
    lw      x23, 92(t6)
    lw      x24, 96(t6)
    lw      x25, 100(t6)
    lw      x26, 104(t6)
    lw      x27, 108(t6)
    lw      x28, 112(t6)
    lw      x29, 116(t6)
    lw      x30, 120(t6)
    lw      x31, 124(t6)
    sret
    "#,
    stack = sym KERNEL_STACK,
    stack_size = const KERNEL_STACK_SIZE,
    trap = sym trap,
);

extern "C" {
    fn trap_entry();
    fn resume(context: usize) -> !;
}

/// Timer ticks per scheduling quantum (10 ms).
const QUANTUM: u64 = board::TIMEBASE_HZ / 100;

/// Installs the trap vector, starts the timer and runs the first thread.
pub fn start() -> ! {
    // SAFETY: trap_entry is the vector above; sstatus.SPP = 0 so that `sret`
    // enters user mode, SPIE = 0 so the kernel keeps interrupts off.
    unsafe {
        core::arch::asm!("csrw stvec, {0}", in(reg) trap_entry as *const () as usize);
        // User mode may read cycle, time and instret (benchmarks, Instant).
        core::arch::asm!("csrw scounteren, {0}", in(reg) 0b111);
        core::arch::asm!("csrc sstatus, {0}", in(reg) csr::SSTATUS_SPP | (1 << 5));
    }
    csr::set_timer(csr::time() + QUANTUM);
    // SAFETY: context 1's threshold register: let every priority through.
    unsafe { core::ptr::write_volatile(hw::PLIC_CONTEXT_VIRT as *mut u32, 0) };
    csr::enable_interrupts();
    // SAFETY: kmain initialised the state; this is the only reference.
    let k = unsafe { kernel() };
    let context = run_next(k);
    // SAFETY: `context` is the saved-register slot of a live thread.
    unsafe { resume(context) }
}

/// Called by `trap_entry` with the slot of the thread that trapped.
extern "C" fn trap(_context: usize) -> usize {
    let (cause, value) = (csr::scause(), csr::stval());
    if csr::sstatus() & csr::SSTATUS_SPP != 0 {
        kernel_fault(cause, value);
    }
    // SAFETY: kmain initialised the state; the trap runs alone.
    let k = unsafe { kernel() };
    let interrupt = cause & (1 << 31) != 0;
    let code = cause & 0x7fff_ffff;
    match (interrupt, code) {
        (true, 5) => {
            csr::set_timer(csr::time() + QUANTUM);
            k.preempt();
        }
        (true, 9) => external_interrupts(k),
        (true, _) => {}
        (false, 8) => {
            let t = k.current.expect("a user thread trapped");
            syscall::handle(k, t);
        }
        (false, code) => {
            let t = k.current.expect("a user thread trapped");
            let pc = k.reg(t, crate::kernel::reg::PC);
            match Fault::from_cause(code) {
                Some(fault) => k.fault(t, fault, pc, value),
                None => kernel_fault(cause, value),
            }
        }
    }
    run_next(k)
}

/// Picks the next thread (waiting in `wfi` while there is none), switches to
/// its address space and returns its slot; powers off when the system ends.
fn run_next(k: &mut Kernel<hw::Hw>) -> usize {
    loop {
        if let Some(code) = k.halted {
            k.report_peak_memory();
            hw::power_off(code);
        }
        if let Some(t) = k.next_thread() {
            let root = k.procs.get(t.pid).expect("live").space.root;
            csr::set_address_space(root, t.pid);
            return hw::direct(k.context_address(t));
        }
        if k.procs.iter().next().is_none() {
            k.report(format_args!("kernel: no processes left"));
            k.report_peak_memory();
            hw::power_off(0);
        }
        let mut pending = csr::pending_interrupts();
        while pending & (csr::SIE_STIE | csr::SIE_SEIE) == 0 {
            csr::wait_for_interrupt();
            pending = csr::pending_interrupts();
        }
        if pending & csr::SIE_STIE != 0 {
            csr::set_timer(csr::time() + QUANTUM);
        }
        if pending & csr::SIE_SEIE != 0 {
            external_interrupts(k);
        }
    }
}

/// Hands every pending device interrupt to its owner's handler.
fn external_interrupts(k: &mut Kernel<hw::Hw>) {
    while let Some(irq) = hw::claim_irq() {
        k.interrupt(irq);
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
