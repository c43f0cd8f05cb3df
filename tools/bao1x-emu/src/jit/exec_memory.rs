//! Memory the host may execute: one region mapped from the kernel, kept
//! read+execute except while a compiled block is being copied in (never
//! writable and executable at once). The only place that maps or changes
//! page protections; a compiled block is a range of it, run through
//! `CodeRef::call` in mod.rs.

use std::ffi::c_void;

// The C library's calls (std links it on Linux already).
extern "C" {
    fn mmap(addr: *mut c_void, len: usize, prot: i32, flags: i32, fd: i32, offset: i64) -> *mut c_void;
    fn mprotect(addr: *mut c_void, len: usize, prot: i32) -> i32;
    fn munmap(addr: *mut c_void, len: usize) -> i32;
}
const PROT_READ: i32 = 1;
const PROT_WRITE: i32 = 2;
const PROT_EXEC: i32 = 4;
const MAP_PRIVATE: i32 = 2;
const MAP_ANONYMOUS: i32 = 0x20;
const MAP_FAILED: *mut c_void = !0 as *mut c_void;
const PAGE: usize = 4096;

pub struct ExecMemory {
    base: *mut u8,
    len: usize,
    used: usize,
}

impl ExecMemory {
    /// `len` bytes (a whole number of pages), or `None` if the host refuses.
    pub fn new(len: usize) -> Option<ExecMemory> {
        // SAFETY: an anonymous private mapping at an address the kernel
        // picks touches no memory of ours; failure is checked.
        let base = unsafe { mmap(std::ptr::null_mut(), len, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) };
        (base != MAP_FAILED && !base.is_null()).then_some(ExecMemory { base: base.cast(), len, used: 0 })
    }

    /// Copies `code` in; its offset, or `None` when the region is full.
    pub fn add(&mut self, code: &[u8]) -> Option<usize> {
        let at = self.used.next_multiple_of(16);
        if at + code.len() > self.len {
            return None;
        }
        let first = at / PAGE * PAGE;
        let span = (at + code.len()).next_multiple_of(PAGE) - first;
        // SAFETY: [first, first + span) lies inside our mapping (at +
        // code.len() <= len, and len is whole pages); no compiled code
        // runs while we hold `&mut self`, so no page is executing while it
        // is writable; the bytes written are past every range handed out.
        unsafe {
            let page = self.base.add(first).cast::<c_void>();
            if mprotect(page, span, PROT_READ | PROT_WRITE) != 0 {
                return None;
            }
            std::ptr::copy_nonoverlapping(code.as_ptr(), self.base.add(at), code.len());
            if mprotect(page, span, PROT_READ | PROT_EXEC) != 0 {
                return None;
            }
        }
        self.used = at + code.len();
        Some(at)
    }

    /// Everything handed out is forgotten (the caller retires its offsets).
    pub fn reset(&mut self) {
        self.used = 0;
    }

    /// Where offset `at` is in the host's memory.
    pub fn address(&self, at: usize) -> *const u8 {
        debug_assert!(at < self.len);
        self.base.wrapping_add(at)
    }
}

impl Drop for ExecMemory {
    fn drop(&mut self) {
        // SAFETY: our own mapping, unmapped once; no offset into it is used
        // after the owner (the Jit) is gone.
        unsafe {
            munmap(self.base.cast(), self.len);
        }
    }
}
