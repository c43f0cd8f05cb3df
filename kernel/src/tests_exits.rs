//! Host tests of exit notices: a server asks for them with
//! PlatformSpecific(WATCH_EXITS), and hears of every process that ends,
//! whatever the state of its queue.

use crate::ipc::QUEUE_DEPTH;
use crate::fault::Fault;
use crate::kernel::Kernel;
use crate::thread::reg;
use xous_abi::platform::FAULT_EXIT_CODE;
use crate::thread::ThreadState;
use crate::sched::ThreadRef;
use crate::tests::{call, err, head, kernel_with, start, state, FakePlatform};
use xous_abi::memory::RETURN_FROM_THREAD;
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::platform::{Ending, KERNEL_PID, WATCH_EXITS};
use xous_abi::{Error, Syscall, SyscallResult};

const SID: [usize; 4] = [0x7469_7865, 1, 2, 3];
/// The id the watcher asks its notices to carry.
const NOTICE: usize = 0x4e;

/// Thread `t` calls TerminateProcess(code) (no registers to read back after).
fn exit(k: &mut Kernel<FakePlatform>, t: ThreadRef, code: usize) {
    k.set_reg(t, reg::A0, Syscall::TerminateProcess as usize);
    k.set_reg(t, reg::A0 + 1, code);
    crate::tests::trap(k, t);
}

fn watch(k: &mut Kernel<FakePlatform>, t: ThreadRef, sid: [usize; 4], id: usize) -> [usize; 8] {
    call(k, t, &[Syscall::PlatformSpecific as usize, WATCH_EXITS, sid[0], sid[1], sid[2], sid[3], id])
}

/// A server process watching for exits at SID, and a client connected to
/// it; returns (kernel, server thread, client thread, client's cid).
fn watching() -> (Box<Kernel<FakePlatform>>, ThreadRef, ThreadRef, usize) {
    let mut k = kernel_with(512);
    let server = start(&mut k, "watcher");
    let client = start(&mut k, "client");
    call(&mut k, server, &[Syscall::CreateServerWithAddress as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(head(watch(&mut k, server, SID, NOTICE)), [0, 0]);
    let r = call(&mut k, client, &[Syscall::Connect as usize, SID[0], SID[1], SID[2], SID[3]]);
    (k, server, client, r[1])
}

fn receive(k: &mut Kernel<FakePlatform>, t: ThreadRef, wait: bool) -> [usize; 8] {
    let call_number = if wait { Syscall::ReceiveMessage } else { Syscall::TryReceiveMessage };
    call(k, t, &[call_number as usize, SID[0], SID[1], SID[2], SID[3]])
}

/// The envelope of a notice that process `pid` ended.
fn notice(pid: u8, code: usize, ending: Ending) -> [usize; 8] {
    let sender = MessageSender::new(KERNEL_PID, 0, 0).0;
    let scalar = InvokeType::Scalar.envelope_kind();
    [SyscallResult::MessageEnvelope as usize, sender, scalar, NOTICE, pid as usize, code, ending as usize, 0]
}

fn registers(k: &mut Kernel<FakePlatform>, t: ThreadRef) -> [usize; 8] {
    core::array::from_fn(|i| k.reg(t, reg::A0 + i))
}

#[test]
fn watching_checks_its_arguments() {
    let mut k = kernel_with(512);
    let owner = start(&mut k, "owner");
    let other = start(&mut k, "other");
    call(&mut k, owner, &[Syscall::CreateServerWithAddress as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(head(watch(&mut k, other, SID, 1)), err(Error::AccessDenied), "another process's server");
    assert_eq!(head(watch(&mut k, owner, [9, 9, 9, 9], 1)), err(Error::ServerNotFound));
    let r = call(&mut k, owner, &[Syscall::PlatformSpecific as usize, 99, SID[0], SID[1], SID[2], SID[3], 1]);
    assert_eq!(head(r), err(Error::InvalidArgument), "unknown meta-opcode");
    assert_eq!(head(watch(&mut k, owner, SID, 1)), [0, 0]);
    assert_eq!(head(watch(&mut k, owner, SID, 2)), [0, 0], "again: another id, the same place");
    // (A process watches with two servers at most: other processes fill the table.)
    for i in 1..crate::exits::MAX_WATCHERS {
        let watcher = start(&mut k, "watcher");
        let sid = [i, 0, 0, 0x77];
        call(&mut k, watcher, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
        assert_eq!(head(watch(&mut k, watcher, sid, 1)), [0, 0]);
    }
    let last = [99, 0, 0, 0x77];
    call(&mut k, owner, &[Syscall::CreateServerWithAddress as usize, last[0], last[1], last[2], last[3]]);
    assert_eq!(head(watch(&mut k, owner, last, 1)), err(Error::OutOfMemory), "the table is full");
    call(&mut k, owner, &[Syscall::DestroyServer as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(head(watch(&mut k, owner, last, 1)), [0, 0], "a destroyed server's place is free again");
}

#[test]
fn a_waiting_watcher_hears_at_once_how_a_process_ended() {
    let (mut k, server, client, _) = watching();
    receive(&mut k, server, true);
    assert_eq!(state(&mut k, server), ThreadState::Receiving(0));
    exit(&mut k, client, 5);
    assert_eq!(state(&mut k, server), ThreadState::Ready, "woken by the notice");
    assert_eq!(registers(&mut k, server), notice(client.pid, 5, Ending::Exited));
    let reply = call(&mut k, server, &[Syscall::ReturnScalar1 as usize, notice(0, 0, Ending::Exited)[1], 0]);
    assert_eq!(head(reply), err(Error::InvalidArgument), "nothing waits for a reply to a notice");
    assert_eq!(receive(&mut k, server, false)[0], SyscallResult::None as usize, "told once");
}

#[test]
fn faults_and_a_last_thread_returning_are_ends_too() {
    let (mut k, server, client, _) = watching();
    let other = start(&mut k, "other");
    k.fault(client, Fault::StorePage, 0x1_0000, 0);
    k.fault(other, Fault::InstructionPage, RETURN_FROM_THREAD, RETURN_FROM_THREAD);
    assert!(k.procs.get(client.pid).is_none() && k.procs.get(other.pid).is_none());
    // Nothing queued, notices waiting: a receive takes them, it does not wait.
    assert_eq!(receive(&mut k, server, true), notice(client.pid, FAULT_EXIT_CODE as usize, Ending::Faulted));
    assert_eq!(receive(&mut k, server, true), notice(other.pid, 0, Ending::Exited));
    receive(&mut k, server, true);
    assert_eq!(state(&mut k, server), ThreadState::Receiving(0), "and then it waits");
}

#[test]
fn a_full_queue_loses_no_notice_and_notices_come_first() {
    let (mut k, server, client, cid) = watching();
    let doomed = start(&mut k, "doomed");
    let mut sent = 0;
    while head(call(&mut k, client, &[Syscall::TrySendMessage as usize, cid, InvokeType::Scalar as usize, 1000 + sent])) == [0, 0] {
        sent += 1;
    }
    // One sender fills all but the queue's reserve: others fill that.
    for _ in 0..crate::ipc::QUEUE_RESERVE / crate::ipc::QUEUE_SHARE {
        let other = start(&mut k, "other");
        let r = call(&mut k, other, &[Syscall::Connect as usize, SID[0], SID[1], SID[2], SID[3]]);
        for _ in 0..crate::ipc::QUEUE_SHARE {
            let r = call(&mut k, other, &[Syscall::TrySendMessage as usize, r[1], InvokeType::Scalar as usize, 1000 + sent]);
            assert_eq!(head(r), [0, 0]);
            sent += 1;
        }
    }
    assert_eq!(sent, QUEUE_DEPTH, "the queue is full");
    exit(&mut k, doomed, 9);
    assert_eq!(receive(&mut k, server, true), notice(doomed.pid, 9, Ending::Exited), "ahead of the queue");
    for id in 1000..1000 + sent {
        assert_eq!(receive(&mut k, server, true)[3], id, "then every message, in order");
    }
}

#[test]
fn the_notice_of_a_pid_comes_before_messages_of_its_next_process() {
    let (mut k, server, client, _) = watching();
    let pid = client.pid;
    exit(&mut k, client, 0);
    let successor = start(&mut k, "successor");
    assert_eq!(successor.pid, pid, "the PID is used again");
    let cid = call(&mut k, successor, &[Syscall::Connect as usize, SID[0], SID[1], SID[2], SID[3]])[1];
    call(&mut k, successor, &[Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, 7, 0, 0, 0, 0]);
    assert_eq!(receive(&mut k, server, true), notice(pid, 0, Ending::Exited));
    let message = receive(&mut k, server, true);
    assert_eq!((MessageSender(message[1]).pid(), message[3]), (pid, 7));
}

#[test]
fn a_dead_clients_held_request_is_answered_into_nowhere_and_its_slot_freed() {
    let (mut k, server, client, cid) = watching();
    call(&mut k, client, &[Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, 7, 0, 0, 0, 0]);
    let held = receive(&mut k, server, true);
    let slot = MessageSender(held[1]).slot() as usize;
    exit(&mut k, client, 0);
    assert!(k.ipc.messages[slot].get().is_some_and(|m| m.orphaned), "kept: the server holds its reply word");
    assert_eq!(receive(&mut k, server, true), notice(client.pid, 0, Ending::Exited));
    assert_eq!(head(call(&mut k, server, &[Syscall::ReturnScalar1 as usize, held[1], 0])), [0, 0]);
    assert!(k.ipc.messages[slot].is_empty(), "the answer freed the slot");
}

#[test]
fn a_watcher_that_ends_stops_watching() {
    let (mut k, server, client, _) = watching();
    let other = start(&mut k, "other");
    let index = k.ipc.find_server(&SID.map(|w| w as u32)).unwrap();
    exit(&mut k, server, 0);
    exit(&mut k, client, 0);
    assert!(!k.exits.has_notice(index));
    // Another process's server at the same place hears nothing it did not ask for.
    call(&mut k, other, &[Syscall::CreateServerWithAddress as usize, SID[0], SID[1], SID[2], SID[3]]);
    assert_eq!(k.ipc.find_server(&SID.map(|w| w as u32)), Some(index));
    let late = start(&mut k, "late");
    exit(&mut k, late, 0);
    assert_eq!(receive(&mut k, other, false)[0], SyscallResult::None as usize);
}

crate::also_on_the_general_path!(
    a_waiting_watcher_hears_at_once_how_a_process_ended,
    faults_and_a_last_thread_returning_are_ends_too,
    a_full_queue_loses_no_notice_and_notices_come_first,
    the_notice_of_a_pid_comes_before_messages_of_its_next_process,
    a_dead_clients_held_request_is_answered_into_nowhere_and_its_slot_freed,
);
