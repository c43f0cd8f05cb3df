//! One loadable segment of a process: a row of its segment table, checked on
//! its own (flags, sizes, user-space addresses, where its bytes are). The
//! checks between segments are in `process.rs`.

use crate::error::SegmentError;
use crate::layout::{checked_page_round_up, page_round_down, segment};
use core::ops::Range;
use xous_abi::memory::{is_user_page_range, PAGE_SIZE};

/// A segment: `mem_size` bytes of the process's address space at `vaddr`,
/// the first `file_size` of them stored at `offset` in the image, or in the
/// program store with `FLAG_STORE` (the rest zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    pub vaddr: u32,
    pub mem_size: u32,
    pub file_size: u32,
    /// `layout::segment::FLAG_R | FLAG_W | FLAG_X`.
    pub flags: u32,
    /// Where the stored bytes start in the image (0 when none are stored);
    /// `offset % 4096 == vaddr % 4096`, so whole image pages can be mapped.
    pub offset: u32,
    /// The stored bytes: `file_size` of them (none here when they are in
    /// the program store).
    pub bytes: &'a [u8],
}

impl Segment<'_> {
    pub fn is_readable(&self) -> bool {
        self.flags & segment::FLAG_R != 0
    }

    pub fn is_writable(&self) -> bool {
        self.flags & segment::FLAG_W != 0
    }

    pub fn is_executable(&self) -> bool {
        self.flags & segment::FLAG_X != 0
    }

    /// Whether its bytes are in the program store, not the image.
    pub fn is_in_store(&self) -> bool {
        self.flags & segment::FLAG_STORE != 0
    }

    /// The whole pages of the address space the segment touches.
    pub fn pages(&self) -> Range<usize> {
        let end = self.vaddr as usize + self.mem_size as usize;
        page_round_down(self.vaddr as usize)..end.next_multiple_of(PAGE_SIZE)
    }

    /// The whole image pages holding its stored bytes (empty when none are,
    /// or they are in the program store).
    pub fn image_pages(&self) -> Range<usize> {
        if self.file_size == 0 || self.is_in_store() {
            return 0..0;
        }
        let end = self.offset as usize + self.file_size as usize;
        page_round_down(self.offset as usize)..end.next_multiple_of(PAGE_SIZE)
    }

    /// The program store's pages holding its bytes, by number (empty
    /// unless it is in the store). They are its alone; the bytes around
    /// its own on the first and last are zeros, which their digests hold.
    pub fn store_pages(&self) -> Range<usize> {
        if !self.is_in_store() {
            return 0..0;
        }
        let end = self.offset as usize + self.file_size as usize;
        self.offset as usize / PAGE_SIZE..end.div_ceil(PAGE_SIZE)
    }

    pub(crate) fn contains(&self, address: u32) -> bool {
        address >= self.vaddr && address - self.vaddr < self.mem_size
    }
}

/// The part of the image a process's bytes must lie in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DataArea {
    pub offset: usize,
    pub len: usize,
    /// Pages of the program store (the header's).
    pub store_pages: u32,
}

/// Reads and checks one 20-byte row, whose bytes must lie in `data`.
pub(crate) fn read_segment<'a>(
    row: &[u8; segment::LEN],
    image: &'a [u8],
    data: DataArea,
) -> Result<Segment<'a>, SegmentError> {
    let field = |at: usize| u32::from_le_bytes([row[at], row[at + 1], row[at + 2], row[at + 3]]);
    let (vaddr, mem_size, file_size) = (field(segment::VADDR), field(segment::MEM_SIZE), field(segment::FILE_SIZE));
    let (flags, offset) = (field(segment::FLAGS), field(segment::OFFSET));
    if flags & !segment::FLAGS_ALL != 0 {
        return Err(SegmentError::UnknownFlags { flags });
    }
    if mem_size == 0 {
        return Err(SegmentError::Empty);
    }
    if file_size > mem_size {
        return Err(SegmentError::FileLargerThanMemory { file_size, mem_size });
    }
    let start = page_round_down(vaddr as usize);
    let end = (vaddr as usize).checked_add(mem_size as usize).and_then(checked_page_round_up);
    if !end.is_some_and(|end| is_user_page_range(start, end - start)) {
        return Err(SegmentError::NotUserSpace { vaddr, mem_size });
    }
    if file_size == 0 && flags & segment::FLAG_STORE != 0 {
        return Err(SegmentError::BytesOutsideStore { offset, file_size, store_pages: data.store_pages });
    }
    if file_size == 0 {
        if offset != 0 {
            return Err(SegmentError::OffsetWithoutBytes { offset });
        }
        return Ok(Segment { vaddr, mem_size, file_size, flags, offset, bytes: &[] });
    }
    if offset as usize % PAGE_SIZE != vaddr as usize % PAGE_SIZE {
        return Err(SegmentError::OffsetMismatch { offset, vaddr });
    }
    if flags & segment::FLAG_STORE != 0 {
        let store_len = data.store_pages as usize * PAGE_SIZE;
        if (offset as usize).checked_add(file_size as usize).is_none_or(|end| end > store_len) {
            return Err(SegmentError::BytesOutsideStore { offset, file_size, store_pages: data.store_pages });
        }
        return Ok(Segment { vaddr, mem_size, file_size, flags, offset, bytes: &[] });
    }
    let outside = SegmentError::BytesOutsideData {
        offset,
        file_size,
        data_offset: data.offset as u32,
        data_len: data.len as u32,
    };
    let bytes_end = (offset as usize).checked_add(file_size as usize).ok_or(outside)?;
    let data_end = data.offset + data.len;
    if (offset as usize) < data.offset || bytes_end > data_end {
        return Err(outside);
    }
    let bytes = image.get(offset as usize..bytes_end).ok_or(outside)?;
    Ok(Segment { vaddr, mem_size, file_size, flags, offset, bytes })
}

/// The segments of one process, in table order (ascending addresses).
#[derive(Clone, Debug)]
pub struct Segments<'a> {
    pub(crate) rows: core::slice::ChunksExact<'a, u8>,
    pub(crate) image: &'a [u8],
    pub(crate) data: DataArea,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        let row = self.rows.next()?.try_into().expect("rows are segment::LEN bytes");
        // `parse` checked every segment: this never ends the walk early.
        read_segment(row, self.image, self.data).ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

impl ExactSizeIterator for Segments<'_> {}
