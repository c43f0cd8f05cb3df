//! The program store: a program larger than the board's read-only memory
//! keeps its segments' bytes in the board's external flash (the baosec
//! board's NOR flash), page by page, and the boot image keeps the SHA-256
//! digest of each page (boot-image/FORMAT.md), under the image's CRC and,
//! on the chip, the boot ROM's signature. Boot maps such a page as STORED
//! (pte.rs), naming its store page: the first touch reads it into a fresh
//! frame and maps it only if its digest matches, so a page altered on the
//! flash never runs; one that does not match ends its process with a line
//! naming the page, as a swap page that fails its tag does.
//!
//! A read-only page that came from the store goes back to STORED when
//! swap's clock takes it: nothing is written, the store still holds it.
//! For that the store keeps, for each read-only segment it backs, which
//! pages of which process it holds (a few ranges, not a table per page);
//! a process that unmaps any of them loses its range, and such pages then
//! swap as any other. Writable pages become the process's own at their
//! first touch, and swap as any other.

use super::PageInError;
use crate::kernel::{Kernel, Platform};
use crate::mem::frames::Owner;
use crate::mem::pte;
use crate::mem::space::Space;
use crate::mem::PAGE_SIZE;
use boot_image::layout::store::DIGEST_LEN;
use sha2::{Digest, Sha256};

/// Read-only segments the store can take pages back from: the main program
/// has one or two (text, read-only data); more are swapped instead.
const RANGES: usize = 8;

/// Pages `[start, end)` of process `pid` are store pages from `first` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    pid: Owner,
    start: usize,
    end: usize,
    first: usize,
}

pub struct Store {
    /// Where the digest table is (physical: in the boot image, in
    /// read-only memory) and how many pages it covers; 0 with no store.
    digests: usize,
    pages: usize,
    ranges: [Option<Range>; RANGES],
    /// Pages read from the store, and read-only pages let go back to it.
    pub pages_in: u64,
    pub dropped: u64,
}

impl Store {
    pub const fn new() -> Store {
        Store { digests: 0, pages: 0, ranges: [None; RANGES], pages_in: 0, dropped: 0 }
    }

    /// Uses `pages` pages of the board's store, whose digests are at
    /// physical address `digests`.
    pub fn open(&mut self, digests: usize, pages: usize) {
        (self.digests, self.pages) = (digests, pages);
    }

    /// Pages of the store in use (0: none).
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Notes that `pid`'s read-only pages from `start` to `end` are store
    /// pages from `first` on. With no room left they are not noted: the
    /// clock then swaps them as it does other pages.
    pub fn add_range(&mut self, pid: Owner, start: usize, end: usize, first: usize) {
        if let Some(free) = self.ranges.iter_mut().find(|r| r.is_none()) {
            *free = Some(Range { pid, start, end, first });
        }
    }

    /// The store page behind `pid`'s read-only page `va`, if it has one.
    fn page_of(&self, pid: Owner, va: usize) -> Option<usize> {
        let range = self.ranges.iter().flatten().find(|r| r.pid == pid && (r.start..r.end).contains(&va))?;
        Some(range.first + (va - range.start) / PAGE_SIZE)
    }

    /// Forgets `pid`'s ranges that meet `[start, end)` (it unmaps there:
    /// what it maps next there is not the store's).
    pub fn forget(&mut self, pid: Owner, start: usize, end: usize) {
        for slot in &mut self.ranges {
            if slot.is_some_and(|r| r.pid == pid && r.start < end && start < r.end) {
                *slot = None;
            }
        }
    }

    /// Forgets every range of `pid` (it has ended).
    pub fn forget_all(&mut self, pid: Owner) {
        self.forget(pid, 0, usize::MAX);
    }
}

impl<P: Platform> Kernel<P> {
    /// Reads the store page that stored entry `e` names into a fresh frame
    /// and maps it at `va` of `pid` (address space `space`) if its digest
    /// matches.
    pub(super) fn store_page_in(&mut self, pid: Owner, space: Space, va: usize, e: u32) -> Result<(), PageInError> {
        let page = pte::store_page(e);
        let expected = self.store_digest(page).ok_or(PageInError::Mismatch)?;
        self.make_room(pid, 1);
        // The program's own code and data, which it cannot go on without:
        // past the reserve rule as a swapped page is (swap/mod.rs).
        let hoarding = self.hoarding(pid);
        let frame = self.frames.alloc_returning(pid).ok_or(PageInError::OutOfMemory)?;
        let read = self.hw.store_read(page, frame);
        if !read || Sha256::digest(&super::seal::bytes(self.hw.table(frame))[..])[..] != expected[..] {
            // Never mapped, never seen: the frame goes back cleared, and the
            // entry stays as it was (a touch tries again, and ends the
            // process if the page still does not match).
            self.hw.zero(frame);
            let _ = self.frames.free(frame, pid);
            return Err(if read { PageInError::Mismatch } else { PageInError::StoreUnreadable });
        }
        space.walk().replace(&mut self.hw, va, pte::entry(frame, (e & (pte::RWX | pte::U)) | pte::V | pte::A | pte::D));
        self.hw.flush_tlb(pid, Some(va));
        self.swap.store.pages_in += 1;
        if hoarding {
            self.give_one_back(pid, va);
        }
        Ok(())
    }

    /// Lets cold page `va` of `pid` (entry `e` in `table`) go back to the
    /// store if the store holds it (a read-only page from there): no slot,
    /// no seal, no write. Whether it went.
    pub(super) fn store_drop(&mut self, pid: Owner, va: usize, table: usize, e: u32) -> bool {
        let Some(page) = self.swap.store.page_of(pid, va).filter(|_| e & pte::W == 0) else { return false };
        self.hw.low_table(table)[pte::vpn0(va)] = pte::stored(page, e);
        self.hw.flush_tlb(pid, Some(va));
        let _ = self.frames.free(pte::address(e), pid);
        self.swap.store.dropped += 1;
        true
    }

    /// Store page `page`'s digest, from the table in the boot image (read
    /// through the frame window, as any page of read-only memory).
    fn store_digest(&mut self, page: usize) -> Option<[u8; DIGEST_LEN]> {
        let store = &self.swap.store;
        if page >= store.pages {
            return None;
        }
        let at = store.digests + page * DIGEST_LEN;
        let mut digest = [0; DIGEST_LEN];
        // The table is 4-byte aligned, so a digest may cross a page.
        let first = (PAGE_SIZE - at % PAGE_SIZE).min(DIGEST_LEN);
        self.hw.read(at & !(PAGE_SIZE - 1), at % PAGE_SIZE, &mut digest[..first]);
        if first < DIGEST_LEN {
            self.hw.read((at & !(PAGE_SIZE - 1)) + PAGE_SIZE, 0, &mut digest[first..]);
        }
        Some(digest)
    }
}
