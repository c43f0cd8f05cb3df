//! A set of block numbers as bits: which blocks the last durable state
//! uses, which the current one uses, which were allocated since the last
//! commit (and so may be changed in place).

use alloc::vec;
use alloc::vec::Vec;

#[derive(Clone)]
pub struct Bitmap {
    words: Vec<u64>,
}

impl Bitmap {
    pub fn new(bits: u32) -> Bitmap {
        Bitmap { words: vec![0; (bits as usize).div_ceil(64)] }
    }

    pub fn get(&self, bit: u32) -> bool {
        self.words.get(bit as usize / 64).is_some_and(|w| w >> (bit % 64) & 1 != 0)
    }

    pub fn set(&mut self, bit: u32, value: bool) {
        let word = &mut self.words[bit as usize / 64];
        if value {
            *word |= 1 << (bit % 64);
        } else {
            *word &= !(1 << (bit % 64));
        }
    }

    pub fn clear_all(&mut self) {
        self.words.fill(0);
    }

    /// The first bit at or after `from` (wrapping around) clear in both
    /// `self` and `other`, below `limit`.
    pub fn first_clear_in_both(&self, other: &Bitmap, from: u32, limit: u32) -> Option<u32> {
        let search = |start: u32, end: u32| {
            let mut bit = start;
            while bit < end {
                let word = self.words[bit as usize / 64] | other.words[bit as usize / 64];
                if word == u64::MAX && bit % 64 == 0 {
                    bit += 64;
                    continue;
                }
                if word >> (bit % 64) & 1 == 0 {
                    return Some(bit);
                }
                bit += 1;
            }
            None
        };
        search(from.min(limit), limit).or_else(|| search(0, from.min(limit)))
    }

    /// How many bits below `limit` are clear in both.
    pub fn count_clear_in_both(&self, other: &Bitmap, limit: u32) -> u32 {
        let set: u32 = self.words.iter().zip(&other.words).map(|(a, b)| (a | b).count_ones()).sum();
        limit - set.min(limit)
    }
}
