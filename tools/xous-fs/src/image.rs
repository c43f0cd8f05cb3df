//! A disk image file as a block device: the raw image QEMU gives the guest
//! as its virtio-blk disk (`xous-run --disk`), read and written here in
//! the same 4 KiB blocks. Opened read-only unless a command changes it, so
//! that looking (ls, get, check) can never write.

use block::{Block, BlockDevice, BlockError, BLOCK_SIZE};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The size of a new image (the same as xous-run makes).
pub const NEW_IMAGE_BYTES: u64 = 16 << 20;

pub struct Image {
    file: File,
    blocks: u32,
    writable: bool,
}

impl Image {
    /// Opens an existing image. A partial block at its end is not used
    /// (as the guest's disk driver, which counts whole blocks).
    pub fn open(path: &Path, writable: bool) -> io::Result<Image> {
        let file = OpenOptions::new().read(true).write(writable).open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(io::ErrorKind::IsADirectory, "a directory, not an image"));
        }
        let blocks = (meta.len() / BLOCK_SIZE as u64).min(u32::MAX as u64) as u32;
        Ok(Image { file, blocks, writable })
    }

    fn at(&self, block: u32) -> Result<u64, BlockError> {
        if block >= self.blocks {
            return Err(BlockError::OutOfRange);
        }
        Ok(block as u64 * BLOCK_SIZE as u64)
    }
}

impl BlockDevice for Image {
    fn block_count(&self) -> u32 {
        self.blocks
    }

    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError> {
        let at = self.at(block)?;
        self.file.read_exact_at(into, at).map_err(|_| BlockError::Device)
    }

    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError> {
        let at = self.at(block)?;
        if !self.writable {
            return Err(BlockError::Device);
        }
        self.file.write_all_at(from, at).map_err(|_| BlockError::Device)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        if self.writable {
            self.file.sync_data().map_err(|_| BlockError::Device)?;
        }
        Ok(())
    }

    fn read_only(&self) -> bool {
        !self.writable
    }
}

/// Makes an empty image of `bytes` (sparse: zeros take no room), failing
/// if something is there already.
pub fn create(path: &Path, bytes: u64) -> io::Result<()> {
    let file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.set_len(bytes)
}

/// Sets an existing image's size (for a format that asks for one).
pub fn resize(path: &Path, bytes: u64) -> io::Result<()> {
    OpenOptions::new().write(true).open(path)?.set_len(bytes)
}
