//! Implementation for Xous: the standard library's random source (the
//! entropy service), which std exports under getrandom 0.2's custom-backend
//! symbol.
use crate::Error;
use core::num::NonZeroU32;

extern "Rust" {
    fn __getrandom_custom(dest: *mut u8, len: usize) -> u32;
}

pub fn getrandom_inner(dest: &mut [u8]) -> Result<(), Error> {
    let code = unsafe { __getrandom_custom(dest.as_mut_ptr(), dest.len()) };
    match NonZeroU32::new(code) {
        None => Ok(()),
        Some(code) => Err(Error::from(code)),
    }
}
