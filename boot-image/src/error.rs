//! Why an image was refused. One variant per check of the parser, each with
//! the numbers that failed it, and a message that names the process and the
//! segment, e.g. "process 2 (`log`): segment 1: its bytes (…) lie outside the
//! process's data (…)". Allocation-free: the kernel prints these at boot.

use crate::layout::NAME_MAX;
use core::fmt;

/// What is wrong with the image as a whole, or with one process in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Shorter than the header page.
    TooShort {
        len: usize,
    },
    /// Offset 0 is not the `jal x0, 0x1000` the CPU must run first.
    BadJump {
        found: u32,
    },
    BadMagic {
        found: [u8; 8],
    },
    UnsupportedVersion {
        found: u32,
    },
    /// Header flags this version does not define.
    UnknownFlags {
        found: u32,
    },
    /// The header claims more bytes than there are.
    Truncated {
        declared: u32,
        available: usize,
    },
    /// The header's image length does not cover the header page itself.
    ImageLenTooSmall {
        declared: u32,
    },
    /// More than the kernel can start (`xous_abi::memory::BOOT_IMAGE_MAX`).
    ImageTooLarge {
        declared: u32,
    },
    DirectoryOutOfBounds {
        offset: u32,
        len: u32,
        image_len: u32,
    },
    HeaderCrc {
        stored: u32,
        computed: u32,
    },
    /// The program store's digest table is not in the directory after the
    /// segment tables (or is there with no store), or the store is larger
    /// than `layout::store::MAX_PAGES`.
    StoreDigests {
        pages: u32,
        offset: u32,
    },
    KernelOffset {
        found: u32,
    },
    /// Zero, or not whole pages.
    KernelMemoryUnaligned {
        memory_size: u32,
    },
    KernelFileLargerThanMemory {
        file_size: u32,
        memory_size: u32,
    },
    /// The kernel would not fit in its 4 MiB window.
    KernelTooLarge {
        memory_size: u32,
    },
    DirectoryOverlapsKernel {
        offset: u32,
        kernel_end: u32,
    },
    DirectoryUnaligned {
        offset: u32,
    },
    /// Not page-aligned, or the image would run past 4 GiB.
    LoadAddress {
        address: u32,
        image_len: u32,
    },
    TooManyProcesses {
        count: u32,
    },
    /// The directory cannot hold `count` entries.
    DirectoryTooSmall {
        count: u32,
        len: u32,
    },
    Process {
        index: u32,
        name: Name,
        error: ProcessError,
    },
}

/// What is wrong with one process's entry, data or segment table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessError {
    NameLength {
        len: u32,
    },
    /// Bytes after the name in its 64-byte field are not zero.
    NamePadding,
    NameNotUtf8,
    UnknownFlags {
        flags: u32,
    },
    /// Only one process may be MAIN.
    SecondMain {
        first: u32,
    },
    DataUnaligned {
        offset: u32,
        len: u32,
    },
    DataBeyondImage {
        offset: u32,
        len: u32,
        image_len: u32,
    },
    /// The data starts before the end of the directory or of the previous
    /// process's data.
    DataOverlap {
        offset: u32,
        bound: u32,
    },
    DataCrc {
        stored: u32,
        computed: u32,
    },
    /// The parameter block does not start the process's data.
    ParamsOffset {
        offset: u32,
        data_offset: u32,
    },
    ParamsBeyondData {
        len: u32,
        data_len: u32,
    },
    /// Not an `AppP` block holding exactly its declared blocks.
    ParamsMalformed,
    NoSegments,
    SegmentTableUnaligned {
        offset: u32,
    },
    SegmentTableOutsideDirectory {
        offset: u32,
        count: u32,
    },
    /// The table starts inside the entries or the previous process's table.
    SegmentTableOverlap {
        offset: u32,
        bound: u32,
    },
    EntryNotExecutable {
        entry: u32,
    },
    EhFrameNotMapped {
        address: u32,
    },
    Segment {
        index: u32,
        error: SegmentError,
    },
}

/// What is wrong with one segment of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentError {
    UnknownFlags {
        flags: u32,
    },
    Empty,
    FileLargerThanMemory {
        file_size: u32,
        mem_size: u32,
    },
    NotUserSpace {
        vaddr: u32,
        mem_size: u32,
    },
    /// Shares a page with, or lies below, the previous segment.
    Overlaps {
        previous: u32,
    },
    /// The bytes' offset in the image and the address differ within a page.
    OffsetMismatch {
        offset: u32,
        vaddr: u32,
    },
    /// No bytes are stored, yet the offset is not 0.
    OffsetWithoutBytes {
        offset: u32,
    },
    BytesOutsideData {
        offset: u32,
        file_size: u32,
        data_offset: u32,
        data_len: u32,
    },
    /// Its bytes share an image page with the parameter block or the
    /// previous segment's bytes.
    BytesOverlap {
        offset: u32,
    },
    /// Its bytes are in the program store, but not inside it (or it stores none).
    BytesOutsideStore {
        offset: u32,
        file_size: u32,
        store_pages: u32,
    },
}

/// A process name kept by value, so an error can name the process without
/// borrowing the image. Empty when the name itself is what is wrong.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name {
    bytes: [u8; NAME_MAX],
    len: u8,
}

impl Name {
    pub(crate) const NONE: Name = Name { bytes: [0; NAME_MAX], len: 0 };

    pub(crate) fn new(name: &str) -> Name {
        let mut out = Name::NONE;
        let len = name.len().min(NAME_MAX);
        out.bytes[..len].copy_from_slice(&name.as_bytes()[..len]);
        out.len = len as u8;
        out
    }

    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ImageError::*;
        match *self {
            TooShort { len } => write!(f, "the image is {len} bytes, shorter than its 4096-byte header page"),
            BadJump { found } => {
                write!(f, "offset 0 holds {found:#010x}, not the jump to the kernel (jal x0, 0x1000 = 0x0000106f)")
            }
            BadMagic { found } => {
                write!(f, "bad magic \"{}\" (expected \"XOUSBOOT\"): not a boot image", found.escape_ascii())
            }
            UnsupportedVersion { found } => {
                write!(f, "format version {found}, but this parser reads version {}", crate::layout::VERSION)
            }
            UnknownFlags { found } => {
                write!(f, "header flags {found:#x}: bits this format does not define (known: {:#x})", crate::layout::flags::ALL)
            }
            Truncated { declared, available } => {
                write!(f, "truncated: the header declares {declared} bytes, only {available} are present")
            }
            ImageLenTooSmall { declared } => {
                write!(f, "the header declares an image of {declared} bytes, less than its own header page")
            }
            ImageTooLarge { declared } => write!(
                f,
                "the image is {} KiB, more than the {} KiB the kernel can start (it reads the image through its \
                 direct map of RAM)",
                declared / 1024,
                xous_abi::memory::BOOT_IMAGE_MAX / 1024
            ),
            DirectoryOutOfBounds { offset, len, image_len } => {
                write!(f, "the process directory ({offset:#x}, {len} bytes) ends beyond the image ({image_len} bytes)")
            }
            HeaderCrc { stored, computed } => write!(
                f,
                "the header and directory are corrupt: CRC-32 {computed:#010x}, the header says {stored:#010x}"
            ),
            StoreDigests { pages, offset } => write!(
                f,
                "the program store's digest table ({pages} pages' digests at {offset:#x}) is not in the process directory \
                 after the segment tables, 4-byte aligned, for a store of at most {} pages",
                crate::layout::store::MAX_PAGES
            ),
            KernelOffset { found } => write!(f, "the kernel offset is {found:#x}, but the kernel must start at 0x1000"),
            KernelMemoryUnaligned { memory_size } => {
                write!(f, "the kernel's memory size {memory_size:#x} is not a nonzero number of whole pages")
            }
            KernelFileLargerThanMemory { file_size, memory_size } => {
                write!(f, "the kernel's file size {file_size:#x} exceeds its memory size {memory_size:#x}")
            }
            KernelTooLarge { memory_size } => write!(
                f,
                "the kernel's memory size {memory_size:#x} does not fit its 4 MiB window after the header page"
            ),
            DirectoryOverlapsKernel { offset, kernel_end } => write!(
                f,
                "the process directory at {offset:#x} overlaps the kernel's memory, which ends at {kernel_end:#x}"
            ),
            DirectoryUnaligned { offset } => {
                write!(f, "the process directory offset {offset:#x} is not 4-byte aligned")
            }
            LoadAddress { address, image_len } => write!(
                f,
                "load address {address:#x} is not page-aligned, or an image of {image_len} bytes there passes 4 GiB"
            ),
            TooManyProcesses { count } => {
                write!(f, "{count} processes, but the kernel holds at most {}", crate::layout::MAX_PROCESSES)
            }
            DirectoryTooSmall { count, len } => {
                write!(f, "a process directory of {len} bytes cannot hold {count} entries")
            }
            Process { index, name, error } => {
                write!(f, "process {index}")?;
                if !name.as_str().is_empty() {
                    write!(f, " (`{}`)", name.as_str())?;
                }
                write!(f, ": {error}")
            }
        }
    }
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProcessError::*;
        match *self {
            NameLength { len } => write!(f, "name length {len} is not 1 to {NAME_MAX} bytes"),
            NamePadding => write!(f, "the name field has nonzero bytes after the name"),
            NameNotUtf8 => write!(f, "the name is not valid UTF-8"),
            UnknownFlags { flags } => write!(f, "flags {flags:#x}: only MAIN = 1 or ON_DEMAND = 2 (never both) are defined"),
            SecondMain { first } => write!(f, "is MAIN, but process {first} already is"),
            DataUnaligned { offset, len } => {
                write!(f, "its data ({offset:#x}, {len:#x} bytes) is not whole pages")
            }
            DataBeyondImage { offset, len, image_len } => write!(
                f,
                "its data ({offset:#x}, {len:#x} bytes) ends beyond the image ({image_len:#x} bytes)"
            ),
            DataOverlap { offset, bound } => write!(
                f,
                "its data at {offset:#x} starts before {bound:#x}, the end of the directory or of the previous process's data"
            ),
            DataCrc { stored, computed } => {
                write!(f, "its data is corrupt: CRC-32 {computed:#010x}, the directory says {stored:#010x}")
            }
            ParamsOffset { offset, data_offset } => write!(
                f,
                "its parameter block at {offset:#x} does not start its data ({data_offset:#x})"
            ),
            ParamsBeyondData { len, data_len } => {
                write!(f, "its parameter block ({len} bytes) is larger than its data ({data_len} bytes)")
            }
            ParamsMalformed => write!(f, "its parameter block is not a well-formed AppP block"),
            NoSegments => write!(f, "it has no segments"),
            SegmentTableUnaligned { offset } => write!(f, "its segment table offset {offset:#x} is not 4-byte aligned"),
            SegmentTableOutsideDirectory { offset, count } => write!(
                f,
                "its segment table ({count} rows at {offset:#x}) is not inside the directory"
            ),
            SegmentTableOverlap { offset, bound } => write!(
                f,
                "its segment table at {offset:#x} starts before {bound:#x}, the end of the entries or of the previous table"
            ),
            EntryNotExecutable { entry } => write!(f, "its entry point {entry:#x} is not in an executable segment"),
            EhFrameNotMapped { address } => write!(f, "its .eh_frame address {address:#x} is not in any segment"),
            Segment { index, error } => write!(f, "segment {index}: {error}"),
        }
    }
}

impl fmt::Display for SegmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SegmentError::*;
        match *self {
            UnknownFlags { flags } => write!(f, "unknown flags {flags:#x} (R = 1, W = 2, X = 4, STORE = 8)"),
            Empty => write!(f, "its memory size is 0"),
            FileLargerThanMemory { file_size, mem_size } => {
                write!(f, "its file size {file_size:#x} exceeds its memory size {mem_size:#x}")
            }
            NotUserSpace { vaddr, mem_size } => write!(
                f,
                "{vaddr:#x} + {mem_size:#x} is not inside user space (0x1000..{:#x})",
                xous_abi::memory::USER_END
            ),
            Overlaps { previous } => write!(
                f,
                "shares a page with segment {previous}, or lies below it (segments must be in ascending address order)"
            ),
            OffsetMismatch { offset, vaddr } => write!(
                f,
                "its bytes at {offset:#x} and its address {vaddr:#x} differ in their offset within a page"
            ),
            OffsetWithoutBytes { offset } => write!(f, "it stores no bytes, yet its offset is {offset:#x}, not 0"),
            BytesOutsideData { offset, file_size, data_offset, data_len } => write!(
                f,
                "its bytes ({offset:#x}, {file_size:#x} bytes) lie outside the process's data ({data_offset:#x}, {data_len:#x} bytes)"
            ),
            BytesOverlap { offset } => write!(
                f,
                "its bytes at {offset:#x} share an image page with the parameter block or the previous segment"
            ),
            BytesOutsideStore { offset, file_size, store_pages } => write!(
                f,
                "its bytes in the program store ({offset:#x}, {file_size:#x} bytes) are none, or not inside the store's {store_pages} pages"
            ),
        }
    }
}

impl core::error::Error for ImageError {}
