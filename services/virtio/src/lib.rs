//! The virtio-mmio driver core (virtio 1.x, "modern" registers) that the
//! device services share: find a device of a given kind among the board's
//! virtio-mmio slots, bring it up, and run requests through one virtqueue.
//!
//! The device reads and writes our memory by physical address (DMA), so
//! the queue and the buffers live in pages of this process whose physical
//! addresses the kernel tells us (VirtToPhys). All the `unsafe` of a driver
//! is here: volatile register access and the shared queue memory.

#![no_std]

use core::sync::atomic::{fence, Ordering};
use xous_abi::memory::flags;
use xous_rt::{syscall, Syscall, SyscallResult};

/// Device kinds (virtio's device IDs).
pub const ENTROPY: u32 = 4;

const MAGIC: usize = 0x000;
const VERSION: usize = 0x004;
const DEVICE_ID: usize = 0x008;
const DRIVER_FEATURES: usize = 0x020;
const DRIVER_FEATURES_SEL: usize = 0x024;
const QUEUE_SEL: usize = 0x030;
const QUEUE_NUM_MAX: usize = 0x034;
const QUEUE_NUM: usize = 0x038;
const QUEUE_READY: usize = 0x044;
const QUEUE_NOTIFY: usize = 0x050;
const INTERRUPT_STATUS: usize = 0x060;
const INTERRUPT_ACK: usize = 0x064;
const STATUS: usize = 0x070;
const QUEUE_DESC: usize = 0x080;
const QUEUE_DRIVER: usize = 0x090;
const QUEUE_DEVICE: usize = 0x0a0;

const ACKNOWLEDGE: u32 = 1;
const DRIVER: u32 = 2;
const DRIVER_OK: u32 = 4;
const FEATURES_OK: u32 = 8;

/// Entries in our one queue.
const QUEUE_SIZE: usize = 8;
/// Where the three parts of the queue sit in its page.
const AVAIL_AT: usize = 256;
const USED_AT: usize = 512;
/// A descriptor the device writes into.
const DESC_WRITE: u16 = 2;

#[derive(Debug)]
pub enum VirtioError {
    NotFound,
    Refused(&'static str),
    Syscall(usize),
    /// The device did not answer a request.
    Timeout,
}

pub struct Device {
    regs: usize,
    queue: usize,
    queue_phys: usize,
    last_used: u16,
}

fn map(phys: usize) -> Result<usize, VirtioError> {
    let r = syscall(Syscall::MapMemory, &[phys, 0, 4096, flags::R | flags::W]);
    if r[0] == SyscallResult::MemoryRange as usize { Ok(r[1]) } else { Err(VirtioError::Syscall(r[1])) }
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

impl Device {
    fn read(&self, reg: usize) -> u32 {
        // SAFETY: `regs` is the device's register page, mapped by `find`.
        unsafe { core::ptr::read_volatile((self.regs + reg) as *const u32) }
    }

    fn write(&self, reg: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile((self.regs + reg) as *mut u32, value) }
    }

    /// The first device of `kind` in the board's slots, brought up with one queue.
    pub fn find(kind: u32) -> Result<Device, VirtioError> {
        for slot in 0..board::VIRTIO_SLOTS {
            let phys = board::VIRTIO_FIRST + slot * 0x1000;
            let regs = map(phys)?;
            let probe = Device { regs, queue: 0, queue_phys: 0, last_used: 0 };
            if probe.read(MAGIC) == 0x7472_6976 && probe.read(VERSION) == 2 && probe.read(DEVICE_ID) == kind {
                return probe.start();
            }
            syscall(Syscall::UnmapMemory, &[regs, 4096]);
        }
        Err(VirtioError::NotFound)
    }

    fn start(mut self) -> Result<Device, VirtioError> {
        self.write(STATUS, 0);
        self.write(STATUS, ACKNOWLEDGE);
        self.write(STATUS, ACKNOWLEDGE | DRIVER);
        // We need no feature but VIRTIO_F_VERSION_1 (bit 32).
        self.write(DRIVER_FEATURES_SEL, 0);
        self.write(DRIVER_FEATURES, 0);
        self.write(DRIVER_FEATURES_SEL, 1);
        self.write(DRIVER_FEATURES, 1);
        self.write(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        if self.read(STATUS) & FEATURES_OK == 0 {
            return Err(VirtioError::Refused("features"));
        }
        self.write(QUEUE_SEL, 0);
        if (self.read(QUEUE_NUM_MAX) as usize) < QUEUE_SIZE {
            return Err(VirtioError::Refused("queue size"));
        }
        let (queue, queue_phys) = dma_page()?;
        self.queue = queue;
        self.queue_phys = queue_phys;
        self.write(QUEUE_NUM, QUEUE_SIZE as u32);
        for (reg, at) in [(QUEUE_DESC, 0), (QUEUE_DRIVER, AVAIL_AT), (QUEUE_DEVICE, USED_AT)] {
            self.write(reg, (queue_phys + at) as u32);
            self.write(reg + 4, 0);
        }
        self.write(QUEUE_READY, 1);
        self.write(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
        Ok(self)
    }

    fn queue_u16(&self, at: usize) -> *mut u16 {
        (self.queue + at) as *mut u16
    }

    /// Hands the device one buffer to write (`phys`, `len`); waits for it,
    /// yielding the processor meanwhile; returns how many bytes it wrote.
    pub fn fill(&mut self, phys: usize, len: u32) -> Result<u32, VirtioError> {
        // SAFETY: the queue page is ours and mapped; the device reads the
        // descriptor and the available ring only after the notify below,
        // and the fences order our writes before it.
        unsafe {
            let desc = self.queue as *mut u8;
            core::ptr::write_volatile(desc as *mut u64, phys as u64);
            core::ptr::write_volatile(desc.add(8) as *mut u32, len);
            core::ptr::write_volatile(desc.add(12) as *mut u16, DESC_WRITE);
            core::ptr::write_volatile(desc.add(14) as *mut u16, 0);
            let idx = core::ptr::read_volatile(self.queue_u16(AVAIL_AT + 2));
            core::ptr::write_volatile(self.queue_u16(AVAIL_AT + 4 + 2 * (idx as usize % QUEUE_SIZE)), 0);
            fence(Ordering::SeqCst);
            core::ptr::write_volatile(self.queue_u16(AVAIL_AT + 2), idx.wrapping_add(1));
            fence(Ordering::SeqCst);
        }
        self.write(QUEUE_NOTIFY, 0);
        for _ in 0..1_000_000 {
            // SAFETY: the used ring's index, which the device writes.
            let used = unsafe { core::ptr::read_volatile(self.queue_u16(USED_AT + 2)) };
            if used != self.last_used {
                fence(Ordering::SeqCst);
                let slot = self.last_used as usize % QUEUE_SIZE;
                self.last_used = used;
                self.write(INTERRUPT_ACK, self.read(INTERRUPT_STATUS));
                // SAFETY: the used element the device just completed.
                let written = unsafe { core::ptr::read_volatile((self.queue + USED_AT + 4 + 8 * slot + 4) as *const u32) };
                return Ok(written);
            }
            syscall(Syscall::Yield, &[]);
        }
        Err(VirtioError::Timeout)
    }
}
