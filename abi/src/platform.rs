//! `PlatformSpecific` (syscall 46): the calls our kernel adds to the Xous
//! set. Xous leaves this syscall's meaning to each platform; a1 picks the
//! call (the meta-opcode), a2..a7 are its arguments. An unknown meta-opcode
//! is InvalidArgument.
//!
//! Besides the console, it carries exit notices: a server that keeps
//! something per client process (the ticktimer's waiters, later open files
//! and sockets) needs to hear when a client ends, fault or exit, so it can
//! let go of what that client held.

// `super`, not `crate`: std includes this crate's source as a module.
use super::message::{InvokeType, MessageSender};

/// (channel, address, length) -> Ok: writes bytes to the console, one frame
/// per 4 KiB. The log service uses it; so can any process (a debug aid).
/// Errors: InvalidArgument (channel), BadAddress (unreadable buffer).
pub const CONSOLE_WRITE: usize = 1;

/// (sid0..sid3, id) -> Ok: from now on, whenever a process ends, the
/// kernel gives server `sid` (which the caller must own) an exit notice:
/// a Scalar with this `id` (see [`ExitNotice`]). Asking again changes the
/// id; the registration ends with the server. Errors: ServerNotFound,
/// AccessDenied (another process's server), OutOfMemory (the kernel's
/// table of watching servers is full).
///
/// Notices are never dropped: one that does not fit the server's queue
/// waits in the kernel (one per PID at most: two ends of the same PID not
/// yet received arrive as one, with the later exit code). A server receives
/// its notices before its queued messages, so the notice about a PID always
/// comes before any message from a later process with that PID.
pub const WATCH_EXITS: usize = 2;

/// (tid) -> Ok: no one will join thread `tid` of the caller's process (std
/// detaches the thread of a `JoinHandle` dropped without `join`). Its slot
/// is freed when it exits, or now if it has. A process that has detached a
/// thread once manages its slots this way: the kernel no longer hands a
/// new thread the slot of one that exited but was not joined (without
/// that, a slot may be reused, and a later join would find the wrong
/// thread; a std that never detaches, such as upstream's, still needs it).
/// Tid 0 (no thread has it) only says that the process detaches what it
/// does not join, before it has any to detach (std-xous says so when it
/// starts its first thread).
/// Errors: InvalidThread (the caller itself, or not a thread id),
/// ThreadNotAvailable (no thread there).
pub const DETACH_THREAD: usize = 3;

/// (sid0..sid3) -> Ok: server `sid` (the caller's) is drained before the
/// machine powers off. When the system ends (its main process ended, or
/// Shutdown), the kernel stops running every other process and powers off
/// once each such server's queue is empty and none of its owners' threads
/// is ready to run: whatever was sent to it before the end has been
/// received and handled. The log service asks this, so a program's last
/// output (a panic message sent as non-blocking scalars, say) is written
/// out before power-off. Such a server also gets the non-blocking scalars
/// a process sent it before ending (other servers never see the queued
/// messages of a process that has ended). A drain is bounded ([`DRAIN_LIMIT_MS`]): a server
/// that never empties its queue delays power-off, never prevents it.
/// Errors: ServerNotFound, AccessDenied (another process's server).
pub const DRAIN_AT_POWER_OFF: usize = 4;

/// (pid) -> Ok: ends process `pid`, a child of the caller (it made it with
/// CreateProcess), as the kernel ends a faulting one but with
/// [`Ending::Killed`] in the exit notice and [`KILLED_EXIT_CODE`]. The
/// process manager (services/proc) uses it for `Child::kill`.
/// Errors: ProcessNotFound (no such process, or the caller itself),
/// ProcessNotChild (someone else's).
pub const KILL_CHILD: usize = 5;
/// (address, length) -> Scalar1(n): moves up to `length` bytes (at most a
/// page) that the console's UART has received into the caller's buffer.
/// Only for the process that holds the claim of the console's receive
/// interrupt (`board::UART_IRQ`, ClaimInterrupt): it is the one reader of
/// the console (the log service). After the call the UART interrupts on
/// received bytes again only if none is left unread: a reader that had no
/// room (`length` 0, or less than what waits) is not interrupted until it
/// calls again with room, and meanwhile the UART's FIFO fills and the host
/// stops sending (the runner stops reading its stdin): back-pressure, no
/// byte dropped. So an interrupt handler that cannot take the bytes calls
/// this with length 0 and leaves the reading to its main loop.
/// Errors: AccessDenied (not the console's reader), BadAddress (buffer
/// not writable), InvalidArgument (more than a page).
pub const CONSOLE_INPUT: usize = 6;
/// (pid, address, length) -> Ok: the caller gives its child `pid` the name
/// the kernel's reports use (`kernel: process P (NAME) terminated: ...`),
/// `length` bytes of UTF-8 at `address`, at most [`NAME_MAX`]. A child is
/// made by CreateProcess under its parent's name; the process manager
/// names each after its program's file.
/// Errors: ProcessNotFound (no such process, or the caller itself),
/// ProcessNotChild (someone else's), BadAddress (not readable),
/// InvalidArgument (too long, not UTF-8).
pub const NAME_CHILD: usize = 7;
/// The longest name a process has, in bytes.
pub const NAME_MAX: usize = 64;
/// (physical address, address, length) -> Ok: writes `length` bytes from
/// the caller's buffer at `address` into the board's non-volatile memory at
/// `physical address` (the Baochip-1x's RRAM), which only the kernel can
/// write: the memory's controller, whose page also holds the register that
/// erases the chip's secrets, is the kernel's alone. The range must lie in
/// device pages the caller has mapped (MapMemory: the filesystem's disk),
/// start on a row (`ROM_ROW` bytes) and be whole rows, at most a page.
/// Each row is written whole before the call returns (a power cut may
/// leave the row being written torn).
/// Errors: AccessDenied (not pages the caller mapped), BadAlignment (not
/// whole rows), InvalidArgument (more than a page), BadAddress (the buffer
/// is not readable), Unavailable (the board has no such memory).
pub const ROM_WRITE: usize = 8;
/// The unit of ROM_WRITE: a row of the Baochip-1x's RRAM.
pub const ROM_ROW: usize = 32;

/// `PIN(address, length, on)`: pages of the caller that swap must never
/// take (key material), or (on = 0) may take again. Pages never touched
/// are backed first, swapped-out ones brought back. A process may pin at
/// most an eighth of RAM. `PIN(0, 0, 1)` pins the whole process, now and
/// later: only for a service of the boot image that the system's voice
/// depends on (the console, time). Errors: BadAlignment, BadAddress (a page
/// is not the caller's RAM), OutOfMemory (over that limit, or no frame),
/// AccessDenied (a whole process not from the boot image).
pub const PIN: usize = 10;
/// (address, length) -> Scalar1(pid): starts the boot image's on-demand
/// process (`xous_abi::services::ON_DEMAND`) named by the `length` bytes
/// of UTF-8 at `address`, if it has not been started: Scalar1 holds its
/// new PID, or 0 if it was started before (whether it still runs or not:
/// each starts at most once a boot; or a process of the image of that
/// name runs, as every process of an image kept in RAM does from boot).
/// Only a process of the boot image may
/// ask (the name server does, when a client first connects to one of the
/// service's names). Errors: AccessDenied (the caller is not of the boot
/// image), ProcessNotFound (the image has no on-demand process of that
/// name), BadAddress, InvalidArgument (too long, not UTF-8), OutOfMemory.
pub const START_SERVICE: usize = 11;

/// The longest the kernel waits for the servers of [`DRAIN_AT_POWER_OFF`]
/// (guest time, milliseconds) before it powers off anyway, saying so.
pub const DRAIN_LIMIT_MS: u64 = 2_000;

/// Exit notices come from the kernel: the sender word of their envelope
/// names this PID, which no process has, so a process cannot forge one.
/// (A reply to that sender word is an error: nothing waits for it.)
pub const KERNEL_PID: u8 = 1;
/// The PID of the first process the kernel starts; user processes have
/// this one and those above it.
pub const FIRST_USER_PID: u8 = KERNEL_PID + 1;

/// How a process ended (a notice's third word).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Ending {
    /// TerminateProcess, or its last thread returned (exit code 0).
    Exited = 0,
    /// The kernel ended it: a fault it did not handle, or no memory for a
    /// page it touched. The exit code is then [`FAULT_EXIT_CODE`], or
    /// [`STACK_OVERFLOW_EXIT_CODE`] for a stack overflow.
    Faulted = 1,
    /// Its parent ended it ([`KILL_CHILD`]). The exit code is then
    /// [`KILLED_EXIT_CODE`].
    Killed = 2,
}

/// The exit code of a process the kernel ended (for the main process, the
/// system's exit code).
pub const FAULT_EXIT_CODE: u32 = 0xff;
/// The exit code of a process its parent killed.
pub const KILLED_EXIT_CODE: u32 = 0xfe;

/// The exit code of a process the kernel ended because one of its threads
/// overflowed its stack (see [`EXCEPTION_STACK_OVERFLOW`]): 134, what a Unix
/// shell reports for a program that aborted (128 + SIGABRT), as a Rust
/// program does on Linux after "has overflowed its stack". Its ending is
/// still [`Ending::Faulted`].
pub const STACK_OVERFLOW_EXIT_CODE: u32 = 134;

/// A thread overflowed its stack when a load or store faults below the
/// bottom of the stack the kernel knows it by (CreateThread's stack, the
/// main thread's, CreateProcess's): in the page right below it (std maps a
/// guard page there, the loader reserves one below the main stack), or
/// between its stack pointer and that bottom when the stack pointer has
/// gone below it (a frame bigger than the guard page). An exception
/// handler (SetExceptionHandler) gets this value in a3 for such a fault,
/// else 0 (a0..a2 are the cause, the address and the pc, as in Xous); without
/// a handler, or when the handler returns and the fault comes again with
/// no handler set, the kernel ends the process with one line naming the
/// thread and [`STACK_OVERFLOW_EXIT_CODE`].
pub const EXCEPTION_STACK_OVERFLOW: usize = 1;

/// A process ended. In the envelope: kind Scalar, the registered id, and
/// the words (pid, exit code, ending, 0).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ExitNotice {
    pub pid: u8,
    pub code: u32,
    pub ending: Ending,
}

impl ExitNotice {
    /// The four words of the notice's Scalar.
    pub fn words(self) -> [usize; 4] {
        [self.pid as usize, self.code as usize, self.ending as usize, 0]
    }

    /// The notice in a received message, if it is one: a Scalar with the
    /// `watched` id, sent by the kernel (`sender` is the envelope's sender
    /// word, `kind` its kind 0..4). Anything else, forged ones included, is
    /// `None`.
    pub fn from_envelope(sender: usize, kind: usize, id: usize, args: [usize; 4], watched: usize) -> Option<ExitNotice> {
        let scalar = kind == InvokeType::Scalar.envelope_kind();
        if !scalar || id != watched || MessageSender(sender).pid() != KERNEL_PID {
            return None;
        }
        let ending = match args[2] {
            0 => Ending::Exited,
            1 => Ending::Faulted,
            2 => Ending::Killed,
            _ => return None,
        };
        Some(ExitNotice { pid: u8::try_from(args[0]).ok()?, code: args[1] as u32, ending })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCALAR: usize = 3;
    const BLOCKING_SCALAR: usize = 4;

    #[test]
    fn notices_come_only_from_the_kernel_with_the_watched_id() {
        let kernel = MessageSender::new(KERNEL_PID, 4, 0).0;
        let notice = ExitNotice { pid: 7, code: 0xff, ending: Ending::Faulted };
        assert_eq!(ExitNotice::from_envelope(kernel, SCALAR, 102, notice.words(), 102), Some(notice));
        let forged = MessageSender::new(7, 4, 0).0;
        assert_eq!(ExitNotice::from_envelope(forged, SCALAR, 102, notice.words(), 102), None, "from a process");
        assert_eq!(ExitNotice::from_envelope(kernel, SCALAR, 101, notice.words(), 102), None, "another id");
        assert_eq!(ExitNotice::from_envelope(kernel, BLOCKING_SCALAR, 102, notice.words(), 102), None, "another kind");
        assert_eq!(ExitNotice::from_envelope(kernel, SCALAR, 102, [7, 0, 3, 0], 102), None, "no such ending");
        assert_eq!(ExitNotice::from_envelope(kernel, SCALAR, 102, [300, 0, 0, 0], 102), None, "no such pid");
    }
}
