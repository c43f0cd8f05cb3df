//! The whole model: the hart and its bus, how a program gets in (an ELF
//! loaded where it is linked, or a UF2 file booted as the chip's boot1 boots
//! one) and running it until the guest ends the run.

use crate::bus::Bus;
use crate::cpu::{Cpu, Mode};
use object::{Object, ObjectSegment};

/// Where boot1 jumps, and what it leaves in a0 (Xous's kernel slot).
pub const IMAGE_BASE: u32 = bao1x_image::layout::IMAGE_BASE;
pub const BOOT1_A0: u32 = 0x6009_FD00;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest wrote this to the model's exit device.
    Exit(u32),
    /// It ran the instruction budget out.
    Limit,
}

pub struct Machine {
    pub cpu: Cpu,
}

impl Default for Machine {
    fn default() -> Machine {
        Machine { cpu: Cpu::new(Bus::default()) }
    }
}

impl Machine {
    /// Loads an ELF's segments at their physical addresses and starts at its
    /// entry in M mode, as the chip's own RTL simulation starts a program.
    pub fn load_elf(&mut self, elf: &[u8]) -> Result<(), String> {
        let file = object::File::parse(elf).map_err(|e| format!("not an ELF file: {e}"))?;
        if file.architecture() != object::Architecture::Riscv32 {
            return Err(format!("an ELF for {:?}, not RISC-V 32-bit", file.architecture()));
        }
        for segment in file.segments() {
            let data = segment.data().map_err(|e| format!("bad segment: {e}"))?;
            if data.is_empty() {
                continue;
            }
            let address = u32::try_from(segment.address()).map_err(|_| "a segment above 4 GiB".to_string())?;
            self.cpu.bus.preload(address, data)?;
        }
        self.cpu.memory_changed();
        self.cpu.pc = u32::try_from(file.entry()).map_err(|_| "an entry point above 4 GiB".to_string())?;
        Ok(())
    }

    /// Boots a UF2 file as boot1 does: writes its blocks to RRAM, checks
    /// the image with the developer key (the key every dabao accepts),
    /// refuses a bad one with boot1's reason, and hands over as boot1 does:
    /// M mode, MMU off, every trap delegated to S mode, a0 = 0x6009_FD00.
    /// Blocks for the external flash (0x7000_0000 on) go to the baosec
    /// board's NOR flash, as boot1 writes them there.
    pub fn boot_uf2(&mut self, uf2: &[u8]) -> Result<(), String> {
        let contents = bao1x_image::uf2::read_contents(uf2).map_err(|e| format!("boot1 refuses the image: {e}"))?;
        let image = contents.image;
        bao1x_image::check_image(&image, &[bao1x_image::KeySlot::DEVELOPER])
            .map_err(|e| format!("boot1 refuses the image: {e}"))?;
        if !contents.flash.is_empty() {
            let Some(spim) = self.cpu.bus.spim1.as_mut() else {
                return Err(format!("the file writes {} bytes to the external flash, which the dabao board lacks (--board baosec)", contents.flash.len()));
            };
            if spim.nor.supplied() > 0 {
                return Err("the file writes the NOR flash itself: give it without --flash".into());
            }
            spim.nor = crate::devices::nor::Nor::with_contents(&contents.flash)?;
        }
        self.cpu.bus.preload(IMAGE_BASE, &image)?;
        self.cpu.memory_changed();
        let cpu = &mut self.cpu;
        cpu.mode = Mode::Machine;
        cpu.csr_write(crate::csr::number::MEDELEG, u32::MAX).expect("M-mode CSR");
        cpu.csr_write(crate::csr::number::MIDELEG, u32::MAX).expect("M-mode CSR");
        cpu.x[10] = BOOT1_A0;
        cpu.pc = IMAGE_BASE;
        Ok(())
    }

    /// Keeps RRAM in the host file `path`: its contents (if it exists) are
    /// loaded now, and every row the guest writes is written through.
    pub fn attach_rram_file(&mut self, path: &std::path::Path) -> Result<(), String> {
        let len = crate::bus::RRAM_LEN;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let size = file.metadata().map_err(|e| e.to_string())?.len();
        if size > len as u64 {
            return Err(format!("{}: {size} bytes, more than RRAM's {len}", path.display()));
        }
        let contents = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        self.cpu.bus.rram[..contents.len()].copy_from_slice(&contents);
        file.set_len(len as u64).map_err(|e| format!("cannot size {}: {e}", path.display()))?;
        self.cpu.bus.rram_controller.file = Some(file);
        self.cpu.memory_changed();
        Ok(())
    }

    /// Runs until the guest writes the exit device or `limit` instructions
    /// have been stepped. The interrupt lines are brought up to date after
    /// a device register is written and when a device's next event is due.
    pub fn run(&mut self, limit: u64) -> Outcome {
        self.run_by(limit, Cpu::run_block)
    }

    /// `run`, stepping one instruction at a time instead of running
    /// blocks: the reference the fast path is checked against
    /// (`bao1x-emu --step`).
    pub fn run_stepping(&mut self, limit: u64) -> Outcome {
        self.run_by(limit, |cpu, _| {
            cpu.step();
            1
        })
    }

    /// Runs with `advance(cpu, most)`, which takes at least one and at
    /// most `most` steps and says how many it took.
    fn run_by(&mut self, limit: u64, mut advance: impl FnMut(&mut Cpu, u64) -> u64) -> Outcome {
        let cpu = &mut self.cpu;
        let mut budget = limit;
        while budget > 0 {
            let mut chunk = budget.min(4096);
            if let Some(at) = cpu.bus.next_event(cpu.cycle) {
                chunk = chunk.min(at.saturating_sub(cpu.cycle).max(1));
            }
            let mut done = 0;
            while done < chunk {
                done += advance(cpu, chunk - done);
                if cpu.bus.touched {
                    cpu.bus.touched = false;
                    break;
                }
            }
            budget -= done;
            cpu.irq_lines = cpu.bus.irq_lines(cpu.cycle);
            if let Some(code) = cpu.bus.exit.code {
                return Outcome::Exit(code);
            }
        }
        Outcome::Limit
    }
}
