//! The swap disk on QEMU virt, driven by the kernel itself: the virtio-blk
//! device (virtio 1.x registers over virtio-mmio) whose serial is
//! board::SWAP_DISK_SERIAL, which `xous-run --swap` adds. The kernel swaps
//! synchronously, in a trap with interrupts off, so each request is made
//! alone and waited for by polling the used ring.
//!
//! `find` (at boot, before any process runs) looks at the virtio-mmio
//! slots through the found-device window (hw::FOUND_DEVICE), brings each
//! block device up far enough to ask its serial (GET_ID), and resets each
//! one that is not the swap disk: the filesystem service drives that one.
//! The swap disk's page stays shown in the window, and no process may map
//! it (`holds`).
//!
//! On the disk, slot `i` is SLOT_SECTORS sectors of 512 bytes from sector
//! SLOT_SECTORS * i: eight of the page's data, then one whose first 16
//! bytes are the page's tag, the rest zeros. One request moves both: its
//! data is the page itself (the device reads or writes the frame at its
//! physical address: no copy), then the tag's sector.
//!
//! The queue and the request's header, tag sector and status byte are one
//! static (`SHARED`) in the kernel's image, so in the direct map, at a
//! known physical address. A request the device does not answer within
//! WAIT_LIMIT resets it, which stops it touching memory, and the disk is out
//! of use from then on; one it answers with an error fails alone.

use crate::arch::riscv::hw::{self, FOUND_DEVICE};
use crate::mem::PAGE_SIZE;
use core::arch::asm;
use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};

use board::virtio_mmio::{
    ACKNOWLEDGE, CONFIG, CONFIG_GENERATION, DEVICE_FEATURES, DEVICE_FEATURES_SEL, DEVICE_ID, DRIVER, DRIVER_FEATURES,
    DRIVER_FEATURES_SEL, DRIVER_OK, FEATURES_OK, FEATURE_VERSION_1 as VERSION_1, INTERRUPT_ACK, INTERRUPT_STATUS, MAGIC,
    MAGIC_VALUE as VIRT, MODERN, QUEUE_DESC, QUEUE_DEVICE, QUEUE_DRIVER, QUEUE_NOTIFY, QUEUE_NUM, QUEUE_NUM_MAX, QUEUE_READY,
    QUEUE_SEL, STATUS, VERSION,
};

/// virtio-blk's configuration opens with the capacity, in sectors (64 bits).
const CAPACITY: usize = CONFIG;
/// The ID of a block device.
const BLOCK_DEVICE: u32 = 2;

/// virtio-blk's RO: the disk is write-protected, of no use for swap.
const READ_ONLY: u64 = 1 << 5;

// virtio-blk request types, and the status of one done.
const READ: u32 = 0;
const WRITE: u32 = 1;
const GET_ID: u32 = 8;
const DONE: u8 = 0;

const SECTOR: usize = 512;
/// A slot: the page's sectors, then its tag's.
const SLOT_SECTORS: usize = PAGE_SIZE / SECTOR + 1;
const TAG: usize = 16;
const SERIAL: usize = 20;

/// Descriptor flags: the chain goes on (at `next`); the device writes the buffer.
const NEXT: u16 = 1;
const DEVICE_WRITES: u16 = 2;
/// The available ring's flag that asks the device not to interrupt.
const NO_INTERRUPT: u16 = 1;

/// Queue entries: a request takes four descriptors at most (header, page,
/// tag sector, status).
const QUEUE: usize = 4;

/// How long the device may take over a request, in `time` ticks: ten
/// seconds, generous for a host busy with other work.
const WAIT_LIMIT: u64 = 10 * board::TIMEBASE_HZ;

/// The virtio structures below are read by the device, and the kernel
/// writes them whole: their fields are layout.
#[allow(dead_code)]
#[repr(C)]
struct Descriptor {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

#[allow(dead_code)]
#[repr(C)]
struct Available {
    flags: u16,
    index: u16,
    ring: [u16; QUEUE],
}

#[allow(dead_code)]
#[repr(C)]
struct Used {
    flags: u16,
    index: u16,
    ring: [[u32; 2]; QUEUE],
}

#[allow(dead_code)]
#[repr(C)]
struct Header {
    kind: u32,
    reserved: u32,
    sector: u64,
}

/// What the device reads and writes besides the page: the queue, and the
/// buffers of one request.
#[repr(C, align(16))]
struct Shared {
    descriptors: [Descriptor; QUEUE],
    available: Available,
    used: Used,
    header: Header,
    tag_sector: [u8; SECTOR],
    serial: [u8; SERIAL],
    status: u8,
}

// SAFETY: every field is an integer or an array of them, for which all
// zeros is a valid value.
static mut SHARED: Shared = unsafe { core::mem::zeroed() };

/// SHARED, reached only through raw pointers: the device writes it too.
fn shared() -> *mut Shared {
    addr_of_mut!(SHARED)
}

/// The physical address of something in SHARED (the direct map).
fn phys<T>(at: *const T) -> u64 {
    hw::virt_to_phys(at as usize) as u64
}

/// A register of the device the found-device window shows.
fn read_reg(reg: usize) -> u32 {
    // SAFETY: the window shows a virtio-mmio slot's page (`find` shows one
    // before any register is touched), and `reg` is a register in it.
    unsafe { read_volatile((FOUND_DEVICE + reg) as *const u32) }
}

fn write_reg(reg: usize, value: u32) {
    // SAFETY: as in `read_reg`.
    unsafe { write_volatile((FOUND_DEVICE + reg) as *mut u32, value) }
}

/// Orders every memory and device access before it against every one
/// after: the device sees the whole request before the notification, and
/// the kernel reads the answer only after the used index said it is there.
fn fence() {
    // SAFETY: a fence only orders accesses (and, being asm that may touch
    // memory, keeps the compiler from moving accesses across it).
    unsafe { asm!("fence iorw, iorw") };
}

/// Resets the device: it forgets its queue and, once the status reads 0,
/// has stopped touching memory.
fn reset() {
    write_reg(STATUS, 0);
    let deadline = super::now() + WAIT_LIMIT;
    while read_reg(STATUS) != 0 && super::now() < deadline {}
}

/// Brings the device up with one queue, SHARED's (emptied), taking the
/// VERSION_1 feature alone; the features it offered, or None if it refused.
fn start() -> Option<u64> {
    reset();
    write_reg(STATUS, ACKNOWLEDGE);
    write_reg(STATUS, ACKNOWLEDGE | DRIVER);
    let mut offered = 0;
    for half in 0..2 {
        write_reg(DEVICE_FEATURES_SEL, half);
        offered |= (read_reg(DEVICE_FEATURES) as u64) << (32 * half);
    }
    if offered & VERSION_1 == 0 {
        return None;
    }
    for half in 0..2 {
        write_reg(DRIVER_FEATURES_SEL, half);
        write_reg(DRIVER_FEATURES, (VERSION_1 >> (32 * half)) as u32);
    }
    write_reg(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
    if read_reg(STATUS) & FEATURES_OK == 0 {
        return None;
    }
    write_reg(QUEUE_SEL, 0);
    if read_reg(QUEUE_NUM_MAX) < QUEUE as u32 {
        return None;
    }
    let s = shared();
    // SAFETY: no device uses SHARED now (the one in the window was just
    // reset; any other was reset when it was found not to be the swap
    // disk). Both rings start empty, as the device's count starts at 0.
    unsafe {
        core::ptr::write_bytes(s, 0, 1);
        write_volatile(addr_of_mut!((*s).available.flags), NO_INTERRUPT);
    }
    // SAFETY: only addresses are taken.
    let rings = unsafe { [phys(addr_of!((*s).descriptors)), phys(addr_of!((*s).available)), phys(addr_of!((*s).used))] };
    write_reg(QUEUE_NUM, QUEUE as u32);
    for (reg, at) in [QUEUE_DESC, QUEUE_DRIVER, QUEUE_DEVICE].into_iter().zip(rings) {
        write_reg(reg, at as u32);
        write_reg(reg + 4, (at >> 32) as u32);
    }
    fence();
    write_reg(QUEUE_READY, 1);
    write_reg(STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
    Some(offered)
}

/// The device's capacity in sectors, read whole (the generation did not
/// change meanwhile); 0 if it kept changing.
fn capacity() -> u64 {
    for _ in 0..3 {
        let generation = read_reg(CONFIG_GENERATION);
        let (low, high) = (read_reg(CAPACITY), read_reg(CAPACITY + 4));
        if read_reg(CONFIG_GENERATION) == generation {
            return (high as u64) << 32 | low as u64;
        }
    }
    0
}

/// The swap disk, or none (`page` 0).
pub struct SwapDisk {
    /// The device's register page, shown at FOUND_DEVICE.
    page: usize,
    /// Slots the disk holds (0 if it is of no use: write-protected).
    slots: usize,
    /// Requests made: the available ring's index, which the used ring's
    /// reaches when the device has answered them all.
    made: u16,
    /// The device did not answer in time and was reset: requests fail.
    broken: bool,
}

impl SwapDisk {
    /// No swap disk (all zeros: the kernel's state stays in .bss).
    pub const fn none() -> SwapDisk {
        SwapDisk { page: 0, slots: 0, made: 0, broken: false }
    }

    /// The first block device named the swap disk, in the slots' order,
    /// brought up; every other block device is left reset.
    pub fn find() -> SwapDisk {
        for slot in 0..board::VIRTIO_SLOTS {
            let page = board::VIRTIO_FIRST + slot * 0x1000;
            hw::show_device(Some(page));
            if read_reg(MAGIC) != VIRT || read_reg(VERSION) != MODERN || read_reg(DEVICE_ID) != BLOCK_DEVICE {
                continue;
            }
            let mut disk = SwapDisk { page, ..SwapDisk::none() };
            let Some(features) = start() else {
                reset();
                continue;
            };
            if !disk.is_named_swap() {
                reset();
                continue;
            }
            if features & READ_ONLY == 0 {
                // In 32 bits first: 64-bit division would link a kilobyte of code.
                disk.slots = capacity().min(usize::MAX as u64) as usize / SLOT_SECTORS;
            }
            return disk;
        }
        hw::show_device(None);
        SwapDisk::none()
    }

    /// Whether `pa` is the swap disk's register page.
    pub fn holds(&self, pa: usize) -> bool {
        self.page != 0 && pa == self.page
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    /// No program store on this board.
    pub fn store_pages(&self) -> usize {
        0
    }

    pub fn store_read(&mut self, _page: usize, _va: usize) -> bool {
        false
    }

    /// Writes the page at `pa` and `tag` to slot `slot` (the device reads
    /// the frame itself: its kernel address is not needed).
    pub fn write(&mut self, slot: usize, pa: usize, _va: usize, tag: &[u8; TAG]) -> bool {
        if slot >= self.slots {
            return false;
        }
        let s = shared();
        // SAFETY: between requests the device does not touch SHARED (each
        // is waited for, or the device reset); a raw pointer, no reference.
        let sector = unsafe {
            core::ptr::write_bytes(addr_of_mut!((*s).tag_sector), 0, 1);
            core::ptr::copy_nonoverlapping(tag.as_ptr(), addr_of_mut!((*s).tag_sector).cast::<u8>(), TAG);
            phys(addr_of!((*s).tag_sector))
        };
        self.request(WRITE, slot_sector(slot), &[(pa as u64, PAGE_SIZE as u32, false), (sector, SECTOR as u32, false)])
    }

    /// Reads slot `slot` into the page at `pa` and `tag`.
    pub fn read(&mut self, slot: usize, pa: usize, _va: usize, tag: &mut [u8; TAG]) -> bool {
        if slot >= self.slots {
            return false;
        }
        let s = shared();
        // SAFETY: only an address is taken.
        let sector = unsafe { phys(addr_of!((*s).tag_sector)) };
        if !self.request(READ, slot_sector(slot), &[(pa as u64, PAGE_SIZE as u32, true), (sector, SECTOR as u32, true)]) {
            return false;
        }
        // SAFETY: the device has answered (`request` fenced after the used
        // index), so it is done with the tag sector.
        unsafe { core::ptr::copy_nonoverlapping(addr_of!((*s).tag_sector).cast::<u8>(), tag.as_mut_ptr(), TAG) };
        true
    }

    /// Whether the device's serial names it the swap disk.
    fn is_named_swap(&mut self) -> bool {
        let s = shared();
        // SAFETY: only an address is taken.
        let serial = unsafe { phys(addr_of!((*s).serial)) };
        if !self.request(GET_ID, 0, &[(serial, SERIAL as u32, true)]) {
            return false;
        }
        // SAFETY: the device has answered, as in `read`.
        board::is_swap_disk_serial(&unsafe { read_volatile(addr_of!((*s).serial)) })
    }

    /// One request: `kind` at `sector` with `buffers` (physical address,
    /// length, whether the device writes it) between the header and the
    /// status byte; waits for the answer. Whether the device did it.
    fn request(&mut self, kind: u32, sector: u64, buffers: &[(u64, u32, bool)]) -> bool {
        if self.broken {
            return false;
        }
        let s = shared();
        // SAFETY: between requests the device does not touch SHARED, as in
        // `write`; the descriptors are in range (at most QUEUE - 2 buffers
        // here, or indexing panics); the fence orders the chain and the ring
        // entry before the index the device reads.
        unsafe {
            write_volatile(addr_of_mut!((*s).header), Header { kind, reserved: 0, sector });
            write_volatile(addr_of_mut!((*s).status), 0xff);
            let header = (phys(addr_of!((*s).header)), core::mem::size_of::<Header>() as u32, false);
            let status = (phys(addr_of!((*s).status)), 1, true);
            let chain = core::iter::once(&header).chain(buffers).chain(core::iter::once(&status));
            let last = buffers.len() + 1;
            for (i, &(addr, len, device_writes)) in chain.enumerate() {
                let flags = if device_writes { DEVICE_WRITES } else { 0 } | if i < last { NEXT } else { 0 };
                let next = if i < last { i as u16 + 1 } else { 0 };
                write_volatile(addr_of_mut!((*s).descriptors[i]), Descriptor { addr, len, flags, next });
            }
            write_volatile(addr_of_mut!((*s).available.ring[self.made as usize % QUEUE]), 0);
            self.made = self.made.wrapping_add(1);
            fence();
            write_volatile(addr_of_mut!((*s).available.index), self.made);
        }
        fence();
        write_reg(QUEUE_NOTIFY, 0);
        if !self.answered() {
            reset();
            self.broken = true;
            return false;
        }
        // Interrupts were asked off (NO_INTERRUPT); one raised all the same is lowered.
        write_reg(INTERRUPT_ACK, read_reg(INTERRUPT_STATUS));
        // SAFETY: the device has answered; the status byte is its answer.
        unsafe { read_volatile(addr_of!((*s).status)) == DONE }
    }

    /// Waits (at most WAIT_LIMIT) until the device has answered every request made.
    fn answered(&self) -> bool {
        let deadline = super::now() + WAIT_LIMIT;
        loop {
            // SAFETY: the used ring's index, which the device writes, read alone.
            let used = unsafe { read_volatile(addr_of!((*shared()).used.index)) };
            if used == self.made {
                fence();
                return true;
            }
            if super::now() > deadline {
                return false;
            }
            core::hint::spin_loop();
        }
    }
}

/// Slot `slot`'s first sector.
fn slot_sector(slot: usize) -> u64 {
    slot as u64 * SLOT_SECTORS as u64
}
