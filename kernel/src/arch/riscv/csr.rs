//! Control and status registers the kernel uses, each behind a tiny function.

use core::arch::asm;

pub const SSTATUS_SPP: usize = 1 << 8;
pub const SIE_STIE: usize = 1 << 5;
pub const SIE_SEIE: usize = 1 << 9;

macro_rules! read_csr {
    ($name:ident, $csr:literal) => {
        #[inline(always)]
        pub fn $name() -> usize {
            let value: usize;
            // SAFETY: reading this CSR has no side effects.
            unsafe { asm!(concat!("csrr {0}, ", $csr), out(reg) value) };
            value
        }
    };
}

read_csr!(scause, "scause");
read_csr!(stval, "stval");
read_csr!(sstatus, "sstatus");
// In the kernel: the saved-register slot of the thread that trapped (trap.rs).
read_csr!(sscratch, "sscratch");

/// Enables the timer and external interrupts (taken while a user thread runs).
pub fn enable_interrupts() {
    // SAFETY: the kernel runs with sstatus.SIE clear, so this only affects user mode.
    unsafe { asm!("csrs sie, {0}", in(reg) SIE_STIE | SIE_SEIE) };
}

/// The current satp: mode, ASID, root table.
pub fn satp() -> usize {
    let value: usize;
    // SAFETY: reading satp has no side effects.
    unsafe { asm!("csrr {0}, satp", out(reg) value) };
    value
}

/// Switches to the address space with root table `root_pa`, ASID `asid`,
/// unless it is the current one. No TLB flush where the TLB tells ASIDs
/// apart (each address space has its own, and the kernel flushes an ASID
/// before a PID is used again); the board's `after_satp_write` flushes
/// where it does not.
pub fn set_address_space(root_pa: usize, asid: u8) {
    let satp = (1 << 31) | ((asid as usize) << 22) | (root_pa >> 12);
    let current: usize;
    // SAFETY: reading satp has no side effects.
    unsafe { asm!("csrr {0}, satp", out(reg) current) };
    if current != satp {
        // SAFETY: every root table maps the kernel identically (the same
        // global entries), so the code and data in use stay mapped.
        unsafe { asm!("csrw satp, {0}", in(reg) satp) };
        super::machine::after_satp_write();
    }
}

/// Forgets cached translations: of one page, or of a whole address space.
pub fn flush_tlb(asid: u8, va: Option<usize>) {
    // SAFETY: sfence.vma only drops cached translations.
    unsafe {
        match va {
            Some(va) => asm!("sfence.vma {0}, {1}", in(reg) va, in(reg) asid as usize),
            None => asm!("sfence.vma zero, {0}", in(reg) asid as usize),
        }
    }
}

/// Forgets cached translations of page `va` in every address space, global
/// entries included (the kernel half's).
pub fn flush_global_page(va: usize) {
    // SAFETY: sfence.vma only drops cached translations.
    unsafe { asm!("sfence.vma {0}, zero", in(reg) va) };
}

/// Forgets every cached translation, global ones included.
pub fn flush_all() {
    // SAFETY: sfence.vma only drops cached translations.
    unsafe { asm!("sfence.vma") };
}

/// Sleeps until an interrupt is pending (interrupts stay disabled in the
/// kernel; `wfi` wakes on a pending one all the same).
pub fn wait_for_interrupt() {
    // SAFETY: wfi has no effect besides waiting.
    unsafe { asm!("wfi") };
}

/// The pending supervisor interrupts (bits as in `sie`).
pub fn pending_interrupts() -> usize {
    let sip: usize;
    // SAFETY: reading sip has no side effects.
    unsafe { asm!("csrr {0}, sip", out(reg) sip) };
    sip
}
