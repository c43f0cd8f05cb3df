//! Host tests of what the hostile process of `./x fuzz` found
//! (kernel/target-tests/src/bin/hostile): each failed before its fix.

use crate::fault::Fault;
use crate::kernel::Kernel;
use crate::thread::reg;
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

/// Exhaustion does not spread. A process that takes all it can of a
/// kernel table gets an error itself, and another process still gets its
/// share. Each of these failed before its limit was there.
mod exhaustion {
    use super::*;

    /// Two processes, each with a thread: (hostile, innocent).
    fn two(k: &mut Kernel<FakePlatform>) -> (ThreadRef, ThreadRef) {
        let hostile = k.create_process("hostile", false).unwrap();
        let innocent = k.create_process("innocent", false).unwrap();
        (thread(k, hostile), thread(k, innocent))
    }

    fn server(k: &mut Kernel<FakePlatform>, t: ThreadRef, n: usize) -> Option<([usize; 4], usize)> {
        let sid = [0x6e76_7273, n, 0x2222, 0x3333];
        let r = call(k, t, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
        (r[0] == SyscallResult::NewServerId as usize).then_some((sid, r[5]))
    }

    fn scalar(k: &mut Kernel<FakePlatform>, t: ThreadRef, cid: usize) -> [usize; 2] {
        head(call(k, t, &[Syscall::TrySendMessage as usize, cid, InvokeType::Scalar as usize, 1, 0, 0, 0, 0]))
    }

    /// Sends scalars until refused; how many went. A refusal after giving
    /// the processor away once is asked again (TrySendMessage's give-way).
    fn flood(k: &mut Kernel<FakePlatform>, t: ThreadRef, cid: usize) -> usize {
        let mut sent = 0;
        loop {
            let mut r = scalar(k, t, cid);
            if r[0] != SyscallResult::Ok as usize && r[0] != SyscallResult::Error as usize {
                r = scalar(k, t, cid);
            }
            if r != [0, 0] {
                return sent;
            }
            sent += 1;
        }
    }

    #[test]
    fn one_process_cannot_fill_the_message_pool() {
        let mut k = kernel_with(512);
        let (hostile, innocent) = two(&mut k);
        let mut queued = 0;
        for n in 0..16 {
            let Some((_, cid)) = server(&mut k, hostile, n) else { break };
            let sent = flood(&mut k, hostile, cid);
            queued += sent;
            if sent == 0 {
                break;
            }
        }
        assert!(queued < crate::ipc::MAX_MESSAGES, "the hostile process queued {queued} messages");
        let (_, cid) = server(&mut k, innocent, 100).expect("the innocent makes a server");
        assert_eq!(scalar(&mut k, innocent, cid), [0, 0], "the innocent still sends");
    }

    #[test]
    fn one_sender_cannot_fill_a_queue() {
        let mut k = kernel_with(512);
        let (hostile, innocent) = two(&mut k);
        let service = k.create_process("service", false).unwrap();
        let owner = thread(&mut k, service);
        let (sid, _) = server(&mut k, owner, 1).unwrap();
        let connect = |k: &mut Kernel<FakePlatform>, t| call(k, t, &[Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3]])[1];
        let (h, i) = (connect(&mut k, hostile), connect(&mut k, innocent));
        let sent = flood(&mut k, hostile, h);
        assert!(sent < crate::ipc::QUEUE_DEPTH, "one sender filled the queue ({sent})");
        assert_eq!(scalar(&mut k, innocent, i), [0, 0], "another sender still gets in");
    }

    #[test]
    fn one_process_cannot_take_every_server() {
        let mut k = kernel_with(512);
        let (hostile, innocent) = two(&mut k);
        let mut made = 0;
        while made < crate::ipc::MAX_SERVERS {
            let r = call(&mut k, hostile, &[Syscall::CreateServer as usize]);
            if r[0] != SyscallResult::NewServerId as usize {
                assert_eq!(head(r), err(Error::OutOfMemory));
                break;
            }
            // Its own connection goes, so only servers are counted.
            call(&mut k, hostile, &[Syscall::Disconnect as usize, r[5]]);
            made += 1;
        }
        assert!(made < crate::ipc::MAX_SERVERS, "one process made every server");
        assert!(server(&mut k, innocent, 7).is_some(), "another process still makes one");
    }

    #[test]
    fn one_process_cannot_take_all_memory() {
        let mut k = kernel_with(1024);
        let (hostile, innocent) = two(&mut k);
        let mut backed = 0;
        'take: loop {
            let r = call(&mut k, hostile, &[Syscall::MapMemory as usize, 0, 0, 64 * 4096, flags::RESERVE | flags::R | flags::W]);
            assert_eq!(r[0], SyscallResult::MemoryRange as usize, "address space is no limit here");
            for p in 0..64 {
                let r = call(&mut k, hostile, &[Syscall::VirtToPhys as usize, r[1] + p * 4096]);
                if r[0] != SyscallResult::Scalar1 as usize {
                    assert_eq!(head(r), err(Error::OutOfMemory));
                    break 'take;
                }
                backed += 1;
            }
        }
        assert!(backed > 512, "the hostile process got most of RAM ({backed} pages)");
        let va = call(&mut k, innocent, &[Syscall::MapMemory as usize, 0, 0, 17 * 4096, flags::RESERVE | flags::R | flags::W])[1];
        for p in 0..16 {
            let r = call(&mut k, innocent, &[Syscall::VirtToPhys as usize, va + p * 4096]);
            assert_eq!(r[0], SyscallResult::Scalar1 as usize, "the innocent backs page {p}");
        }
        let space = k.procs.get(innocent.pid).unwrap().space;
        k.fault(innocent, Fault::StorePage, 0, va + 16 * 4096);
        assert!(k.procs.get(innocent.pid).is_some() && pte::is_valid(space.entry(&mut k.hw, va + 16 * 4096)), "touches one more, and lives");
        let eager = call(&mut k, hostile, &[Syscall::IncreaseHeap as usize, 4096, flags::R | flags::W]);
        assert_eq!(head(eager), err(Error::OutOfMemory), "heap backed at the call is refused at the call");
        let more = call(&mut k, hostile, &[Syscall::MapMemory as usize, 0, 0, 4096, flags::RESERVE | flags::R | flags::W])[1];
        k.fault(hostile, Fault::StorePage, 0, more);
        assert!(k.procs.get(hostile.pid).is_none(), "the hostile process touching a page it has no frame for ends");
    }

    /// A service grows on its clients' behalf (the network service holds
    /// every client's socket buffers): one that holds more than the reserve
    /// because a hostile client made it, still gets pages for the others
    /// when the hostile process has taken the rest of RAM. Memory asked for
    /// without RESERVE is backed at the call, all or nothing, so running out
    /// is an error the service answers with, never a fault that ends it.
    /// (Found by ./x test under load: the network service ended "out of
    /// memory backing" a heap page, and the innocent's TCP bind failed.)
    #[test]
    fn a_service_holding_a_hostile_clients_memory_lives_on() {
        let mut k = kernel_with(1024);
        let (hostile, service) = two(&mut k);
        let reserve = k.frames.reserve();
        // The service's heap grows past the reserve (the hostile's sockets).
        let free = k.frames.free_count();
        let grown = call(&mut k, service, &[Syscall::IncreaseHeap as usize, (reserve + 16) * 4096, flags::R | flags::W]);
        assert_eq!(grown[0], SyscallResult::MemoryRange as usize, "{grown:x?}");
        assert!(free - k.frames.free_count() >= reserve + 16, "backed at the call");
        // The hostile process takes all it can, eagerly, a page table's worth at a time.
        while call(&mut k, hostile, &[Syscall::IncreaseHeap as usize, 16 * 4096, flags::R | flags::W])[0] == SyscallResult::MemoryRange as usize {}
        while call(&mut k, hostile, &[Syscall::IncreaseHeap as usize, 4096, flags::R | flags::W])[0] == SyscallResult::MemoryRange as usize {}
        let refused = k.frames.free_count();
        assert!(refused <= reserve, "only the reserve is left ({refused} free)");
        let heap = call(&mut k, hostile, &[Syscall::IncreaseHeap as usize, 0, 0]);
        assert_eq!(head(call(&mut k, hostile, &[Syscall::IncreaseHeap as usize, 4096, flags::R | flags::W])), err(Error::OutOfMemory));
        assert_eq!(k.frames.free_count(), refused, "a refused IncreaseHeap leaves nothing behind");
        assert_eq!(call(&mut k, hostile, &[Syscall::IncreaseHeap as usize, 0, 0]), heap, "nor a bigger heap");
        // The service still grows for an innocent client.
        let more = call(&mut k, service, &[Syscall::IncreaseHeap as usize, 4 * 4096, flags::R | flags::W]);
        assert_eq!(more[0], SyscallResult::MemoryRange as usize, "the service gets pages from the reserve: {more:x?}");
        let space = k.procs.get(service.pid).unwrap().space;
        assert!((0..4).all(|p| pte::is_valid(space.entry(&mut k.hw, more[1] + p * 4096))), "and they are backed");
    }

    /// ConnectForProcess fills another process's connection table only
    /// for a process that waits on the caller (the name server connecting
    /// a client that asked it): anyone could fill anyone's table.
    #[test]
    fn connections_are_made_for_a_client_only() {
        let mut k = kernel_with(512);
        let (hostile, innocent) = two(&mut k);
        let (sid, _) = server(&mut k, hostile, 3).unwrap();
        let for_innocent = [Syscall::ConnectForProcess as usize, innocent.pid as usize, sid[0], sid[1], sid[2], sid[3]];
        assert_eq!(head(call(&mut k, hostile, &for_innocent)), err(Error::AccessDenied), "the innocent asked nothing");
        assert_eq!(k.procs.get(innocent.pid).unwrap().connections, [0; crate::ipc::MAX_CONNECTIONS]);
        // The innocent asks (a blocking message to the hostile's server): then it may.
        let cid = call(&mut k, innocent, &[Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3]])[1];
        call(&mut k, hostile, &[Syscall::ReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
        call(&mut k, innocent, &[Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, 1, 0, 0, 0, 0]);
        let (other, _) = server(&mut k, hostile, 4).unwrap();
        let r = call(&mut k, hostile, &[Syscall::ConnectForProcess as usize, innocent.pid as usize, other[0], other[1], other[2], other[3]]);
        assert_eq!(r[0], SyscallResult::ConnectionId as usize, "for a client that waits on it");
        let mine = call(&mut k, hostile, &[Syscall::ConnectForProcess as usize, hostile.pid as usize, other[0], other[1], other[2], other[3]]);
        assert_eq!(mine[0], SyscallResult::ConnectionId as usize, "and for itself");
    }

    crate::also_on_the_general_path!(one_process_cannot_fill_the_message_pool, one_sender_cannot_fill_a_queue);
}

/// The kernel's table of servers that hear of process ends is shared: a
/// process may watch with a few of its servers only, so others still can.
#[test]
fn one_process_cannot_take_every_exit_watch() {
    let mut k = kernel_with(512);
    let hostile = k.create_process("hostile", false).unwrap();
    let innocent = k.create_process("innocent", false).unwrap();
    let (hostile, innocent) = (thread(&mut k, hostile), thread(&mut k, innocent));
    let watch = |k: &mut Kernel<FakePlatform>, t: ThreadRef, n: usize| {
        let sid = [0x6863_7477, n, t.pid as usize, 1];
        call(k, t, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
        head(call(k, t, &[Syscall::PlatformSpecific as usize, xous_abi::platform::WATCH_EXITS, sid[0], sid[1], sid[2], sid[3], 9]))
    };
    let mut watching = 0;
    while watch(&mut k, hostile, watching) == [0, 0] {
        watching += 1;
    }
    assert!(watching < crate::exits::MAX_WATCHERS, "one process took every watch ({watching})");
    assert_eq!(watch(&mut k, innocent, 0), [0, 0], "another process still watches");
}

/// Slot 0 of a process's threads is its interrupt handler's, which is not
/// a thread: joining it waited for good (the handler ends without the
/// thread exit a join waits for). JoinThread(0) is InvalidThread.
#[test]
fn the_interrupt_context_cannot_be_joined() {
    let mut k = kernel_with(256);
    let pid = k.create_process("driver", false).unwrap();
    let t = thread(&mut k, pid);
    call(&mut k, t, &[Syscall::ClaimInterrupt as usize, 3, 0x1_2340, 0]);
    k.interrupt(3);
    assert_eq!(k.procs.get(pid).unwrap().threads[0], crate::thread::ThreadState::Ready, "the handler is running");
    assert_eq!(head(call(&mut k, t, &[Syscall::JoinThread as usize, 0])), err(Error::InvalidThread));
}
