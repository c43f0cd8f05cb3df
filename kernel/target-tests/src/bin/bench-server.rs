//! The server half of the kernel's IPC benchmarks (`./x bench`): answers
//! every message bench-client sends at once, as its kind requires, without
//! touching lent memory, so a round trip measures the kernel alone. It
//! answers and takes the next message in one call (ReplyAndReceiveNext, as
//! an seL4 server does with ReplyRecv), so a round trip is two syscalls.
//! Its syscalls go through `raw`, the eight registers as given, as the
//! client's.
#![no_std]
#![no_main]

use kernel_target_tests::bench::SERVER_NAME;
use kernel_target_tests::{entry, raw, Server, Syscall, SyscallResult};
use xous_abi::{message::kind, services::sid_from_name};

fn main(_params: usize) -> usize {
    let Some(sid) = sid_from_name(SERVER_NAME) else { return 2 };
    Server::create(sid);
    let [s0, s1, s2, s3] = sid.map(|w| w as usize);
    let receive = [Syscall::ReceiveMessage as usize, s0, s1, s2, s3, 0, 0, 0];
    let mut r = raw(receive);
    loop {
        if r[0] != SyscallResult::MessageEnvelope as usize {
            r = raw(receive);
            continue;
        }
        let (sender, message_kind, addr, len) = (r[1], r[2], r[4], r[5]);
        // Memory goes back with offset 0 and valid = its length; a
        // BlockingScalar gets 0; then the next message.
        let reply = Syscall::ReplyAndReceiveNext as usize;
        r = match message_kind {
            kind::MUTABLE_BORROW | kind::BORROW => raw([reply, sender, 0, addr, len, 0, len, usize::MAX]),
            kind::BLOCKING_SCALAR => raw([reply, sender, 0, 0, 0, 0, 0, 1]),
            _ => raw(receive),
        };
    }
}

entry!(main);
