//! Implementation of `errno` functionality for Xous.
//!
//! Xous has no C library and no system `errno`: the value is kept per thread
//! here, so `set_errno` followed by `errno` on the same thread reads it back
//! and other threads are not affected.

extern crate std;

use core::cell::Cell;

use crate::Errno;

std::thread_local! {
    static ERRNO: Cell<i32> = const { Cell::new(0) };
}

pub fn with_description<F, T>(_err: Errno, callback: F) -> T
where
    F: FnOnce(Result<&str, Errno>) -> T,
{
    callback(Ok("unknown error"))
}

pub const STRERROR_NAME: &str = "strerror";

pub fn errno() -> Errno {
    Errno(ERRNO.with(Cell::get))
}

pub fn set_errno(Errno(value): Errno) {
    ERRNO.with(|errno| errno.set(value));
}
