//! QEMU `virt` (riscv32): RAM at 0x8000_0000, parallel flash holding the
//! boot image, a 16550 UART, the SiFive test device for powering off with an
//! exit code, a 10 MHz timebase.

/// Start of RAM. The kernel copies the head of the boot image (its header,
/// the kernel, the process directory) here from flash and runs from here
/// (boot.rs), so the image is built for this load address; the processes'
/// read-only segments stay in flash and execute in place (loader.rs).
pub const RAM_BASE: usize = 0x8000_0000;
/// How much RAM follows RAM_BASE is QEMU's `-m` (xous-run's `--memory`);
/// QEMU says it in the device tree it passes in a1 at reset (`-bios none`).
pub const RAM_SIZE: crate::RamSize = crate::RamSize::DeviceTree;

/// The first of the board's two CFI parallel flash banks (pflash0, QEMU's
/// `-drive if=pflash,unit=0`), read-only for us: reads and instruction
/// fetches see its bytes. Its backing file must be exactly FLASH_SIZE long.
/// With `-bios none`, a pflash0 drive and no `-kernel`, QEMU's reset code
/// jumps to its first byte in M-mode (a0 = hart, a1 = the device tree).
pub const FLASH_BASE: usize = 0x2000_0000;
pub const FLASH_SIZE: usize = 32 * 1024 * 1024;
/// Where the boot image starts: the flash's first byte, so that the
/// image's pages are pages of flash, which can be mapped in place.
pub const BOOT_IMAGE: usize = FLASH_BASE;
/// Read-only memory the boot image may be stored in (base, size): the
/// kernel reads the image there at boot, and maps its pages into processes.
pub const ROM: Option<(usize, usize)> = Some((FLASH_BASE, FLASH_SIZE));
/// The kernel runs in RAM: boot copies the image's head (header, kernel)
/// to RAM_BASE, where images are built to run (RAM is plentiful here, and
/// QEMU's `-kernel` loads an image there).
pub const KERNEL_IN_PLACE: bool = false;
/// Where boot images are built to run (the header's load address).
pub const IMAGE_LOAD_ADDRESS: usize = RAM_BASE;

/// 16550 UART, the kernel's console.
pub const UART: usize = 0x1000_0000;
/// The UART's registers (offsets in its page, byte-wide): a byte written
/// to TX goes out; write one only while STATUS has TX_READY set. A byte
/// read from RX is the next received one, while STATUS has RX_READY set.
pub mod uart {
    pub const TX: usize = 0;
    pub const RX: usize = 0;
    pub const STATUS: usize = 5;
    pub const TX_READY: u8 = 0x20;
    pub const RX_READY: u8 = 0x01;
    /// Interrupt enable: RX_INTERRUPT raises the UART's interrupt while
    /// received bytes wait.
    pub const INTERRUPT_ENABLE: usize = 1;
    pub const RX_INTERRUPT: u8 = 0x01;
    /// FIFO control (write-only): FIFO_ON turns the 16-byte receive FIFO
    /// on (the first time it also empties it) and has the interrupt raised
    /// at 14 bytes, or once input pauses.
    pub const FIFO_CONTROL: usize = 2;
    pub const FIFO_ON: u8 = 0xc1;
}
/// The UART's interrupt (received bytes).
pub const UART_IRQ: usize = 10;
/// SiFive test device: 0x5555 = pass (exit 0), (code << 16) | 0x3333 = fail with code.
pub const TEST_DEVICE: usize = 0x0010_0000;

/// The interrupt controller, a PLIC, as the kernel drives it: for this
/// hart's supervisor context (context 1). (A board without one, as the
/// Baochip-1x, has its own driver in the kernel's `arch`.)
pub mod plic {
    const BASE: usize = 0x0c00_0000;
    /// A priority word per source (0 masks it).
    pub const PRIORITY_PAGE: usize = BASE;
    /// Context 1's enable bits, a word per 32 sources, from ENABLE_OFFSET.
    pub const ENABLE_PAGE: usize = BASE + 0x2000;
    pub const ENABLE_OFFSET: usize = 0x80;
    /// Context 1's threshold (offset THRESHOLD) and claim/complete (CLAIM) registers.
    pub const CONTEXT_PAGE: usize = BASE + 0x20_1000;
    pub const THRESHOLD: usize = 0;
    pub const CLAIM: usize = 4;
}
/// Interrupt sources: 1..IRQ_COUNT.
pub const IRQ_COUNT: usize = 96;

/// The device pages the kernel keeps for itself (maps in its own half).
pub const KERNEL_DEVICES: [usize; 5] = [UART, TEST_DEVICE, plic::PRIORITY_PAGE, plic::ENABLE_PAGE, plic::CONTEXT_PAGE];

/// Device pages user processes may map (drivers): the goldfish RTC and the
/// eight virtio-mmio slots. The UART, test device and PLIC stay the kernel's,
/// and so does the slot of its swap disk, once the kernel has found it.
pub fn is_user_device(pa: usize) -> bool {
    pa == RTC || (VIRTIO_FIRST..VIRTIO_FIRST + VIRTIO_SLOTS * 0x1000).contains(&pa)
}
/// No device page is reserved for a service by name on QEMU virt: the
/// first process to map one has it (the services boot first).
pub fn device_service(_pa: usize) -> Option<&'static str> {
    None
}

/// goldfish RTC (interrupt 11).
pub const RTC: usize = 0x0010_1000;

/// The goldfish RTC's registers (offsets in its page). Time is nanoseconds
/// since the Unix epoch; reading TIME_LOW latches TIME_HIGH; writing
/// ALARM_LOW arms the alarm at (ALARM_HIGH, ALARM_LOW), and an alarm
/// already in the past fires at once.
pub mod rtc {
    pub const TIME_LOW: usize = 0x00;
    pub const TIME_HIGH: usize = 0x04;
    pub const ALARM_LOW: usize = 0x08;
    pub const ALARM_HIGH: usize = 0x0c;
    pub const IRQ_ENABLED: usize = 0x10;
    pub const CLEAR_ALARM: usize = 0x14;
    pub const CLEAR_INTERRUPT: usize = 0x1c;
}
/// virtio-mmio slot 0 (interrupt 1); slot n at + n * 0x1000 (interrupt 1 + n).
pub const VIRTIO_FIRST: usize = 0x1000_1000;
pub const VIRTIO_SLOTS: usize = 8;
/// Slot 0's interrupt; slot n raises VIRTIO_FIRST_IRQ + n.
pub const VIRTIO_FIRST_IRQ: usize = 1;
/// The serial of the virtio-blk disk the kernel swaps to (`xous-run
/// --swap`), whichever slot QEMU puts it in: the kernel keeps that slot,
/// and the filesystem service takes any other disk but that one.
pub const SWAP_DISK_SERIAL: &str = "xous-swap";

/// Whether a virtio-blk disk's serial (the 20 bytes its GET_ID request
/// answers, zeros after a shorter one) is SWAP_DISK_SERIAL.
pub fn is_swap_disk_serial(serial: &[u8; 20]) -> bool {
    let name = SWAP_DISK_SERIAL.as_bytes();
    serial.starts_with(name) && serial[name.len()..].iter().all(|&byte| byte == 0)
}

/// `time` counts at this rate.
pub const TIMEBASE_HZ: u64 = 10_000_000;

/// Processes the kernel's tables hold at once: the ABI's limit.
pub const PROCESSES: usize = 64;
/// Messages in flight in the whole system, the kernel's pool: room for
/// four processes of 255 threads each waiting for an answer (a `Barrier`
/// holds every waiter's message in the ticktimer).
pub const MESSAGES: usize = 1024;
/// Pages of saved registers the kernel may add for processes' threads
/// beyond each one's first 31 (32 threads a page).
pub const MORE_THREAD_PAGES: usize = 64;
/// Servers in the whole system: the ABI's limit.
pub const SERVERS: usize = 128;

/// The board's name, as `xous-run --board` takes it.
pub const NAME: &str = "qemu-virt";
/// The goldfish RTC's interrupt.
pub const RTC_IRQ: usize = 11;

/// The value that makes QEMU exit with `code`.
pub fn power_off_word(code: u32) -> u32 {
    match code & 0xffff {
        0 => 0x5555,
        c => (c << 16) | 0x3333,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_swap_disks_serial_names_it() {
        let serial = |text: &[u8]| core::array::from_fn(|i| text.get(i).copied().unwrap_or(0));
        assert!(is_swap_disk_serial(&serial(b"xous-swap")));
        assert!(!is_swap_disk_serial(&serial(b"xous-swap2")), "a longer name");
        assert!(!is_swap_disk_serial(&serial(b"xous-swa")), "a shorter one");
        assert!(!is_swap_disk_serial(&serial(b"")), "none (the filesystem's disk)");
        assert!(!is_swap_disk_serial(&[b'x'; 20]));
    }
}
