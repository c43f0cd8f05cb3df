//! One initial process: its directory entry, read and checked on its own
//! (name, flags, where its data, parameter block and segment table are, its
//! segments one against the next, entry point). The checks between processes
//! and the CRC of its data are in `parse.rs`.

use crate::error::{ImageError, Name, ProcessError, SegmentError};
use crate::image::{Header, Image};
use crate::layout::{checked_page_round_up, entry, page_round_down, read_u32, segment, NAME_MAX};
use crate::segment::{read_segment, DataArea, Segments};
use xous_abi::memory::is_page_aligned;
use xous_abi::params;

/// A process to start at boot.
#[derive(Clone, Copy, Debug)]
pub struct Process<'a> {
    /// Its place in boot order, from 0.
    pub index: u32,
    pub name: &'a str,
    /// `layout::entry::FLAG_MAIN`, `FLAG_ON_DEMAND` or 0.
    pub flags: u32,
    /// Where its first thread starts.
    pub entry: u32,
    /// The address of its `.eh_frame` section, 0 if it has none: std's
    /// `_start` receives it in a0.
    pub eh_frame: u32,
    /// Where its data (parameter block, then segment bytes) is in the image.
    pub data_offset: u32,
    pub data: &'a [u8],
    pub data_crc: u32,
    /// Its parameter block (std's `_start` receives its address in a1);
    /// it starts the data.
    pub params_offset: u32,
    pub params: &'a [u8],
    pub segment_table_offset: u32,
    pub segment_count: u32,
    /// The program store's size (the header's), for its segments' checks.
    store_pages: u32,
    rows: &'a [u8],
    image: &'a [u8],
}

impl<'a> Process<'a> {
    /// True when this process's exit ends the whole run with its exit code.
    pub fn is_main(&self) -> bool {
        self.flags & entry::FLAG_MAIN != 0
    }

    /// True when the kernel starts it only when asked (`FLAG_ON_DEMAND`).
    pub fn is_on_demand(&self) -> bool {
        self.flags & entry::FLAG_ON_DEMAND != 0
    }

    /// Its loadable segments, in ascending address order.
    pub fn segments(&self) -> Segments<'a> {
        Segments { rows: self.rows.chunks_exact(segment::LEN), image: self.image, data: self.data_area() }
    }

    fn data_area(&self) -> DataArea {
        DataArea { offset: self.data_offset as usize, len: self.data.len(), store_pages: self.store_pages }
    }
}

/// The processes of an image, in boot order.
#[derive(Clone, Debug)]
pub struct Processes<'a> {
    image: Image<'a>,
    next: u32,
}

impl<'a> Processes<'a> {
    pub(crate) fn new(image: Image<'a>) -> Processes<'a> {
        Processes { image, next: 0 }
    }
}

impl<'a> Iterator for Processes<'a> {
    type Item = Process<'a>;

    fn next(&mut self) -> Option<Process<'a>> {
        if self.next >= self.image.header.process_count {
            return None;
        }
        // `parse` checked every process, so this never ends the walk early
        // (and no error formatting is linked into the kernel for it).
        let process = read_process(self.image.bytes, &self.image.header, self.next).ok()?;
        self.next += 1;
        Some(process)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.image.header.process_count - self.next) as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Processes<'_> {}

/// Reads and checks entry `index` of the directory. The header must have
/// been checked (the directory lies in `image` and holds `index`).
pub(crate) fn read_process<'a>(image: &'a [u8], header: &Header, index: u32) -> Result<Process<'a>, ImageError> {
    let fail = |name: Name, error| ImageError::Process { index, name, error };
    let at = (header.directory_offset as usize).checked_add(index as usize * entry::LEN);
    let record: &[u8; entry::LEN] = at
        .and_then(|at| image.get(at..at.checked_add(entry::LEN)?))
        .and_then(|record| record.try_into().ok())
        .ok_or(ImageError::DirectoryTooSmall { count: header.process_count, len: header.directory_len })?;
    let field = |at: usize| u32::from_le_bytes([record[at], record[at + 1], record[at + 2], record[at + 3]]);

    let name = read_name(record).map_err(|error| fail(Name::NONE, error))?;
    let fail = |error| fail(Name::new(name), error);
    let flags = field(entry::FLAGS);
    if flags & !entry::FLAGS_ALL != 0 || flags == entry::FLAGS_ALL {
        return Err(fail(ProcessError::UnknownFlags { flags }));
    }

    let (data_offset, data_len) = (field(entry::DATA_OFFSET), field(entry::DATA_LEN));
    if !is_page_aligned(data_offset as usize) || !is_page_aligned(data_len as usize) {
        return Err(fail(ProcessError::DataUnaligned { offset: data_offset, len: data_len }));
    }
    let data = (data_offset as usize)
        .checked_add(data_len as usize)
        .and_then(|end| image.get(data_offset as usize..end))
        .ok_or(fail(ProcessError::DataBeyondImage {
            offset: data_offset,
            len: data_len,
            image_len: header.image_len,
        }))?;

    let (params_offset, params_len) = (field(entry::PARAMS_OFFSET), field(entry::PARAMS_LEN));
    if params_offset != data_offset {
        return Err(fail(ProcessError::ParamsOffset { offset: params_offset, data_offset }));
    }
    let params =
        data.get(..params_len as usize).ok_or(fail(ProcessError::ParamsBeyondData { len: params_len, data_len }))?;
    if !params_well_formed(params) {
        return Err(fail(ProcessError::ParamsMalformed));
    }

    let (table_offset, segment_count) = (field(entry::SEGMENT_TABLE), field(entry::SEGMENT_COUNT));
    let rows = segment_table(header, table_offset, segment_count).map_err(fail)?;
    let rows = image
        .get(rows)
        .ok_or(fail(ProcessError::SegmentTableOutsideDirectory { offset: table_offset, count: segment_count }))?;

    let process = Process {
        index,
        name,
        flags,
        entry: field(entry::ENTRY),
        eh_frame: field(entry::EH_FRAME),
        data_offset,
        data,
        data_crc: field(entry::DATA_CRC),
        params_offset,
        params,
        segment_table_offset: table_offset,
        segment_count,
        store_pages: header.store_pages,
        rows,
        image,
    };
    check_segments(&process).map_err(fail)?;
    Ok(process)
}

fn read_name(record: &[u8; entry::LEN]) -> Result<&str, ProcessError> {
    let at = entry::NAME_LEN;
    let len = u32::from_le_bytes([record[at], record[at + 1], record[at + 2], record[at + 3]]);
    if len == 0 || len as usize > NAME_MAX {
        return Err(ProcessError::NameLength { len });
    }
    let field = &record[entry::NAME..entry::NAME + NAME_MAX];
    let (name, padding) = field.split_at(len as usize);
    if padding.iter().any(|&byte| byte != 0) {
        return Err(ProcessError::NamePadding);
    }
    core::str::from_utf8(name).map_err(|_| ProcessError::NameNotUtf8)
}

/// True when `params` is an `AppP` header declaring exactly `params.len()`
/// bytes and exactly as many blocks (itself included) as follow it. Walked
/// here with checked arithmetic: the kernel runs this on untrusted bytes.
fn params_well_formed(params: &[u8]) -> bool {
    let word = |at: usize| read_u32(params, at).map(|word| word as usize);
    if params::declared_len(params) != Some(params.len()) {
        return false;
    }
    let Some(count) = word(12) else {
        return false;
    };
    let (mut at, mut seen) = (0usize, 0usize);
    while at < params.len() {
        let next = word(at + 4).and_then(|size| at.checked_add(8)?.checked_add(size));
        match next {
            Some(next) if next <= params.len() => at = next,
            _ => return false,
        }
        seen += 1;
    }
    seen == count
}

/// Where the table of `count` rows at `offset` is, if it lies in the directory.
fn segment_table(header: &Header, offset: u32, count: u32) -> Result<core::ops::Range<usize>, ProcessError> {
    if count == 0 {
        return Err(ProcessError::NoSegments);
    }
    if !offset.is_multiple_of(4) {
        return Err(ProcessError::SegmentTableUnaligned { offset });
    }
    let directory_start = header.directory_offset as usize;
    let directory_end = directory_start + header.directory_len as usize;
    let start = offset as usize;
    let end = (count as usize).checked_mul(segment::LEN).and_then(|len| start.checked_add(len));
    match end {
        Some(end) if start >= directory_start && end <= directory_end => Ok(start..end),
        _ => Err(ProcessError::SegmentTableOutsideDirectory { offset, count }),
    }
}

/// Checks the segments one by one and each against the previous: ascending,
/// no page of memory or of the image shared; then the entry point and
/// `.eh_frame` against them.
fn check_segments(process: &Process) -> Result<(), ProcessError> {
    let params_end = process.params_offset as usize + process.params.len();
    // The first bytes may start in the page after the parameter block.
    let mut image_bound = checked_page_round_up(params_end).unwrap_or(usize::MAX);
    let mut memory_bound = 0;
    let (mut entry_ok, mut eh_frame_ok) = (false, process.eh_frame == 0);
    for (index, row) in process.rows.chunks_exact(segment::LEN).enumerate() {
        let index = index as u32;
        let fail = |error| ProcessError::Segment { index, error };
        let row = row.try_into().expect("rows are segment::LEN bytes");
        let segment = read_segment(row, process.image, process.data_area()).map_err(fail)?;
        let pages = segment.pages();
        if index > 0 && pages.start < memory_bound {
            return Err(fail(SegmentError::Overlaps { previous: index - 1 }));
        }
        memory_bound = pages.end;
        let stored = segment.image_pages();
        if !stored.is_empty() {
            if page_round_down(segment.offset as usize) < image_bound {
                return Err(fail(SegmentError::BytesOverlap { offset: segment.offset }));
            }
            image_bound = stored.end;
        }
        entry_ok |= segment.is_executable() && segment.contains(process.entry);
        eh_frame_ok |= segment.contains(process.eh_frame);
    }
    if !entry_ok {
        return Err(ProcessError::EntryNotExecutable { entry: process.entry });
    }
    if !eh_frame_ok {
        return Err(ProcessError::EhFrameNotMapped { address: process.eh_frame });
    }
    Ok(())
}
