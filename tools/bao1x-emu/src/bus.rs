//! The chip's physical address space as the model has it: RRAM (4 MiB,
//! executes in place; a plain store only stages data for its controller,
//! devices/rram.rs), SRAM (2 MiB), IFRAM (the two uncached 128 KiB banks
//! that DMA uses) and the devices; on the baosec board also the UDMA SPI
//! master with the NOR flash and the PSRAM (`spim1`). An address nothing answers is an access fault
//! for the guest, never a crash of the model.

use crate::code_pages::{self, CodePages};
use crate::devices::{duart::Duart, exit::ExitDevice, irqarray, irqarray::IrqArray, rram, rram::RramController, ticktimer, ticktimer::Ticktimer, spim, spim::Spim, timer0, timer0::Timer0, trng, trng::Trng, uart2, uart2::Uart2};

pub const RRAM_BASE: u32 = 0x6000_0000;
pub const RRAM_LEN: usize = 4 << 20;
pub const SRAM_BASE: u32 = 0x6100_0000;
pub const SRAM_LEN: usize = 2 << 20;
pub const IFRAM_BASE: u32 = 0x5000_0000;
pub const IFRAM_LEN: usize = 256 << 10;

/// Why an access failed: the guest gets an access fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusError;

pub struct Bus {
    pub rram: Vec<u8>,
    pub sram: Vec<u8>,
    pub ifram: Vec<u8>,
    pub duart: Duart,
    pub exit: ExitDevice,
    pub ticktimer: Ticktimer,
    pub timer0: Timer0,
    pub irqarray: IrqArray,
    pub trng: Trng,
    pub uart2: Uart2,
    pub rram_controller: RramController,
    /// The UDMA SPI master channel 1, its NOR flash and PSRAM: the baosec board only.
    pub spim1: Option<Spim>,
    /// **Model-only** test hook on the PSRAM or the NOR flash, done once
    /// when the guest's console output comes to hold its text.
    pub test_hook: Option<TestHook>,
    /// The UDMA's control page, as written.
    udma_control: [u32; 16],
    /// The model's clock when the hart last reached for the bus.
    pub now: u64,
    /// A device register was written: the interrupt lines may have moved.
    pub touched: bool,
    /// The pages decoded code came from, told of every write to memory.
    pub code: CodePages,
}

impl Default for Bus {
    fn default() -> Bus {
        Bus {
            rram: vec![0; RRAM_LEN],
            sram: vec![0; SRAM_LEN],
            ifram: vec![0; IFRAM_LEN],
            duart: Duart::default(),
            exit: ExitDevice::default(),
            ticktimer: Ticktimer::default(),
            timer0: Timer0::default(),
            irqarray: IrqArray::default(),
            trng: Trng::default(),
            uart2: Uart2::default(),
            rram_controller: RramController::default(),
            spim1: None,
            test_hook: None,
            udma_control: [0; 16],
            now: 0,
            touched: false,
            code: CodePages::default(),
        }
    }
}

/// A model-only test hook on the baosec board's memories (`bao1x-emu --help`).
pub struct TestHook {
    /// The console text that sets it off.
    pub on: Vec<u8>,
    pub action: HookAction,
}

pub enum HookAction {
    /// Flip one bit in each 4 KiB block of PSRAM written since power-on.
    FlipPsram,
    /// Write the whole PSRAM to this host file.
    DumpPsram(std::path::PathBuf),
    /// Flip one bit in each 4 KiB page of the NOR flash that `--flash`'s
    /// file supplied (the model's copy; never the file).
    FlipNor,
}

/// Memory (not a device) at `addr`: which array and the offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    Rram(usize),
    Sram(usize),
    Ifram(usize),
}

/// Which memory holds `addr .. addr + len`, if one holds all of it.
pub fn memory_at(addr: u32, len: usize) -> Option<Memory> {
    let within = |base: u32, size: usize| {
        let offset = addr.wrapping_sub(base) as usize;
        (addr >= base && offset + len <= size).then_some(offset)
    };
    if let Some(o) = within(RRAM_BASE, RRAM_LEN) {
        Some(Memory::Rram(o))
    } else if let Some(o) = within(SRAM_BASE, SRAM_LEN) {
        Some(Memory::Sram(o))
    } else {
        within(IFRAM_BASE, IFRAM_LEN).map(Memory::Ifram)
    }
}

impl Bus {
    fn bytes(&self, memory: Memory) -> (&[u8], usize) {
        match memory {
            Memory::Rram(o) => (&self.rram, o),
            Memory::Sram(o) => (&self.sram, o),
            Memory::Ifram(o) => (&self.ifram, o),
        }
    }

    /// A load of 1, 2 or 4 bytes (aligned: the CPU traps misaligned ones).
    pub fn load(&mut self, addr: u32, size: usize) -> Result<u32, BusError> {
        if let Some(memory) = memory_at(addr, size) {
            let (bytes, o) = self.bytes(memory);
            return Ok(match size {
                1 => bytes[o] as u32,
                2 => u16::from_le_bytes([bytes[o], bytes[o + 1]]) as u32,
                _ => u32::from_le_bytes(bytes[o..o + 4].try_into().expect("4 bytes")),
            });
        }
        self.device_load(addr & !3).map(|word| (word >> ((addr & 3) * 8)) & mask(size))
    }

    /// A store of 1, 2 or 4 bytes. To RRAM, it goes to the controller.
    pub fn store(&mut self, addr: u32, size: usize, value: u32) -> Result<(), BusError> {
        let (bytes, o) = match memory_at(addr, size) {
            Some(Memory::Rram(o)) => {
                let data = &value.to_le_bytes()[..size];
                let rows = self.rram_controller.rows_written;
                let stored = self.rram_controller.store(&mut self.rram, o, data).map_err(|why| {
                    eprintln!("bao1x-emu: {why}");
                    BusError
                });
                if self.rram_controller.rows_written != rows {
                    self.code.write(code_pages::RRAM_FIRST + o / 4096);
                }
                return stored;
            }
            Some(Memory::Sram(o)) => {
                self.code.write(code_pages::SRAM_FIRST + o / 4096);
                (&mut self.sram, o)
            }
            Some(Memory::Ifram(o)) => {
                self.code.write(code_pages::IFRAM_FIRST + o / 4096);
                (&mut self.ifram, o)
            }
            None => return self.device_store(addr, value),
        };
        bytes[o..o + size].copy_from_slice(&value.to_le_bytes()[..size]);
        Ok(())
    }

    /// The fast path of an aligned load from SRAM, RRAM or IFRAM; `None`
    /// for anything else (a device, nothing), which takes `load`.
    #[inline(always)]
    pub fn ram_load(&self, addr: u32, size: u32) -> Option<u32> {
        let (bytes, o) = if let Some(o) = offset_in(addr, SRAM_BASE, SRAM_LEN) {
            (&self.sram, o)
        } else if let Some(o) = offset_in(addr, RRAM_BASE, RRAM_LEN) {
            (&self.rram, o)
        } else {
            (&self.ifram, offset_in(addr, IFRAM_BASE, IFRAM_LEN)?)
        };
        Some(read_le(bytes, o, size))
    }

    /// The fast path of an aligned store to SRAM or IFRAM (RRAM's go to
    /// its controller); false for anything else, which takes `store`.
    #[inline(always)]
    pub fn ram_store(&mut self, addr: u32, size: u32, value: u32) -> bool {
        let (bytes, o) = if let Some(o) = offset_in(addr, SRAM_BASE, SRAM_LEN) {
            self.code.write(code_pages::SRAM_FIRST + o / 4096);
            (&mut self.sram, o)
        } else if let Some(o) = offset_in(addr, IFRAM_BASE, IFRAM_LEN) {
            self.code.write(code_pages::IFRAM_FIRST + o / 4096);
            (&mut self.ifram, o)
        } else {
            return false;
        };
        match size {
            1 => bytes[o] = value as u8,
            2 => bytes[o..o + 2].copy_from_slice(&(value as u16).to_le_bytes()),
            _ => bytes[o..o + 4].copy_from_slice(&value.to_le_bytes()),
        }
        true
    }

    /// A 16-bit instruction parcel from memory (devices are not executable).
    #[inline]
    pub fn fetch16(&self, addr: u32) -> Result<u16, BusError> {
        let (bytes, o) = self.bytes(memory_at(addr, 2).ok_or(BusError)?);
        Ok(u16::from_le_bytes([bytes[o], bytes[o + 1]]))
    }

    /// Puts `data` at `addr` directly (loading an image: RRAM too).
    pub fn preload(&mut self, addr: u32, data: &[u8]) -> Result<(), String> {
        let memory = memory_at(addr, data.len()).ok_or_else(|| {
            format!("{} bytes at {addr:#010x} do not fit in RRAM, SRAM or IFRAM", data.len())
        })?;
        let (bytes, o) = match memory {
            Memory::Rram(o) => (&mut self.rram, o),
            Memory::Sram(o) => (&mut self.sram, o),
            Memory::Ifram(o) => (&mut self.ifram, o),
        };
        bytes[o..o + data.len()].copy_from_slice(data);
        self.code.write_range(addr, data.len());
        Ok(())
    }

    /// The interrupt lines the devices drive at clock `now`.
    pub fn irq_lines(&mut self, now: u64) -> u32 {
        // Device events into their irqarray banks: UART2's receive, while
        // a byte waits (a level: pending again after a clear until read).
        if !self.uart2.input.is_empty() {
            self.irqarray.raise(uart2::RX_BANK, uart2::RX_EVENT);
        }
        (self.ticktimer.line(now) as u32) << ticktimer::LINE
            | (self.timer0.line(now) as u32) << timer0::LINE
            | self.irqarray.lines()
    }

    /// The clock at which a device next raises a line, if one will.
    pub fn next_event(&mut self, now: u64) -> Option<u64> {
        [self.ticktimer.next_event(now), self.timer0.next_event(now)].into_iter().flatten().min()
    }

    fn device_load(&mut self, addr: u32) -> Result<u32, BusError> {
        let (now, offset) = (self.now, addr & 0xFFF);
        match addr & !0xFFF {
            ticktimer::BASE => Ok(self.ticktimer.read(offset, now)),
            timer0::BASE => Ok(self.timer0.read(offset, now)),
            trng::BASE => Ok(self.trng.read(offset)),
            rram::BASE => Ok(self.rram_controller.read(offset)),
            spim::BASE if self.spim1.is_some() => Ok(self.spim1.as_ref().map_or(0, |s| s.read(offset))),
            uart2::BASE => {
                self.uart2_receive();
                Ok(self.uart2.read(offset))
            }
            uart2::UDMA_CONTROL => Ok(self.udma_control.get(offset as usize / 4).copied().unwrap_or(0)),
            crate::devices::duart::BASE => Ok(self.duart.read(offset)),
            crate::devices::exit::BASE => Ok(self.exit.read(offset)),
            page => irqarray::bank_at(page).map(|bank| self.irqarray.read(bank, offset)).ok_or(BusError),
        }
    }

    /// What a DMA channel reads from memory (IFRAM, or SRAM and RRAM: the
    /// model does not restrict the UDMA to IFRAM as the chip's cache rules
    /// would want); nothing at the address is a bus error for the store
    /// that started it.
    fn dma_read(&self, addr: u32, len: u32) -> Result<Vec<u8>, BusError> {
        let (bytes, o) = self.bytes(memory_at(addr, len as usize).ok_or(BusError)?);
        Ok(bytes[o..o + len as usize].to_vec())
    }

    /// A store to the SPI master: its program runs; a model error faults
    /// the store, with the reason on stderr.
    fn spim_store(&mut self, offset: u32, word: u32) -> Result<(), BusError> {
        let clock_on = self.udma_control[0] & spim::CLOCK_GATE_BIT != 0;
        let Some(spim) = self.spim1.as_mut() else { return Err(BusError) };
        let result = spim.write(offset, word, &mut self.ifram, clock_on);
        for (addr, len) in std::mem::take(&mut spim.received) {
            self.code.write_range(addr, len as usize);
        }
        result.map_err(|why| {
            eprintln!("bao1x-emu: {why}");
            BusError
        })
    }

    /// The test hook, before `bytes` go out on the console: if the output
    /// with them holds the hook's text, its action is done (before anyone
    /// can read the text).
    fn test_hook(&mut self, bytes: &[u8]) {
        let Some(hook) = self.test_hook.as_ref() else { return };
        let text = hook.on.as_slice();
        let output = &self.uart2.output;
        let tail = &output[output.len().saturating_sub(text.len())..];
        let seen: Vec<u8> = tail.iter().chain(bytes).copied().collect();
        if !seen.windows(text.len()).any(|w| w == text) {
            return;
        }
        let Some(hook) = self.test_hook.take() else { return };
        let Some(spim) = self.spim1.as_mut() else { return };
        match hook.action {
            HookAction::FlipPsram => {
                let n = spim.psram.flip_written_pages();
                eprintln!("bao1x-emu: model-only tamper hook: a bit flipped in each of {n} written 4 KiB blocks of PSRAM");
            }
            HookAction::DumpPsram(path) => {
                let temporary = path.with_extension("partial");
                let written = std::fs::write(&temporary, &spim.psram.bytes).and_then(|_| std::fs::rename(&temporary, &path));
                match written {
                    Ok(()) => eprintln!("bao1x-emu: model-only dump hook: the PSRAM written to {}", path.display()),
                    Err(e) => eprintln!("bao1x-emu: model-only dump hook: cannot write {}: {e}", path.display()),
                }
            }
            HookAction::FlipNor => {
                let n = spim.nor.flip_supplied_pages();
                eprintln!("bao1x-emu: model-only tamper hook: a bit flipped in each of {n} 4 KiB pages of the NOR flash that --flash supplied (the model's copy; the file is unchanged)");
            }
        }
    }

    /// Moves received bytes into memory for the receive in progress.
    fn uart2_receive(&mut self) {
        while let Some((at, byte)) = self.uart2.receive() {
            let _ = self.store(at, 1, byte as u32);
        }
    }

    /// A device write: the value moved into its place in the word (a byte
    /// store to a register's low byte is that register's write).
    fn device_store(&mut self, addr: u32, value: u32) -> Result<(), BusError> {
        let (now, offset, word) = (self.now, addr & 0xFFC, value << ((addr & 3) * 8));
        self.touched = true;
        match addr & !0xFFF {
            ticktimer::BASE => self.ticktimer.write(offset, word, now),
            timer0::BASE => self.timer0.write(offset, word, now),
            trng::BASE => self.trng.write(offset, word),
            rram::BASE => self.rram_controller.write(offset, word),
            uart2::BASE => {
                if let Some(transmit) = self.uart2.write(offset, word) {
                    let bytes = self.dma_read(transmit.addr, transmit.len)?;
                    self.test_hook(&bytes);
                    self.uart2.send(&bytes);
                }
            }
            spim::BASE if self.spim1.is_some() => self.spim_store(offset, word)?,
            uart2::UDMA_CONTROL => {
                if let Some(register) = self.udma_control.get_mut(offset as usize / 4) {
                    *register = word;
                }
            }
            crate::devices::duart::BASE => self.duart.write(offset, word),
            crate::devices::exit::BASE => self.exit.write(offset, word),
            page => match irqarray::bank_at(page) {
                Some(bank) => self.irqarray.write(bank, offset, word),
                None => return Err(BusError),
            },
        }
        Ok(())
    }
}

/// `addr`'s offset in the memory at `base` of `len` bytes, if it is there.
#[inline(always)]
fn offset_in(addr: u32, base: u32, len: usize) -> Option<usize> {
    let offset = addr.wrapping_sub(base) as usize;
    (offset < len).then_some(offset)
}

/// `size` (1, 2 or 4) bytes at `o`, little-endian; aligned, so in bounds
/// whenever `o` is.
#[inline(always)]
fn read_le(bytes: &[u8], o: usize, size: u32) -> u32 {
    match size {
        1 => bytes[o] as u32,
        2 => u16::from_le_bytes([bytes[o], bytes[o + 1]]) as u32,
        _ => u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]),
    }
}

fn mask(size: usize) -> u32 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => u32::MAX,
    }
}
