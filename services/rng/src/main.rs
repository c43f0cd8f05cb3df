//! The entropy service, at SID `xous-entropy-src` (protocol in
//! `xous_abi::services::rng`): random bytes from QEMU's virtio-rng device
//! (the host's entropy), for std's random source and any program.
//!
//! Requests are answered one at a time: each takes one device request per
//! 4 KiB, and the wait for the device yields the processor. If there is no
//! entropy device, or it fails, no bytes are made up: FILL answers valid = 0
//! and U64 answers Scalar1(1) instead of Scalar2, which a client must treat
//! as an error. Malformed requests get the same answers, never a crash.
//! no_std, like the other core services.
#![no_std]
#![no_main]

use xous_abi::console::Channel;
use xous_abi::services::rng;
use xous_abi::message::kind;
use xous_rt::{reply, return_scalar, write, Server};

fn main(_params: usize) -> usize {
    let server = Server::create(rng::SID);
    let mut device = match virtio::Device::find(virtio::ENTROPY) {
        Ok(device) => Some(device),
        Err(_) => {
            write(Channel::Stderr, b"rng: no virtio entropy device; requests will fail\n");
            None
        }
    };
    let dma = virtio::dma_page().ok();
    loop {
        let mut message = server.receive();
        match (message.kind, message.id) {
            (kind::MUTABLE_BORROW, rng::FILL) => {
                let wanted = message.args[3].min(message.args[1]);
                let buffer = message.bytes_mut();
                let mut filled = 0;
                while filled < wanted {
                    let chunk = (wanted - filled).min(4096);
                    match (&mut device, dma) {
                        (Some(d), Some((page, phys))) => match d.fill(phys, chunk as u32) {
                            Ok(n) if n > 0 => {
                                let n = (n as usize).min(chunk);
                                // SAFETY: our DMA page, which the device has just written.
                                let bytes = unsafe { core::slice::from_raw_parts(page as *const u8, n) };
                                buffer[filled..filled + n].copy_from_slice(bytes);
                                filled += n;
                            }
                            _ => break,
                        },
                        _ => break,
                    }
                }
                reply(&message, 0, filled, 0);
            }
            (kind::BLOCKING_SCALAR, rng::U64) => {
                let value = match (&mut device, dma) {
                    (Some(d), Some((page, phys))) => match d.fill(phys, 8) {
                        // SAFETY: our DMA page, which the device has just written.
                        Ok(8) => Some(unsafe { core::ptr::read_volatile(page as *const u64) }),
                        _ => None,
                    },
                    _ => None,
                };
                let _ = match value {
                    Some(v) => return_scalar(message.sender, &[v as u32 as usize, (v >> 32) as usize]),
                    None => return_scalar(message.sender, &[1]),
                };
            }
            _ => reply(&message, 0, 0, 1),
        }
    }
}

xous_rt::entry!(main);
