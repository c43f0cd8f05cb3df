//! The entropy service from a client: random pages and 64-bit values that
//! differ from each other, and malformed requests answered. Exits 0 when
//! every check holds.
#![no_std]
#![no_main]

use kernel_target_tests::{check, entry, println, syscall, Syscall, SyscallResult};
use xous_abi::message::InvokeType;
use xous_abi::services::rng;

#[repr(C, align(4096))]
struct Page([u8; 4096]);

fn main(_params: usize) -> usize {
    let r = syscall(Syscall::Connect, &rng::SID.map(|w| w as usize));
    check!(r[0] == SyscallResult::ConnectionId as usize, "connecting: {:?}", r);
    let cid = r[1];
    let mut a = Page([0; 4096]);
    let mut b = Page([0; 4096]);
    for page in [&mut a, &mut b] {
        let r = syscall(Syscall::SendMessage, &[cid, InvokeType::LendMut as usize, rng::FILL, page.0.as_mut_ptr() as usize, 4096, 0, 4096]);
        check!(r[0] == SyscallResult::MemoryReturned as usize && r[2] == 4096, "FILL answered {:?}", r);
    }
    let zeros = a.0.iter().filter(|x| **x == 0).count();
    check!(zeros < 64, "a random page with {} zero bytes", zeros);
    check!(a.0 != b.0, "two random pages are the same");
    let ones: u32 = a.0.iter().map(|x| x.count_ones()).sum();
    check!((15_000..17_800).contains(&ones), "{} of 32768 bits set", ones);
    let x = syscall(Syscall::SendMessage, &[cid, InvokeType::BlockingScalar as usize, rng::U64, 0, 0, 0, 0]);
    let y = syscall(Syscall::SendMessage, &[cid, InvokeType::BlockingScalar as usize, rng::U64, 0, 0, 0, 0]);
    check!(x[0] == SyscallResult::Scalar2 as usize && y[0] == SyscallResult::Scalar2 as usize, "U64 answers {:?} {:?}", x, y);
    check!((x[1], x[2]) != (y[1], y[2]), "two random u64 are equal");
    let r = syscall(Syscall::SendMessage, &[cid, InvokeType::LendMut as usize, rng::FILL, a.0.as_mut_ptr() as usize, 4096, 0, 100_000]);
    check!(r[0] == SyscallResult::MemoryReturned as usize && r[2] == 4096, "asking for more than the buffer fills the buffer: {:?}", r);
    let bad = syscall(Syscall::SendMessage, &[cid, InvokeType::BlockingScalar as usize, 77, 0, 0, 0, 0]);
    check!(bad[0] == SyscallResult::Scalar1 as usize && bad[1] == 1, "an unknown opcode: {:?}", bad);
    println!("rng: all checks passed");
    0
}

entry!(main);
