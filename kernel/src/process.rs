//! Processes: the kernel's table of who exists and what each owns (address
//! space, context page, heap, connections); how a process is made and how
//! it ends (every end goes through `Kernel::end`).

use crate::kernel::{Kernel, Platform, FIRST_KERNEL_SLOT};
use crate::mem::space::Space;
use crate::mem::user::map_error;
use crate::slot::Slot;
use crate::thread::{ThreadState, CONTEXT_WORDS};
use crate::sched::ThreadRef;
use crate::syscall::{Handled, Outcome};
use xous_abi::platform::{Ending, FAULT_EXIT_CODE, KILLED_EXIT_CODE};
use xous_abi::Error;
use crate::threads::{MoreThreads, BLOCKS, FIRST};
use crate::tidset::TidSet;

pub mod create;

pub const NAME_LEN: usize = xous_abi::platform::NAME_MAX;

pub struct Process {
    pub pid: u8,
    name: [u8; NAME_LEN],
    name_len: usize,
    pub space: Space,
    /// Physical address of the page holding the threads' saved registers.
    pub contexts: usize,
    /// Index = thread id (1..=31); slot 0 is the interrupt handler's. Ids
    /// 32..=MAX_THREADS are in `more` (threads.rs).
    pub threads: [ThreadState; FIRST],
    pub heap_size: usize,
    pub heap_max: usize,
    /// When this process ends, the system ends with its exit code.
    pub main: bool,
    /// Connection id - 1 -> server index + 1 (0: unused).
    pub connections: [u16; crate::ipc::MAX_CONNECTIONS],
    /// SetExceptionHandler's (pc, sp).
    pub exception_handler: Option<(usize, usize)>,
    /// While a handler runs: the faulting thread and its registers.
    pub in_exception: Option<(u8, [u32; CONTEXT_WORDS])>,
    /// The process that created this one with CreateProcess (0: none, or it ended).
    pub parent: u8,
    /// Where IncreaseHeap grows from (SetMemRegion's Heap).
    pub heap_base: usize,
    /// Where MapMemory with no address looks for room (SetMemRegion's Default).
    pub map_area: (usize, usize),
    /// The server it received a message for last (a hint for the fast path).
    pub last_server: u8,
    /// Threads detached (DETACH_THREAD): no one joins them.
    pub detached: TidSet,
    /// Threads that another thread waits to join (its state Joining(id)):
    /// a join or detach of one is refused, and only the exit of one looks
    /// for its joiner, without a search of every slot.
    pub joined: TidSet,
    /// It detaches threads (DETACH_THREAD): unjoined slots are never reused.
    pub detaches: bool,
    /// Index = thread id: how many times in a row its TrySendMessage found
    /// the queue full and gave the processor away; the same call made again
    /// fails once that reaches GIVE_WAY_ROUNDS (ipc/message.rs `send`).
    pub gave_way: [u8; FIRST],
    /// Index = thread id: the bottom of its stack (0: not known), to tell
    /// a stack overflow from other faults (fault.rs).
    pub stack_bottom: [usize; FIRST],
    /// The frames of threads 32..=MAX_THREADS, taken when needed (threads.rs).
    pub more: MoreThreads,
    /// Started by the kernel from the boot image (not made by another
    /// process): only such a process gets the device pages the board
    /// reserves for a service by name (`Platform::device_service`).
    pub from_image: bool,
    /// Swap never takes its pages (PIN of the whole process).
    pub pinned: bool,
}

impl Process {
    pub fn new(pid: u8, name: &str, space: Space, contexts: usize, main: bool) -> Process {
        let mut p = Process {
            pid,
            name: [0; NAME_LEN],
            name_len: 0,
            space,
            contexts,
            threads: [ThreadState::Free; FIRST],
            heap_size: 0,
            heap_max: DEFAULT_HEAP_MAX,
            main,
            connections: [0; crate::ipc::MAX_CONNECTIONS],
            exception_handler: None,
            in_exception: None,
            parent: 0,
            heap_base: xous_abi::memory::USER_HEAP_BASE,
            map_area: DEFAULT_MAP_AREA,
            last_server: 0,
            detached: TidSet::EMPTY,
            joined: TidSet::EMPTY,
            detaches: false,
            gave_way: [0; FIRST],
            stack_bottom: [0; FIRST],
            more: MoreThreads { contexts: [0; BLOCKS], records: 0 },
            from_image: false,
            pinned: false,
        };
        p.set_name(name);
        p
    }

    /// Names the process `name`, cut to NAME_LEN bytes.
    pub fn set_name(&mut self, name: &str) {
        // Keep whole characters only, so the stored name stays valid UTF-8.
        let mut len = name.len().min(NAME_LEN);
        while !name.is_char_boundary(len) {
            len -= 1;
        }
        self.name = [0; NAME_LEN];
        self.name[..len].copy_from_slice(&name.as_bytes()[..len]);
        self.name_len = len;
    }

    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("?")
    }

    /// The connection id for server `index`, making one if needed.
    pub fn connect(&mut self, index: u8) -> Option<usize> {
        if let Some(i) = self.connections.iter().position(|c| *c == index as u16 + 1) {
            return Some(i + 1);
        }
        let free = self.connections.iter().position(|c| *c == 0)?;
        self.connections[free] = index as u16 + 1;
        Some(free + 1)
    }

    /// The server a connection id leads to.
    pub fn server_of(&self, cid: usize) -> Option<u8> {
        let c = *self.connections.get(cid.checked_sub(1)?)?;
        (c != 0).then(|| (c - 1) as u8)
    }
}

/// The heap a process may grow to unless it lowers (or raises) the limit:
/// the whole heap area up to the received-messages area, so a std program
/// is bounded by the RAM there is, as on other systems (std's allocator
/// never raises the limit itself; at 8 MiB, std's own sort tests ran out).
pub const DEFAULT_HEAP_MAX: usize = xous_abi::memory::USER_MESSAGE_BASE - xous_abi::memory::USER_HEAP_BASE;

/// Where MapMemory places memory when given no address, unless SetMemRegion
/// says otherwise: up to the region kept for the main stack and its
/// parameter block (loader.rs).
pub const DEFAULT_MAP_AREA: (usize, usize) = (xous_abi::memory::USER_MMAP_BASE, xous_abi::memory::USER_STACK_TOP - MAIN_STACK_RESERVE);

/// Room left below the top of user memory for the main thread's stack and
/// its parameter block (see loader.rs); MapMemory does not place things there.
pub const MAIN_STACK_RESERVE: usize = 0x0100_0000;

/// Processes the kernel's tables hold at once: the board's number (QEMU:
/// the ABI's 64; the Baochip-1x, with 2 MiB: 24). PIDs run 1..=MAX_PROCESSES.
pub const MAX_PROCESSES: usize = board::PROCESSES;
const _: () = assert!(MAX_PROCESSES <= xous_abi::limits::MAX_PROCESSES);

/// First PID of a user process (the ones below name the kernel or no one).
pub use xous_abi::platform::FIRST_USER_PID as FIRST_PID;

/// Where the trap path finds a live process: the physical addresses of its
/// saved registers and of its root table. Copied from the process when it
/// enters the table, so a syscall reaches them with one index by PID.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Anchors {
    pub contexts: usize,
    pub root: usize,
}

pub struct ProcessTable {
    /// By PID (0 and 1 are never a process's): an index with no offset to
    /// subtract, which keeps the compiler sure that an entry's address is
    /// not null (with `pid - 1` it checked, 3 instructions a lookup).
    slots: [Slot<Process>; MAX_PROCESSES + 1],
    /// By PID, for every u8 (so looking one up needs no bounds check);
    /// `contexts` 0 when there is no such process.
    anchors: [Anchors; 256],
}

impl ProcessTable {
    pub const fn new() -> ProcessTable {
        ProcessTable {
            slots: [const { Slot::Empty }; MAX_PROCESSES + 1],
            anchors: [Anchors { contexts: 0, root: 0 }; 256],
        }
    }

    /// The anchors of live process `pid`.
    #[inline(always)]
    pub fn anchors(&self, pid: u8) -> Option<Anchors> {
        let a = self.anchors[pid as usize];
        (a.contexts != 0).then_some(a)
    }

    /// Process `pid`'s address space, from `anchors` (no look at the
    /// process itself: the fast path's walks of page tables start here).
    #[inline(always)]
    pub fn space(&self, pid: u8) -> Option<crate::mem::space::Space> {
        self.anchors(pid).map(|a| crate::mem::space::Space { root: a.root, owner: pid })
    }

    fn index(pid: u8) -> Option<usize> {
        (pid >= FIRST_PID && pid as usize <= MAX_PROCESSES).then_some(pid as usize)
    }

    pub fn get(&self, pid: u8) -> Option<&Process> {
        self.slots[Self::index(pid)?].as_ref()
    }

    pub fn get_mut(&mut self, pid: u8) -> Option<&mut Process> {
        self.slots[Self::index(pid)?].as_mut()
    }

    /// The lowest unused PID whose bit (`pid - 1`) is clear in `avoid`.
    pub fn free_pid(&self, avoid: u64) -> Option<u8> {
        (FIRST_PID..=MAX_PROCESSES as u8).find(|&pid| self.get(pid).is_none() && avoid & (1 << (pid - 1)) == 0)
    }

    pub fn insert(&mut self, p: Process) {
        let i = Self::index(p.pid).expect("valid pid");
        assert!(self.slots[i].is_empty(), "pid in use");
        assert_ne!(p.contexts, 0, "a process has saved registers");
        self.anchors[p.pid as usize] = Anchors { contexts: p.contexts, root: p.space.root };
        self.slots[i] = Slot::Full(p);
    }

    pub fn remove(&mut self, pid: u8) -> Option<Process> {
        let p = self.slots[Self::index(pid)?].take()?;
        self.anchors[pid as usize] = Anchors { contexts: 0, root: 0 };
        Some(p)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Process> {
        self.slots.iter().filter_map(Slot::as_ref)
    }

    /// The children of `pid`, which is ending, have no parent any more
    /// (so a later process with that PID is not theirs).
    pub fn orphan_children_of(&mut self, pid: u8) {
        for p in self.slots.iter_mut().filter_map(Slot::as_mut) {
            if p.parent == pid {
                p.parent = 0;
            }
        }
    }
}

/// A name as written in the kernel's lines: its control characters as
/// `\u{..}` escapes, everything else as it is (`str::escape_debug` would
/// also escape quotes and, for its Unicode tables, cost the image 6 KiB).
struct ControlsEscaped<'a>(&'a str);

impl core::fmt::Display for ControlsEscaped<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        use core::fmt::Write;
        for c in self.0.chars() {
            match c.is_control() {
                true => write!(f, "\\u{{{:x}}}", c as u32)?,
                false => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

impl<P: Platform> Kernel<P> {
    /// A new process with an empty address space and no threads.
    pub fn create_process(&mut self, name: &str, main: bool) -> Result<u8, Error> {
        self.create_process_avoiding(name, main, 0)
    }

    /// As `create_process`, with none of the PIDs in `avoid` (bit `pid - 1`).
    pub fn create_process_avoiding(&mut self, name: &str, main: bool, avoid: u64) -> Result<u8, Error> {
        let pid = self.procs.free_pid(avoid).ok_or(Error::OutOfMemory)?;
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

    /// Ends process `pid`, which exited with `code` (TerminateProcess, or
    /// its last thread returned).
    pub fn terminate(&mut self, pid: u8, code: u32) {
        self.end(pid, code, Ending::Exited);
    }

    /// Ends process `pid` for a fault (or a page it touched that no frame
    /// could back), with one line on the kernel channel saying `why`.
    pub fn end_for_fault(&mut self, pid: u8, why: core::fmt::Arguments) {
        self.end_faulted(pid, FAULT_EXIT_CODE, why);
    }

    /// As `end_for_fault`, with exit code `code` (a stack overflow's).
    /// The line names the process's parent, if it has one: a parent may
    /// rename its child, so the name alone does not say whose it was. The
    /// name is written with its control characters escaped: it is the
    /// process's (or its parent's) choice, and no process may put raw bytes
    /// on the console through it.
    pub fn end_faulted(&mut self, pid: u8, code: u32, why: core::fmt::Arguments) {
        let (name, len, parent) = self.procs.get(pid).map_or(([0; NAME_LEN], 0, 0), |p| (p.name, p.name_len, p.parent));
        let name = ControlsEscaped(core::str::from_utf8(&name[..len]).unwrap_or("?"));
        match parent {
            0 => self.report(format_args!("kernel: process {pid} ({name}) terminated: {why}")),
            parent => self.report(format_args!("kernel: process {pid} ({name}) terminated: {why}; a child of process {parent}")),
        }
        self.end(pid, code, Ending::Faulted);
    }

    /// Ends process `pid`, which its parent killed (KILL_CHILD).
    pub fn kill(&mut self, pid: u8) {
        self.end(pid, KILLED_EXIT_CODE, Ending::Killed);
    }

    /// Every process ends here: it leaves the system (`tear_down`), and if
    /// it was the main one the system stops; the servers that watch for
    /// process ends are told.
    fn end(&mut self, pid: u8, code: u32, ending: Ending) {
        let Some(main) = self.tear_down(pid) else { return };
        if main {
            self.halted = Some(code);
        }
        crate::exits::process_ended(self, pid, code, ending);
    }

    /// Process `pid` leaves: its threads stop, its servers close (their
    /// waiting clients get an error), memory it lent is held until
    /// returned, all its frames return to the pool, its children have no
    /// parent any more. Whether it was the main process; None if there is
    /// no such process. Alone (not through `end`), it takes a process that
    /// never ran (a CreateProcess that failed half-way) out unseen.
    pub(crate) fn tear_down(&mut self, pid: u8) -> Option<bool> {
        self.procs.get(pid)?;
        crate::ipc::server::process_gone(self, pid);
        self.release_interrupts(pid);
        self.devices.release_all(pid);
        let p = self.procs.remove(pid)?;
        self.more_blocks -= p.more.contexts.iter().filter(|c| **c != 0).count();
        self.procs.orphan_children_of(pid);
        self.take_off_process(pid);
        self.frames.free_all(pid);
        self.swap.slots.free_all(&mut self.hw, pid);
        self.swap.store.forget_all(pid);
        self.hw.flush_tlb(pid, None);
        Some(p.main)
    }
}

/// KILL_CHILD(pid): the caller ends its child `pid`. Errors:
/// ProcessNotFound (no such process, or the caller itself: it has
/// TerminateProcess), ProcessNotChild (not the caller's child).
#[inline(never)]
pub fn kill_child<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, pid: usize) -> Handled {
    let pid = u8::try_from(pid).map_err(|_| Error::ProcessNotFound)?;
    let p = k.procs.get(pid).filter(|_| pid != t.pid).ok_or(Error::ProcessNotFound)?;
    if p.parent != t.pid {
        return Err(Error::ProcessNotChild);
    }
    k.kill(pid);
    Ok(Outcome::Ok)
}

/// NAME_CHILD(pid, address, length): the caller names its child `pid`.
/// Errors: ProcessNotFound (no such process, or the caller itself),
/// ProcessNotChild (not the caller's child), InvalidArgument (longer than
/// NAME_LEN, not UTF-8), BadAddress (not readable).
#[inline(never)]
pub fn name_child<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, pid: usize, at: usize, len: usize) -> Handled {
    let pid = u8::try_from(pid).map_err(|_| Error::ProcessNotFound)?;
    let p = k.procs.get(pid).filter(|_| pid != t.pid).ok_or(Error::ProcessNotFound)?;
    if p.parent != t.pid {
        return Err(Error::ProcessNotChild);
    }
    let name = NameArg::read(k, t.pid, at, len)?;
    k.procs.get_mut(pid).ok_or(Error::ProcessNotFound)?.set_name(name.as_str());
    Ok(Outcome::Ok)
}

/// A process name a syscall gives: `len` bytes of UTF-8 at `at` in the
/// caller's memory, at most NAME_LEN.
pub struct NameArg {
    bytes: [u8; NAME_LEN],
    len: usize,
}

impl NameArg {
    /// Errors: InvalidArgument (too long, not UTF-8), BadAddress (not readable).
    pub fn read<P: Platform>(k: &mut Kernel<P>, pid: u8, at: usize, len: usize) -> Result<NameArg, Error> {
        if len > NAME_LEN {
            return Err(Error::InvalidArgument);
        }
        let mut bytes = [0; NAME_LEN];
        k.read_user(pid, at, &mut bytes[..len])?;
        core::str::from_utf8(&bytes[..len]).map_err(|_| Error::InvalidArgument)?;
        Ok(NameArg { bytes, len })
    }

    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(pid: u8, name: &str) -> Process {
        Process::new(pid, name, Space { root: 0x1000, owner: pid }, 0x2000 + pid as usize, false)
    }

    #[test]
    fn pids_start_at_two_and_are_reused() {
        let mut t = ProcessTable::new();
        assert_eq!(t.free_pid(0), Some(2));
        t.insert(process(2, "a"));
        t.insert(process(3, "b"));
        assert_eq!(t.free_pid(0), Some(4));
        assert_eq!(t.free_pid(1 << 3 | 1 << 4), Some(6), "4 and 5 avoided");
        assert_eq!(t.anchors(3), Some(Anchors { contexts: 0x2003, root: 0x1000 }));
        t.remove(2);
        assert_eq!(t.free_pid(0), Some(2));
        assert_eq!((t.anchors(2), t.anchors(0), t.anchors(255)), (None, None, None), "gone, or never there");
        assert!(t.get(1).is_none() && t.get(0).is_none() && t.get(200).is_none());
    }

    #[test]
    fn table_fills_up() {
        let mut t = ProcessTable::new();
        for pid in 2..=64 {
            t.insert(process(pid, "p"));
        }
        assert_eq!(t.free_pid(0), None);
    }

    #[test]
    fn names_are_cut_at_a_character_boundary() {
        let long = "é".repeat(40);
        let p = process(2, &long);
        assert_eq!(p.name().len(), 64);
        assert!(p.name().chars().all(|c| c == 'é'));
    }
}
