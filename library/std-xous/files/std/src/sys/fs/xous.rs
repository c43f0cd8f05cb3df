//! `std::fs` on Xous: a client of the filesystem service (services/fs in
//! the xous-rs repository), which std finds by name through the name
//! server. The protocol's numbers are defined once, in that repository's
//! `xous_abi::services::fs`, which std includes as `sys::pal::abi` (the
//! sysroot builder copies the abi crate's source there), so the service
//! and std cannot disagree.
//!
//! Every request but data is one page lent mutably and answered in place;
//! data moves in page-sized lends through a bounce buffer (a program's
//! buffer need not be page-aligned, and lending its pages would lend its
//! neighbours too). Positions live in the service, per handle, so a
//! `File` is a handle number; dropping it closes the handle.
//!
//! Links are the service's: it follows symbolic links while resolving a
//! path (at most 40 in one path, else `FilesystemLoop`), so `stat`,
//! `canonicalize` and opening follow them, and `lstat`, `readlink`,
//! removing and renaming do not. A symbolic link's target is sent as
//! given (a relative one resolves against the link's directory, in the
//! service), never joined onto the working directory.

use crate::borrow::Cow;
use crate::ffi::OsString;
use crate::fmt;
use crate::fs::TryLockError;
use crate::io::{self, BorrowedCursor, IoSlice, IoSliceMut, SeekFrom};
use crate::os::xous::ffi::{Connection, lend, lend_mut};
use crate::path::{Path, PathBuf};
use crate::sync::atomic::{Atomic, AtomicU32, Ordering};
pub use crate::sys::fs::common::{Dir, copy, exists, remove_dir_all};
use crate::sys::os_str::Buf;
use crate::sys::time::{SystemTime, UNIX_EPOCH};
use crate::sys::{FromInner, unsupported, unsupported_err};
use crate::time::Duration;

/// The protocol, from the repository's abi crate (`abi/src/services/fs.rs`),
/// which the sysroot builder places in std's tree (`sys::pal::abi`).
use crate::sys::pal::abi::services::fs::{self as proto, error as fs_error, open};

const PAGE: usize = crate::sys::pal::abi::memory::PAGE_SIZE;

#[repr(C, align(4096))]
struct Page([u8; PAGE]);

fn server() -> io::Result<Connection> {
    static CONNECTION: Atomic<u32> = AtomicU32::new(0);
    let cid = CONNECTION.load(Ordering::Relaxed);
    if cid != 0 {
        return Ok(cid.into());
    }
    let cid = crate::os::xous::services::connect(proto::NAME)
        .ok_or(io::const_error!(io::ErrorKind::NotConnected, "the filesystem service is not running"))?;
    CONNECTION.store(cid.into(), Ordering::Relaxed);
    Ok(cid)
}

fn error(status: u32) -> io::Error {
    use io::ErrorKind::*;
    match status {
        fs_error::NOT_FOUND => io::const_error!(NotFound, "no such file or directory"),
        fs_error::ALREADY_EXISTS => io::const_error!(AlreadyExists, "the file exists"),
        fs_error::NOT_A_DIRECTORY => io::const_error!(NotADirectory, "not a directory"),
        fs_error::IS_A_DIRECTORY => io::const_error!(IsADirectory, "is a directory"),
        fs_error::DIRECTORY_NOT_EMPTY => io::const_error!(DirectoryNotEmpty, "the directory is not empty"),
        fs_error::STORAGE_FULL => io::const_error!(StorageFull, "no space left on the device"),
        fs_error::INVALID_FILENAME => io::const_error!(InvalidFilename, "invalid file name"),
        fs_error::PERMISSION_DENIED => io::const_error!(PermissionDenied, "permission denied"),
        fs_error::BAD_HANDLE => io::const_error!(InvalidInput, "not an open file of this process"),
        fs_error::INVALID_INPUT => io::const_error!(InvalidInput, "invalid argument"),
        fs_error::IO => io::const_error!(Other, "the storage device failed or holds damaged data"),
        fs_error::TOO_MANY_OPEN => io::const_error!(QuotaExceeded, "too many open files"),
        fs_error::FILE_TOO_LARGE => io::const_error!(FileTooLarge, "file too large"),
        fs_error::BUSY => io::const_error!(ResourceBusy, "the root directory cannot be changed"),
        fs_error::READ_ONLY_FILESYSTEM => io::const_error!(ReadOnlyFilesystem, "the filesystem is read-only (write-protected disk)"),
        fs_error::FILESYSTEM_LOOP => io::const_error!(FilesystemLoop, "too many levels of symbolic links"),
        fs_error::TOO_MANY_LINKS => io::const_error!(TooManyLinks, "too many links"),
        // The disk was refused at boot (the service wrote nothing to it
        // and says why on stderr): every call gets the reason.
        fs_error::DISK_NOT_OURS => io::const_error!(
            InvalidData,
            "the disk holds no filesystem of ours (refused, not formatted: xous-run --format formats it)"
        ),
        fs_error::DISK_DAMAGED => io::const_error!(
            InvalidData,
            "the filesystem on the disk is damaged beyond repair (refused, left as it is; xous-fs check tells more)"
        ),
        fs_error::DISK_TOO_SMALL => io::const_error!(StorageFull, "the disk is too small for a filesystem (64 KiB at least; refused)"),
        fs_error::DISK_BLANK_READ_ONLY => io::const_error!(
            ReadOnlyFilesystem,
            "the disk is blank and write-protected: there is no filesystem on it and none can be made"
        ),
        _ => io::const_error!(Other, "the filesystem service refused the request"),
    }
}

/// The path as the service reads it: relative ones joined onto this
/// process's working directory (`sys/paths/xous.rs`), as the service has
/// none of its own.
fn bytes(path: &Path) -> Cow<'_, [u8]> {
    match crate::sys::paths::resolve(path) {
        Cow::Borrowed(path) => Cow::Borrowed(path.as_os_str().as_encoded_bytes()),
        Cow::Owned(path) => Cow::Owned(path.into_os_string().into_encoded_bytes()),
    }
}

/// A request page: handle, two numbers, up to two paths.
struct Request {
    page: Box<Page>,
}

impl Request {
    fn new(handle: u32, a: u64, b: u64, path1: &[u8], path2: &[u8]) -> io::Result<Request> {
        if proto::PATHS_AT + path1.len() + path2.len() > PAGE {
            return Err(io::const_error!(io::ErrorKind::InvalidFilename, "the path is too long"));
        }
        let mut page = Box::new(Page([0; PAGE]));
        let p = &mut page.0;
        p[proto::HANDLE_AT..][..4].copy_from_slice(&handle.to_le_bytes());
        p[proto::A_AT..][..8].copy_from_slice(&a.to_le_bytes());
        p[proto::B_AT..][..8].copy_from_slice(&b.to_le_bytes());
        p[proto::PATH1_LEN_AT..][..4].copy_from_slice(&(path1.len() as u32).to_le_bytes());
        p[proto::PATH2_LEN_AT..][..4].copy_from_slice(&(path2.len() as u32).to_le_bytes());
        p[proto::PATHS_AT..][..path1.len()].copy_from_slice(path1);
        p[proto::PATHS_AT + path1.len()..][..path2.len()].copy_from_slice(path2);
        Ok(Request { page })
    }

    /// Sends the request; the answered page, or the error it reports.
    fn send(mut self, opcode: usize) -> io::Result<Reply> {
        lend_mut(server()?, opcode, &mut self.page.0, 0, PAGE)
            .map_err(|_| io::const_error!(io::ErrorKind::Other, "the filesystem service did not answer"))?;
        match u32::from_le_bytes(self.page.0[proto::STATUS_AT..][..4].try_into().unwrap()) {
            0 => Ok(Reply { page: self.page }),
            status => Err(error(status)),
        }
    }
}

struct Reply {
    page: Box<Page>,
}

impl Reply {
    fn u64_at(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.page.0[at..][..8].try_into().unwrap())
    }

    fn value(&self) -> u64 {
        self.u64_at(proto::VALUE_AT)
    }

    fn attributes(&self) -> FileAttr {
        FileAttr {
            kind: FileType { kind: self.page.0[proto::KIND_AT] },
            readonly: self.page.0[proto::READONLY_AT] != 0,
            size: self.u64_at(proto::SIZE_AT),
            modified: self.u64_at(proto::MODIFIED_AT),
            accessed: self.u64_at(proto::ACCESSED_AT),
            created: self.u64_at(proto::CREATED_AT),
        }
    }
}

fn path_request(opcode: usize, path: &Path) -> io::Result<Reply> {
    Request::new(0, 0, 0, &bytes(path), b"")?.send(opcode)
}

fn time_of(ns: u64) -> io::Result<SystemTime> {
    UNIX_EPOCH
        .checked_add_duration(&Duration::from_nanos(ns))
        .ok_or(io::const_error!(io::ErrorKind::InvalidData, "a file time out of range"))
}

fn ns_of(time: Option<SystemTime>) -> io::Result<u64> {
    match time {
        None => Ok(proto::KEEP),
        Some(t) => t
            .sub_time(&UNIX_EPOCH)
            .ok()
            .and_then(|d| u64::try_from(d.as_nanos()).ok())
            .filter(|&ns| ns != proto::KEEP)
            .ok_or(io::const_error!(io::ErrorKind::InvalidInput, "a file time before 1970 or too far ahead")),
    }
}

pub struct File {
    handle: u32,
}

#[derive(Clone)]
pub struct FileAttr {
    kind: FileType,
    readonly: bool,
    size: u64,
    modified: u64,
    accessed: u64,
    created: u64,
}

pub struct ReadDir {
    root: PathBuf,
    entries: crate::vec::IntoIter<(u8, Vec<u8>)>,
}

pub struct DirEntry {
    root: PathBuf,
    name: Vec<u8>,
    kind: FileType,
}

#[derive(Clone, Debug)]
pub struct OpenOptions {
    read: bool,
    write: bool,
    append: bool,
    truncate: bool,
    create: bool,
    create_new: bool,
}

#[derive(Copy, Clone, Debug, Default)]
pub struct FileTimes {
    accessed: Option<SystemTime>,
    modified: Option<SystemTime>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FilePermissions {
    readonly: bool,
}

#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct FileType {
    kind: u8,
}

#[derive(Debug)]
pub struct DirBuilder {}

impl FileAttr {
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn perm(&self) -> FilePermissions {
        FilePermissions { readonly: self.readonly }
    }

    pub fn file_type(&self) -> FileType {
        self.kind
    }

    pub fn modified(&self) -> io::Result<SystemTime> {
        time_of(self.modified)
    }

    pub fn accessed(&self) -> io::Result<SystemTime> {
        time_of(self.accessed)
    }

    pub fn created(&self) -> io::Result<SystemTime> {
        time_of(self.created)
    }
}

impl FilePermissions {
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    pub fn set_readonly(&mut self, readonly: bool) {
        self.readonly = readonly;
    }
}

impl FileTimes {
    pub fn set_accessed(&mut self, t: SystemTime) {
        self.accessed = Some(t);
    }

    pub fn set_modified(&mut self, t: SystemTime) {
        self.modified = Some(t);
    }
}

impl FileType {
    pub fn is_dir(&self) -> bool {
        self.kind == proto::KIND_DIR
    }

    pub fn is_file(&self) -> bool {
        self.kind == proto::KIND_FILE
    }

    pub fn is_symlink(&self) -> bool {
        self.kind == proto::KIND_SYMLINK
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir").field("root", &self.root).finish_non_exhaustive()
    }
}

impl Iterator for ReadDir {
    type Item = io::Result<DirEntry>;

    fn next(&mut self) -> Option<io::Result<DirEntry>> {
        let (kind, name) = self.entries.next()?;
        Some(Ok(DirEntry { root: self.root.clone(), name, kind: FileType { kind } }))
    }
}

impl DirEntry {
    pub fn path(&self) -> PathBuf {
        self.root.join(self.file_name())
    }

    pub fn file_name(&self) -> OsString {
        OsString::from_inner(Buf::from_inner(self.name.clone()))
    }

    /// As on Unix, the entry itself: a link is not followed.
    pub fn metadata(&self) -> io::Result<FileAttr> {
        lstat(&self.path())
    }

    pub fn file_type(&self) -> io::Result<FileType> {
        Ok(self.kind)
    }
}

impl OpenOptions {
    pub fn new() -> OpenOptions {
        OpenOptions { read: false, write: false, append: false, truncate: false, create: false, create_new: false }
    }

    pub fn read(&mut self, read: bool) {
        self.read = read;
    }
    pub fn write(&mut self, write: bool) {
        self.write = write;
    }
    pub fn append(&mut self, append: bool) {
        self.append = append;
    }
    pub fn truncate(&mut self, truncate: bool) {
        self.truncate = truncate;
    }
    pub fn create(&mut self, create: bool) {
        self.create = create;
    }
    pub fn create_new(&mut self, create_new: bool) {
        self.create_new = create_new;
    }

    /// The flags of OPEN, after the checks every platform makes: some
    /// access is asked for; creating or truncating needs write access;
    /// appending does not truncate unless the file is new.
    fn flags(&self) -> io::Result<u64> {
        // The same words as the other platforms: programs and std's tests
        // compare them.
        let creates = self.truncate || self.create || self.create_new;
        if !self.read && !self.write && !self.append {
            return Err(if creates {
                io::const_error!(io::ErrorKind::InvalidInput, "creating or truncating a file requires write or append access")
            } else {
                io::const_error!(io::ErrorKind::InvalidInput, "must specify at least one of read, write, or append access")
            });
        }
        let writes = self.write || self.append;
        if (!writes && creates) || (self.append && self.truncate && !self.create_new) {
            return Err(io::const_error!(io::ErrorKind::InvalidInput, "creating or truncating a file requires write or append access"));
        }
        let flag = |on: bool, bit: u64| if on { bit } else { 0 };
        Ok(flag(self.read, open::READ)
            | flag(self.write, open::WRITE)
            | flag(self.append, open::APPEND)
            | flag(self.truncate && !self.create_new, open::TRUNCATE)
            | flag(self.create, open::CREATE)
            | flag(self.create_new, open::CREATE_NEW))
    }
}

impl File {
    pub fn open(path: &Path, opts: &OpenOptions) -> io::Result<File> {
        let reply = Request::new(0, opts.flags()?, 0, &bytes(path), b"")?.send(proto::OPEN)?;
        Ok(File { handle: reply.value() as u32 })
    }

    fn request(&self, opcode: usize, a: u64, b: u64) -> io::Result<Reply> {
        Request::new(self.handle, a, b, b"", b"")?.send(opcode)
    }

    pub fn file_attr(&self) -> io::Result<FileAttr> {
        Ok(self.request(proto::FSTAT, 0, 0)?.attributes())
    }

    pub fn fsync(&self) -> io::Result<()> {
        self.request(proto::SYNC, 0, 0).map(drop)
    }

    pub fn datasync(&self) -> io::Result<()> {
        self.fsync()
    }

    pub fn lock(&self) -> io::Result<()> {
        unsupported()
    }

    pub fn lock_shared(&self) -> io::Result<()> {
        unsupported()
    }

    pub fn try_lock(&self) -> Result<(), TryLockError> {
        Err(TryLockError::Error(unsupported_err()))
    }

    pub fn try_lock_shared(&self) -> Result<(), TryLockError> {
        Err(TryLockError::Error(unsupported_err()))
    }

    pub fn unlock(&self) -> io::Result<()> {
        unsupported()
    }

    pub fn truncate(&self, size: u64) -> io::Result<()> {
        self.request(proto::SET_LEN, size, 0).map(drop)
    }

    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_with(buf.len(), |data| buf[..data.len()].copy_from_slice(data))
    }

    /// Reads up to `wanted` bytes (at most DATA_MAX) into a bounce buffer
    /// and hands what came to `take`; the count.
    fn read_with(&self, wanted: usize, take: impl FnOnce(&[u8])) -> io::Result<usize> {
        let len = wanted.min(proto::DATA_MAX);
        if len == 0 {
            return Ok(0);
        }
        let mut pages: Vec<Page> = (0..len.div_ceil(PAGE)).map(|_| Page([0; PAGE])).collect();
        // SAFETY: `pages` is `pages.len()` whole, initialised pages in one
        // allocation; viewed as bytes for the lend, which needs them whole.
        let lent = unsafe { crate::slice::from_raw_parts_mut(pages.as_mut_ptr().cast::<u8>(), pages.len() * PAGE) };
        let (status, count) = lend_mut(server()?, proto::READ, lent, self.handle as usize, len)
            .map_err(|_| io::const_error!(io::ErrorKind::Other, "the filesystem service did not answer"))?;
        if status != 0 {
            return Err(error(status as u32));
        }
        let count = count.min(len);
        take(&lent[..count]);
        Ok(count)
    }

    pub fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        crate::io::default_read_vectored(|buf| self.read(buf), bufs)
    }

    pub fn is_read_vectored(&self) -> bool {
        false
    }

    /// Fills the cursor without initialising the rest of it first.
    pub fn read_buf(&self, mut cursor: BorrowedCursor<'_>) -> io::Result<()> {
        self.read_with(cursor.capacity(), |data| cursor.append(data))?;
        Ok(())
    }

    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        let len = buf.len().min(proto::DATA_MAX);
        if len == 0 {
            return Ok(0);
        }
        let mut pages: Vec<Page> = (0..len.div_ceil(PAGE)).map(|_| Page([0; PAGE])).collect();
        // SAFETY: as in `read`.
        let lent = unsafe { crate::slice::from_raw_parts_mut(pages.as_mut_ptr().cast::<u8>(), pages.len() * PAGE) };
        lent[..len].copy_from_slice(&buf[..len]);
        let (status, count) = lend(server()?, proto::WRITE, lent, self.handle as usize, len)
            .map_err(|_| io::const_error!(io::ErrorKind::Other, "the filesystem service did not answer"))?;
        if status != 0 {
            return Err(error(status as u32));
        }
        Ok(count.min(len))
    }

    pub fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        crate::io::default_write_vectored(|buf| self.write(buf), bufs)
    }

    pub fn is_write_vectored(&self) -> bool {
        false
    }

    pub fn flush(&self) -> io::Result<()> {
        Ok(())
    }

    pub fn seek(&self, pos: SeekFrom) -> io::Result<u64> {
        let (offset, whence) = match pos {
            SeekFrom::Start(at) => (at, 0),
            SeekFrom::Current(delta) => (delta as u64, 1),
            SeekFrom::End(delta) => (delta as u64, 2),
        };
        if let SeekFrom::Start(at) = pos
            && at > i64::MAX as u64
        {
            return Err(io::const_error!(io::ErrorKind::InvalidInput, "a position past i64::MAX"));
        }
        Ok(self.request(proto::SEEK, offset, whence)?.value())
    }

    pub fn size(&self) -> Option<io::Result<u64>> {
        Some(self.file_attr().map(|attr| attr.size))
    }

    pub fn tell(&self) -> io::Result<u64> {
        self.seek(SeekFrom::Current(0))
    }

    pub fn duplicate(&self) -> io::Result<File> {
        Ok(File { handle: self.request(proto::DUPLICATE, 0, 0)?.value() as u32 })
    }

    pub fn set_permissions(&self, perm: FilePermissions) -> io::Result<()> {
        self.request(proto::SET_READONLY, perm.readonly as u64, 0).map(drop)
    }

    pub fn set_times(&self, times: FileTimes) -> io::Result<()> {
        self.request(proto::SET_TIMES, ns_of(times.accessed)?, ns_of(times.modified)?).map(drop)
    }
}

impl Drop for File {
    fn drop(&mut self) {
        // A failed close leaves nothing to do: the handle is gone either way.
        let _ = self.request(proto::CLOSE, 0, 0);
    }
}

impl DirBuilder {
    pub fn new() -> DirBuilder {
        DirBuilder {}
    }

    pub fn mkdir(&self, p: &Path) -> io::Result<()> {
        path_request(proto::CREATE_DIR, p).map(drop)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File").field("handle", &self.handle).finish()
    }
}

pub fn readdir(p: &Path) -> io::Result<ReadDir> {
    let mut entries = Vec::new();
    let mut cursor = 0;
    while cursor != proto::END {
        let reply = Request::new(0, cursor, 0, &bytes(p), b"")?.send(proto::READ_DIR)?;
        let page = &reply.page.0;
        let count = u32::from_le_bytes(page[proto::COUNT_AT..][..4].try_into().unwrap());
        let mut at = proto::ENTRIES_AT;
        for _ in 0..count {
            let (kind, len) = (page[at], page[at + 1] as usize);
            entries.push((kind, page[at + 2..at + 2 + len].to_vec()));
            at += 2 + len;
        }
        cursor = reply.value();
    }
    Ok(ReadDir { root: p.to_path_buf(), entries: entries.into_iter() })
}

pub fn unlink(p: &Path) -> io::Result<()> {
    path_request(proto::REMOVE_FILE, p).map(drop)
}

pub fn rename(old: &Path, new: &Path) -> io::Result<()> {
    Request::new(0, 0, 0, &bytes(old), &bytes(new))?.send(proto::RENAME).map(drop)
}

pub fn set_perm(p: &Path, perm: FilePermissions) -> io::Result<()> {
    Request::new(0, perm.readonly as u64, 0, &bytes(p), b"")?.send(proto::SET_READONLY).map(drop)
}

pub fn set_times(p: &Path, times: FileTimes) -> io::Result<()> {
    Request::new(0, ns_of(times.accessed)?, ns_of(times.modified)?, &bytes(p), b"")?.send(proto::SET_TIMES).map(drop)
}

pub fn set_times_nofollow(p: &Path, times: FileTimes) -> io::Result<()> {
    Request::new(0, ns_of(times.accessed)?, ns_of(times.modified)?, &bytes(p), b"")?
        .send(proto::SET_TIMES_NOFOLLOW)
        .map(drop)
}

pub fn rmdir(p: &Path) -> io::Result<()> {
    path_request(proto::REMOVE_DIR, p).map(drop)
}

/// The page's bytes from ENTRIES_AT, `value` of them, as a path.
fn path_in(reply: &Reply) -> PathBuf {
    let len = (reply.value() as usize).min(PAGE - proto::ENTRIES_AT);
    let bytes = reply.page.0[proto::ENTRIES_AT..][..len].to_vec();
    PathBuf::from(OsString::from_inner(Buf::from_inner(bytes)))
}

pub fn readlink(p: &Path) -> io::Result<PathBuf> {
    Ok(path_in(&path_request(proto::READ_LINK, p)?))
}

/// `original` goes to the service as given: a relative target stays
/// relative to the link's directory.
pub fn symlink(original: &Path, link: &Path) -> io::Result<()> {
    Request::new(0, 0, 0, original.as_os_str().as_encoded_bytes(), &bytes(link))?.send(proto::SYMLINK).map(drop)
}

/// A hard link: `dst` names what `src` names (a symbolic link itself,
/// not followed, as `linkat` without AT_SYMLINK_FOLLOW).
pub fn link(src: &Path, dst: &Path) -> io::Result<()> {
    Request::new(0, 0, 0, &bytes(src), &bytes(dst))?.send(proto::HARD_LINK).map(drop)
}

pub fn stat(p: &Path) -> io::Result<FileAttr> {
    Ok(path_request(proto::STAT, p)?.attributes())
}

pub fn lstat(p: &Path) -> io::Result<FileAttr> {
    Ok(path_request(proto::LSTAT, p)?.attributes())
}

/// Every link followed, by the service.
pub fn canonicalize(p: &Path) -> io::Result<PathBuf> {
    Ok(path_in(&path_request(proto::CANONICALIZE, p)?))
}
