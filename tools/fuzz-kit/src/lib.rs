//! The kit every host fuzz target shares: cargo-fuzz and libFuzzer need a
//! nightly compiler, which this project does not use, so each parser of
//! outside input is fuzzed by an ordinary `#[test]` next to it, with this
//! crate's pieces:
//!
//! - [`Rng`]: a small seeded generator, so that a case is a pure function
//!   of (seed, target, case number) and any failure reproduces alone;
//! - [`Mutator`]: structure-aware damage to a valid input (bit flips,
//!   interesting bytes, the format's own fields set to edge values, moved
//!   by a little or pointed at each other, truncation, extension, copied,
//!   swapped and zeroed blocks);
//! - [`run`]: the driver. It takes the case count from `XOUS_FUZZ_CASES`
//!   (else the target's small default, so unit-test runs stay quick) and
//!   the seed from `XOUS_FUZZ_SEED` (else a fixed one, so `./x test` is
//!   the same every time); `XOUS_FUZZ_CASE=N` runs case N alone. A case
//!   that panics fails the test with the line that reproduces it; a case
//!   that runs longer than `XOUS_FUZZ_CASE_SECONDS` (60) is a hang: the
//!   process says which case and aborts. At the end it prints one line,
//!   `fuzz TARGET: N cases (A accepted, R refused) in S s, seed X`, which
//!   `./x fuzz` collects.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The seed when `XOUS_FUZZ_SEED` is not set.
pub const DEFAULT_SEED: u64 = 0x5eed_0f_7e57;

/// splitmix64: one word of state, every seed good, fast.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// A small count, most often 1: how many mutations a case gets.
    pub fn few(&mut self, max: usize) -> usize {
        let mut n = 1;
        while n < max && self.one_in(2) {
            n += 1;
        }
        n
    }
}

/// Values on the edges of the checks parsers make: zero and one, around
/// powers of two and page sizes, signed and unsigned limits.
pub const INTERESTING: [u64; 30] = [
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    0x10,
    0x3f,
    0x40,
    0x7f,
    0x80,
    0xff,
    0x100,
    0xfff,
    0x1000,
    0x1001,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x10_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xff00_0000,
    0xffff_f000,
    0xffff_fffc,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

/// A field of a format: where it is, how wide (1, 2, 4 or 8 bytes), in
/// which byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub at: usize,
    pub width: usize,
    pub big_endian: bool,
}

impl Field {
    pub const fn u8(at: usize) -> Field {
        Field { at, width: 1, big_endian: false }
    }
    pub const fn le16(at: usize) -> Field {
        Field { at, width: 2, big_endian: false }
    }
    pub const fn le32(at: usize) -> Field {
        Field { at, width: 4, big_endian: false }
    }
    pub const fn le64(at: usize) -> Field {
        Field { at, width: 8, big_endian: false }
    }
    pub const fn be32(at: usize) -> Field {
        Field { at, width: 4, big_endian: true }
    }

    /// The field's value, if `data` holds it.
    pub fn get(&self, data: &[u8]) -> Option<u64> {
        let bytes = data.get(self.at..self.at.checked_add(self.width)?)?;
        let mut value = 0u64;
        for i in 0..self.width {
            let byte = if self.big_endian { bytes[i] } else { bytes[self.width - 1 - i] };
            value = value << 8 | byte as u64;
        }
        Some(value)
    }

    /// Stores `value` (its low bytes) in the field, if `data` holds it.
    pub fn set(&self, data: &mut [u8], value: u64) {
        let Some(bytes) = self.at.checked_add(self.width).and_then(|end| data.get_mut(self.at..end)) else { return };
        for (i, byte) in bytes.iter_mut().enumerate() {
            let shift = if self.big_endian { 8 * (self.width - 1 - i) } else { 8 * i };
            *byte = (value >> shift) as u8;
        }
    }
}

/// Damages valid inputs of one format. `fields` are where its lengths,
/// offsets, counts and pointers are (most checks look there); `block` is
/// its unit of structure (a page, a disk block, a word) for block swaps,
/// cuts and the deltas that move an offset to the next structure.
#[derive(Clone, Copy, Debug)]
pub struct Mutator<'a> {
    pub fields: &'a [Field],
    pub block: usize,
    /// Inputs never grow past this.
    pub max_len: usize,
}

impl Mutator<'_> {
    /// Applies 1 to `max` mutations (most often few).
    pub fn mutate_some(&self, data: &mut Vec<u8>, rng: &mut Rng, max: usize) {
        for _ in 0..rng.few(max) {
            self.mutate(data, rng);
        }
    }

    /// Applies one mutation, chosen at random; field mutations are as
    /// likely as all the others together.
    pub fn mutate(&self, data: &mut Vec<u8>, rng: &mut Rng) {
        if rng.one_in(2) && !self.fields.is_empty() {
            self.mutate_field(data, rng);
            return;
        }
        let len = data.len();
        match rng.below(9) {
            _ if len == 0 => {
                let n = rng.range(1, 16);
                data.extend(rng.bytes(n));
            }
            0 => data[rng.below(len)] ^= 1 << rng.below(8),
            1 => data[rng.below(len)] = rng.next_u64() as u8,
            2 => data[rng.below(len)] = *rng.pick(&[0, 1, 0x7f, 0x80, 0xfe, 0xff]),
            3 => {
                // A cut: anywhere, or at a block boundary.
                let at = rng.below(len);
                data.truncate(if rng.one_in(2) { at - at % self.block.max(1) } else { at });
            }
            4 => {
                let more = rng.range(1, self.block.max(16));
                let fill = if rng.one_in(2) { vec![0; more] } else { rng.bytes(more) };
                data.extend(fill);
                data.truncate(self.max_len.max(len));
            }
            5 => {
                // A run of bytes copied over another place.
                let n = rng.range(1, self.block.max(8).min(len));
                let (from, to) = (rng.below(len - n + 1), rng.below(len - n + 1));
                data.copy_within(from..from + n, to);
            }
            6 if len >= 2 * self.block && self.block > 0 => {
                let blocks = len / self.block;
                let (a, b) = (rng.below(blocks) * self.block, rng.below(blocks) * self.block);
                for i in 0..self.block {
                    data.swap(a + i, b + i);
                }
            }
            7 => {
                let n = rng.range(1, self.block.max(8).min(len));
                let at = rng.below(len - n + 1);
                data[at..at + n].fill(0);
            }
            _ => {
                // A word anywhere set to an edge value.
                let width = *rng.pick(&[1, 2, 4, 8]);
                let field = Field { at: rng.below(len), width, big_endian: rng.one_in(4) };
                field.set(data, *rng.pick(&INTERESTING));
            }
        }
    }

    fn mutate_field(&self, data: &mut [u8], rng: &mut Rng) {
        let field = *rng.pick(self.fields);
        let Some(old) = field.get(data) else { return };
        let block = self.block.max(1) as u64;
        let new = match rng.below(6) {
            0 | 1 => *rng.pick(&INTERESTING),
            2 => {
                let delta = if rng.one_in(2) { rng.range(1, 16) as u64 } else { block * rng.range(1, 4) as u64 };
                if rng.one_in(2) { old.wrapping_add(delta) } else { old.wrapping_sub(delta) }
            }
            3 => rng.next_u64(),
            4 => {
                // Sizes of the input itself: an offset to its end, or past it.
                let len = data.len() as u64;
                *rng.pick(&[len, len.wrapping_sub(1), len + 1, len.wrapping_sub(block), len + block])
            }
            _ => self.fields[rng.below(self.fields.len())].get(data).unwrap_or(0),
        };
        field.set(data, new);
    }
}

/// What a case's input came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Refused,
}

/// A target's run: how many cases, how they ended, how long it took.
#[derive(Clone, Debug)]
pub struct Stats {
    pub cases: u64,
    pub accepted: u64,
    pub refused: u64,
    pub seconds: f64,
    pub seed: u64,
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?.replace('_', "");
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number")))
}

/// The seed of case `index` of `target`: each case stands alone.
fn case_seed(seed: u64, target: &str, index: u64) -> u64 {
    let name = target.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    Rng::new(seed ^ name ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03)).next_u64()
}

/// Runs `case` for each case of `target` (see the module's header); the
/// closure gets the case's generator and says whether the input it made
/// was accepted or refused, asserting whatever must hold of either.
pub fn run(target: &str, default_cases: u64, mut case: impl FnMut(&mut Rng) -> Verdict) -> Stats {
    let cases = env_number("XOUS_FUZZ_CASES").unwrap_or(default_cases);
    let seed = env_number("XOUS_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let only = env_number("XOUS_FUZZ_CASE");
    let limit = Duration::from_secs(env_number("XOUS_FUZZ_CASE_SECONDS").unwrap_or(60));
    let progress = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let watchdog = watch(target, seed, limit, progress.clone(), done.clone());
    let start = Instant::now();
    let mut stats = Stats { cases: 0, accepted: 0, refused: 0, seconds: 0.0, seed };
    let indices = match only {
        Some(index) => index..index + 1,
        None => 0..cases,
    };
    for index in indices {
        progress.store(index, Ordering::Relaxed);
        let mut rng = Rng::new(case_seed(seed, target, index));
        match catch_unwind(AssertUnwindSafe(|| case(&mut rng))) {
            Ok(Verdict::Accepted) => stats.accepted += 1,
            Ok(Verdict::Refused) => stats.refused += 1,
            Err(panic) => {
                done.store(true, Ordering::Relaxed);
                say(&format!("fuzz {target}: case {index} failed; reproduce it alone with XOUS_FUZZ_SEED={seed:#x} XOUS_FUZZ_CASE={index}"));
                std::panic::resume_unwind(panic);
            }
        }
        stats.cases += 1;
    }
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    stats.seconds = start.elapsed().as_secs_f64();
    println!(
        "fuzz {target}: {} cases ({} accepted, {} refused) in {:.2} s, seed {seed:#x}",
        stats.cases, stats.accepted, stats.refused, stats.seconds
    );
    stats
}

/// Writes a line straight to the process's stderr, past the test
/// harness's capture: it must be seen even when the process aborts.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A thread that aborts the process when one case runs longer than `limit`.
fn watch(target: &str, seed: u64, limit: Duration, progress: Arc<AtomicU64>, done: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    let target = target.to_string();
    std::thread::spawn(move || {
        let (mut seen, mut since) = (u64::MAX, Instant::now());
        while !done.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            let now = progress.load(Ordering::Relaxed);
            if now != seen {
                (seen, since) = (now, Instant::now());
            } else if since.elapsed() > limit && !done.load(Ordering::Relaxed) {
                say(&format!(
                    "fuzz {target}: case {now} still runs after {} s (a hang); reproduce it alone with \
                     XOUS_FUZZ_SEED={seed:#x} XOUS_FUZZ_CASE={now}",
                    limit.as_secs()
                ));
                std::process::abort();
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_and_write_both_byte_orders() {
        let mut data = vec![0u8; 8];
        Field::le32(0).set(&mut data, 0x1234_5678);
        Field::be32(4).set(&mut data, 0x1234_5678);
        assert_eq!(data, [0x78, 0x56, 0x34, 0x12, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(Field::le32(0).get(&data), Some(0x1234_5678));
        assert_eq!(Field::be32(4).get(&data), Some(0x1234_5678));
        assert_eq!(Field::le16(7).get(&data), None, "past the end");
        Field::le64(4).set(&mut data, u64::MAX);
        assert_eq!(data[4..], [0x12, 0x34, 0x56, 0x78], "a field past the end is left alone");
    }

    #[test]
    fn cases_are_a_function_of_seed_target_and_number() {
        assert_eq!(case_seed(1, "a", 7), case_seed(1, "a", 7));
        assert_ne!(case_seed(1, "a", 7), case_seed(1, "a", 8));
        assert_ne!(case_seed(1, "a", 7), case_seed(1, "b", 7));
        assert_ne!(case_seed(1, "a", 7), case_seed(2, "a", 7));
    }

    #[test]
    fn mutations_stay_in_bounds() {
        let fields = [Field::le32(0), Field::be32(4), Field::u8(9), Field::le64(12)];
        let mutator = Mutator { fields: &fields, block: 8, max_len: 64 };
        let stats = run("kit-self-test", 20_000, |rng| {
            let len = rng.below(40);
            let mut data = rng.bytes(len);
            mutator.mutate_some(&mut data, rng, 8);
            assert!(data.len() <= 64);
            if data.len() > 20 { Verdict::Accepted } else { Verdict::Refused }
        });
        assert!(stats.accepted > 0 && stats.refused > 0);
    }
}
