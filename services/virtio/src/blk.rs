//! The virtio-blk driver (virtio 1.x, device ID 2) as a `block::BlockDevice`.
//!
//! One request at a time, one queue: a chain of three descriptors, the
//! request header (type, sector), the data and the status byte the device
//! writes. Blocks are 4 KiB, eight of the device's 512-byte sectors. FLUSH
//! (VIRTIO_BLK_F_FLUSH) is negotiated and required: without it the device
//! cannot promise durability and the filesystem could not keep its own.
//!
//! The disk is the first block device that is not the kernel's swap disk
//! (`xous-run --swap`): the kernel refuses to map that one, and should it
//! not (a kernel that found no use for it), its serial gives it away.
//!
//! Waiting is interrupt-driven: the device's interrupt (ClaimInterrupt) has
//! a handler that lowers it and sends a Scalar to a small private server of
//! this process, on which the requesting thread sleeps in ReceiveMessage
//! until the used ring moves. If the interrupt cannot be claimed, the
//! thread polls, yielding the processor between looks.

use crate::{acknowledge_interrupt, dma_page, Queue, Transport, VirtioError, BLOCK};
use block::{Block, BlockDevice, BlockError, BLOCK_SIZE};
use core::sync::atomic::{AtomicUsize, Ordering};
use xous_abi::message::InvokeType;
use xous_rt::{error_of, syscall, Syscall, SyscallResult};

/// VIRTIO_BLK_F_FLUSH: the device has a volatile cache and obeys FLUSH.
const FEATURE_FLUSH: u64 = 1 << 9;
/// VIRTIO_BLK_F_RO: the disk is write-protected.
const FEATURE_RO: u64 = 1 << 5;
const REQUEST_IN: u32 = 0;
const REQUEST_OUT: u32 = 1;
const REQUEST_FLUSH: u32 = 4;
const REQUEST_GET_ID: u32 = 8;
const STATUS_OK: u8 = 0;
/// GET_ID's answer: the disk's serial, zeros after a shorter one.
const SERIAL_BYTES: usize = 20;
const SECTORS_PER_BLOCK: u64 = (BLOCK_SIZE / 512) as u64;
/// The private server the interrupt handler wakes. Its SID is random
/// (CreateServer), so no other process can reach it: a well-known one let
/// any process send it messages, which the driver took for wakes; when they
/// filled its queue the interrupt's own wake was lost and the filesystem
/// waited for good (and a blocking message there was never answered).
static WAKE_SID: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];

/// Our connection to the wake server, for the interrupt handler.
static WAKE_CONNECTION: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_interrupt(_irq: usize, registers: usize) {
    acknowledge_interrupt(registers);
    let connection = WAKE_CONNECTION.load(Ordering::Relaxed);
    // A full queue loses nothing: the waiter already has a wake to take.
    syscall(Syscall::TrySendMessage, &[connection, InvokeType::Scalar as usize, 0, 0, 0, 0, 0]);
}

pub struct Blk {
    transport: Transport,
    queue: Queue,
    /// The request header at 0..16 and the status byte at 16, in one DMA page.
    header: (usize, usize),
    /// One block of data the device reads or writes.
    data: (usize, usize),
    blocks: u32,
    /// Whether the interrupt wakes us (else we poll).
    interrupts: bool,
    read_only: bool,
}

impl Blk {
    /// The first block device that is not the swap disk, brought up, its
    /// interrupt claimed.
    pub fn find() -> Result<Blk, VirtioError> {
        let (header, data) = (dma_page()?, dma_page()?);
        let mut first = 0;
        loop {
            let (transport, features) = Transport::find_from(first, BLOCK, FEATURE_FLUSH | FEATURE_RO)?;
            first = transport.slot() + 1;
            let queue = Queue::new(4)?;
            transport.add_queue(0, &queue)?;
            let capacity = (0..8).fold(0u64, |sectors, i| sectors | (transport.config_byte(i) as u64) << (8 * i));
            let blocks = (capacity / SECTORS_PER_BLOCK).min(u32::MAX as u64) as u32;
            transport.start();
            let read_only = features & FEATURE_RO != 0;
            let mut blk = Blk { transport, queue, header, data, blocks, interrupts: false, read_only };
            if blk.is_swap_disk() {
                blk.transport.release();
                blk.queue.release();
                continue;
            }
            if features & FEATURE_FLUSH == 0 {
                return Err(VirtioError::Refused("the disk cannot flush its cache"));
            }
            blk.interrupts = claim_interrupt(&blk.transport);
            return Ok(blk);
        }
    }

    /// Whether the device's serial names it the kernel's swap disk.
    fn is_swap_disk(&mut self) -> bool {
        Self::bytes(self.data.0)[..SERIAL_BYTES].fill(0);
        if self.request(REQUEST_GET_ID, 0, Some((SERIAL_BYTES as u32, true))).is_err() {
            return false;
        }
        Self::bytes(self.data.0).first_chunk().is_some_and(board::is_swap_disk_serial)
    }

    fn bytes(page: usize) -> &'static mut [u8; BLOCK_SIZE] {
        // SAFETY: `page` is one of our two DMA pages, mapped read-write for
        // the process's life; the driver is its only user and the device
        // touches it only between `give_chain` and the used ring's answer,
        // while `request` holds `&mut self`.
        unsafe { &mut *(page as *mut [u8; BLOCK_SIZE]) }
    }

    /// One request: `kind` at `sector`, with the data page if it moves data
    /// (how many bytes of it, and whether the device writes them).
    fn request(&mut self, kind: u32, sector: u64, with_data: Option<(u32, bool)>) -> Result<(), BlockError> {
        let header = Self::bytes(self.header.0);
        header[..4].copy_from_slice(&kind.to_le_bytes());
        header[4..8].fill(0);
        header[8..16].copy_from_slice(&sector.to_le_bytes());
        header[16] = 0xff;
        let head = (self.header.1, 16, false);
        let status = (self.header.1 + 16, 1, true);
        match with_data {
            Some((len, device_writes)) => self.queue.give_chain(0, &[head, (self.data.1, len, device_writes), status]),
            None => self.queue.give_chain(0, &[head, status]),
        }
        self.transport.notify(0);
        while self.queue.take_used().is_none() {
            self.wait();
        }
        if Self::bytes(self.header.0)[16] == STATUS_OK { Ok(()) } else { Err(BlockError::Device) }
    }

    fn wait(&self) {
        if self.interrupts {
            let sid: [usize; 4] = core::array::from_fn(|i| WAKE_SID[i].load(Ordering::Relaxed));
            let r = syscall(Syscall::ReceiveMessage, &sid);
            if r[0] == SyscallResult::MessageEnvelope as usize {
                // Only our handler can send here, and its wakes need no
                // answer; anything else would be answered all the same.
                let message = xous_rt::Envelope { sender: r[1], kind: r[2], id: r[3], args: [r[4], r[5], r[6], r[7]] };
                xous_rt::reply(&message, 0, 0, 0);
            }
        } else {
            syscall(Syscall::Yield, &[]);
        }
    }
}

/// Creates the wake server (at a random SID; its creator is connected to
/// it) and claims the device's interrupt; false if either fails (then the
/// driver polls).
fn claim_interrupt(transport: &Transport) -> bool {
    let r = syscall(Syscall::CreateServer, &[]);
    if r[0] != SyscallResult::NewServerId as usize {
        return false;
    }
    for (slot, word) in WAKE_SID.iter().zip(&r[1..5]) {
        slot.store(*word, Ordering::Relaxed);
    }
    WAKE_CONNECTION.store(r[5], Ordering::Relaxed);
    let claim = syscall(Syscall::ClaimInterrupt, &[transport.irq(), on_interrupt as *const () as usize, transport.registers()]);
    error_of(claim).is_none()
}

impl BlockDevice for Blk {
    fn block_count(&self) -> u32 {
        self.blocks
    }

    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError> {
        if block >= self.blocks {
            return Err(BlockError::OutOfRange);
        }
        self.request(REQUEST_IN, block as u64 * SECTORS_PER_BLOCK, Some((BLOCK_SIZE as u32, true)))?;
        into.copy_from_slice(Self::bytes(self.data.0));
        Ok(())
    }

    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError> {
        if block >= self.blocks {
            return Err(BlockError::OutOfRange);
        }
        Self::bytes(self.data.0).copy_from_slice(from);
        self.request(REQUEST_OUT, block as u64 * SECTORS_PER_BLOCK, Some((BLOCK_SIZE as u32, false)))
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.request(REQUEST_FLUSH, 0, None)
    }

    fn read_only(&self) -> bool {
        self.read_only
    }
}
