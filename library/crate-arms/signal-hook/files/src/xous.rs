//! Xous delivers no POSIX signals: no process is interrupted to run a handler, and nothing sends
//! one. What this crate offers still works in that light: actions, flags and iterators are
//! registered and none of them is ever triggered; what would deliver a signal now (`raise`,
//! `emulate_default_handler` for a signal whose default is to stop or end the process) is
//! `Unsupported`.

use std::io::{Error, ErrorKind, Read};
use std::process;
use std::sync::{Arc, Condvar, Mutex};

use libc::c_int;

/// The signal numbers, Linux's (the generic ones, as on RISC-V): libc has none for Xous.
pub mod signal {
    use libc::c_int;

    pub const SIGHUP: c_int = 1;
    pub const SIGINT: c_int = 2;
    pub const SIGQUIT: c_int = 3;
    pub const SIGILL: c_int = 4;
    pub const SIGTRAP: c_int = 5;
    pub const SIGABRT: c_int = 6;
    pub const SIGBUS: c_int = 7;
    pub const SIGFPE: c_int = 8;
    pub const SIGKILL: c_int = 9;
    pub const SIGUSR1: c_int = 10;
    pub const SIGSEGV: c_int = 11;
    pub const SIGUSR2: c_int = 12;
    pub const SIGPIPE: c_int = 13;
    pub const SIGALRM: c_int = 14;
    pub const SIGTERM: c_int = 15;
    pub const SIGCHLD: c_int = 17;
    pub const SIGCONT: c_int = 18;
    pub const SIGSTOP: c_int = 19;
    pub const SIGTSTP: c_int = 20;
    pub const SIGTTIN: c_int = 21;
    pub const SIGTTOU: c_int = 22;
    pub const SIGURG: c_int = 23;
    pub const SIGXCPU: c_int = 24;
    pub const SIGXFSZ: c_int = 25;
    pub const SIGVTALRM: c_int = 26;
    pub const SIGPROF: c_int = 27;
    pub const SIGWINCH: c_int = 28;
    pub const SIGIO: c_int = 29;
    pub const SIGSYS: c_int = 31;
}

/// Xous cannot send a signal, to this process or any other: `Unsupported`.
pub fn raise(sig: c_int) -> Result<(), Error> {
    let name = crate::low_level::signal_name(sig).unwrap_or("a signal");
    Err(Error::new(
        ErrorKind::Unsupported,
        format!("Xous delivers no signals: {} cannot be raised", name),
    ))
}

/// Ends the process at once (std's abort: there is no C library).
pub fn abort() -> ! {
    process::abort()
}

/// Ends the process at once with the status. Xous has no C library and so no at-exit hooks to
/// skip; std's exit runs no destructors either.
pub fn exit(status: c_int) -> ! {
    process::exit(status)
}

/// The iterator's self-pipe, within the process: Xous has no Unix sockets or file descriptors.
/// Each end can wake the other; nothing but `Handle::close` ever does, as no signal comes.
pub mod pipe {
    use super::*;

    /// What the iterator's backend asks of its two ends: on Unix their descriptors, here the
    /// pipe itself.
    pub trait AsRawFd {
        fn as_raw_fd(&self) -> &Pipe;
    }

    /// How to wake the reader; there is one way here.
    pub enum WakeMethod {
        Send,
    }

    #[derive(Debug, Default)]
    struct Shared {
        /// Wake-ups sent and not yet read.
        pending: Mutex<usize>,
        woken: Condvar,
    }

    #[derive(Debug, Clone)]
    pub struct Pipe(Arc<Shared>);

    impl Pipe {
        pub fn pair() -> Result<(Pipe, Pipe), Error> {
            let shared = Arc::new(Shared::default());
            Ok((Pipe(Arc::clone(&shared)), Pipe(shared)))
        }

        fn pending(&self) -> std::sync::MutexGuard<'_, usize> {
            self.0.pending.lock().unwrap_or_else(|e| e.into_inner())
        }

        /// Forgets the wake-ups not yet read (the backend has looked at every signal's slot).
        pub fn drain(&self) {
            *self.pending() = 0;
        }
    }

    impl AsRawFd for Pipe {
        fn as_raw_fd(&self) -> &Pipe {
            self
        }
    }

    /// Blocks until there is a wake-up to read, like a read of the Unix socket.
    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
            if buf.is_empty() {
                return Ok(0);
            }
            let mut pending = self.pending();
            while *pending == 0 {
                pending = self.0.woken.wait(pending).unwrap_or_else(|e| e.into_inner());
            }
            let n = (*pending).min(buf.len());
            *pending -= n;
            buf[..n].fill(0);
            Ok(n)
        }
    }

    pub fn wake(pipe: &Pipe, _method: WakeMethod) {
        let mut pending = pipe.pending();
        *pending = pending.saturating_add(1);
        drop(pending);
        pipe.0.woken.notify_all();
    }
}
