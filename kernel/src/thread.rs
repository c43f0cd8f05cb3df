//! Threads: what each is doing (its state), its saved registers, and the
//! syscalls that make, end, detach and join them. A thread is named by a
//! `ThreadRef`; its registers live in its process's context page.

use crate::kernel::{Kernel, Platform};
use crate::mem::map::check_range;
use crate::sched::{Move, ThreadRef};
use crate::syscall::{Handled, Outcome};
use xous_abi::limits::MAX_THREADS;
use xous_abi::memory::{self, RETURN_FROM_THREAD};
use xous_abi::{Error, SyscallResult};

pub use crate::arch::riscv::isa::reg;

/// Registers saved per thread: the pc where x0 would be, then x1..x31.
pub const CONTEXT_WORDS: usize = 32;
/// Slot 0 of the first context page is the interrupt handler's; threads
/// 1..=31 follow, and 32..=MAX_THREADS in pages taken as needed (threads.rs).
pub const INTERRUPT_CONTEXT: u8 = 0;
/// Slots in a page of saved registers.
pub const CONTEXTS_PER_PAGE: usize = 4096 / (CONTEXT_WORDS * 4);
const _: () = assert!(CONTEXTS_PER_PAGE == 32);

/// What a thread is doing; only `Kernel::set_state` (sched.rs) changes it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// No thread in this slot.
    Free,
    /// Runnable: queued, or running now.
    Ready,
    /// Waiting for thread `tid` of the same process to finish.
    Joining(u8),
    /// Finished with this value; kept until joined (or its slot is needed).
    Exited(usize),
    /// Waiting for a message to server `index` (ReceiveMessage).
    Receiving(u8),
    /// Waiting for the reply to message `slot` (a blocking send).
    AwaitingReply(u16),
    /// Will repeat its syscall when something changes (its server appears,
    /// or the queue it sends to has room).
    Retry,
}

impl<P: Platform> Kernel<P> {
    /// The page holding `t`'s saved registers, and their first word in it:
    /// the process's first page for ids 0..=31, as the trap path finds it;
    /// the pages of ids past 31 out of line (threads.rs).
    #[inline(always)]
    pub(crate) fn context_slot(&self, t: ThreadRef) -> (usize, usize) {
        let page = match (t.tid as usize) < CONTEXTS_PER_PAGE {
            true => self.procs.anchors(t.pid).expect("thread of a live process").contexts,
            false => self.more_contexts(t),
        };
        (page, t.tid as usize % CONTEXTS_PER_PAGE * CONTEXT_WORDS)
    }

    #[inline]
    pub fn reg(&mut self, t: ThreadRef, r: usize) -> usize {
        self.context(t)[r] as usize
    }

    #[inline]
    pub fn set_reg(&mut self, t: ThreadRef, r: usize, value: usize) {
        self.context(t)[r] = value as u32;
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
        let slots: &mut [[u32; CONTEXT_WORDS]; CONTEXTS_PER_PAGE] = self.hw.low_table(page).as_chunks_mut().0.try_into().expect("a page of slots");
        &mut slots[t.tid as usize % CONTEXTS_PER_PAGE]
    }

    /// Sets `t`'s registers to start at `pc` with `sp`, returning to `ra`,
    /// with `args` in a0.. and every other register zero.
    pub(crate) fn start_context(&mut self, t: ThreadRef, pc: usize, sp: usize, ra: usize, args: &[usize]) {
        let regs = self.context(t);
        regs.fill(0);
        (regs[reg::PC], regs[reg::SP], regs[reg::RA]) = (pc as u32, sp as u32, ra as u32);
        for (r, a) in regs[reg::A0..].iter_mut().zip(args) {
            *r = *a as u32;
        }
    }

    /// Starts a thread at `entry` with stack pointer `sp` and a0..a3 = `args`;
    /// returning from `entry` ends the thread. Its stack's bottom is not known.
    pub fn spawn_thread(&mut self, pid: u8, entry: usize, sp: usize, args: [usize; 4]) -> Result<u8, Error> {
        self.spawn_thread_on(pid, entry, (0, sp), args)
    }

    /// `spawn_thread` on the stack `bottom..top` (sp = top; bottom 0: not known).
    pub fn spawn_thread_on(&mut self, pid: u8, entry: usize, (bottom, top): (usize, usize), args: [usize; 4]) -> Result<u8, Error> {
        let tid = self.free_thread_slot(pid)?;
        let t = ThreadRef { pid, tid };
        self.start_record(t, bottom);
        self.start_context(t, entry, top, RETURN_FROM_THREAD, &args);
        self.set_state(t, ThreadState::Ready, Move::Back);
        Ok(tid)
    }

    /// Ends thread `t` with `value`, waking a thread that was joining it.
    pub fn exit_thread(&mut self, t: ThreadRef, value: usize) {
        if self.procs.get(t.pid).is_none() {
            return;
        }
        let joined = self.procs.get(t.pid).is_some_and(|p| p.joined.contains(t.tid));
        let joiner = match joined {
            true => self.find_thread(t.pid, 1, |s| s == ThreadState::Joining(t.tid)),
            false => None,
        };
        let p = self.procs.get_mut(t.pid).expect("live");
        // Kept for a join only if one may still come.
        let unclaimed = joiner.is_none() && !p.detached.contains(t.tid);
        p.detached.remove(t.tid);
        p.joined.remove(t.tid);
        self.set_state(t, if unclaimed { ThreadState::Exited(value) } else { ThreadState::Free }, Move::Off);
        if let Some(j) = joiner {
            self.wake(ThreadRef { pid: t.pid, tid: j }, Move::Back, SyscallResult::Scalar1, &[value]);
        } else if self.live_threads(t.pid) == 0 {
            self.terminate(t.pid, 0);
        }
    }
}


/// CreateThread(entry, stack, stack_len, a0..a3) -> ThreadId. The stack must
/// be mapped, whole pages. Errors: BadAddress, BadAlignment, ThreadNotAvailable.
#[inline(never)]
pub fn create_thread<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, entry: usize, stack: usize, len: usize, args: [usize; 4]) -> Handled {
    check_range(stack, len)?;
    if entry == 0 || entry >= memory::USER_END {
        return Err(Error::BadAddress);
    }
    let tid = k.spawn_thread_on(t.pid, entry, (stack, stack + len), args)?;
    k.answered(t, SyscallResult::ThreadId, &[tid as usize])
}

/// JoinThread(tid) -> Scalar1(value) once that thread has returned.
/// Errors: ThreadNotAvailable (no such thread), InvalidThread (itself, or
/// 0, the interrupt handler's slot).
#[inline(never)]
pub fn join_thread<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, tid: usize) -> Handled {
    if k.procs.get(t.pid).is_none() {
        return Ok(Outcome::Gone);
    }
    // Slot 0 is the interrupt handler's, no thread: nothing would end a join of it.
    if tid == t.tid as usize || tid == INTERRUPT_CONTEXT as usize {
        return Err(Error::InvalidThread);
    }
    let Ok(tid) = u8::try_from(tid) else { return Err(Error::ThreadNotAvailable) };
    match k.thread_state(ThreadRef { pid: t.pid, tid }) {
        ThreadState::Free => Err(Error::ThreadNotAvailable),
        ThreadState::Exited(value) => {
            k.set_state(ThreadRef { pid: t.pid, tid }, ThreadState::Free, Move::Stays);
            k.answered(t, SyscallResult::Scalar1, &[value])
        }
        _ => {
            let p = k.procs.get_mut(t.pid).expect("live");
            if p.joined.contains(tid) {
                // Someone else already waits for it; only one joiner is allowed.
                return Err(Error::ThreadNotAvailable);
            }
            p.joined.insert(tid);
            k.set_state(t, ThreadState::Joining(tid), Move::Off);
            Ok(Outcome::Waiting)
        }
    }
}

/// PlatformSpecific(DETACH_THREAD, tid): no one joins thread `tid` of `t`'s
/// process; its slot is freed when it exits (now, if it has), and from now
/// on the process's unjoined slots are never given to new threads (see the
/// ABI). Tid 0 does only the latter. Errors: InvalidThread (itself, or no such id),
/// ThreadNotAvailable (no thread there, or one waits to join it).
pub fn detach_thread<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, tid: usize) -> Handled {
    let p = k.procs.get_mut(t.pid).ok_or(Error::ProcessNotFound)?;
    if tid == 0 {
        // No thread has id 0 (slot 0 is the interrupt context): this
        // only says the process will detach what it does not join.
        p.detaches = true;
        return Ok(Outcome::Ok);
    }
    if tid == t.tid as usize || tid > MAX_THREADS {
        return Err(Error::InvalidThread);
    }
    p.detaches = true;
    let target = ThreadRef { pid: t.pid, tid: tid as u8 };
    match k.thread_state(target) {
        ThreadState::Free => Err(Error::ThreadNotAvailable),
        ThreadState::Exited(_) => {
            k.set_state(target, ThreadState::Free, Move::Stays);
            Ok(Outcome::Ok)
        }
        _ => {
            let p = k.procs.get_mut(t.pid).expect("live");
            if p.joined.contains(tid as u8) {
                return Err(Error::ThreadNotAvailable);
            }
            p.detached.insert(tid as u8);
            Ok(Outcome::Ok)
        }
    }
}
