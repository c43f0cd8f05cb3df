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

/// The 64-bit `time` counter.
pub fn time() -> u64 {
    loop {
        let (hi, lo, hi2): (u32, u32, u32);
        // SAFETY: reading the time counters has no side effects.
        unsafe { asm!("rdtimeh {0}", "rdtime {1}", "rdtimeh {2}", out(reg) hi, out(reg) lo, out(reg) hi2) };
        if hi == hi2 {
            return ((hi as u64) << 32) | lo as u64;
        }
    }
}

/// Sets the supervisor timer (Sstc `stimecmp`) to fire at `when`.
pub fn set_timer(when: u64) {
    // SAFETY: writing stimecmp only schedules the timer interrupt. The high
    // half is parked at its maximum first so no early interrupt can fire
    // between the two writes.
    unsafe {
        asm!(
            "li {t}, -1",
            "csrw 0x15d, {t}",
            "csrw 0x14d, {lo}",
            "csrw 0x15d, {hi}",
            t = out(reg) _,
            lo = in(reg) when as u32,
            hi = in(reg) (when >> 32) as u32,
        )
    };
}

/// Enables the timer and external interrupts (taken while a user thread runs).
pub fn enable_interrupts() {
    // SAFETY: the kernel runs with sstatus.SIE clear, so this only affects user mode.
    unsafe { asm!("csrs sie, {0}", in(reg) SIE_STIE | SIE_SEIE) };
}

/// Switches to the address space with root table `root_pa`, ASID `asid`,
/// unless it is the current one. No TLB flush: each address space has its
/// own ASID, and the kernel flushes an ASID before a PID is used again.
pub fn set_address_space(root_pa: usize, asid: u8) {
    let satp = (1 << 31) | ((asid as usize) << 22) | (root_pa >> 12);
    let current: usize;
    // SAFETY: reading satp has no side effects.
    unsafe { asm!("csrr {0}, satp", out(reg) current) };
    if current != satp {
        // SAFETY: every root table maps the kernel identically (the same
        // global entries), so the code and data in use stay mapped.
        unsafe { asm!("csrw satp, {0}", in(reg) satp) };
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
