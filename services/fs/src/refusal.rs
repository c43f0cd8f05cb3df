//! Why a device was not mounted, and what damage was found on it: the
//! reasons the service gives every request (as protocol statuses), prints
//! at boot, and `xous-fs check` lists. A refused device is left exactly as
//! it was: nothing is written to it.

use alloc::vec::Vec;
use core::fmt;
use xous_abi::services::fs::error;

/// Why `Fs::mount` (or `Fs::format`) left a device alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No superblock of ours, and the device is not blank: it holds
    /// someone else's data (another filesystem, a wrong file, noise).
    /// `block` is the first block found holding something.
    NotOurs { block: u32 },
    /// Our format, damaged beyond what the second superblock repairs.
    Damaged(Damage),
    /// Blank, but smaller than the smallest filesystem (`MIN_BLOCKS`).
    TooSmall { blocks: u32 },
    /// Blank (or to be formatted) and write-protected: no filesystem can
    /// be made on it.
    ReadOnly,
    /// The device failed a read or a write.
    Device,
}

impl Refusal {
    /// The protocol's status for every request while the disk is refused.
    pub fn code(&self) -> u32 {
        match self {
            Refusal::NotOurs { .. } => error::DISK_NOT_OURS,
            Refusal::Damaged(_) => error::DISK_DAMAGED,
            Refusal::TooSmall { .. } => error::DISK_TOO_SMALL,
            Refusal::ReadOnly => error::DISK_BLANK_READ_ONLY,
            Refusal::Device => error::IO,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Refusal::NotOurs { block } => write!(
                f,
                "it holds no filesystem of ours and is not blank (block {block} holds data; a blank disk is all zeros), so it was not formatted"
            ),
            Refusal::Damaged(damage) => write!(f, "its filesystem is damaged beyond repair: {damage}"),
            Refusal::TooSmall { blocks } => {
                write!(f, "it is blank but has {blocks} blocks of 4 KiB, fewer than the {} a filesystem needs", crate::fs::MIN_BLOCKS)
            }
            Refusal::ReadOnly => write!(f, "it is blank and write-protected, so no filesystem can be made on it"),
            Refusal::Device => write!(f, "the device failed a read or a write"),
        }
    }
}

/// One thing wrong with our format on a device: where (a block, an inode
/// and the path that reaches it, as far as known) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub block: Option<u32>,
    pub inode: Option<u32>,
    /// The path that reaches the inode (its first name, for hard links).
    pub path: Option<Vec<u8>>,
    pub problem: Problem,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Neither superblock (blocks 0 and 1) is whole, yet the device holds
    /// our format (a superblock's magic, or checksummed metadata).
    NoSuperblock,
    /// The superblock describes a filesystem of `blocks` blocks; the
    /// device has `device` (a truncated image?), or fewer than a
    /// filesystem needs.
    Size { blocks: u32, device: u32 },
    /// The superblock counts more inodes than its table could hold.
    InodeCount { inodes: u32 },
    /// A metadata block whose checksum does not match its content.
    Checksum,
    /// A whole metadata block, but of another kind than its place needs
    /// (kinds: 1 pointers, 2 inodes, 3 directory entries).
    MetaKind { expected: u8, found: u8 },
    /// The device could not read the block.
    Unreadable,
    /// A pointer to a block outside the filesystem (or a superblock).
    OutOfRange,
    /// A block reached a second time: two owners, or a loop.
    Shared,
    /// The inode's table block is damaged (reported on its own).
    InodeLost,
    /// A directory entry names an inode number past the table, or 0.
    NoSuchInode,
    /// An entry of a kind that does not exist.
    EntryKind { kind: u8 },
    /// The entry says one kind (1 file, 2 directory, 3 link; 0: free),
    /// the inode another.
    KindMismatch { entry: u8, inode: u8 },
    /// A directory with a second name.
    DirectoryNamedTwice,
    /// A directory whose recorded parent is not the directory naming it.
    Parent { recorded: u32, actual: u32 },
    /// An inode whose link count is not the number of names it has.
    LinkCount { stored: u32, counted: u32 },
    /// A name no one can make: empty, `.`, `..`, with `/` or NUL.
    BadName,
    /// A name twice in one directory.
    DuplicateName,
    /// A directory whose size is not whole entries, or whose blocks of
    /// entries do not run without holes from the first to the one
    /// holding its last entry.
    DirectoryShape { size: u64 },
    /// A symbolic link whose target is empty or longer than allowed.
    LinkTarget { size: u64 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match *self {
            Problem::NoSuperblock => write!(f, "neither superblock (blocks 0 and 1) is whole, though the disk holds our format"),
            Problem::Size { blocks, device } => write!(f, "the superblock says {blocks} blocks, the device has {device}"),
            Problem::InodeCount { inodes } => write!(f, "the superblock counts {inodes} inodes, more than its inode table holds"),
            Problem::Checksum => write!(f, "metadata whose checksum does not match"),
            Problem::MetaKind { expected, found } => write!(f, "metadata of kind {found} where kind {expected} belongs"),
            Problem::Unreadable => write!(f, "the device cannot read it"),
            Problem::OutOfRange => write!(f, "a pointer outside the filesystem"),
            Problem::Shared => write!(f, "a block reached twice (two owners, or a loop)"),
            Problem::InodeLost => write!(f, "its inode lies in a damaged block of the inode table"),
            Problem::NoSuchInode => write!(f, "an entry names an inode that does not exist"),
            Problem::EntryKind { kind } => write!(f, "an entry of unknown kind {kind}"),
            Problem::KindMismatch { entry, inode } => write!(f, "the entry says kind {entry}, the inode kind {inode}"),
            Problem::DirectoryNamedTwice => write!(f, "a directory with a second name"),
            Problem::Parent { recorded, actual } => write!(f, "the directory records parent inode {recorded}, but inode {actual} names it"),
            Problem::LinkCount { stored, counted } => write!(f, "the inode counts {stored} names, the directories hold {counted}"),
            Problem::BadName => write!(f, "an entry whose name cannot be (empty, `.`, `..`, or with `/` or NUL)"),
            Problem::DuplicateName => write!(f, "a name twice in one directory"),
            Problem::DirectoryShape { size } => write!(f, "a directory of {size} bytes whose blocks of entries do not match its size"),
            Problem::LinkTarget { size } => write!(f, "a symbolic link whose target is {size} bytes"),
        }
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let mut said = false;
        if let Some(block) = self.block {
            write!(f, "block {block}")?;
            said = true;
        }
        if let Some(inode) = self.inode {
            write!(f, "{}inode {inode}", if said { ", " } else { "" })?;
            said = true;
        }
        if let Some(path) = &self.path {
            f.write_str(if said { " (" } else { "" })?;
            // A name on the disk may hold anything: control characters
            // are escaped, so that a report stays one line.
            for chunk in path.utf8_chunks() {
                for c in chunk.valid().chars() {
                    if c.is_control() { write!(f, "{}", c.escape_default())? } else { write!(f, "{c}")? }
                }
                if !chunk.invalid().is_empty() {
                    f.write_str("\u{fffd}")?;
                }
            }
            f.write_str(if said { ")" } else { "" })?;
            said = true;
        }
        write!(f, "{}{}", if said { ": " } else { "" }, self.problem)
    }
}
