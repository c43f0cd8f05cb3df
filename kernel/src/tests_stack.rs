//! Host tests of stack overflows: a fault below a thread's stack is named
//! as one (the kernel's line, exit code 134, a3 = 1 for an exception
//! handler), and other faults are not, however close they come.

use crate::fault::Fault;
use crate::sched::ThreadRef;
use crate::tests::{call, head, kernel_with, FakePlatform};
use crate::thread::reg;
use crate::kernel::Kernel;
use xous_abi::memory::flags;
use xous_abi::platform::{EXCEPTION_STACK_OVERFLOW, FAULT_EXIT_CODE, STACK_OVERFLOW_EXIT_CODE};
use xous_abi::{Syscall, SyscallResult};

const STACK: usize = 0x4000;

/// A main process whose first thread starts a second one the way std
/// does: [guard][stack][guard] mapped, the guards made inaccessible, the
/// thread given the middle. Returns (first thread, second thread, stack
/// bottom); the kernel is boxed, as a test makes several.
fn std_like_thread() -> (Box<Kernel<FakePlatform>>, ThreadRef, ThreadRef, usize) {
    let mut k = kernel_with(256);
    let pid = k.create_process("overflow", true).unwrap();
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    let t = k.next_thread().unwrap();
    assert_eq!(t, ThreadRef { pid, tid });
    let base = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, STACK + 0x2000, flags::R | flags::W])[1];
    let update = Syscall::UpdateMemoryFlags as usize;
    assert_eq!(head(call(&mut k, t, &[update, base, 0x1000, flags::W])), [0, 0]);
    assert_eq!(head(call(&mut k, t, &[update, base + 0x1000 + STACK, 0x1000, flags::W])), [0, 0]);
    let bottom = base + 0x1000;
    let r = call(&mut k, t, &[Syscall::CreateThread as usize, 0x1_1000, bottom, STACK, 1, 2, 3, 4]);
    assert_eq!(r[0], SyscallResult::ThreadId as usize);
    (k, t, ThreadRef { pid, tid: r[1] as u8 }, bottom)
}

fn last_line(k: &Kernel<FakePlatform>) -> String {
    String::from_utf8_lossy(&k.hw.console.last().unwrap().1).into_owned()
}

#[test]
fn a_store_in_the_guard_page_is_a_stack_overflow() {
    let (mut k, _, child, bottom) = std_like_thread();
    k.set_reg(child, reg::SP, bottom - 16);
    k.set_reg(child, reg::RA, 0x1_1200);
    k.fault(child, Fault::StorePage, 0x1_1010, bottom - 4);
    assert!(k.procs.get(child.pid).is_none(), "the process ended");
    let line = last_line(&k);
    let expected = format!("process 2 (overflow) terminated: thread {} overflowed its stack (store page fault at pc 0x00011010, ra 0x00011200, address {:#010x}; the stack ends at {bottom:#010x})", child.tid, bottom - 4);
    assert!(line.contains(&expected), "{line}");
    assert_eq!(k.halted, Some(STACK_OVERFLOW_EXIT_CODE), "134, the main process's exit code");
}

#[test]
fn a_frame_larger_than_the_guard_page_is_a_stack_overflow_too() {
    let (mut k, _, child, bottom) = std_like_thread();
    // The stack pointer went 64 KiB below the bottom, past the guard page
    // and into what lies below; the frame's first store faults there.
    k.set_reg(child, reg::SP, bottom - 0x1_0000);
    k.fault(child, Fault::LoadPage, 0x1_1010, bottom - 0x8000);
    assert!(last_line(&k).contains("overflowed its stack"), "{}", last_line(&k));
    assert_eq!(k.halted, Some(STACK_OVERFLOW_EXIT_CODE));
    // A callee of such a frame (memset) storing just below the stack pointer.
    let (mut k, _, child, bottom) = std_like_thread();
    k.set_reg(child, reg::SP, bottom - 0x8000);
    k.fault(child, Fault::StorePage, 0x1_1010, bottom - 0x8000 - 16);
    assert_eq!(k.halted, Some(STACK_OVERFLOW_EXIT_CODE));
}

#[test]
fn other_faults_stay_ordinary_faults() {
    // A null write by a thread with a known stack.
    let (mut k, _, child, bottom) = std_like_thread();
    k.set_reg(child, reg::SP, bottom + 0x100);
    k.fault(child, Fault::StorePage, 0x1_1010, 0x10);
    assert!(!last_line(&k).contains("overflowed") && last_line(&k).contains("store page fault"), "{}", last_line(&k));
    assert_eq!(k.halted, Some(FAULT_EXIT_CODE));
    // A stack pointer elsewhere (a stack of its own, as stacker makes) and a
    // fault below the thread's stack but outside the guard page.
    let (mut k, _, child, bottom) = std_like_thread();
    k.set_reg(child, reg::SP, 0x2000_8000);
    k.fault(child, Fault::LoadPage, 0x1_1010, bottom - 0x2000);
    assert!(!last_line(&k).contains("overflowed"), "{}", last_line(&k));
    assert_eq!(k.halted, Some(FAULT_EXIT_CODE));
    // A stack pointer a little below the bottom, but the fault far below it.
    let (mut k, _, child, bottom) = std_like_thread();
    k.set_reg(child, reg::SP, bottom - 0x1000);
    k.fault(child, Fault::LoadPage, 0x1_1010, bottom - 0x10_0000);
    assert!(!last_line(&k).contains("overflowed"), "{}", last_line(&k));
    // An instruction fetch from the guard page is not the stack growing.
    let (mut k, _, child, bottom) = std_like_thread();
    k.fault(child, Fault::InstructionPage, bottom - 4, bottom - 4);
    assert_eq!(k.halted, Some(FAULT_EXIT_CODE));
    // A thread whose stack the kernel does not know (started by the kernel's
    // host tests without one) faulting just below its stack pointer.
    let (mut k, first, _, _) = std_like_thread();
    k.set_reg(first, reg::SP, 0x7fff_0000);
    k.fault(first, Fault::StorePage, 0x1_0000, 0x7ffe_fffc);
    assert_eq!(k.halted, Some(FAULT_EXIT_CODE));
}

#[test]
fn an_exception_handler_is_told_it_is_an_overflow() {
    let (mut k, first, child, bottom) = std_like_thread();
    assert_eq!(head(call(&mut k, first, &[Syscall::SetExceptionHandler as usize, 0x1_2000, 0x7000_0000])), [0, 0]);
    k.set_reg(child, reg::SP, bottom - 16);
    k.set_reg(child, reg::PC, 0x1_1010); // as the trap path leaves it: sepc
    k.fault(child, Fault::StorePage, 0x1_1010, bottom - 4);
    assert_eq!(k.reg(child, reg::PC), 0x1_2000, "in the handler");
    assert_eq!(k.reg(child, reg::A0 + 3), EXCEPTION_STACK_OVERFLOW);
    // The handler removes itself and returns: the store faults again and
    // the kernel ends the process for the overflow.
    assert_eq!(head(call(&mut k, child, &[Syscall::SetExceptionHandler as usize, 0, 0])), [0, 0]);
    k.fault(child, Fault::InstructionPage, xous_abi::memory::RETURN_FROM_EXCEPTION, xous_abi::memory::RETURN_FROM_EXCEPTION);
    assert_eq!(k.reg(child, reg::PC), 0x1_1010, "back at the store");
    k.fault(child, Fault::StorePage, 0x1_1010, bottom - 4);
    assert_eq!(k.halted, Some(STACK_OVERFLOW_EXIT_CODE));
    // Any other fault: a3 = 0.
    let (mut k, first, child, _) = std_like_thread();
    assert_eq!(head(call(&mut k, first, &[Syscall::SetExceptionHandler as usize, 0x1_2000, 0x7000_0000])), [0, 0]);
    k.set_reg(child, reg::A0 + 3, 77);
    k.fault(child, Fault::StorePage, 0x1_1010, 0x10);
    assert_eq!((k.reg(child, reg::PC), k.reg(child, reg::A0 + 3)), (0x1_2000, 0));
}

#[test]
fn a_reused_thread_slot_forgets_the_old_stack() {
    let (mut k, first, child, bottom) = std_like_thread();
    k.exit_thread(child, 0);
    assert_eq!(head(call(&mut k, first, &[Syscall::JoinThread as usize, child.tid as usize])), [SyscallResult::Scalar1 as usize, 0]);
    let tid = k.spawn_thread(child.pid, 0x1_0000, 0x7000_0000, [0; 4]).unwrap();
    assert_eq!(tid, child.tid, "the same slot");
    let t = ThreadRef { pid: child.pid, tid };
    k.set_reg(t, reg::SP, bottom - 16);
    k.fault(t, Fault::StorePage, 0x1_1010, bottom - 4);
    assert_eq!(k.halted, Some(FAULT_EXIT_CODE), "not this thread's stack");
}
