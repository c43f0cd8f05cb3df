//! A split virtqueue (virtio 1.x, section 2.7) in one page of ours: the
//! descriptor table, the available ring and the used ring, for up to 128
//! entries. The driver owns a descriptor from `give` until the device hands
//! it back through the used ring (`take_used`). One buffer per descriptor
//! for rng and net; a chain of descriptors for one request of the block
//! device (`give_chain`: header, data, status). No indirect tables.

use crate::{dma_page, VirtioError};
use core::sync::atomic::{fence, Ordering};
use xous_rt::{syscall, Syscall};

/// The descriptor continues in the one named by its `next` field.
const DESC_NEXT: u16 = 1;
/// The device writes the buffer (else it reads it).
const DESC_WRITE: u16 = 2;

pub struct Queue {
    size: u16,
    page: usize,
    phys: usize,
    /// Where the available and used rings start in the page.
    avail_at: usize,
    used_at: usize,
    /// The next available index we publish.
    next_avail: u16,
    /// The used index we have seen up to.
    last_used: u16,
}

impl Queue {
    /// A queue of `size` entries (a power of two, 1..=128).
    pub fn new(size: u16) -> Result<Queue, VirtioError> {
        if !size.is_power_of_two() || size > 128 {
            return Err(VirtioError::Refused("queue size"));
        }
        let (page, phys) = dma_page()?;
        let avail_at = 16 * size as usize;
        let used_at = (avail_at + 6 + 2 * size as usize + 3) & !3;
        Ok(Queue { size, page, phys, avail_at, used_at, next_avail: 0, last_used: 0 })
    }

    pub fn size(&self) -> u16 {
        self.size
    }

    /// Gives the queue's page back, once its device has been reset.
    pub fn release(self) {
        syscall(Syscall::UnmapMemory, &[self.page, 4096]);
    }

    /// Physical addresses of the descriptor table, available ring and used ring.
    pub fn rings(&self) -> [usize; 3] {
        [self.phys, self.phys + self.avail_at, self.phys + self.used_at]
    }

    fn u16_at(&self, at: usize) -> *mut u16 {
        (self.page + at) as *mut u16
    }

    /// Hands descriptor `desc` to the device: the buffer at physical `phys`,
    /// `len` bytes, which the device writes if `device_writes`. The caller
    /// must not give a descriptor the device still holds, and must notify
    /// the device afterwards.
    pub fn give(&mut self, desc: u16, phys: usize, len: u32, device_writes: bool) {
        self.give_chain(desc, &[(phys, len, device_writes)]);
    }

    /// Hands the device one request made of several buffers, in descriptors
    /// `first`, `first + 1`, ... chained in that order; each buffer is
    /// (physical address, length, whether the device writes it). The used
    /// ring will name `first`. The same rules as `give` hold for each.
    pub fn give_chain(&mut self, first: u16, buffers: &[(usize, u32, bool)]) {
        assert!(!buffers.is_empty() && first as usize + buffers.len() <= self.size as usize, "descriptors out of range");
        for (i, &(phys, len, device_writes)) in buffers.iter().enumerate() {
            let desc = first + i as u16;
            let more = i + 1 < buffers.len();
            let flags = if device_writes { DESC_WRITE } else { 0 } | if more { DESC_NEXT } else { 0 };
            let next = if more { desc + 1 } else { 0 };
            let at = self.page + 16 * desc as usize;
            // SAFETY: the queue page is ours and mapped; `desc` is in range
            // (asserted above), so the descriptor lies inside it. The device
            // reads it only once the available index moves past the chain.
            unsafe {
                core::ptr::write_volatile(at as *mut u64, phys as u64);
                core::ptr::write_volatile((at + 8) as *mut u32, len);
                core::ptr::write_volatile((at + 12) as *mut u16, flags);
                core::ptr::write_volatile((at + 14) as *mut u16, next);
            }
        }
        let slot = self.avail_at + 4 + 2 * (self.next_avail % self.size) as usize;
        // SAFETY: the ring slot and index are inside our page; the fences
        // order the descriptors and the slot before the index the device
        // watches.
        unsafe {
            core::ptr::write_volatile(self.u16_at(slot), first);
            fence(Ordering::SeqCst);
            self.next_avail = self.next_avail.wrapping_add(1);
            core::ptr::write_volatile(self.u16_at(self.avail_at + 2), self.next_avail);
            fence(Ordering::SeqCst);
        }
    }

    /// The next descriptor the device has finished with, and how many bytes
    /// it wrote into it.
    pub fn take_used(&mut self) -> Option<(u16, u32)> {
        // SAFETY: the used ring's index, which the device writes, in our page.
        let used = unsafe { core::ptr::read_volatile(self.u16_at(self.used_at + 2)) };
        if used == self.last_used {
            return None;
        }
        fence(Ordering::SeqCst);
        let element = self.page + self.used_at + 4 + 8 * (self.last_used % self.size) as usize;
        self.last_used = self.last_used.wrapping_add(1);
        // SAFETY: a used element the device has completed, inside our page.
        let (id, len) = unsafe {
            (core::ptr::read_volatile(element as *const u32), core::ptr::read_volatile((element + 4) as *const u32))
        };
        // A device that names a descriptor we do not have is ignored.
        (id < self.size as u32).then_some((id as u16, len))
    }
}
