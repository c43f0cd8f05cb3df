//! The baosec board's swap device: its 8 MiB SPI PSRAM on the UDMA SPI
//! master channel 1 (chip select 1), driven by the kernel, polled, one
//! transfer at a time (the kernel swaps synchronously, with interrupts off).
//! The same master's chip select 0 is the board's 8 MiB NOR flash, the
//! program store (swap/store.rs), which the kernel only reads, the same way.
//!
//! The UDMA reaches only IFRAM, so every transfer is staged in the kernel's
//! IFRAM page (board::SWAP_BUFFER): the master's program (command words) at
//! its start, the TX bytes (command address, then data) and the RX bytes
//! further on. A burst stays within one of the PSRAM's 1 KiB pages (it
//! wraps there), so a page moves in four transfers of 1 KiB.
//!
//! Layout, as Xous lays its swap RAM out: slot `i`'s page at `4096 * i`,
//! the 16-byte tags in a table after the last page (slot `i`'s at
//! `TAGS + 16 * i`; a tag never crosses a 1 KiB page). 8 MiB holds 2,040
//! slots with their tags.
//!
//! Serial SPI (one bit), the commands every PSRAM of this class has: 0x02
//! write, 0x03 read (no dummy cycles), 0x66/0x99 reset, 0x9F read ID; at
//! 25 MHz from the UDMA's 50 MHz clock (as Xous's loader sets it: on
//! silicon unverified, as is everything here; checked on the model).

use crate::arch::riscv::hw::seen_at;
use crate::mem::PAGE_SIZE;
use board::{nor, psram, spim};
use core::ptr::{read_volatile, write_volatile};

const SPIM: usize = seen_at(spim::BASE);
const UDMA: usize = seen_at(board::udma::CONTROL);
/// The IFRAM page: as the kernel sees it, and as the UDMA does.
const STAGE: usize = seen_at(board::SWAP_BUFFER);
const STAGE_PA: usize = board::SWAP_BUFFER;

/// In the staging page: the program (8 words at most), then the TX bytes
/// (a command's 3 address bytes just before a word-aligned 1 KiB of data),
/// then the RX bytes.
const PROGRAM: usize = 0;
const TX: usize = 0x40 - 3;
const TX_DATA: usize = 0x40;
const RX: usize = 0x800;
const BURST: usize = psram::PAGE;

const TAG: usize = 16;
/// Slots in the PSRAM: a page and its tag each.
const SLOTS: usize = psram::SIZE / (PAGE_SIZE + TAG);
/// Where the tag table starts.
const TAGS: usize = SLOTS * PAGE_SIZE;
const _: () = assert!(TAGS % psram::PAGE == 0 && TAGS + SLOTS * TAG <= psram::SIZE);

/// The SPI clock: the UDMA's clock / (2 * (divider)): 25 MHz from 50 MHz.
const CLOCK_DIVIDER: u8 = 1;

/// How long a transfer may take, in `time` ticks: 1 KiB at 25 MHz takes
/// about 0.35 ms; 100 ms means the device or the master is not there.
const WAIT_LIMIT: u64 = board::TIMEBASE_HZ / 10;
/// And at most this many polls, in case time does not run yet (`find`
/// runs before the kernel sets the ticktimer up: its rate at reset is the
/// chip's): a poll is a few register reads, so about 100 ms at 350 MHz.
const POLL_LIMIT: u32 = 10_000_000;

fn reg(channel: usize, register: usize) -> *mut u32 {
    (SPIM + channel + register) as *mut u32
}

fn stage(offset: usize) -> *mut u8 {
    (STAGE + offset) as *mut u8
}

/// Starts channel `channel` on `len` bytes at `offset` in the staging page.
fn arm(channel: usize, offset: usize, len: usize, size: u32) {
    // SAFETY: the master's registers, in the kernel's device page.
    unsafe {
        write_volatile(reg(channel, spim::SADDR), (STAGE_PA + offset) as u32);
        write_volatile(reg(channel, spim::SIZE), len as u32);
        write_volatile(reg(channel, spim::CFG), spim::CFG_EN | size);
    }
}

fn busy(channel: usize) -> bool {
    // SAFETY: as in `arm`.
    unsafe { read_volatile(reg(channel, spim::SADDR)) != 0 }
}

/// Copies `len` bytes from `from` to `to` a word at a time (both word
/// aligned; one of them the staging page, which is device memory).
///
/// # Safety
/// Both ranges must be mapped and `len` a multiple of 4.
unsafe fn copy_words(from: usize, to: usize, len: usize) {
    for at in (0..len).step_by(4) {
        // SAFETY: the caller's promise.
        unsafe { write_volatile((to + at) as *mut u32, read_volatile((from + at) as *const u32)) };
    }
}

/// The PSRAM, or none (`slots` 0); and the NOR flash, or none (`store_pages` 0).
pub struct SwapDisk {
    slots: usize,
    store_pages: usize,
    /// A transfer did not finish in time: the master was stopped and the
    /// device is out of use.
    broken: bool,
}

impl SwapDisk {
    pub const fn none() -> SwapDisk {
        SwapDisk { slots: 0, store_pages: 0, broken: false }
    }

    /// Ungates the master's clock, sets its SPI clock, resets the PSRAM
    /// and reads its ID: a device that answers "known good die" is the swap
    /// device. Then the NOR flash: one that answers its JEDEC ID (neither
    /// all zeros nor all ones: nothing there) is the program store.
    pub fn find() -> SwapDisk {
        let mut disk = Self::find_psram();
        if !disk.broken && disk.reset(nor::CS) && disk.transfer(nor::CS, nor::READ_ID, None, 3) {
            // SAFETY: the RX bytes the transfer just wrote.
            let id: [u8; 3] = core::array::from_fn(|i| unsafe { read_volatile(stage(RX + i)) });
            if id != [0; 3] && id != [0xff; 3] {
                disk.store_pages = nor::SIZE / PAGE_SIZE;
            }
        }
        disk
    }

    fn find_psram() -> SwapDisk {
        // SAFETY: the UDMA's control page, the kernel's; one bit is added.
        unsafe {
            let gates = (UDMA + board::udma::CLOCK_GATE) as *mut u32;
            write_volatile(gates, read_volatile(gates) | spim::CLOCK_GATE_BIT);
        }
        let mut disk = SwapDisk::none();
        if !disk.reset(psram::CS) {
            return disk;
        }
        let mut id = [0u8; 4];
        if disk.transfer(psram::CS, psram::READ_ID, Some(0), 4) {
            for (i, byte) in id.iter_mut().enumerate() {
                // SAFETY: the RX bytes the transfer just wrote.
                *byte = unsafe { read_volatile(stage(RX + i)) };
            }
        }
        disk.slots = if id[1] == psram::KNOWN_GOOD_DIE { SLOTS } else { 0 };
        disk
    }

    /// No process may map the master's pages: they are the kernel's
    /// (board::KERNEL_DEVICES), never a user device.
    pub fn holds(&self, _pa: usize) -> bool {
        false
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    pub fn store_pages(&self) -> usize {
        self.store_pages
    }

    /// Reads program store page `page` (the NOR flash's bytes from `4096 *
    /// page`) into the frame the kernel sees at `va`.
    pub fn store_read(&mut self, page: usize, va: usize) -> bool {
        page < self.store_pages && self.read_page(nor::CS, page * PAGE_SIZE, va)
    }

    /// Reads the page at `addr` of the device on chip select `cs` into the
    /// frame the kernel sees at `va`, a burst at a time.
    fn read_page(&mut self, cs: u32, addr: usize, va: usize) -> bool {
        for part in 0..PAGE_SIZE / BURST {
            if !self.transfer(cs, psram::READ, Some(addr + part * BURST), BURST) {
                return false;
            }
            // SAFETY: `va` is the frame's page, mapped for the kernel (hw.rs
            // `reach`); the RX bytes, into it.
            unsafe { copy_words(STAGE + RX, va + part * BURST, BURST) };
        }
        true
    }

    /// Sets the SPI clock and resets the device on chip select `cs`.
    fn reset(&mut self, cs: u32) -> bool {
        // Both parts take the same reset (0x66, then 0x99) and serial read.
        const _: () = assert!(psram::RESET_ENABLE == nor::RESET_ENABLE && psram::RESET == nor::RESET && psram::READ == nor::READ);
        let reset = [spim::config(CLOCK_DIVIDER), spim::sot(cs), spim::send_cmd(psram::RESET_ENABLE), spim::EOT, spim::sot(cs), spim::send_cmd(psram::RESET), spim::EOT];
        self.run(&reset, None, None)
    }
    /// Writes the page (seen by the kernel at `va`) and `tag` to `slot`.
    pub fn write(&mut self, slot: usize, _pa: usize, va: usize, tag: &[u8; TAG]) -> bool {
        if slot >= self.slots {
            return false;
        }
        for part in 0..PAGE_SIZE / BURST {
            // SAFETY: `va` is the frame's page, mapped for the kernel (hw.rs
            // `reach`); the staging page has room for BURST bytes at TX_DATA.
            unsafe { copy_words(va + part * BURST, STAGE + TX_DATA, BURST) };
            if !self.write_staged(slot * PAGE_SIZE + part * BURST, BURST) {
                return false;
            }
        }
        for (i, word) in tag.chunks(4).enumerate() {
            // SAFETY: as above.
            unsafe { write_volatile((STAGE + TX_DATA + 4 * i) as *mut u32, u32::from_le_bytes(word.try_into().expect("4 bytes"))) };
        }
        self.write_staged(TAGS + slot * TAG, TAG)
    }

    /// Reads `slot` into the page (seen by the kernel at `va`) and `tag`.
    pub fn read(&mut self, slot: usize, _pa: usize, va: usize, tag: &mut [u8; TAG]) -> bool {
        if slot >= self.slots {
            return false;
        }
        if !self.read_page(psram::CS, slot * PAGE_SIZE, va) {
            return false;
        }
        if !self.transfer(psram::CS, psram::READ, Some(TAGS + slot * TAG), TAG) {
            return false;
        }
        for (i, byte) in tag.iter_mut().enumerate() {
            // SAFETY: the RX bytes the transfer just wrote.
            *byte = unsafe { read_volatile(stage(RX + i)) };
        }
        true
    }

    /// Writes the `len` bytes staged at TX_DATA to the PSRAM at `addr`.
    fn write_staged(&mut self, addr: usize, len: usize) -> bool {
        self.stage_address(addr);
        let program = [spim::sot(psram::CS), spim::send_cmd(psram::WRITE), spim::tx_data(3 + len as u32), spim::EOT];
        self.run(&program, Some(3 + len), None)
    }

    /// Command `op` to the device on chip select `cs`, with `addr` if
    /// given, then `len` bytes into the RX bytes.
    fn transfer(&mut self, cs: u32, op: u8, addr: Option<usize>, len: usize) -> bool {
        let rx = spim::rx_data(len as u32);
        match addr {
            Some(addr) => {
                self.stage_address(addr);
                self.run(&[spim::sot(cs), spim::send_cmd(op), spim::tx_data(3), rx, spim::EOT], Some(3), Some(len))
            }
            None => self.run(&[spim::sot(cs), spim::send_cmd(op), rx, spim::EOT], None, Some(len)),
        }
    }

    /// The 24-bit address, most significant byte first, just before TX_DATA.
    fn stage_address(&self, addr: usize) {
        for (i, byte) in (addr as u32).to_be_bytes()[1..].iter().enumerate() {
            // SAFETY: TX..TX_DATA is in the staging page.
            unsafe { write_volatile(stage(TX + i), *byte) };
        }
    }

    /// Runs `program` with `tx` bytes from TX and `rx` bytes into RX (the
    /// data channels armed first, as the master takes their bytes when its
    /// program asks), and waits until all three channels are done.
    fn run(&mut self, program: &[u32], tx: Option<usize>, rx: Option<usize>) -> bool {
        if self.broken {
            return false;
        }
        for (i, word) in program.iter().enumerate() {
            // SAFETY: the program (at most 8 words) fits before TX.
            unsafe { write_volatile((STAGE + PROGRAM + 4 * i) as *mut u32, *word) };
        }
        if let Some(n) = tx {
            arm(spim::TX, TX, n, spim::CFG_SIZE_8);
        }
        if let Some(n) = rx {
            arm(spim::RX, RX, n, spim::CFG_SIZE_8);
        }
        arm(spim::CMD, PROGRAM, program.len() * 4, spim::CFG_SIZE_32);
        let deadline = super::now() + WAIT_LIMIT;
        let mut polls = 0;
        while busy(spim::CMD) || busy(spim::TX) || busy(spim::RX) {
            polls += 1;
            if polls > POLL_LIMIT || super::now() > deadline {
                for channel in [spim::CMD, spim::TX, spim::RX] {
                    // SAFETY: as in `arm`: stops the channel.
                    unsafe { write_volatile(reg(channel, spim::CFG), spim::CFG_CLEAR) };
                }
                self.broken = true;
                return false;
            }
            core::hint::spin_loop();
        }
        true
    }
}
