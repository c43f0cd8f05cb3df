//! The server half of the kernel's IPC benchmarks (`./x bench`): answers
//! every message bench-client sends at once, as its kind requires, without
//! touching lent memory, so a round trip measures the kernel alone. Its
//! syscalls go through `raw`, the eight registers as given, as the client's.
#![no_std]
#![no_main]

use kernel_target_tests::bench::SERVER_NAME;
use kernel_target_tests::{entry, raw, Server, Syscall, SyscallResult};
use xous_abi::{message::kind, services::sid_from_name};

fn main(_params: usize) -> usize {
    let Some(sid) = sid_from_name(SERVER_NAME) else { return 2 };
    Server::create(sid);
    let [s0, s1, s2, s3] = sid.map(|w| w as usize);
    loop {
        let r = raw([Syscall::ReceiveMessage as usize, s0, s1, s2, s3, 0, 0, 0]);
        if r[0] != SyscallResult::MessageEnvelope as usize {
            continue;
        }
        let (sender, message_kind, addr, len) = (r[1], r[2], r[4], r[5]);
        // Memory goes back with offset 0 and valid = its length; a
        // BlockingScalar gets 0.
        match message_kind {
            kind::MUTABLE_BORROW | kind::BORROW => raw([Syscall::ReturnMemory as usize, sender, addr, len, 0, len, 0, 0]),
            kind::BLOCKING_SCALAR => raw([Syscall::ReturnScalar1 as usize, sender, 0, 0, 0, 0, 0, 0]),
            _ => continue,
        };
    }
}

entry!(main);
