//! Fuzz-style: thousands of randomly damaged copies of the sample (bits
//! flipped, bytes and fields overwritten, the end cut off; half of them with
//! the CRCs re-sealed so the damage reaches the checks behind them). The
//! parser must never panic, and whatever it accepts must be walkable.

use super::*;
use crate::parse;
use core::ops::Range;
use std::string::ToString;

/// xorshift64*: small, deterministic, good enough to pick offsets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Values that sit on the edges of the checks.
const EDGES: [u32; 10] = [0, 1, 4, 0xfff, 0x1000, 0x1001, 0x7fff_ffff, 0xff00_0000, 0xffff_f000, u32::MAX];

/// Damages `image` once. `fields` are the ranges holding the header and the
/// directory, where most of the checks look.
fn damage(image: &mut Vec<u8>, fields: &[Range<usize>], rng: &mut Rng) {
    let range = &fields[rng.below(fields.len())];
    let field = (range.start + rng.below(range.len() / 4) * 4).min(image.len().saturating_sub(4));
    match rng.below(5) {
        0 => {
            let at = rng.below(image.len());
            image[at] ^= 1 << rng.below(8);
        }
        1 => {
            let at = rng.below(image.len());
            image[at] = rng.next() as u8;
        }
        2 if image.len() >= 4 => set(image, field, EDGES[rng.below(EDGES.len())]),
        3 if image.len() >= 4 => {
            let near = get(image, field).wrapping_add(rng.below(0x2000) as u32).wrapping_sub(0x1000);
            set(image, field, near);
        }
        _ => {
            let len = rng.below(image.len() + 1);
            image.truncate(len);
        }
    }
}

#[test]
fn damaged_images_never_panic_the_parser() {
    let pristine = sample();
    let directory = get(&pristine, header::DIRECTORY_OFFSET) as usize;
    let fields = [0..header::LEN, directory..directory + get(&pristine, header::DIRECTORY_LEN) as usize];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..4000 {
        let mut image = pristine.clone();
        for _ in 0..1 + rng.below(3) {
            if !image.is_empty() {
                damage(&mut image, &fields, &mut rng);
            }
        }
        if rng.below(2) == 0 {
            reseal(&mut image);
        }
        match parse(&image) {
            Ok(parsed) => {
                accepted += 1;
                for process in parsed.processes() {
                    for segment in process.segments() {
                        assert_eq!(segment.bytes.len(), segment.file_size as usize);
                        assert!(segment.pages().end <= xous_abi::memory::USER_END);
                    }
                }
            }
            Err(error) => {
                refused += 1;
                assert!(!error.to_string().is_empty());
            }
        }
    }
    assert!(refused > 2000, "most damage is caught ({refused} refused, {accepted} accepted)");
}
