//! Pipes on Xous: ends held in the process manager (services/proc in the
//! xous-rs repository; protocol in `sys::pal::abi::services::proc`), which
//! std finds by name through the name server. A `Pipe` is the number of
//! one end; dropping it lets go of the end, so the reader sees the end of
//! the data once every writer is gone and a writer gets `BrokenPipe` once
//! every reader is. Data moves in page-sized lends through a bounce
//! buffer, up to 16 pages at once; the manager holds a read of an empty
//! pipe, or a write to a full one, until it can answer (back-pressure).

use crate::fmt;
use crate::io::{self, BorrowedCursor, IoSlice, IoSliceMut};
use crate::os::xous::ffi::{Connection, blocking_scalar, lend, lend_mut};
use crate::sync::atomic::{Atomic, AtomicU32, Ordering};
use crate::sys::pal::abi::services::proc::{self as proto, status};

const PAGE: usize = 4096;
/// Bytes one request moves at most.
const CHUNK: usize = 16 * PAGE;

#[repr(C, align(4096))]
struct Page([u8; PAGE]);

/// The connection to the process manager, made once per process.
pub(crate) fn manager() -> io::Result<Connection> {
    static CONNECTION: Atomic<u32> = AtomicU32::new(0);
    let cid = CONNECTION.load(Ordering::Relaxed);
    if cid != 0 {
        return Ok(cid.into());
    }
    let cid = crate::os::xous::services::connect(proto::NAME)
        .ok_or(io::const_error!(io::ErrorKind::NotConnected, "the process manager is not running"))?;
    CONNECTION.store(cid.into(), Ordering::Relaxed);
    Ok(cid)
}

/// The error of a manager's status word.
pub(crate) fn error(code: usize) -> io::Error {
    use io::ErrorKind::*;
    match code {
        status::NOT_FOUND => io::const_error!(NotFound, "no such program"),
        status::NOT_EXECUTABLE => io::const_error!(InvalidData, "not a RISC-V 32-bit ELF executable"),
        status::OUT_OF_MEMORY => io::const_error!(OutOfMemory, "not enough memory for the program"),
        status::NOT_CHILD => io::const_error!(InvalidInput, "not a child or pipe of this process"),
        status::INVALID => io::const_error!(InvalidInput, "the process manager refused the request"),
        status::BROKEN_PIPE => io::const_error!(BrokenPipe, "the pipe's reader is gone"),
        status::IS_DIRECTORY => io::const_error!(IsADirectory, "is a directory, not a program"),
        _ => io::const_error!(Other, "the filesystem could not read the program"),
    }
}

/// A BlockingScalar to the manager: its five answer words, the first (the
/// status) checked.
pub(crate) fn ask(opcode: usize, word: usize) -> io::Result<[usize; 5]> {
    let answer = blocking_scalar(manager()?, [opcode, word, 0, 0, 0])
        .map_err(|_| io::const_error!(io::ErrorKind::Other, "the process manager did not answer"))?;
    if answer[0] != status::OK { Err(error(answer[0])) } else { Ok(answer) }
}

pub struct Pipe {
    end: usize,
}

pub fn pipe() -> io::Result<(Pipe, Pipe)> {
    let answer = ask(proto::PIPE, 0)?;
    Ok((Pipe { end: answer[1] }, Pipe { end: answer[2] }))
}

impl Pipe {
    /// The end numbered `end`, which this process holds (from the manager).
    pub(crate) fn from_end(end: usize) -> Pipe {
        Pipe { end }
    }

    pub(crate) fn end(&self) -> usize {
        self.end
    }

    pub fn try_clone(&self) -> io::Result<Self> {
        Ok(Pipe { end: ask(proto::DUPLICATE, self.end)?[1] })
    }

    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        read_end(self.end, buf)
    }

    pub fn read_buf(&self, mut cursor: BorrowedCursor<'_>) -> io::Result<()> {
        let mut bounce = [0u8; PAGE];
        let n = self.read(&mut bounce[..cursor.capacity().min(PAGE)])?;
        cursor.append(&bounce[..n]);
        Ok(())
    }

    pub fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        io::default_read_vectored(|b| self.read(b), bufs)
    }

    pub fn is_read_vectored(&self) -> bool {
        false
    }

    pub fn read_to_end(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let start = buf.len();
        let mut chunk = vec![0u8; CHUNK];
        loop {
            match self.read(&mut chunk) {
                Ok(0) => return Ok(buf.len() - start),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.is_interrupted() => {}
                Err(e) => return Err(e),
            }
        }
    }

    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        write_end(self.end, buf)
    }

    pub fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        io::default_write_vectored(|b| self.write(b), bufs)
    }

    pub fn is_write_vectored(&self) -> bool {
        false
    }
}

/// Reads from pipe end `end` into `buf`: what the pipe holds, up to
/// `buf.len()`; 0 at the end of the data.
pub(crate) fn read_end(end: usize, buf: &mut [u8]) -> io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    let len = buf.len().min(CHUNK);
    let mut pages: Vec<Page> = (0..len.div_ceil(PAGE)).map(|_| Page([0; PAGE])).collect();
    // SAFETY: `pages` is a run of whole, 4096-aligned pages owned here.
    let lent = unsafe { crate::slice::from_raw_parts_mut(pages.as_mut_ptr().cast::<u8>(), pages.len() * PAGE) };
    let (code, count) = lend_mut(manager()?, proto::READ, lent, end, len)
        .map_err(|_| io::const_error!(io::ErrorKind::Other, "the process manager did not answer"))?;
    if code != status::OK {
        return Err(error(code));
    }
    let count = count.min(len);
    buf[..count].copy_from_slice(&lent[..count]);
    Ok(count)
}

/// Writes to pipe end `end` what fits in the pipe of `buf` (at least one
/// byte; waits for room).
pub(crate) fn write_end(end: usize, buf: &[u8]) -> io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    let len = buf.len().min(CHUNK);
    let mut pages: Vec<Page> = (0..len.div_ceil(PAGE)).map(|_| Page([0; PAGE])).collect();
    // SAFETY: as in `read_end`.
    let lent = unsafe { crate::slice::from_raw_parts_mut(pages.as_mut_ptr().cast::<u8>(), pages.len() * PAGE) };
    lent[..len].copy_from_slice(&buf[..len]);
    let (code, count) = lend(manager()?, proto::WRITE, lent, end, len)
        .map_err(|_| io::const_error!(io::ErrorKind::Other, "the process manager did not answer"))?;
    if code != status::OK {
        return Err(error(code));
    }
    Ok(count.min(len))
}

impl Drop for Pipe {
    fn drop(&mut self) {
        let _ = ask(proto::CLOSE, self.end);
    }
}

impl fmt::Debug for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipe").field("end", &self.end).finish()
    }
}
