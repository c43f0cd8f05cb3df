//! CreateProcess from user mode: this program copies its own loaded image
//! (text, read-only data, data) into fresh pages and hands them to a child
//! at the same addresses, so the child can run `child_main` from it. The
//! child prints, answers one message on the server the kernel made for it,
//! and exits with 42; this parent hears of that end as an exit notice.
//! Bad requests (CreateProcess and SetMemRegion) must be errors.
#![no_std]
#![no_main]

use kernel_target_tests::{check, entry, error_of, exit, println, return_scalar, syscall, watch_exits, Error, Server, Syscall, SyscallResult};
use xous_abi::memory::{flags, page_round_up, USER_TEXT_BASE};
use xous_abi::message::InvokeType;
use xous_abi::platform::ExitNotice;
use xous_abi::process::{MemoryRegion, StartRecord};
use xous_abi::services::sid_from_name;

const STACK: usize = 0x7ffe_0000;
const STACK_LEN: usize = 0x2_0000;
const NOTICE: usize = 0x4e;
const CHILD_CODE: usize = 42;

extern "C" {
    /// The end of this program's image (.bss included), from the linker.
    static _end: u8;
}

fn main(_params: usize) -> usize {
    let sid = sid_from_name("kernel-spawn").unwrap();
    let server = Server::create(sid);
    check!(watch_exits(sid, NOTICE).is_ok(), "watching exits");

    let end = core::ptr::addr_of!(_end) as usize;
    let len = page_round_up(end - USER_TEXT_BASE);
    let r = syscall(Syscall::MapMemory, &[0, 0, len, flags::R | flags::W | flags::X]);
    check!(r[0] == SyscallResult::MemoryRange as usize, "MapMemory: {:?}", r);
    let pages = r[1];
    // SAFETY: our own loaded image is readable from its base to `_end`, and
    // the fresh pages are ours and `len` long.
    unsafe { core::ptr::copy_nonoverlapping(USER_TEXT_BASE as *const u8, pages as *mut u8, end - USER_TEXT_BASE) };
    let record = StartRecord { eh_frame: 0x1_2340, params: 0x5678 }.to_bytes();
    let entry = child_main as *const () as usize;
    let init = [STACK, STACK_LEN, pages, len, USER_TEXT_BASE, entry, record.as_ptr() as usize];

    bad_requests(init);
    let r = syscall(Syscall::CreateProcess, &init);
    check!(r[0] == SyscallResult::NewProcess as usize, "CreateProcess: {:?}", r);
    let (child, cid) = (r[1], r[2]);
    check!(error_of(syscall(Syscall::UnmapMemory, &[pages, len])) == Some(Error::BadAddress), "the pages left us");
    let region = [child, MemoryRegion::Default as usize, 0x6000_0000, 0x100_0000];
    check!(syscall(Syscall::SetMemRegion, &region)[0] == 0, "SetMemRegion of our child");

    let r = syscall(Syscall::SendMessage, &[cid, InvokeType::BlockingScalar as usize, 1, 20, 0, 0, 0]);
    check!(r[0] == SyscallResult::Scalar1 as usize && r[1] == 21, "the child's answer: {:?}", r);
    let m = server.receive();
    let notice = ExitNotice::from_envelope(m.sender, m.kind, m.id, m.args, NOTICE);
    check!(notice.is_some_and(|n| n.pid as usize == child && n.code as usize == CHILD_CODE), "exit notice: {:?}", m);
    println!("spawn: child {} exited with {}; all checks passed", child, CHILD_CODE);
    0
}

/// Each is `init` with one word wrong; none may make a process.
fn bad_requests(init: [usize; 7]) {
    let cases: [(usize, usize, Error); 6] = [
        (0, STACK + 2, Error::BadAlignment),
        (2, 0x7000_0000, Error::BadAddress),
        (3, 0x100_0000, Error::BadAddress),
        (5, 0x1_0001, Error::BadAlignment),
        (5, 0x7000_0000, Error::BadAddress),
        (0, USER_TEXT_BASE, Error::BadAddress),
    ];
    for (word, value, e) in cases {
        let mut words = init;
        words[word] = value;
        let got = error_of(syscall(Syscall::CreateProcess, &words));
        check!(got == Some(e), "CreateProcess with word {} = {:#x}: {:?}", word, value, got);
    }
    let me = syscall(Syscall::GetProcessId, &[])[1];
    let heap = MemoryRegion::Heap as usize;
    let region_cases: [([usize; 4], Error); 5] = [
        ([me, MemoryRegion::Messages as usize, 0x4000_0000, 0x1000], Error::Unavailable),
        ([me, 9, 0x4000_0000, 0x1000], Error::InvalidArgument),
        ([me, heap, 0x3000_0800, 0x1000], Error::BadAlignment),
        ([2, heap, 0x3000_0000, 0x1000], Error::ProcessNotChild),
        ([200, heap, 0x3000_0000, 0x1000], Error::ProcessNotFound),
    ];
    for (words, e) in region_cases {
        let got = error_of(syscall(Syscall::SetMemRegion, &words));
        check!(got == Some(e), "SetMemRegion {:x?}: {:?}", words, got);
    }
}

/// The child's first instruction: a0/a1 from the start record, a2..a5 the
/// SID of its server.
extern "C" fn child_main(eh_frame: usize, params: usize, s0: usize, s1: usize, s2: usize, s3: usize) -> ! {
    let pid = syscall(Syscall::GetProcessId, &[])[1];
    println!("spawn-child: pid {} started with a0 {:#x}, a1 {:#x}", pid, eh_frame, params);
    if (eh_frame, params) != (0x1_2340, 0x5678) {
        exit(3);
    }
    let r = syscall(Syscall::ReceiveMessage, &[s0, s1, s2, s3]);
    if r[0] != SyscallResult::MessageEnvelope as usize || return_scalar(r[1], &[r[4] + 1]).is_err() {
        exit(4);
    }
    exit(CHILD_CODE)
}

entry!(main);
