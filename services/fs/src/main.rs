//! The filesystem service: `std::fs` for every program, over IPC (the
//! protocol is `xous_abi::services::fs`), on the crash-safe format of this
//! crate's library, on the virtio-blk disk (`xous-run --disk`), on the
//! Baochip-1x the last MiB of its RRAM (`rram.rs`), or, without either, a
//! RAM device for the run.
//! Symbolic and hard links are the library's: the service resolves every
//! path (links followed, at most 40 in one path) and std sends them whole.
//!
//! One server, registered with the name server as `_Xous Filesystem_`;
//! requests are served one at a time, so clients and their threads see
//! each operation whole. A process that ends has its handles closed (the
//! kernel's exit notices, WATCH_EXITS). A blank disk is formatted; one
//! that holds anything else and does not mount (someone else's data, our
//! format damaged beyond both superblocks) is refused: one line on stderr
//! says why, every request gets the reason's status, and not a byte of
//! the disk is written.
#![no_std]
#![no_main]

extern crate alloc;

mod clock;
mod disk;
#[cfg(feature = "dabao")]
mod rram;
mod handles;
mod request;
mod service;

use xous_abi::console::Channel;
use xous_abi::platform::ExitNotice;
use xous_abi::services::fs as proto;
use xous_rt::{say, write, Server};

#[global_allocator]
static HEAP: service_heap::Heap = service_heap::Heap::new();

/// Text of any length (`alloc::format!` would pull in the prebuilt
/// alloc's unwinding, which a panic=abort service does not link).
struct Text(alloc::vec::Vec<u8>);

impl core::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The one line said at boot when the disk is refused: why, and what to do.
fn refused(refusal: &fs::Refusal) -> alloc::vec::Vec<u8> {
    let hint = match refusal {
        fs::Refusal::NotOurs { .. } => "; `xous-run --format` formats it",
        fs::Refusal::Damaged(_) => "; `xous-fs check IMAGE` lists the damage",
        _ => "",
    };
    let mut line = Text(alloc::vec::Vec::new());
    let _ = core::fmt::Write::write_fmt(&mut line, format_args!("fs: the disk is refused, left as it is, and every file request fails: {refusal}{hint}\n"));
    line.0
}

fn main(_params: usize) -> usize {
    let server = Server::create(proto::SID);
    if xous_rt::watch_exits(proto::SID, proto::PROCESS_ENDED).is_err() {
        say("fs: cannot watch for process exits; dead clients' files stay open\n");
    }
    let clock = clock::Clock::start();
    let filesystem = fs::Fs::mount(disk::Disk::find(), clock.now());
    if let Err(refusal) = &filesystem {
        write(Channel::Stderr, &refused(refusal));
    }
    let mut service = service::Service::new(filesystem, clock);
    if !xous_rt::register_name(proto::NAME, proto::SID) {
        say("fs: cannot register with the name server\n");
    }
    loop {
        let message = server.receive();
        match ExitNotice::from_envelope(message.sender, message.kind, message.id, message.args, proto::PROCESS_ENDED) {
            Some(notice) => service.process_ended(notice.pid),
            None => service.handle(message),
        }
    }
}

xous_rt::entry!(main);
