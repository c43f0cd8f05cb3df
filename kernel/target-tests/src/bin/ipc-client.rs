//! The client half of the IPC test (the main process): connects to
//! ipc-server and checks every message kind and the memory rules that can
//! be seen without faulting. Exits 0 when every check holds.
#![no_std]
#![no_main]

use kernel_target_tests::{check, entry, error_of, println, syscall, Error, Syscall, SyscallResult};
use xous_abi::memory::flags;
use xous_abi::message::InvokeType;
use xous_abi::services::sid_from_name;

fn main(_params: usize) -> usize {
    let sid = sid_from_name("kernel-test-ipc").unwrap().map(|w| w as usize);
    // The server may not exist yet: Connect waits for it.
    let r = syscall(Syscall::Connect, &sid);
    check!(r[0] == SyscallResult::ConnectionId as usize, "Connect: {:?}", r);
    let cid = r[1];
    let again = syscall(Syscall::Connect, &sid);
    check!(again[1] == cid, "same server, same cid");

    let r = syscall(Syscall::SendMessage, &[cid, InvokeType::BlockingScalar as usize, 2, 6, 7, 0, 0]);
    check!(r[0] == SyscallResult::Scalar2 as usize && r[1] == 13 && r[2] == 42, "BlockingScalar: {:?}", r);

    let buf = syscall(Syscall::MapMemory, &[0, 0, 2 * 4096, flags::R | flags::W])[1];
    // SAFETY: our own fresh pages.
    let bytes = unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, 2 * 4096) };
    bytes.fill(1);
    let r = syscall(Syscall::SendMessage, &[cid, InvokeType::Lend as usize, 3, buf, 2 * 4096, 0, 9]);
    check!(r[0] == SyscallResult::MemoryReturned as usize && r[1] == 8192 && r[2] == 9, "Lend: {:?}", r);
    bytes[0] = 2; // writable again after the lend

    let r = syscall(Syscall::SendMessage, &[cid, InvokeType::LendMut as usize, 4, buf, 2 * 4096, 0xab, 0]);
    check!(r[0] == SyscallResult::MemoryReturned as usize && r[2] == 8192, "LendMut: {:?}", r);
    check!(bytes.iter().all(|b| *b == 0xab), "the server's writes arrived");

    let moved = syscall(Syscall::MapMemory, &[0, 0, 4096, flags::R | flags::W])[1];
    // SAFETY: our own fresh page.
    unsafe { (moved as *mut u8).write_volatile(0x77) };
    let r = syscall(Syscall::SendMessage, &[cid, InvokeType::Move as usize, 5, moved, 4096, 0, 0]);
    check!(r[0] == 0, "Move: {:?}", r);

    for id in 0..100 {
        let r = syscall(Syscall::SendMessage, &[cid, InvokeType::Scalar as usize, 100 + id, 0, 0, 0, 0]);
        check!(r[0] == 0, "Scalar {}: {:?}", id, r);
    }

    let send = |args: &[usize]| error_of(syscall(Syscall::SendMessage, args));
    check!(send(&[77, InvokeType::Scalar as usize, 1]) == Some(Error::ServerNotFound), "unknown cid");
    check!(send(&[cid, 9, 1]) == Some(Error::InvalidArgument), "unknown kind");
    check!(send(&[cid, InvokeType::Lend as usize, 3, buf + 1, 4096]) == Some(Error::BadAlignment), "unaligned buffer");
    check!(send(&[cid, InvokeType::Lend as usize, 3, buf, 100]) == Some(Error::BadAlignment), "partial page");
    check!(send(&[cid, InvokeType::Lend as usize, 3, 0x5000_0000, 4096]) == Some(Error::BadAddress), "unmapped buffer");
    check!(send(&[cid, InvokeType::Lend as usize, 3, 0xff40_0000, 4096]) == Some(Error::BadAddress), "kernel memory");
    check!(error_of(syscall(Syscall::TryConnect, &[1, 2, 3, 4])) == Some(Error::ServerNotFound), "TryConnect to nobody");
    check!(error_of(syscall(Syscall::ReceiveMessage, &sid)) == Some(Error::AccessDenied), "receiving on another's server");
    check!(error_of(syscall(Syscall::ReturnScalar1, &[0x0200_0000, 1])) == Some(Error::InvalidArgument), "reply to nothing");
    check!(error_of(syscall(Syscall::CreateServerWithAddress, &sid)) == Some(Error::ServerExists), "taken SID");
    println!("ipc: all checks passed");
    0
}

entry!(main);
