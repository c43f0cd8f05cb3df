//! The server half of the IPC test: answers each kind of message so the
//! client (ipc-client) can check what came back. Runs until killed.
#![no_std]
#![no_main]

use kernel_target_tests::{check, entry, syscall, Syscall, SyscallResult};
use xous_abi::services::sid_from_name;

pub const NAME: &str = "kernel-test-ipc";

fn main(_params: usize) -> usize {
    let sid = sid_from_name(NAME).unwrap().map(|w| w as usize);
    let r = syscall(Syscall::CreateServerWithAddress, &sid);
    check!(r[0] == SyscallResult::NewServerId as usize, "CreateServerWithAddress: {:?}", r);
    let mut next = None;
    loop {
        let m = next.take().unwrap_or_else(|| syscall(Syscall::ReceiveMessage, &sid));
        check!(m[0] == SyscallResult::MessageEnvelope as usize, "ReceiveMessage: {:?}", m);
        let (sender, kind, id, a, b, c, d) = (m[1], m[2], m[3], m[4], m[5], m[6], m[7]);
        match (kind, id) {
            // BlockingScalar: sum and product, answered with ReplyAndReceiveNext,
            // which hands back the next message at once.
            (4, 2) => {
                next = Some(syscall(Syscall::ReplyAndReceiveNext, &[sender, 0, a + b, a * b, 0, 0, 2]));
            }
            // Lend: add up the bytes, report the sum as `offset`.
            (1, 3) => {
                // SAFETY: the kernel mapped the lent pages here, readable.
                let bytes = unsafe { core::slice::from_raw_parts(a as *const u8, b) };
                let sum: usize = bytes.iter().map(|x| *x as usize).sum();
                syscall(Syscall::ReturnMemory, &[sender, a, b, sum, d]);
            }
            // MutableBorrow: fill with `c`, answer valid = length.
            (0, 4) => {
                // SAFETY: the kernel mapped the pages here, writable, for us alone.
                let bytes = unsafe { core::slice::from_raw_parts_mut(a as *mut u8, b) };
                bytes.fill(c as u8);
                syscall(Syscall::ReturnMemory, &[sender, a, b, 0, b]);
            }
            // Move: the pages are ours now; keep a checksum, then free them.
            (2, 5) => {
                // SAFETY: the moved pages, mapped here.
                let first = unsafe { (a as *const u8).read_volatile() };
                check!(first == 0x77, "moved page content {}", first);
                check!(syscall(Syscall::UnmapMemory, &[a, b])[0] == 0, "unmapping moved pages");
            }
            // Scalar: no answer.
            (3, _) => {}
            _ => check!(false, "unexpected message kind {} id {}", kind, id),
        }
        let _ = c;
    }
}

entry!(main);
