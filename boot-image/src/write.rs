//! The writer (feature `std`): lays out a kernel and processes as FORMAT.md
//! describes and fills in the CRCs. It checks what the parser cannot see
//! (the kernel's physical addresses, names and parameters that do not fit
//! their fields), then hands its result to `parse`, so that the parser stays
//! the one definition of a valid image.

use crate::crc32::crc32;
use crate::error::ImageError;
use crate::layout::{self, entry, header, read_u32, segment, HEADER_PAGE_LEN, NAME_MAX};
use core::fmt;
use std::string::String;
use sha2::Digest;
use std::vec::Vec;
use xous_abi::memory::{is_page_aligned, PAGE_SIZE};
use xous_abi::params::{self, ParamsError};

/// A piece of the kernel: `bytes` placed at physical `paddr`, followed by
/// zeros up to `mem_size` (its .bss, say).
#[derive(Clone, Copy, Debug)]
pub struct KernelSegment<'a> {
    pub paddr: u32,
    pub mem_size: u32,
    pub bytes: &'a [u8],
}

/// A piece of a process: `bytes` at `vaddr`, then zeros up to `mem_size`.
#[derive(Clone, Copy, Debug)]
pub struct ProcessSegment<'a> {
    pub vaddr: u32,
    pub mem_size: u32,
    /// `layout::segment::FLAG_R | FLAG_W | FLAG_X`.
    pub flags: u32,
    pub bytes: &'a [u8],
}

/// An initial process, as the writer takes it.
#[derive(Clone, Copy, Debug)]
pub struct ProcessInput<'a> {
    pub name: &'a str,
    pub main: bool,
    /// Started when asked for, not at boot (`layout::entry::FLAG_ON_DEMAND`).
    pub on_demand: bool,
    pub entry: u32,
    pub eh_frame: u32,
    /// Its argv, argv\[0\] included.
    pub args: &'a [&'a str],
    pub env: &'a [(&'a str, &'a str)],
    /// More blocks of its parameter block after args and env: (magic, data),
    /// such as the `Proc` block with a working directory (xous-run's
    /// `--mirror-cwd`).
    pub blocks: &'a [([u8; 4], &'a [u8])],
    /// In ascending address order, as an ELF file lists them.
    pub segments: &'a [ProcessSegment<'a>],
    /// Its segments' bytes go to the program store (the board's external
    /// flash), not the image: for a program larger than the image's memory.
    pub in_store: bool,
}

/// An image and the program store its processes' bytes went to (empty
/// when none did): the store goes to the board's external flash, from
/// its first byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub image: Vec<u8>,
    pub store: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteError {
    LoadAddressUnaligned {
        address: u32,
    },
    /// No kernel segment with any memory.
    NoKernel,
    /// A kernel segment is not inside `[start, end)`: after the header page,
    /// within the kernel's 4 MiB window.
    KernelSegmentOutOfRange {
        index: usize,
        paddr: u32,
        mem_size: u32,
        start: u64,
        end: u64,
    },
    KernelSegmentFileLargerThanMemory {
        index: usize,
        file_size: usize,
        mem_size: u32,
    },
    KernelSegmentsOverlap {
        first: usize,
        second: usize,
    },
    NameLength {
        index: usize,
        name: String,
    },
    Params {
        index: usize,
        name: String,
        error: ParamsError,
    },
    /// A parameter block over `xous_abi::params::BOOT_BLOCK_MAX` bytes.
    ParamsTooLarge {
        index: usize,
        name: String,
        len: usize,
    },
    /// The image would pass 4 GiB.
    TooLarge,
    /// A process's bytes go to the program store, but the caller asked
    /// for the image alone (`write`, `write_with`): use `write_split`.
    StoreNotKept,
    /// What the parser says about the result.
    Invalid(ImageError),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use WriteError::*;
        match self {
            LoadAddressUnaligned { address } => write!(f, "load address {address:#x} is not page-aligned"),
            NoKernel => write!(f, "the kernel has no loadable segment"),
            KernelSegmentOutOfRange { index, paddr, mem_size, start, end } => write!(
                f,
                "kernel segment {index} (physical {paddr:#x}, {mem_size:#x} bytes) is not inside {start:#x}..{end:#x}: \
                 the kernel must be linked to load at the image's load address + 0x1000 and fit in 4 MiB"
            ),
            KernelSegmentFileLargerThanMemory { index, file_size, mem_size } => {
                write!(f, "kernel segment {index} stores {file_size:#x} bytes, more than its memory size {mem_size:#x}")
            }
            KernelSegmentsOverlap { first, second } => {
                write!(f, "kernel segments {first} and {second} overlap in physical memory")
            }
            NameLength { index, name } => {
                write!(f, "process {index}: name {name:?} is not 1 to {NAME_MAX} bytes of UTF-8")
            }
            Params { index, name, error: ParamsError::TooLong } => {
                write!(f, "process {index} (`{name}`): an argument, environment string or their count exceeds 65535")
            }
            Params { index, name, error } => write!(f, "process {index} (`{name}`): parameters: {error:?}"),
            ParamsTooLarge { index, name, len } => write!(
                f,
                "process {index} (`{name}`): its arguments and environment take {len} bytes, more than the {} a process starts with",
                params::BOOT_BLOCK_MAX
            ),
            TooLarge => write!(f, "the image would be larger than 4 GiB"),
            StoreNotKept => write!(f, "a process's bytes go to the program store, which this writer does not return"),
            Invalid(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes the image of `kernel` and `processes` (in boot order) for loading
/// at physical `load_address`.
pub fn write(load_address: u32, kernel: &[KernelSegment], processes: &[ProcessInput]) -> Result<Vec<u8>, WriteError> {
    write_with(load_address, 0, kernel, processes)
}

/// `write`, with the header's `flags` (`layout::flags`).
pub fn write_with(load_address: u32, flags: u32, kernel: &[KernelSegment], processes: &[ProcessInput]) -> Result<Vec<u8>, WriteError> {
    let written = write_split(load_address, flags, kernel, processes)?;
    if !written.store.is_empty() {
        return Err(WriteError::StoreNotKept);
    }
    Ok(written.image)
}

/// `write_with`, for processes whose bytes may go to the program store
/// (`ProcessInput::in_store`): the image, with the store's digest table
/// in its directory, and the store.
pub fn write_split(load_address: u32, flags: u32, kernel: &[KernelSegment], processes: &[ProcessInput]) -> Result<Written, WriteError> {
    if !is_page_aligned(load_address as usize) {
        return Err(WriteError::LoadAddressUnaligned { address: load_address });
    }
    let (kernel_bytes, kernel_memory_size) = flatten_kernel(load_address, kernel)?;
    let directory_offset = layout::KERNEL_OFFSET + kernel_memory_size;
    let entries_len = processes.len() * entry::LEN;
    let tables_len: usize = processes.iter().map(|p| p.segments.len() * segment::LEN).sum();
    // The store's pages, laid out first: the digest table's size is in
    // the directory's.
    let store = lay_out_store(processes);
    let store_pages = store.bytes.len() / PAGE_SIZE;
    let digests_offset = if store_pages == 0 { 0 } else { directory_offset + entries_len + tables_len };
    let directory_len = entries_len + tables_len + store_pages * layout::store::DIGEST_LEN;

    let mut out = std::vec![0; layout::HEADER_PAGE_LEN];
    out.extend_from_slice(&kernel_bytes);
    out.resize(directory_offset + directory_len, 0);
    pad_to_page(&mut out);

    let mut entry_at = directory_offset;
    let mut table_at = directory_offset + entries_len;
    for (index, process) in processes.iter().enumerate() {
        let store_offsets = store.offsets.get(&index).map(Vec::as_slice);
        let record = write_process(&mut out, index, process, table_at, store_offsets)?;
        out[entry_at..entry_at + entry::LEN].copy_from_slice(&record);
        entry_at += entry::LEN;
        table_at += process.segments.len() * segment::LEN;
    }
    for (page, bytes) in store.bytes.chunks(PAGE_SIZE).enumerate() {
        let at = digests_offset + page * layout::store::DIGEST_LEN;
        out[at..at + layout::store::DIGEST_LEN].copy_from_slice(&sha2::Sha256::digest(bytes));
    }

    let fields = [
        (header::DIRECTORY_LEN, directory_len),
        (header::STORE_PAGES, store_pages),
        (header::STORE_DIGESTS, digests_offset),
        (header::IMAGE_LEN, out.len()),
        (header::KERNEL_OFFSET, layout::KERNEL_OFFSET),
        (header::KERNEL_FILE_SIZE, kernel_bytes.len()),
        (header::KERNEL_MEMORY_SIZE, kernel_memory_size),
        (header::PROCESS_COUNT, processes.len()),
        (header::DIRECTORY_OFFSET, directory_offset),
        (header::LOAD_ADDRESS, load_address as usize),
        (header::FLAGS, flags as usize),
    ];
    for (at, value) in fields {
        put(&mut out, at, value)?;
    }
    out[header::JUMP..header::JUMP + 4].copy_from_slice(&layout::JUMP_TO_KERNEL.to_le_bytes());
    out[header::MAGIC..header::MAGIC + 8].copy_from_slice(&layout::MAGIC);
    out[header::VERSION..header::VERSION + 4].copy_from_slice(&layout::VERSION.to_le_bytes());
    let directory = directory_offset..directory_offset + directory_len;
    let crc = header_crc(&out[..layout::HEADER_PAGE_LEN], &out[directory]);
    out[header::CRC..header::CRC + 4].copy_from_slice(&crc.to_le_bytes());

    let image = crate::parse(&out).map_err(WriteError::Invalid)?;
    crate::verify_data(&image).map_err(WriteError::Invalid)?;
    Ok(Written { image: out, store: store.bytes })
}

/// The program store: the bytes of every segment of the processes that
/// go there, each on pages of its own at its address's offset within a
/// page, zeros around; and where each segment's bytes start, by process
/// index (None for a segment that stores nothing).
struct StoreLayout {
    bytes: Vec<u8>,
    offsets: std::collections::BTreeMap<usize, Vec<Option<usize>>>,
}

fn lay_out_store(processes: &[ProcessInput]) -> StoreLayout {
    let mut layout = StoreLayout { bytes: Vec::new(), offsets: Default::default() };
    for (index, process) in processes.iter().enumerate().filter(|(_, p)| p.in_store) {
        let offsets = process
            .segments
            .iter()
            .map(|s| {
                (!s.bytes.is_empty()).then(|| {
                    let offset = layout.bytes.len() + s.vaddr as usize % PAGE_SIZE;
                    layout.bytes.resize(offset, 0);
                    layout.bytes.extend_from_slice(s.bytes);
                    pad_to_page(&mut layout.bytes);
                    offset
                })
            })
            .collect();
        layout.offsets.insert(index, offsets);
    }
    layout
}

/// The CRC the header stores: its page with the CRC field read as zero, then
/// the directory.
/// Recomputes the header CRC and every data CRC that the (possibly patched)
/// fields let it find; leaves alone what is out of bounds. Never panics.
/// For tests and fuzzing that damage an image's fields on purpose, so that
/// the damage reaches the checks behind the CRCs.
pub fn reseal(image: &mut [u8]) {
    if image.len() < HEADER_PAGE_LEN {
        return;
    }
    let field = |image: &[u8], at: usize| read_u32(image, at).map(|v| v as usize);
    let directory_offset = field(image, header::DIRECTORY_OFFSET).unwrap_or(0);
    let count = field(image, header::PROCESS_COUNT).unwrap_or(0).min(64);
    for index in 0..count {
        let at = directory_offset.saturating_add(index * entry::LEN);
        let (Some(offset), Some(len)) = (field(image, at + entry::DATA_OFFSET), field(image, at + entry::DATA_LEN))
        else {
            continue;
        };
        let Some(crc) = offset.checked_add(len).and_then(|end| image.get(offset..end)).map(crc32) else { continue };
        if let Some(slot) = image.get_mut(at + entry::DATA_CRC..at + entry::DATA_CRC + 4) {
            slot.copy_from_slice(&crc.to_le_bytes());
        }
    }
    let directory_len = field(image, header::DIRECTORY_LEN).unwrap_or(0);
    let directory =
        directory_offset.checked_add(directory_len).and_then(|end| image.get(directory_offset..end)).unwrap_or(&[]);
    let crc = header_crc(&image[..HEADER_PAGE_LEN], directory);
    image[header::CRC..header::CRC + 4].copy_from_slice(&crc.to_le_bytes());
}

pub(crate) fn header_crc(header_page: &[u8], directory: &[u8]) -> u32 {
    let mut bytes = Vec::with_capacity(header_page.len() + directory.len());
    bytes.extend_from_slice(header_page);
    bytes[header::CRC..header::CRC + 4].fill(0);
    bytes.extend_from_slice(directory);
    crc32(&bytes)
}

/// The kernel as one flat run of bytes from the load address + 0x1000, and
/// the whole pages of memory it occupies from there.
fn flatten_kernel(load_address: u32, segments: &[KernelSegment]) -> Result<(Vec<u8>, usize), WriteError> {
    let start = load_address as u64 + layout::KERNEL_OFFSET as u64;
    let end = load_address as u64 + layout::KERNEL_WINDOW as u64;
    let mut used: Vec<usize> = Vec::new();
    for (index, s) in segments.iter().enumerate() {
        if s.mem_size == 0 && s.bytes.is_empty() {
            continue;
        }
        if s.bytes.len() > s.mem_size as usize {
            let file_size = s.bytes.len();
            return Err(WriteError::KernelSegmentFileLargerThanMemory { index, file_size, mem_size: s.mem_size });
        }
        if (s.paddr as u64) < start || s.paddr as u64 + s.mem_size as u64 > end {
            return Err(WriteError::KernelSegmentOutOfRange {
                index,
                paddr: s.paddr,
                mem_size: s.mem_size,
                start,
                end,
            });
        }
        used.push(index);
    }
    used.sort_by_key(|&index| segments[index].paddr);
    for pair in used.windows(2) {
        let (a, b) = (&segments[pair[0]], &segments[pair[1]]);
        if a.paddr as u64 + a.mem_size as u64 > b.paddr as u64 {
            return Err(WriteError::KernelSegmentsOverlap { first: pair[0], second: pair[1] });
        }
    }
    let offset = |s: &KernelSegment| (s.paddr as u64 - start) as usize;
    let memory_end = used.iter().map(|&i| offset(&segments[i]) + segments[i].mem_size as usize).max();
    let memory_size = memory_end.ok_or(WriteError::NoKernel)?.next_multiple_of(PAGE_SIZE);
    let stored: Vec<&KernelSegment> = used.iter().map(|&i| &segments[i]).filter(|s| !s.bytes.is_empty()).collect();
    let file_size = stored.iter().map(|s| offset(s) + s.bytes.len()).max().unwrap_or(0);
    let mut bytes = std::vec![0; file_size];
    for s in stored {
        bytes[offset(s)..offset(s) + s.bytes.len()].copy_from_slice(s.bytes);
    }
    Ok((bytes, memory_size))
}

/// Appends the process's data (parameter block, then each segment's bytes
/// on pages of their own, unless `in_store` gives where they are in the
/// program store), writes its segment table at `table_at`, and returns its
/// directory entry.
fn write_process(
    out: &mut Vec<u8>,
    index: usize,
    process: &ProcessInput,
    table_at: usize,
    in_store: Option<&[Option<usize>]>,
) -> Result<[u8; entry::LEN], WriteError> {
    let name = process.name;
    if name.is_empty() || name.len() > NAME_MAX {
        return Err(WriteError::NameLength { index, name: name.into() });
    }
    let data_offset = out.len();
    let encoded_len = params::encoded_len(process.args, process.env);
    let params_len = encoded_len + process.blocks.iter().map(|(_, data)| 8 + data.len()).sum::<usize>();
    if params_len > params::BOOT_BLOCK_MAX {
        return Err(WriteError::ParamsTooLarge { index, name: name.into(), len: params_len });
    }
    out.resize(data_offset + params_len, 0);
    let params_error = |error| WriteError::Params { index, name: name.into(), error };
    let mut len = params::encode(process.args, process.env, &mut out[data_offset..]).map_err(params_error)?;
    for (magic, data) in process.blocks {
        len = params::append_block(&mut out[data_offset..], len, *magic, data).map_err(params_error)?;
    }
    pad_to_page(out);

    for (row_index, s) in process.segments.iter().enumerate() {
        let store_offset = in_store.and_then(|offsets| offsets[row_index]);
        let offset = if let Some(offset) = store_offset {
            offset
        } else if s.bytes.is_empty() {
            0
        } else {
            let offset = out.len() + s.vaddr as usize % PAGE_SIZE;
            out.resize(offset, 0);
            out.extend_from_slice(s.bytes);
            pad_to_page(out);
            offset
        };
        let at = table_at + row_index * segment::LEN;
        put(out, at + segment::VADDR, s.vaddr as usize)?;
        put(out, at + segment::MEM_SIZE, s.mem_size as usize)?;
        put(out, at + segment::FILE_SIZE, s.bytes.len())?;
        let store_flag = if store_offset.is_some() { segment::FLAG_STORE } else { 0 };
        put(out, at + segment::FLAGS, (s.flags | store_flag) as usize)?;
        put(out, at + segment::OFFSET, offset)?;
    }

    let data_len = out.len() - data_offset;
    let mut record = [0u8; entry::LEN];
    record[entry::NAME..entry::NAME + name.len()].copy_from_slice(name.as_bytes());
    let flags = if process.main { entry::FLAG_MAIN } else { 0 } | if process.on_demand { entry::FLAG_ON_DEMAND } else { 0 };
    let fields = [
        (entry::NAME_LEN, name.len()),
        (entry::FLAGS, flags as usize),
        (entry::ENTRY, process.entry as usize),
        (entry::EH_FRAME, process.eh_frame as usize),
        (entry::DATA_OFFSET, data_offset),
        (entry::DATA_LEN, data_len),
        (entry::DATA_CRC, crc32(&out[data_offset..]) as usize),
        (entry::PARAMS_OFFSET, data_offset),
        (entry::PARAMS_LEN, params_len),
        (entry::SEGMENT_COUNT, process.segments.len()),
        (entry::SEGMENT_TABLE, table_at),
    ];
    for (at, value) in fields {
        put(&mut record, at, value)?;
    }
    Ok(record)
}

/// Stores `value` as a little-endian u32 at `at`.
fn put(bytes: &mut [u8], at: usize, value: usize) -> Result<(), WriteError> {
    let value = u32::try_from(value).map_err(|_| WriteError::TooLarge)?;
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    Ok(())
}

fn pad_to_page(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(PAGE_SIZE), 0);
}
