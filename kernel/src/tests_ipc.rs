//! Host tests of message passing: every kind, the memory rules, and what
//! happens when a server or a client dies mid-conversation.

use crate::fault::Fault;
use crate::kernel::Kernel;
use crate::thread::reg;
use crate::mem::pte;
use crate::thread::ThreadState;
use crate::sched::ThreadRef;
use crate::tests::{call, err, head, kernel_with, start, state, FakePlatform};
use xous_abi::memory::{flags, USER_MESSAGE_BASE};
use xous_abi::message::InvokeType;
use xous_abi::{Error, Syscall, SyscallResult};

const SID: [usize; 4] = [0x7473_6574, 1, 2, 3];

struct World {
    k: Box<Kernel<FakePlatform>>,
    server: ThreadRef,
    client: ThreadRef,
    cid: usize,
}

/// A server process with a server at SID, and a client connected to it.
fn world() -> World {
    let mut k = kernel_with(512);
    let server = start(&mut k, "server");
    let client = start(&mut k, "client");
    let r = call(&mut k, server, &[Syscall::CreateServerWithAddress as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(r[..5], [SyscallResult::NewServerId as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_ne!(r[5], 0, "the creator's connection to its server");
    let r = call(&mut k, client, &[Syscall::Connect as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(r[0], SyscallResult::ConnectionId as usize);
    World { k, server, client, cid: r[1] }
}

fn receive(w: &mut World) -> [usize; 8] {
    call(&mut w.k, w.server, &[Syscall::ReceiveMessage as usize, SID[0], SID[1], SID[2], SID[3]])
}

/// A client buffer of `pages` pages holding `fill`.
fn buffer(w: &mut World, pages: usize, fill: u8) -> usize {
    let va = call(&mut w.k, w.client, &[Syscall::MapMemory as usize, 0, 0, pages * 4096, flags::R | flags::W])[1];
    for p in 0..pages {
        w.k.fault(w.client, Fault::StorePage, 0, va + p * 4096);
        w.k.write_user(w.client.pid, va + p * 4096, &[fill; 16]).unwrap();
    }
    va
}

#[test]
fn scalar_messages_do_not_block_and_arrive_in_order() {
    let mut w = world();
    for id in [5, 6] {
        let r = call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Scalar as usize, id, 1, 2, 3, 4]);
        assert_eq!(head(r), [0, 0]);
    }
    let env = receive(&mut w);
    assert_eq!(env[0], SyscallResult::MessageEnvelope as usize);
    assert_eq!(env[2..8], [3, 5, 1, 2, 3, 4], "kind 3 = Scalar inside an envelope");
    assert_eq!(receive(&mut w)[3], 6);
    let none = call(&mut w.k, w.server, &[Syscall::TryReceiveMessage as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(none[0], SyscallResult::None as usize);
}

#[test]
fn blocking_scalar_round_trip() {
    let mut w = world();
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::BlockingScalar as usize, 9, 10, 20, 0, 0]);
    assert!(matches!(state(&mut w.k, w.client), ThreadState::AwaitingReply(_)));
    let env = receive(&mut w);
    assert_eq!(env[2..6], [4, 9, 10, 20]);
    let sender = env[1];
    assert_eq!(head(call(&mut w.k, w.server, &[Syscall::ReturnScalar2 as usize, sender, 30, 40])), [0, 0]);
    assert_eq!(state(&mut w.k, w.client), ThreadState::Ready);
    assert_eq!(w.k.reg(w.client, reg::A0), SyscallResult::Scalar2 as usize);
    assert_eq!((w.k.reg(w.client, reg::A0 + 1), w.k.reg(w.client, reg::A0 + 2)), (30, 40));
    let again = call(&mut w.k, w.server, &[Syscall::ReturnScalar1 as usize, sender, 1]);
    assert_eq!(head(again), err(Error::InvalidArgument), "double return");
}

#[test]
fn a_waiting_receiver_gets_the_message_at_once() {
    let mut w = world();
    receive(&mut w);
    assert_eq!(state(&mut w.k, w.server), ThreadState::Receiving(0));
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Scalar as usize, 7, 0, 0, 0, 0]);
    assert_eq!(state(&mut w.k, w.server), ThreadState::Ready);
    assert_eq!(w.k.reg(w.server, reg::A0 + 3), 7);
}

#[test]
fn lend_is_read_only_for_everyone_until_returned() {
    let mut w = world();
    let va = buffer(&mut w, 1, 0xab);
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Lend as usize, 1, va, 4096, 0, 16]);
    let client_entry = w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va);
    assert!(pte::is_valid(client_entry) && client_entry & pte::W == 0, "the lender keeps read access only");
    let env = receive(&mut w);
    let at = env[4];
    assert!(at >= USER_MESSAGE_BASE);
    let server_entry = w.k.procs.get(w.server.pid).unwrap().space.entry(&mut w.k.hw, at);
    assert_eq!(pte::address(server_entry), pte::address(client_entry), "same frame: zero copy");
    assert_eq!(server_entry & pte::W, 0, "the server cannot write a lent page");
    let mut seen = [0u8; 4];
    w.k.read_user(w.server.pid, at, &mut seen).unwrap();
    assert_eq!(seen, [0xab; 4]);
    let unmap = call(&mut w.k, w.client, &[Syscall::UnmapMemory as usize, va, 4096]);
    assert_eq!(head(unmap), err(Error::ShareViolation), "cannot unmap while lent");
    let ret = call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], at, 4096, 0, 0]);
    assert_eq!(head(ret), [0, 0]);
    assert_eq!(w.k.reg(w.client, reg::A0), SyscallResult::MemoryReturned as usize);
    let back = w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va);
    assert!(back & pte::W != 0 && !pte::is_lent(back), "write access restored");
    assert_eq!(w.k.procs.get(w.server.pid).unwrap().space.entry(&mut w.k.hw, at), 0, "gone from the server");
}

#[test]
fn lend_mut_is_unreachable_to_the_sender_and_returns_offset_and_valid() {
    let mut w = world();
    let va = buffer(&mut w, 2, 1);
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::LendMut as usize, 1, va, 8192, 0, 0]);
    let e = w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va);
    assert!(!pte::is_valid(e) && pte::is_lent(e));
    let env = receive(&mut w);
    assert_eq!(env[2], 0, "kind 0 = MutableBorrow inside an envelope");
    w.k.write_user(w.server.pid, env[4] + 4096, b"reply").unwrap();
    let wrong = call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], env[4], 4096, 0, 0]);
    assert_eq!(head(wrong), err(Error::BadAddress), "length must match");
    call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], env[4], 8192, 3, 5]);
    assert_eq!(w.k.reg(w.client, reg::A0 + 1), 3);
    assert_eq!(w.k.reg(w.client, reg::A0 + 2), 5);
    let mut seen = [0u8; 5];
    w.k.read_user(w.client.pid, va + 4096, &mut seen).unwrap();
    assert_eq!(&seen, b"reply");
}

#[test]
fn touching_a_page_lent_mutably_ends_the_sender() {
    let mut w = world();
    let other = start(&mut w.k, "bystander");
    let va = buffer(&mut w, 1, 1);
    // A second thread of the client touches the page while it is lent.
    let t2 = ThreadRef { pid: w.client.pid, tid: w.k.spawn_thread(w.client.pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap() };
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::LendMut as usize, 1, va, 4096, 0, 0]);
    receive(&mut w);
    w.k.fault(t2, Fault::LoadPage, 0x1_0000, va);
    assert!(w.k.procs.get(w.client.pid).is_none(), "the lender faulted");
    assert!(w.k.procs.get(other.pid).is_some());
}

#[test]
fn moved_pages_leave_the_sender_for_good() {
    let mut w = world();
    let va = buffer(&mut w, 1, 0x5a);
    let frame = pte::address(w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va));
    let r = call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Move as usize, 1, va, 4096, 0, 0]);
    assert_eq!(head(r), [0, 0], "a move does not wait");
    let env = receive(&mut w);
    assert_eq!(w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va), 0, "gone from the sender");
    assert_eq!(w.k.frames.owner(frame), Some(w.server.pid), "now the server's");
    let mut seen = [0u8; 2];
    w.k.read_user(w.server.pid, env[4], &mut seen).unwrap();
    assert_eq!(seen, [0x5a; 2]);
}

#[test]
fn bad_buffers_and_connections_are_errors() {
    let mut w = world();
    let send = Syscall::SendMessage as usize;
    let lend = InvokeType::Lend as usize;
    assert_eq!(head(call(&mut w.k, w.client, &[send, 99, lend, 1, 0x6000_0000, 4096])), err(Error::ServerNotFound), "unknown cid");
    assert_eq!(head(call(&mut w.k, w.client, &[send, 0, lend, 1, 0x6000_0000, 4096])), err(Error::ServerNotFound), "cid 0");
    assert_eq!(head(call(&mut w.k, w.client, &[send, w.cid, 9, 1])), err(Error::InvalidArgument), "kind");
    assert_eq!(head(call(&mut w.k, w.client, &[send, w.cid, lend, 1, 0x6000_0100, 4096])), err(Error::BadAlignment));
    assert_eq!(head(call(&mut w.k, w.client, &[send, w.cid, lend, 1, 0x6000_0000, 100])), err(Error::BadAlignment), "partial page");
    assert_eq!(head(call(&mut w.k, w.client, &[send, w.cid, lend, 1, 0x6000_0000, 4096])), err(Error::BadAddress), "unmapped");
    assert_eq!(head(call(&mut w.k, w.client, &[send, w.cid, lend, 1, 0xffc0_0000, 4096])), err(Error::BadAddress), "kernel");
    let va = buffer(&mut w, 1, 0);
    call(&mut w.k, w.client, &[Syscall::UpdateMemoryFlags as usize, va, 4096, flags::R]);
    let ro = call(&mut w.k, w.client, &[send, w.cid, InvokeType::LendMut as usize, 1, va, 4096]);
    assert_eq!(head(ro), err(Error::BadAddress), "lend_mut of a read-only page");
    let unknown_sid = call(&mut w.k, w.client, &[Syscall::TryConnect as usize, 1, 1, 1, 1]);
    assert_eq!(head(unknown_sid), err(Error::ServerNotFound));
    let not_owner = call(&mut w.k, w.client, &[Syscall::ReceiveMessage as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(head(not_owner), err(Error::AccessDenied));
    let exists = call(&mut w.k, w.client, &[Syscall::CreateServerWithAddress as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(head(exists), err(Error::ServerExists));
    let forged = call(&mut w.k, w.client, &[Syscall::ReturnScalar1 as usize, 0x0300_0000, 1]);
    assert_eq!(head(forged), err(Error::InvalidArgument), "reply to nothing");
}

/// An on-demand service's SID is its own before it starts: only the boot
/// image's process of that name creates a server there, not a program
/// named so, nor another image process.
#[test]
fn an_on_demand_services_sid_is_kept_for_it() {
    let mut k = kernel_with(64);
    let process = |k: &mut Kernel<FakePlatform>, name: &str, from_image: bool| {
        let pid = k.create_process(name, false).unwrap();
        k.procs.get_mut(pid).unwrap().from_image = from_image;
        ThreadRef { pid, tid: k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap() }
    };
    let (impostor, other, fs) = (process(&mut k, "fs", false), process(&mut k, "names", true), process(&mut k, "fs", true));
    let [a, b, c, d] = xous_abi::services::fs::SID.map(|w| w as usize);
    let create = |k: &mut Kernel<FakePlatform>, t| head(call(k, t, &[Syscall::CreateServerWithAddress as usize, a, b, c, d]));
    assert_eq!(create(&mut k, impostor), err(Error::AccessDenied), "named fs, not from the image");
    assert_eq!(create(&mut k, other), err(Error::AccessDenied), "from the image, another name");
    assert_eq!(create(&mut k, fs)[0], SyscallResult::NewServerId as usize, "the service itself");
    let [a, b, c, d] = xous_abi::services::proc::SID.map(|w| w as usize);
    assert_eq!(head(call(&mut k, impostor, &[Syscall::CreateServerWithAddress as usize, a, b, c, d])), err(Error::AccessDenied), "proc's too");
}

#[test]
fn a_full_queue_refuses_try_send_and_makes_send_wait() {
    let mut w = world();
    // All one sender may queue (the rest of the queue is for others).
    for _ in 0..crate::ipc::QUEUE_DEPTH - crate::ipc::QUEUE_RESERVE {
        call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Scalar as usize, 1]);
    }
    let pc = w.k.reg(w.client, reg::PC);
    for _ in 0..crate::ipc::message::GIVE_WAY_ROUNDS {
        call(&mut w.k, w.client, &[Syscall::TrySendMessage as usize, w.cid, InvokeType::Scalar as usize, 1]);
        assert_eq!(w.k.reg(w.client, reg::PC), pc, "first it gives way, to make the call again");
        assert_eq!(state(&mut w.k, w.client), ThreadState::Ready);
        assert!(w.k.current != Some(w.client) && w.k.queue.contains(w.client), "at the back of the run queue");
    }
    let r = call(&mut w.k, w.client, &[Syscall::TrySendMessage as usize, w.cid, InvokeType::Scalar as usize, 1]);
    assert_eq!(head(r), err(Error::ServerQueueFull), "still full after every round: refused");
    assert_eq!(w.k.reg(w.client, reg::PC), pc + 4, "and it goes on");
    let pc = pc + 4;
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Scalar as usize, 1]);
    assert_eq!(state(&mut w.k, w.client), ThreadState::Retry);
    assert_eq!(w.k.reg(w.client, reg::PC), pc, "the ecall will run again");
    receive(&mut w);
    assert_eq!(state(&mut w.k, w.client), ThreadState::Ready, "room again: it retries");
}

/// The server catches up while a try-sender gives way: the call made
/// again goes through, and the next full queue gives way again.
#[test]
fn a_try_send_that_gave_way_goes_through_once_the_server_caught_up() {
    let mut w = world();
    // All one sender may queue (the rest of the queue is for others).
    for _ in 0..crate::ipc::QUEUE_DEPTH - crate::ipc::QUEUE_RESERVE {
        call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Scalar as usize, 1]);
    }
    let pc = w.k.reg(w.client, reg::PC);
    call(&mut w.k, w.client, &[Syscall::TrySendMessage as usize, w.cid, InvokeType::Scalar as usize, 2]);
    assert_eq!(w.k.reg(w.client, reg::PC), pc, "gave way");
    receive(&mut w);
    let r = call(&mut w.k, w.client, &[Syscall::TrySendMessage as usize, w.cid, InvokeType::Scalar as usize, 2]);
    assert_eq!(r[0], SyscallResult::Ok as usize, "room again: sent");
    call(&mut w.k, w.client, &[Syscall::TrySendMessage as usize, w.cid, InvokeType::Scalar as usize, 3]);
    assert_eq!(w.k.reg(w.client, reg::PC), pc + 4, "a new call to a full queue gives way again");
}

#[test]
fn connect_waits_for_the_server_to_appear() {
    let mut k = kernel_with(256);
    let client = start(&mut k, "client");
    let server = start(&mut k, "server");
    let sid = [1usize, 2, 3, 4];
    call(&mut k, client, &[Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3]]);
    assert_eq!(state(&mut k, client), ThreadState::Retry);
    call(&mut k, server, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
    assert_eq!(state(&mut k, client), ThreadState::Ready);
    let r = call(&mut k, client, &[Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3]]);
    assert_eq!(r[0], SyscallResult::ConnectionId as usize);
    let again = call(&mut k, client, &[Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3]]);
    assert_eq!(again[1], r[1], "the same cid twice");
}

#[test]
fn a_dying_server_wakes_its_clients_with_an_error() {
    let mut w = world();
    let va = buffer(&mut w, 1, 1);
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::LendMut as usize, 1, va, 4096, 0, 0]);
    receive(&mut w);
    w.k.terminate(w.server.pid, 1);
    assert_eq!(state(&mut w.k, w.client), ThreadState::Ready);
    assert_eq!([w.k.reg(w.client, reg::A0), w.k.reg(w.client, reg::A0 + 1)], err(Error::ServerNotFound));
    let e = w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va);
    assert!(pte::is_valid(e) && !pte::is_lent(e), "the page came back");
    let r = call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Scalar as usize, 1]);
    assert_eq!(head(r), err(Error::ServerNotFound), "the connection is gone");
}

#[test]
fn a_dying_client_leaves_its_lent_frames_with_the_server_until_returned() {
    let mut w = world();
    let va = buffer(&mut w, 1, 0x33);
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Lend as usize, 1, va, 4096, 0, 0]);
    let env = receive(&mut w);
    let free_before = w.k.frames.free_count();
    w.k.terminate(w.client.pid, 1);
    let mut seen = [0u8; 1];
    w.k.read_user(w.server.pid, env[4], &mut seen).unwrap();
    assert_eq!(seen, [0x33], "the server still reads valid memory");
    let after_death = w.k.frames.free_count();
    assert!(after_death > free_before, "the rest of the client was freed");
    call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], env[4], 4096, 0, 0]);
    assert_eq!(w.k.frames.free_count(), after_death + 1, "the lent frame is reclaimed on return");
}

#[test]
fn reply_and_receive_next_answers_then_takes_the_next_message() {
    let mut w = world();
    let second = start(&mut w.k, "second");
    let r = call(&mut w.k, second, &[Syscall::Connect as usize, SID[0], SID[1], SID[2], SID[3]]);
    let cid2 = r[1];
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::BlockingScalar as usize, 1, 5, 0, 0, 0]);
    call(&mut w.k, second, &[Syscall::SendMessage as usize, cid2, InvokeType::BlockingScalar as usize, 2, 6, 0, 0, 0]);
    let env = receive(&mut w);
    assert_eq!(env[3], 1);
    let next = call(&mut w.k, w.server, &[Syscall::ReplyAndReceiveNext as usize, env[1], 0, 50, 0, 0, 0, 1]);
    assert_eq!(next[0], SyscallResult::MessageEnvelope as usize);
    assert_eq!(next[3], 2, "the second message came with the reply");
    assert_eq!([w.k.reg(w.client, reg::A0), w.k.reg(w.client, reg::A0 + 1)], [SyscallResult::Scalar1 as usize, 50]);
    call(&mut w.k, w.server, &[Syscall::ReplyAndReceiveNext as usize, next[1], 1, 2, 3, 4, 5, 5]);
    let r: Vec<usize> = (0..6).map(|i| w.k.reg(second, reg::A0 + i)).collect();
    assert_eq!(r, [SyscallResult::Scalar5 as usize, 1, 2, 3, 4, 5]);
    assert_eq!(state(&mut w.k, w.server), ThreadState::Receiving(0), "nothing left: it waits");
    let bad = call(&mut w.k, w.client, &[Syscall::ReplyAndReceiveNext as usize, env[1], 0, 0, 0, 0, 0, 1]);
    assert_eq!(head(bad), err(Error::InvalidArgument), "not its message");
}

#[test]
fn reply_and_receive_next_returns_memory() {
    let mut w = world();
    let va = buffer(&mut w, 1, 0);
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::LendMut as usize, 1, va, 4096, 0, 0]);
    let env = receive(&mut w);
    call(&mut w.k, w.server, &[Syscall::ReplyAndReceiveNext as usize, env[1], 0, env[4], 4096, 7, 8, usize::MAX]);
    assert_eq!(w.k.reg(w.client, reg::A0), SyscallResult::MemoryReturned as usize);
    assert_eq!((w.k.reg(w.client, reg::A0 + 1), w.k.reg(w.client, reg::A0 + 2)), (7, 8));
    assert!(!pte::is_lent(w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va)));
}

#[test]
fn a_round_trip_with_a_waiting_server_hands_the_processor_over_and_back() {
    let mut w = world();
    // The server waits, the client runs.
    receive(&mut w);
    assert_eq!((w.k.current, state(&mut w.k, w.server)), (None, ThreadState::Receiving(0)));
    assert_eq!(w.k.next_thread(), Some(w.client));
    let kind = InvokeType::BlockingScalar as usize;
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, kind, 9, 10, 20, 30, 40]);
    assert!(matches!(state(&mut w.k, w.client), ThreadState::AwaitingReply(_)));
    assert_eq!(w.k.current, Some(w.server), "the sender handed the processor to the receiver");
    let env: Vec<usize> = (0..8).map(|i| w.k.reg(w.server, reg::A0 + i)).collect();
    assert_eq!(env[0], SyscallResult::MessageEnvelope as usize);
    assert_eq!(env[2..8], [4, 9, 10, 20, 30, 40]);
    assert_eq!(head(call(&mut w.k, w.server, &[Syscall::ReturnScalar1 as usize, env[1], 77])), [0, 0]);
    assert_eq!(w.k.reg(w.client, reg::A0), SyscallResult::Scalar1 as usize);
    assert_eq!((w.k.reg(w.client, reg::A0 + 1), w.k.reg(w.client, reg::A0 + 2)), (77, 0));
    assert_eq!(w.k.current, Some(w.server), "the server goes on after its reply");
    receive(&mut w);
    assert_eq!(w.k.next_thread(), Some(w.client), "and the client runs as soon as it waits");
    let again = call(&mut w.k, w.server, &[Syscall::ReturnScalar1 as usize, env[1], 1]);
    assert_eq!(head(again), err(Error::InvalidArgument), "answered already");
}

/// The fast path's rule (arch/riscv/trap.rs): a syscall's caller keeps its
/// callee-saved registers in the processor, so the kernel must not touch
/// them in its slot. Each call of a round trip, scalar and lend, is made
/// with marks there, and takes the fast path (its `Next` says so).
#[test]
fn the_fast_path_leaves_callee_saved_registers_alone() {
    use crate::syscall::{ecall, Next};
    use crate::tests::CALLEE_SAVED;
    let mut w = world();
    let va = buffer(&mut w, 1, 1);
    let mark = |t: ThreadRef, r: usize| 0x5a00_0000 | (t.pid as u32) << 8 | r as u32;
    let enter = |k: &mut Kernel<FakePlatform>, t: ThreadRef, a: [usize; 8]| {
        let regs = k.context(t);
        (0..8).for_each(|i| regs[reg::A0 + i] = a[i] as u32);
        regs[reg::PC] += 4;
        CALLEE_SAVED.iter().for_each(|r| regs[*r] = mark(t, *r));
        crate::tests::runs(k, t);
        let next = ecall(k, t, a);
        assert!(CALLEE_SAVED.iter().all(|r| k.context(t)[*r] == mark(t, *r)), "{a:x?}");
        next
    };
    let (receive, [s0, s1, s2, s3]) = (Syscall::ReceiveMessage as usize, SID);
    let (scalar, lend) = (InvokeType::BlockingScalar as usize, InvokeType::LendMut as usize);
    assert!(enter(&mut w.k, w.server, [receive, s0, s1, s2, s3, 0, 0, 0]) == Next::Waits);
    assert!(enter(&mut w.k, w.client, [Syscall::SendMessage as usize, w.cid, scalar, 9, 10, 20, 30, 40]) == Next::Waits);
    let sender = w.k.reg(w.server, reg::A0 + 1);
    assert!(enter(&mut w.k, w.server, [Syscall::ReturnScalar1 as usize, sender, 77, 0, 0, 0, 0, 0]) == Next::Goes);
    // The first lend makes the server's message-region table (the general path's work).
    for round in [0, 1] {
        assert!(enter(&mut w.k, w.server, [receive, s0, s1, s2, s3, 0, 0, 0]) == Next::Waits);
        let next = enter(&mut w.k, w.client, [Syscall::SendMessage as usize, w.cid, lend, 9, va, 4096, 0, 0]);
        assert!(next == if round == 0 { Next::Look } else { Next::Waits });
        let (sender, at) = (w.k.reg(w.server, reg::A0 + 1), w.k.reg(w.server, reg::A0 + 4));
        assert!(enter(&mut w.k, w.server, [Syscall::ReturnMemory as usize, sender, at, 4096, 1, 2, 0, 0]) == Next::Goes);
    }
    assert_eq!(w.k.reg(w.client, reg::A0), SyscallResult::MemoryReturned as usize);
    // ReplyAndReceiveNext: the reply and the wait for the next message in
    // one call, for a scalar (one and two words) and for lent memory.
    let reply = Syscall::ReplyAndReceiveNext as usize;
    assert!(enter(&mut w.k, w.server, [receive, s0, s1, s2, s3, 0, 0, 0]) == Next::Waits);
    for count in [1, 2] {
        assert!(enter(&mut w.k, w.client, [Syscall::SendMessage as usize, w.cid, scalar, 9, 10, 20, 30, 40]) == Next::Waits);
        let sender = w.k.reg(w.server, reg::A0 + 1);
        assert!(enter(&mut w.k, w.server, [reply, sender, 0, 77, 88, 0, 0, count]) == Next::Waits);
        let tag = if count == 1 { SyscallResult::Scalar1 } else { SyscallResult::Scalar2 };
        let answer: Vec<usize> = (0..=count).map(|i| w.k.reg(w.client, reg::A0 + i)).collect();
        assert_eq!(answer, [&[tag as usize, 77, 88][..=count]].concat());
        assert_eq!(state(&mut w.k, w.server), ThreadState::Receiving(0));
    }
    assert!(enter(&mut w.k, w.client, [Syscall::SendMessage as usize, w.cid, lend, 9, va, 4096, 0, 0]) == Next::Waits);
    let (sender, at) = (w.k.reg(w.server, reg::A0 + 1), w.k.reg(w.server, reg::A0 + 4));
    assert!(enter(&mut w.k, w.server, [reply, sender, 0, at, 4096, 3, 4, usize::MAX]) == Next::Waits);
    assert_eq!((0..3).map(|i| w.k.reg(w.client, reg::A0 + i)).collect::<Vec<_>>(), [SyscallResult::MemoryReturned as usize, 3, 4]);
    assert_eq!(state(&mut w.k, w.server), ThreadState::Receiving(0));
}

#[test]
fn destroying_a_server_wakes_its_waiting_receivers() {
    let mut w = world();
    receive(&mut w);
    assert_eq!(state(&mut w.k, w.server), ThreadState::Receiving(0));
    let other = w.k.spawn_thread(w.server.pid, 0x1_0000, 0x7ffe_f000, [0; 4]).unwrap();
    let other = ThreadRef { pid: w.server.pid, tid: other };
    let r = call(&mut w.k, other, &[Syscall::DestroyServer as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(head(r), [0, 0]);
    assert_eq!(state(&mut w.k, w.server), ThreadState::Ready);
    let answer = [w.k.reg(w.server, reg::A0), w.k.reg(w.server, reg::A0 + 1)];
    assert_eq!(answer, err(Error::ServerNotFound));
}

#[test]
fn lends_to_a_waiting_server_are_mapped_marked_and_given_back() {
    let mut w = world();
    let pages = 3;
    let va = buffer(&mut w, pages, 5);
    let entries = |k: &mut Kernel<FakePlatform>, pid: u8, at: usize| -> Vec<u32> {
        let space = k.procs.get(pid).unwrap().space;
        (0..pages).map(|p| space.entry(&mut k.hw, at + p * 4096)).collect()
    };
    let before = entries(&mut w.k, w.client.pid, va);
    // Twice each kind: the first lend makes the server's message table.
    for (round, kind) in [InvokeType::Lend, InvokeType::LendMut, InvokeType::Lend, InvokeType::LendMut].into_iter().enumerate() {
        receive(&mut w);
        assert_eq!(state(&mut w.k, w.server), ThreadState::Receiving(0));
        let r = call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, kind as usize, 40 + round, va, pages * 4096, 1, 2]);
        assert!(matches!(state(&mut w.k, w.client), ThreadState::AwaitingReply(_)), "{r:?}");
        assert_eq!(state(&mut w.k, w.server), ThreadState::Ready);
        let env: Vec<usize> = (0..8).map(|i| w.k.reg(w.server, reg::A0 + i)).collect();
        assert_eq!(env[0], SyscallResult::MessageEnvelope as usize);
        assert_eq!(env[2..4], [kind.envelope_kind(), 40 + round]);
        assert_eq!(env[5..8], [pages * 4096, 1, 2]);
        let at = env[4];
        let lent = entries(&mut w.k, w.client.pid, va);
        let mapped = entries(&mut w.k, w.server.pid, at);
        for p in 0..pages {
            assert_eq!(pte::address(mapped[p]), pte::address(before[p]), "the sender's frames, in order");
            assert!(pte::is_leaf(mapped[p]) && mapped[p] & pte::U != 0);
            assert!(pte::is_lent(lent[p]));
            if kind == InvokeType::Lend {
                assert!(mapped[p] & pte::W == 0 && lent[p] & pte::W == 0, "nobody writes a page lent read-only");
                assert!(pte::is_valid(lent[p]), "its owner still reads it");
            } else {
                assert!(mapped[p] & pte::W != 0 && !pte::is_valid(lent[p]), "only the server reaches it");
            }
        }
        let mut seen = [0u8; 4];
        w.k.read_user(w.server.pid, at + 4096, &mut seen).unwrap();
        assert_eq!(seen, [5; 4]);
        let wrong = call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], at + 4096, pages * 4096, 0, 0]);
        assert_eq!(head(wrong), err(Error::BadAddress));
        let r = call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], at, pages * 4096, 3, 4]);
        assert_eq!(head(r), [0, 0]);
        assert_eq!(state(&mut w.k, w.client), ThreadState::Ready);
        let answer: Vec<usize> = (0..3).map(|i| w.k.reg(w.client, reg::A0 + i)).collect();
        assert_eq!(answer, [SyscallResult::MemoryReturned as usize, 3, 4]);
        assert_eq!(entries(&mut w.k, w.client.pid, va), before, "the sender's access as it was");
        assert_eq!(entries(&mut w.k, w.server.pid, at), [0; 3], "gone from the server");
        let again = call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], at, pages * 4096, 0, 0]);
        assert_eq!(head(again), err(Error::InvalidArgument), "returned already");
    }
    // Bad buffers sent to a waiting server are errors, and it waits on.
    receive(&mut w);
    let unmapped = 0x2000_0000;
    for (addr, len, e) in [(unmapped, 4096, Error::BadAddress), (va + 1, 4096, Error::BadAlignment), (va, 0, Error::BadAlignment)] {
        let r = call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::LendMut as usize, 0, addr, len, 0, 0]);
        assert_eq!(head(r), err(e));
        assert_eq!(state(&mut w.k, w.server), ThreadState::Receiving(0));
    }
    let r = call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Lend as usize, 0, va, 4096, 0, 0]);
    assert!(matches!(state(&mut w.k, w.client), ThreadState::AwaitingReply(_)), "{r:?}");
    // Another thread of the client may not lend the page again.
    receive(&mut w);
    let t2 = ThreadRef { pid: w.client.pid, tid: w.k.spawn_thread(w.client.pid, 0x1_0000, 0x7ffe_f000, [0; 4]).unwrap() };
    let r = call(&mut w.k, t2, &[Syscall::SendMessage as usize, w.cid, InvokeType::Lend as usize, 0, va, 4096, 0, 0]);
    assert_eq!(head(r), err(Error::ShareViolation));
}

#[test]
fn a_read_only_page_lent_comes_back_read_only() {
    let mut w = world();
    let va = call(&mut w.k, w.client, &[Syscall::MapMemory as usize, 0, 0, 4096, flags::R])[1];
    w.k.fault(w.client, Fault::LoadPage, 0, va);
    let before = w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va);
    assert!(pte::is_leaf(before) && before & pte::W == 0);
    // Twice: the second time the server's message table exists (the fast path).
    for _ in 0..2 {
        receive(&mut w);
        call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Lend as usize, 1, va, 4096, 0, 0]);
        let (word, at) = (w.k.reg(w.server, reg::A0 + 1), w.k.reg(w.server, reg::A0 + 4));
        let r = call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, word, at, 4096, 0, 0]);
        assert_eq!(head(r), [0, 0]);
        assert_eq!(w.k.procs.get(w.client.pid).unwrap().space.entry(&mut w.k.hw, va), before, "no W it did not have");
    }
    let lend_mut = call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::LendMut as usize, 1, va, 4096, 0, 0]);
    assert_eq!(head(lend_mut), err(Error::BadAddress), "not writable, so not lent mutably");
}

#[test]
fn heap_pages_lent_out_cannot_be_given_back() {
    let mut w = world();
    let r = call(&mut w.k, w.client, &[Syscall::IncreaseHeap as usize, 4096, flags::R | flags::W]);
    assert_eq!(r[0], SyscallResult::MemoryRange as usize);
    let va = r[1]; // backed already: heap is backed at IncreaseHeap
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::LendMut as usize, 1, va, 4096, 0, 0]);
    let t2 = ThreadRef { pid: w.client.pid, tid: w.k.spawn_thread(w.client.pid, 0x1_0000, 0x7ffe_f000, [0; 4]).unwrap() };
    let r = call(&mut w.k, t2, &[Syscall::DecreaseHeap as usize, 4096]);
    assert_eq!(head(r), err(Error::ShareViolation));
    let env = receive(&mut w);
    call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], env[4], 4096, 0, 0]);
    let r = call(&mut w.k, t2, &[Syscall::DecreaseHeap as usize, 4096]);
    assert_eq!(r[0], SyscallResult::MemoryRange as usize, "once it is back");
}

crate::also_on_the_general_path!(
    scalar_messages_do_not_block_and_arrive_in_order,
    blocking_scalar_round_trip,
    a_waiting_receiver_gets_the_message_at_once,
    lend_is_read_only_for_everyone_until_returned,
    lend_mut_is_unreachable_to_the_sender_and_returns_offset_and_valid,
    touching_a_page_lent_mutably_ends_the_sender,
    moved_pages_leave_the_sender_for_good,
    bad_buffers_and_connections_are_errors,
    a_full_queue_refuses_try_send_and_makes_send_wait,
    connect_waits_for_the_server_to_appear,
    a_dying_server_wakes_its_clients_with_an_error,
    a_dying_client_leaves_its_lent_frames_with_the_server_until_returned,
    reply_and_receive_next_answers_then_takes_the_next_message,
    reply_and_receive_next_returns_memory,
    a_round_trip_with_a_waiting_server_hands_the_processor_over_and_back,
    destroying_a_server_wakes_its_waiting_receivers,
    lends_to_a_waiting_server_are_mapped_marked_and_given_back,
    a_read_only_page_lent_comes_back_read_only,
);

#[test]
fn a_lend_of_more_pages_than_a_chunk_maps_every_frame_in_order() {
    let mut w = world();
    let pages = 20;
    let va = buffer(&mut w, pages, 3);
    let frame = |k: &mut Kernel<FakePlatform>, pid: u8, at: usize| {
        let space = k.procs.get(pid).unwrap().space;
        crate::mem::pte::address(space.entry(&mut k.hw, at))
    };
    let frames: Vec<usize> = (0..pages).map(|p| frame(&mut w.k, w.client.pid, va + p * 4096)).collect();
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::LendMut as usize, 1, va, pages * 4096, 0, 0]);
    let env = receive(&mut w);
    let at = env[4];
    let seen: Vec<usize> = (0..pages).map(|p| frame(&mut w.k, w.server.pid, at + p * 4096)).collect();
    assert_eq!(seen, frames);
    let ret = call(&mut w.k, w.server, &[Syscall::ReturnMemory as usize, env[1], at, pages * 4096, 0, 0]);
    assert_eq!(head(ret), [0, 0]);
    assert!((0..pages).all(|p| frame(&mut w.k, w.server.pid, at + p * 4096) == 0), "gone from the server");
    assert_eq!((0..pages).map(|p| frame(&mut w.k, w.client.pid, va + p * 4096)).collect::<Vec<_>>(), frames);
}

/// The system ends (its main process, the client, ends) while a server
/// drained before power-off still has messages queued: only the server's
/// process runs, until it has received them all; then power-off. Without
/// DRAIN_AT_POWER_OFF the machine powers off at once, messages unread.
#[test]
fn power_off_waits_for_servers_to_drain() {
    use crate::sched::PowerOff;
    use xous_abi::platform::DRAIN_AT_POWER_OFF;
    for drain in [true, false] {
        let mut w = world();
        let bystander = start(&mut w.k, "bystander");
        w.k.procs.get_mut(w.client.pid).unwrap().main = true;
        let ask = [Syscall::PlatformSpecific as usize, DRAIN_AT_POWER_OFF, SID[0], SID[1], SID[2], SID[3]];
        assert_eq!(head(call(&mut w.k, w.client, &ask)), err(Error::AccessDenied), "only the owner asks");
        if drain {
            assert_eq!(call(&mut w.k, w.server, &ask)[0], SyscallResult::Ok as usize);
        }
        for id in 10..13 {
            call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Scalar as usize, id]);
        }
        w.k.terminate(w.client.pid, 101);
        assert_eq!(w.k.halted, Some(101));
        let mut received = Vec::new();
        loop {
            match w.k.power_off_step() {
                PowerOff::Run(t) => {
                    assert_eq!(t, w.server, "only the draining server's process runs");
                    let r = receive(&mut w);
                    if r[0] == SyscallResult::MessageEnvelope as usize {
                        received.push(r[3]);
                    }
                }
                PowerOff::Now => break,
                PowerOff::Wait => panic!("the server's thread is ready: nothing to wait for"),
            }
        }
        assert_eq!(received, if drain { vec![10, 11, 12] } else { vec![] });
        assert!(!w.k.queue.contains(bystander) && w.k.current != Some(bystander), "the bystander never runs again");
    }
}

/// A draining server with messages but no ready thread: the kernel waits
/// (for an interrupt, or its deadline) instead of powering off.
#[test]
fn power_off_waits_while_a_draining_server_is_blocked() {
    use crate::sched::PowerOff;
    let mut w = world();
    w.k.procs.get_mut(w.client.pid).unwrap().main = true;
    let ask = [Syscall::PlatformSpecific as usize, xous_abi::platform::DRAIN_AT_POWER_OFF, SID[0], SID[1], SID[2], SID[3]];
    call(&mut w.k, w.server, &ask);
    call(&mut w.k, w.client, &[Syscall::SendMessage as usize, w.cid, InvokeType::Scalar as usize, 1]);
    w.k.set_state(w.server, ThreadState::Joining(9), crate::sched::Move::Off);
    w.k.terminate(w.client.pid, 0);
    assert_eq!(w.k.power_off_step(), PowerOff::Wait);
}
