//! The heap of a service that needs one (the network service's socket
//! buffers, the filesystem's block cache and tables): a first-fit allocator
//! over the process heap, grown with IncreaseHeap whenever an allocation
//! does not fit. The kernel puts new heap pages right after the last ones,
//! so the allocator's one region is extended. The kernel backs new heap at
//! the call (no RESERVE flag), so a page handed out here is never refused
//! later at a touch. A refused IncreaseHeap (over the heap limit, or RAM
//! taken by others) is a null allocation: fallible allocations (the
//! network service's socket buffers) turn it into an error for the client
//! that asked; an infallible one ends the service, which is why each user
//! bounds what it allocates.
//!
//! Kept out of xous-rt so that services without a heap link no allocator.
#![no_std]

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use linked_list_allocator::LockedHeap;
use xous_abi::memory::flags;
use xous_rt::{syscall, Syscall, SyscallResult};

/// The heap grows by at least this much at a time: few enough calls, and
/// little committed beyond need on a 2 MiB machine (the Baochip-1x; at
/// 256 KiB, the filesystem's idle heap alone took an eighth of its SRAM).
const GROWTH: usize = 32 * 1024;

/// Use as `#[global_allocator] static HEAP: Heap = Heap::new();`.
pub struct Heap {
    heap: LockedHeap,
    /// The least the heap grows by.
    growth: usize,
}

impl Heap {
    pub const fn new() -> Heap {
        Heap::growing_by(GROWTH)
    }

    /// A heap that grows by at least `bytes` at a time (whole pages): for
    /// a service whose heap stays small (the ticktimer's held requests).
    pub const fn growing_by(bytes: usize) -> Heap {
        Heap { heap: LockedHeap::empty(), growth: bytes }
    }
}

/// More heap from the kernel: (start, bytes), or `None` when refused.
fn increase_heap(bytes: usize) -> Option<(usize, usize)> {
    let r = syscall(Syscall::IncreaseHeap, &[bytes, flags::R | flags::W]);
    (r[0] == SyscallResult::MemoryRange as usize).then_some((r[1], r[2]))
}

// SAFETY: allocation and deallocation go through the locked allocator,
// which hands out disjoint blocks of the region it was given; the region
// is heap memory the kernel mapped for this process and nothing else uses.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.heap.lock();
        loop {
            if let Ok(block) = heap.allocate_first_fit(layout) {
                return block.as_ptr();
            }
            let wanted = (layout.size() + layout.align() + 64).max(self.growth).next_multiple_of(4096);
            let Some((start, bytes)) = increase_heap(wanted) else {
                return core::ptr::null_mut();
            };
            if heap.size() == 0 {
                // SAFETY: fresh heap pages, mapped read-write, used by no one.
                unsafe { heap.init(start as *mut u8, bytes) };
            } else {
                // SAFETY: the new pages follow the region's end directly.
                unsafe { heap.extend(bytes) };
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(block) = NonNull::new(ptr) {
            // SAFETY: `ptr` came from `alloc` with this layout (GlobalAlloc's contract).
            unsafe { self.heap.lock().deallocate(block, layout) };
        }
    }
}
