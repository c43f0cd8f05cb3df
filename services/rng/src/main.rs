//! The entropy service, at SID `xous-entropy-src` (protocol in
//! `xous_abi::services::rng`): random bytes from the board's source (on
//! QEMU virt the virtio-rng device, the host's entropy; on the Baochip-1x
//! its TRNG), for std's random source and any program.
//!
//! Requests are answered one at a time. If there is no entropy source, or
//! it fails, no bytes are made up: FILL answers valid = 0 and U64 answers
//! Scalar1(1) instead of Scalar2, which a client must treat as an error.
//! Malformed requests get the same answers, never a crash.
//! no_std, like the other core services.
#![no_std]
#![no_main]

/// The board's entropy source: `Source::open` and `Source::fill`.
#[cfg_attr(not(feature = "dabao"), path = "virtio_source.rs")]
#[cfg_attr(feature = "dabao", path = "trng.rs")]
mod source;

use xous_abi::console::Channel;
use xous_abi::message::kind;
use xous_abi::services::rng;
use xous_rt::{reply, return_scalar, write, Server};

fn main(_params: usize) -> usize {
    let server = Server::create(rng::SID);
    let mut source = match source::Source::open() {
        Ok(source) => Some(source),
        Err(why) => {
            write(Channel::Stderr, why.as_bytes());
            None
        }
    };
    loop {
        let mut message = server.receive();
        match (message.kind, message.id) {
            (kind::MUTABLE_BORROW, rng::FILL) => {
                let wanted = message.args[3].min(message.args[1]);
                let buffer = message.bytes_mut();
                let filled = match &mut source {
                    Some(source) => {
                        let wanted = wanted.min(buffer.len());
                        source.fill(&mut buffer[..wanted])
                    }
                    None => 0,
                };
                reply(&message, 0, filled, 0);
            }
            (kind::BLOCKING_SCALAR, rng::U64) => {
                let mut bytes = [0; 8];
                let full = source.as_mut().is_some_and(|source| source.fill(&mut bytes) == 8);
                let v = u64::from_le_bytes(bytes);
                let _ = match full {
                    true => return_scalar(message.sender, &[v as u32 as usize, (v >> 32) as usize]),
                    false => return_scalar(message.sender, &[1]),
                };
            }
            _ => reply(&message, 0, 0, 1),
        }
    }
}

xous_rt::entry!(main);

