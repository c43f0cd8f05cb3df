//! Host tests of CreateProcess and SetMemRegion through the syscall
//! interface: a parent hands prepared pages to a child, which starts with
//! the registers the README promises; every bad request is an error that
//! leaves the parent as it was.

use crate::kernel::Kernel;
use crate::thread::reg;
use crate::mem::pte;
use crate::sched::ThreadRef;
use crate::tests::{call, err, head, kernel_with, start, FakePlatform};
use xous_abi::memory::{flags, RETURN_FROM_THREAD, USER_HEAP_BASE};
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::platform::{self, Ending, KERNEL_PID, KILLED_EXIT_CODE, KILL_CHILD, WATCH_EXITS};
use xous_abi::process::{MemoryRegion, StartRecord};
use xous_abi::{Error, Syscall, SyscallResult};

/// Where the parent prepares the child's pages, and where they go.
const PAGES: usize = 0x6000_0000;
const DEST: usize = 0x1_0000;
const STACK: usize = 0x7ffe_0000;
const STACK_LEN: usize = 0x2_0000;
const RECORD: usize = 0x6100_0000;

/// A parent whose two pages at PAGES hold "text" (the first backed and
/// written, the second reserved only) and whose page at RECORD holds a
/// start record.
fn parent() -> (Box<Kernel<FakePlatform>>, ThreadRef) {
    let mut k = kernel_with(512);
    let t = start(&mut k, "parent");
    let r = call(&mut k, t, &[Syscall::MapMemory as usize, 0, PAGES, 0x2000, flags::R | flags::W | flags::X]);
    assert_eq!(r[0], SyscallResult::MemoryRange as usize);
    k.map_fresh(t.pid, PAGES, pte::R | pte::X).unwrap();
    k.write_user(t.pid, PAGES, b"child text").unwrap();
    k.map_fresh(t.pid, RECORD, pte::R | pte::W).unwrap();
    let record = StartRecord { eh_frame: 0x1_0800, params: 0x1_0c00 };
    k.write_user(t.pid, RECORD, &record.to_bytes()).unwrap();
    (k, t)
}

fn create(k: &mut Kernel<FakePlatform>, t: ThreadRef, words: [usize; 7]) -> [usize; 8] {
    let mut args = vec![Syscall::CreateProcess as usize];
    args.extend_from_slice(&words);
    call(k, t, &args)
}

/// The usual request: two pages to DEST, entry at DEST + 0x10.
fn request() -> [usize; 7] {
    [STACK, STACK_LEN, PAGES, 0x2000, DEST, DEST + 0x10, RECORD]
}

fn entry_of(k: &mut Kernel<FakePlatform>, pid: u8, va: usize) -> u32 {
    let space = k.procs.get(pid).unwrap().space;
    space.entry(&mut k.hw, va)
}

#[test]
fn the_pages_move_and_the_child_starts_as_promised() {
    let (mut k, t) = parent();
    let frame = pte::address(entry_of(&mut k, t.pid, PAGES));
    let r = create(&mut k, t, request());
    assert_eq!(r[0], SyscallResult::NewProcess as usize, "{r:x?}");
    let child = r[1] as u8;
    assert_eq!(child, t.pid + 1);
    // The parent's pages are gone; the child has the same frame, its own now.
    assert_eq!((entry_of(&mut k, t.pid, PAGES), entry_of(&mut k, t.pid, PAGES + 0x1000)), (0, 0));
    let moved = entry_of(&mut k, child, DEST);
    assert_eq!(pte::address(moved), frame);
    assert!(pte::is_leaf(moved) && moved & pte::X != 0);
    assert_eq!(k.frames.owner(frame), Some(child));
    assert!(pte::is_lazy(entry_of(&mut k, child, DEST + 0x1000)), "a reserved page moves as reserved");
    let mut text = [0; 10];
    k.read_user(child, DEST, &mut text).unwrap();
    assert_eq!(&text, b"child text");
    assert!(pte::is_lazy(entry_of(&mut k, child, STACK)), "the stack is reserved");
    // The child's first thread.
    let c = ThreadRef { pid: child, tid: 1 };
    assert_eq!(k.reg(c, reg::PC), DEST + 0x10);
    assert_eq!(k.reg(c, reg::SP), STACK + STACK_LEN);
    assert_eq!((k.reg(c, reg::RA), k.reg(c, reg::TP)), (RETURN_FROM_THREAD, 0));
    assert_eq!((k.reg(c, reg::A0), k.reg(c, reg::A0 + 1)), (0x1_0800, 0x1_0c00));
    let sid: [usize; 4] = core::array::from_fn(|i| k.reg(c, reg::A0 + 2 + i));
    // The child's server is the one the parent's connection leads to.
    let server = k.ipc.find_server(&sid.map(|w| w as u32)).expect("the child's server");
    assert_eq!(k.ipc.server(server).unwrap().owner(), child);
    assert_eq!(k.procs.get(t.pid).unwrap().server_of(r[2]), Some(server));
    assert_eq!(k.procs.get(child).unwrap().parent, t.pid);
    // The child runs, and a message from the parent reaches it.
    let r = call(&mut k, t, &[Syscall::TrySendMessage as usize, r[2], 4, 7, 1, 2, 3, 4]);
    assert_eq!(r[0], SyscallResult::Ok as usize);
    let r = call(&mut k, c, &[Syscall::TryReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
    assert_eq!((r[0], r[3], r[4]), (SyscallResult::MessageEnvelope as usize, 7, 1));
}

#[test]
fn without_a_start_record_a0_and_a1_are_zero() {
    let (mut k, t) = parent();
    let mut words = request();
    words[6] = 0;
    let r = create(&mut k, t, words);
    let c = ThreadRef { pid: r[1] as u8, tid: 1 };
    assert_eq!((k.reg(c, reg::A0), k.reg(c, reg::A0 + 1)), (0, 0));
}

#[test]
fn bad_requests_are_errors_and_change_nothing() {
    let (mut k, t) = parent();
    let free = k.frames.free_count();
    let cases: [(usize, usize, Error); 14] = [
        (0, STACK + 1, Error::BadAlignment),
        (1, 0, Error::BadAlignment),
        (0, 0xff00_0000, Error::BadAddress),
        (3, 0x1800, Error::BadAlignment),
        (2, 0, Error::BadAddress),
        (4, 0xfeff_f000, Error::BadAddress),
        (4, DEST + 4, Error::BadAlignment),
        (5, DEST + 0x2000, Error::BadAddress),
        (5, DEST - 2, Error::BadAddress),
        (5, DEST + 1, Error::BadAlignment),
        (0, DEST + 0x1000, Error::BadAddress),
        (3, 0x3000, Error::BadAddress),
        (2, PAGES + 0x10_0000, Error::BadAddress),
        (6, 0x7000_0000, Error::BadAddress),
    ];
    for (i, value, e) in cases {
        let mut words = request();
        words[i] = value;
        assert_eq!(head(create(&mut k, t, words)), err(e), "word {i} = {value:#x}");
    }
    assert!(k.procs.get(t.pid + 1).is_none());
    assert_eq!(k.frames.free_count(), free);
    assert_ne!(entry_of(&mut k, t.pid, PAGES), 0, "the parent keeps its pages");
}

#[test]
fn pages_lent_out_or_not_the_callers_cannot_move() {
    let (mut k, t) = parent();
    let space = k.procs.get(t.pid).unwrap().space;
    let kept = space.entry(&mut k.hw, PAGES);
    space.set_entry(&mut k.hw, &mut k.frames, PAGES, kept & !pte::V | pte::LENT_AWAY).unwrap();
    assert_eq!(head(create(&mut k, t, request())), err(Error::ShareViolation), "lent");
    // A frame of someone else's (another process's root table) behind a valid entry.
    let other = start(&mut k, "other");
    let theirs = k.procs.get(other.pid).unwrap().space.root;
    space.set_entry(&mut k.hw, &mut k.frames, PAGES, pte::entry(theirs, pte::V | pte::R | pte::U)).unwrap();
    assert_eq!(head(create(&mut k, t, request())), err(Error::ShareViolation), "not the caller's");
    space.set_entry(&mut k.hw, &mut k.frames, PAGES, kept).unwrap();
    assert_eq!(create(&mut k, t, request())[0], SyscallResult::NewProcess as usize);
}

#[test]
fn full_tables_are_out_of_memory_and_a_half_made_child_vanishes() {
    // 64 processes.
    let (mut k, t) = parent();
    while k.procs.free_pid(0).is_some() {
        start(&mut k, "filler");
    }
    assert_eq!(head(create(&mut k, t, request())), err(Error::OutOfMemory));
    // No connection left for the parent.
    let (mut k, t) = parent();
    k.procs.get_mut(t.pid).unwrap().connections.fill(1);
    assert_eq!(head(create(&mut k, t, request())), err(Error::OutOfMemory));
    // The server table is full: the child was made, then taken out unseen.
    let (mut k, t) = parent();
    let other = start(&mut k, "servers");
    let mut n = 0;
    // (Each owner has a share of the table: more owners fill it.)
    while k.ipc.add_server([n, 1, 2, 3], other.pid + 100 + (n as usize / crate::ipc::PROCESS_SERVERS) as u8).is_some() {
        n += 1;
    }
    let free = k.frames.free_count();
    assert_eq!(head(create(&mut k, t, request())), err(Error::OutOfMemory));
    assert!(k.procs.get(other.pid + 1).is_none());
    assert_eq!(k.frames.free_count(), free, "the child's frames are back");
    assert_ne!(entry_of(&mut k, t.pid, PAGES), 0, "the parent keeps its pages");
}

#[test]
fn a_childs_end_is_noticed_like_any_other() {
    let (mut k, t) = parent();
    let sid = [0x6b69_6473, 1, 2, 3];
    call(&mut k, t, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
    let r = call(&mut k, t, &[Syscall::PlatformSpecific as usize, WATCH_EXITS, sid[0], sid[1], sid[2], sid[3], 0x4e]);
    assert_eq!(r[0], SyscallResult::Ok as usize);
    let child = create(&mut k, t, request())[1] as u8;
    let c = ThreadRef { pid: child, tid: 1 };
    k.set_reg(c, reg::A0, Syscall::TerminateProcess as usize);
    k.set_reg(c, reg::A0 + 1, 5);
    crate::tests::trap(&mut k, c);
    assert!(k.procs.get(child).is_none());
    let r = call(&mut k, t, &[Syscall::TryReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
    let sender = MessageSender::new(KERNEL_PID, 0, 0).0;
    let scalar = InvokeType::Scalar.envelope_kind();
    assert_eq!(r, [SyscallResult::MessageEnvelope as usize, sender, scalar, 0x4e, child as usize, 5, Ending::Exited as usize, 0]);
}

#[test]
fn a_parent_kills_its_child_and_the_notice_says_killed() {
    let (mut k, t) = parent();
    let sid = [0x6c6c_696b, 1, 2, 3];
    call(&mut k, t, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
    call(&mut k, t, &[Syscall::PlatformSpecific as usize, WATCH_EXITS, sid[0], sid[1], sid[2], sid[3], 0x4e]);
    let child = create(&mut k, t, request())[1];
    let stranger = start(&mut k, "stranger");
    let kill = |k: &mut Kernel<FakePlatform>, by: ThreadRef, pid: usize| head(call(k, by, &[Syscall::PlatformSpecific as usize, KILL_CHILD, pid]));
    assert_eq!(kill(&mut k, stranger, child), err(Error::ProcessNotChild), "not its child");
    assert_eq!(kill(&mut k, t, t.pid as usize), err(Error::ProcessNotFound), "not itself");
    assert_eq!(kill(&mut k, t, 77), err(Error::ProcessNotFound));
    assert_eq!(kill(&mut k, t, 0x1_0000 + child), err(Error::ProcessNotFound), "a word no PID fits");
    assert!(k.procs.get(child as u8).is_some());
    assert_eq!(kill(&mut k, t, child), [0, 0]);
    assert!(k.procs.get(child as u8).is_none());
    assert_eq!(kill(&mut k, t, child), err(Error::ProcessNotFound), "gone");
    let r = call(&mut k, t, &[Syscall::TryReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
    assert_eq!(&r[4..7], &[child, KILLED_EXIT_CODE as usize, Ending::Killed as usize]);
}

fn set_region(k: &mut Kernel<FakePlatform>, t: ThreadRef, pid: usize, kind: usize, addr: usize, size: usize) -> [usize; 8] {
    call(k, t, &[Syscall::SetMemRegion as usize, pid, kind, addr, size])
}

#[test]
fn set_mem_region_moves_the_heap_and_the_map_area() {
    let (mut k, t) = parent();
    let me = t.pid as usize;
    let heap = MemoryRegion::Heap as usize;
    assert_eq!(head(set_region(&mut k, t, me, heap, 0x3000_0000, 0x2000)), [0, 0]);
    let r = call(&mut k, t, &[Syscall::IncreaseHeap as usize, 0x1000, flags::R | flags::W]);
    assert_eq!(&r[..3], &[SyscallResult::MemoryRange as usize, 0x3000_0000, 0x1000]);
    let r = call(&mut k, t, &[Syscall::IncreaseHeap as usize, 0x2000, flags::R | flags::W]);
    assert_eq!(head(r), err(Error::OutOfMemory), "the size is the heap's most");
    assert_eq!(head(set_region(&mut k, t, me, heap, USER_HEAP_BASE, 0x2000)), err(Error::MemoryInUse), "not once it has pages");
    let r = call(&mut k, t, &[Syscall::DecreaseHeap as usize, 0x1000]);
    assert_eq!(&r[..3], &[SyscallResult::MemoryRange as usize, 0x3000_0000, 0]);

    let default = MemoryRegion::Default as usize;
    assert_eq!(head(set_region(&mut k, t, me, default, 0x5000_0000, 0x2000)), [0, 0]);
    let map = |k: &mut Kernel<FakePlatform>, size| call(k, t, &[Syscall::MapMemory as usize, 0, 0, size, flags::R | flags::W]);
    assert_eq!(&map(&mut k, 0x1000)[..2], &[SyscallResult::MemoryRange as usize, 0x5000_0000]);
    assert_eq!(&map(&mut k, 0x1000)[..2], &[SyscallResult::MemoryRange as usize, 0x5000_1000]);
    assert_eq!(head(map(&mut k, 0x1000)), err(Error::OutOfMemory), "the area is full");
}

#[test]
fn set_mem_region_is_for_oneself_and_ones_children() {
    let (mut k, t) = parent();
    let child = create(&mut k, t, request())[1];
    let stranger = start(&mut k, "stranger");
    let heap = MemoryRegion::Heap as usize;
    assert_eq!(head(set_region(&mut k, t, child, heap, 0x3000_0000, 0x1000)), [0, 0]);
    assert_eq!(k.procs.get(child as u8).unwrap().heap_base, 0x3000_0000);
    assert_eq!(head(set_region(&mut k, t, stranger.pid as usize, heap, 0x3000_0000, 0x1000)), err(Error::ProcessNotChild));
    assert_eq!(head(set_region(&mut k, stranger, child, heap, 0x3000_0000, 0x1000)), err(Error::ProcessNotChild));
    for pid in [0, 1, 60, 0x102] {
        assert_eq!(head(set_region(&mut k, t, pid, heap, 0x3000_0000, 0x1000)), err(Error::ProcessNotFound), "pid {pid}");
    }
    let me = t.pid as usize;
    for (kind, e) in [(0, Error::InvalidArgument), (5, Error::InvalidArgument), (3, Error::Unavailable), (4, Error::Unavailable)] {
        assert_eq!(head(set_region(&mut k, t, me, kind, 0x3000_0000, 0x1000)), err(e), "kind {kind}");
    }
    assert_eq!(head(set_region(&mut k, t, me, heap, 0x3000_0800, 0x1000)), err(Error::BadAlignment));
    assert_eq!(head(set_region(&mut k, t, me, heap, 0x3000_0000, 0)), err(Error::BadAlignment));
    assert_eq!(head(set_region(&mut k, t, me, heap, 0xfeff_f000, 0x2000)), err(Error::BadAddress));
    // The parent ends: its children have no parent, so a later process with its PID has no say.
    k.terminate(t.pid, 0);
    assert_eq!(k.procs.get(child as u8).unwrap().parent, 0);
    let again = start(&mut k, "same pid");
    assert_eq!(again.pid, t.pid);
    assert_eq!(head(set_region(&mut k, again, child, heap, 0x3000_0000, 0x1000)), err(Error::ProcessNotChild));
}

#[test]
fn a_pid_is_not_given_again_before_its_watching_parent_heard_of_its_end() {
    let (mut k, t) = parent();
    let sid = [0x6e65_6877, 1, 2, 3];
    call(&mut k, t, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
    call(&mut k, t, &[Syscall::PlatformSpecific as usize, WATCH_EXITS, sid[0], sid[1], sid[2], sid[3], 0x4e]);
    // Another process watches too and never receives: its notices hold back nobody's PIDs but its own.
    let stranger = start(&mut k, "stranger");
    let other = [0x6e65_6878, 1, 2, 3];
    call(&mut k, stranger, &[Syscall::CreateServerWithAddress as usize, other[0], other[1], other[2], other[3]]);
    call(&mut k, stranger, &[Syscall::PlatformSpecific as usize, WATCH_EXITS, other[0], other[1], other[2], other[3], 0x4f]);
    // (parent() prepared the first child's pages; each later one's are prepared here.)
    let mut prepared = true;
    let mut new_child = |k: &mut Kernel<FakePlatform>| {
        if !core::mem::replace(&mut prepared, false) {
            let r = call(k, t, &[Syscall::MapMemory as usize, 0, PAGES, 0x2000, flags::R | flags::W | flags::X]);
            assert_eq!(r[0], SyscallResult::MemoryRange as usize, "{r:x?}");
            k.map_fresh(t.pid, PAGES, pte::R | pte::X).unwrap();
        }
        let r = create(k, t, request());
        assert_eq!(r[0], SyscallResult::NewProcess as usize);
        r[1] as u8
    };
    let first = new_child(&mut k);
    let c = ThreadRef { pid: first, tid: 1 };
    k.set_reg(c, reg::A0, Syscall::TerminateProcess as usize);
    k.set_reg(c, reg::A0 + 1, 7);
    crate::tests::trap(&mut k, c);
    assert!(k.procs.get(first).is_none(), "the first child ended; its PID is free");
    let second = new_child(&mut k);
    assert_ne!(second, first, "the parent has not heard of the first child's end yet");
    let r = call(&mut k, t, &[Syscall::TryReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
    assert_eq!(&r[3..7], &[0x4e, first as usize, 7, Ending::Exited as usize]);
    assert_eq!(new_child(&mut k), first, "heard: the PID is the lowest free again");
    // The stranger, whose watch still holds the first child's end, is not held back from it.
    assert_eq!(crate::exits::unheard_by(&k, stranger.pid), 1 << (first - 1));
    assert_eq!(crate::exits::unheard_by(&k, t.pid), 0);
}

#[test]
fn a_parent_names_its_child_and_no_one_else_can() {
    let (mut k, t) = parent();
    let child = create(&mut k, t, request())[1];
    assert_eq!(k.procs.get(child as u8).unwrap().name(), "parent", "made under its parent's name");
    k.write_user(t.pid, RECORD + 0x100, "process-child\u{e9}\u{ff}".as_bytes()).unwrap();
    let name = |k: &mut Kernel<FakePlatform>, by: ThreadRef, pid: usize, len: usize| {
        head(call(k, by, &[Syscall::PlatformSpecific as usize, platform::NAME_CHILD, pid, RECORD + 0x100, len]))
    };
    let stranger = start(&mut k, "stranger");
    assert_eq!(name(&mut k, stranger, child, 13), err(Error::ProcessNotChild));
    assert_eq!(name(&mut k, t, t.pid as usize, 13), err(Error::ProcessNotFound), "not itself");
    assert_eq!(name(&mut k, t, 77, 13), err(Error::ProcessNotFound));
    assert_eq!(name(&mut k, t, child, 14), err(Error::InvalidArgument), "half a character");
    assert_eq!(name(&mut k, t, child, platform::NAME_MAX + 1), err(Error::InvalidArgument), "too long");
    let r = call(&mut k, t, &[Syscall::PlatformSpecific as usize, platform::NAME_CHILD, child, 0x7000_0000, 4]);
    assert_eq!(head(r), err(Error::BadAddress));
    assert_eq!(k.procs.get(child as u8).unwrap().name(), "parent", "every refusal changed nothing");
    assert_eq!(name(&mut k, t, child, 15), [0, 0]);
    assert_eq!(k.procs.get(child as u8).unwrap().name(), "process-child\u{e9}");
}

#[test]
fn a_faulting_childs_report_names_its_parent_and_escapes_its_name() {
    let (mut k, t) = parent();
    let child = create(&mut k, t, request())[1];
    // A name a hostile parent might give: another's, with a control
    // character and an escape sequence for a terminal.
    let given = "fs\u{1b}[2J\u{7}";
    k.write_user(t.pid, RECORD + 0x100, given.as_bytes()).unwrap();
    let r = call(&mut k, t, &[Syscall::PlatformSpecific as usize, platform::NAME_CHILD, child, RECORD + 0x100, given.len()]);
    assert_eq!(head(r), [0, 0]);
    k.fault(ThreadRef { pid: child as u8, tid: 1 }, crate::fault::Fault::LoadPage, 0x1_0000, 0x10);
    assert!(k.procs.get(child as u8).is_none(), "the fault ended the child");
    let (_, line) = k.hw.console.last().unwrap();
    let line = String::from_utf8_lossy(line);
    assert!(line.starts_with(&format!("kernel: process {child} (fs\\u{{1b}}[2J\\u{{7}}) terminated: load page fault")), "{line}");
    assert!(line.trim_end().ends_with(&format!("; a child of process {}", t.pid)), "{line}");
    assert!(!line.bytes().any(|b| b.is_ascii_control() && b != b'\n'), "no raw control bytes: {line:?}");
    // A process without a parent is reported as before.
    k.fault(t, crate::fault::Fault::LoadPage, 0x1_0000, 0x10);
    let (_, line) = k.hw.console.last().unwrap();
    assert!(!String::from_utf8_lossy(line).contains("child of"), "{line:?}");
}
