//! The UDMA SPI master, channel 1 (0x5010_6000), with the baosec board's
//! NOR flash on its chip select 0 and PSRAM on chip select 1 (`--board
//! baosec` only). Three DMA channels, each SADDR, SIZE, CFG: RX at 0x00,
//! TX at 0x10, and at 0x20 the command channel, through which the master
//! takes its program: 32-bit words, the opcode in bits 31:28 (the
//! encodings of the PULP udma_spim the chip uses, as Xous's bao1x HAL
//! writes them; docs/bao1x.md). TX_DATA takes its bytes from the TX
//! channel, RX_DATA puts the bytes it receives in the RX channel's buffer;
//! a command waiting for a channel that has no bytes left stalls until the
//! driver arms it. SADDR reads 0 when a channel is done (drivers poll it).
//! Buffers must be in IFRAM (the UDMA reaches nothing else on the chip),
//! and the peripheral's clock must be ungated (the UDMA control page's CG
//! register, bit 5).
//!
//! Modelled: CFG, SOT, SEND_CMD (8 bits), DUMMY (whole bytes), WAIT (for
//! cycles), TX_DATA and RX_DATA (8-bit words, one-bit SPI), EOT; transfers
//! finish at once. Anything else (quad mode, SEND_ADDR, repeat, RX_CHECK,
//! full duplex, event waits, chip selects 2 and 3, 16- or 32-bit data
//! channels) is a model error naming it: the store that started it
//! faults, and the master is reset.

use crate::bus::{IFRAM_BASE, IFRAM_LEN};
use crate::devices::nor::Nor;
use crate::devices::psram::Psram;

pub const BASE: u32 = 0x5010_6000;
/// CG bit of this channel in the UDMA control page's clock-gate register.
pub const CLOCK_GATE_BIT: u32 = 1 << 5;
/// The chip selects of the NOR flash and the PSRAM.
pub const NOR_CS: u32 = 0;
pub const PSRAM_CS: u32 = 1;

const CFG_EN: u32 = 1 << 4;
const CFG_CLEAR: u32 = 1 << 6;
const CFG_SIZE: u32 = 3 << 1;
const CFG_SIZE_8: u32 = 0;
const CFG_SIZE_32: u32 = 2 << 1;
/// A channel moves at most this many bytes a transfer (Xous: its DMA
/// lengths are below 64 KiB).
const MAX_TRANSFER: u32 = 0xFFFF;

/// One DMA channel: where its buffer is and what is left of it.
#[derive(Default, Clone, Copy)]
struct Channel {
    saddr: u32,
    size: u32,
    cfg: u32,
    /// The transfer in progress: next address and bytes left.
    next: u32,
    left: u32,
}

impl Channel {
    fn read(&self, register: u32) -> u32 {
        match register {
            0x0 if self.left > 0 => self.next,
            0x4 => self.left,
            0x8 if self.left > 0 => self.cfg | CFG_EN,
            _ => 0,
        }
    }

    /// A register write; whether a transfer was started.
    fn write(&mut self, register: u32, value: u32, name: &str) -> Result<bool, String> {
        match register {
            0x0 => self.saddr = value,
            0x4 => self.size = value,
            0x8 if value & CFG_CLEAR != 0 => self.left = 0,
            0x8 => {
                self.cfg = value & !CFG_EN;
                if value & CFG_EN == 0 {
                    return Ok(false);
                }
                if self.size == 0 || self.size > MAX_TRANSFER {
                    return Err(format!("{name} channel started with SIZE {:#x} (1 to {MAX_TRANSFER:#x} bytes)", self.size));
                }
                let in_ifram = self.saddr.checked_sub(IFRAM_BASE).is_some_and(|o| o as usize + self.size as usize <= IFRAM_LEN);
                if !in_ifram {
                    return Err(format!("{name} channel's buffer {:#010x}+{:#x} is not in IFRAM (0x5000_0000..0x5004_0000), the only memory the UDMA reaches", self.saddr, self.size));
                }
                (self.next, self.left) = (self.saddr, self.size);
                return Ok(true);
            }
            _ => {}
        }
        Ok(false)
    }

    fn take(&mut self, n: u32) -> u32 {
        let at = self.next;
        self.next += n;
        self.left -= n;
        at
    }
}

/// A data command partly done: bytes still to move.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Moving {
    Tx(u32),
    Rx(u32),
}

#[derive(Default)]
pub struct Spim {
    pub nor: Nor,
    pub psram: Psram,
    rx: Channel,
    tx: Channel,
    cmd: Channel,
    moving: Option<Moving>,
    /// The chip select held low, if any.
    selected: Option<u32>,
    /// The last CFG command (clock divider, polarity, phase).
    pub config: u32,
    /// IFRAM ranges the RX channel wrote since the bus last asked.
    pub received: Vec<(u32, u32)>,
}

impl Spim {
    pub fn read(&self, offset: u32) -> u32 {
        match offset {
            0x00..=0x0C => self.rx.read(offset),
            0x10..=0x1C => self.tx.read(offset - 0x10),
            0x20..=0x2C => self.cmd.read(offset - 0x20),
            _ => 0,
        }
    }

    /// A register write, then as much of the command program as can run.
    /// An error resets the master (channels cleared, chip select high).
    pub fn write(&mut self, offset: u32, value: u32, ifram: &mut [u8], clock_on: bool) -> Result<(), String> {
        let started = match offset {
            0x00..=0x0C => self.rx.write(offset, value, "RX"),
            0x10..=0x1C => self.tx.write(offset - 0x10, value, "TX"),
            0x20..=0x2C => self.cmd.write(offset - 0x20, value, "command"),
            _ => Ok(false),
        };
        let result = started.and_then(|started| {
            if started && !clock_on {
                return Err("used with its clock gated (the UDMA control page's CG register, bit 5, is clear)".to_string());
            }
            self.check_sizes()?;
            self.run(ifram)
        });
        result.map_err(|why| {
            self.reset();
            format!("SPIM1: {why}")
        })
    }

    fn check_sizes(&self) -> Result<(), String> {
        let size = |c: &Channel| c.cfg & CFG_SIZE;
        if self.cmd.left > 0 && size(&self.cmd) != CFG_SIZE_32 {
            return Err("the command channel must move 32-bit words (CFG size 2)".into());
        }
        for (name, c) in [("RX", &self.rx), ("TX", &self.tx)] {
            if c.left > 0 && size(c) != CFG_SIZE_8 {
                return Err(format!("the {name} channel with 16- or 32-bit words is not modelled (8-bit only)"));
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        (self.rx.left, self.tx.left, self.cmd.left, self.moving) = (0, 0, 0, None);
        self.selected = None;
        self.nor.deselect();
        self.psram.deselect();
    }

    /// Runs commands until the program ends or a data command waits for
    /// its channel.
    fn run(&mut self, ifram: &mut [u8]) -> Result<(), String> {
        loop {
            match self.moving {
                Some(Moving::Tx(left)) => {
                    let n = left.min(self.tx.left);
                    if n == 0 {
                        return Ok(());
                    }
                    let at = (self.tx.take(n) - IFRAM_BASE) as usize;
                    for &byte in &ifram[at..at + n as usize] {
                        self.send(byte)?;
                    }
                    self.moving = (left > n).then_some(Moving::Tx(left - n));
                }
                Some(Moving::Rx(left)) => {
                    let n = left.min(self.rx.left);
                    if n == 0 {
                        return Ok(());
                    }
                    let addr = self.rx.take(n);
                    let at = (addr - IFRAM_BASE) as usize;
                    for slot in &mut ifram[at..at + n as usize] {
                        *slot = self.receive()?;
                    }
                    self.received.push((addr, n));
                    self.moving = (left > n).then_some(Moving::Rx(left - n));
                }
                None if self.cmd.left < 4 => return Ok(()),
                None => {
                    let at = (self.cmd.take(4) - IFRAM_BASE) as usize;
                    let word = u32::from_le_bytes(ifram[at..at + 4].try_into().expect("4 bytes"));
                    self.command(word)?;
                }
            }
        }
    }

    fn command(&mut self, word: u32) -> Result<(), String> {
        let quad = word & 1 << 27 != 0;
        let bits = (word >> 16 & 0x1F) + 1;
        match word >> 28 {
            0x0 => self.config = word,
            0x1 => {
                let cs = word & 3;
                if let Some(open) = self.selected {
                    return Err(format!("SOT (chip select {cs}) while chip select {open} is still low: EOT first"));
                }
                match cs {
                    NOR_CS => self.nor.select(),
                    PSRAM_CS => self.psram.select(),
                    _ => return Err(format!("chip select {cs}: nothing is on it (the NOR flash is on {NOR_CS}, the PSRAM on {PSRAM_CS})")),
                }
                self.selected = Some(cs);
            }
            0x2 if quad => return Err("SEND_CMD in quad mode is not modelled".into()),
            0x2 => {
                let bits = (word >> 16 & 0xF) + 1;
                if bits != 8 {
                    return Err(format!("SEND_CMD of {bits} bits: only 8-bit commands are modelled"));
                }
                self.send(word as u8)?;
            }
            0x3 => return Err("SEND_ADDR is not modelled (send the address as TX data)".into()),
            0x4 => {
                let cycles = word >> 16 & 0x1F;
                if cycles % 8 != 0 {
                    return Err(format!("DUMMY of {cycles} cycles: only whole bytes (multiples of 8) are modelled"));
                }
                for _ in 0..cycles / 8 {
                    self.send(0xFF)?;
                }
            }
            0x5 if word & 0x100 != 0 => {}
            0x5 => return Err("WAIT for an event is not modelled (only WAIT for cycles)".into()),
            0x6 | 0x7 if quad => return Err("TX_DATA/RX_DATA in quad mode is not modelled".into()),
            0x6 | 0x7 if bits != 8 || word >> 21 & 3 != 0 => {
                return Err(format!("TX_DATA/RX_DATA of {bits}-bit words, {} a transfer: only 8-bit words one at a time are modelled", 1 << (word >> 21 & 3)));
            }
            0x6 => self.moving = Some(Moving::Tx((word & 0xFFFF) + 1)),
            0x7 => self.moving = Some(Moving::Rx((word & 0xFFFF) + 1)),
            0x9 => {
                self.selected = None;
                self.nor.deselect();
                self.psram.deselect();
            }
            0x8 | 0xA => return Err("repeated commands (RPT, RPT_END) are not modelled".into()),
            0xB => return Err("RX_CHECK is not modelled".into()),
            0xC => return Err("FULL_DUPLEX is not modelled".into()),
            other => return Err(format!("unknown command {word:#010x} (opcode {other:#x})")),
        }
        Ok(())
    }

    fn send(&mut self, byte: u8) -> Result<(), String> {
        match self.selected {
            None => Err("data sent with no chip select low (SOT first)".into()),
            Some(NOR_CS) => self.nor.send(byte),
            Some(_) => self.psram.send(byte),
        }
    }

    fn receive(&mut self) -> Result<u8, String> {
        match self.selected {
            None => Err("data received with no chip select low (SOT first)".into()),
            Some(NOR_CS) => self.nor.receive(),
            Some(_) => self.psram.receive(),
        }
    }
}
