//! The console: a process's writes (PlatformSpecific CONSOLE_WRITE), its
//! one reader's reads (CONSOLE_INPUT), and the kernel's own lines. A kernel line is built in a fixed buffer (the
//! kernel has no heap) and sent as one frame, so it can never be split by
//! another writer. Kernel lines are short (a name of at most 64 bytes and a
//! few numbers); one that would not fit ends with `...`.

use crate::kernel::{Kernel, Platform};
use crate::mem::PAGE_SIZE;
use crate::sched::ThreadRef;
use crate::syscall::{Handled, Outcome};
use core::fmt;
use xous_abi::console::Channel;
use xous_abi::{Error, SyscallResult};

/// PlatformSpecific(CONSOLE_WRITE, channel, address, length): the bytes go
/// out on `channel`, a page at a time. Errors: InvalidArgument (channel;
/// the crash channel is the kernel's),
/// BadAddress (unreadable, or a device's page).
#[inline(never)]
pub fn console_write<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, channel: usize, mut addr: usize, mut left: usize) -> Handled {
    // Crash is the kernel's own (its panics): a process that wrote it would
    // make xous-run report that the system crashed.
    let channel = u8::try_from(channel).ok().and_then(Channel::from_u8).filter(|c| *c != Channel::Crash).ok_or(Error::InvalidArgument)?;
    let mut chunk = [0u8; PAGE_SIZE];
    while left > 0 {
        let n = left.min(PAGE_SIZE);
        k.read_user(t.pid, addr, &mut chunk[..n])?;
        k.hw.console(channel, &chunk[..n]);
        addr += n;
        left -= n;
    }
    Ok(Outcome::Ok)
}

/// PlatformSpecific(CONSOLE_INPUT, address, length) -> Scalar1(n): the
/// received bytes that fit, for the process holding the console's receive
/// interrupt; the interrupt stays on only if nothing is left waiting (see
/// `xous_abi::platform::CONSOLE_INPUT`). The buffer is checked before a
/// byte is taken from the UART, so a bad one loses nothing. Errors:
/// AccessDenied (not the reader), InvalidArgument (over a page),
/// BadAddress (not writable).
#[inline(never)]
pub fn console_input<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, addr: usize, len: usize) -> Handled {
    if k.irqs.claim(k.hw.console_irq()).map(|c| c.pid) != Some(t.pid) {
        return Err(Error::AccessDenied);
    }
    if len > PAGE_SIZE {
        return Err(Error::InvalidArgument);
    }
    k.check_user_writable(t.pid, addr, len)?;
    let mut chunk = [0u8; PAGE_SIZE];
    let (n, more) = k.hw.console_input(&mut chunk[..len]);
    k.write_user(t.pid, addr, &chunk[..n])?;
    k.hw.console_input_interrupt(!more);
    k.answer(t, SyscallResult::Scalar1, &[n]);
    Ok(Outcome::Answered)
}

const CAPACITY: usize = 240;

pub struct Line {
    buf: [u8; CAPACITY],
    len: usize,
    overflowed: bool,
}

impl Line {
    pub const fn new() -> Line {
        Line { buf: [0; CAPACITY], len: 0, overflowed: false }
    }

    pub fn push_newline(&mut self) {
        if self.overflowed {
            self.len = self.len.min(CAPACITY - 4);
            self.buf[self.len..self.len + 3].copy_from_slice(b"...");
            self.len += 3;
        }
        if self.len == CAPACITY {
            self.len -= 1;
        }
        self.buf[self.len] = b'\n';
        self.len += 1;
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = CAPACITY - 1 - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            self.overflowed = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn short_lines_are_kept_whole() {
        let mut l = Line::new();
        write!(l, "pid {} at {:#x}", 5, 0x1000).unwrap();
        l.push_newline();
        assert_eq!(l.as_bytes(), b"pid 5 at 0x1000\n");
    }

    #[test]
    fn long_lines_say_they_were_cut() {
        let mut l = Line::new();
        write!(l, "{}", "x".repeat(500)).unwrap();
        l.push_newline();
        assert_eq!(l.as_bytes().len(), CAPACITY);
        assert!(l.as_bytes().ends_with(b"...\n"));
    }
}
