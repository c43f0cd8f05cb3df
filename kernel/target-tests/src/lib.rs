//! A minimal user runtime for the kernel's on-target tests: the entry
//! point, raw syscalls, console output, and `check!` that ends the program
//! with a message and a nonzero exit code when an expectation fails.

#![no_std]

pub use xous_abi::{Error, Syscall, SyscallResult};
use xous_abi::console::Channel;

/// The eight registers a syscall returns.
pub type Regs = [usize; 8];

/// Raw `ecall`: a0 = number, a1..a7 = arguments.
pub fn syscall(call: Syscall, args: &[usize]) -> Regs {
    let mut r = [0usize; 8];
    r[0] = call as usize;
    r[1..1 + args.len()].copy_from_slice(args);
    raw(r)
}

/// `ecall` with all eight registers as given.
pub fn raw(mut r: Regs) -> Regs {
    // SAFETY: ecall traps to the kernel, which reads a0..a7 and writes them
    // back; it touches no memory of ours except as the syscall says.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") r[0], inlateout("a1") r[1], inlateout("a2") r[2], inlateout("a3") r[3],
            inlateout("a4") r[4], inlateout("a5") r[5], inlateout("a6") r[6], inlateout("a7") r[7],
        )
    };
    r
}

/// Writes bytes to the console (stdout or stderr channel).
pub fn write(channel: Channel, bytes: &[u8]) {
    let r = syscall(Syscall::PlatformSpecific, &[1, channel as usize, bytes.as_ptr() as usize, bytes.len()]);
    if r[0] != SyscallResult::Ok as usize {
        exit(90);
    }
}

pub struct Stdout;

impl core::fmt::Write for Stdout {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        write(Channel::Stdout, s.as_bytes());
        Ok(())
    }
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write;
        let _ = writeln!($crate::Stdout, $($arg)*);
    }};
}

pub fn exit(code: usize) -> ! {
    syscall(Syscall::TerminateProcess, &[code]);
    loop {
        syscall(Syscall::Yield, &[]);
    }
}

/// Ends the program with exit code 1 when `cond` is false, saying where.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            let mut line = $crate::Line::new();
            let _ = core::fmt::Write::write_fmt(&mut line, format_args!("FAILED at line {}: ", line!()));
            let _ = core::fmt::Write::write_fmt(&mut line, format_args!($($arg)*));
            let _ = core::fmt::Write::write_str(&mut line, "\n");
            $crate::write(xous_abi::console::Channel::Stderr, line.as_bytes());
            $crate::exit(1);
        }
    };
}

/// A fixed buffer for one message.
pub struct Line {
    buf: [u8; 256],
    len: usize,
}

impl Line {
    pub const fn new() -> Line {
        Line { buf: [0; 256], len: 0 }
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// The error code of a failed syscall, or `None` if it did not fail.
pub fn error_of(r: Regs) -> Option<Error> {
    (r[0] == SyscallResult::Error as usize).then(|| Error::from_usize(r[1]))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let mut line = Line::new();
    let _ = core::fmt::Write::write_fmt(&mut line, format_args!("panic: {info}\n"));
    write(Channel::Stderr, line.as_bytes());
    exit(101)
}

/// Each test program defines `main() -> usize` (its exit code).
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        pub extern "C" fn _start(_eh_frame: usize, params: usize) -> ! {
            let f: fn(usize) -> usize = $main;
            $crate::exit(f(params))
        }
    };
}

/// The xous target's `core` is built for unwinding and names a personality
/// routine; these programs abort on panic, so it is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}
