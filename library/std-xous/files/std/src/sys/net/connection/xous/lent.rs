//! The bytes a stream read or write lends to the network service.
//!
//! Upstream lends one 4 KiB page per message, from the stack, so 8 MiB
//! through a `TcpStream` took 2,048 round trips through the service, each
//! followed by a run of its TCP stack. Here a read or write lends up to
//! `MOST` bytes (whole pages) in one message; the service takes or fills
//! as much of it as the connection allows (a blocking write all of it).
//!
//! The pages come from the heap, and are kept for the next request
//! (`SPARES`), so a stream moving data in a loop neither allocates nor
//! clears them each time: what is lent holds whatever the last request
//! left (initialised bytes, of this process). If the heap cannot give
//! them, one page on the stack is lent, as upstream does: slower, never an
//! error.

use crate::alloc::{Layout, alloc_zeroed, dealloc};
use crate::ops::{Deref, DerefMut};
use crate::ptr::{self, NonNull};
use crate::sync::atomic::{AtomicPtr, Ordering};

const PAGE: usize = crate::sys::pal::abi::memory::PAGE_SIZE;
/// The most one message lends: 16 pages.
pub(super) const MOST: usize = 16 * PAGE;
/// Every heap buffer is this: `MOST` bytes, page-aligned.
const LAYOUT: Layout = match Layout::from_size_align(MOST, PAGE) {
    Ok(layout) => layout,
    Err(_) => panic!("MOST and PAGE make a layout"),
};

/// Heap buffers kept between requests (null: none). Two, for the common
/// case of one thread reading while another writes; more requests at once
/// allocate, and free when there is no room here.
static SPARES: [AtomicPtr<u8>; 2] = [const { AtomicPtr::new(ptr::null_mut()) }; 2];

#[repr(C, align(4096))]
pub(super) struct Page([u8; PAGE]);

/// Page-aligned bytes for one request (whole pages, as a lend must be).
/// Shaped like the upstream request structs (a `raw` field) so the client
/// code that used those keeps its form.
pub(super) struct Lent {
    pub(super) raw: Bytes,
}

pub(super) enum Bytes {
    /// The first `len` bytes of a `LAYOUT` buffer.
    Pages { start: NonNull<u8>, len: usize },
    /// When the heap had no buffer.
    Page(Page),
}

impl Lent {
    /// Room for `wanted` bytes (at least a page), or as many as one
    /// message takes.
    pub(super) fn new(wanted: usize) -> Lent {
        let len = wanted.clamp(1, MOST).next_multiple_of(PAGE);
        let spare = SPARES.iter().find_map(|slot| NonNull::new(slot.swap(ptr::null_mut(), Ordering::Acquire)));
        // SAFETY: `LAYOUT` is not zero-sized.
        match spare.or_else(|| NonNull::new(unsafe { alloc_zeroed(LAYOUT) })) {
            Some(start) => Lent { raw: Bytes::Pages { start, len } },
            None => Lent { raw: Bytes::Page(Page([0; PAGE])) },
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Page(page) => &page.0,
            // SAFETY: `start` holds `MOST >= len` initialised bytes (zeroed
            // when allocated) that this value owns until it drops.
            Bytes::Pages { start, len } => unsafe { crate::slice::from_raw_parts(start.as_ptr(), *len) },
        }
    }
}

impl DerefMut for Bytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Bytes::Page(page) => &mut page.0,
            // SAFETY: as in `deref`, and `&mut self` makes the access unique.
            Bytes::Pages { start, len } => unsafe { crate::slice::from_raw_parts_mut(start.as_ptr(), *len) },
        }
    }
}

impl Drop for Bytes {
    fn drop(&mut self) {
        if let Bytes::Pages { start, .. } = self {
            // Kept as a spare if there is room, or freed.
            let kept = SPARES.iter().any(|slot| {
                slot.compare_exchange(ptr::null_mut(), start.as_ptr(), Ordering::Release, Ordering::Relaxed).is_ok()
            });
            if !kept {
                // SAFETY: allocated with `LAYOUT` (in `Lent::new`), freed once.
                unsafe { dealloc(start.as_ptr(), LAYOUT) }
            }
        }
    }
}
