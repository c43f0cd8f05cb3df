//! The filesystem service: `std::fs` for every program, over IPC (the
//! protocol is `xous_abi::services::fs`), on the crash-safe format of this
//! crate's library, on the virtio-blk disk (`xous-run --disk`) or, without
//! one, a RAM device for the run.
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
mod heap;
mod request;
mod service;

use xous_abi::console::Channel;
use xous_abi::message::InvokeType;
use xous_abi::memory::flags;
use xous_abi::platform::ExitNotice;
use xous_abi::services::{fs as proto, names};
use xous_rt::{connect, syscall, write, Server, Syscall, SyscallResult};

#[global_allocator]
static HEAP: heap::Heap = heap::Heap::new();

fn say(text: &str) {
    write(Channel::Stderr, text.as_bytes());
}

/// Registers `name` for our server with the name server.
fn register(name: &str) -> bool {
    let r = syscall(Syscall::MapMemory, &[0, 0, 4096, flags::R | flags::W]);
    if r[0] != SyscallResult::MemoryRange as usize {
        return false;
    }
    let page = r[1];
    // SAFETY: a fresh page of ours, mapped read-write.
    let bytes = unsafe { core::slice::from_raw_parts_mut(page as *mut u8, 4096) };
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    bytes[names::LENGTH_AT..names::LENGTH_AT + 4].copy_from_slice(&(name.len() as u32).to_le_bytes());
    for (i, word) in proto::SID.iter().enumerate() {
        bytes[names::SID_AT + 4 * i..names::SID_AT + 4 * i + 4].copy_from_slice(&word.to_le_bytes());
    }
    let ok = connect(names::SID).is_ok_and(|names| {
        let r = syscall(Syscall::SendMessage, &[names, InvokeType::LendMut as usize, names::REGISTER, page, 4096, 0, name.len()]);
        r[0] == SyscallResult::MemoryReturned as usize && bytes[..4] == names::OK.to_le_bytes()
    });
    syscall(Syscall::UnmapMemory, &[page, 4096]);
    ok
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
    if !register(proto::NAME) {
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
