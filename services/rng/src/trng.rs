//! Entropy from the Baochip-1x's TRNG in raw mode: both noise sources
//! (ring oscillators and the analog source) on, every chain enabled, words
//! read from its buffer as it fills, each health-tested and conditioned
//! (SHA-256, two raw bits per bit out: the library, `rng::Conditioner`)
//! before it goes out. The register values are the chip's documented
//! raw-mode setup; they are checked on the model of the chip only, not on
//! silicon.

use board::trng::{
    ALL_ANALOG, ALL_SOURCES, BASE, BUFREADY, CHAINS, CONTINUOUS, PATIENCE, SFR_AR_GEN, SFR_BUF, SFR_CHAIN0, SFR_CRANA, SFR_CRSRC, SFR_OPT, SFR_SR, START,
};
use xous_abi::memory::flags;
use xous_rt::{error_of, syscall, Syscall};


/// The TRNG's registers, mapped into this process, and the conditioning.
pub struct Source {
    base: usize,
    conditioner: rng::Conditioner,
}

impl Source {
    pub fn open() -> Result<Source, &'static str> {
        let r = syscall(Syscall::MapMemory, &[BASE, 0, 4096, flags::R | flags::W]);
        if error_of(r).is_some() {
            return Err("rng: cannot map the TRNG; requests will fail\n");
        }
        let source = Source { base: r[1], conditioner: rng::Conditioner::new() };
        source.write(SFR_CRSRC, ALL_SOURCES);
        source.write(SFR_CRANA, ALL_ANALOG);
        source.write(SFR_OPT, CONTINUOUS);
        for chain in 0..CHAINS {
            source.write(SFR_CHAIN0 + 4 * chain, u32::MAX);
        }
        source.write(SFR_AR_GEN, START);
        Ok(source)
    }

    /// Fills `out` with conditioned bytes; how many (fewer only if the TRNG
    /// stops giving words or fails its health test: then none, for good).
    pub fn fill(&mut self, out: &mut [u8]) -> usize {
        let base = self.base;
        self.conditioner.fill(out, || word(base))
    }

    fn write(&self, register: usize, value: u32) {
        // SAFETY: `base` is where `open` mapped the TRNG's page, for the
        // life of the process; the register is inside it.
        unsafe { ((self.base + register) as *mut u32).write_volatile(value) }
    }
}

/// One raw word from the TRNG mapped at `base`, once it is ready.
fn word(base: usize) -> Option<u32> {
    (0..PATIENCE).any(|_| read(base, SFR_SR) & BUFREADY != 0).then(|| read(base, SFR_BUF))
}

fn read(base: usize, register: usize) -> u32 {
    // SAFETY: as in `Source::write`.
    unsafe { ((base + register) as *const u32).read_volatile() }
}
