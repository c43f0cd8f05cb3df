//! The log service's logic without the console, unit-tested on the host
//! (`cargo test --lib --target x86_64-unknown-linux-gnu`); the process
//! (`main.rs`) feeds it messages and writes what it gives out.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod panic_text;
