//! What the entropy service makes of a raw noise source before it hands
//! bytes out (the Baochip-1x's TRNG gives raw words; QEMU's virtio-rng
//! gives the host's conditioned entropy and needs none of this):
//!
//! - a health test on every raw word, the repetition count test of NIST SP
//!   800-90B (4.4.1): a source stuck on one value fails at once, and the
//!   service then gives no bytes at all rather than predictable ones. With
//!   32-bit words and a cutoff of 3 in a row, a healthy source trips it with
//!   a chance of about 2^-64 a word;
//! - conditioning: each 32 bytes out are SHA-256 of 16 raw words (512 bits
//!   in for 256 out, so a source with half a bit of entropy per bit still
//!   gives full-entropy output) and a counter.
//!
//! No heap, no hardware: unit-tested on the host.
#![no_std]

use sha2::{Digest, Sha256};

/// Raw words in one conditioned block.
pub const WORDS_PER_BLOCK: usize = 16;
/// Bytes out of one conditioned block.
pub const BLOCK: usize = 32;
/// The same raw word this many times in a row: the source has failed.
pub const REPETITION_CUTOFF: u32 = 3;

/// Why no bytes come.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SourceError {
    /// The source gave no word (it did not become ready).
    Silent,
    /// The repetition count test failed: the source is stuck.
    Stuck,
}

/// Raw words in, conditioned bytes out.
pub struct Conditioner {
    last: Option<u32>,
    repeats: u32,
    counter: u64,
    failed: bool,
}

impl Default for Conditioner {
    fn default() -> Self {
        Self::new()
    }
}

impl Conditioner {
    pub const fn new() -> Conditioner {
        Conditioner { last: None, repeats: 0, counter: 0, failed: false }
    }

    /// The health test on one raw word; once failed, failed for good.
    fn check(&mut self, word: u32) -> Result<u32, SourceError> {
        if self.failed {
            return Err(SourceError::Stuck);
        }
        if self.last == Some(word) {
            self.repeats += 1;
            if self.repeats >= REPETITION_CUTOFF {
                self.failed = true;
                return Err(SourceError::Stuck);
            }
        } else {
            (self.last, self.repeats) = (Some(word), 1);
        }
        Ok(word)
    }

    /// One conditioned block from `raw`, which gives raw words (None: the
    /// source gave none).
    pub fn block(&mut self, mut raw: impl FnMut() -> Option<u32>) -> Result<[u8; BLOCK], SourceError> {
        let mut hash = Sha256::new();
        for _ in 0..WORDS_PER_BLOCK {
            let word = self.check(raw().ok_or(SourceError::Silent)?)?;
            hash.update(word.to_le_bytes());
        }
        hash.update(self.counter.to_le_bytes());
        self.counter += 1;
        Ok(hash.finalize().into())
    }

    /// Fills `out` with conditioned bytes; how many (fewer only if the
    /// source fails or falls silent).
    pub fn fill(&mut self, out: &mut [u8], mut raw: impl FnMut() -> Option<u32>) -> usize {
        let mut filled = 0;
        for chunk in out.chunks_mut(BLOCK) {
            let Ok(block) = self.block(&mut raw) else { break };
            chunk.copy_from_slice(&block[..chunk.len()]);
            filled += chunk.len();
        }
        filled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A xorshift stream, standing in for a healthy source.
    fn healthy(seed: u32) -> impl FnMut() -> Option<u32> {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            Some(x)
        }
    }

    #[test]
    fn blocks_are_sha256_of_sixteen_words_and_a_counter() {
        let mut c = Conditioner::new();
        let mut words = healthy(7);
        let first: [u32; 16] = core::array::from_fn(|_| words().unwrap());
        let mut hash = Sha256::new();
        first.iter().for_each(|w| hash.update(w.to_le_bytes()));
        hash.update(0u64.to_le_bytes());
        let expected: [u8; 32] = hash.finalize().into();
        assert_eq!(c.block(healthy(7)), Ok(expected));
        let next = c.block(healthy(7)).unwrap();
        assert_ne!(next, expected, "the same raw words, the next counter: another block");
    }

    #[test]
    fn a_stuck_source_gives_nothing_from_then_on() {
        let mut c = Conditioner::new();
        let mut out = [0u8; 100];
        assert_eq!(c.fill(&mut out, healthy(3)), 100);
        let stuck = || Some(0xdead_beef);
        assert_eq!(c.block(stuck), Err(SourceError::Stuck), "three of a kind in a row");
        assert_eq!(c.fill(&mut out, healthy(9)), 0, "failed for good");
    }

    #[test]
    fn two_in_a_row_is_not_a_failure_and_a_silent_source_is_said() {
        let mut c = Conditioner::new();
        let mut words = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8].into_iter();
        assert!(c.block(|| words.next()).is_ok());
        assert_eq!(c.block(|| None), Err(SourceError::Silent));
        let mut out = [0u8; 40];
        let (mut source, mut given) = (healthy(5), 0);
        let twenty = || {
            given += 1;
            if given <= 20 { source() } else { None }
        };
        assert_eq!(c.fill(&mut out, twenty), 32, "one block, then the source fell silent");
    }
}
