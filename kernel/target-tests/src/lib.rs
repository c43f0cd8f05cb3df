//! The kernel's on-target tests share the services' runtime (xous-rt) and
//! add `check!`, which ends the program with a message and exit code 1 when
//! an expectation fails, and `bench`, the instruction counting behind the
//! bench programs.

#![no_std]

pub mod bench;

pub use xous_rt::*;

pub mod names;

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

