//! Where every field of the boot image sits: the numbers of FORMAT.md, once.
//! The writer and the parser both use these; a change here is a change of the
//! format and needs a new [`VERSION`].

use xous_abi::memory::{KERNEL_IMAGE_MAX, PAGE_SIZE};

/// The first eight bytes after the jump instruction.
pub const MAGIC: [u8; 8] = *b"XOUSBOOT";
/// The format version this crate writes and reads.
pub const VERSION: u32 = 1;
/// The header page: offset 0, one page.
pub const HEADER_PAGE_LEN: usize = PAGE_SIZE;
/// Where the kernel starts (right after the header page).
pub const KERNEL_OFFSET: usize = PAGE_SIZE;
/// `jal x0, 0x1000`: the first instruction the CPU runs (at offset 0) jumps
/// over the header to the kernel. J-type: imm\[12\] lands in bit 12, rd = x0,
/// opcode 0x6f.
pub const JUMP_TO_KERNEL: u32 = 0x0000_106f;
/// The kernel (its header page offset plus its memory) must fit in the
/// first 4 MiB of the image, the part of RAM it runs in.
pub const KERNEL_WINDOW: usize = KERNEL_IMAGE_MAX;
/// Most processes a directory may list: every PID but the kernel's.
pub const MAX_PROCESSES: usize = xous_abi::limits::MAX_PROCESSES - 1;
/// Longest process name, in bytes of UTF-8.
pub const NAME_MAX: usize = 64;

/// The header at offset 0. Every field is a little-endian u32 except the
/// magic; the rest of the header page is zero.
pub mod header {
    pub const JUMP: usize = 0x00;
    pub const MAGIC: usize = 0x04;
    pub const VERSION: usize = 0x0c;
    pub const DIRECTORY_LEN: usize = 0x10;
    pub const IMAGE_LEN: usize = 0x14;
    pub const KERNEL_OFFSET: usize = 0x18;
    pub const KERNEL_FILE_SIZE: usize = 0x1c;
    pub const KERNEL_MEMORY_SIZE: usize = 0x20;
    pub const PROCESS_COUNT: usize = 0x24;
    pub const DIRECTORY_OFFSET: usize = 0x28;
    pub const CRC: usize = 0x2c;
    pub const LOAD_ADDRESS: usize = 0x30;
    pub const FLAGS: usize = 0x34;
    /// Pages of the board's program store the image uses (0: none).
    pub const STORE_PAGES: usize = 0x38;
    /// Where the store's digest table is (in the directory; 0 with no store).
    pub const STORE_DIGESTS: usize = 0x3c;
    /// Bytes of the header proper.
    pub const LEN: usize = 0x40;
}

/// The program store: pages outside the image (the baosec board's NOR
/// flash), where a process's segment bytes may lie when the image's
/// memory is too small for them. Each page is checked against its SHA-256
/// digest, which the image holds, before the kernel maps it.
pub mod store {
    /// Bytes of one page's digest (SHA-256) in the digest table.
    pub const DIGEST_LEN: usize = 32;
    /// The most pages a store may have (4 GiB; the baosec board's has
    /// 2,048): a page-table entry names a store page where it would name a
    /// frame (the kernel's pte.rs).
    pub const MAX_PAGES: u32 = 1 << 20;
}

/// The header's flags.
pub mod flags {
    /// The image runs on a model of the machine under a runner (xous-run
    /// with bao1x-emu): the kernel ends the run through the model's exit
    /// device and frames its console for the runner. Images for silicon
    /// leave it clear (plain console text; no exit device there).
    pub const MODEL: u32 = 1;
    pub const ALL: u32 = MODEL;
}

/// One process-directory entry; the directory starts with `process count`
/// of them, back to back.
pub mod entry {
    pub const NAME_LEN: usize = 0x00;
    /// `NAME_MAX` bytes: the name, then zeros.
    pub const NAME: usize = 0x04;
    pub const FLAGS: usize = 0x44;
    pub const ENTRY: usize = 0x48;
    pub const EH_FRAME: usize = 0x4c;
    pub const DATA_OFFSET: usize = 0x50;
    pub const DATA_LEN: usize = 0x54;
    pub const DATA_CRC: usize = 0x58;
    pub const PARAMS_OFFSET: usize = 0x5c;
    pub const PARAMS_LEN: usize = 0x60;
    pub const SEGMENT_COUNT: usize = 0x64;
    pub const SEGMENT_TABLE: usize = 0x68;
    pub const LEN: usize = 0x6c;

    /// Flag bit 0: this process's exit ends the whole run with its exit code.
    pub const FLAG_MAIN: u32 = 1;
    /// Flag bit 1: a service the kernel starts when another process of the
    /// image asks for it (`xous_abi::platform::START_SERVICE`: the name
    /// server does, when a client first connects to one of its names), not
    /// at boot. Never with MAIN.
    pub const FLAG_ON_DEMAND: u32 = 2;
    pub const FLAGS_ALL: u32 = FLAG_MAIN | FLAG_ON_DEMAND;
}

/// One segment-table row.
pub mod segment {
    pub const VADDR: usize = 0x00;
    pub const MEM_SIZE: usize = 0x04;
    pub const FILE_SIZE: usize = 0x08;
    pub const FLAGS: usize = 0x0c;
    pub const OFFSET: usize = 0x10;
    pub const LEN: usize = 0x14;

    pub const FLAG_R: u32 = 1;
    pub const FLAG_W: u32 = 2;
    pub const FLAG_X: u32 = 4;
    /// The segment's bytes are in the program store (`offset` is a byte
    /// offset there), not in the image.
    pub const FLAG_STORE: u32 = 8;
    pub const FLAGS_ALL: u32 = FLAG_R | FLAG_W | FLAG_X | FLAG_STORE;
}

/// The little-endian u32 at `at`, if `bytes` holds it.
pub(crate) fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let word: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(word))
}

/// `page_round_up` that reports overflow instead of wrapping.
pub(crate) fn checked_page_round_up(value: usize) -> Option<usize> {
    value.checked_next_multiple_of(PAGE_SIZE)
}

pub(crate) const fn page_round_down(value: usize) -> usize {
    value - value % PAGE_SIZE
}

// The numbers agree with each other, checked when the crate compiles.
const _: () = {
    assert!(KERNEL_WINDOW == 0x40_0000);
    assert!(MAX_PROCESSES == 63);
    assert!(entry::NAME + NAME_MAX == entry::FLAGS);
    assert!(header::LEN <= HEADER_PAGE_LEN);
    // jal x0, 0x1000, decoded by hand: opcode, rd = x0, imm[12] in bit 12.
    assert!(JUMP_TO_KERNEL & 0x7f == 0x6f);
    assert!((JUMP_TO_KERNEL >> 7) & 0x1f == 0);
    assert!(JUMP_TO_KERNEL & !0xfff == KERNEL_OFFSET as u32);
};
