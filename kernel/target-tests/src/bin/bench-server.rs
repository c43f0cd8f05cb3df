//! The server half of the kernel's IPC benchmarks (`./x bench`): answers
//! every message bench-client sends at once, as its kind requires, without
//! touching lent memory, so a round trip measures the kernel alone.
#![no_std]
#![no_main]

use kernel_target_tests::bench::SERVER_NAME;
use kernel_target_tests::{entry, reply, Server};
use xous_abi::services::sid_from_name;

fn main(_params: usize) -> usize {
    let Some(sid) = sid_from_name(SERVER_NAME) else { return 2 };
    let server = Server::create(sid);
    loop {
        let message = server.receive();
        reply(&message, 0, message.args[1], 0);
    }
}

entry!(main);
