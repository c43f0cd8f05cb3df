//! Host tests of interrupts owned by processes and of device mappings.

use crate::fault::Fault;
use crate::interrupt::INTERRUPT_STACK_TOP;
use crate::kernel::Kernel;
use crate::thread::reg;
use crate::thread::{ThreadState, INTERRUPT_CONTEXT};
use crate::sched::ThreadRef;
use crate::tests::{call, err, head, kernel_with, FakePlatform};
use xous_abi::memory::{flags, RETURN_FROM_INTERRUPT};
use xous_abi::{Error, Syscall, SyscallResult};

fn driver() -> (Box<Kernel<FakePlatform>>, ThreadRef) {
    let mut k = kernel_with(256);
    let pid = k.create_process("driver", false).unwrap();
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    let t = k.next_thread().unwrap();
    assert_eq!(t, ThreadRef { pid, tid });
    (k, t)
}

#[test]
fn claim_checks_its_arguments() {
    let (mut k, t) = driver();
    let claim = Syscall::ClaimInterrupt as usize;
    assert_eq!(head(call(&mut k, t, &[claim, 0, 0x1_0000, 0])), err(Error::InterruptNotFound));
    assert_eq!(head(call(&mut k, t, &[claim, 99, 0x1_0000, 0])), err(Error::InterruptNotFound));
    assert_eq!(head(call(&mut k, t, &[claim, 5, 0, 0])), err(Error::BadAddress));
    assert_eq!(head(call(&mut k, t, &[claim, 5, 0x1_0000, 7])), [0, 0]);
    assert!(k.hw.enabled[5]);
    assert_eq!(head(call(&mut k, t, &[claim, 5, 0x1_0000, 7])), err(Error::InterruptInUse));
    let other = k.create_process("other", false).unwrap();
    let o = ThreadRef { pid: other, tid: k.spawn_thread(other, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap() };
    assert_eq!(head(call(&mut k, o, &[Syscall::FreeInterrupt as usize, 5])), err(Error::InterruptNotFound), "not its own");
    assert_eq!(head(call(&mut k, t, &[Syscall::FreeInterrupt as usize, 5])), [0, 0]);
    assert!(!k.hw.enabled[5]);
}

#[test]
fn the_handler_runs_first_and_completes_on_return() {
    let (mut k, t) = driver();
    call(&mut k, t, &[Syscall::ClaimInterrupt as usize, 3, 0x1_2340, 0xabc]);
    k.interrupt(3);
    let h = ThreadRef { pid: t.pid, tid: INTERRUPT_CONTEXT };
    assert_eq!(k.next_thread(), Some(h), "the handler goes ahead of the interrupted thread");
    assert_eq!(k.reg(h, reg::PC), 0x1_2340);
    assert_eq!((k.reg(h, reg::A0), k.reg(h, reg::A0 + 1)), (3, 0xabc));
    assert_eq!(k.reg(h, reg::SP), INTERRUPT_STACK_TOP);
    assert_eq!(k.reg(h, reg::RA), RETURN_FROM_INTERRUPT);
    // It fires again while the handler runs: it waits, not completed twice.
    k.interrupt(3);
    assert!(k.hw.completed.is_empty());
    k.fault(h, Fault::InstructionPage, RETURN_FROM_INTERRUPT, RETURN_FROM_INTERRUPT);
    assert_eq!(k.hw.completed, [3]);
    assert_eq!(k.next_thread(), Some(h), "the pending one runs next");
    k.fault(h, Fault::InstructionPage, RETURN_FROM_INTERRUPT, RETURN_FROM_INTERRUPT);
    assert_eq!(k.hw.completed, [3, 3]);
    assert_eq!(k.procs.get(t.pid).unwrap().threads[0], ThreadState::Free);
    assert_eq!(k.next_thread(), Some(t), "then the thread that was interrupted");
}

#[test]
fn unclaimed_interrupts_are_completed_and_dying_owners_release_theirs() {
    let (mut k, t) = driver();
    k.interrupt(9);
    assert_eq!(k.hw.completed, [9]);
    call(&mut k, t, &[Syscall::ClaimInterrupt as usize, 4, 0x1_0000, 0]);
    k.interrupt(4);
    k.terminate(t.pid, 0);
    assert_eq!(k.hw.completed, [9, 4], "the in-service interrupt was completed");
    assert!(!k.hw.enabled[4]);
    assert!(k.irqs.claim(4).is_none());
}

#[test]
fn device_pages_are_mapped_for_one_process_only() {
    let (mut k, t) = driver();
    let map = Syscall::MapMemory as usize;
    let rw = flags::R | flags::W;
    assert_eq!(head(call(&mut k, t, &[map, 0x8000_0000, 0, 4096, rw])), err(Error::AccessDenied), "RAM");
    assert_eq!(head(call(&mut k, t, &[map, 0x1000_0000, 0, 4096, rw])), err(Error::AccessDenied), "the kernel's UART");
    assert_eq!(head(call(&mut k, t, &[map, 0x1000_2000, 0, 0x2000, rw])), err(Error::AccessDenied), "runs past the device");
    let r = call(&mut k, t, &[map, 0x1000_1000, 0, 4096, rw]);
    assert_eq!(r[0], SyscallResult::MemoryRange as usize);
    let other = k.create_process("other", false).unwrap();
    let o = ThreadRef { pid: other, tid: k.spawn_thread(other, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap() };
    assert_eq!(head(call(&mut k, o, &[map, 0x1000_1000, 0, 4096, rw])), err(Error::MemoryInUse), "taken");
    call(&mut k, t, &[Syscall::UnmapMemory as usize, r[1], 4096]);
    assert_eq!(call(&mut k, o, &[map, 0x1000_1000, 0, 4096, rw])[0], SyscallResult::MemoryRange as usize, "free again");
    k.terminate(other, 0);
    assert_eq!(k.devices.owner(0x1000_1000), None, "released with its process");
}
