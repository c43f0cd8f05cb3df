//! The Baochip-1x on its baosec board: everything of the dabao board (the
//! chip: re-exported from `dabao`), plus 8 MiB of SPI PSRAM on the UDMA
//! SPI master channel 1, chip select 1, which the kernel swaps to, and
//! 8 MiB of SPI NOR flash on chip select 0, the program store the kernel
//! reads programs larger than the RRAM from. Facts and their sources:
//! docs/bao1x.md ("The baosec board's PSRAM", "... NOR flash"); the model
//! is `bao1x-emu --board baosec`.

pub use crate::dabao::*;

/// The board's name, as `xous-run --board` takes it.
pub const NAME: &str = "baosec";

/// The UDMA's control page: CLOCK_GATE (offset 0) has a bit per peripheral;
/// a peripheral's registers work only while its bit is set.
pub mod udma {
    pub const CONTROL: usize = 0x5010_0000;
    pub const CLOCK_GATE: usize = 0x00;
}

/// The UDMA SPI master, channel 1: three DMA channels (RX, TX and the
/// command channel the master reads its program from), each SADDR, SIZE,
/// CFG; SADDR reads 0 when the channel is done. Command words: the opcode
/// in bits 31:28.
pub mod spim {
    pub const BASE: usize = 0x5010_6000;
    /// Its bit in the UDMA's CLOCK_GATE.
    pub const CLOCK_GATE_BIT: u32 = 1 << 5;
    pub const RX: usize = 0x00;
    pub const TX: usize = 0x10;
    pub const CMD: usize = 0x20;
    /// A channel's registers, from its base.
    pub const SADDR: usize = 0x0;
    pub const SIZE: usize = 0x4;
    pub const CFG: usize = 0x8;
    /// CFG: start; stop and forget the transfer; word size 8 or 32 bits.
    pub const CFG_EN: u32 = 1 << 4;
    pub const CFG_CLEAR: u32 = 1 << 6;
    pub const CFG_SIZE_8: u32 = 0;
    pub const CFG_SIZE_32: u32 = 2 << 1;
    /// Command words.
    pub const fn config(clock_divider: u8) -> u32 {
        clock_divider as u32
    }
    /// Start of transfer: chip select `cs` low.
    pub const fn sot(cs: u32) -> u32 {
        1 << 28 | cs
    }
    /// An 8-bit command, one-bit SPI.
    pub const fn send_cmd(byte: u8) -> u32 {
        2 << 28 | 7 << 16 | byte as u32
    }
    /// `n` (1..=65536) bytes from the TX channel, one-bit SPI, 8-bit words.
    pub const fn tx_data(n: u32) -> u32 {
        6 << 28 | 7 << 16 | (n - 1)
    }
    /// `n` bytes into the RX channel's buffer, likewise.
    pub const fn rx_data(n: u32) -> u32 {
        7 << 28 | 7 << 16 | (n - 1)
    }
    /// End of transfer: chip select high.
    pub const EOT: u32 = 9 << 28;
}

/// The PSRAM on SPI master channel 1's chip select 1: serial commands;
/// a burst must stay within a 1 KiB page (the device wraps there).
pub mod psram {
    pub const CS: u32 = 1;
    pub const SIZE: usize = 8 * 1024 * 1024;
    pub const PAGE: usize = 1024;
    pub const READ: u8 = 0x03;
    pub const WRITE: u8 = 0x02;
    pub const READ_ID: u8 = 0x9F;
    pub const RESET_ENABLE: u8 = 0x66;
    pub const RESET: u8 = 0x99;
    /// Read ID's second byte: the die passed its test ("known good die").
    pub const KNOWN_GOOD_DIE: u8 = 0x5D;
}

/// The NOR flash on SPI master channel 1's chip select 0: serial
/// commands; a read runs on across pages. The kernel only reads it.
pub mod nor {
    pub const CS: u32 = 0;
    pub const SIZE: usize = 8 * 1024 * 1024;
    pub const READ: u8 = 0x03;
    /// JEDEC identification: manufacturer, memory type, capacity; no address.
    pub const READ_ID: u8 = 0x9F;
    pub const RESET_ENABLE: u8 = 0x66;
    pub const RESET: u8 = 0x99;
}

/// The IFRAM page (reachable by the UDMA) the kernel stages swap transfers
/// in: the page below the console's.
pub const SWAP_BUFFER: usize = 0x5003_E000;

/// The device pages the kernel keeps for itself: the dabao's, and the SPI
/// master, its IFRAM page and the UDMA's control page.
pub const KERNEL_DEVICES: [usize; 10] = [
    uart2::BASE,
    CONSOLE_BUFFER,
    ticktimer::BASE,
    timer0::BASE,
    irqarray::page(uart2::BANK),
    EXIT_DEVICE,
    rram_controller::BASE,
    spim::BASE,
    SWAP_BUFFER,
    udma::CONTROL,
];
