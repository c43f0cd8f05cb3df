//! The process manager (services/proc): `std::process` for this target
//! (our overlay's `sys/process/xous.rs`) and `std::io::pipe`. std finds it
//! by name through the name server.
//!
//! A program asks the manager to start another from an ELF file on the
//! filesystem; the manager loads it into a new address space (it is the
//! kernel's parent of every such child) and answers for it: waits, kills,
//! and the pipes between programs. Only the process that asked for a child
//! may wait on it or kill it; only the process holding a pipe end may use
//! or close it. Everything a process held (its pipe ends, its right to
//! wait on its children) goes when it ends; its children live on.
//!
//! Requests:
//! - SPAWN: a MutableBorrow of whole pages laid out as below (`valid` = the
//!   bytes used), answered in place: status, pid, and the caller's pipe
//!   ends.
//! - WAIT, TRY_WAIT, KILL, CLOSE: BlockingScalars, answered with five
//!   words: (status, then per opcode). WAIT answers when the child ends.
//! - PIPE: a BlockingScalar -> (status, read end, write end).
//! - READ (a MutableBorrow of the caller's pages; `offset` = the end,
//!   `valid` = the most to read) and WRITE (a Borrow; `offset` = the end,
//!   `valid` = the bytes): the reply's (offset, valid) = (status, bytes
//!   moved). A READ of an empty pipe waits for data, and gets 0 bytes once
//!   no write end is left; a WRITE to a full pipe waits for room, and gets
//!   BROKEN_PIPE once no read end is left.

/// The server's own SID (std connects by name).
pub const SID: super::Sid = super::sid("xous-proc-manage");
pub const NAME: &str = "_Process Manager_";

/// (the request pages) -> status, child, pipe ends.
pub const SPAWN: usize = 1;
/// (child) -> (status, state, code): waits until the child ends. The
/// child's status is the caller's to take once: after a WAIT or TRY_WAIT
/// that saw the end, the child is no longer the caller's (NOT_CHILD).
pub const WAIT: usize = 2;
/// (child) -> (status, state, code): as WAIT, but at once (`RUNNING`).
pub const TRY_WAIT: usize = 3;
/// (child) -> (status): ends the child (its state becomes `KILLED`); a
/// child that has ended already: ok, nothing happens.
pub const KILL: usize = 4;
/// () -> (status, read end, write end): a new pipe.
pub const PIPE: usize = 5;
/// (end) -> (status): the caller lets go of a pipe end.
pub const CLOSE: usize = 6;
/// Data: see the module's header.
pub const READ: usize = 7;
pub const WRITE: usize = 8;
/// (end) -> (status, end): a second end of the same kind on the same pipe
/// (`try_clone`).
pub const DUPLICATE: usize = 9;
/// Ours, internal: the id of the kernel's exit notices.
pub const PROCESS_ENDED: usize = 0x7f01;

/// Status codes (the first word of every answer).
pub mod status {
    pub const OK: usize = 0;
    /// The path names no file, or the request is malformed.
    pub const NOT_FOUND: usize = 1;
    /// The file is not a 32-bit little-endian RISC-V executable (or a
    /// damaged one: segments beyond the file's end, overlapping, outside
    /// user space).
    pub const NOT_EXECUTABLE: usize = 2;
    /// No memory for the program, or no room in a table (processes, pipes).
    pub const OUT_OF_MEMORY: usize = 3;
    /// The pid is not a child of the caller (anymore), or the end is not
    /// the caller's.
    pub const NOT_CHILD: usize = 4;
    /// A malformed request: a bad length, an unknown stdio kind.
    pub const INVALID: usize = 5;
    /// A WRITE to a pipe no one can read any more.
    pub const BROKEN_PIPE: usize = 6;
    /// The filesystem refused to read the file (its own error follows
    /// in the second word where there is one).
    pub const FILESYSTEM: usize = 7;
    /// The path names a directory.
    pub const IS_DIRECTORY: usize = 8;
}

/// How a child is (the second word of WAIT and TRY_WAIT); the third word
/// is its exit code.
pub mod state {
    pub const RUNNING: usize = 0;
    pub const EXITED: usize = 1;
    /// The kernel ended it (a fault, or a page no memory could back).
    pub const FAULTED: usize = 2;
    pub const KILLED: usize = 3;
}

/// A child's stdin, stdout or stderr, as SPAWN asks for it.
pub mod stdio {
    /// The console (the log service's stdout and stderr; stdin: the
    /// console's input).
    pub const CONSOLE: u32 = 0;
    /// Nothing: writes vanish, reads see the end at once.
    pub const NULL: u32 = 1;
    /// A new pipe; the caller gets the other end in the answer.
    pub const PIPE: u32 = 2;
    /// The caller's pipe end given in the request's handle word: the child
    /// gets an end of its own on the same pipe (the caller keeps its own).
    pub const END: u32 = 3;
}

/// A child as SPAWN names it and WAIT, TRY_WAIT and KILL take it: its PID
/// in the low 8 bits, and above them a number the manager gives no other
/// child. The kernel gives a PID again once its process has ended, and a
/// parent may still have to wait on the child that ended while a new one
/// runs under the same PID: the whole word tells them apart.
pub const fn child_pid(child: usize) -> u8 {
    child as u8
}

/// The SPAWN request pages. Offsets (little-endian u32).
pub const STATUS_AT: usize = 0;
/// The answer: the child (see `child_pid`), or the filesystem's error
/// (FILESYSTEM).
pub const PID_AT: usize = 4;
/// The three stdio kinds (stdin, stdout, stderr), then three handle words
/// (a request's END handles; an answer's ends for PIPE).
pub const KINDS_AT: usize = 8;
pub const ENDS_AT: usize = 20;
/// The program's absolute path, then the parameter block the child gets
/// (`params.rs`: args and environment, and the `Proc` block below, which
/// the manager fills in).
pub const PATH_LEN_AT: usize = 32;
pub const PARAMS_LEN_AT: usize = 36;
pub const PATH_AT: usize = 40;
/// At most this many bytes in one SPAWN (16 pages).
pub const REQUEST_MAX: usize = 16 * 4096;

/// A child's own parameter block (magic `Proc`, after args and env): its
/// working directory and its stdio as the manager set them up, read by
/// the child's std. Data: stdio kinds u32 x3 (CONSOLE, NULL, or END:
/// then the child's own pipe end in the next three words), then the working
/// directory's length (u32) and bytes.
pub const PROC_BLOCK_MAGIC: [u8; 4] = *b"Proc";
pub const PROC_KINDS_AT: usize = 0;
pub const PROC_ENDS_AT: usize = 12;
pub const PROC_CWD_LEN_AT: usize = 24;
pub const PROC_CWD_AT: usize = 28;

/// Where a program started by xous-run finds its own ELF file on the disk
/// (xous-run puts it there): this directory, then argv\[0\].
pub const BOOT_EXE_DIR: &str = "/run/xous-run";
