//! The kernel's state and its reactions to the three things that enter it:
//! a syscall, a fault, and the timer. Everything here is plain Rust over the
//! [`Platform`] trait, so the whole of it runs in host tests; `arch` only
//! saves registers, calls in, and resumes whichever thread we pick.

use crate::mem::frames::{Frames, Owner};
use crate::mem::pte::{self, ENTRIES};
use crate::mem::space::{MapError, PhysMem, Space};
use crate::mem::PAGE_SIZE;
use crate::process::{Process, ProcessTable, ThreadState, CONTEXT_WORDS, INTERRUPT_CONTEXT};
use crate::sched::{RunQueue, ThreadRef};
use xous_abi::console::Channel;
use xous_abi::memory::{RETURN_FROM_EXCEPTION, RETURN_FROM_INTERRUPT, RETURN_FROM_THREAD};
use xous_abi::platform::Ending;
use xous_abi::{Error, SyscallResult};

/// What the kernel needs from the machine besides memory.
pub trait Platform: PhysMem {
    /// Writes one console frame on `channel`.
    fn console(&mut self, channel: Channel, bytes: &[u8]);
    /// Forgets cached translations of address space `asid` (all, or one page).
    fn flush_tlb(&mut self, asid: u8, va: Option<usize>);
    /// Some unpredictable bits (for server IDs).
    fn entropy(&mut self) -> u32;
    /// Whether interrupt `irq` exists on this board.
    fn irq_exists(&self, irq: usize) -> bool;
    /// Lets `irq` reach the kernel, or stops it.
    fn enable_irq(&mut self, irq: usize, on: bool);
    /// Tells the interrupt controller `irq` has been handled.
    fn complete_irq(&mut self, irq: usize);
    /// Whether user processes may map the device page at `pa`.
    fn is_user_device(&self, pa: usize) -> bool;
}

/// First root-table slot of the kernel's half (0xff00_0000 and up).
pub const FIRST_KERNEL_SLOT: usize = 0x3fc;

/// Register numbers in a saved context.
pub mod reg {
    pub const RA: usize = 1;
    pub const SP: usize = 2;
    pub const TP: usize = 4;
    pub const A0: usize = 10;
    /// The saved pc sits where x0 (always zero) would.
    pub const PC: usize = 0;
}

/// Why a user thread trapped, other than a syscall or an interrupt.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    InstructionPage,
    LoadPage,
    StorePage,
    InstructionAccess,
    LoadAccess,
    StoreAccess,
    IllegalInstruction,
    InstructionMisaligned,
    LoadMisaligned,
    StoreMisaligned,
    Breakpoint,
}

impl Fault {
    /// The fault a RISC-V exception code (scause) stands for, if it is one
    /// a user thread can cause.
    pub fn from_cause(code: usize) -> Option<Fault> {
        [
            Fault::InstructionMisaligned,
            Fault::InstructionAccess,
            Fault::IllegalInstruction,
            Fault::Breakpoint,
            Fault::LoadMisaligned,
            Fault::LoadAccess,
            Fault::StoreMisaligned,
            Fault::StoreAccess,
            Fault::InstructionPage,
            Fault::LoadPage,
            Fault::StorePage,
        ]
        .into_iter()
        .find(|f| f.cause() == code)
    }

    /// The RISC-V exception code (scause) of this fault.
    pub fn cause(self) -> usize {
        match self {
            Fault::InstructionMisaligned => 0,
            Fault::InstructionAccess => 1,
            Fault::IllegalInstruction => 2,
            Fault::Breakpoint => 3,
            Fault::LoadMisaligned => 4,
            Fault::LoadAccess => 5,
            Fault::StoreMisaligned => 6,
            Fault::StoreAccess => 7,
            Fault::InstructionPage => 12,
            Fault::LoadPage => 13,
            Fault::StorePage => 15,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Fault::InstructionPage => "instruction page fault",
            Fault::LoadPage => "load page fault",
            Fault::StorePage => "store page fault",
            Fault::InstructionAccess => "instruction access fault",
            Fault::LoadAccess => "load access fault",
            Fault::StoreAccess => "store access fault",
            Fault::IllegalInstruction => "illegal instruction",
            Fault::InstructionMisaligned => "misaligned instruction fetch",
            Fault::LoadMisaligned => "misaligned load",
            Fault::StoreMisaligned => "misaligned store",
            Fault::Breakpoint => "breakpoint",
        }
    }
}

/// What the ending system does next (`Kernel::power_off_step`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PowerOff {
    /// Everything to drain is drained: power off.
    Now,
    /// Run this thread of a draining server's process.
    Run(ThreadRef),
    /// A draining server has messages but no thread of its process is
    /// ready: wait for an interrupt (or the deadline).
    Wait,
}

pub struct Kernel<P: Platform> {
    pub hw: P,
    pub frames: Frames,
    pub procs: ProcessTable,
    pub queue: RunQueue,
    /// The thread that was running when the kernel was entered, if it still can.
    pub current: Option<ThreadRef>,
    /// The kernel half every address space shares.
    pub kernel_root: [u32; ENTRIES],
    /// Set when the system should stop, with the exit code to report. It
    /// powers off once the servers drained before power-off are
    /// (`power_off_step`).
    pub halted: Option<u32>,
    /// While the system ends: when to power off whether drained or not
    /// (the platform's timer ticks; set by `arch` when it first sees `halted`).
    pub drain_deadline: Option<u64>,
    pub ipc: crate::ipc::Ipc,
    /// Some thread may be in ThreadState::Retry (set when one enters it).
    pub retries_waiting: bool,
    pub irqs: crate::irq::Irqs,
    pub devices: crate::irq::Devices,
    /// The servers that hear when a process ends, and what they were not told yet.
    pub exits: crate::exits::Exits,
    /// Host tests: every syscall takes the general path (syscall/fast.rs).
    #[cfg(test)]
    pub slow_path_only: bool,
}

impl<P: Platform> Kernel<P> {
    pub const fn new(hw: P, frames: Frames, kernel_root: [u32; ENTRIES]) -> Kernel<P> {
        Kernel {
            hw,
            frames,
            procs: ProcessTable::new(),
            queue: RunQueue::new(),
            current: None,
            kernel_root,
            halted: None,
            drain_deadline: None,
            ipc: crate::ipc::Ipc::new(),
            retries_waiting: false,
            irqs: crate::irq::Irqs::new(),
            devices: crate::irq::Devices::new(),
            exits: crate::exits::Exits::new(),
            #[cfg(test)]
            slow_path_only: false,
        }
    }

    // ---- saved registers -------------------------------------------------

    #[inline(always)]
    fn context_slot(&self, t: ThreadRef) -> (usize, usize) {
        let a = self.procs.anchors(t.pid).expect("thread of a live process");
        (a.contexts, t.tid as usize * CONTEXT_WORDS)
    }

    #[inline]
    pub fn reg(&mut self, t: ThreadRef, r: usize) -> usize {
        self.context(t)[r] as usize
    }

    #[inline]
    pub fn set_reg(&mut self, t: ThreadRef, r: usize, value: usize) {
        self.context(t)[r] = value as u32;
    }

    /// Physical address of `t`'s saved registers (for the trap code).
    pub fn context_address(&self, t: ThreadRef) -> usize {
        let (page, base) = self.context_slot(t);
        page + base * 4
    }

    /// Writes a syscall result into a0..a7 of `t`.
    pub fn set_result(&mut self, t: ThreadRef, words: &[usize; 8]) {
        let context = self.context(t);
        for (slot, w) in context[reg::A0..reg::A0 + 8].iter_mut().zip(words) {
            *slot = *w as u32;
        }
    }

    /// Writes a syscall's answer into a0..a7 of `t`: `tag`, then `payload`
    /// (at most seven words), then zeros.
    #[inline(always)]
    pub fn answer(&mut self, t: ThreadRef, tag: SyscallResult, payload: &[usize]) {
        let regs = &mut self.context(t)[reg::A0..reg::A0 + 8];
        regs[0] = tag as u32;
        for (i, r) in regs[1..].iter_mut().enumerate() {
            *r = payload.get(i).map_or(0, |w| *w as u32);
        }
    }

    /// All of `t`'s saved registers at once (one lookup, for the syscall path).
    #[inline(always)]
    pub fn context(&mut self, t: ThreadRef) -> &mut [u32; CONTEXT_WORDS] {
        let (page, _) = self.context_slot(t);
        let slots: &mut [[u32; CONTEXT_WORDS]; crate::process::CONTEXTS_PER_PAGE] = self.hw.low_table(page).as_chunks_mut().0.try_into().expect("a page of slots");
        &mut slots[t.tid as usize % crate::process::CONTEXTS_PER_PAGE]
    }

    // ---- processes and threads -----------------------------------------

    /// A new process with an empty address space and no threads.
    pub fn create_process(&mut self, name: &str, main: bool) -> Result<u8, Error> {
        let pid = self.procs.free_pid().ok_or(Error::OutOfMemory)?;
        let space = Space::new(&mut self.hw, &mut self.frames, pid, &self.kernel_root, FIRST_KERNEL_SLOT)
            .map_err(map_error)?;
        let Some(contexts) = self.frames.alloc_low(pid) else {
            self.frames.free_all(pid);
            return Err(Error::OutOfMemory);
        };
        self.hw.zero(contexts);
        self.hw.flush_tlb(pid, None);
        self.procs.insert(Process::new(pid, name, space, contexts, main));
        Ok(pid)
    }

    /// Starts a thread at `entry` with stack pointer `sp` and a0..a3 = `args`;
    /// returning from `entry` ends the thread.
    pub fn spawn_thread(&mut self, pid: u8, entry: usize, sp: usize, args: [usize; 4]) -> Result<u8, Error> {
        let p = self.procs.get_mut(pid).ok_or(Error::ProcessNotFound)?;
        let tid = p.free_thread_slot().ok_or(Error::ThreadNotAvailable)?;
        p.threads[tid as usize] = ThreadState::Ready;
        p.detached &= !(1 << tid);
        let t = ThreadRef { pid, tid };
        for r in 0..CONTEXT_WORDS {
            self.set_reg(t, r, 0);
        }
        self.set_reg(t, reg::PC, entry);
        self.set_reg(t, reg::SP, sp);
        self.set_reg(t, reg::RA, RETURN_FROM_THREAD);
        for (i, a) in args.iter().enumerate() {
            self.set_reg(t, reg::A0 + i, *a);
        }
        self.queue.push(t);
        Ok(tid)
    }

    /// Ends thread `t` with `value`, waking a thread that was joining it.
    pub fn exit_thread(&mut self, t: ThreadRef, value: usize) {
        let Some(p) = self.procs.get_mut(t.pid) else { return };
        let joiner = (1..p.threads.len()).find(|&j| p.threads[j] == ThreadState::Joining(t.tid));
        // Kept for a join only if one may still come.
        let unclaimed = joiner.is_none() && p.detached & (1 << t.tid) == 0;
        p.threads[t.tid as usize] = if unclaimed { ThreadState::Exited(value) } else { ThreadState::Free };
        p.detached &= !(1 << t.tid);
        let no_threads_left = p.live_threads() == 0;
        self.block(t);
        if let Some(j) = joiner {
            let waiter = ThreadRef { pid: t.pid, tid: j as u8 };
            self.wake(waiter, SyscallResult::Scalar1, &[value]);
        } else if no_threads_left {
            self.terminate(t.pid, 0);
        }
    }

    /// DETACH_THREAD: no one joins thread `tid` of `t`'s process; its slot
    /// is freed when it exits (now, if it has), and from now on the process's
    /// unjoined slots are never given to new threads (see the ABI). Tid 0
    /// does only the latter.
    pub fn detach_thread(&mut self, t: ThreadRef, tid: usize) -> Result<(), Error> {
        let p = self.procs.get_mut(t.pid).ok_or(Error::ProcessNotFound)?;
        if tid == 0 {
            // No thread has id 0 (slot 0 is the interrupt context): this
            // only says the process will detach what it does not join.
            p.detaches = true;
            return Ok(());
        }
        if tid == t.tid as usize || tid > xous_abi::limits::MAX_THREADS {
            return Err(Error::InvalidThread);
        }
        p.detaches = true;
        match p.threads[tid] {
            ThreadState::Free => Err(Error::ThreadNotAvailable),
            ThreadState::Exited(_) => {
                p.threads[tid] = ThreadState::Free;
                Ok(())
            }
            _ if p.threads.iter().any(|s| *s == ThreadState::Joining(tid as u8)) => Err(Error::ThreadNotAvailable),
            _ => {
                p.detached |= 1 << tid;
                Ok(())
            }
        }
    }

    /// Takes `t` off the processor (or out of the run queue); it runs again
    /// when something wakes it.
    #[inline]
    pub fn block(&mut self, t: ThreadRef) {
        if self.current == Some(t) {
            self.current = None;
        } else {
            self.queue.remove(|q| q == t);
        }
    }

    /// Makes the waiting thread `t` runnable, after the others, with this answer.
    #[inline]
    pub fn wake(&mut self, t: ThreadRef, tag: SyscallResult, payload: &[usize]) {
        if self.ready(t) {
            self.answer(t, tag, payload);
            self.queue.push(t);
        }
    }

    /// Makes the waiting thread `t` runnable with this answer, and next: a
    /// sender getting its reply runs as soon as the server waits again.
    #[inline]
    pub fn wake_first(&mut self, t: ThreadRef, tag: SyscallResult, payload: &[usize]) {
        if self.ready(t) {
            self.answer(t, tag, payload);
            self.queue.push_front(t);
        }
    }

    /// Makes the waiting thread `t`, whose answer is written already,
    /// runnable and next: a message's receiver runs at once when its sender
    /// waits for the reply (the sender hands it the processor), else as
    /// soon as the running thread stops.
    #[inline]
    pub fn hand_over(&mut self, t: ThreadRef) {
        if self.ready(t) {
            match self.current {
                None => self.current = Some(t),
                Some(_) => self.queue.push_front(t),
            }
        }
    }

    /// Marks the waiting thread `t` ready; false if its process is gone.
    #[inline(always)]
    fn ready(&mut self, t: ThreadRef) -> bool {
        let Some(p) = self.procs.get_mut(t.pid) else { return false };
        p.threads[t.tid as usize] = ThreadState::Ready;
        true
    }

    /// Lets every thread waiting to repeat its syscall try again.
    #[inline]
    pub fn wake_retries(&mut self) {
        if self.retries_waiting {
            self.wake_all_retries();
        }
    }

    #[inline(never)]
    fn wake_all_retries(&mut self) {
        self.retries_waiting = false;
        for pid in crate::process::FIRST_PID..=xous_abi::limits::MAX_PROCESSES as u8 {
            let Some(p) = self.procs.get_mut(pid) else { continue };
            for tid in 0..p.threads.len() {
                if p.threads[tid] == ThreadState::Retry {
                    p.threads[tid] = ThreadState::Ready;
                    self.queue.push(ThreadRef { pid, tid: tid as u8 });
                }
            }
        }
    }

    /// Ends process `pid`, which exited with `code` (TerminateProcess, or
    /// its last thread returned).
    pub fn terminate(&mut self, pid: u8, code: u32) {
        self.end(pid, code, Ending::Exited);
    }

    /// Ends process `pid` for a fault (or a page it touched that no frame
    /// could back).
    pub fn terminate_for_fault(&mut self, pid: u8) {
        self.end(pid, FAULT_EXIT_CODE, Ending::Faulted);
    }

    /// Every process ends here: it leaves the system (`tear_down`), and if
    /// it was the main one the system stops; the servers that watch for
    /// process ends are told.
    fn end(&mut self, pid: u8, code: u32, ending: Ending) {
        let Some(main) = self.tear_down(pid) else { return };
        if main {
            self.halted = Some(code);
        }
        crate::syscall::process_ended(self, pid, code, ending);
    }

    /// Takes a process that never ran (a CreateProcess that failed half-way)
    /// out again, telling nobody.
    pub fn discard(&mut self, pid: u8) {
        self.tear_down(pid);
    }

    /// Process `pid` leaves: its threads stop, its servers close (their
    /// waiting clients get an error), memory it lent is held until
    /// returned, all its frames return to the pool, its children have no
    /// parent any more. Whether it was the main process; None if there is
    /// no such process.
    fn tear_down(&mut self, pid: u8) -> Option<bool> {
        self.procs.get(pid)?;
        crate::syscall::process_gone(self, pid);
        self.release_interrupts(pid);
        self.devices.release_all(pid);
        let p = self.procs.remove(pid)?;
        self.procs.orphan_children_of(pid);
        self.queue.remove(|t| t.pid == pid);
        if self.current.is_some_and(|t| t.pid == pid) {
            self.current = None;
        }
        self.frames.free_all(pid);
        self.hw.flush_tlb(pid, None);
        Some(p.main)
    }

    /// One line on the kernel channel.
    pub fn report(&mut self, args: core::fmt::Arguments) {
        let mut line = crate::console::Line::new();
        let _ = core::fmt::write(&mut line, args);
        line.push_newline();
        self.hw.console(Channel::Kernel, line.as_bytes());
    }

    /// The closing line: the most RAM that was in use at once, of all there is.
    pub fn report_peak_memory(&mut self) {
        let (peak, total) = (self.frames.peak() * PAGE_SIZE / 1024, self.frames.total() * PAGE_SIZE / 1024);
        self.report(format_args!("kernel: peak memory {peak} KiB of {total} KiB"));
    }

    // ---- memory -----------------------------------------------------------

    /// Reserves `[va, va + len)` in `pid`'s space, to be backed on first
    /// touch with `flags` (R/W/X); without R it is a guard (never accessible).
    pub fn reserve(&mut self, pid: u8, va: usize, len: usize, flags: u32) -> Result<(), Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        let mut walk = space.walk();
        for page in (va..va + len).step_by(PAGE_SIZE) {
            if walk.entry(&mut self.hw, page) != 0 {
                return Err(Error::MemoryInUse);
            }
        }
        let marker = if flags & pte::R != 0 { pte::LAZY | (flags & pte::RWX) } else { pte::GUARD };
        for page in (va..va + len).step_by(PAGE_SIZE) {
            if let Err(e) = walk.set(&mut self.hw, &mut self.frames, page, marker) {
                self.release(pid, va, page - va);
                return Err(map_error(e));
            }
        }
        Ok(())
    }

    /// Unmaps `[va, va + len)` in `pid`'s space, freeing the frames it owns there.
    pub fn release(&mut self, pid: u8, va: usize, len: usize) {
        let Some(space) = self.procs.get(pid).map(|p| p.space) else { return };
        let mut walk = space.walk();
        for page in (va..va + len).step_by(PAGE_SIZE) {
            if let Some(old) = walk.take(&mut self.hw, page) {
                let frame = pte::address(old);
                if frame != 0 && self.frames.owner(frame) == Some(pid as Owner) {
                    let _ = self.frames.free(frame, pid);
                } else if pte::is_valid(old) && !self.frames.contains(frame) {
                    self.devices.release(frame, pid);
                }
                self.hw.flush_tlb(pid, Some(page));
            }
        }
    }

    /// Maps a zeroed frame at `va` (which must be free) with `flags`.
    pub fn map_fresh(&mut self, pid: u8, va: usize, flags: u32) -> Result<usize, Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        let frame = self.frames.alloc(pid).ok_or(Error::OutOfMemory)?;
        self.hw.zero(frame);
        if let Err(e) = space.map(&mut self.hw, &mut self.frames, va, frame, flags | pte::U, true) {
            let _ = self.frames.free(frame, pid);
            return Err(map_error(e));
        }
        // A TLB may keep the old (invalid or lazy) entry: drop it.
        self.hw.flush_tlb(pid, Some(va));
        Ok(frame)
    }

    /// Copies `bytes` into `pid`'s memory at `va`; every page must be
    /// mapped, and RAM (a device's registers are not the kernel's to touch).
    pub fn write_user(&mut self, pid: u8, va: usize, bytes: &[u8]) -> Result<(), Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        let mut done = 0;
        while done < bytes.len() {
            let at = va + done;
            let entry = space.entry(&mut self.hw, at & !(PAGE_SIZE - 1));
            if !pte::is_leaf(entry) || !self.frames.contains(pte::address(entry)) {
                return Err(Error::BadAddress);
            }
            let offset = at % PAGE_SIZE;
            let n = (PAGE_SIZE - offset).min(bytes.len() - done);
            self.hw.write(pte::address(entry), offset, &bytes[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Copies from `pid`'s memory at `va` into `out`; every page must be
    /// mapped, readable by the process, and RAM: a device's registers are
    /// not read for it (a virtio transport answers a byte read with an
    /// access fault, which stopped the kernel).
    pub fn read_user(&mut self, pid: u8, va: usize, out: &mut [u8]) -> Result<(), Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        let mut done = 0;
        while done < out.len() {
            let at = va.checked_add(done).ok_or(Error::BadAddress)?;
            let entry = space.entry(&mut self.hw, at & !(PAGE_SIZE - 1));
            if !pte::is_leaf(entry) || entry & pte::U == 0 || entry & pte::R == 0 || !self.frames.contains(pte::address(entry)) {
                return Err(Error::BadAddress);
            }
            let offset = at % PAGE_SIZE;
            let n = (PAGE_SIZE - offset).min(out.len() - done);
            self.hw.read(pte::address(entry), offset, &mut out[done..done + n]);
            done += n;
        }
        Ok(())
    }

    // ---- entries from the trap handler ------------------------------------

    /// The thread to run now: the current one if it can go on, else the next ready one.
    pub fn next_thread(&mut self) -> Option<ThreadRef> {
        if self.current.is_none() {
            self.current = self.queue.pop();
        }
        self.current
    }

    /// The system is ending (`halted` is set): what to do next. Only the
    /// processes owning a server drained before power-off still run (every
    /// other thread is taken off the processor and out of the run queue for
    /// good); the machine powers off once none of theirs is ready and those
    /// servers' queues are empty. Without such servers that is at once.
    pub fn power_off_step(&mut self) -> PowerOff {
        if let Some(t) = self.current {
            if self.ipc.drains(t.pid) {
                return PowerOff::Run(t);
            }
            self.current = None;
        }
        while let Some(t) = self.queue.pop() {
            if self.ipc.drains(t.pid) {
                self.current = Some(t);
                return PowerOff::Run(t);
            }
        }
        if self.ipc.drained() { PowerOff::Now } else { PowerOff::Wait }
    }

    /// Timer tick: the running thread goes to the back of the queue.
    pub fn preempt(&mut self) {
        if let Some(t) = self.current.take() {
            self.queue.push(t);
        }
    }

    // ---- interrupts --------------------------------------------------------

    /// Interrupt `irq` fired: run its owner's handler now, or as soon as
    /// that process's handler is free. Unclaimed interrupts are completed.
    pub fn interrupt(&mut self, irq: usize) {
        let Some(claim) = self.irqs.claim(irq) else {
            self.hw.complete_irq(irq);
            return;
        };
        let busy = self.procs.get(claim.pid).is_some_and(|p| p.threads[INTERRUPT_CONTEXT as usize] != ThreadState::Free);
        if busy {
            self.irqs.claim_mut(irq).expect("claimed").pending = true;
            return;
        }
        self.start_handler(irq, claim.pid, claim.handler, claim.arg);
    }

    fn start_handler(&mut self, irq: usize, pid: u8, handler: usize, arg: usize) {
        let t = ThreadRef { pid, tid: INTERRUPT_CONTEXT };
        for r in 0..CONTEXT_WORDS {
            self.set_reg(t, r, 0);
        }
        self.set_reg(t, reg::PC, handler);
        self.set_reg(t, reg::SP, INTERRUPT_STACK_TOP);
        self.set_reg(t, reg::RA, RETURN_FROM_INTERRUPT);
        self.set_reg(t, reg::A0, irq);
        self.set_reg(t, reg::A0 + 1, arg);
        let claim = self.irqs.claim_mut(irq).expect("claimed");
        claim.in_service = true;
        claim.pending = false;
        self.procs.get_mut(pid).expect("live").threads[INTERRUPT_CONTEXT as usize] = ThreadState::Ready;
        // The handler runs first; the interrupted thread right after it.
        if let Some(current) = self.current.take() {
            self.queue.push_front(current);
        }
        self.queue.push_front(t);
    }

    /// The handler of `pid` returned: complete its interrupt, start the next.
    fn interrupt_done(&mut self, pid: u8) {
        let t = ThreadRef { pid, tid: INTERRUPT_CONTEXT };
        self.block(t);
        if let Some(p) = self.procs.get_mut(pid) {
            p.threads[INTERRUPT_CONTEXT as usize] = ThreadState::Free;
        }
        if let Some(irq) = self.irqs.in_service(pid) {
            self.irqs.claim_mut(irq).expect("claimed").in_service = false;
            self.hw.complete_irq(irq);
        }
        if let Some(irq) = self.irqs.next_pending(pid) {
            let c = self.irqs.claim(irq).expect("claimed");
            self.start_handler(irq, pid, c.handler, c.arg);
        }
    }

    /// Gives up every interrupt `pid` claimed (it is ending).
    fn release_interrupts(&mut self, pid: u8) {
        for irq in 0..crate::irq::MAX_IRQS {
            if let Some(c) = self.irqs.claim(irq).filter(|c| c.pid == pid) {
                self.hw.enable_irq(irq, false);
                if c.in_service {
                    self.hw.complete_irq(irq);
                }
                self.irqs.claims[irq] = crate::slot::Slot::Empty;
            }
        }
    }

    /// A user fault in thread `t`: back a lazy page, end a thread that
    /// returned to the exit address, or end the process with a report.
    pub fn fault(&mut self, t: ThreadRef, fault: Fault, pc: usize, address: usize) {
        let page = address & !(PAGE_SIZE - 1);
        if fault == Fault::InstructionPage && page == RETURN_FROM_THREAD && t.tid != INTERRUPT_CONTEXT {
            let value = self.reg(t, reg::A0);
            self.exit_thread(t, value);
            return;
        }
        if fault == Fault::InstructionPage && page == RETURN_FROM_INTERRUPT && t.tid == INTERRUPT_CONTEXT {
            self.interrupt_done(t.pid);
            return;
        }
        if fault == Fault::InstructionPage && page == RETURN_FROM_EXCEPTION {
            if self.exception_done(t) {
                return;
            }
        }
        if matches!(fault, Fault::InstructionPage | Fault::LoadPage | Fault::StorePage) {
            let space = self.procs.get(t.pid).expect("live").space;
            let entry = space.entry(&mut self.hw, page);
            let wanted = match fault {
                Fault::InstructionPage => pte::X,
                Fault::LoadPage => pte::R,
                _ => pte::W,
            };
            if pte::is_lazy(entry) && entry & wanted != 0 {
                match self.map_fresh(t.pid, page, entry & pte::RWX) {
                    Ok(_) => return,
                    Err(_) => {
                        let name = self.name_of(t.pid);
                        self.report(format_args!(
                            "kernel: process {} ({}) terminated: out of memory backing {:#010x}",
                            t.pid,
                            name.as_str(),
                            address
                        ));
                        self.terminate_for_fault(t.pid);
                        return;
                    }
                }
            }
        }
        if self.enter_exception_handler(t, fault, pc, address) {
            return;
        }
        let name = self.name_of(t.pid);
        self.report(format_args!(
            "kernel: process {} ({}) terminated: {} at pc {:#010x}, address {:#010x}",
            t.pid,
            name.as_str(),
            fault.describe(),
            pc,
            address
        ));
        self.terminate_for_fault(t.pid);
    }

    /// Runs the process's exception handler for this fault, if it has one
    /// and is not in it already.
    fn enter_exception_handler(&mut self, t: ThreadRef, fault: Fault, pc: usize, address: usize) -> bool {
        let Some(p) = self.procs.get(t.pid) else { return false };
        let (Some((handler, sp)), None) = (p.exception_handler, p.in_exception) else { return false };
        if t.tid == INTERRUPT_CONTEXT {
            return false;
        }
        let (page, base) = self.context_slot(t);
        let saved: [u32; CONTEXT_WORDS] = self.hw.table(page)[base..base + CONTEXT_WORDS].try_into().expect("one context");
        self.procs.get_mut(t.pid).expect("live").in_exception = Some((t.tid, saved));
        self.set_reg(t, reg::PC, handler);
        self.set_reg(t, reg::SP, sp);
        self.set_reg(t, reg::RA, RETURN_FROM_EXCEPTION);
        self.set_reg(t, reg::A0, fault.cause());
        self.set_reg(t, reg::A0 + 1, address);
        self.set_reg(t, reg::A0 + 2, pc);
        true
    }

    /// The handler returned: the thread retries what faulted.
    fn exception_done(&mut self, t: ThreadRef) -> bool {
        let Some(p) = self.procs.get_mut(t.pid) else { return false };
        match p.in_exception {
            Some((tid, saved)) if tid == t.tid => {
                p.in_exception = None;
                let (page, base) = self.context_slot(t);
                self.hw.table(page)[base..base + CONTEXT_WORDS].copy_from_slice(&saved);
                true
            }
            _ => false,
        }
    }

    /// A copy of `pid`'s name, so the table may change while it is printed.
    pub fn name_of(&self, pid: u8) -> FixedName {
        let name = self.procs.get(pid).map_or("?", |p| p.name());
        let mut bytes = [0; crate::process::NAME_LEN];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        FixedName { bytes, len: name.len() }
    }
}

/// The top of the stack interrupt handlers run on (reserved at the first
/// ClaimInterrupt, backed when touched), in the region MapMemory leaves alone.
pub const INTERRUPT_STACK_TOP: usize = 0x7f80_0000;
pub const INTERRUPT_STACK_SIZE: usize = 16 * 1024;

pub use xous_abi::platform::FAULT_EXIT_CODE;

pub fn map_error(e: MapError) -> Error {
    match e {
        MapError::OutOfMemory => Error::OutOfMemory,
        MapError::InUse => Error::MemoryInUse,
        MapError::NotMapped => Error::BadAddress,
    }
}

/// A process name copied out of the table.
pub struct FixedName {
    bytes: [u8; crate::process::NAME_LEN],
    len: usize,
}

impl FixedName {
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("?")
    }
}
