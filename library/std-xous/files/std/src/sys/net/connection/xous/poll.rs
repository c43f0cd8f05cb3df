//! std-xous: the client of the network service's POLL and WAKE (the
//! protocol is `sys::pal::abi::services::net_poll`), behind
//! `std::os::xous::net`. A poll lends its entries through `lent.rs` (one
//! page holds 510 entries; more take more pages, up to 1024 entries).

use super::lent::Lent;
use crate::io;
use crate::os::xous::ffi::{blocking_scalar, lend_mut};
use crate::os::xous::services::net_server;
use crate::sync::atomic::{AtomicU32, Ordering};
use crate::sys::pal::abi::services::net::error;
use crate::sys::pal::abi::services::net_poll as abi;
use crate::time::Duration;

pub const READABLE: u16 = abi::event::READABLE;
pub const WRITABLE: u16 = abi::event::WRITABLE;
pub const READ_CLOSED: u16 = abi::event::READ_CLOSED;
pub const WRITE_CLOSED: u16 = abi::event::WRITE_CLOSED;
pub const ERROR: u16 = abi::event::ERROR;
pub const INVALID: u16 = abi::event::INVALID;

/// The next waker key of this process (0 is "no waker").
static NEXT_KEY: AtomicU32 = AtomicU32::new(1);

pub fn new_key() -> io::Result<u32> {
    match NEXT_KEY.fetch_add(1, Ordering::Relaxed) {
        0 => Err(io::const_error!(io::ErrorKind::OutOfMemory, "waker keys exhausted")),
        key => Ok(key),
    }
}

fn read_error(code: usize) -> io::Error {
    match u8::try_from(code) {
        Ok(error::BAD_SOCKET) => io::const_error!(io::ErrorKind::InvalidInput, "a socket is not this process's"),
        Ok(error::INVALID) => io::const_error!(io::ErrorKind::InvalidInput, "malformed poll request"),
        Ok(error::LIBRARY_ERROR) => io::const_error!(io::ErrorKind::OutOfMemory, "too many wakes pending"),
        _ => io::const_error!(io::ErrorKind::Other, "the network service refused the poll"),
    }
}

/// Entries are (socket, interest, events out); returns (ready, woken).
pub fn poll(entries: &mut [(u16, u16, u16)], key: u32, timeout: Option<Duration>) -> io::Result<(usize, bool)> {
    if entries.len() > abi::MAX_ENTRIES {
        return Err(io::const_error!(io::ErrorKind::InvalidInput, "more than 1024 sockets in one poll"));
    }
    let size = abi::HEADER + entries.len() * abi::ENTRY;
    let mut lent = Lent::new(size);
    let page = &mut *lent.raw;
    if page.len() < size {
        return Err(io::const_error!(io::ErrorKind::OutOfMemory, "no memory for the poll's entries"));
    }
    // Rounded up to whole ms, so that a short timeout still waits.
    let ms = timeout.map_or(abi::NO_TIMEOUT, |t| {
        let ms = t.as_millis() + (t.subsec_nanos() % 1_000_000 != 0) as u128;
        u64::try_from(ms).unwrap_or(abi::NO_TIMEOUT - 1).min(abi::NO_TIMEOUT - 1)
    });
    page[..abi::HEADER].fill(0);
    page[abi::COUNT_AT..abi::COUNT_AT + 4].copy_from_slice(&(entries.len() as u32).to_le_bytes());
    page[abi::KEY_AT..abi::KEY_AT + 4].copy_from_slice(&key.to_le_bytes());
    page[abi::TIMEOUT_AT..abi::TIMEOUT_AT + 8].copy_from_slice(&ms.to_le_bytes());
    for (i, &(socket, interest, _)) in entries.iter().enumerate() {
        let at = abi::HEADER + i * abi::ENTRY;
        page[at..at + abi::ENTRY].fill(0);
        page[at + abi::SOCKET_AT..at + abi::SOCKET_AT + 2].copy_from_slice(&socket.to_le_bytes());
        page[at + abi::INTEREST_AT..at + abi::INTEREST_AT + 2].copy_from_slice(&interest.to_le_bytes());
    }
    lend_mut(net_server(), abi::POLL, page, 0, size)
        .map_err(|_| io::const_error!(io::ErrorKind::Other, "the network service did not answer the poll"))?;
    if page[abi::STATUS_AT] != 0 {
        return Err(read_error(page[abi::ERROR_AT] as usize));
    }
    for (i, entry) in entries.iter_mut().enumerate() {
        let at = abi::HEADER + i * abi::ENTRY + abi::EVENTS_AT;
        entry.2 = u16::from_le_bytes([page[at], page[at + 1]]);
    }
    let ready = u32::from_le_bytes(page[abi::READY_AT..abi::READY_AT + 4].try_into().unwrap());
    Ok((ready as usize, page[abi::WOKEN_AT] != 0))
}

fn wake_request(key: u32, what: usize) -> io::Result<()> {
    let answer = blocking_scalar(net_server(), [abi::WAKE, key as usize, what, 0, 0])
        .map_err(|_| io::const_error!(io::ErrorKind::Other, "the network service did not answer the wake"))?;
    match answer[0] {
        0 => Ok(()),
        code => Err(read_error(code)),
    }
}

pub fn wake(key: u32) -> io::Result<()> {
    wake_request(key, abi::WAKE_SET)
}

pub fn forget(key: u32) {
    let _ = wake_request(key, abi::WAKE_FORGET);
}
