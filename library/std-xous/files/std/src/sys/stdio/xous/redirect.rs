//! Where this process's stdin, stdout and stderr go: the console, unless
//! the process manager started it with other stdio (`std::process`,
//! `sys/process/xous.rs`), which it says in the parameter block's `Proc`
//! block: nothing (null), or a pipe end of this process. Read once, at
//! the first use. Stdin from the console is read by `stdin.rs`'s
//! `read_console`, the one place that reads the console's input.

use crate::io;
use crate::sync::OnceLock;
use crate::sys::pal::abi::services::proc::{self as proto, stdio};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    Console,
    Null,
    /// A pipe end of this process (`sys::pipe`).
    Pipe(usize),
}

/// This process's `Proc` block, if it was started by the process manager.
pub(crate) fn proc_block() -> Option<&'static [u8]> {
    crate::sys::pal::params::block(proto::PROC_BLOCK_MAGIC).filter(|b| b.len() >= proto::PROC_CWD_AT)
}

fn word(block: &[u8], at: usize) -> usize {
    u32::from_le_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]]) as usize
}

/// Stream `i` (0 stdin, 1 stdout, 2 stderr) of this process.
pub(crate) fn own_stream(i: usize) -> Target {
    static STREAMS: OnceLock<[Target; 3]> = OnceLock::new();
    STREAMS.get_or_init(|| {
        let mut streams = [Target::Console; 3];
        if let Some(block) = proc_block() {
            for (n, s) in streams.iter_mut().enumerate() {
                *s = match word(block, proto::PROC_KINDS_AT + 4 * n) as u32 {
                    stdio::NULL => Target::Null,
                    stdio::END => Target::Pipe(word(block, proto::PROC_ENDS_AT + 4 * n)),
                    _ => Target::Console,
                };
            }
        }
        streams
    })[i.min(2)]
}

/// The `len`-prefixed string at `at` of the `Proc` block, and where the
/// next field starts.
fn string_at(block: &'static [u8], at: usize) -> Option<(&'static str, usize)> {
    let len = word(block, at);
    let end = (at + 4).checked_add(len)?;
    Some((crate::str::from_utf8(block.get(at + 4..end)?).ok()?, end))
}

/// The working directory the process manager started this process in.
pub(crate) fn initial_cwd() -> Option<&'static str> {
    string_at(proc_block()?, proto::PROC_CWD_LEN_AT).map(|(cwd, _)| cwd)
}

/// The path of the file the process manager started this process from.
pub(crate) fn own_exe() -> Option<&'static str> {
    let block = proc_block()?;
    let (_, exe_at) = string_at(block, proto::PROC_CWD_LEN_AT)?;
    if exe_at + 4 > block.len() {
        return None;
    }
    string_at(block, exe_at).map(|(exe, _)| exe)
}

/// Writes to stream `i` when it is not the console: `None` if it is.
pub(crate) fn redirected_write(i: usize, buf: &[u8]) -> Option<io::Result<usize>> {
    match own_stream(i) {
        Target::Console => None,
        Target::Null => Some(Ok(buf.len())),
        Target::Pipe(end) => Some(crate::sys::pipe::write_end(end, buf)),
    }
}

/// Reads stdin: the console's input, nothing (null), or a pipe.
pub(crate) fn read_stdin(buf: &mut [u8]) -> io::Result<usize> {
    match own_stream(0) {
        Target::Console => super::read_console(buf),
        Target::Null => Ok(0),
        Target::Pipe(end) => crate::sys::pipe::read_end(end, buf),
    }
}

/// This process's id (GetProcessId).
pub(crate) fn process_id() -> u32 {
    let mut a0 = crate::sys::pal::abi::Syscall::GetProcessId as usize;
    let mut a1: usize = 0;
    // SAFETY: GetProcessId reads and writes no memory; it returns the pid
    // in a1 and may change a0..a7, which are all declared as clobbered.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") a0, inlateout("a1") a1, lateout("a2") _, lateout("a3") _,
            lateout("a4") _, lateout("a5") _, lateout("a6") _, lateout("a7") _,
        )
    };
    if a0 == crate::sys::pal::abi::SyscallResult::ProcessId as usize { a1 as u32 } else { 0 }
}
