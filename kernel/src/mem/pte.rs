//! Sv32 page-table entries, and the meaning we give to invalid ones.
//!
//! A valid entry is what the hardware reads. An invalid entry (V = 0) is
//! ignored by the hardware, so its other bits are ours: `LAZY` marks a page
//! that is reserved and gets a zeroed frame on first touch (with the R/W/X
//! bits it will have), `GUARD` a page that is reserved but never accessible
//! (std's stack guard pages, mapped "write-only"). With swap (swap/mod.rs)
//! two more states: `COLD`, a resident page made invalid so that its next
//! touch shows it is in use (the chip's MMU never sets A), and `SWAPPED`, a
//! page whose contents are in a slot of the swap device (the slot number
//! where the frame's would be). And with a program store (swap/store.rs)
//! `STORED`: a page of a program whose contents are that store's page (its
//! number where the frame's would be), not read yet or dropped again.

pub const V: u32 = 1 << 0;
pub const R: u32 = 1 << 1;
pub const W: u32 = 1 << 2;
pub const X: u32 = 1 << 3;
pub const U: u32 = 1 << 4;
pub const G: u32 = 1 << 5;
pub const A: u32 = 1 << 6;
pub const D: u32 = 1 << 7;
/// Software bits (RSW), used only in invalid entries.
pub const LAZY: u32 = 1 << 8;
pub const GUARD: u32 = 1 << 9;

pub const RWX: u32 = R | W | X;
/// In a valid entry: the page is lent read-only (W, if it had it, is off).
pub const LENT_READ_ONLY: u32 = 1 << 8;
/// In a valid entry lent read-only: it had W, which comes back with it.
pub const WRITE_TAKEN: u32 = 1 << 9;
/// An invalid entry with both marks: the page is lent away (mutably, or
/// being moved); address and permissions are kept for its return.
pub const LENT_AWAY: u32 = LAZY | GUARD;
/// In a valid entry without LENT_READ_ONLY: the page is a received Borrow
/// or MutableBorrow, the lender's frame; it belongs to the message until
/// the answer, so its receiver may not unmap, change, lend or move it.
pub const BORROWED: u32 = 1 << 9;

/// In an invalid entry without LAZY or GUARD (the A and D bits' places,
/// which mean nothing there): the page is resident but cold (its frame
/// address kept; the next touch makes it valid again), or swapped out
/// (the slot number in the address bits). R/W/X/U are kept in both.
pub const COLD: u32 = A;
pub const SWAPPED: u32 = D;
/// Both: the page is in the program store.
pub const STORED: u32 = A | D;
const STATE: u32 = V | LAZY | GUARD | COLD | SWAPPED;

/// Entries per table (4 KiB / 4 bytes).
pub const ENTRIES: usize = 1024;

pub const fn vpn1(va: usize) -> usize {
    (va >> 22) & 0x3ff
}

pub const fn vpn0(va: usize) -> usize {
    (va >> 12) & 0x3ff
}

/// A leaf or pointer entry for physical address `pa` (4 KiB aligned).
pub const fn entry(pa: usize, flags: u32) -> u32 {
    (((pa >> 12) as u32) << 10) | flags
}

/// The physical address an entry points at.
pub fn address(entry: u32) -> usize {
    ((entry >> 10) as usize) << 12
}

pub fn is_valid(entry: u32) -> bool {
    entry & V != 0
}

/// A valid entry with R, W or X set maps a page; without, it points to a table.
pub fn is_leaf(entry: u32) -> bool {
    is_valid(entry) && entry & RWX != 0
}

/// A page reserved to be backed with a zeroed frame on first touch.
pub fn is_lazy(entry: u32) -> bool {
    !is_valid(entry) && entry & LENT_AWAY == LAZY
}

/// A page that is lent out (either way) and may not be changed by its owner.
pub fn is_lent(entry: u32) -> bool {
    if is_valid(entry) { entry & LENT_READ_ONLY != 0 } else { entry & LENT_AWAY == LENT_AWAY }
}

/// A received Borrow or MutableBorrow's page (see BORROWED).
pub fn is_borrowed(entry: u32) -> bool {
    is_valid(entry) && entry & (LENT_READ_ONLY | BORROWED) == BORROWED
}

/// A page its process may not unmap, change or hand on now: lent out, or borrowed.
pub fn is_held(entry: u32) -> bool {
    is_lent(entry) || is_borrowed(entry)
}

/// A resident page made invalid to see whether it is touched (swap's clock).
pub fn is_cold(entry: u32) -> bool {
    entry & STATE == COLD
}

/// A page whose contents are in the swap slot `swap_slot(entry)`.
pub fn is_swapped(entry: u32) -> bool {
    entry & STATE == SWAPPED
}

/// A page whose contents are program store page `store_page(entry)`.
pub fn is_stored(entry: u32) -> bool {
    entry & STATE == STORED
}

/// An entry for a page held by program store page `page`, with `entry`'s
/// permissions.
pub fn stored(page: usize, entry: u32) -> u32 {
    ((page as u32) << 10) | (entry & (RWX | U)) | STORED
}

/// The program store page a stored entry names.
pub fn store_page(entry: u32) -> usize {
    (entry >> 10) as usize
}

/// An entry for a page swapped out to `slot`, with `entry`'s permissions.
pub fn swapped(slot: usize, entry: u32) -> u32 {
    ((slot as u32) << 10) | (entry & (RWX | U)) | SWAPPED
}

/// The swap slot a swapped-out entry names.
pub fn swap_slot(entry: u32) -> usize {
    (entry >> 10) as usize
}

/// A valid entry made cold, and back.
pub fn cooled(entry: u32) -> u32 {
    (entry & !(V | A | D)) | COLD
}
pub fn warmed(entry: u32) -> u32 {
    (entry & !COLD) | V | A | D
}

/// Reserved but not (yet) backed: lazy or guard.
pub fn is_reserved(entry: u32) -> bool {
    !is_valid(entry) && entry & (LAZY | GUARD) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes() {
        let e = entry(0x8123_4000, V | R | U);
        assert_eq!(address(e), 0x8123_4000);
        assert!(is_leaf(e) && is_valid(e));
        assert!(!is_leaf(entry(0x8000_0000, V)), "pointer to a table");
        assert_eq!((vpn1(0xffc0_1234), vpn0(0xffc0_1234)), (0x3ff, 0x001));
        assert!(is_reserved(LAZY | R | W) && !is_reserved(0));
        assert!(is_lazy(LAZY | R) && !is_lazy(LENT_AWAY | R) && !is_lazy(GUARD));
        assert!(is_lent(LENT_AWAY | R | W) && is_lent(V | R | LENT_READ_ONLY) && !is_lent(V | R | W));
    }

    #[test]
    fn cold_and_swapped_entries_are_no_other_state() {
        let valid = entry(0x8123_4000, V | R | W | U | A | D);
        let cold = cooled(valid);
        assert!(is_cold(cold) && !is_valid(cold) && !is_swapped(cold) && !is_reserved(cold) && !is_lent(cold));
        assert_eq!((address(cold), warmed(cold)), (0x8123_4000, valid));
        let out = swapped(0x3f_ffff, cold);
        assert!(is_swapped(out) && !is_cold(out) && !is_reserved(out) && !is_lazy(out) && !is_held(out));
        assert_eq!((swap_slot(out), out & (RWX | U)), (0x3f_ffff, R | W | U));
        // Lent away and guard entries keep A and D from the valid entry
        // they came from: they are neither cold nor swapped.
        assert!(!is_cold((valid & !V) | LENT_AWAY) && !is_swapped((valid & !V) | GUARD));
        let kept = stored(0xf_ffff, valid);
        assert!(is_stored(kept) && !is_cold(kept) && !is_swapped(kept) && !is_valid(kept) && !is_reserved(kept) && !is_held(kept));
        assert_eq!((store_page(kept), kept & (RWX | U)), (0xf_ffff, R | W | U));
        assert!(!is_stored(out) && !is_stored(cold) && !is_stored(valid) && !is_stored((valid & !V) | LENT_AWAY));
    }
}
