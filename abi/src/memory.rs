//! Memory: page size, `MapMemory` flags, the conventional user address-space
//! layout, and the magic return addresses the kernel recognises.

pub const PAGE_SIZE: usize = 4096;

/// `MapMemory` / `IncreaseHeap` / `UpdateMemoryFlags` flags.
pub mod flags {
    pub const RESERVE: usize = 0x01;
    pub const R: usize = 0x02;
    pub const W: usize = 0x04;
    pub const X: usize = 0x08;
    /// Device memory: map the given physical range, uncached.
    pub const DEV: usize = 0x10;
    pub const VIRT: usize = 0x20;
    /// Every defined flag.
    pub const ALL: usize = RESERVE | R | W | X | DEV | VIRT;
}

/// Where a program's text starts (the linker's default for the target).
pub const USER_TEXT_BASE: usize = 0x0001_0000;
/// The heap, grown by `IncreaseHeap`.
pub const USER_HEAP_BASE: usize = 0x2000_0000;
/// Where received memory messages appear in a server.
pub const USER_MESSAGE_BASE: usize = 0x4000_0000;
/// Where `MapMemory` with no address places anonymous memory.
pub const USER_MMAP_BASE: usize = 0x6000_0000;
/// The main thread's stack grows down from here.
pub const USER_STACK_TOP: usize = 0x8000_0000;
/// First address that is not user space.
pub const USER_END: usize = 0xff00_0000;
/// The most RAM the kernel image (code, data, .bss, boot stack) may occupy.
pub const KERNEL_IMAGE_MAX: usize = 4 * 1024 * 1024;
/// The largest boot image the kernel can start: it reads the image through
/// its direct map of the first RAM, which spans the kernel's address space
/// from 0xff40_0000 up (12 MiB).
pub const BOOT_IMAGE_MAX: usize = 12 * 1024 * 1024;

/// A thread that returns here leaves its interrupt handler.
pub const RETURN_FROM_INTERRUPT: usize = 0xff80_2000;
/// A thread that returns here has finished (std's threads do).
pub const RETURN_FROM_THREAD: usize = 0xff80_3000;
/// A thread that returns here leaves its exception handler.
pub const RETURN_FROM_EXCEPTION: usize = 0xff80_4000;

pub const fn is_page_aligned(value: usize) -> bool {
    value % PAGE_SIZE == 0
}

pub const fn page_round_up(value: usize) -> usize {
    value.next_multiple_of(PAGE_SIZE)
}

/// True when `[addr, addr + len)` is non-empty, whole pages, and inside user space.
pub const fn is_user_page_range(addr: usize, len: usize) -> bool {
    is_page_aligned(addr)
        && is_page_aligned(len)
        && len != 0
        && addr != 0
        && match addr.checked_add(len) {
            Some(end) => end <= USER_END,
            None => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ranges() {
        assert!(is_user_page_range(USER_HEAP_BASE, PAGE_SIZE));
        assert!(!is_user_page_range(0, PAGE_SIZE), "null page");
        assert!(!is_user_page_range(USER_HEAP_BASE + 1, PAGE_SIZE), "unaligned");
        assert!(!is_user_page_range(USER_HEAP_BASE, 100), "partial page");
        assert!(!is_user_page_range(USER_HEAP_BASE, 0), "empty");
        assert!(!is_user_page_range(USER_END - PAGE_SIZE, 2 * PAGE_SIZE), "into the kernel");
        assert!(!is_user_page_range(0xffff_f000, 0x2000), "wraps");
    }
}
