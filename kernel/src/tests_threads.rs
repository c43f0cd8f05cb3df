//! Host tests of a process's thread slots beyond the first 32 (threads.rs):
//! 255 threads, each with its own registers, state, join and detach;
//! receiving and sending messages from high ids on both paths; frames taken
//! only when needed and given back; running out of memory or of the
//! system's pages for them is an error for the caller, and the kernel and
//! the other processes go on.

use crate::fault::Fault;
use crate::kernel::Kernel;
use crate::sched::ThreadRef;
use crate::tests::{call, err, head, kernel_with, start, FakePlatform};
use crate::thread::{reg, ThreadState};
use crate::threads::MORE_BLOCKS;
use xous_abi::limits::MAX_THREADS;
use xous_abi::memory::{flags, RETURN_FROM_THREAD};
use xous_abi::message::InvokeType;
use xous_abi::{platform, Error, Syscall, SyscallResult};

/// CreateThread by `t` on a shared stack (these threads never touch it):
/// the new thread, or the error.
fn create(k: &mut Kernel<FakePlatform>, t: ThreadRef, stack: usize, arg: usize) -> Result<ThreadRef, Error> {
    let r = call(k, t, &[Syscall::CreateThread as usize, 0x1_0100, stack, 0x1000, arg]);
    if r[0] == SyscallResult::ThreadId as usize {
        Ok(ThreadRef { pid: t.pid, tid: r[1] as u8 })
    } else {
        assert_eq!(r[0], SyscallResult::Error as usize);
        Err(Error::from_usize(r[1]))
    }
}

fn stack(k: &mut Kernel<FakePlatform>, t: ThreadRef) -> usize {
    call(k, t, &[Syscall::MapMemory as usize, 0, 0, 0x1000, flags::R | flags::W])[1]
}

/// TerminateProcess by `t` (whose registers are gone after it).
fn terminate(k: &mut Kernel<FakePlatform>, t: ThreadRef) {
    k.set_reg(t, reg::A0, Syscall::TerminateProcess as usize);
    k.set_reg(t, reg::A0 + 1, 0);
    crate::tests::trap(k, t);
    assert!(k.procs.get(t.pid).is_none());
}

fn exit(k: &mut Kernel<FakePlatform>, t: ThreadRef, value: usize) {
    k.set_reg(t, reg::A0, value);
    k.fault(t, Fault::InstructionPage, RETURN_FROM_THREAD, RETURN_FROM_THREAD);
}

#[test]
fn a_process_runs_255_threads_each_with_its_own_registers() {
    let mut k = kernel_with(256);
    let t = start(&mut k, "many");
    let stack = stack(&mut k, t);
    let free = k.frames.free_count();
    let mut threads = Vec::new();
    for i in 0..MAX_THREADS - 1 {
        threads.push(create(&mut k, t, stack, i).unwrap());
        if threads.len() == 30 {
            assert_eq!(k.frames.free_count(), free, "31 threads need no frame");
        }
    }
    // Pages of saved registers for ids 32..=255, and one of records.
    assert_eq!(free - k.frames.free_count(), 7 + 1);
    let ids: Vec<usize> = threads.iter().map(|c| c.tid as usize).collect();
    assert_eq!(ids, (2..=MAX_THREADS).collect::<Vec<_>>(), "every id once");
    assert_eq!(create(&mut k, t, stack, 0), Err(Error::ThreadNotAvailable), "the 256th");
    for (i, c) in threads.iter().enumerate() {
        assert_eq!((k.reg(*c, reg::A0), k.reg(*c, reg::PC)), (i, 0x1_0100), "{c:?} starts with its own argument");
        assert_eq!(k.thread_state(*c), ThreadState::Ready);
        assert_eq!(k.reg(*c, reg::SP), stack + 0x1000);
    }
    assert_eq!(k.live_threads(t.pid), MAX_THREADS);
    // The last thread exits; its join from the first gets its value.
    let last = *threads.last().unwrap();
    exit(&mut k, last, 255);
    assert_eq!(k.thread_state(last), ThreadState::Exited(255));
    assert_eq!(call(&mut k, t, &[Syscall::JoinThread as usize, 255])[..2], [SyscallResult::Scalar1 as usize, 255]);
    // Joining a running high id waits, and wakes with its value.
    let high = threads[200];
    call(&mut k, t, &[Syscall::JoinThread as usize, high.tid as usize]);
    assert_eq!(k.thread_state(t), ThreadState::Joining(high.tid));
    exit(&mut k, high, 7);
    assert_eq!((k.thread_state(t), k.reg(t, reg::A0 + 1)), (ThreadState::Ready, 7));
    assert_eq!(k.thread_state(high), ThreadState::Free);
    // Its slot is the one the next thread gets.
    assert_eq!(create(&mut k, t, stack, 1).unwrap(), high);
    // The process ends: every frame comes back.
    terminate(&mut k, t);
    assert_eq!((k.frames.in_use(), k.more_blocks), (0, 0));
}

#[test]
fn high_ids_detach_and_find_no_thread_past_the_last() {
    let mut k = kernel_with(256);
    let t = start(&mut k, "detach");
    let stack = stack(&mut k, t);
    let threads: Vec<ThreadRef> = (0..40).map(|i| create(&mut k, t, stack, i).unwrap()).collect();
    let high = threads[35];
    assert_eq!(high.tid, 37);
    let detach = |k: &mut Kernel<FakePlatform>, tid: usize| head(call(k, t, &[Syscall::PlatformSpecific as usize, platform::DETACH_THREAD, tid]));
    assert_eq!(detach(&mut k, high.tid as usize), [SyscallResult::Ok as usize, 0]);
    exit(&mut k, high, 1);
    assert_eq!(k.thread_state(high), ThreadState::Free, "detached: freed at once");
    assert_eq!(detach(&mut k, 100), err(Error::ThreadNotAvailable), "an id with no page yet");
    assert_eq!(detach(&mut k, 256), err(Error::InvalidThread));
    assert_eq!(head(call(&mut k, t, &[Syscall::JoinThread as usize, 100])), err(Error::ThreadNotAvailable));
    assert_eq!(head(call(&mut k, t, &[Syscall::JoinThread as usize, 1000])), err(Error::ThreadNotAvailable));
}

#[test]
fn a_process_that_never_detaches_reuses_unjoined_slots_only_when_all_are_taken() {
    let mut k = kernel_with(256);
    let t = start(&mut k, "upstream");
    let stack = stack(&mut k, t);
    let threads: Vec<ThreadRef> = (0..MAX_THREADS - 1).map(|i| create(&mut k, t, stack, i).unwrap()).collect();
    exit(&mut k, threads[5], 0);
    exit(&mut k, threads[100], 0);
    assert_eq!(create(&mut k, t, stack, 0).unwrap(), threads[5], "the lowest unjoined slot, once none is free");
    // A thread that is free wins over an unjoined one.
    exit(&mut k, threads[50], 0);
    assert_eq!(call(&mut k, t, &[Syscall::JoinThread as usize, threads[50].tid as usize])[0], SyscallResult::Scalar1 as usize);
    assert_eq!(create(&mut k, t, stack, 0).unwrap(), threads[50]);
}

#[test]
fn high_ids_receive_and_send_messages_on_both_paths() {
    for slow in [false, true] {
        let mut k = kernel_with(256);
        k.slow_path_only = slow;
        let server = start(&mut k, "server");
        let client = start(&mut k, "client");
        let sid = [0x7473_6574, 9, 9, 9];
        let r = call(&mut k, server, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
        assert_eq!(r[0], SyscallResult::NewServerId as usize);
        // A receiver and a sender with ids past 32.
        let (s_stack, c_stack) = (stack(&mut k, server), stack(&mut k, client));
        let receiver = (0..40).map(|i| create(&mut k, server, s_stack, i).unwrap()).last().unwrap();
        let sender = (0..50).map(|i| create(&mut k, client, c_stack, i).unwrap()).last().unwrap();
        assert_eq!((receiver.tid, sender.tid), (41, 51));
        let cid = call(&mut k, sender, &[Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3]])[1];
        call(&mut k, receiver, &[Syscall::ReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
        assert_eq!(k.thread_state(receiver), ThreadState::Receiving(0), "slow path {slow}");
        let r = call(&mut k, sender, &[Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, 3, 10, 20, 30, 40]);
        assert!(matches!(k.thread_state(sender), ThreadState::AwaitingReply(_)), "{r:?}");
        assert_eq!(k.thread_state(receiver), ThreadState::Ready);
        let envelope: [usize; 8] = core::array::from_fn(|i| k.reg(receiver, reg::A0 + i));
        assert_eq!(envelope[0], SyscallResult::MessageEnvelope as usize);
        assert_eq!(envelope[3..8], [3, 10, 20, 30, 40]);
        assert_eq!(head(call(&mut k, receiver, &[Syscall::ReturnScalar1 as usize, envelope[1], 99])), [SyscallResult::Ok as usize, 0]);
        assert_eq!((k.thread_state(sender), k.reg(sender, reg::A0 + 1)), (ThreadState::Ready, 99));
        // A closing server wakes a high-id receiver with an error.
        call(&mut k, receiver, &[Syscall::ReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
        call(&mut k, server, &[Syscall::DestroyServer as usize, sid[0], sid[1], sid[2], sid[3]]);
        assert_eq!((k.thread_state(receiver), k.reg(receiver, reg::A0 + 1)), (ThreadState::Ready, Error::ServerNotFound as usize));
    }
}

#[test]
fn running_out_of_memory_for_a_thread_is_an_error_and_the_rest_goes_on() {
    // Few frames: not enough for the pages of every id.
    let mut k = kernel_with(12);
    let t = start(&mut k, "greedy");
    let other = start(&mut k, "other");
    let stack = stack(&mut k, t);
    let mut made = 0;
    let error = loop {
        match create(&mut k, t, stack, 0) {
            Ok(_) => made += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(error, Error::OutOfMemory, "after {made} threads");
    assert!((30..MAX_THREADS - 1).contains(&made) && made % 32 == 30, "{made}: every page filled, then no frame for another");
    assert_eq!(create(&mut k, t, stack, 0), Err(Error::OutOfMemory), "asked again: the same answer");
    // The other process works; the greedy one too, and its end frees all.
    assert_eq!(call(&mut k, other, &[Syscall::GetThreadId as usize])[..2], [SyscallResult::ThreadId as usize, 1]);
    assert_eq!(call(&mut k, t, &[Syscall::GetProcessId as usize])[0], SyscallResult::ProcessId as usize);
    terminate(&mut k, t);
    assert!(k.procs.get(other.pid).is_some());
    assert_eq!(k.more_blocks, 0);
    assert!(create(&mut k, other, 0x6000_0000, 0).is_ok(), "room again");
}

#[test]
fn the_system_has_room_for_a_bounded_number_of_pages_of_more_threads() {
    let mut k = kernel_with(1024);
    let mut procs = Vec::new();
    let mut total = 0;
    // Straight to the kernel's spawn (CreateThread's), without checking
    // the run queue after each of thousands of syscalls.
    let error = 'fill: loop {
        let t = start(&mut k, "crowd");
        procs.push(t);
        for _ in 0..MAX_THREADS - 1 {
            match k.spawn_thread(t.pid, 0x1_0100, 0x6000_1000, [0; 4]) {
                Ok(_) => total += 1,
                Err(e) => break 'fill e,
            }
        }
    };
    assert_eq!(error, Error::ThreadNotAvailable);
    assert_eq!(k.more_blocks, MORE_BLOCKS);
    assert_eq!(total, procs.len() * 30 + MORE_BLOCKS * 32, "every process's first 31, and the pages the system allows");
    // One process ends: its pages can be had again.
    terminate(&mut k, procs[0]);
    let last = *procs.last().unwrap();
    assert!(k.spawn_thread(last.pid, 0x1_0100, 0x6000_1000, [0; 4]).is_ok());
}

#[test]
fn map_memory_goes_above_the_main_stack_once_the_default_area_is_full() {
    // A page table per two stacks: a low pool big enough for them.
    let mut k = crate::tests::kernel_with_pools(200, 64);
    let t = start(&mut k, "stacks");
    let map = |k: &mut Kernel<FakePlatform>, size: usize| call(k, t, &[Syscall::MapMemory as usize, 0, 0, size, flags::R | flags::W]);
    // 255 stacks of 2 MiB and two guard pages, as std maps them.
    let stack = 2 * 1024 * 1024 + 0x2000;
    let places: Vec<usize> = (0..255).map(|_| map(&mut k, stack)).inspect(|r| assert_eq!(r[0], SyscallResult::MemoryRange as usize)).map(|r| r[1]).collect();
    let (low, high): (Vec<usize>, Vec<usize>) = places.iter().partition(|va| **va < 0x7f00_0000);
    assert!(low.len() > 200 && !high.is_empty(), "{} below, {} above", low.len(), high.len());
    assert!(high.iter().all(|va| *va >= xous_abi::memory::USER_STACK_TOP), "never in the main stack's region");
    // A process that chose its own area keeps to it.
    assert_eq!(head(call(&mut k, t, &[Syscall::SetMemRegion as usize, t.pid as usize, 1, 0x1000_0000, 0x1000])), [SyscallResult::Ok as usize, 0]);
    assert_eq!(head(map(&mut k, 0x2000)), err(Error::OutOfMemory));
}

#[test]
fn every_thread_of_a_process_may_wait_for_an_answer_at_once() {
    // As 200 threads at a Barrier do: each sends the ticktimer a blocking
    // message, which it receives and holds.
    let mut k = kernel_with(256);
    let server = start(&mut k, "holder");
    let client = start(&mut k, "crowd");
    let sid = [0x686f_6c64, 1, 2, 3];
    call(&mut k, server, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
    let cid = call(&mut k, client, &[Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3]])[1];
    let stack = stack(&mut k, client);
    let mut senders = vec![client];
    senders.extend((0..MAX_THREADS - 1).map(|i| create(&mut k, client, stack, i).unwrap()));
    let mut held = Vec::new();
    for (i, s) in senders.iter().enumerate() {
        call(&mut k, *s, &[Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, 1, i, 0, 0, 0]);
        assert!(matches!(k.thread_state(*s), ThreadState::AwaitingReply(_)), "sender {i}");
        let env = call(&mut k, server, &[Syscall::ReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
        assert_eq!((env[0], env[4]), (SyscallResult::MessageEnvelope as usize, i), "message {i} received");
        held.push(env[1]);
    }
    assert_eq!(held.len(), MAX_THREADS, "all 255 wait at once");
    for (i, word) in held.iter().enumerate() {
        assert_eq!(head(call(&mut k, server, &[Syscall::ReturnScalar1 as usize, *word, i])), [SyscallResult::Ok as usize, 0]);
        assert_eq!(k.reg(senders[i], reg::A0 + 1), i);
    }
}
