//! The baosec board's 8 MiB SPI NOR flash (on the UDMA SPI master channel
//! 1, chip select 0), as the SPI master sees it byte by byte while its chip
//! select is low. It exists so that the kernel can read programs from the
//! board's flash, which is larger than the RRAM a boot image lives in.
//!
//! Non-volatile and, in the model, read-only: its contents come from a host
//! file (`bao1x-emu --flash FILE`, at most 8 MiB); the bytes past the file,
//! or all of them without one, read 0xFF, as erased NOR does. The model
//! never changes the file: program, erase and status-write commands are
//! model errors naming the command. Serial (one-bit) commands only: 0x03
//! read, 0x0B fast read (a dummy byte after the address), 0x9F JEDEC ID
//! (no address), 0x05 status register 1 (always 0: never busy, writes never
//! enabled), 0x66 then 0x99 reset. A read runs on across pages and
//! sectors to the end of the array; past its 8 MiB is an error (a real part
//! wraps to 0, which no driver should count on). Quad and QPI commands are
//! refused by name.
//!
//! Model-only: `flip_supplied_pages` flips one bit in each 4 KiB page the
//! file supplied (the model's copy; the file is never written), for the
//! host's tamper test of the program store.
//!
//! Which part: Xous accepts four JEDEC IDs on this board, two of them 8 MiB
//! parts; the model answers XTX's XT25Q64F (docs/bao1x.md says why).

use std::path::Path;

pub const SIZE: usize = 8 << 20;
/// What 0x9F answers: manufacturer (XTX), memory type, capacity (2^0x17
/// bytes); zeros after them.
pub const JEDEC_ID: [u8; 3] = [0x0B, 0x60, 0x17];
/// An erased byte.
const ERASED: u8 = 0xFF;
/// The flash's 4 KiB sector, the unit of the program store.
const PAGE: usize = 4096;

/// Where the device is in a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Chip select high.
    Deselected,
    /// Selected, waiting for the command byte.
    Command,
    /// Receiving the 24-bit address of a read (`fast`: 0x0B); `got` bytes so far.
    Address { fast: bool, got: u8, addr: u32 },
    /// Fast read: the dummy byte is still to come.
    Dummy { addr: u32 },
    /// Data out from `addr`, on to the end of the array.
    Read { addr: u32 },
    /// The JEDEC ID, byte `at`.
    Id { at: u8 },
    /// Status register 1, as often as it is clocked.
    Status,
    /// A one-byte command was given: nothing more may come.
    Done,
}

pub struct Nor {
    bytes: Vec<u8>,
    /// How many bytes from 0 the file (or the contents given) supplied.
    supplied: usize,
    state: State,
    /// 0x66 came in the last transaction: 0x99 resets.
    reset_enabled: bool,
    /// Resets done (0x66, 0x99), for tests.
    pub resets: u32,
}

impl Default for Nor {
    /// A blank (erased) part.
    fn default() -> Nor {
        Nor { bytes: vec![ERASED; SIZE], supplied: 0, state: State::Deselected, reset_enabled: false, resets: 0 }
    }
}

impl Nor {
    /// A part holding `contents` from address 0, erased after them.
    pub fn with_contents(contents: &[u8]) -> Result<Nor, String> {
        if contents.len() > SIZE {
            return Err(format!("{} bytes, more than the NOR flash's 8 MiB ({SIZE})", contents.len()));
        }
        let mut nor = Nor::default();
        nor.bytes[..contents.len()].copy_from_slice(contents);
        nor.supplied = contents.len();
        Ok(nor)
    }

    /// A part holding the host file `path` (`--flash`); the file is only read.
    pub fn from_file(path: &Path) -> Result<Nor, String> {
        let name = path.display();
        let size = std::fs::metadata(path).map_err(|e| format!("cannot read {name}: {e}"))?.len();
        if size > SIZE as u64 {
            return Err(format!("{name}: {size} bytes, more than the NOR flash's 8 MiB ({SIZE})"));
        }
        let contents = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        Nor::with_contents(&contents).map_err(|why| format!("{name}: {why}"))
    }

    /// How many bytes from address 0 a file (or contents given) supplied.
    pub fn supplied(&self) -> usize {
        self.supplied
    }

    /// The array as it stands (for tests).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// **Model-only** (no such thing on the board): flips one bit in each
    /// 4 KiB page that the file supplied, a last partial page within its
    /// supplied bytes; how many pages. The file is never written.
    pub fn flip_supplied_pages(&mut self) -> usize {
        let pages = self.supplied.div_ceil(PAGE);
        for page in 0..pages {
            let start = page * PAGE;
            let len = (self.supplied - start).min(PAGE);
            let at = start + (100 + page % 3000) % len;
            self.bytes[at] ^= 1 << (page % 8);
        }
        pages
    }

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

    /// A byte the master sends (MOSI).
    pub fn send(&mut self, byte: u8) -> Result<(), String> {
        self.state = match self.state {
            State::Deselected => return Err("NOR flash: a byte sent with its chip select high".into()),
            State::Command => self.command(byte)?,
            State::Address { fast, got, addr } => address_byte(fast, got + 1, addr << 8 | byte as u32)?,
            State::Dummy { addr } => State::Read { addr },
            State::Read { .. } | State::Id { .. } | State::Status => {
                return Err("NOR flash: a byte sent while it answers a read".into());
            }
            State::Done => return Err("NOR flash: a byte sent after a one-byte command (0x66, 0x99)".into()),
        };
        Ok(())
    }

    /// A byte the master receives (MISO).
    pub fn receive(&mut self) -> Result<u8, String> {
        match self.state {
            State::Read { addr } => {
                let byte = *self.bytes.get(addr as usize).ok_or_else(|| past_end(addr))?;
                self.state = State::Read { addr: addr + 1 };
                Ok(byte)
            }
            State::Id { at } => {
                self.state = State::Id { at: at.saturating_add(1) };
                Ok(JEDEC_ID.get(at as usize).copied().unwrap_or(0))
            }
            State::Status => Ok(0),
            State::Deselected => Err("NOR flash: a byte received with its chip select high".into()),
            State::Dummy { .. } => Err("NOR flash: data read before fast read's dummy byte".into()),
            other => Err(format!("NOR flash: a byte received with no read in progress ({other:?})")),
        }
    }

    fn command(&mut self, byte: u8) -> Result<State, String> {
        let reset_enable = std::mem::take(&mut self.reset_enabled);
        match byte {
            0x03 => Ok(State::Address { fast: false, got: 0, addr: 0 }),
            0x0B => Ok(State::Address { fast: true, got: 0, addr: 0 }),
            0x9F => Ok(State::Id { at: 0 }),
            0x05 => Ok(State::Status),
            0x66 => {
                self.reset_enabled = true;
                Ok(State::Done)
            }
            0x99 if reset_enable => {
                self.resets += 1;
                Ok(State::Done)
            }
            0x99 => Err("NOR flash: reset (0x99) without reset enable (0x66) just before".into()),
            other => Err(refusal(other)),
        }
    }
}

/// The state after address byte number `got` (1 to 3) of a read; `addr`
/// holds the bytes so far.
fn address_byte(fast: bool, got: u8, addr: u32) -> Result<State, String> {
    match (got, fast) {
        (3, _) if addr as usize >= SIZE => Err(format!("NOR flash: address {addr:#x} is past its 8 MiB")),
        (3, false) => Ok(State::Read { addr }),
        (3, true) => Ok(State::Dummy { addr }),
        _ => Ok(State::Address { fast, got, addr }),
    }
}

fn past_end(addr: u32) -> String {
    format!("NOR flash: a read ran to {addr:#x}, past its 8 MiB (the part would wrap to 0)")
}

/// Why a command the model does not take is refused, naming it.
fn refusal(byte: u8) -> String {
    let writes = match byte {
        0x06 => Some("write enable"),
        0x04 => Some("write disable"),
        0x02 => Some("page program"),
        0x20 => Some("4 KiB sector erase"),
        0x52 => Some("32 KiB block erase"),
        0xD8 => Some("64 KiB block erase"),
        0xC7 | 0x60 => Some("chip erase"),
        0x01 | 0x31 => Some("write status register"),
        _ => None,
    };
    if let Some(name) = writes {
        return format!("NOR flash: command {byte:#04x} ({name}) is not modelled: the model's flash is read-only (it never changes --flash's file)");
    }
    let quad = match byte {
        0x6B => Some("quad output read"),
        0xEB => Some("quad I/O read"),
        0x32 => Some("quad page program"),
        0x38 => Some("enter QPI mode on XTX and Zetta parts, quad program on Macronix ones"),
        0x35 => Some("enter QPI mode on Macronix parts, status register 2 on XTX and Zetta ones"),
        0xF5 | 0xFF => Some("leave QPI mode"),
        0xAF => Some("QPI ID read"),
        _ => None,
    };
    match quad {
        Some(name) => format!("NOR flash: command {byte:#04x} ({name}): quad and QPI modes are not modelled"),
        None => format!("NOR flash: unknown command {byte:#04x}"),
    }
}
