//! The baosec board's 8 MiB SPI PSRAM (on the UDMA SPI master channel 1,
//! chip select 1), as the SPI master sees it byte by byte while its chip
//! select is low. Serial (one-bit) SPI mode only, the commands a driver
//! needs: 0x03 read, 0x0B fast read (a dummy byte after the address),
//! 0x02 write, 0x9F read ID (three address bytes, then the manufacturer
//! 0x9D and known-good-die 0x5D bytes Xous's loader checks on this board,
//! then zeros), 0x66 then 0x99 reset. A burst stays within its 1 KiB page
//! (the device wraps there; the model calls crossing it an error, since a
//! driver that crosses it loses data). Quad mode (0x35, 0xEB, 0x38) and
//! the wrap-boundary toggle are not modelled: they are refused by name.
//!
//! Volatile: at power-on the model fills it with a fixed pseudo-random
//! pattern (not zeros, so a read of a never-written place is no accident
//! of zeros). Model-only: `flip_written_pages` flips one bit in each 4 KiB
//! block written since power-on, for the host's tamper test.

pub const SIZE: usize = 8 << 20;
/// A burst wraps within a page of this size.
pub const PAGE: usize = 1024;
/// Read ID's answer after the three address bytes.
pub const MANUFACTURER: u8 = 0x9D;
pub const KNOWN_GOOD_DIE: u8 = 0x5D;
const BLOCK: usize = 4096;

/// Where the device is in a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Chip select high.
    Deselected,
    /// Selected, waiting for the command byte.
    Command,
    /// Receiving the 24-bit address of `op`; `got` bytes so far.
    Address { op: Op, got: u8, addr: u32 },
    /// Fast read: the dummy byte is still to come.
    Dummy { addr: u32 },
    /// Data out from `addr`, in a burst that started at `start` (for the page check).
    Read { addr: u32, start: u32 },
    /// Data in to `addr`, in a burst that started at `start`.
    Write { addr: u32, start: u32 },
    /// Read ID's answer, byte `at`.
    Id { at: u8 },
    /// A one-byte command was given: nothing more may come.
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Read,
    FastRead,
    Write,
    ReadId,
}

pub struct Psram {
    pub bytes: Vec<u8>,
    state: State,
    /// 0x66 came in the last transaction: 0x99 resets.
    reset_enabled: bool,
    /// Which 4 KiB blocks were written since power-on.
    written: Vec<bool>,
    /// Resets done (0x66, 0x99), for tests.
    pub resets: u32,
}

impl Default for Psram {
    fn default() -> Psram {
        let mut bytes = vec![0; SIZE];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for chunk in bytes.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        Psram { bytes, state: State::Deselected, reset_enabled: false, written: vec![false; SIZE / BLOCK], resets: 0 }
    }
}

impl Psram {
    /// Chip select goes low.
    pub fn select(&mut self) {
        self.state = State::Command;
    }

    /// Chip select goes high: the transaction ends, whatever its state.
    pub fn deselect(&mut self) {
        if self.state != State::Done {
            self.reset_enabled = false;
        }
        self.state = State::Deselected;
    }

    pub fn selected(&self) -> bool {
        self.state != State::Deselected
    }

    /// A byte the master sends (MOSI).
    pub fn send(&mut self, byte: u8) -> Result<(), String> {
        self.state = match self.state {
            State::Deselected => return Err("PSRAM: a byte sent with its chip select high".into()),
            State::Command => self.command(byte)?,
            State::Address { op, got, addr } => {
                let addr = addr << 8 | byte as u32;
                match (got + 1, op) {
                    (3, _) if addr as usize >= SIZE => return Err(format!("PSRAM: address {addr:#x} is past its 8 MiB")),
                    (3, Op::Read) => State::Read { addr, start: addr },
                    (3, Op::FastRead) => State::Dummy { addr },
                    (3, Op::Write) => State::Write { addr, start: addr },
                    (3, Op::ReadId) => State::Id { at: 0 },
                    (got, _) => State::Address { op, got, addr },
                }
            }
            State::Dummy { addr } => State::Read { addr, start: addr },
            State::Write { addr, start } => {
                in_page(addr, start)?;
                self.bytes[addr as usize] = byte;
                self.written[addr as usize / BLOCK] = true;
                State::Write { addr: addr + 1, start }
            }
            State::Read { .. } | State::Id { .. } => return Err("PSRAM: a byte sent while it answers a read".into()),
            State::Done => return Err("PSRAM: a byte sent after a one-byte command (0x66, 0x99)".into()),
        };
        Ok(())
    }

    /// A byte the master receives (MISO).
    pub fn receive(&mut self) -> Result<u8, String> {
        match self.state {
            State::Read { addr, start } => {
                in_page(addr, start)?;
                self.state = State::Read { addr: addr + 1, start };
                Ok(self.bytes[addr as usize])
            }
            State::Id { at } => {
                self.state = State::Id { at: at.saturating_add(1) };
                Ok(match at {
                    0 => MANUFACTURER,
                    1 => KNOWN_GOOD_DIE,
                    _ => 0,
                })
            }
            State::Deselected => Err("PSRAM: a byte received with its chip select high".into()),
            State::Dummy { .. } => Err("PSRAM: data read before fast read's dummy byte".into()),
            other => Err(format!("PSRAM: a byte received with no read in progress ({other:?})")),
        }
    }

    fn command(&mut self, byte: u8) -> Result<State, String> {
        let address = |op| Ok(State::Address { op, got: 0, addr: 0 });
        let reset_enable = std::mem::take(&mut self.reset_enabled);
        match byte {
            0x03 => address(Op::Read),
            0x0B => address(Op::FastRead),
            0x02 => address(Op::Write),
            0x9F => address(Op::ReadId),
            0x66 => {
                self.reset_enabled = true;
                Ok(State::Done)
            }
            0x99 if reset_enable => {
                self.resets += 1;
                Ok(State::Done)
            }
            0x99 => Err("PSRAM: reset (0x99) without reset enable (0x66) just before".into()),
            0x35 | 0xEB | 0x38 | 0xF5 => Err(format!("PSRAM: command {byte:#04x} (quad mode) is not modelled")),
            other => Err(format!("PSRAM: unknown command {other:#04x}")),
        }
    }

    /// **Model-only** (no such thing on the board): flips one bit in each
    /// 4 KiB block written since power-on; how many blocks.
    pub fn flip_written_pages(&mut self) -> usize {
        let mut flipped = 0;
        for (block, _) in self.written.iter().enumerate().filter(|(_, w)| **w) {
            let at = block * BLOCK + 100 + block % 3000;
            self.bytes[at] ^= 1 << (block % 8);
            flipped += 1;
        }
        flipped
    }
}

/// Whether byte `addr` of a burst from `start` is in the burst's 1 KiB
/// page: the device wraps to the page's start there, which the model calls
/// an error (a driver that relies on it has lost its data).
fn in_page(addr: u32, start: u32) -> Result<(), String> {
    if addr as usize / PAGE == start as usize / PAGE {
        return Ok(());
    }
    Err(format!("PSRAM: a burst from {start:#x} crossed its 1 KiB page boundary (the device wraps to the page's start)"))
}
