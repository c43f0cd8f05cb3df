//! The RRAM controller (`rrc`, 0x4000_0000) and its write protocol. RRAM
//! reads are plain memory reads. A plain store to RRAM does not change the
//! array: it is staged in the controller's 32-byte row buffer. With RRCCR
//! in command mode (2), storing 0x5200 to the row's first word loads the
//! buffer and 0x9528 writes it to the array. So a stray store never changes
//! RRAM, and a row changes whole, as on the chip. The array can be kept in
//! a host file (`bao1x-emu --rram FILE`): committed rows are written
//! through, so data persists across runs as the chip's does. Writing
//! 0x2468 to RRCAR (0xF0), which on the chip erases its secrets, is
//! recorded and otherwise ignored.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};

pub const BASE: u32 = 0x4000_0000;
const RRCCR: u32 = 0x00;
const RRCAR: u32 = 0xF0;
const MODE_COMMAND: u32 = 2;
const LOAD_BUFFER: u32 = 0x5200;
const WRITE_BUFFER: u32 = 0x9528;
pub const ROW: usize = 32;

#[derive(Default)]
pub struct RramController {
    control: u32,
    /// The row the buffer holds (its offset in RRAM), and its bytes.
    staged: Option<(usize, [u8; ROW])>,
    loaded: bool,
    /// Rows written to the array, for tests and statistics.
    pub rows_written: u64,
    pub secrets_erase_requested: bool,
    /// Where committed rows are written through, if anywhere.
    pub file: Option<File>,
}

impl RramController {
    pub fn read(&self, offset: u32) -> u32 {
        match offset {
            RRCCR => self.control,
            _ => 0,
        }
    }

    pub fn write(&mut self, offset: u32, value: u32) {
        match offset {
            RRCCR => self.control = value,
            RRCAR if value == 0x2468 => self.secrets_erase_requested = true,
            _ => {}
        }
    }

    /// A store of `bytes` at `offset` into RRAM (`array`): staged, or in
    /// command mode a command to the row there.
    pub fn store(&mut self, array: &mut [u8], offset: usize, bytes: &[u8]) -> Result<(), String> {
        let row = offset & !(ROW - 1);
        if self.control & 3 == MODE_COMMAND {
            let value = bytes.iter().rev().fold(0u32, |v, &b| v << 8 | b as u32);
            match value {
                LOAD_BUFFER => self.loaded = matches!(self.staged, Some((r, _)) if r == row),
                WRITE_BUFFER if self.loaded => {
                    if let Some((r, data)) = self.staged.take().filter(|(r, _)| *r == row) {
                        array[r..r + ROW].copy_from_slice(&data);
                        self.rows_written += 1;
                        self.persist(r, &data)?;
                    }
                    self.loaded = false;
                }
                _ => {}
            }
            return Ok(());
        }
        let buffer = match &mut self.staged {
            Some((r, data)) if *r == row => data,
            _ => {
                let mut data = [0u8; ROW];
                data.copy_from_slice(&array[row..row + ROW]);
                self.loaded = false;
                &mut self.staged.insert((row, data)).1
            }
        };
        let at = offset - row;
        buffer[at..at + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    fn persist(&mut self, offset: usize, data: &[u8]) -> Result<(), String> {
        if let Some(file) = &mut self.file {
            file.seek(SeekFrom::Start(offset as u64))
                .and_then(|_| file.write_all(data))
                .map_err(|e| format!("cannot write the RRAM file: {e}"))?;
        }
        Ok(())
    }
}
