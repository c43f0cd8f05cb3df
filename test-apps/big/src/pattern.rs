//! The bytes test-apps/big holds: build.rs writes them, the program
//! recomputes them to check what it reads.

/// 3 MiB: more than the ~2.5 MiB the boot image may take in the RRAM.
pub const LEN: usize = 3 << 20;

/// Byte `i`: a byte of word `i / 4`, the word's index times an odd
/// constant (a bijection of 32-bit numbers), so no two words of the data
/// are alike, and no two of its 4 KiB pages.
pub fn byte(i: usize) -> u8 {
    let word = ((i / 4) as u32).wrapping_mul(2_654_435_761) ^ 0x5a5a_5a5a;
    word.to_le_bytes()[i % 4]
}
