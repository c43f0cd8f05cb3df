//! The service's heap, for the block cache and the tables: a first-fit
//! allocator over the process heap, which grows with IncreaseHeap when an
//! allocation does not fit (the new pages follow the last, so the one
//! region is extended). The cache is bounded (`store.rs`), so running out
//! means the kernel's heap limit is too low; the allocation then fails and
//! the service ends.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use linked_list_allocator::LockedHeap;
use xous_abi::memory::flags;
use xous_rt::{syscall, Syscall, SyscallResult};

/// The heap grows by at least this much at a time.
const GROWTH: usize = 256 * 1024;

pub struct Heap(LockedHeap);

impl Heap {
    pub const fn new() -> Heap {
        Heap(LockedHeap::empty())
    }
}

// SAFETY: blocks come from the locked allocator, which hands out disjoint
// blocks of its region; the region is heap memory the kernel mapped for
// this process, used by nothing else.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.0.lock();
        loop {
            if let Ok(block) = heap.allocate_first_fit(layout) {
                return block.as_ptr();
            }
            let wanted = (layout.size() + layout.align() + 64).max(GROWTH).next_multiple_of(4096);
            let r = syscall(Syscall::IncreaseHeap, &[wanted, flags::R | flags::W]);
            if r[0] != SyscallResult::MemoryRange as usize {
                return core::ptr::null_mut();
            }
            if heap.size() == 0 {
                // SAFETY: fresh heap pages, mapped read-write, used by no one.
                unsafe { heap.init(r[1] as *mut u8, r[2]) };
            } else {
                // SAFETY: the new pages follow the region's end directly.
                unsafe { heap.extend(r[2]) };
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(block) = NonNull::new(ptr) {
            // SAFETY: `ptr` came from `alloc` with this layout (GlobalAlloc's contract).
            unsafe { self.0.lock().deallocate(block, layout) };
        }
    }
}
