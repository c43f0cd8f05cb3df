//! QEMU virt as the kernel drives it: the Sstc timer (`stimecmp`) against
//! the `time` CSR for preemption, a PLIC for device interrupts (this hart's
//! supervisor context), a 16550 UART for the console, the SiFive test device
//! for power-off, and a virtio-blk disk to swap to (`swap_disk`).

mod swap_disk;

pub use swap_disk::SwapDisk;

use super::Source;
use crate::arch::riscv::csr;
use crate::arch::riscv::hw::seen_at;
use core::arch::{asm, global_asm};

const UART: usize = seen_at(board::UART);
const TEST_DEVICE: usize = seen_at(board::TEST_DEVICE);
const PLIC_PRIORITY: usize = seen_at(board::plic::PRIORITY_PAGE);
const PLIC_ENABLE: usize = seen_at(board::plic::ENABLE_PAGE) + board::plic::ENABLE_OFFSET;
const PLIC_CONTEXT: usize = seen_at(board::plic::CONTEXT_PAGE);

/// Timer ticks per scheduling quantum (10 ms).
const QUANTUM: u64 = board::TIMEBASE_HZ / 100;

global_asm!(
    r#"
    .section .text.machine_setup, "ax"
    .global machine_setup
machine_setup:
    li      t0, -1                  # PMP entry 0: NAPOT over all memory, RWX
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0
    li      t0, -1                  # S and U may read cycle, time, instret
    csrw    mcounteren, t0
    li      t0, 0x80000000          # menvcfgh.STCE: S-mode owns stimecmp
    csrw    0x31a, t0
    ret
    "#
);

/// Entropy for swap's key from a device of the board: none here (QEMU's
/// comes in the device tree, boot.rs).
pub fn boot_entropy() -> Option<[u8; crate::swap::seal::KEY_BYTES]> {
    None
}

/// Starts the preemption clock, lets user mode read the counters (for
/// benchmarks and `Instant`) and opens the PLIC to every priority.
pub fn start() {
    // SAFETY: scounteren only decides which counters user mode may read.
    unsafe { asm!("csrw scounteren, {0}", in(reg) 0b111) };
    set_timer(now() + QUANTUM);
    // SAFETY: the PLIC context's threshold register, in the device window.
    unsafe { core::ptr::write_volatile((PLIC_CONTEXT + board::plic::THRESHOLD) as *mut u32, 0) };
}

/// The 64-bit `time` counter.
pub fn now() -> u64 {
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
fn set_timer(when: u64) {
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

/// The next pending interrupt: the timer (set again a quantum on), else
/// the highest-priority device, claimed at the PLIC.
pub fn next_interrupt() -> Option<Source> {
    if csr::pending_interrupts() & csr::SIE_STIE != 0 {
        set_timer(now() + QUANTUM);
        return Some(Source::Tick);
    }
    // SAFETY: reading the claim register of context 1 claims one interrupt.
    let irq = unsafe { core::ptr::read_volatile((PLIC_CONTEXT + board::plic::CLAIM) as *const u32) };
    (irq != 0).then_some(Source::Device(irq as usize))
}

/// Whether the timer or a device waits.
pub fn interrupt_waiting() -> bool {
    csr::pending_interrupts() & (csr::SIE_STIE | csr::SIE_SEIE) != 0
}

pub fn irq_exists(irq: usize) -> bool {
    (1..board::IRQ_COUNT).contains(&irq)
}

pub fn enable_irq(irq: usize, on: bool) {
    let enable = (PLIC_ENABLE + (irq / 32) * 4) as *mut u32;
    let priority = (PLIC_PRIORITY + irq * 4) as *mut u32;
    // SAFETY: the PLIC's pages are mapped in the device window; `irq` is
    // below IRQ_COUNT, so both registers are inside them.
    unsafe {
        core::ptr::write_volatile(priority, on as u32);
        let bits = core::ptr::read_volatile(enable);
        let bit = 1 << (irq % 32);
        core::ptr::write_volatile(enable, if on { bits | bit } else { bits & !bit });
    }
}

pub fn complete_irq(irq: usize) {
    // SAFETY: the claim/complete register of context 1, in the device window.
    unsafe { core::ptr::write_volatile((PLIC_CONTEXT + board::plic::CLAIM) as *mut u32, irq as u32) };
}

/// QEMU boots no models: the image's flags change nothing here.
pub fn image_flags(_flags: u32) {}

/// xous-run reads the console, framed.
pub fn framed_console() -> bool {
    true
}

/// Address spaces are told apart by ASID in the TLB: nothing to do.
#[inline(always)]
pub fn after_satp_write() {}

/// No non-volatile memory to write.
pub const WRITES_ROM: bool = false;
/// Whether the CPU surely has the AES instructions (Zkne): on QEMU it has
/// them when `-cpu` says so, which the device tree tells (boot.rs).
pub const HAS_AES32: bool = false;

pub fn write_rom_row(_va: usize, _row: &[u8; xous_abi::platform::ROM_ROW]) {}

/// Every counter CSR is there: nothing to emulate (the trap path leaves
/// the question out altogether).
pub const EMULATES_CSRS: bool = false;

pub fn emulated_csr(_csr: u16) -> Option<u32> {
    None
}

/// One byte-wide register of the UART.
struct UartReg(usize);

fn uart_reg(offset: usize) -> UartReg {
    UartReg(UART + offset)
}

impl UartReg {
    fn read(&self) -> u8 {
        // SAFETY: the UART's registers are mapped at UART (device window);
        // `offset` is one the board names, a byte-wide register.
        unsafe { core::ptr::read_volatile(self.0 as *const u8) }
    }

    fn write(&self, value: u8) {
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile(self.0 as *mut u8, value) }
    }
}

fn uart_received() -> bool {
    uart_reg(board::uart::STATUS).read() & board::uart::RX_READY != 0
}

/// Sets up the console's receive side: its FIFO on (which empties it), its
/// interrupt off until a reader asks.
pub fn console_input_start() {
    uart_reg(board::uart::INTERRUPT_ENABLE).write(0);
    uart_reg(board::uart::FIFO_CONTROL).write(board::uart::FIFO_ON);
}

pub fn console_input(out: &mut [u8]) -> (usize, bool) {
    let mut n = 0;
    while n < out.len() && uart_received() {
        out[n] = uart_reg(board::uart::RX).read();
        n += 1;
    }
    (n, uart_received())
}

pub fn console_input_interrupt(on: bool) {
    let bits = if on { board::uart::RX_INTERRUPT } else { 0 };
    uart_reg(board::uart::INTERRUPT_ENABLE).write(bits);
}

pub fn console_write(bytes: &[u8]) {
    use board::uart::{STATUS, TX, TX_READY};
    for &byte in bytes {
        while uart_reg(STATUS).read() & TX_READY == 0 {}
        uart_reg(TX).write(byte);
    }
}

/// Ends the machine with `code` (QEMU exits with it).
pub fn power_off(code: u32) -> ! {
    // SAFETY: the test device is mapped at TEST_DEVICE; this write ends the machine.
    unsafe { core::ptr::write_volatile(TEST_DEVICE as *mut u32, board::power_off_word(code)) };
    loop {
        csr::wait_for_interrupt();
    }
}
