//! An executable file read through the filesystem service
//! (`xous_abi::services::fs`): opened by path, read at offsets through a
//! page-aligned buffer of this process, closed when dropped. The handle is
//! the manager's own; the file may be any size, since only the headers and
//! the loaded segments are read.

use crate::mem;
use xous_abi::message::InvokeType;
use xous_abi::services::fs as proto;
use xous_abi::services::proc::status;
use xous_rt::{syscall, Syscall, SyscallResult};

/// The buffer reads go through: what one READ moves at most.
const BUFFER: usize = proto::DATA_MAX;

/// The filesystem's connection and this process's two buffers (one request
/// page, one data buffer), made once.
pub struct Fs {
    cid: usize,
    page: usize,
    buffer: usize,
}

impl Fs {
    /// Connects to the filesystem service by name, which starts it if it
    /// is on demand (never waits for one the system does not have: a
    /// system booted without one just cannot start programs).
    pub fn connect() -> Option<Fs> {
        let cid = xous_rt::try_connect_name(proto::NAME)?;
        let page = mem::map(4096, mem::RW)?;
        let buffer = mem::map(BUFFER, mem::RW)?;
        Some(Fs { cid, page, buffer })
    }

    fn page(&mut self) -> &mut [u8] {
        // SAFETY: `page` is a page of ours, mapped read-write for good
        // (never lent while a reference lives: requests are sent below).
        unsafe { core::slice::from_raw_parts_mut(self.page as *mut u8, 4096) }
    }

    /// A request page round trip: status and the page as answered.
    fn request(&mut self, op: usize, handle: u32, a: u64, path: &[u8]) -> Result<(), usize> {
        if path.len() > 4096 - proto::PATHS_AT {
            return Err(status::NOT_FOUND);
        }
        let page = self.page();
        page.fill(0);
        page[proto::HANDLE_AT..proto::HANDLE_AT + 4].copy_from_slice(&handle.to_le_bytes());
        page[proto::A_AT..proto::A_AT + 8].copy_from_slice(&a.to_le_bytes());
        page[proto::PATH1_LEN_AT..proto::PATH1_LEN_AT + 4].copy_from_slice(&(path.len() as u32).to_le_bytes());
        page[proto::PATHS_AT..proto::PATHS_AT + path.len()].copy_from_slice(path);
        let r = syscall(Syscall::SendMessage, &[self.cid, InvokeType::LendMut as usize, op, self.page, 4096, 0, 0]);
        if r[0] != SyscallResult::MemoryReturned as usize {
            return Err(status::FILESYSTEM);
        }
        let code = u32::from_le_bytes(self.page()[proto::STATUS_AT..proto::STATUS_AT + 4].try_into().unwrap_or_default());
        match code {
            0 => Ok(()),
            proto::error::NOT_FOUND | proto::error::NOT_A_DIRECTORY | proto::error::INVALID_FILENAME => Err(status::NOT_FOUND),
            proto::error::IS_A_DIRECTORY => Err(status::IS_DIRECTORY),
            _ => Err(status::FILESYSTEM),
        }
    }

    fn u64_at(&mut self, at: usize) -> u64 {
        u64::from_le_bytes(self.page()[at..at + 8].try_into().unwrap_or_default())
    }

    /// Opens `path` (absolute) for reading.
    pub fn open<'a>(&'a mut self, path: &[u8]) -> Result<File<'a>, usize> {
        self.request(proto::OPEN, 0, proto::open::READ, path)?;
        let handle = self.u64_at(proto::VALUE_AT) as u32;
        let kind = self.page()[proto::KIND_AT];
        let len = self.u64_at(proto::SIZE_AT);
        let file = File { fs: self, handle, len };
        if kind == proto::KIND_DIR {
            return Err(status::IS_DIRECTORY);
        }
        Ok(file)
    }
}

pub struct File<'a> {
    fs: &'a mut Fs,
    handle: u32,
    len: u64,
}

impl File<'_> {
    fn read_chunk(&mut self, offset: u64, out: &mut [u8]) -> bool {
        if self.fs.request(proto::SEEK, self.handle, offset, &[]).is_err() {
            return false;
        }
        let r = syscall(
            Syscall::SendMessage,
            &[self.fs.cid, InvokeType::LendMut as usize, proto::READ, self.fs.buffer, BUFFER, self.handle as usize, out.len()],
        );
        if r[0] != SyscallResult::MemoryReturned as usize || r[1] != 0 || r[2] != out.len() {
            return false;
        }
        // SAFETY: the buffer is ours again (the lend returned) and holds
        // `out.len()` bytes the service wrote.
        let data = unsafe { core::slice::from_raw_parts(self.fs.buffer as *const u8, out.len()) };
        out.copy_from_slice(data);
        true
    }
}

impl proc::elf::Source for File<'_> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> bool {
        buf.chunks_mut(BUFFER).enumerate().all(|(i, chunk)| self.read_chunk(offset + (i * BUFFER) as u64, chunk))
    }

    fn len(&self) -> u64 {
        self.len
    }
}

impl Drop for File<'_> {
    fn drop(&mut self) {
        let _ = self.fs.request(proto::CLOSE, self.handle, 0, &[]);
    }
}
