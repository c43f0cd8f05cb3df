//! Block storage behind one small trait, so the filesystem's format logic
//! does not know what holds its blocks: QEMU's virtio-blk disk
//! (services/virtio), a RAM device for host tests and disk-less boots
//! (services/fs, `ram.rs`: it needs a heap, which drivers do without),
//! later the Baochip-1x's RRAM.
//!
//! A device is an array of `BLOCK_SIZE`-byte blocks. Writes may sit in a
//! volatile cache and reach the medium in any order until `flush` returns;
//! after that every earlier write is durable. A write cut by a power loss
//! may leave its block torn (part old, part new); the filesystem copes by
//! never overwriting live data and checksumming what it must trust. The
//! size (4 KiB, one page) suits RRAM too: its driver writes a block as
//! many smaller program units.

#![no_std]
#![forbid(unsafe_code)]

/// Bytes in a block: one page, so a block is also one memory message.
pub const BLOCK_SIZE: usize = 4096;

pub type Block = [u8; BLOCK_SIZE];

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// A block number at or past `block_count`.
    OutOfRange,
    /// The device reported a failure, or did not answer.
    Device,
}

pub trait BlockDevice {
    /// How many blocks the device holds.
    fn block_count(&self) -> u32;
    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError>;
    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError>;
    /// Returns once every earlier write is durable.
    fn flush(&mut self) -> Result<(), BlockError>;
    /// Whether the medium refuses writes (write-protected): the
    /// filesystem then mounts read-only and never tries one.
    fn read_only(&self) -> bool {
        false
    }
}
