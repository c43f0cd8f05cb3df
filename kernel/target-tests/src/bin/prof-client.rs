//! For tools/kernel-profile (not a test): runs one operation (PROF_OP at build time:
//! null, scalar, lend4, lend64, thread) 120 times, the last 100 between two marker
//! instructions (`slti x0, x0, 1` on, `slti x0, x0, 2` off) that a QEMU
//! plugin counting executions per address watches.
#![no_std]
#![no_main]

use kernel_target_tests::bench::SERVER_NAME;
use kernel_target_tests::{entry, raw, syscall, Syscall};
use xous_abi::memory::flags;
use xous_abi::message::InvokeType;
use xous_abi::services::sid_from_name;

extern "C" fn returns_at_once() -> usize {
    7
}

fn main(_params: usize) -> usize {
    let arg = option_env!("PROF_OP").unwrap_or("scalar");
    let sid = sid_from_name(SERVER_NAME).unwrap();
    let cid = syscall(Syscall::Connect, &sid.map(|w| w as usize))[1];
    let stack = syscall(Syscall::MapMemory, &[0, 0, 4096, flags::R | flags::W])[1];
    let buf = syscall(Syscall::MapMemory, &[0, 0, 65536, flags::R | flags::W])[1];
    // SAFETY: the pages just mapped, read-write.
    unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, 65536) }.fill(1);
    let entry = returns_at_once as *const () as usize;
    let op = || match arg {
        "null" => {
            raw([Syscall::GetProcessId as usize, 0, 0, 0, 0, 0, 0, 0]);
        }
        "thread" => {
            let tid = raw([Syscall::CreateThread as usize, entry, stack, 4096, 0, 0, 0, 0])[1];
            raw([Syscall::JoinThread as usize, tid, 0, 0, 0, 0, 0, 0]);
        }
        "lend4" => {
            raw([Syscall::SendMessage as usize, cid, InvokeType::LendMut as usize, 2, buf, 4096, 0, 0]);
        }
        "lend64" => {
            raw([Syscall::SendMessage as usize, cid, InvokeType::LendMut as usize, 2, buf, 65536, 0, 0]);
        }
        _ => {
            raw([Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, 1, 2, 3, 4, 5]);
        }
    };
    for _ in 0..20 {
        op();
    }
    for _ in 0..100 {
        // SAFETY: a no-op instruction (writes x0) the profiler recognises.
        unsafe { core::arch::asm!("slti x0, x0, 1") };
        op();
        // SAFETY: as above.
        unsafe { core::arch::asm!("slti x0, x0, 2") };
    }
    0
}

entry!(main);
