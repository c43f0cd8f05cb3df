//! A process's thread slots, allocated as it needs them. Ids 0..=31 (0 is
//! the interrupt handler's) live in the process itself and in its first
//! page of saved registers, made with the process: the trap path and the
//! fast path reach them with one index. Ids 32..=MAX_THREADS (255: a
//! thread is named by an 8-bit slot inside the kernel) live in frames
//! taken from the low pool when a thread first needs one and given back
//! with the process's other frames: a page of saved registers for every
//! 32 ids, and one page of records (state, stack bottom, give-way count)
//! for all of them. So a process with few threads costs what it did, and
//! one more thread fails for memory (CreateThread answers OutOfMemory), or
//! when the whole system has MORE_BLOCKS such pages of saved registers
//! (ThreadNotAvailable): that bound keeps the run queue (sched.rs), which
//! has room for every thread that can exist, at 8 KiB.

use crate::kernel::{Kernel, Platform};
use crate::sched::{change_state, Move, ThreadRef};
use crate::thread::{ThreadState, CONTEXTS_PER_PAGE};
use xous_abi::limits::MAX_THREADS;
use xous_abi::Error;

/// Ids whose slots are in the process itself: 0..FIRST.
pub const FIRST: usize = CONTEXTS_PER_PAGE;
/// Pages of saved registers beyond the first.
pub const BLOCKS: usize = (MAX_THREADS + 1) / CONTEXTS_PER_PAGE - 1;
const _: () = assert!((BLOCKS + 1) * CONTEXTS_PER_PAGE == MAX_THREADS + 1);

/// Pages of saved registers beyond the first that all processes together
/// may have (the board says: on QEMU 64, room for 2048 more threads, eight
/// processes of 255; on the Baochip-1x 16, 512 more threads, more than its
/// 2 MiB can give stacks to). The run queue has room for them all.
pub const MORE_BLOCKS: usize = board::MORE_THREAD_PAGES;

/// Threads one process may have alive at once: every one of them may wait
/// in a call (a lock, a condition) at the same time, so no more than its
/// share of the message pool (ipc::PROCESS_MESSAGES). Else the threads
/// waiting at a barrier could hold the whole share, and the one that would
/// wake them could not send (on the Baochip-1x, 64: std's tests with 100
/// threads waited for ever; now the 65th spawn is refused). On QEMU all
/// 255 ids.
pub const LIVE_THREADS: usize = if crate::ipc::PROCESS_MESSAGES < MAX_THREADS { crate::ipc::PROCESS_MESSAGES } else { MAX_THREADS };
const _: () = assert!(LIVE_THREADS <= crate::ipc::PROCESS_MESSAGES && LIVE_THREADS >= 32);

/// A record's words: state (two), stack bottom, give-way count.
const RECORD_WORDS: usize = 4;
const STATE: usize = 0;
const STACK: usize = 2;
const GAVE_WAY: usize = 3;
const _: () = assert!((MAX_THREADS + 1 - FIRST) * RECORD_WORDS <= 1024, "one page holds the records");

/// The frames of ids FIRST..=MAX_THREADS (0: not taken yet).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct MoreThreads {
    /// Saved registers of ids FIRST * (b + 1) .. FIRST * (b + 2).
    pub contexts: [usize; BLOCKS],
    /// The records of ids FIRST..=MAX_THREADS, all zero (Free) at first.
    pub records: usize,
}

impl ThreadState {
    /// The state as two words of a record; Free is all zeros.
    fn to_words(self) -> [u32; 2] {
        match self {
            ThreadState::Free => [0, 0],
            ThreadState::Ready => [1, 0],
            ThreadState::Joining(tid) => [2, tid as u32],
            ThreadState::Exited(value) => [3, value as u32],
            ThreadState::Receiving(server) => [4, server as u32],
            ThreadState::AwaitingReply(slot) => [5, slot as u32],
            ThreadState::Retry => [6, 0],
        }
    }

    fn from_words(w: [u32; 2]) -> ThreadState {
        match w[0] {
            1 => ThreadState::Ready,
            2 => ThreadState::Joining(w[1] as u8),
            3 => ThreadState::Exited(w[1] as usize),
            4 => ThreadState::Receiving(w[1] as u8),
            5 => ThreadState::AwaitingReply(w[1] as u16),
            6 => ThreadState::Retry,
            _ => ThreadState::Free,
        }
    }
}

impl<P: Platform> Kernel<P> {
    /// What thread `t` is doing (Free when there is no such thread or process).
    pub fn thread_state(&mut self, t: ThreadRef) -> ThreadState {
        let Some(p) = self.procs.get(t.pid) else { return ThreadState::Free };
        if let Some(state) = p.threads.get(t.tid as usize) {
            return *state;
        }
        match self.record(t) {
            Some((page, at)) => {
                let w = self.hw.low_table(page);
                ThreadState::from_words([w[at + STATE], w[at + STATE + 1]])
            }
            None => ThreadState::Free,
        }
    }

    /// `set_state` for an id beyond the first page (sched.rs): the state
    /// is read from its record, changed, and written back.
    #[cold]
    #[inline(never)]
    pub(crate) fn set_more_state(&mut self, t: ThreadRef, state: ThreadState, how: Move) -> bool {
        let Some((page, at)) = self.record(t) else { return false };
        let mut slot = self.thread_state(t);
        change_state(&mut slot, &mut self.queue, &mut self.current, t, state, how);
        let words = slot.to_words();
        self.hw.low_table(page)[at + STATE..at + STATE + 2].copy_from_slice(&words);
        true
    }

    /// The page and word offset of the record of `t`, an id beyond the
    /// first page, if its process has its records page.
    fn record(&self, t: ThreadRef) -> Option<(usize, usize)> {
        let p = self.procs.get(t.pid)?;
        let i = (t.tid as usize).checked_sub(FIRST)?;
        (p.more.records != 0).then_some((p.more.records, i * RECORD_WORDS))
    }

    /// The page of saved registers holding `t`'s, an id past the first
    /// page (`context_slot` asks only for those). Inline, without a call:
    /// a call on the syscall path, even one never made, takes registers
    /// the common case needs (4 instructions a syscall when it was out of
    /// line).
    #[inline(always)]
    pub fn more_contexts(&self, t: ThreadRef) -> usize {
        let block = (t.tid as usize / CONTEXTS_PER_PAGE).checked_sub(1).expect("an id past the first page");
        let page = self.procs.get(t.pid).map_or(0, |p| p.more.contexts[block]);
        assert_ne!(page, 0, "a thread's page of saved registers");
        page
    }

    /// The bottom of thread `t`'s stack, if the kernel knows it.
    pub fn stack_bottom(&mut self, t: ThreadRef) -> Option<usize> {
        let p = self.procs.get(t.pid)?;
        let bottom = match p.stack_bottom.get(t.tid as usize) {
            Some(bottom) => *bottom,
            None => {
                let (page, at) = self.record(t)?;
                self.hw.low_table(page)[at + STACK] as usize
            }
        };
        (bottom != 0).then_some(bottom)
    }

    /// A new thread `t` starts its record: neither detached nor joined,
    /// the bottom of its stack `bottom` (0: not known), no TrySendMessage
    /// rounds given away. One lookup of the process for all of them.
    pub fn start_record(&mut self, t: ThreadRef, bottom: usize) {
        let Some(p) = self.procs.get_mut(t.pid) else { return };
        p.detached.remove(t.tid);
        p.joined.remove(t.tid);
        let i = t.tid as usize;
        if i < FIRST {
            (p.stack_bottom[i], p.gave_way[i]) = (bottom, 0);
        } else if let Some((page, at)) = self.record(t) {
            let w = self.hw.low_table(page);
            (w[at + STACK], w[at + GAVE_WAY]) = (bottom as u32, 0);
        }
    }

    /// How many TrySendMessage rounds in a row `t` gave away (ipc/message.rs).
    pub fn gave_way(&mut self, t: ThreadRef) -> u8 {
        let Some(p) = self.procs.get(t.pid) else { return 0 };
        if let Some(rounds) = p.gave_way.get(t.tid as usize) {
            return *rounds;
        }
        self.record(t).map_or(0, |(page, at)| self.hw.low_table(page)[at + GAVE_WAY] as u8)
    }

    pub fn set_gave_way(&mut self, t: ThreadRef, rounds: u8) {
        let Some(p) = self.procs.get_mut(t.pid) else { return };
        if let Some(slot) = p.gave_way.get_mut(t.tid as usize) {
            *slot = rounds;
        } else if let Some((page, at)) = self.record(t) {
            self.hw.low_table(page)[at + GAVE_WAY] = rounds as u32;
        }
    }

    /// The lowest id from `from` up (1..=MAX_THREADS) of a thread of `pid`
    /// whose state `matches`; ids whose page is not taken are not looked at.
    pub fn find_thread(&mut self, pid: u8, from: usize, matches: impl Fn(ThreadState) -> bool) -> Option<u8> {
        let p = self.procs.get(pid)?;
        if let Some(tid) = (from.max(1)..FIRST).find(|&tid| matches(p.threads[tid])) {
            return Some(tid as u8);
        }
        let records = p.more.records;
        if records == 0 {
            return None;
        }
        for tid in from.max(FIRST)..=MAX_THREADS {
            if p.more.contexts[tid / CONTEXTS_PER_PAGE - 1] == 0 {
                continue;
            }
            let at = (tid - FIRST) * RECORD_WORDS;
            let w = self.hw.low_table(records);
            if matches(ThreadState::from_words([w[at + STATE], w[at + STATE + 1]])) {
                return Some(tid as u8);
            }
        }
        None
    }

    /// How many threads of `pid` (ids 1..) are in a state that `matches`.
    pub fn count_threads(&mut self, pid: u8, matches: impl Fn(ThreadState) -> bool + Copy) -> usize {
        let mut count = 0;
        let mut from = 1;
        while let Some(tid) = self.find_thread(pid, from, matches) {
            count += 1;
            from = tid as usize + 1;
        }
        count
    }

    /// Threads of `pid` that run or wait (not Free, not Exited).
    pub fn live_threads(&mut self, pid: u8) -> usize {
        self.count_threads(pid, |s| !matches!(s, ThreadState::Free | ThreadState::Exited(_)))
    }

    /// A slot for a new thread of `pid`: a free one in the pages it has,
    /// else the first id of a new page of saved registers (taken now),
    /// else, in a process that never detaches threads (DETACH_THREAD), the
    /// slot of one that exited unjoined. ThreadNotAvailable when all 255
    /// are taken (or the system's pages, MORE_BLOCKS), OutOfMemory when no
    /// frame is left for a new page.
    pub fn free_thread_slot(&mut self, pid: u8) -> Result<u8, Error> {
        if self.live_threads(pid) >= LIVE_THREADS {
            return Err(Error::ThreadNotAvailable);
        }
        if let Some(tid) = self.find_thread(pid, 1, |s| s == ThreadState::Free) {
            return Ok(tid);
        }
        let p = self.procs.get(pid).ok_or(Error::ProcessNotFound)?;
        let (more, detaches) = (p.more, p.detaches);
        let fresh = match more.contexts.iter().position(|c| *c == 0) {
            Some(block) => self.take_block(pid, block),
            None => Err(Error::ThreadNotAvailable),
        };
        fresh.or_else(|e| self.find_thread(pid, 1, |s| !detaches && matches!(s, ThreadState::Exited(_))).ok_or(e))
    }

    /// Takes the page of saved registers for ids FIRST * (block + 1)..,
    /// and the records page if this is the first; its first id.
    fn take_block(&mut self, pid: u8, block: usize) -> Result<u8, Error> {
        let mut more = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.more;
        if self.more_blocks >= MORE_BLOCKS {
            return Err(Error::ThreadNotAvailable);
        }
        if more.records == 0 {
            more.records = self.fresh_low_page(pid)?;
        }
        more.contexts[block] = match self.fresh_low_page(pid) {
            Ok(page) => page,
            Err(e) => {
                // The records page stays: it is the process's, freed with it.
                self.procs.get_mut(pid).expect("live").more.records = more.records;
                return Err(e);
            }
        };
        self.procs.get_mut(pid).expect("live").more = more;
        self.more_blocks += 1;
        Ok(((block + 1) * CONTEXTS_PER_PAGE) as u8)
    }

    /// A zeroed frame of the low pool for process `pid`.
    fn fresh_low_page(&mut self, pid: u8) -> Result<usize, Error> {
        let page = self.frames.alloc_low(pid).ok_or(Error::OutOfMemory)?;
        self.hw.zero(page);
        Ok(page)
    }
}
