//! The TRNG at 0x4002_E000 in its raw mode: once started (SFR_AR_GEN =
//! 0x5A) its buffer is always ready (SFR_SR bit 28) and each read of SFR_BUF
//! gives a fresh word. The model's words come from a generator seeded from
//! the host's per-process randomness, so they differ from run to run as a
//! real noise source's do; the chip's conditioning and health tests are not
//! modelled.

pub const BASE: u32 = 0x4002_E000;
const SFR_SR: u32 = 0x10;
const SFR_AR_GEN: u32 = 0x14;
const SFR_BUF: u32 = 0x30;
const BUFREADY: u32 = 1 << 28;

pub struct Trng {
    running: bool,
    state: u64,
    /// Other registers, as written (configuration the model ignores).
    registers: [u32; 32],
}

impl Default for Trng {
    fn default() -> Trng {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0x6261_6F31);
        Trng { running: false, state: hasher.finish() | 1, registers: [0; 32] }
    }
}

impl Trng {
    pub fn read(&mut self, offset: u32) -> u32 {
        match offset {
            SFR_SR => if self.running { BUFREADY } else { 0 },
            SFR_BUF if self.running => {
                self.state ^= self.state >> 12;
                self.state ^= self.state << 25;
                self.state ^= self.state >> 27;
                (self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
            }
            SFR_BUF => 0,
            _ => self.registers.get((offset / 4) as usize).copied().unwrap_or(0),
        }
    }

    pub fn write(&mut self, offset: u32, value: u32) {
        match offset {
            SFR_AR_GEN if value & 0xFF == 0x5A => self.running = true,
            SFR_AR_GEN if value & 0xFF == 0xA5 => self.running = false,
            _ => {
                if let Some(register) = self.registers.get_mut((offset / 4) as usize) {
                    *register = value;
                }
            }
        }
    }
}
