//! The Baochip-1x on its dabao board (the chip alone): 2 MiB of SRAM at
//! 0x6100_0000, 4 MiB of RRAM at 0x6000_0000 holding the signed image boot1
//! starts, no PLIC but the chip's interrupt CSRs and irqarray banks, no
//! `time` CSR but the ticktimer, timer0 for preemption, the console on
//! UART2 through the UDMA. Facts from the chip's register descriptions
//! (the shared bao1x.md names the sources); `tools/bao1x-emu` models them.
//! What is not verified on silicon is listed in docs/bao1x.md.

/// The board's name, as `xous-run --board` takes it.
pub const NAME: &str = "dabao";

/// Start of SRAM: the kernel's state, stack and page tables, and the
/// processes' memory. The kernel's code and read-only data stay in RRAM,
/// in the boot image, and execute in place there, as the processes'
/// read-only segments do (loader.rs): see `KERNEL_IN_PLACE`.
pub const RAM_BASE: usize = 0x6100_0000;
/// The chip's SRAM.
pub const RAM_SIZE: crate::RamSize = crate::RamSize::Fixed(2 * 1024 * 1024);

/// Processes the kernel's tables hold at once (the ABI's limit is 64): a
/// process takes at least 24 KiB of the 2 MiB (its tables, stack, saved
/// registers) and a std program far more, so 64 could never run, and each
/// slot costs the kernel's SRAM (about 850 bytes) whether used or not.
/// 24: the services and a program, and 16 children of it at once.
pub const PROCESSES: usize = 24;
/// Servers in the whole system (the ABI's limit is 128): each slot costs
/// the kernel's SRAM (about 130 bytes: its queue, its receivers), and a
/// few dozen processes have far fewer servers than 64 between them.
pub const SERVERS: usize = 64;
/// Pages of saved registers the kernel may add for processes' threads
/// beyond each one's first 31 (32 threads a page); the run queue is
/// sized for them (64 bytes a page).
pub const MORE_THREAD_PAGES: usize = 16;
/// Messages in flight in the whole system, the kernel's pool (42 bytes
/// each); one process may hold a quarter of it: 64 threads blocked in
/// calls at once, each with a stack of its own on a 2 MiB chip. The
/// ticktimer reserves a held request for each (28 bytes).
pub const MESSAGES: usize = 256;

/// RRAM (non-volatile, executes in place).
pub const RRAM_BASE: usize = 0x6000_0000;
pub const RRAM_SIZE: usize = 4 * 1024 * 1024;
/// Where boot1 finds the next stage (the signature block, then our boot
/// image) and jumps to it.
pub const IMAGE_SLOT: usize = 0x6006_0000;
/// The signature block before our boot image.
pub const SIGNATURE_BLOCK: usize = 0x300;
/// Where our boot image starts in RRAM: the first page after the signature
/// block (a jump there follows the block), so that the image's pages are
/// pages of RRAM, which can be mapped in place.
pub const BOOT_IMAGE: usize = IMAGE_SLOT + 0x1000;
/// Read-only memory the boot image may be stored in (base, size): the
/// kernel maps it whole for itself, and maps its pages into processes.
pub const ROM: Option<(usize, usize)> = Some((RRAM_BASE, RRAM_SIZE));
/// The kernel executes in place: boot images are built for BOOT_IMAGE
/// (`IMAGE_LOAD_ADDRESS`), where boot1 finds them, the kernel's code and
/// read-only data at BOOT_IMAGE + 0x1000 in RRAM; its zero-initialised
/// memory (state, stack, tables) is at RAM_BASE. Nothing of the image is
/// copied to SRAM (its 2 MiB are the scarcest thing on the chip).
pub const KERNEL_IN_PLACE: bool = true;
/// Where boot images are built to run (the header's load address).
pub const IMAGE_LOAD_ADDRESS: usize = BOOT_IMAGE;

/// The CPU's clock (fclk / 2, fclk 700 MHz by default).
pub const CPU_HZ: u64 = 350_000_000;
/// The rate of "time": the ticktimer's, which the kernel sets to count
/// microseconds (the chip has no `time` CSR; the kernel answers user
/// mode's `rdtime` from the ticktimer, arch/riscv/machine/dabao.rs).
pub const TIMEBASE_HZ: u64 = 1_000_000;

/// The ticktimer: a 64-bit count of ticks of CLOCKS_PER_TICK CPU clocks,
/// running through `wfi`, and an alarm (a level: target ≤ time, while
/// enabled) on interrupt line LINE.
pub mod ticktimer {
    pub const BASE: usize = 0xE001_B000;
    pub const LINE: usize = 20;
    pub const CONTROL: usize = 0x00;
    pub const TIME1: usize = 0x04;
    pub const TIME0: usize = 0x08;
    pub const TARGET1: usize = 0x0C;
    pub const TARGET0: usize = 0x10;
    pub const EV_ENABLE: usize = 0x1C;
    pub const CLOCKS_PER_TICK: usize = 0x20;
    /// What the kernel sets CLOCKS_PER_TICK to: ticks at TIMEBASE_HZ.
    pub const CLOCKS: u32 = (super::CPU_HZ / super::TIMEBASE_HZ) as u32;
}

/// timer0: a down-counter from LOAD, then from RELOAD each time it passes
/// zero, which is its event (EV_PENDING bit 0, write 1 to clear), on line
/// LINE while EV_ENABLE bit 0 is set. The kernel's preemption clock.
pub mod timer0 {
    pub const BASE: usize = 0xE001_C000;
    pub const LINE: usize = 30;
    pub const LOAD: usize = 0x00;
    pub const RELOAD: usize = 0x04;
    pub const EN: usize = 0x08;
    pub const EV_PENDING: usize = 0x18;
    pub const EV_ENABLE: usize = 0x1C;
}

/// The interrupt CSRs: a line is pending for S-mode while it is high and
/// its bit in `sim` is set; any pending line raises the supervisor external
/// interrupt. Lines 0-19 are the irqarray banks (16 events each), 20 the
/// ticktimer, 30 timer0.
pub mod irq_csr {
    /// The supervisor's mask (read-write).
    pub const SIM: u16 = 0x9C0;
    /// The supervisor's pending lines (read-only): mask & lines.
    pub const SIP: u16 = 0xDC0;
}

/// An irqarray bank's register page.
pub mod irqarray {
    pub const EV_SOFT: usize = 0x00;
    pub const EV_PENDING: usize = 0x10;
    pub const EV_ENABLE: usize = 0x14;
    /// Bank `n`'s page (LiteX's alphabetical order of names: 0, 1, 10..19, 2..9).
    pub const fn page(n: usize) -> usize {
        match n {
            0 | 1 => 0xE000_4000 + n * 0x1000,
            10..=19 => 0xE000_6000 + (n - 10) * 0x1000,
            _ => 0xE001_0000 + (n - 2) * 0x1000,
        }
    }
}

/// UART2 on the UDMA: the dabao's serial console (1 Mbaud 8N1, set up by
/// boot1). Transmit is by DMA from IFRAM only: bytes in CONSOLE_BUFFER,
/// then TX_SADDR, TX_SIZE, TX_CFG = CFG_EN; done when TX_SIZE reads 0.
/// Received bytes are read one by one: DATA while VALID reads 1. Its events
/// are irqarray bank 5's bits 8-11 (RX_EVENT: a byte received).
pub mod uart2 {
    pub const BASE: usize = 0x5010_3000;
    pub const TX_SADDR: usize = 0x10;
    pub const TX_SIZE: usize = 0x14;
    pub const TX_CFG: usize = 0x18;
    pub const CFG_EN: u32 = 1 << 4;
    pub const VALID: usize = 0x30;
    pub const DATA: usize = 0x34;
    pub const BANK: usize = 5;
    pub const RX_EVENT: u32 = 1 << 8;
}
/// The console's receive interrupt line (irqarray bank 5).
pub const UART_IRQ: usize = uart2::BANK;
/// The IFRAM page (uncached, reachable by the UDMA) the kernel stages
/// console output in: the last page of IFRAM1.
pub const CONSOLE_BUFFER: usize = 0x5003_F000;

/// The TRNG, in raw mode (registers as the chip names them).
pub mod trng {
    pub const BASE: usize = 0x4002_E000;
    pub const SFR_CRSRC: usize = 0x00;
    pub const SFR_CRANA: usize = 0x04;
    pub const SFR_PP: usize = 0x08;
    pub const SFR_OPT: usize = 0x0C;
    pub const SFR_SR: usize = 0x10;
    pub const SFR_AR_GEN: usize = 0x14;
    pub const SFR_BUF: usize = 0x30;
    pub const SFR_CHAIN0: usize = 0x40;
    /// SFR_SR: a word waits in SFR_BUF.
    pub const BUFREADY: u32 = 1 << 28;
    /// SFR_AR_GEN: start generating.
    pub const START: u32 = 0x5A;
    /// Raw mode's setup: SFR_CRSRC every source enable and select bit,
    /// SFR_CRANA every analog source enabled and valid, SFR_OPT generating
    /// continuously, and every SFR_CHAIN register all ones.
    pub const ALL_SOURCES: u32 = 0xFFF;
    pub const ALL_ANALOG: u32 = 0xFFFF;
    pub const CONTINUOUS: u32 = 0x1_0000;
    pub const CHAINS: usize = 4;
    /// Polls of BUFREADY before a word is given up on: the source failed.
    pub const PATIENCE: u32 = 1_000_000;
}

/// The RRAM controller (the kernel's: xous_abi::platform::ROM_WRITE): RRAM
/// reads are plain reads; a write goes a 32-byte row at a time. The row's eight words are stored (the controller
/// stages them), RRCCR is set to WRITE_MODE, LOAD_BUFFER then COMMIT are
/// stored to the row's first word, and RRCCR goes back to NORMAL_MODE.
/// (Its RRCAR register, 0xF0, erases the chip's secrets: never written.)
pub mod rram_controller {
    pub const BASE: usize = 0x4000_0000;
    pub const RRCCR: usize = 0x00;
    /// RRCCR: security bits, then the mode in the low bits.
    pub const NORMAL_MODE: u32 = 0xFC00;
    pub const WRITE_MODE: u32 = 0xFC00 | 2;
    pub const LOAD_BUFFER: u32 = 0x5200;
    pub const COMMIT: u32 = 0x9528;
    pub const ROW: usize = 32;
}

/// The filesystem's disk: the last MiB of the RRAM that images may use
/// (boot1 keeps the chip's records above 0x603D_A000), 256 blocks of 4 KiB.
/// A boot image must end below it.
pub const DISK: usize = 0x602D_A000;
pub const DISK_SIZE: usize = 1024 * 1024;
/// The most bytes a boot image may have: from BOOT_IMAGE to the disk.
pub const IMAGE_ROOM: usize = DISK - BOOT_IMAGE;

/// **Only in the model of the chip** (tools/bao1x-emu, at the address of
/// the chip's RTL testbench register `done`): writing a value ends the run
/// with it as the exit code. Silicon has nothing here, so an image for
/// silicon never writes it (the kernel's `silicon` feature).
pub const EXIT_DEVICE: usize = 0x4008_1000;

/// Interrupt lines: 0..IRQ_COUNT.
pub const IRQ_COUNT: usize = 32;

/// The device pages the kernel keeps for itself (maps in its own half).
pub const KERNEL_DEVICES: [usize; 7] =
    [uart2::BASE, CONSOLE_BUFFER, ticktimer::BASE, timer0::BASE, irqarray::page(uart2::BANK), EXIT_DEVICE, rram_controller::BASE];

/// Device pages user processes may map (drivers): the ticktimer (its
/// alarm, for the ticktimer service; the kernel only reads its count), the
/// TRNG, and the disk's pages of RRAM (the filesystem service, which reads
/// them and has the kernel write them: the RRAM controller, whose page
/// holds the register that erases the chip's secrets, is the kernel's).
pub fn is_user_device(pa: usize) -> bool {
    device_service(pa).is_some()
}

/// The service each user device page is for: only the boot image's process
/// of that name may map it (the kernel checks), so no other program can
/// take the ticktimer (whose count is the system's time), the TRNG or the
/// disk, even when their service has ended.
pub fn device_service(pa: usize) -> Option<&'static str> {
    match pa {
        ticktimer::BASE => Some("ticktimer"),
        trng::BASE => Some("rng"),
        _ if (DISK..DISK + DISK_SIZE).contains(&pa) => Some("fs"),
        _ => None,
    }
}
