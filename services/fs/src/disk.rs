//! What the filesystem lives on: the virtio-blk disk if the machine has
//! one (`xous-run --disk`), the last MiB of RRAM on the Baochip-1x, else
//! a RAM device for the run, so `std::fs` works either way (without a disk
//! nothing outlives the run).

use block::{Block, BlockDevice, BlockError};
use fs::RamDevice;
#[cfg(feature = "dabao")]
use crate::rram::Rram as Blk;
#[cfg(not(feature = "dabao"))]
use virtio::Blk;

/// Blocks of the RAM device: 4 MiB at most, taken only as written.
const RAM_BLOCKS: u32 = 1024;

pub enum Disk {
    /// The board's disk.
    Device(Blk),
    Ram(RamDevice),
}

impl Disk {
    pub fn find() -> Disk {
        match Blk::find() {
            Ok(blk) => Disk::Device(blk),
            Err(_) => Disk::Ram(RamDevice::new(RAM_BLOCKS)),
        }
    }
}

impl BlockDevice for Disk {
    fn block_count(&self) -> u32 {
        match self {
            Disk::Device(d) => d.block_count(),
            Disk::Ram(d) => d.block_count(),
        }
    }
    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError> {
        match self {
            Disk::Device(d) => d.read(block, into),
            Disk::Ram(d) => d.read(block, into),
        }
    }
    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError> {
        match self {
            Disk::Device(d) => d.write(block, from),
            Disk::Ram(d) => d.write(block, from),
        }
    }
    fn flush(&mut self) -> Result<(), BlockError> {
        match self {
            Disk::Device(d) => d.flush(),
            Disk::Ram(d) => d.flush(),
        }
    }
    fn read_only(&self) -> bool {
        match self {
            Disk::Device(d) => d.read_only(),
            Disk::Ram(d) => d.read_only(),
        }
    }
}
