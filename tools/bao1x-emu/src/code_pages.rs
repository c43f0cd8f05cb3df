//! Which physical pages hold code the hart has decoded into blocks, so
//! that a write to one (a store, a DMA transfer, an RRAM row committed, an
//! image loaded) retires the blocks decoded from it: code that writes code
//! runs what it wrote. Each page has a generation; a block remembers its
//! page's generation when it is decoded and is stale once that has moved.
//! Lives in the bus because every path that writes memory passes there.

use crate::bus::{IFRAM_BASE, IFRAM_LEN, RRAM_BASE, RRAM_LEN, SRAM_BASE, SRAM_LEN};

const PAGE: usize = 4096;
const RRAM_PAGES: usize = RRAM_LEN / PAGE;
const SRAM_PAGES: usize = SRAM_LEN / PAGE;
const IFRAM_PAGES: usize = IFRAM_LEN / PAGE;
/// Where each memory's pages start in the one index.
pub const RRAM_FIRST: usize = 0;
pub const SRAM_FIRST: usize = RRAM_FIRST + RRAM_PAGES;
pub const IFRAM_FIRST: usize = SRAM_FIRST + SRAM_PAGES;
const PAGES: usize = IFRAM_FIRST + IFRAM_PAGES;

pub struct CodePages {
    /// Whether a block was decoded from the page since it last changed.
    has_code: Vec<bool>,
    /// Bumped at each change of a page blocks were decoded from: 64 bits,
    /// so no number of rewrites brings an old block's value back.
    generation: Vec<u64>,
    /// A page holding code was written since the hart last looked: the
    /// block running must end after the instruction that did it.
    pub written: bool,
}

impl Default for CodePages {
    fn default() -> CodePages {
        CodePages { has_code: vec![false; PAGES], generation: vec![0; PAGES], written: false }
    }
}

/// The page index of physical address `pa`, if memory is there.
pub fn index(pa: u32) -> Option<usize> {
    let within = |base: u32, len: usize| {
        let offset = pa.wrapping_sub(base) as usize;
        (offset < len).then_some(offset / PAGE)
    };
    within(SRAM_BASE, SRAM_LEN)
        .map(|p| SRAM_FIRST + p)
        .or_else(|| within(RRAM_BASE, RRAM_LEN).map(|p| RRAM_FIRST + p))
        .or_else(|| within(IFRAM_BASE, IFRAM_LEN).map(|p| IFRAM_FIRST + p))
}

impl CodePages {
    /// A block is being decoded from page `page`: its generation, to keep.
    pub fn decoding(&mut self, page: usize) -> u64 {
        self.has_code[page] = true;
        self.generation[page]
    }

    /// Whether a block decoded from `page` at `generation` is still good.
    #[inline]
    pub fn current(&self, page: usize, generation: u64) -> bool {
        self.generation[page] == generation
    }

    /// Page `page` (an index) is being written.
    #[inline]
    pub fn write(&mut self, page: usize) {
        if self.has_code[page] {
            self.has_code[page] = false;
            self.generation[page] = self.generation[page].wrapping_add(1);
            self.written = true;
        }
    }

    /// `len` bytes at physical `pa` are being written.
    pub fn write_range(&mut self, pa: u32, len: usize) {
        let last = pa.wrapping_add(len.max(1) as u32 - 1);
        let mut at = pa & !(PAGE as u32 - 1);
        loop {
            if let Some(page) = index(at) {
                self.write(page);
            }
            if at >= last & !(PAGE as u32 - 1) {
                break;
            }
            at += PAGE as u32;
        }
    }

    /// SRAM's pages' flags, one byte each (true: code was decoded from
    /// it), for compiled code to check before it stores.
    pub fn sram_flags(&self) -> *const bool {
        self.has_code[SRAM_FIRST..].as_ptr()
    }

    /// Every block retired (memory changed behind the bus's back).
    pub fn forget_all(&mut self) {
        for page in 0..PAGES {
            self.has_code[page] = true;
            self.write(page);
        }
        self.written = false;
    }
}
