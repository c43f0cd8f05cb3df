//! The kernel's view of the machine: physical memory (the direct map and
//! the frame window) and, through the board's driver (`machine`), the
//! console, interrupts, time and the swap device. Implements the traits the
//! portable kernel is written against.
//!
//! Virtual layout of the kernel half (the same in every address space, and
//! only accessible in S-mode):
//! - 0xff00_0000: one second-level table, the window table: the board's
//!   kernel devices (on QEMU: UART, test device, PLIC) from its start; at
//!   0xff10_0000 the found device, one device page whose address the board's
//!   driver learns only at run time (on QEMU: the swap disk, whichever
//!   virtio-mmio slot holds it); and at 0xff20_0000 the frame window, one
//!   page that shows any frame of RAM on demand;
//! - 0xff40_0000..: the direct map, megapages over the first 12 MiB of RAM
//!   (less if the machine has less); the kernel runs in its first 4 MiB,
//!   where boot copied it.
//! User space ends at 0xff00_0000, so all of it is out of reach. (The read-only
//! memory the boot image is stored in is mapped only while boot reads the
//! image, below the kernel half of the kernel's own table: boot.rs.)
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
use super::machine;
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

/// Where device page `pa`, one of the board's KERNEL_DEVICES, appears.
pub const fn seen_at(pa: usize) -> usize {
    let mut i = 0;
    while board::KERNEL_DEVICES[i] != pa {
        i += 1;
    }
    DEVICE_WINDOW + i * PAGE_SIZE
}
/// Where the device page the board's driver found at run time appears (`show_device`).
pub const FOUND_DEVICE: usize = 0xff10_0000;
/// Where a frame outside the direct map appears while the kernel works on it.
pub const FRAME_WINDOW: usize = 0xff20_0000;
const _: () = assert!(DEVICE_WINDOW + board::KERNEL_DEVICES.len() * PAGE_SIZE <= FOUND_DEVICE);

/// Where the direct map of RAM starts, and the most it can cover (up to
/// KERNEL_ROM where the kernel executes in place).
pub const DIRECT_MAP: usize = 0xff40_0000;
pub const DIRECT_MAP_MAX: usize = if board::KERNEL_IN_PLACE { KERNEL_ROM - DIRECT_MAP } else { 0usize.wrapping_sub(DIRECT_MAP) };
// A boot image in RAM is read through the direct map: the ABI's limit on
// it (which the image writer and parser hold images to) must fit.
const _: () = assert!(board::KERNEL_IN_PLACE || xous_abi::memory::BOOT_IMAGE_MAX <= DIRECT_MAP_MAX);
/// Where the kernel executes in place (board::KERNEL_IN_PLACE): the
/// board's read-only memory from its base, one megapage, global,
/// read-only and executable, in every address space.
pub const KERNEL_ROM: usize = 0xffc0_0000;
/// The megapage the kernel's code is in, physically: RAM_BASE's, or the
/// read-only memory's where the kernel executes in place.
pub const KERNEL_TEXT_MEGAPAGE: usize = match board::ROM {
    Some((base, _)) if board::KERNEL_IN_PLACE => base,
    _ => RAM_BASE,
};
/// Where the kernel's code is seen: the direct map, or KERNEL_ROM.
pub const KERNEL_TEXT_WINDOW: usize = if board::KERNEL_IN_PLACE { KERNEL_ROM } else { DIRECT_MAP };
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
/// what the window shows, the generator behind `entropy`, and the swap device.
pub struct Hw {
    pub seed: u32,
    window: Window,
    swap: machine::SwapDisk,
    /// The CPU has Zkne (the board says, or the device tree's ISA string).
    pub aes32: bool,
    /// The read-only memory, mapped again between `open_rom` and `close_rom`.
    rom: Option<super::boot_rom::Reopened>,
}

impl Hw {
    pub const fn new() -> Hw {
        Hw { seed: 0, window: Window::new(), swap: machine::SwapDisk::none(), aes32: false, rom: None }
    }

    /// Looks for the board's swap device (at boot, before any process runs).
    pub fn find_swap_disk(&mut self) {
        self.swap = machine::SwapDisk::find();
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

/// Maps device page `pa` at FOUND_DEVICE, or (None) nothing there.
pub fn show_device(pa: Option<usize>) {
    let entry = pa.map_or(0, |pa| pte::entry(pa, pte::V | pte::G | pte::A | pte::D | pte::R | pte::W));
    // SAFETY: only this function writes the entry, with the kernel running
    // alone; the board's driver, its only user, keeps no reference into the
    // page (it reads and writes the registers one volatile access at a time).
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(WINDOW_TABLE.0[pte::vpn0(FOUND_DEVICE)]), entry) };
    csr::flush_global_page(FOUND_DEVICE);
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

    #[inline(always)]
    fn low_tables(&mut self, a: usize, b: usize) -> Option<(&mut [u32; ENTRIES], &mut [u32; ENTRIES])> {
        // Whole frames, and two of them (else None: no overlap, ever).
        if a == b || (a | b) % PAGE_SIZE != 0 {
            return None;
        }
        // SAFETY: as `low_table`; two different frames, so the two
        // references do not overlap.
        unsafe { Some((&mut *(direct(a) as *mut [u32; ENTRIES]), &mut *(direct(b) as *mut [u32; ENTRIES]))) }
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
        // On the chip itself a person reads the console on a serial
        // terminal: plain text, every channel mixed. Elsewhere xous-run
        // reads it, framed (xous_abi::console).
        if !machine::framed_console() {
            return machine::console_write(bytes);
        }
        for chunk in bytes.chunks(console::MAX_PAYLOAD) {
            machine::console_write(&console::header(channel, chunk.len()));
            machine::console_write(chunk);
        }
    }

    fn flush_tlb(&mut self, asid: u8, va: Option<usize>) {
        super::csr::flush_tlb(asid, va);
    }

    fn irq_exists(&self, irq: usize) -> bool {
        machine::irq_exists(irq)
    }

    fn enable_irq(&mut self, irq: usize, on: bool) {
        machine::enable_irq(irq, on)
    }

    fn complete_irq(&mut self, irq: usize) {
        machine::complete_irq(irq)
    }

    /// The board's user devices, except the swap device the kernel drives.
    fn is_user_device(&self, pa: usize) -> bool {
        board::is_user_device(pa) && !self.swap.holds(pa)
    }

    fn device_service(&self, pa: usize) -> Option<&'static str> {
        board::device_service(pa)
    }

    fn is_rom(&self, pa: usize) -> bool {
        board::ROM.is_some_and(|(base, size)| (base..base + size).contains(&pa))
    }

    fn open_rom(&mut self, at: usize) -> Option<&'static [u8]> {
        self.close_rom();
        let rom = super::boot_rom::Reopened::open()?;
        let (base, bytes) = rom.bytes();
        let Some(bytes) = at.checked_sub(base).and_then(|offset| bytes.get(offset..)) else {
            rom.close();
            return None;
        };
        // SAFETY: the bytes stay mapped, and unchanged (read-only memory,
        // written only through `rom_write_row`, which the kernel does not
        // call meanwhile), until `close_rom` takes `self.rom`; the caller
        // (loader/on_demand.rs) drops them before it calls `close_rom`.
        let bytes = unsafe { core::slice::from_raw_parts(bytes.as_ptr(), bytes.len()) };
        self.rom = Some(rom);
        Some(bytes)
    }

    fn close_rom(&mut self) {
        if let Some(rom) = self.rom.take() {
            rom.close();
        }
    }

    fn rom_write_row(&mut self, pa: usize, row: &[u8; xous_abi::platform::ROM_ROW]) -> bool {
        if !machine::WRITES_ROM || !self.is_rom(pa) || pa % row.len() != 0 {
            return false;
        }
        // The row's page, through the frame window (read-write there).
        let va = self.reach(pa & !(PAGE_SIZE - 1)) + pa % PAGE_SIZE;
        machine::write_rom_row(va, row);
        true
    }

    fn console_irq(&self) -> usize {
        board::UART_IRQ
    }

    fn console_input(&mut self, out: &mut [u8]) -> (usize, bool) {
        machine::console_input(out)
    }

    fn console_input_interrupt(&mut self, on: bool) {
        machine::console_input_interrupt(on)
    }

    fn swap_slots(&self) -> usize {
        self.swap.slots()
    }

    fn has_aes32(&self) -> bool {
        self.aes32 && super::aes32::Aes256Zkne::passes_known_answer()
    }

    /// The page goes to the device from frame `pa`, which the driver
    /// reaches at `va` (a device that cannot DMA from RAM copies it).
    fn swap_write(&mut self, slot: usize, pa: usize, tag: &[u8; 16]) -> bool {
        let va = self.reach(pa);
        self.swap.write(slot, pa, va, tag)
    }

    fn swap_read(&mut self, slot: usize, pa: usize, tag: &mut [u8; 16]) -> bool {
        let va = self.reach(pa);
        self.swap.read(slot, pa, va, tag)
    }

    fn store_pages(&self) -> usize {
        self.swap.store_pages()
    }

    fn store_read(&mut self, page: usize, pa: usize) -> bool {
        let va = self.reach(pa);
        self.swap.store_read(page, va)
    }

    /// The time counter stirred into a xorshift generator. Unpredictable
    /// enough to keep server IDs from colliding; not for secrets (the TRNG
    /// service is).
    fn entropy(&mut self) -> u32 {
        let mut x = self.seed ^ machine::now() as u32 ^ 0x9e37_79b9;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.seed = x;
        x
    }
}

/// Sets up the console's receive side (with its interrupt off until a
/// reader asks) and says so on the console: the runner sends input only
/// after that (`xous_abi::console::INPUT_READY`), since on some boards
/// (QEMU's 16550) setting it up empties what came before.
pub fn console_input_start() {
    machine::console_input_start();
    if machine::framed_console() {
        machine::console_write(&console::INPUT_READY);
    }
}
