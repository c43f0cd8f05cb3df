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

/// ROM_WRITE: the kernel writes rows of the board's non-volatile memory for
/// the process that mapped those pages, and for no one else; every
/// malformed call is an error that writes nothing.
#[test]
fn rom_rows_are_written_only_into_pages_the_caller_mapped() {
    use crate::mem::space::PhysMem;
    use xous_abi::platform::{ROM_ROW, ROM_WRITE};
    let (mut k, t) = driver();
    let (map, rw, ps) = (Syscall::MapMemory as usize, flags::R | flags::W, Syscall::PlatformSpecific as usize);
    let disk = 0x602d_a000;
    let r = call(&mut k, t, &[map, disk, 0, 0x2000, rw]);
    assert_eq!(r[0], SyscallResult::MemoryRange as usize, "the disk's first two pages, mapped");
    // A buffer in the caller's memory: two rows of a pattern.
    let buffer = 0x3000_0000;
    k.commit(t.pid, buffer, 4096, crate::mem::pte::R | crate::mem::pte::W).unwrap();
    let rows: Vec<u8> = (0..2 * ROM_ROW).map(|i| i as u8 ^ 0x5a).collect();
    k.write_user(t.pid, buffer, &rows).unwrap();
    let write = |k: &mut Kernel<FakePlatform>, t, pa: usize, va: usize, len: usize| head(call(k, t, &[ps, ROM_WRITE, pa, va, len]));
    assert_eq!(write(&mut k, t, disk + 0x1000 + ROM_ROW, buffer, 2 * ROM_ROW), [SyscallResult::Ok as usize, 0]);
    let mut back = vec![0u8; 2 * ROM_ROW];
    k.hw.read(disk + 0x1000, ROM_ROW, &mut back);
    assert_eq!(back, rows, "the rows are in the memory");
    assert_eq!(write(&mut k, t, disk + 4, buffer, ROM_ROW), err(Error::BadAlignment), "not on a row");
    assert_eq!(write(&mut k, t, disk, buffer, ROM_ROW + 4), err(Error::BadAlignment), "not whole rows");
    assert_eq!(write(&mut k, t, disk, buffer, 4096 + ROM_ROW), err(Error::InvalidArgument), "more than a page");
    assert_eq!(write(&mut k, t, disk + 0x2000, buffer, ROM_ROW), err(Error::AccessDenied), "a disk page not mapped");
    assert_eq!(write(&mut k, t, disk + 0x1fe0, buffer, 2 * ROM_ROW), err(Error::AccessDenied), "running into one not mapped");
    assert_eq!(write(&mut k, t, 0x6000_0000, buffer, ROM_ROW), err(Error::AccessDenied), "the boot image's ROM");
    assert_eq!(write(&mut k, t, usize::MAX & !31, buffer, ROM_ROW), err(Error::AccessDenied), "wrapping");
    assert_eq!(write(&mut k, t, disk, 0x5000_0000, ROM_ROW), err(Error::BadAddress), "an unreadable buffer");
    let other = k.create_process("other", false).unwrap();
    let o = ThreadRef { pid: other, tid: k.spawn_thread(other, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap() };
    assert_eq!(write(&mut k, o, disk, 0x5000_0000, ROM_ROW), err(Error::AccessDenied), "another process's disk");
    let mut first = vec![0u8; ROM_ROW];
    k.hw.read(disk, 0, &mut first);
    assert!(first.iter().all(|&b| b == 0xa5), "nothing written by the refused calls (fake memory's filler)");
}

/// A device page the board reserves for a service by name goes only to
/// the boot image's process of that name: not to a process merely named
/// so (a child named after its program), nor to another image process.
#[test]
fn a_page_reserved_for_a_service_goes_to_that_image_process_only() {
    let mut k = kernel_with(64);
    let (map, rw) = (Syscall::MapMemory as usize, flags::R | flags::W);
    let process = |k: &mut Kernel<FakePlatform>, name: &str, from_image: bool| {
        let pid = k.create_process(name, false).unwrap();
        k.procs.get_mut(pid).unwrap().from_image = from_image;
        ThreadRef { pid, tid: k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap() }
    };
    let (impostor, other, fs) = (process(&mut k, "fs", false), process(&mut k, "other", true), process(&mut k, "fs", true));
    let reserved = 0x602d_c000;
    assert_eq!(head(call(&mut k, impostor, &[map, reserved, 0, 4096, rw])), err(Error::AccessDenied), "named fs, not from the image");
    assert_eq!(head(call(&mut k, other, &[map, reserved, 0, 4096, rw])), err(Error::AccessDenied), "from the image, another name");
    assert_eq!(head(call(&mut k, other, &[map, reserved - 0x1000, 0, 0x2000, rw])), err(Error::AccessDenied), "a range running into it");
    assert_eq!(call(&mut k, other, &[map, reserved - 0x1000, 0, 4096, rw])[0], SyscallResult::MemoryRange as usize, "the page before is anyone's");
    assert_eq!(call(&mut k, fs, &[map, reserved, 0, 0x2000, rw])[0], SyscallResult::MemoryRange as usize, "the service itself");
}
