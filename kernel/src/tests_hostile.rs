//! Host tests of what the hostile process of `./x fuzz` found
//! (kernel/target-tests/src/bin/hostile): each failed before its fix.

use crate::kernel::{reg, Fault, Kernel};
use crate::mem::pte;
use crate::sched::ThreadRef;
use crate::tests::{call, err, head, kernel_with, FakePlatform};
use xous_abi::memory::flags;
use xous_abi::message::InvokeType;
use xous_abi::{Error, Syscall, SyscallResult};

const SID: [usize; 4] = [0x7473_6f68, 5, 6, 7];

fn thread(k: &mut Kernel<FakePlatform>, pid: u8) -> ThreadRef {
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    ThreadRef { pid, tid }
}

/// Pages a process received in a Borrow or MutableBorrow belong to the
/// message until it is answered: the receiver may not unmap them, change
/// their flags, lend them on, move them or give them to a child. When one
/// process lent pages to its own server, UnmapMemory of the received pages
/// freed the frames (they were its own), and the answer gave the lender
/// back a mapping of a free frame, soon someone else's.
#[test]
fn received_pages_stay_until_answered() {
    let mut k = kernel_with(512);
    let pid = k.create_process("hostile", false).unwrap();
    let (client, server) = (thread(&mut k, pid), thread(&mut k, pid));
    let r = call(&mut k, server, &[Syscall::CreateServerWithAddress as usize, SID[0], SID[1], SID[2], SID[3]]);
    let cid = r[5];
    let va = call(&mut k, client, &[Syscall::MapMemory as usize, 0, 0, 4096, flags::R | flags::W])[1];
    k.fault(client, Fault::StorePage, 0, va);
    let frame = pte::address(k.procs.get(pid).unwrap().space.entry(&mut k.hw, va));
    for kind in [InvokeType::LendMut, InvokeType::Lend] {
        call(&mut k, server, &[Syscall::ReceiveMessage as usize, SID[0], SID[1], SID[2], SID[3]]);
        call(&mut k, client, &[Syscall::SendMessage as usize, cid, kind as usize, 1, va, 4096, 0, 0]);
        assert_eq!(k.reg(server, reg::A0), SyscallResult::MessageEnvelope as usize);
        let (sender, at) = (k.reg(server, reg::A0 + 1), k.reg(server, reg::A0 + 4));
        let refused = |k: &mut Kernel<FakePlatform>, args: &[usize], what: &str| {
            assert_eq!(head(call(k, server, args)), err(Error::ShareViolation), "{what} of received pages ({kind:?})");
        };
        refused(&mut k, &[Syscall::UnmapMemory as usize, at, 4096], "UnmapMemory");
        refused(&mut k, &[Syscall::UpdateMemoryFlags as usize, at, 4096, flags::R], "UpdateMemoryFlags");
        for onward in [InvokeType::Move, InvokeType::Lend, InvokeType::LendMut] {
            refused(&mut k, &[Syscall::SendMessage as usize, cid, onward as usize, 2, at, 4096, 0, 0], "sending on");
        }
        refused(&mut k, &[Syscall::CreateProcess as usize, 0x7ffe_0000, 0x2_0000, at, 4096, 0x1_0000, 0x1_0000, 0], "CreateProcess");
        assert_eq!(head(call(&mut k, server, &[Syscall::ReturnMemory as usize, sender, at, 4096, 0, 0])), [0, 0]);
        assert_eq!(k.reg(client, reg::A0), SyscallResult::MemoryReturned as usize);
        let entry = k.procs.get(pid).unwrap().space.entry(&mut k.hw, va);
        assert_eq!((pte::address(entry), k.frames.owner(frame)), (frame, Some(pid)), "the lender's page is its own frame still");
        assert_eq!(entry & pte::W, pte::W, "and writable again");
    }
    assert_eq!(head(call(&mut k, client, &[Syscall::UnmapMemory as usize, va, 4096])), [0, 0], "the lender may unmap it");
}


/// Only RAM may be lent or moved: a device page lent to a server made the
/// server write the device's registers on the lender's behalf (a buffer to
/// fill): the entropy service, asked to fill a virtio device's page, would
/// set its queue addresses to random bytes, and the device's DMA could then
/// write anywhere. Every kind, on both paths.
#[test]
fn device_pages_are_never_lent() {
    let mut k = kernel_with(512);
    let client_pid = k.create_process("client", false).unwrap();
    let server_pid = k.create_process("server", false).unwrap();
    let (client, server) = (thread(&mut k, client_pid), thread(&mut k, server_pid));
    call(&mut k, server, &[Syscall::CreateServerWithAddress as usize, SID[0], SID[1], SID[2], SID[3]]);
    let cid = call(&mut k, client, &[Syscall::Connect as usize, SID[0], SID[1], SID[2], SID[3]])[1];
    let r = call(&mut k, client, &[Syscall::MapMemory as usize, 0x1000_1000, 0, 4096, flags::R | flags::W]);
    assert_eq!(r[0], SyscallResult::MemoryRange as usize, "the device page is the client's");
    let device = r[1];
    for kind in [InvokeType::LendMut, InvokeType::Lend, InvokeType::Move] {
        // A receiver waits, so a lend may take the fast path.
        call(&mut k, server, &[Syscall::ReceiveMessage as usize, SID[0], SID[1], SID[2], SID[3]]);
        let r = call(&mut k, client, &[Syscall::SendMessage as usize, cid, kind as usize, 1, device, 4096, 0, 0]);
        assert_eq!(head(r), err(Error::BadAddress), "{kind:?} of a device page");
        assert_eq!(k.reg(server, reg::A0), Syscall::ReceiveMessage as usize, "the server got nothing: it still waits");
        let r = call(&mut k, client, &[Syscall::SendMessage as usize, cid, InvokeType::Scalar as usize, 2, 0, 0, 0, 0]);
        assert_eq!(head(r), [0, 0]);
        assert_eq!(k.reg(server, reg::A0 + 3), 2, "the next message is the scalar");
    }
}

crate::also_on_the_general_path!(received_pages_stay_until_answered, device_pages_are_never_lent);

/// The kernel reads a process's memory for it (the console, a child's
/// start record) only where it is RAM: the bytes of a device page, read
/// a byte at a time, stopped the kernel on QEMU (a virtio transport takes
/// only whole words, and answers others with an access fault).
#[test]
fn the_kernel_reads_only_ram_for_a_process() {
    let mut k = kernel_with(256);
    let pid = k.create_process("reader", false).unwrap();
    let t = thread(&mut k, pid);
    let device = call(&mut k, t, &[Syscall::MapMemory as usize, 0x1000_1000, 0, 4096, flags::R | flags::W])[1];
    let console = [Syscall::PlatformSpecific as usize, xous_abi::platform::CONSOLE_WRITE, xous_abi::console::Channel::Stderr as usize, device + 3, 5];
    assert_eq!(head(call(&mut k, t, &console)), err(Error::BadAddress), "the console from a device page");
    let mut out = [0u8; 4];
    assert_eq!(k.read_user(pid, device, &mut out), Err(Error::BadAddress));
    assert_eq!(k.write_user(pid, device, &out), Err(Error::BadAddress));
}
