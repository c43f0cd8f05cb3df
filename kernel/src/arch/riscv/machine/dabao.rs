//! The Baochip-1x on the dabao board as the kernel drives it: timer0 for
//! preemption, the ticktimer for time (the CPU has no `time` CSR: user
//! mode's `rdtime` traps and is answered from it), the chip's interrupt
//! CSRs for device interrupts (no PLIC: a line is "claimed" by masking it
//! until its handler is done), UART2 through the UDMA for the console, and
//! in the model of the chip only (the boot image's MODEL flag), its exit
//! device for power-off and a console framed for xous-run.
//!
//! The baosec board (feature `baosec`) is this chip with a PSRAM to swap
//! to (`dabao/psram.rs`); swap's key comes from the TRNG
//! (`dabao/trng_key.rs`), read at boot only when there is a swap device.
//!
//! Board facts are in the `board` crate (board/src/dabao.rs, baosec.rs);
//! which of them are checked on silicon, and which only on the model,
//! docs/bao1x.md.

use super::Source;
use crate::arch::riscv::hw::seen_at;
use board::{ticktimer, timer0, uart2};
use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const UART2: usize = seen_at(uart2::BASE);
const CONSOLE_BUFFER: usize = seen_at(board::CONSOLE_BUFFER);
const TICKTIMER: usize = seen_at(ticktimer::BASE);
const TIMER0: usize = seen_at(timer0::BASE);
const UART_EVENTS: usize = seen_at(board::irqarray::page(uart2::BANK));
const RRAM_CONTROLLER: usize = seen_at(board::rram_controller::BASE);
const EXIT_DEVICE: usize = seen_at(board::EXIT_DEVICE);

/// The swap device: the baosec board's PSRAM (`psram.rs`); none on the
/// dabao board.
#[cfg(feature = "baosec")]
mod psram;
#[cfg(feature = "baosec")]
pub use psram::SwapDisk;
#[cfg(not(feature = "baosec"))]
pub use no_swap::SwapDisk;

mod trng_key;
pub use trng_key::boot_entropy;

#[cfg(not(feature = "baosec"))]
mod no_swap {
    /// The dabao board has no external memory: the kernel does not swap.
    pub struct SwapDisk;

    impl SwapDisk {
        pub const fn none() -> SwapDisk {
            SwapDisk
        }

        pub fn find() -> SwapDisk {
            SwapDisk
        }

        pub fn holds(&self, _pa: usize) -> bool {
            false
        }

        pub fn slots(&self) -> usize {
            0
        }
        /// No program store on this board.
        pub fn store_pages(&self) -> usize {
            0
        }

        pub fn store_read(&mut self, _page: usize, _va: usize) -> bool {
            false
        }

        pub fn write(&mut self, _slot: usize, _pa: usize, _va: usize, _tag: &[u8; 16]) -> bool {
            false
        }

        pub fn read(&mut self, _slot: usize, _pa: usize, _va: usize, _tag: &mut [u8; 16]) -> bool {
            false
        }
    }
}

/// CPU clocks per scheduling quantum (10 ms).
const QUANTUM: u32 = (board::CPU_HZ / 100) as u32;

/// Whether the boot image says it runs on the model of the chip (its MODEL
/// flag): set once at boot, before anything is printed.
static ON_MODEL: AtomicBool = AtomicBool::new(false);

/// The boot image's flags (boot_image::layout::flags).
pub fn image_flags(flags: u32) {
    ON_MODEL.store(flags & boot_image::layout::flags::MODEL != 0, Ordering::Relaxed);
}

/// On the model, xous-run reads the console, framed; on silicon a person
/// does, at a serial terminal: plain text, every channel mixed.
pub fn framed_console() -> bool {
    ON_MODEL.load(Ordering::Relaxed)
}

/// The lines processes have enabled. A line in service (claimed, not yet
/// completed) is masked in `sim` while its bit stays set here.
static ENABLED: AtomicU32 = AtomicU32::new(0);

// Boot1 hands over in M-mode with every trap delegated and nothing more to
// set: the chip has no PMP, counter-enable or Sstc CSRs to open (writing
// one would trap).
global_asm!(
    r#"
    .section .text.machine_setup, "ax"
    .global machine_setup
machine_setup:
    ret
    "#
);

fn read(address: usize) -> u32 {
    // SAFETY: every address this module reads is a register in one of the
    // kernel's device pages (the constants above), mapped in the window.
    unsafe { core::ptr::read_volatile(address as *const u32) }
}

fn write(address: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { core::ptr::write_volatile(address as *mut u32, value) }
}

/// The supervisor's interrupt mask, `sim`.
fn set_mask(mask: u32) {
    // SAFETY: `sim` only decides which lines interrupt S-mode.
    unsafe { asm!("csrw 0x9C0, {0}", in(reg) mask) };
}

fn mask() -> u32 {
    let mask: u32;
    // SAFETY: reading `sim` has no side effects.
    unsafe { asm!("csrr {0}, 0x9C0", out(reg) mask) };
    mask
}

/// The pending lines (mask & lines).
fn pending() -> u32 {
    let lines: u32;
    // SAFETY: reading the pending CSR has no side effects.
    unsafe { asm!("csrr {0}, 0xDC0", out(reg) lines) };
    lines
}

/// Sets the ticktimer counting microseconds, and timer0 interrupting once
/// a quantum.
pub fn start() {
    write(TICKTIMER + ticktimer::CLOCKS_PER_TICK, ticktimer::CLOCKS);
    write(TIMER0 + timer0::EN, 0);
    write(TIMER0 + timer0::LOAD, QUANTUM);
    write(TIMER0 + timer0::RELOAD, QUANTUM);
    write(TIMER0 + timer0::EV_PENDING, 1);
    write(TIMER0 + timer0::EV_ENABLE, 1);
    write(TIMER0 + timer0::EN, 1);
    set_mask(1 << timer0::LINE);
}

/// The ticktimer's count, read high, low, high until the high half holds.
pub fn now() -> u64 {
    loop {
        let high = read(TICKTIMER + ticktimer::TIME1);
        let low = read(TICKTIMER + ticktimer::TIME0);
        if read(TICKTIMER + ticktimer::TIME1) == high {
            return ((high as u64) << 32) | low as u64;
        }
    }
}

/// The next pending line: timer0 (its event cleared), else the lowest
/// device line, masked until `complete_irq`.
pub fn next_interrupt() -> Option<Source> {
    let lines = pending();
    if lines & (1 << timer0::LINE) != 0 {
        write(TIMER0 + timer0::EV_PENDING, 1);
        return Some(Source::Tick);
    }
    if lines == 0 {
        return None;
    }
    let irq = lines.trailing_zeros() as usize;
    set_mask(mask() & !(1 << irq));
    Some(Source::Device(irq))
}

pub fn interrupt_waiting() -> bool {
    pending() != 0
}

/// Every line but timer0's, which is the kernel's.
pub fn irq_exists(irq: usize) -> bool {
    irq < board::IRQ_COUNT && irq != timer0::LINE
}

pub fn enable_irq(irq: usize, on: bool) {
    let bit = 1 << irq;
    if on {
        ENABLED.fetch_or(bit, Ordering::Relaxed);
        set_mask(mask() | bit);
    } else {
        ENABLED.fetch_and(!bit, Ordering::Relaxed);
        set_mask(mask() & !bit);
    }
}

/// The line's handler is done: unmasked again, if still enabled.
pub fn complete_irq(irq: usize) {
    let bit = 1 << irq;
    if ENABLED.load(Ordering::Relaxed) & bit != 0 {
        set_mask(mask() | bit);
    }
}

/// The TLB does not tell address spaces apart: empty it on every switch.
#[inline(always)]
pub fn after_satp_write() {
    // SAFETY: sfence.vma only drops cached translations.
    unsafe { asm!("sfence.vma") };
}

/// RRAM is written through its controller, which is the kernel's.
pub const WRITES_ROM: bool = true;
/// The Baochip-1x's VexRiscv has the AES instructions (Zkne), which the
/// model implements too.
pub const HAS_AES32: bool = true;

/// Writes one row of RRAM, seen at `va` (kernel-virtual, the row's own
/// address through the frame window): its eight words stored (the
/// controller stages them), then in write mode the load and commit
/// commands stored to its first word, then normal mode again; the data
/// cache flushed after the data and after the commit, so neither a cached
/// command word nor a word held back stays between the CPU and the array
/// (*unverified* on silicon: the model has no caches).
pub fn write_rom_row(va: usize, row: &[u8; xous_abi::platform::ROM_ROW]) {
    use board::rram_controller::{COMMIT, LOAD_BUFFER, NORMAL_MODE, RRCCR, WRITE_MODE};
    for (i, word) in row.chunks(4).enumerate() {
        let value = u32::from_le_bytes(word.try_into().expect("4 bytes"));
        // SAFETY: `va` is the row, mapped read-write in the frame window by
        // the caller; the stores are staged by the controller.
        unsafe { core::ptr::write_volatile((va + i * 4) as *mut u32, value) };
    }
    flush_data_cache();
    write(RRAM_CONTROLLER + RRCCR, WRITE_MODE);
    // SAFETY: as above: the commands go to the row's first word.
    unsafe {
        core::ptr::write_volatile(va as *mut u32, LOAD_BUFFER);
        core::ptr::write_volatile(va as *mut u32, COMMIT);
    }
    write(RRAM_CONTROLLER + RRCCR, NORMAL_MODE);
    flush_data_cache();
}

/// The chip's data-cache flush, a custom instruction (a no-op on the model).
fn flush_data_cache() {
    // SAFETY: it only writes back and drops cache lines.
    unsafe { asm!(".word 0x500F") };
}

/// The CPU lacks `time` and `timeh`: user mode's reads of them trap.
pub const EMULATES_CSRS: bool = true;

/// `time` and `timeh`, which the CPU lacks, from the ticktimer.
pub fn emulated_csr(csr: u16) -> Option<u32> {
    match csr {
        0xC01 => Some(now() as u32),
        0xC81 => Some((now() >> 32) as u32),
        _ => None,
    }
}

/// Nothing to set up: boot1 configured UART2 (clock, pins, baud rate).
pub fn console_input_start() {}

pub fn console_input(out: &mut [u8]) -> (usize, bool) {
    let waiting = || read(UART2 + uart2::VALID) & 1 != 0;
    let mut n = 0;
    while n < out.len() && waiting() {
        out[n] = read(UART2 + uart2::DATA) as u8;
        n += 1;
    }
    (n, waiting())
}

/// The receive event latches in EV_PENDING: it is cleared before the
/// event is enabled, so a byte taken since does not interrupt; a byte that
/// waits when it is enabled (one may have come between the reader's last
/// look and the clear, its event cleared with the old one) raises the
/// event again by software, so it is not left until the next byte.
pub fn console_input_interrupt(on: bool) {
    let enabled = read(UART_EVENTS + board::irqarray::EV_ENABLE);
    if on {
        write(UART_EVENTS + board::irqarray::EV_PENDING, uart2::RX_EVENT);
    }
    let bits = if on { enabled | uart2::RX_EVENT } else { enabled & !uart2::RX_EVENT };
    write(UART_EVENTS + board::irqarray::EV_ENABLE, bits);
    if on && read(UART2 + uart2::VALID) & 1 != 0 {
        write(UART_EVENTS + board::irqarray::EV_SOFT, uart2::RX_EVENT);
    }
}

/// Sends `bytes` on UART2: copied into the IFRAM page, one DMA transfer a
/// page, each waited for.
pub fn console_write(bytes: &[u8]) {
    for chunk in bytes.chunks(4096) {
        for (i, &byte) in chunk.iter().enumerate() {
            // SAFETY: CONSOLE_BUFFER is the kernel's IFRAM page, mapped in
            // the window; `i` < 4096 stays inside it.
            unsafe { core::ptr::write_volatile((CONSOLE_BUFFER + i) as *mut u8, byte) };
        }
        write(UART2 + uart2::TX_SADDR, board::CONSOLE_BUFFER as u32);
        write(UART2 + uart2::TX_SIZE, chunk.len() as u32);
        write(UART2 + uart2::TX_CFG, uart2::CFG_EN);
        while read(UART2 + uart2::TX_SIZE) != 0 {}
    }
}

/// Ends the run with `code`: in the model, through its exit device; on
/// silicon there is none (nothing is written there), so the CPU sleeps
/// for good.
pub fn power_off(code: u32) -> ! {
    if ON_MODEL.load(Ordering::Relaxed) {
        write(EXIT_DEVICE, code);
    }
    loop {
        crate::arch::riscv::csr::wait_for_interrupt();
    }
}
