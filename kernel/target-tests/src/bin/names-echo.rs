//! A service for the name-server test: creates a server with a random SID,
//! registers it as `names-test-echo`, and answers BlockingScalar n with n + 1.
#![no_std]
#![no_main]

use kernel_target_tests::{check, entry, names, syscall, Syscall, SyscallResult};
use xous_abi::services::names as ns;

fn main(_params: usize) -> usize {
    let r = syscall(Syscall::CreateServer, &[]);
    check!(r[0] == SyscallResult::NewServerId as usize, "CreateServer: {:?}", r);
    let sid = [r[1] as u32, r[2] as u32, r[3] as u32, r[4] as u32];
    let (result, _) = names::request(ns::REGISTER, b"names-test-echo", 15, sid);
    check!(result == ns::OK, "registering: {}", result);
    let words = sid.map(|w| w as usize);
    loop {
        let m = syscall(Syscall::ReceiveMessage, &words);
        if m[0] == SyscallResult::MessageEnvelope as usize && m[2] == 4 {
            syscall(Syscall::ReturnScalar1, &[m[1], m[4] + 1]);
        }
    }
}

entry!(main);
