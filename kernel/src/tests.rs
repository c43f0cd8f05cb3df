//! Host tests of the kernel's behaviour through its syscall interface: a
//! fake platform stands in for the machine, threads "trap" by having their
//! a0..a7 set and `trap` called, which enters the kernel as the trap path does.

use crate::fault::Fault;
use crate::kernel::{Kernel, Platform, FIRST_KERNEL_SLOT};
use crate::thread::reg;
use xous_abi::platform::FAULT_EXIT_CODE;
use crate::mem::frames::Frames;
use crate::mem::pte::{self, ENTRIES};
use crate::mem::space::fake::FakeMem;
use crate::mem::space::PhysMem;
use crate::sched::ThreadRef;
use xous_abi::console::Channel;
use xous_abi::memory::{flags, RETURN_FROM_EXCEPTION, RETURN_FROM_THREAD, USER_HEAP_BASE, USER_MMAP_BASE};
use xous_abi::{platform, Error, Syscall, SyscallResult};
use crate::thread::ThreadState;

#[derive(Default)]
pub struct FakePlatform {
    mem: FakeMem,
    pub console: Vec<(Channel, Vec<u8>)>,
    seed: u32,
    pub enabled: [bool; 32],
    pub completed: Vec<usize>,
    /// Bytes the console's UART has received, and its receive interrupt.
    pub input: std::collections::VecDeque<u8>,
    pub input_interrupt: bool,
    /// The swap device: a page and a tag per slot (none: no device), and
    /// whether it fails every request.
    pub swap: Vec<(Vec<u8>, [u8; 16])>,
    pub swap_broken: bool,
    /// A boot image stored in read-only memory: where, its bytes; and
    /// whether the kernel holds it open (`open_rom` .. `close_rom`).
    pub rom_image: Option<(usize, &'static [u8])>,
    pub rom_open: bool,
    /// The program store's bytes (whole pages; none: no store), and how
    /// many pages were read from it.
    pub store: Vec<u8>,
    pub store_reads: usize,
}

impl PhysMem for FakePlatform {
    fn table(&mut self, pa: usize) -> &mut [u32; ENTRIES] {
        self.mem.table(pa)
    }
    fn write(&mut self, pa: usize, offset: usize, bytes: &[u8]) {
        self.mem.write(pa, offset, bytes)
    }
    fn read(&mut self, pa: usize, offset: usize, out: &mut [u8]) {
        self.mem.read(pa, offset, out)
    }
    fn low_tables(&mut self, a: usize, b: usize) -> Option<(&mut [u32; ENTRIES], &mut [u32; ENTRIES])> {
        self.mem.low_tables(a, b)
    }
}

impl Platform for FakePlatform {
    fn console(&mut self, channel: Channel, bytes: &[u8]) {
        self.console.push((channel, bytes.to_vec()));
    }
    fn flush_tlb(&mut self, _asid: u8, _va: Option<usize>) {}
    fn irq_exists(&self, irq: usize) -> bool {
        (1..=31).contains(&irq)
    }
    fn enable_irq(&mut self, irq: usize, on: bool) {
        self.enabled[irq] = on;
    }
    fn complete_irq(&mut self, irq: usize) {
        self.completed.push(irq);
    }
    /// Two virtio-like pages, and a "disk" of 4 pages in the read-only
    /// memory below (as the Baochip-1x's RRAM disk).
    fn is_user_device(&self, pa: usize) -> bool {
        (0x1000_1000..0x1000_3000).contains(&pa) || (0x602d_a000..0x602d_e000).contains(&pa)
    }
    /// The fake disk's last two pages are the "fs" service's.
    fn device_service(&self, pa: usize) -> Option<&'static str> {
        (0x602d_c000..0x602d_e000).contains(&pa).then_some("fs")
    }
    /// 4 MiB of read-only memory below RAM, as the Baochip-1x's RRAM.
    fn is_rom(&self, pa: usize) -> bool {
        (0x6000_0000..0x6040_0000).contains(&pa)
    }
    fn open_rom(&mut self, at: usize) -> Option<&'static [u8]> {
        let (base, bytes) = self.rom_image?;
        self.rom_open = true;
        bytes.get(at.checked_sub(base)?..)
    }
    fn close_rom(&mut self) {
        self.rom_open = false;
    }
    /// Rows of it, written as they come (into the fake memory).
    fn rom_write_row(&mut self, pa: usize, row: &[u8; xous_abi::platform::ROM_ROW]) -> bool {
        if !self.is_rom(pa) {
            return false;
        }
        self.mem.write(pa & !0xfff, pa & 0xfff, row);
        true
    }
    fn console_irq(&self) -> usize {
        10
    }
    fn console_input(&mut self, out: &mut [u8]) -> (usize, bool) {
        let n = out.len().min(self.input.len());
        for (o, b) in out.iter_mut().zip(self.input.drain(..n)) {
            *o = b;
        }
        (n, !self.input.is_empty())
    }
    fn console_input_interrupt(&mut self, on: bool) {
        self.input_interrupt = on;
    }
    fn swap_slots(&self) -> usize {
        self.swap.len()
    }
    fn swap_write(&mut self, slot: usize, pa: usize, tag: &[u8; 16]) -> bool {
        let mut page = vec![0; crate::mem::PAGE_SIZE];
        self.mem.read(pa, 0, &mut page);
        self.swap[slot] = (page, *tag);
        !self.swap_broken
    }
    fn swap_read(&mut self, slot: usize, pa: usize, tag: &mut [u8; 16]) -> bool {
        let (page, t) = &self.swap[slot];
        if page.len() == crate::mem::PAGE_SIZE {
            self.mem.write(pa, 0, page);
        }
        *tag = *t;
        !self.swap_broken
    }
    fn store_pages(&self) -> usize {
        self.store.len() / crate::mem::PAGE_SIZE
    }
    fn store_read(&mut self, page: usize, pa: usize) -> bool {
        let Some(bytes) = self.store.get(page * crate::mem::PAGE_SIZE..(page + 1) * crate::mem::PAGE_SIZE) else { return false };
        self.mem.write(pa, 0, &bytes.to_vec());
        self.store_reads += 1;
        true
    }
    fn entropy(&mut self) -> u32 {
        self.seed = self.seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        self.seed
    }
}

/// A kernel with `frames` frames of RAM, at most 128 of them in the low pool.
pub fn kernel_with(frames: usize) -> Box<Kernel<FakePlatform>> {
    kernel_with_pools(frames.min(128), frames - frames.min(128))
}

/// A kernel with `low` frames of directly mapped RAM and `high` more; on
/// the heap (its tables are a few hundred KiB, and a test may make several).
pub fn kernel_with_pools(low: usize, high: usize) -> Box<Kernel<FakePlatform>> {
    kernel_on(Frames::for_tests(0x8000_0000, low + high, low))
}

/// A kernel as boot leaves it before loading: `image` (a boot image) in RAM
/// from 0x8000_0000 on frames the kernel owns, and `more` frames after it.
pub fn kernel_with_image(image: &[u8], more: usize) -> Box<Kernel<FakePlatform>> {
    let pages = image.len().div_ceil(crate::mem::PAGE_SIZE);
    let mut k = kernel_on(Frames::for_tests_reserved(0x8000_0000, pages + more, pages + more.min(128), pages));
    for (i, page) in image.chunks(crate::mem::PAGE_SIZE).enumerate() {
        k.hw.write(0x8000_0000 + i * crate::mem::PAGE_SIZE, 0, page);
    }
    k
}

/// A kernel with `ram` pages of RAM (all free) and `image` stored at
/// `rom`, outside RAM, as the Baochip-1x's RRAM holds it.
pub fn kernel_with_rom_image(image: &[u8], rom: usize, ram: usize) -> Box<Kernel<FakePlatform>> {
    let mut k = kernel_on(Frames::for_tests_reserved(0x8000_0000, ram, ram.min(128), 0));
    for (i, page) in image.chunks(crate::mem::PAGE_SIZE).enumerate() {
        k.hw.write(rom + i * crate::mem::PAGE_SIZE, 0, page);
    }
    k.hw.rom_image = Some((rom, Box::leak(image.to_vec().into_boxed_slice())));
    k
}

/// A kernel on `frames` (RAM from 0x8000_0000), its kernel half mapped.
fn kernel_on(frames: Frames) -> Box<Kernel<FakePlatform>> {
    let mut root = [0u32; ENTRIES];
    root[FIRST_KERNEL_SLOT..].fill(pte::entry(0x8000_0000, pte::V | pte::RWX | pte::G));
    let mut k = Box::new(Kernel::new(FakePlatform::default(), frames, root));
    k.slow_path_only = SLOW_PATH_ONLY.get();
    k
}

thread_local! {
    /// Set by a test that runs with every syscall on the general path.
    pub static SLOW_PATH_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs each named test (a `#[test]` function of the module) once more
/// with the fast path off, so both paths are held to the same results.
#[macro_export]
macro_rules! also_on_the_general_path {
    ($($test:ident),* $(,)?) => {
        mod general_path {
            $(
                #[test]
                fn $test() {
                    $crate::tests::SLOW_PATH_ONLY.set(true);
                    super::$test();
                }
            )*
        }
    };
}

/// A new process (not the main one) with one thread, ready to run.
pub fn start(k: &mut Kernel<FakePlatform>, name: &str) -> ThreadRef {
    let pid = k.create_process(name, false).unwrap();
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    ThreadRef { pid, tid }
}

/// What thread `t` is doing.
pub fn state(k: &mut Kernel<FakePlatform>, t: ThreadRef) -> ThreadState {
    k.thread_state(t)
}

/// A kernel with one process (main) running one thread; returns that thread.
fn booted() -> (Box<Kernel<FakePlatform>>, ThreadRef) {
    let mut k = kernel_with(256);
    let pid = k.create_process("test", true).unwrap();
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    let t = k.next_thread().unwrap();
    assert_eq!(t, ThreadRef { pid, tid });
    (k, t)
}

/// Thread `t` makes the syscall in its saved a0..a7, as `arch`'s trap entry
/// hands it to the kernel: the saved pc past the `ecall`, the words as they are.
/// After it, the kernel's rules hold: the run queue's (`check_run_queue`),
/// and the trap path's: the caller's callee-saved registers (gp, tp, s0-s11),
/// which stay in the processor through a syscall, are not touched in its slot.
pub fn trap(k: &mut Kernel<FakePlatform>, t: ThreadRef) {
    runs(k, t);
    let regs = k.context(t);
    regs[reg::PC] = regs[reg::PC].wrapping_add(4);
    let a: [usize; 8] = core::array::from_fn(|i| regs[reg::A0 + i] as usize);
    let kept = CALLEE_SAVED.map(|r| regs[r]);
    crate::syscall::ecall(k, t, a);
    check_run_queue(k);
    if k.procs.get(t.pid).is_some() {
        assert_eq!(CALLEE_SAVED.map(|r| k.context(t)[r]), kept, "syscall {} touched callee-saved registers of {t:?}", a[0]);
    }
}

/// The caller of a syscall runs, as on the processor (where only the
/// running thread can `ecall`, which the fast path relies on): a ready
/// thread a test names takes the processor, and the one running goes
/// first in the run queue. (A thread that is not ready is left as it is:
/// tests of calls the kernel must refuse make them.)
pub fn runs(k: &mut Kernel<FakePlatform>, t: ThreadRef) {
    if k.current != Some(t) && k.procs.get(t.pid).is_some() && k.thread_state(t) == ThreadState::Ready {
        k.queue.take_out(t);
        if let Some(c) = k.current {
            k.queue.push_front(c);
        }
        k.current = Some(t);
    }
}

/// gp, tp, s0, s1, s2-s11.
pub const CALLEE_SAVED: [usize; 14] = [3, 4, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];

/// The rule of the run queue (sched.rs): every Ready thread of a live
/// process is the current one or queued, once; no other thread is either.
/// (Except while the system ends: every thread but the drained servers'
/// leaves the processor for good, still Ready.)
pub fn check_run_queue(k: &mut Kernel<FakePlatform>) {
    let queued: Vec<ThreadRef> = k.queue.iter().chain(k.current).collect();
    for t in &queued {
        assert!(k.procs.get(t.pid).is_some(), "{t:?} of no process is queued or current");
        assert_eq!(queued.iter().filter(|q| *q == t).count(), 1, "{t:?} is queued or current more than once");
    }
    if k.halted.is_some() {
        return;
    }
    let queued: std::collections::HashSet<ThreadRef> = queued.into_iter().collect();
    let pids: Vec<u8> = k.procs.iter().map(|p| p.pid).collect();
    for pid in pids {
        for tid in 0..=xous_abi::limits::MAX_THREADS as u8 {
            let t = ThreadRef { pid, tid };
            let state = k.thread_state(t);
            assert_eq!(state == ThreadState::Ready, queued.contains(&t), "{t:?} is {state:?}: queued {:?}, current {:?}", k.queue.iter().collect::<Vec<_>>(), k.current);
        }
    }
}

/// Runs one syscall as thread `t`; returns a0..a7 afterwards.
pub fn call(k: &mut Kernel<FakePlatform>, t: ThreadRef, args: &[usize]) -> [usize; 8] {
    for i in 0..8 {
        k.set_reg(t, reg::A0 + i, args.get(i).copied().unwrap_or(0));
    }
    trap(k, t);
    core::array::from_fn(|i| k.reg(t, reg::A0 + i))
}

pub fn err(e: Error) -> [usize; 2] {
    [SyscallResult::Error as usize, e as usize]
}

pub fn head(r: [usize; 8]) -> [usize; 2] {
    [r[0], r[1]]
}

#[test]
fn identity_calls() {
    let (mut k, t) = booted();
    assert_eq!(head(call(&mut k, t, &[Syscall::GetProcessId as usize])), [SyscallResult::ProcessId as usize, 2]);
    assert_eq!(head(call(&mut k, t, &[Syscall::GetThreadId as usize])), [SyscallResult::ThreadId as usize, t.tid as usize]);
    assert_eq!(k.reg(t, reg::PC), 0x1_0000 + 8, "each ecall returns past itself");
}

#[test]
fn unknown_and_unimplemented_syscalls_are_errors() {
    let (mut k, t) = booted();
    assert_eq!(head(call(&mut k, t, &[0])), err(Error::UnhandledSyscall));
    assert_eq!(head(call(&mut k, t, &[9999])), err(Error::UnhandledSyscall));
    assert_eq!(head(call(&mut k, t, &[usize::MAX, 1, 2, 3])), err(Error::UnhandledSyscall));
}

#[test]
fn map_memory_checks_its_arguments() {
    let (mut k, t) = booted();
    let map = Syscall::MapMemory as usize;
    let rw = flags::R | flags::W;
    assert_eq!(head(call(&mut k, t, &[map, 0, 0, 100, rw])), err(Error::BadAlignment), "partial page");
    assert_eq!(head(call(&mut k, t, &[map, 0, 0, 0, rw])), err(Error::BadAlignment), "empty");
    assert_eq!(head(call(&mut k, t, &[map, 0, 0x6000_0010, 4096, rw])), err(Error::BadAlignment), "unaligned address");
    assert_eq!(head(call(&mut k, t, &[map, 0, 0xff00_0000, 4096, rw])), err(Error::BadAddress), "kernel space");
    assert_eq!(head(call(&mut k, t, &[map, 0, 0xffff_f000, 0x2000, rw])), err(Error::BadAddress), "wraps");
    assert_eq!(head(call(&mut k, t, &[map, 0, 0, 4096, 0x4000])), err(Error::InvalidArgument), "unknown flag");
    assert_eq!(head(call(&mut k, t, &[map, 0x8000_0000, 0, 4096, rw])), err(Error::AccessDenied), "physical");
    let r = call(&mut k, t, &[map, 0, 0, 0x3000, rw]);
    assert_eq!(r[..3], [SyscallResult::MemoryRange as usize, USER_MMAP_BASE, 0x3000]);
    let again = call(&mut k, t, &[map, 0, USER_MMAP_BASE + 0x2000, 0x1000, rw]);
    assert_eq!(head(again), err(Error::MemoryInUse), "overlap");
    let next = call(&mut k, t, &[map, 0, 0, 0x1000, rw]);
    assert_eq!(next[1], USER_MMAP_BASE + 0x3000, "next free range");
}

#[test]
fn anonymous_memory_is_zeroed_on_first_touch_and_freed_on_unmap() {
    let (mut k, t) = booted();
    let free_before = k.frames.free_count();
    let r = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x2000, flags::R | flags::W]);
    let va = r[1];
    assert_eq!(k.frames.free_count(), free_before - 1, "only a second-level table so far");
    k.fault(t, Fault::StorePage, 0x1_0000, va + 8);
    assert_eq!(k.procs.get(t.pid).map(|p| p.pid), Some(t.pid), "a lazy page is not a fault");
    let mut word = [0xffu8; 4];
    k.read_user(t.pid, va + 8, &mut word).unwrap();
    assert_eq!(word, [0; 4], "zeroed");
    assert_eq!(head(call(&mut k, t, &[Syscall::UnmapMemory as usize, va, 0x2000])), [0, 0]);
    assert_eq!(k.frames.free_count(), free_before - 1, "the page went back; the table stays");
    assert_eq!(head(call(&mut k, t, &[Syscall::UnmapMemory as usize, va, 0x2000])), err(Error::BadAddress), "twice");
}

#[test]
fn guard_pages_fault_and_flags_can_only_be_removed() {
    let (mut k, t) = booted();
    let va = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x2000, flags::R | flags::W | flags::X])[1];
    let update = Syscall::UpdateMemoryFlags as usize;
    assert_eq!(head(call(&mut k, t, &[update, va, 0x1000, flags::W])), [0, 0]);
    let ro = call(&mut k, t, &[update, va + 0x1000, 0x1000, flags::R]);
    assert_eq!(head(ro), [0, 0]);
    assert_eq!(head(call(&mut k, t, &[update, va + 0x1000, 0x1000, flags::R | flags::W])), err(Error::AccessDenied), "cannot add W back");
    assert_eq!(head(call(&mut k, t, &[update, va, 0x1000, flags::R, 7])), err(Error::AccessDenied), "other process");
    k.fault(t, Fault::StorePage, 0x1_0000, va + 0x1000);
    assert!(k.procs.get(t.pid).is_none(), "writing a read-only page ends the process");
    let (channel, line) = k.hw.console.last().unwrap();
    assert_eq!(*channel, Channel::Kernel);
    let line = String::from_utf8_lossy(line);
    assert!(line.contains("process 2 (test)") && line.contains("store page fault") && line.contains("pc 0x00010000"), "{line}");
    assert_eq!(k.halted, Some(FAULT_EXIT_CODE), "the main process ended the system");
}

#[test]
fn heap_grows_to_its_limit() {
    let (mut k, t) = booted();
    let grow = Syscall::IncreaseHeap as usize;
    let r = call(&mut k, t, &[grow, 0x4000, flags::R | flags::W]);
    assert_eq!(r[..3], [SyscallResult::MemoryRange as usize, USER_HEAP_BASE, 0x4000]);
    let r = call(&mut k, t, &[grow, 0x1000, flags::R | flags::W]);
    assert_eq!(r[1], USER_HEAP_BASE + 0x4000);
    assert_eq!(call(&mut k, t, &[grow, 0, 0])[..3], [SyscallResult::MemoryRange as usize, USER_HEAP_BASE, 0x5000]);
    assert_eq!(head(call(&mut k, t, &[grow, 100, 0])), err(Error::BadAlignment));
    let limit = Syscall::AdjustProcessLimit as usize;
    let max = call(&mut k, t, &[limit, 1, 0, 0])[2];
    assert_eq!(call(&mut k, t, &[limit, 1, max, 0x8000])[..3], [SyscallResult::Scalar2 as usize, 1, 0x8000]);
    assert_eq!(head(call(&mut k, t, &[grow, 0x4000, flags::R | flags::W])), err(Error::OutOfMemory), "over the limit");
    assert_eq!(head(call(&mut k, t, &[limit, 9, 0, 0])), err(Error::InvalidLimit));
    let r = call(&mut k, t, &[Syscall::DecreaseHeap as usize, 0x1000]);
    assert_eq!(r[..3], [SyscallResult::MemoryRange as usize, USER_HEAP_BASE, 0x4000]);
    assert_eq!(head(call(&mut k, t, &[Syscall::DecreaseHeap as usize, 0x10_0000])), err(Error::InvalidArgument));
}

/// A way for `t` to make threads (each at 0x1_0100, on one shared stack
/// of 0x2000 bytes the threads never touch), for the tests of thread
/// slots; and the stack.
fn thread_maker(k: &mut Kernel<FakePlatform>, t: ThreadRef) -> (usize, impl Fn(&mut Kernel<FakePlatform>) -> ThreadRef) {
    let stack = call(k, t, &[Syscall::MapMemory as usize, 0, 0, 0x2000, flags::R | flags::W])[1];
    (stack, move |k: &mut Kernel<FakePlatform>| {
        let r = call(k, t, &[Syscall::CreateThread as usize, 0x1_0100, stack, 0x2000]);
        assert_eq!(r[0], SyscallResult::ThreadId as usize, "{r:?}");
        ThreadRef { pid: t.pid, tid: r[1] as u8 }
    })
}

/// Thread `c` returns `value` (to RETURN_FROM_THREAD, as a thread's
/// function does).
fn thread_returns(k: &mut Kernel<FakePlatform>, c: ThreadRef, value: usize) {
    k.set_reg(c, reg::A0, value);
    k.fault(c, Fault::InstructionPage, RETURN_FROM_THREAD, RETURN_FROM_THREAD);
}

#[test]
fn detached_threads_free_their_slots_and_joinable_ones_are_never_reused() {
    let (mut k, t) = booted();
    let (stack, create) = thread_maker(&mut k, t);
    let detach = |k: &mut Kernel<FakePlatform>, tid: usize| head(call(k, t, &[Syscall::PlatformSpecific as usize, platform::DETACH_THREAD, tid]));
    // Detached while it runs: its slot is free once it exits.
    let a = create(&mut k);
    assert_eq!(detach(&mut k, a.tid as usize)[0], SyscallResult::Ok as usize);
    thread_returns(&mut k, a, 1);
    assert_eq!(k.thread_state(a), ThreadState::Free);
    // Detached after it exited: freed then.
    let b = create(&mut k);
    thread_returns(&mut k, b, 2);
    assert_eq!(detach(&mut k, b.tid as usize)[0], SyscallResult::Ok as usize);
    assert_eq!(head(call(&mut k, t, &[Syscall::JoinThread as usize, b.tid as usize])), err(Error::ThreadNotAvailable));
    // Bad ids.
    assert_eq!(detach(&mut k, t.tid as usize), err(Error::InvalidThread), "itself");
    assert_eq!(detach(&mut k, 256), err(Error::InvalidThread), "past the last id");
    assert_eq!(detach(&mut k, b.tid as usize), err(Error::ThreadNotAvailable), "no thread there");
    // Tid 0 only declares that the process detaches.
    let (mut k2, t2) = booted();
    assert!(!k2.procs.get(t2.pid).unwrap().detaches);
    assert_eq!(head(call(&mut k2, t2, &[Syscall::PlatformSpecific as usize, platform::DETACH_THREAD, 0]))[0], SyscallResult::Ok as usize);
    assert!(k2.procs.get(t2.pid).unwrap().detaches);
    // A process that detaches never gets an unjoined thread's slot for a new
    // thread: with every other slot taken, creating one fails, and the
    // exited thread's value waits for its join.
    let mut children = Vec::new();
    while let [kind, tid, ..] = call(&mut k, t, &[Syscall::CreateThread as usize, 0x1_0100, stack, 0x2000])[..] {
        if kind != SyscallResult::ThreadId as usize {
            assert_eq!(tid, Error::ThreadNotAvailable as usize);
            break;
        }
        children.push(ThreadRef { pid: t.pid, tid: tid as u8 });
    }
    let done = children[0];
    thread_returns(&mut k, done, 42);
    assert_eq!(head(call(&mut k, t, &[Syscall::CreateThread as usize, 0x1_0100, stack, 0x2000])), err(Error::ThreadNotAvailable));
    assert_eq!(call(&mut k, t, &[Syscall::JoinThread as usize, done.tid as usize])[..2], [SyscallResult::Scalar1 as usize, 42]);
    assert_eq!(create(&mut k).tid, done.tid, "its slot is free once joined");
}

#[test]
fn threads_join_before_and_after_they_exit() {
    let (mut k, t) = booted();
    let stack = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x2000, flags::R | flags::W])[1];
    let create = Syscall::CreateThread as usize;
    let r = call(&mut k, t, &[create, 0x1_0100, stack, 0x2000, 11, 22, 33, 44]);
    assert_eq!(r[0], SyscallResult::ThreadId as usize);
    let child = ThreadRef { pid: t.pid, tid: r[1] as u8 };
    assert_eq!(k.reg(child, reg::SP), stack + 0x2000);
    assert_eq!(k.reg(child, reg::A0 + 3), 44);
    assert_eq!(k.reg(child, reg::RA), RETURN_FROM_THREAD);
    // Join while it runs: the joiner blocks, then wakes with the return value.
    call(&mut k, t, &[Syscall::JoinThread as usize, child.tid as usize]);
    assert_eq!(k.current, None, "the joiner blocked");
    assert_eq!(k.next_thread(), Some(child));
    k.set_reg(child, reg::A0, 77);
    k.fault(child, Fault::InstructionPage, RETURN_FROM_THREAD, RETURN_FROM_THREAD);
    assert_eq!(k.next_thread(), Some(t));
    assert_eq!(k.reg(t, reg::A0 + 1), 77);
    // Join after it exited: the value was kept.
    let r = call(&mut k, t, &[create, 0x1_0100, stack, 0x2000]);
    let child = ThreadRef { pid: t.pid, tid: r[1] as u8 };
    k.set_reg(child, reg::A0, 5);
    k.fault(child, Fault::InstructionPage, RETURN_FROM_THREAD, RETURN_FROM_THREAD);
    assert_eq!(call(&mut k, t, &[Syscall::JoinThread as usize, child.tid as usize])[..2], [SyscallResult::Scalar1 as usize, 5]);
    assert_eq!(head(call(&mut k, t, &[Syscall::JoinThread as usize, child.tid as usize])), err(Error::ThreadNotAvailable), "joined already");
    assert_eq!(head(call(&mut k, t, &[Syscall::JoinThread as usize, t.tid as usize])), err(Error::InvalidThread), "itself");
    assert_eq!(head(call(&mut k, t, &[Syscall::JoinThread as usize, 99])), err(Error::ThreadNotAvailable));
    assert_eq!(head(call(&mut k, t, &[create, 0, stack, 0x2000])), err(Error::BadAddress), "no entry");
    assert_eq!(head(call(&mut k, t, &[create, 0x1_0100, stack + 1, 0x2000])), err(Error::BadAlignment));
}

#[test]
fn a_thread_has_one_joiner_and_a_new_thread_in_its_slot_starts_without_one() {
    let (mut k, t) = booted();
    let (_, create) = thread_maker(&mut k, t);
    let detach = |k: &mut Kernel<FakePlatform>, by: ThreadRef, tid: u8| head(call(k, by, &[Syscall::PlatformSpecific as usize, platform::DETACH_THREAD, tid as usize]));
    let (a, b) = (create(&mut k), create(&mut k));
    call(&mut k, t, &[Syscall::JoinThread as usize, b.tid as usize]);
    assert_eq!(k.next_thread(), Some(a));
    // b has its joiner: a can neither join nor detach it.
    assert_eq!(head(call(&mut k, a, &[Syscall::JoinThread as usize, b.tid as usize])), err(Error::ThreadNotAvailable));
    assert_eq!(detach(&mut k, a, b.tid), err(Error::ThreadNotAvailable));
    thread_returns(&mut k, a, 1);
    assert_eq!(k.next_thread(), Some(b));
    thread_returns(&mut k, b, 9);
    assert_eq!(k.next_thread(), Some(t));
    assert_eq!(k.reg(t, reg::A0 + 1), 9, "the joiner has b's value");
    // A new thread in b's slot has no joiner yet.
    let c = create(&mut k);
    assert_eq!(c.tid, b.tid);
    assert_eq!(detach(&mut k, t, c.tid)[0], SyscallResult::Ok as usize);
}

#[test]
fn thread_limit_is_an_error() {
    let (mut k, t) = booted();
    let stack = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x1000, flags::R | flags::W])[1];
    for _ in 0..xous_abi::limits::MAX_THREADS - 1 {
        assert_eq!(call(&mut k, t, &[Syscall::CreateThread as usize, 0x1_0100, stack, 0x1000])[0], SyscallResult::ThreadId as usize);
    }
    let r = call(&mut k, t, &[Syscall::CreateThread as usize, 0x1_0100, stack, 0x1000]);
    assert_eq!(head(r), err(Error::ThreadNotAvailable));
}

#[test]
fn a_dead_process_gives_back_every_frame() {
    let mut k = kernel_with(256);
    let free = k.frames.free_count();
    let pid = k.create_process("victim", false).unwrap();
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    let t = ThreadRef { pid, tid };
    let va = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x4000, flags::R | flags::W])[1];
    for page in 0..4 {
        k.fault(t, Fault::StorePage, 0, va + page * 0x1000);
    }
    assert!(k.frames.free_count() < free - 4);
    k.set_reg(t, reg::A0, Syscall::TerminateProcess as usize);
    k.set_reg(t, reg::A0 + 1, 3);
    trap(&mut k, t);
    assert!(k.procs.get(pid).is_none());
    assert_eq!(k.frames.free_count(), free);
    assert_eq!(k.halted, None, "not the main process");
    assert!(k.queue.is_empty());
}

#[test]
fn console_write_reads_only_readable_user_memory() {
    let (mut k, t) = booted();
    let va = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x1000, flags::R | flags::W])[1];
    k.fault(t, Fault::StorePage, 0, va);
    k.write_user(t.pid, va, b"hello").unwrap();
    let ps = Syscall::PlatformSpecific as usize;
    assert_eq!(head(call(&mut k, t, &[ps, xous_abi::platform::CONSOLE_WRITE, 1, va, 5])), [0, 0]);
    assert_eq!(k.hw.console.last().unwrap(), &(Channel::Stdout, b"hello".to_vec()));
    assert_eq!(head(call(&mut k, t, &[ps, xous_abi::platform::CONSOLE_WRITE, 1, va, 0x2000])), err(Error::BadAddress), "runs off the mapping");
    assert_eq!(head(call(&mut k, t, &[ps, xous_abi::platform::CONSOLE_WRITE, 9, va, 5])), err(Error::InvalidArgument), "channel");
    let before = k.hw.console.len();
    assert_eq!(head(call(&mut k, t, &[ps, xous_abi::platform::CONSOLE_WRITE, Channel::Crash as usize, va, 5])), err(Error::InvalidArgument), "the crash channel is the kernel's");
    assert_eq!(k.hw.console.len(), before, "nothing written");
    assert_eq!(head(call(&mut k, t, &[ps, xous_abi::platform::CONSOLE_WRITE, 1, 0xffc0_0000, 5])), err(Error::BadAddress), "kernel memory");
    assert_eq!(head(call(&mut k, t, &[ps, 77])), err(Error::InvalidArgument));
}

#[test]
fn console_input_goes_to_its_one_reader_with_back_pressure() {
    let (mut k, t) = booted();
    let ps = Syscall::PlatformSpecific as usize;
    let input = xous_abi::platform::CONSOLE_INPUT;
    let va = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x2000, flags::R | flags::W])[1];
    k.fault(t, Fault::StorePage, 0, va);
    k.hw.input.extend(b"hello, input");
    assert_eq!(head(call(&mut k, t, &[ps, input, va, 5])), err(Error::AccessDenied), "not the console's reader");
    assert_eq!(k.hw.input.len(), 12, "nothing taken");
    let claim = Syscall::ClaimInterrupt as usize;
    assert_eq!(head(call(&mut k, t, &[claim, 10, 0x1_0000, 0])), [0, 0]);
    assert_eq!(head(call(&mut k, t, &[ps, input, va + 0x1000, 5])), err(Error::BadAddress), "a page not backed yet");
    assert_eq!(head(call(&mut k, t, &[ps, input, va, 0x1001])), err(Error::InvalidArgument), "more than a page");
    assert_eq!(k.hw.input.len(), 12, "a bad buffer loses no byte");
    k.hw.input_interrupt = true;
    assert_eq!(head(call(&mut k, t, &[ps, input, va, 0])), [SyscallResult::Scalar1 as usize, 0]);
    assert!(!k.hw.input_interrupt, "no room: no interrupt until asked again");
    assert_eq!(head(call(&mut k, t, &[ps, input, va, 5])), [SyscallResult::Scalar1 as usize, 5]);
    assert!(!k.hw.input_interrupt, "bytes still wait");
    assert_eq!(head(call(&mut k, t, &[ps, input, va + 5, 100])), [SyscallResult::Scalar1 as usize, 7]);
    assert!(k.hw.input_interrupt, "all taken: the next byte interrupts");
    let mut got = [0u8; 12];
    k.read_user(t.pid, va, &mut got).unwrap();
    assert_eq!(&got, b"hello, input");
    let text = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x1000, flags::R])[1];
    k.fault(t, Fault::LoadPage, 0, text);
    k.hw.input.extend(b"x");
    assert_eq!(head(call(&mut k, t, &[ps, input, text, 1])), err(Error::BadAddress), "read-only memory");
    assert_eq!(k.hw.input.len(), 1);
}

#[test]
fn out_of_frames_is_an_error_not_a_panic() {
    let mut k = kernel_with(3);
    let pid = k.create_process("a", false).unwrap();
    assert_eq!(k.create_process("b", false), Err(Error::OutOfMemory));
    assert_eq!(k.frames.free_count(), 1, "the failed attempt gave back what it took");
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    let t = ThreadRef { pid, tid };
    let va = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x1000, flags::R | flags::W])[1];
    k.fault(t, Fault::StorePage, 0, va);
    assert!(k.procs.get(pid).is_none(), "no frame to back the page: the process ends");
    assert!(String::from_utf8_lossy(&k.hw.console.last().unwrap().1).contains("out of memory"));
}


#[test]
fn an_exception_handler_gets_the_fault_and_retries_it() {
    let (mut k, t) = booted();
    let set = Syscall::SetExceptionHandler as usize;
    assert_eq!(head(call(&mut k, t, &[set, 0xff00_0000, 0x7000_0000])), err(Error::BadAddress));
    assert_eq!(head(call(&mut k, t, &[set, 0x1_2000, 0x7000_0000])), [0, 0]);
    k.set_reg(t, reg::A0 + 5, 55);
    k.set_reg(t, reg::PC, 0x1_0040); // as the trap path leaves it: sepc
    k.fault(t, Fault::LoadPage, 0x1_0040, 0x5000_0000);
    assert!(k.procs.get(t.pid).is_some(), "handled, not ended");
    assert_eq!(k.reg(t, reg::PC), 0x1_2000);
    assert_eq!((k.reg(t, reg::A0), k.reg(t, reg::A0 + 1), k.reg(t, reg::A0 + 2)), (13, 0x5000_0000, 0x1_0040));
    k.fault(t, Fault::InstructionPage, RETURN_FROM_EXCEPTION, RETURN_FROM_EXCEPTION);
    assert_eq!(k.reg(t, reg::PC), 0x1_0040, "back at the faulting instruction");
    assert_eq!(k.reg(t, reg::A0 + 5), 55, "with its registers");
    // It faults again; this time the handler itself faults: that is fatal.
    k.fault(t, Fault::LoadPage, 0x1_0040, 0x5000_0000);
    k.fault(t, Fault::StorePage, 0x1_2004, 0x10);
    assert!(k.procs.get(t.pid).is_none(), "a fault in the handler is fatal");
}

#[test]
fn virt_to_phys_backs_and_reports_the_frame() {
    let (mut k, t) = booted();
    let va = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 0x1000, flags::R | flags::W])[1];
    let r = call(&mut k, t, &[Syscall::VirtToPhys as usize, va + 0x10]);
    assert_eq!(r[0], SyscallResult::Scalar1 as usize);
    let frame = pte::address(k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, va));
    assert_eq!(r[1], frame + 0x10, "the page was backed and its frame reported");
    assert_eq!(head(call(&mut k, t, &[Syscall::VirtToPhys as usize, 0x5000_0000])), err(Error::BadAddress));
    assert_eq!(head(call(&mut k, t, &[Syscall::VirtToPhys as usize, 0xff40_0000])), err(Error::BadAddress));
}

#[test]
fn user_pages_fill_all_of_ram_and_tables_stay_low() {
    let mut k = crate::tests::kernel_with_pools(8, 24);
    let pid = k.create_process("big", true).unwrap();
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    let t = ThreadRef { pid, tid };
    let va = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0, 64 * 0x1000, flags::R | flags::W])[1];
    let space = k.procs.get(pid).unwrap().space;
    let low_end = 0x8000_0000 + 8 * 0x1000;
    let mut frames = Vec::new();
    loop {
        let r = call(&mut k, t, &[Syscall::VirtToPhys as usize, va + frames.len() * 0x1000]);
        if r[0] != SyscallResult::Scalar1 as usize {
            assert_eq!(head(r), err(Error::OutOfMemory), "running out is an error");
            break;
        }
        frames.push(r[1]);
    }
    assert!(frames[..24].iter().all(|pa| *pa >= low_end), "the high pool first: {frames:x?}");
    let reserve = k.frames.reserve();
    assert_eq!(reserve, 4, "an eighth of RAM is kept for others (mem/frames.rs)");
    assert_eq!(frames.len(), 24 + 8 - 3 - reserve, "then what the root, the saved registers and one table left of the low pool");
    let top = pte::address(k.hw.table(space.root)[pte::vpn1(va)]);
    assert!(top < low_end, "page tables come from the low pool");
    let far = call(&mut k, t, &[Syscall::MapMemory as usize, 0, 0x7000_0000, 0x1000, flags::R | flags::W]);
    assert_eq!(head(far), err(Error::OutOfMemory), "no frame for a new page table");
    assert_eq!((k.frames.free_count(), k.frames.peak()), (reserve, 32 - reserve));
    assert_eq!(head(call(&mut k, t, &[Syscall::UnmapMemory as usize, va, 64 * 0x1000])), [0, 0]);
    assert_eq!(k.frames.free_count(), 24 + 8 - 3, "all back");
    assert!(k.procs.get(pid).is_some(), "the process lives on");
}
