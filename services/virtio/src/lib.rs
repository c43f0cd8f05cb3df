//! The virtio-mmio driver core (virtio 1.x, "modern" registers) that the
//! device services share: find a device of a given kind among the board's
//! virtio-mmio slots, bring it up with the features and queues its driver
//! asks for (`Transport`, `Queue`), and for the simplest devices (entropy)
//! run requests through one queue and wait for each (`Device`). The
//! virtio-blk driver lives here too (`blk.rs`), behind `block::BlockDevice`.
//!
//! The device reads and writes our memory by physical address (DMA), so
//! the queue and the buffers live in pages of this process whose physical
//! addresses the kernel tells us (VirtToPhys). All the `unsafe` of a driver
//! is here: volatile register access and the shared queue memory.

#![no_std]

mod blk;
mod queue;
pub use blk::Blk;
pub use queue::Queue;

use xous_abi::memory::flags;
use xous_rt::{error_of, syscall, Error, Syscall, SyscallResult};

/// Device kinds (virtio's device IDs).
pub const NETWORK: u32 = 1;
pub const BLOCK: u32 = 2;
pub const ENTROPY: u32 = 4;

use board::virtio_mmio::{
    ACKNOWLEDGE, CONFIG, DEVICE_FEATURES, DEVICE_FEATURES_SEL, DEVICE_ID, DRIVER, DRIVER_FEATURES, DRIVER_FEATURES_SEL, DRIVER_OK,
    FEATURES_OK, INTERRUPT_ACK, INTERRUPT_STATUS, MAGIC, MAGIC_VALUE, MODERN, QUEUE_DESC, QUEUE_DEVICE, QUEUE_DRIVER, QUEUE_NOTIFY,
    QUEUE_NUM, QUEUE_NUM_MAX, QUEUE_READY, QUEUE_SEL, STATUS, VERSION,
};

/// How many times `Transport::find` looks at the slots when some are busy.
const PROBE_ROUNDS: usize = 100;

pub use board::virtio_mmio::FEATURE_VERSION_1;

#[derive(Debug)]
pub enum VirtioError {
    NotFound,
    Refused(&'static str),
    Syscall(usize),
    /// The device did not answer a request.
    Timeout,
}

/// Maps a device's register page; the kernel's refusal if it cannot be.
fn map(phys: usize) -> Result<usize, Error> {
    let r = syscall(Syscall::MapMemory, &[phys, 0, 4096, flags::R | flags::W]);
    if r[0] == SyscallResult::MemoryRange as usize { Ok(r[1]) } else { Err(error_of(r).unwrap_or(Error::UnknownError)) }
}

/// A page of our own and its physical address.
pub fn dma_page() -> Result<(usize, usize), VirtioError> {
    let r = syscall(Syscall::MapMemory, &[0, 0, 4096, flags::R | flags::W]);
    if r[0] != SyscallResult::MemoryRange as usize {
        return Err(VirtioError::Syscall(r[1]));
    }
    let p = syscall(Syscall::VirtToPhys, &[r[1]]);
    if p[0] != SyscallResult::Scalar1 as usize {
        return Err(VirtioError::Syscall(p[1]));
    }
    Ok((r[1], p[1]))
}

/// A device's registers, mapped, and which slot (so which interrupt) it is.
pub struct Transport {
    regs: usize,
    slot: usize,
}

impl Transport {
    fn read(&self, reg: usize) -> u32 {
        // SAFETY: `regs` is the device's register page, mapped by `find`.
        unsafe { core::ptr::read_volatile((self.regs + reg) as *const u32) }
    }

    fn write(&self, reg: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile((self.regs + reg) as *mut u32, value) }
    }

    /// The first device of `kind` in the board's slots, reset, told that a
    /// driver is here, and given the features in `wanted` that it offers
    /// (VERSION_1 is required). Next: add the queues, then `start`.
    ///
    /// Other device services probe the same slots at boot, and a slot's
    /// registers can be mapped by one process at a time: a slot that is
    /// busy is looked at again after the others, a few times over. A slot
    /// the kernel keeps for itself (its swap disk: AccessDenied) is passed
    /// over for good.
    pub fn find(kind: u32, wanted: u64) -> Result<(Transport, u64), VirtioError> {
        Transport::find_from(0, kind, wanted)
    }

    /// `find`, among the slots from `first` on.
    pub fn find_from(first: usize, kind: u32, wanted: u64) -> Result<(Transport, u64), VirtioError> {
        for _ in 0..PROBE_ROUNDS {
            let mut busy = false;
            for slot in first..board::VIRTIO_SLOTS {
                let regs = match map(board::VIRTIO_FIRST + slot * 0x1000) {
                    Ok(regs) => regs,
                    Err(Error::AccessDenied) => continue,
                    Err(_) => {
                        busy = true;
                        continue;
                    }
                };
                let probe = Transport { regs, slot };
                if probe.read(MAGIC) == MAGIC_VALUE && probe.read(VERSION) == MODERN && probe.read(DEVICE_ID) == kind {
                    let features = probe.negotiate(wanted | FEATURE_VERSION_1)?;
                    return Ok((probe, features));
                }
                syscall(Syscall::UnmapMemory, &[regs, 4096]);
            }
            if !busy {
                break;
            }
            syscall(Syscall::Yield, &[]);
        }
        Err(VirtioError::NotFound)
    }

    fn negotiate(&self, wanted: u64) -> Result<u64, VirtioError> {
        self.write(STATUS, 0);
        self.write(STATUS, ACKNOWLEDGE);
        self.write(STATUS, ACKNOWLEDGE | DRIVER);
        let mut offered = 0u64;
        for half in 0..2 {
            self.write(DEVICE_FEATURES_SEL, half);
            offered |= (self.read(DEVICE_FEATURES) as u64) << (32 * half);
        }
        let chosen = offered & wanted;
        if chosen & FEATURE_VERSION_1 == 0 {
            return Err(VirtioError::Refused("not a virtio 1.x device"));
        }
        for half in 0..2 {
            self.write(DRIVER_FEATURES_SEL, half);
            self.write(DRIVER_FEATURES, (chosen >> (32 * half)) as u32);
        }
        self.write(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        if self.read(STATUS) & FEATURES_OK == 0 {
            return Err(VirtioError::Refused("features"));
        }
        Ok(chosen)
    }

    /// Makes `queue` the device's queue number `index`.
    pub fn add_queue(&self, index: u32, queue: &Queue) -> Result<(), VirtioError> {
        self.write(QUEUE_SEL, index);
        if self.read(QUEUE_NUM_MAX) < queue.size() as u32 {
            return Err(VirtioError::Refused("queue size"));
        }
        self.write(QUEUE_NUM, queue.size() as u32);
        for (reg, phys) in [QUEUE_DESC, QUEUE_DRIVER, QUEUE_DEVICE].into_iter().zip(queue.rings()) {
            self.write(reg, phys as u32);
            self.write(reg + 4, 0);
        }
        self.write(QUEUE_READY, 1);
        Ok(())
    }

    /// The driver is ready: the device may start using the queues.
    pub fn start(&self) {
        self.write(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
    }

    /// Gives the device up: reset (it forgets its queues and stops using
    /// them), its registers unmapped, for another process to take.
    pub fn release(self) {
        self.write(STATUS, 0);
        syscall(Syscall::UnmapMemory, &[self.regs, 4096]);
    }

    /// Which of the board's virtio-mmio slots the device is in.
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// Tells the device that queue `index` has new available buffers.
    pub fn notify(&self, index: u32) {
        self.write(QUEUE_NOTIFY, index);
    }

    /// A byte of the device-specific configuration.
    pub fn config_byte(&self, offset: usize) -> u8 {
        // SAFETY: the configuration space is in the mapped register page
        // (offsets past it are the caller's mistake, still inside the page
        // for any device configuration we read).
        unsafe { core::ptr::read_volatile((self.regs + CONFIG + offset.min(0xeff)) as *const u8) }
    }

    /// The interrupt this device raises (the board's numbering).
    pub fn irq(&self) -> usize {
        board::VIRTIO_FIRST_IRQ + self.slot
    }

    /// Where the registers are mapped: an interrupt handler's argument for
    /// `acknowledge_interrupt`.
    pub fn registers(&self) -> usize {
        self.regs
    }
}

/// Lowers a device's interrupt; `regs` is `Transport::registers`. For an
/// interrupt handler, which has no `Transport`. Returns the status bits
/// (1: a queue was used, 2: the configuration changed).
pub fn acknowledge_interrupt(regs: usize) -> u32 {
    let device = Transport { regs, slot: 0 };
    let status = device.read(INTERRUPT_STATUS);
    device.write(INTERRUPT_ACK, status);
    status
}

/// The simplest device use: one queue of 8, one request at a time, waited for.
pub struct Device {
    transport: Transport,
    queue: Queue,
}

impl Device {
    /// The first device of `kind` in the board's slots, brought up with one queue.
    pub fn find(kind: u32) -> Result<Device, VirtioError> {
        let (transport, _) = Transport::find(kind, 0)?;
        let queue = Queue::new(8)?;
        transport.add_queue(0, &queue)?;
        transport.start();
        Ok(Device { transport, queue })
    }

    /// Hands the device one buffer to write (`phys`, `len`); waits for it,
    /// yielding the processor meanwhile; returns how many bytes it wrote.
    pub fn fill(&mut self, phys: usize, len: u32) -> Result<u32, VirtioError> {
        self.queue.give(0, phys, len, true);
        self.transport.notify(0);
        for _ in 0..1_000_000 {
            if let Some((_, written)) = self.queue.take_used() {
                acknowledge_interrupt(self.transport.regs);
                return Ok(written);
            }
            syscall(Syscall::Yield, &[]);
        }
        Err(VirtioError::Timeout)
    }
}
