//! The filesystem service (services/fs): std's `std::fs` for this target
//! (our overlay's `sys/fs/xous.rs`) and any program. std finds it by name
//! through the name server.
//!
//! Data moves in whole pages: READ is a MutableBorrow of the caller's
//! buffer pages, WRITE a Borrow; `offset` = the handle, `valid` = the byte
//! count; the reply's (offset, valid) = (error code, bytes moved). Every
//! other request is a MutableBorrow of one page laid out as `Request`,
//! answered in the same page (status at 0..4, then what the opcode gives).
//! Handles belong to the process that opened them and close when it ends.
//! Paths are UTF-8 or not, `/`-separated, relative ones start at the root.
//!
//! Links: a symbolic link (`KIND_SYMLINK`) holds a target path as it was
//! given; a relative target resolves against the directory holding the
//! link. Resolving a path follows links in every component but the last,
//! and in the last unless the opcode says it does not (LSTAT, READ_LINK,
//! SET_TIMES_NOFOLLOW, REMOVE_*, RENAME, the new name of SYMLINK and
//! HARD_LINK, and OPEN with `CREATE_NEW`); a trailing `/` always follows.
//! More than `FOLLOW_MAX` links in one resolution is `FILESYSTEM_LOOP`.
//! `..` is physical: the parent of the directory actually reached (after
//! following links), as on Unix, not a textual step back; `..` of the
//! root is the root. A hard link is another directory entry naming the
//! same inode (files and symbolic links only); attributes count the names
//! (`LINKS_AT`); the inode goes when its last name does and no handle
//! holds it open.

/// The server's own SID (std connects by name, never by SID).
pub const SID: super::Sid = super::sid("xous-filesystem!");
pub const NAME: &str = "_Xous Filesystem_";

/// (path1: the file; a = `open` flags) -> value = handle, attributes.
pub const OPEN: usize = 1;
/// (path1) -> attributes.
pub const STAT: usize = 2;
/// (handle) -> attributes.
pub const FSTAT: usize = 3;
/// (path1: a directory; a = cursor, 0 first) -> count at 4..8, value = the
/// next cursor (`END` when done), entries from `ENTRIES_AT`: kind (u8),
/// name length (u8), the name.
pub const READ_DIR: usize = 4;
/// (path1).
pub const CREATE_DIR: usize = 5;
pub const REMOVE_FILE: usize = 6;
pub const REMOVE_DIR: usize = 7;
/// (path1 -> path2), atomic, replacing a file or an empty directory.
pub const RENAME: usize = 8;
/// (the handle if nonzero, else path1; a = 1 readonly, 0 writable).
pub const SET_READONLY: usize = 9;
/// (path1) -> value = length, the absolute path from `ENTRIES_AT`.
pub const CANONICALIZE: usize = 10;
/// (handle; a = offset as i64, b = whence: 0 start, 1 current, 2 end) -> value = position.
pub const SEEK: usize = 11;
/// (handle; a = length).
pub const SET_LEN: usize = 12;
/// (handle): everything written so far is on the medium when it returns.
pub const SYNC: usize = 13;
pub const CLOSE: usize = 14;
/// (the handle if nonzero, else path1; a = accessed, b = modified, ns
/// since the Unix epoch, `KEEP` = leave it).
pub const SET_TIMES: usize = 15;
/// (handle) -> value = a new handle to the same file, sharing its position
/// (as `try_clone` on Unix: a read through either moves both).
pub const DUPLICATE: usize = 16;
/// (path1: the target, stored as given, not resolved; path2: the new
/// link, which must not exist).
pub const SYMLINK: usize = 17;
/// (path1: an existing file or symbolic link, not followed; path2: the
/// new name, which must not exist). A directory: PERMISSION_DENIED.
pub const HARD_LINK: usize = 18;
/// (path1: a symbolic link, not followed) -> value = length, the target
/// from `ENTRIES_AT`. Not a link: INVALID_INPUT.
pub const READ_LINK: usize = 19;
/// (path1) -> attributes of what path1 names, a link itself not followed.
pub const LSTAT: usize = 22;
/// As SET_TIMES by path, on a symbolic link itself (not followed).
pub const SET_TIMES_NOFOLLOW: usize = 23;
/// Data: see the module's header.
pub const READ: usize = 20;
pub const WRITE: usize = 21;
/// Ours, internal: the id of the kernel's exit notices.
pub const PROCESS_ENDED: usize = 0x7f01;
/// For `./x bench fs` (test-apps/bench-fs), served only by the service
/// built with its `bench` feature (which only `./x bench` builds; the
/// service as booted otherwise answers BAD_REQUEST): the block device
/// alone, no filesystem. (a = blocks, b = 1 write then flush, 0 read) ->
/// value = blocks moved: up to `a` of the device's free blocks, which no
/// state of the filesystem uses, so nothing it holds changes.
pub const RAW_BENCH: usize = 0x7f02;

/// Open flags (`a` of OPEN).
pub mod open {
    pub const READ: u64 = 1;
    pub const WRITE: u64 = 2;
    pub const APPEND: u64 = 4;
    pub const TRUNCATE: u64 = 8;
    pub const CREATE: u64 = 16;
    pub const CREATE_NEW: u64 = 32;
}

/// The request page. Offsets of its fields (little-endian).
pub const STATUS_AT: usize = 0;
pub const HANDLE_AT: usize = 4;
pub const A_AT: usize = 8;
pub const B_AT: usize = 16;
pub const PATH1_LEN_AT: usize = 24;
pub const PATH2_LEN_AT: usize = 28;
/// Path 1, then path 2 right after it.
pub const PATHS_AT: usize = 32;
/// The reply: value (u64) and attributes.
pub const VALUE_AT: usize = 8;
pub const KIND_AT: usize = 16;
pub const READONLY_AT: usize = 17;
pub const SIZE_AT: usize = 24;
pub const MODIFIED_AT: usize = 32;
pub const ACCESSED_AT: usize = 40;
pub const CREATED_AT: usize = 48;
/// How many names the inode has (u32).
pub const LINKS_AT: usize = 56;
pub const ENTRIES_AT: usize = 64;
pub const COUNT_AT: usize = 4;
/// READ_DIR's cursor when nothing is left.
pub const END: u64 = u64::MAX;
/// SET_TIMES: this time stays as it is.
pub const KEEP: u64 = u64::MAX;

/// File kinds in attributes and directory entries.
pub const KIND_FILE: u8 = 1;
pub const KIND_DIR: u8 = 2;
pub const KIND_SYMLINK: u8 = 3;

/// Symbolic links followed in one path resolution at most.
pub const FOLLOW_MAX: usize = 40;
/// The longest symbolic link target, in bytes.
pub const TARGET_MAX: usize = 4096 - ENTRIES_AT;

/// The longest name of one directory entry, in bytes.
pub const NAME_MAX: usize = 255;
/// Bytes one READ or WRITE moves at most.
pub const DATA_MAX: usize = 64 * 1024;

/// Status codes (0 is success).
pub mod error {
    pub const NOT_FOUND: u32 = 1;
    pub const ALREADY_EXISTS: u32 = 2;
    pub const NOT_A_DIRECTORY: u32 = 3;
    pub const IS_A_DIRECTORY: u32 = 4;
    pub const DIRECTORY_NOT_EMPTY: u32 = 5;
    pub const STORAGE_FULL: u32 = 6;
    pub const INVALID_FILENAME: u32 = 7;
    /// The file is read-only (set_readonly), the handle was not opened for
    /// this, or a hard link to a directory was asked for.
    pub const PERMISSION_DENIED: u32 = 8;
    /// No such handle, or not the caller's.
    pub const BAD_HANDLE: u32 = 9;
    /// A value out of range (a seek before 0, a directory moved into itself).
    pub const INVALID_INPUT: u32 = 10;
    /// The device failed, or what it holds does not check out.
    pub const IO: u32 = 11;
    /// The caller has too many files open, or the service does.
    pub const TOO_MANY_OPEN: u32 = 12;
    /// The disk is read-only (a write-protected virtio-blk disk,
    /// `xous-run --disk-readonly`): nothing on it can change.
    pub const READ_ONLY_FILESYSTEM: u32 = 16;
    /// A malformed request, an unknown opcode, a wrong message kind.
    pub const BAD_REQUEST: u32 = 13;
    /// The file would be larger than the format allows.
    pub const FILE_TOO_LARGE: u32 = 14;
    /// The root directory cannot be removed or renamed; the filesystem is busy.
    pub const BUSY: u32 = 15;
    /// More than `FOLLOW_MAX` symbolic links in one path (std's
    /// `ErrorKind::FilesystemLoop`, ELOOP).
    pub const FILESYSTEM_LOOP: u32 = 17;
    /// The inode has as many names as it may have (65,535; EMLINK).
    pub const TOO_MANY_LINKS: u32 = 18;
    /// The disk was refused at boot, so every request fails with one of
    /// the four statuses below, and nothing is ever written to it. This
    /// one: the disk holds no filesystem of ours and is not blank (all
    /// zeros): another filesystem, a wrong file, noise. It was not
    /// formatted; `xous-run --format` (or `xous-fs format`) formats it.
    pub const DISK_NOT_OURS: u32 = 19;
    /// Refused: our filesystem, damaged beyond what the second superblock
    /// repairs (both superblocks, or a checksum, pointer, entry or count
    /// of the tree). `xous-fs check` says where.
    pub const DISK_DAMAGED: u32 = 20;
    /// Refused: blank, but too small for a filesystem (16 blocks, 64 KiB).
    pub const DISK_TOO_SMALL: u32 = 21;
    /// Refused: blank and write-protected (`--disk-readonly`): there is no
    /// filesystem to read and none can be made.
    pub const DISK_BLANK_READ_ONLY: u32 = 22;
}
