//! The filesystem service: `std::fs` for every program, over IPC (the
//! protocol is `xous_abi::services::fs`), on the crash-safe format of this
//! crate's library, on the virtio-blk disk (`xous-run --disk`) or, without
//! one, a RAM device for the run.
//! Symbolic and hard links are the library's: the service resolves every
//! path (links followed, at most 40 in one path) and std sends them whole.
//!
//! One server, registered with the name server as `_Xous Filesystem_`;
//! requests are served one at a time, so clients and their threads see
//! each operation whole. A process that ends has its handles closed (the
//! kernel's exit notices, WATCH_EXITS). If the disk holds something that
//! does not mount (damaged beyond both superblocks), every request gets an
//! I/O error and the disk is left as it is.
#![no_std]
#![no_main]

extern crate alloc;

mod clock;
mod disk;
mod handles;
mod request;
mod service;

use xous_abi::console::Channel;
use xous_abi::platform::ExitNotice;
use xous_abi::services::fs as proto;
use xous_rt::{write, Server};

#[global_allocator]
static HEAP: service_heap::Heap = service_heap::Heap::new();

fn say(text: &str) {
    write(Channel::Stderr, text.as_bytes());
}

fn main(_params: usize) -> usize {
    let server = Server::create(proto::SID);
    if xous_rt::watch_exits(proto::SID, proto::PROCESS_ENDED).is_err() {
        say("fs: cannot watch for process exits; dead clients' files stay open\n");
    }
    let clock = clock::Clock::start();
    let filesystem = match fs::Fs::mount(disk::Disk::find(), clock.now()) {
        Ok(filesystem) => Some(filesystem),
        Err(_) => {
            say("fs: the disk holds no filesystem that mounts; every request will fail\n");
            None
        }
    };
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
