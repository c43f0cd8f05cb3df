//! The Baochip-1x's RRAM as the filesystem's block device: the last MiB of
//! the RRAM that images may use (board::DISK), mapped into this process
//! with the RRAM controller's page. A read is a copy; a write goes row by
//! row (32 bytes) through the controller's protocol (board::rram_controller),
//! so a block changes as 128 rows: a power cut tears it, which the
//! filesystem's format copes with (it never overwrites live data). Every
//! row is committed before `write` returns, so `flush` has nothing left to
//! do but empty the data cache. All of the process's `unsafe` for the disk
//! is here. Checked on the model of the chip only.

use block::{Block, BlockDevice, BlockError, BLOCK_SIZE};
use board::rram_controller::{COMMIT, LOAD_BUFFER, NORMAL_MODE, ROW, RRCCR, WRITE_MODE};
use xous_abi::memory::flags;
use xous_rt::{error_of, syscall, Syscall};

pub struct Rram {
    /// Where the disk's RRAM is mapped, and the controller's page.
    disk: usize,
    controller: usize,
}

/// Maps `size` bytes of device memory at `physical`; on a refusal, says so
/// on stderr (the board always has this disk: its absence is news).
fn map(physical: usize, size: usize) -> Option<usize> {
    let r = syscall(Syscall::MapMemory, &[physical, 0, size, flags::R | flags::W]);
    match error_of(r) {
        None => Some(r[1]),
        Some(e) => {
            let mut line = xous_rt::Line::new();
            let _ = core::fmt::Write::write_fmt(&mut line, format_args!("fs: cannot map the RRAM disk ({physical:#x}, {size} bytes): {e:?}; files live in RAM for this run\n"));
            xous_rt::write(xous_abi::console::Channel::Stderr, line.as_bytes());
            None
        }
    }
}

impl Rram {
    /// Maps the controller and the disk; Err if either is refused.
    pub fn find() -> Result<Rram, ()> {
        let controller = map(board::rram_controller::BASE, 4096).ok_or(())?;
        let disk = map(board::DISK, board::DISK_SIZE).ok_or(())?;
        Ok(Rram { disk, controller })
    }

    fn set_mode(&self, mode: u32) {
        // SAFETY: the controller's page is mapped at `controller` for the
        // life of the process; RRCCR is inside it.
        unsafe { ((self.controller + RRCCR) as *mut u32).write_volatile(mode) }
    }

    /// Writes one 32-byte row at `at` (an address in the mapped disk).
    fn write_row(&self, at: usize, bytes: &[u8]) {
        let word = |i: usize| u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
        // SAFETY: `at` is a row inside the disk mapping (the caller checked
        // the block number); stores there are staged by the controller.
        unsafe {
            for i in 0..ROW / 4 {
                ((at + i * 4) as *mut u32).write_volatile(word(i));
            }
            self.set_mode(WRITE_MODE);
            (at as *mut u32).write_volatile(LOAD_BUFFER);
            (at as *mut u32).write_volatile(COMMIT);
            self.set_mode(NORMAL_MODE);
        }
    }
}

/// The block's address in the mapped disk, if there is such a block.
fn address(disk: usize, block: u32) -> Result<usize, BlockError> {
    let offset = block as usize * BLOCK_SIZE;
    if offset >= board::DISK_SIZE {
        return Err(BlockError::OutOfRange);
    }
    Ok(disk + offset)
}

impl BlockDevice for Rram {
    fn block_count(&self) -> u32 {
        (board::DISK_SIZE / BLOCK_SIZE) as u32
    }

    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError> {
        let at = address(self.disk, block)?;
        // SAFETY: `at..at + BLOCK_SIZE` is inside the disk mapping.
        unsafe { core::ptr::copy_nonoverlapping(at as *const u8, into.as_mut_ptr(), BLOCK_SIZE) };
        Ok(())
    }

    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError> {
        let at = address(self.disk, block)?;
        for (i, row) in from.chunks(ROW).enumerate() {
            self.write_row(at + i * ROW, row);
        }
        Ok(())
    }

    /// Rows are committed as they are written; what may be left is the data
    /// cache's copy of them (the chip's D$ flush, a custom opcode).
    fn flush(&mut self) -> Result<(), BlockError> {
        // SAFETY: the chip's data-cache flush instruction touches no
        // architectural state (the model takes it as a no-op).
        unsafe { core::arch::asm!(".word 0x500F") };
        Ok(())
    }
}
