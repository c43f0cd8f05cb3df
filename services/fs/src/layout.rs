//! The on-disk format: where each field of the superblocks, the metadata
//! blocks, the inodes and the directory entries lies. All integers are
//! little-endian; a block is 4 KiB.
//!
//! ```text
//! block 0, 1   superblocks, written alternately; the valid one with the
//!              higher sequence number is the filesystem
//! other blocks data, or metadata: a header (CRC-32 of bytes 4.., kind)
//!              then pointers (a tree node), inodes, or directory entries
//! ```
//! Every file (the inode table and directories too) is a tree of height
//! h: height 0 is one block (or none), height h > 0 a pointer block of
//! `POINTERS` children of height h - 1. Pointer 0 is a hole.

use crate::crc::crc32;
use block::{Block, BLOCK_SIZE};

pub const MAGIC: [u8; 4] = *b"XFS1";
pub const SUPERBLOCKS: u32 = 2;

/// Metadata block kinds (byte 4 of the header).
pub const META_POINTERS: u8 = 1;
pub const META_INODES: u8 = 2;
pub const META_ENTRIES: u8 = 3;
pub const HEADER: usize = 8;

pub const POINTERS: u32 = ((BLOCK_SIZE - HEADER) / 4) as u32;
pub const INODE_SIZE: usize = 64;
pub const INODES_PER_BLOCK: u32 = ((BLOCK_SIZE - HEADER) / INODE_SIZE) as u32;
pub const ENTRY_SIZE: usize = 264;
pub const ENTRIES_PER_BLOCK: u32 = ((BLOCK_SIZE - HEADER) / ENTRY_SIZE) as u32;
pub const NAME_MAX: usize = 255;
/// Trees are at most this high: 1022^3 blocks is more than u32 can number.
pub const MAX_HEIGHT: u8 = 3;

/// Inode kinds.
pub const KIND_FREE: u8 = 0;
pub const KIND_FILE: u8 = 1;
pub const KIND_DIR: u8 = 2;
/// A symbolic link: its content (data blocks, `size` bytes) is the target
/// path as it was given, relative or absolute.
pub const KIND_SYMLINK: u8 = 3;
/// The most names one inode may have.
pub const LINKS_MAX: u32 = 65_535;
/// The root directory's inode number (0 means "no inode").
pub const ROOT: u32 = 1;

pub fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

pub fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

pub fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Seals a metadata block: its checksum over everything after it.
pub fn seal(block: &mut Block) {
    let crc = crc32(&block[4..]);
    put_u32(block, 0, crc);
}

/// Whether a metadata block read back is whole and of `kind`.
pub fn check(block: &Block, kind: u8) -> bool {
    u32_at(block, 0) == crc32(&block[4..]) && block[4] == kind
}

/// A fresh metadata block of `kind`.
pub fn empty_meta(kind: u8) -> Block {
    let mut block = [0u8; BLOCK_SIZE];
    block[4] = kind;
    block
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Superblock {
    pub sequence: u64,
    pub blocks: u32,
    /// The inode table: its tree and how many inode slots it has.
    pub table_root: u32,
    pub table_height: u8,
    pub inodes: u32,
}

impl Superblock {
    pub fn encode(&self) -> Block {
        let mut b = [0u8; BLOCK_SIZE];
        b[4..8].copy_from_slice(&MAGIC);
        put_u64(&mut b, 8, self.sequence);
        put_u32(&mut b, 16, self.blocks);
        put_u32(&mut b, 20, self.table_root);
        b[24] = self.table_height;
        put_u32(&mut b, 28, self.inodes);
        put_u32(&mut b, 32, BLOCK_SIZE as u32);
        seal(&mut b);
        b
    }

    /// The superblock in `b`, if it is one, whole.
    pub fn decode(b: &Block) -> Option<Superblock> {
        if b[4..8] != MAGIC || u32_at(b, 0) != crc32(&b[4..]) || u32_at(b, 32) != BLOCK_SIZE as u32 {
            return None;
        }
        let sb = Superblock { sequence: u64_at(b, 8), blocks: u32_at(b, 16), table_root: u32_at(b, 20), table_height: b[24], inodes: u32_at(b, 28) };
        (sb.table_height <= MAX_HEIGHT).then_some(sb)
    }
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Inode {
    pub kind: u8,
    pub readonly: bool,
    pub height: u8,
    pub root: u32,
    /// Bytes (a directory: entry slots times ENTRY_SIZE).
    pub size: u64,
    /// Nanoseconds since the Unix epoch.
    pub modified: u64,
    pub accessed: u64,
    pub created: u64,
    /// A directory's parent (the root's is itself).
    pub parent: u32,
    /// How many directory entries name this inode (a directory: 1).
    /// Stored at byte 44; a stored 0 (disks made before hard links)
    /// reads as 1.
    pub links: u32,
}

impl Inode {
    pub fn decode(b: &[u8]) -> Inode {
        Inode {
            kind: b[0],
            readonly: b[1] != 0,
            height: b[2].min(MAX_HEIGHT),
            root: u32_at(b, 4),
            size: u64_at(b, 8),
            modified: u64_at(b, 16),
            accessed: u64_at(b, 24),
            created: u64_at(b, 32),
            parent: u32_at(b, 40),
            links: if b[0] == KIND_FREE { 0 } else { u32_at(b, 44).max(1) },
        }
    }

    pub fn encode(&self, b: &mut [u8]) {
        b[..INODE_SIZE].fill(0);
        b[0] = self.kind;
        b[1] = self.readonly as u8;
        b[2] = self.height;
        put_u32(b, 4, self.root);
        put_u64(b, 8, self.size);
        put_u64(b, 16, self.modified);
        put_u64(b, 24, self.accessed);
        put_u64(b, 32, self.created);
        put_u32(b, 40, self.parent);
        put_u32(b, 44, self.links);
    }
}

/// A directory entry: inode number (0: a free slot), name length, kind, name.
pub struct Entry<'a> {
    pub inode: u32,
    pub kind: u8,
    pub name: &'a [u8],
}

impl Entry<'_> {
    pub fn decode(b: &[u8]) -> Entry<'_> {
        let len = (b[4] as usize).min(NAME_MAX);
        Entry { inode: u32_at(b, 0), kind: b[5], name: &b[8..8 + len] }
    }

    pub fn encode(&self, b: &mut [u8]) {
        b[..ENTRY_SIZE].fill(0);
        put_u32(b, 0, self.inode);
        b[4] = self.name.len() as u8;
        b[5] = self.kind;
        b[8..8 + self.name.len()].copy_from_slice(self.name);
    }
}

/// Where inode `n` lies: (leaf index in the table's tree, byte offset).
pub fn inode_place(n: u32) -> (u32, usize) {
    (n / INODES_PER_BLOCK, HEADER + (n % INODES_PER_BLOCK) as usize * INODE_SIZE)
}

/// Where directory slot `n` lies.
pub fn entry_place(n: u32) -> (u32, usize) {
    (n / ENTRIES_PER_BLOCK, HEADER + (n % ENTRIES_PER_BLOCK) as usize * ENTRY_SIZE)
}

/// How many leaves a tree of `height` can hold.
pub fn capacity(height: u8) -> u64 {
    (POINTERS as u64).pow(height as u32)
}
