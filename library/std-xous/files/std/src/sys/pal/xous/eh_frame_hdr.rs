//! Which unwind table the unwinder searches for a program counter.
//!
//! The loader hands `_start` the address of `.eh_frame` only. Searching that
//! section means parsing it from the start for every frame of every unwind:
//! in a 5 MB test program a single panic caught by `catch_unwind` cost about
//! 100 ms on QEMU. The linker also writes `.eh_frame_hdr`, a sorted table for
//! binary search, and a `PT_GNU_EH_FRAME` program header pointing at it. The
//! program's own ELF header is loaded with its first segment (the linker
//! marks it with `__ehdr_start`), so the table is found from there, once,
//! without changing what the loader passes. A program linked without loaded
//! headers or without the table falls back to `.eh_frame`.

use crate::sync::atomic::{AtomicUsize, Ordering};

const PT_GNU_EH_FRAME: u32 = 0x6474_e550;
/// Not looked up yet; 0 means looked up and absent.
const UNKNOWN: usize = usize::MAX;
static EH_FRAME_HDR: AtomicUsize = AtomicUsize::new(UNKNOWN);

unsafe extern "C" {
    /// The ELF header, where the linker placed it in memory; null when it
    /// is not in a loaded segment.
    #[linkage = "extern_weak"]
    static __ehdr_start: *const u8;
}

/// The table to search: `.eh_frame_hdr` when the program has one, else the
/// `.eh_frame` section at `eh_frame`.
pub(crate) fn frame_info_kind(eh_frame: usize) -> unwind::FrameInfoKind {
    let mut hdr = EH_FRAME_HDR.load(Ordering::Relaxed);
    if hdr == UNKNOWN {
        // SAFETY: a non-null `__ehdr_start` is the loaded ELF header of this
        // program, with its program headers in the same read-only segment.
        hdr = unsafe { find_eh_frame_hdr(__ehdr_start) }.unwrap_or(0);
        EH_FRAME_HDR.store(hdr, Ordering::Relaxed);
    }
    match hdr {
        0 => unwind::FrameInfoKind::EhFrame(eh_frame),
        hdr => unwind::FrameInfoKind::EhFrameHdr(hdr),
    }
}

/// The address `PT_GNU_EH_FRAME` gives, if the header at `ehdr` is a 32-bit
/// little-endian ELF header and the table there is of the version the
/// unwinder reads (1).
unsafe fn find_eh_frame_hdr(ehdr: *const u8) -> Option<usize> {
    if ehdr.is_null() {
        return None;
    }
    // SAFETY: the caller vouches for a loaded ELF header (52 bytes).
    let header = unsafe { crate::slice::from_raw_parts(ehdr, 52) };
    let half = |at: usize| u16::from_le_bytes([header[at], header[at + 1]]) as usize;
    let word = |bytes: &[u8], at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    if header[..6] != *b"\x7fELF\x01\x01" || half(42) != 32 {
        return None;
    }
    let (phoff, phnum) = (word(header, 28) as usize, half(44));
    (0..phnum).find_map(|index| {
        // SAFETY: the program headers follow the ELF header in the segment
        // it was loaded with; `phoff` and `phnum` come from that header.
        let ph = unsafe { crate::slice::from_raw_parts(ehdr.add(phoff + index * 32), 32) };
        let hdr = word(ph, 8) as usize;
        // SAFETY: `PT_GNU_EH_FRAME` points into a loaded read-only segment.
        (word(ph, 0) == PT_GNU_EH_FRAME && hdr != 0 && unsafe { *crate::ptr::with_exposed_provenance::<u8>(hdr) } == 1).then_some(hdr)
    })
}
