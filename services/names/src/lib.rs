//! The name server's logic that needs no hardware, unit-tested on the host
//! (`cargo test --lib --target x86_64-unknown-linux-gnu`): its tables, the
//! on-demand services it starts, and the wire format of the published Xous name-server client.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod starts;
pub mod table;
pub mod xous_api;
