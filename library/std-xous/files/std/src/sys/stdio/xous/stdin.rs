//! std-xous: the console's input, which the log service keeps
//! (`services/log`, protocol in `abi/src/services.rs`, `log`): the runner's
//! stdin, or nothing when it has none. `stdin()` reads it when this
//! process's stdin is the console (`redirect.rs` says; a child's may be a
//! pipe or null). Upstream's stdin read nothing at all.
//!
//! `read_console` is the one way std reads the console.

use crate::io;
use crate::os::xous::ffi::{blocking_scalar, lend_mut};
use crate::os::xous::services::log_server;
use crate::sys::pal::abi::services::log;

/// One request lends one page.
const PAGE: usize = 4096;

/// Reads what the console has received, at most `buf.len()` bytes: waits
/// until there is at least one byte, or the input has ended (then 0).
pub fn read_console(buf: &mut [u8]) -> io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    #[repr(C, align(4096))]
    struct Page([u8; PAGE]);
    let mut page = Page([0u8; PAGE]);
    let wanted = buf.len().min(PAGE);
    let (error, valid) = lend_mut(log_server(), log::STDIN_READ, &mut page.0, 0, wanted)
        .map_err(|_| io::const_error!(io::ErrorKind::Other, "the console's input is not reachable"))?;
    match error {
        0 => {}
        log::STDIN_BUSY => {
            return Err(io::const_error!(
                io::ErrorKind::ResourceBusy,
                "too many reads of the console wait already"
            ));
        }
        _ => return Err(io::const_error!(io::ErrorKind::Other, "the console refused the read")),
    }
    let n = valid.min(wanted);
    buf[..n].copy_from_slice(&page.0[..n]);
    Ok(n)
}

/// Whether the console's input is a terminal (the runner's stdin is one).
pub fn console_is_terminal() -> bool {
    matches!(blocking_scalar(log_server(), [log::STDIN_IS_TERMINAL, 0, 0, 0, 0]), Ok([1, ..]))
}
