//! The Baochip-1x's RRAM as the filesystem's block device: the last MiB of
//! the RRAM that images may use (board::DISK), mapped into this process to
//! read. A read is a copy; a write is the kernel's (PlatformSpecific
//! ROM_WRITE: the RRAM controller, whose page also holds the register that
//! erases the chip's secrets, is the kernel's alone), a block as 128 rows
//! of 32 bytes: a power cut may tear it, which the filesystem's format
//! copes with (it never overwrites live data). Every row is committed
//! before `write` returns, so `flush` has nothing left to do. All of the
//! process's `unsafe` for the disk is here. Checked on the model of the
//! chip only.

use block::{Block, BlockDevice, BlockError, BLOCK_SIZE};
use xous_abi::memory::flags;
use xous_abi::platform::ROM_WRITE;
use xous_rt::{error_of, syscall, Syscall};

pub struct Rram {
    /// Where the disk's RRAM is mapped.
    disk: usize,
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
    /// Maps the disk (the kernel records it as ours: only we may have it
    /// written); Err if refused.
    pub fn find() -> Result<Rram, ()> {
        let disk = map(board::DISK, board::DISK_SIZE).ok_or(())?;
        Ok(Rram { disk })
    }
}

/// The block's offset in the disk, if there is such a block.
fn offset(block: u32) -> Result<usize, BlockError> {
    let offset = block as usize * BLOCK_SIZE;
    if offset >= board::DISK_SIZE {
        return Err(BlockError::OutOfRange);
    }
    Ok(offset)
}

impl BlockDevice for Rram {
    fn block_count(&self) -> u32 {
        (board::DISK_SIZE / BLOCK_SIZE) as u32
    }

    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError> {
        let at = self.disk + offset(block)?;
        // SAFETY: `at..at + BLOCK_SIZE` is inside the disk mapping.
        unsafe { core::ptr::copy_nonoverlapping(at as *const u8, into.as_mut_ptr(), BLOCK_SIZE) };
        Ok(())
    }

    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError> {
        let physical = board::DISK + offset(block)?;
        let r = syscall(Syscall::PlatformSpecific, &[ROM_WRITE, physical, from.as_ptr() as usize, BLOCK_SIZE]);
        match error_of(r) {
            None => Ok(()),
            Some(_) => Err(BlockError::Device),
        }
    }

    /// Every row is committed (and the data cache flushed) by the kernel
    /// before `write` returns.
    fn flush(&mut self) -> Result<(), BlockError> {
        Ok(())
    }
}
