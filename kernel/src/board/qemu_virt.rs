//! QEMU `virt` (riscv32): RAM at 0x8000_0000, a 16550 UART, the SiFive test
//! device for powering off with an exit code, a 10 MHz timebase.

/// Start of RAM; the boot image is loaded here (its header page first).
pub const RAM_BASE: usize = 0x8000_0000;
/// RAM the kernel maps and manages (the rest is not used yet). `xous-run`
/// gives the machine at least this much.
pub const RAM_MANAGED: usize = 12 * 1024 * 1024;

/// 16550 UART: transmit holding register at 0, line status at 5.
pub const UART: usize = 0x1000_0000;
/// SiFive test device: 0x5555 = pass (exit 0), (code << 16) | 0x3333 = fail with code.
pub const TEST_DEVICE: usize = 0x0010_0000;

/// `time` counts at this rate.
pub const TIMEBASE_HZ: u64 = 10_000_000;

/// The value that makes QEMU exit with `code`.
pub fn power_off_word(code: u32) -> u32 {
    match code & 0xffff {
        0 => 0x5555,
        c => (c << 16) | 0x3333,
    }
}
