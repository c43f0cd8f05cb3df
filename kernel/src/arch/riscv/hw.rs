//! The kernel's view of the machine: physical memory, the UART console, the
//! interrupt controller, the power-off device, with the addresses and
//! register offsets the board gives. Implements the traits the portable
//! kernel is written against.
//!
//! Virtual layout of the kernel half (the same in every address space, and
//! only accessible in S-mode):
//! - 0xff00_0000: one second-level table, the window table: the board's
//!   kernel devices (UART, test device, PLIC) from its start, and at 0xff20_0000
//!   the frame window, one page that shows any frame of RAM on demand;
//! - 0xff40_0000..: the direct map, megapages over the first 12 MiB of RAM
//!   (less if the machine has less); the kernel runs in its first 4 MiB,
//!   where the boot image put it.
//! User space ends at 0xff00_0000, so all of it is out of reach.
//!
//! Why not map all of RAM: the kernel half is 16 MiB (the ABI gives user
//! space everything below 0xff00_0000) and machines have more RAM than that
//! (`xous-run --memory`, 32 MiB by default, hundreds for the std tests).
//! So the frames the kernel uses all the time, its image, page tables and
//! saved registers, come from the directly mapped low RAM (the frame pool
//! "low", mem/frames.rs), and any other frame is reached through the window
//! in the rare moments the kernel must touch its contents: zeroing a fresh
//! user page, the loader's copies, reading a buffer for the console. The
//! window is remapped only when the frame it shows changes. This also suits
//! the Baochip-1x, whose 2 MiB of SRAM the direct map covers whole.

use super::csr;
use crate::kernel::Platform;
use crate::mem::pte::{self, ENTRIES};
use crate::mem::space::PhysMem;
use crate::mem::window::{Reach, Window};
use crate::mem::PAGE_SIZE;
use board::RAM_BASE;
use xous_abi::console::{self, Channel};

/// Where the window table's pages appear: the board's kernel devices
/// first, in its order (`seen_at`).
pub const DEVICE_WINDOW: usize = 0xff00_0000;
const UART: usize = seen_at(board::UART);
const TEST_DEVICE: usize = seen_at(board::TEST_DEVICE);
const PLIC_PRIORITY: usize = seen_at(board::plic::PRIORITY_PAGE);
const PLIC_ENABLE: usize = seen_at(board::plic::ENABLE_PAGE) + board::plic::ENABLE_OFFSET;
pub const PLIC_CONTEXT: usize = seen_at(board::plic::CONTEXT_PAGE);

/// Where device page `pa`, one of the board's KERNEL_DEVICES, appears.
const fn seen_at(pa: usize) -> usize {
    let mut i = 0;
    while board::KERNEL_DEVICES[i] != pa {
        i += 1;
    }
    DEVICE_WINDOW + i * PAGE_SIZE
}
/// Where a frame outside the direct map appears while the kernel works on it.
pub const FRAME_WINDOW: usize = 0xff20_0000;

/// Where the direct map of RAM starts, and the most it can cover.
pub const DIRECT_MAP: usize = 0xff40_0000;
pub const DIRECT_MAP_MAX: usize = 0usize.wrapping_sub(DIRECT_MAP);
// The boot image is read through the direct map: the ABI's limit on it
// (which the image writer and parser hold images to) must fit.
const _: () = assert!(xous_abi::memory::BOOT_IMAGE_MAX <= DIRECT_MAP_MAX);
/// The megapage of the direct map the kernel runs in.
pub const MEGAPAGE: usize = 0x40_0000;

#[repr(C, align(4096))]
pub struct Table(pub [u32; ENTRIES]);

/// The window table (device pages and the frame window).
static mut WINDOW_TABLE: Table = Table([0; ENTRIES]);

/// The kernel-virtual address of `pa`, which must be in the direct map
/// (the kernel's image, and frames of the low pool: tables, saved registers).
#[inline(always)]
pub fn direct(pa: usize) -> usize {
    pa - RAM_BASE + DIRECT_MAP
}

/// The physical address of a kernel-virtual address in the direct map.
pub fn virt_to_phys(va: usize) -> usize {
    va - DIRECT_MAP + RAM_BASE
}

/// Fills the window table's device entries; returns the table's physical address.
pub fn window_table() -> usize {
    // SAFETY: boot runs alone, before anything reads the table.
    let table = unsafe { &mut *core::ptr::addr_of_mut!(WINDOW_TABLE) };
    for (i, page) in board::KERNEL_DEVICES.iter().enumerate() {
        table.0[i] = pte::entry(*page, pte::V | pte::G | pte::A | pte::D | pte::R | pte::W);
    }
    virt_to_phys(table as *const Table as usize)
}

/// The kernel's handle on the machine: what the direct map covers and
/// what the window shows, and the generator behind `entropy`.
pub struct Hw {
    pub seed: u32,
    window: Window,
}

impl Hw {
    pub const fn new() -> Hw {
        Hw { seed: 0, window: Window::new() }
    }

    /// The direct map covers the first `bytes` of RAM.
    pub fn set_direct(&mut self, bytes: usize) {
        self.window.set_direct(RAM_BASE, bytes);
    }

    /// Bytes of RAM the direct map covers.
    pub fn direct(&self) -> usize {
        self.window.direct()
    }

    /// Where the kernel can reach frame `pa` now: in the direct map, or
    /// through the window, which then shows it.
    #[inline(always)]
    fn reach(&mut self, pa: usize) -> usize {
        match self.window.reach(pa) {
            Reach::Direct(offset) => DIRECT_MAP + offset,
            Reach::Shown => FRAME_WINDOW,
            Reach::Remap => {
                show(pa);
                FRAME_WINDOW
            }
        }
    }
}

/// Maps frame `pa` at FRAME_WINDOW.
fn show(pa: usize) {
    let entry = pte::entry(pa, pte::V | pte::G | pte::A | pte::D | pte::R | pte::W);
    // SAFETY: only this function writes the window's entry, with the kernel
    // running alone; every reference into the window is tied to a `&mut Hw`
    // borrow (see `table`), so none is alive while the entry changes.
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(WINDOW_TABLE.0[pte::vpn0(FRAME_WINDOW)]), entry) };
    csr::flush_global_page(FRAME_WINDOW);
}

impl PhysMem for Hw {
    #[inline(always)]
    fn table(&mut self, pa: usize) -> &mut [u32; ENTRIES] {
        let va = self.reach(pa);
        // SAFETY: `reach` made frame `pa` readable and writable at `va` (the
        // direct map, or the window). The kernel is single-threaded; the
        // window shows `pa` until `reach` is called again, which needs
        // `&mut self`, so not while the returned reference lives.
        unsafe { &mut *(va as *mut [u32; ENTRIES]) }
    }

    #[inline(always)]
    fn low_table(&mut self, pa: usize) -> &mut [u32; ENTRIES] {
        // SAFETY: frames of the low pool are in the direct map (mem/frames.rs),
        // which is always mapped; the same exclusivity as `table`.
        unsafe { &mut *(direct(pa) as *mut [u32; ENTRIES]) }
    }

    fn write(&mut self, pa: usize, offset: usize, bytes: &[u8]) {
        assert!(offset + bytes.len() <= PAGE_SIZE);
        let va = self.reach(pa);
        // SAFETY: as in `table`; the range stays inside the one frame.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), (va + offset) as *mut u8, bytes.len()) };
    }

    fn read(&mut self, pa: usize, offset: usize, out: &mut [u8]) {
        assert!(offset + out.len() <= PAGE_SIZE);
        let va = self.reach(pa);
        // SAFETY: as in `table`; the range stays inside the one frame.
        unsafe { core::ptr::copy_nonoverlapping((va + offset) as *const u8, out.as_mut_ptr(), out.len()) };
    }
}

impl Platform for Hw {
    fn console(&mut self, channel: Channel, bytes: &[u8]) {
        for chunk in bytes.chunks(console::MAX_PAYLOAD) {
            for b in console::header(channel, chunk.len()).iter().chain(chunk) {
                uart_put(*b);
            }
        }
    }

    fn flush_tlb(&mut self, asid: u8, va: Option<usize>) {
        super::csr::flush_tlb(asid, va);
    }

    fn irq_exists(&self, irq: usize) -> bool {
        (1..board::IRQ_COUNT).contains(&irq)
    }

    fn enable_irq(&mut self, irq: usize, on: bool) {
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

    fn complete_irq(&mut self, irq: usize) {
        // SAFETY: the claim/complete register of context 1, in the device window.
        unsafe { core::ptr::write_volatile((PLIC_CONTEXT + board::plic::CLAIM) as *mut u32, irq as u32) };
    }

    fn is_user_device(&self, pa: usize) -> bool {
        board::is_user_device(pa)
    }

    fn console_irq(&self) -> usize {
        board::UART_IRQ
    }

    fn console_input(&mut self, out: &mut [u8]) -> (usize, bool) {
        let mut n = 0;
        while n < out.len() && uart_received() {
            out[n] = uart_reg(board::uart::RX).read();
            n += 1;
        }
        (n, uart_received())
    }

    fn console_input_interrupt(&mut self, on: bool) {
        let bits = if on { board::uart::RX_INTERRUPT } else { 0 };
        uart_reg(board::uart::INTERRUPT_ENABLE).write(bits);
    }

    /// The time counter stirred into a xorshift generator. Unpredictable
    /// enough to keep server IDs from colliding; not for secrets (the TRNG
    /// service is).
    fn entropy(&mut self) -> u32 {
        let mut x = self.seed ^ super::csr::time() as u32 ^ 0x9e37_79b9;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.seed = x;
        x
    }
}

/// The highest-priority pending interrupt, claimed at the PLIC.
pub fn claim_irq() -> Option<usize> {
    // SAFETY: reading the claim register of context 1 claims one interrupt.
    let irq = unsafe { core::ptr::read_volatile((PLIC_CONTEXT + board::plic::CLAIM) as *const u32) };
    (irq != 0).then_some(irq as usize)
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

/// Sets up the console's receive side (its FIFO on, its interrupt off until
/// a reader asks) and says so on the console: the runner sends input only
/// after that (`xous_abi::console::INPUT_READY`), since turning the FIFO on
/// empties it.
pub fn console_input_start() {
    uart_reg(board::uart::INTERRUPT_ENABLE).write(0);
    uart_reg(board::uart::FIFO_CONTROL).write(board::uart::FIFO_ON);
    for b in console::INPUT_READY {
        uart_put(b);
    }
}

fn uart_put(byte: u8) {
    use board::uart::{STATUS, TX, TX_READY};
    // SAFETY: the UART's registers are mapped at UART (device window);
    // volatile accesses, one byte each, as the board says it expects.
    unsafe {
        while core::ptr::read_volatile((UART + STATUS) as *const u8) & TX_READY == 0 {}
        core::ptr::write_volatile((UART + TX) as *mut u8, byte);
    }
}

/// Ends the machine with `code` (QEMU exits with it).
pub fn power_off(code: u32) -> ! {
    // SAFETY: the test device is mapped at TEST_DEVICE; this write ends the machine.
    unsafe { core::ptr::write_volatile(TEST_DEVICE as *mut u32, board::power_off_word(code)) };
    loop {
        super::csr::wait_for_interrupt();
    }
}
