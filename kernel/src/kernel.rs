//! The kernel's state: every table, and the machine it runs on. What acts on
//! each part lives with the kernel object it belongs to (thread, process,
//! ipc, interrupt, mem, sched); `syscall` is the one way in from a trap.
//! Everything here is plain Rust over the [`Platform`] trait, so the whole of
//! it runs in host tests; `arch` only saves registers, calls in, and resumes
//! whichever thread we pick.

use crate::mem::frames::Frames;
use crate::mem::pte::ENTRIES;
use crate::mem::space::PhysMem;
use crate::mem::PAGE_SIZE;
use crate::process::ProcessTable;
use crate::sched::{RunQueue, ThreadRef};
use xous_abi::console::Channel;

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
    /// The service a user device page is reserved for, by name, if any:
    /// only the boot image's process of that name may map it.
    fn device_service(&self, _pa: usize) -> Option<&'static str> {
        None
    }
    /// Whether `pa` is in the board's read-only memory (QEMU's flash, the
    /// Baochip-1x's RRAM: where the boot image is stored and its code runs
    /// in place).
    fn is_rom(&self, pa: usize) -> bool;
    /// Makes that memory readable by the kernel again (boot read the boot
    /// image there, then let it go) and gives its bytes from physical
    /// address `at` to its end, valid until `close_rom`; None if `at` is
    /// not in it, or the board has none.
    fn open_rom(&mut self, _at: usize) -> Option<&'static [u8]> {
        None
    }
    fn close_rom(&mut self) {}
    /// Writes one row (`xous_abi::platform::ROM_ROW` bytes) of that memory
    /// at `pa` through its controller; false if the board cannot.
    fn rom_write_row(&mut self, pa: usize, row: &[u8; xous_abi::platform::ROM_ROW]) -> bool;
    /// The console's receive interrupt.
    fn console_irq(&self) -> usize;
    /// Moves received console bytes into `out`, as many as wait and fit;
    /// returns how many, and whether more wait still.
    fn console_input(&mut self, out: &mut [u8]) -> (usize, bool);
    /// Lets the console interrupt on received bytes, or stops it.
    fn console_input_interrupt(&mut self, on: bool);
    /// Whether the CPU has the AES scalar-crypto instructions (Zkne), and
    /// they give FIPS-197's answer: swap seals with them then.
    fn has_aes32(&self) -> bool {
        false
    }
    /// Pages the swap device holds (0: the board has none). Slot `i` is
    /// one page of data and its 16-byte tag (swap/mod.rs says what they are).
    fn swap_slots(&self) -> usize {
        0
    }
    /// Writes the page at `pa` and `tag` to swap slot `slot`, waiting until
    /// the device has them; false if it failed.
    fn swap_write(&mut self, _slot: usize, _pa: usize, _tag: &[u8; 16]) -> bool {
        false
    }
    /// Reads swap slot `slot` into the page at `pa` and `tag`, waiting for
    /// the device; false if it failed.
    fn swap_read(&mut self, _slot: usize, _pa: usize, _tag: &mut [u8; 16]) -> bool {
        false
    }
    /// Pages of the board's program store (0: it has none): external
    /// flash holding programs larger than the read-only memory
    /// (swap/store.rs).
    fn store_pages(&self) -> usize {
        0
    }
    /// Reads program store page `page` into the page at `pa`, waiting for
    /// the device; false if it failed.
    fn store_read(&mut self, _page: usize, _pa: usize) -> bool {
        false
    }
}

/// First root-table slot of the kernel's half (0xff00_0000 and up).
pub const FIRST_KERNEL_SLOT: usize = 0x3fc;

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
    pub irqs: crate::interrupt::Irqs,
    pub devices: crate::mem::devices::Devices,
    /// The servers that hear when a process ends, and what they were not told yet.
    pub exits: crate::exits::Exits,
    /// Pages of saved registers beyond each process's first, in all
    /// processes (threads.rs; at most MORE_BLOCKS).
    pub more_blocks: usize,
    /// Swap: the sealed pages on the swap device, and the clock (swap/mod.rs).
    pub swap: crate::swap::Swap,
    /// The boot image's services not started yet (loader/on_demand.rs).
    pub on_demand: crate::loader::on_demand::Pending,
    /// Host tests: every syscall takes the general path (ipc/fast.rs).
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
            irqs: crate::interrupt::Irqs::new(),
            devices: crate::mem::devices::Devices::new(),
            exits: crate::exits::Exits::new(),
            more_blocks: 0,
            swap: crate::swap::Swap::new(),
            on_demand: crate::loader::on_demand::Pending::none(),
            #[cfg(test)]
            slow_path_only: false,
        }
    }

    /// One line on the kernel channel.
    pub fn report(&mut self, args: core::fmt::Arguments) {
        let mut line = crate::console::Line::new();
        let _ = core::fmt::write(&mut line, args);
        line.push_newline();
        self.hw.console(Channel::Kernel, line.as_bytes());
    }

    /// The closing line: the most RAM that was in use at once, of all there
    /// is (and with swap, how many pages went out and came back).
    pub fn report_peak_memory(&mut self) {
        use core::fmt::Write;
        let (peak, total) = (self.frames.peak() * PAGE_SIZE / 1024, self.frames.total() * PAGE_SIZE / 1024);
        let mut line = crate::console::Line::new();
        let _ = write!(line, "kernel: peak memory {peak} KiB of {total} KiB");
        if self.swap.on() {
            let (out, back, zeros) = (self.swap.pages_out, self.swap.pages_in, self.swap.zero_pages);
            let _ = write!(line, "; swap: {out} pages out, {back} back, {zeros} of zeros let go");
            let store = &self.swap.store;
            if store.pages() > 0 {
                let _ = write!(line, "; program store: {} pages read, {} let go", store.pages_in, store.dropped);
            }
        }
        line.push_newline();
        self.hw.console(Channel::Kernel, line.as_bytes());
    }
}
