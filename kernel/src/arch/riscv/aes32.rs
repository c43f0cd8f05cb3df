//! AES-256 encryption with the RISC-V scalar-crypto instructions for RV32
//! (Zkne: `aes32esmi`, a round's SubBytes and MixColumns for one byte of
//! the state; `aes32esi`, the last round's SubBytes), which the
//! Baochip-1x's CPU has and QEMU emulates (`-cpu rv32,zkne=true`). It is
//! the block cipher under swap's AES-256-GCM-SIV (swap/seal.rs) where the
//! CPU has them: no table lookups, so constant-time, and a fraction of the
//! instructions of the portable, bitsliced AES. GCM-SIV only ever
//! encrypts with AES, so there is no decryption here.
//!
//! The state is four little-endian words, a column each (bytes 4j..4j+4).
//! Output column j of a round takes row r from input column j + r: that is
//! ShiftRows, done by the choice of operands.

use aes_gcm_siv::aead::consts::{U1, U16, U32};
use cipher::{Block, BlockBackend, BlockCipher, BlockClosure, BlockEncrypt, BlockSizeUser, Key, KeyInit, KeySizeUser, ParBlocksSizeUser};
use cipher::inout::InOut;

/// Round keys: 15 of four words.
const WORDS: usize = 60;

pub struct Aes256Zkne {
    keys: [u32; WORDS],
}

/// `rd = rs1 ^ rol(mix(sbox(byte BS of rs2)), 8 * BS)`.
#[inline(always)]
fn esmi<const BS: u8>(rs1: u32, rs2: u32) -> u32 {
    let rd: u32;
    // SAFETY: a pure computation on registers (Zkne, which the caller's
    // board has: swap/seal.rs asks `Platform::has_aes32`).
    unsafe {
        core::arch::asm!(".option push", ".option arch, +zkne", "aes32esmi {0}, {1}, {2}, {3}", ".option pop",
            lateout(reg) rd, in(reg) rs1, in(reg) rs2, const BS, options(pure, nomem, nostack));
    }
    rd
}

/// `rd = rs1 ^ rol(sbox(byte BS of rs2), 8 * BS)`.
#[inline(always)]
fn esi<const BS: u8>(rs1: u32, rs2: u32) -> u32 {
    let rd: u32;
    // SAFETY: as `esmi`.
    unsafe {
        core::arch::asm!(".option push", ".option arch, +zkne", "aes32esi {0}, {1}, {2}, {3}", ".option pop",
            lateout(reg) rd, in(reg) rs1, in(reg) rs2, const BS, options(pure, nomem, nostack));
    }
    rd
}

/// SubWord: the S-box on each byte of `w`.
#[inline(always)]
fn sub_word(w: u32) -> u32 {
    esi::<3>(esi::<2>(esi::<1>(esi::<0>(0, w), w), w), w)
}

impl Aes256Zkne {
    fn expand(key: &[u8; 32]) -> Aes256Zkne {
        let mut w = [0u32; WORDS];
        for (i, word) in key.chunks_exact(4).enumerate() {
            w[i] = u32::from_le_bytes(word.try_into().expect("4 bytes"));
        }
        let mut rcon = 1u32;
        for i in 8..WORDS {
            let mut t = w[i - 1];
            if i % 8 == 0 {
                // RotWord (bytes a1 a2 a3 a0: a right rotation of the
                // little-endian word), SubWord, then the round constant.
                t = sub_word(t.rotate_right(8)) ^ rcon;
                rcon = (rcon << 1) ^ if rcon & 0x80 != 0 { 0x11b } else { 0 };
            } else if i % 8 == 4 {
                t = sub_word(t);
            }
            w[i] = w[i - 8] ^ t;
        }
        Aes256Zkne { keys: w }
    }

    fn encrypt(&self, block: &[u8; 16]) -> [u8; 16] {
        let word = |i: usize| u32::from_le_bytes(block[4 * i..4 * i + 4].try_into().expect("4 bytes"));
        let k = &self.keys;
        let mut s = [word(0) ^ k[0], word(1) ^ k[1], word(2) ^ k[2], word(3) ^ k[3]];
        for round in 1..15 {
            let rk = &k[4 * round..4 * round + 4];
            s = if round < 14 {
                [
                    esmi::<3>(esmi::<2>(esmi::<1>(esmi::<0>(rk[0], s[0]), s[1]), s[2]), s[3]),
                    esmi::<3>(esmi::<2>(esmi::<1>(esmi::<0>(rk[1], s[1]), s[2]), s[3]), s[0]),
                    esmi::<3>(esmi::<2>(esmi::<1>(esmi::<0>(rk[2], s[2]), s[3]), s[0]), s[1]),
                    esmi::<3>(esmi::<2>(esmi::<1>(esmi::<0>(rk[3], s[3]), s[0]), s[1]), s[2]),
                ]
            } else {
                [
                    esi::<3>(esi::<2>(esi::<1>(esi::<0>(rk[0], s[0]), s[1]), s[2]), s[3]),
                    esi::<3>(esi::<2>(esi::<1>(esi::<0>(rk[1], s[1]), s[2]), s[3]), s[0]),
                    esi::<3>(esi::<2>(esi::<1>(esi::<0>(rk[2], s[2]), s[3]), s[0]), s[1]),
                    esi::<3>(esi::<2>(esi::<1>(esi::<0>(rk[3], s[3]), s[0]), s[1]), s[2]),
                ]
            };
        }
        let mut out = [0; 16];
        for (i, w) in s.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// FIPS-197's AES-256 example (appendix C.3) comes out right: checked
    /// before swap trusts these instructions with its pages.
    pub fn passes_known_answer() -> bool {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let plain: [u8; 16] = core::array::from_fn(|i| (i as u8) * 0x11);
        let expected = [0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89];
        Aes256Zkne::expand(&key).encrypt(&plain) == expected
    }
}

impl KeySizeUser for Aes256Zkne {
    type KeySize = U32;
}

impl KeyInit for Aes256Zkne {
    fn new(key: &Key<Self>) -> Self {
        Aes256Zkne::expand(key.as_ref())
    }
}

impl BlockSizeUser for Aes256Zkne {
    type BlockSize = U16;
}

impl BlockCipher for Aes256Zkne {}

impl BlockEncrypt for Aes256Zkne {
    fn encrypt_with_backend(&self, f: impl BlockClosure<BlockSize = U16>) {
        f.call(&mut Backend(self));
    }
}

/// One block at a time (the instructions work on one state).
struct Backend<'a>(&'a Aes256Zkne);

impl BlockSizeUser for Backend<'_> {
    type BlockSize = U16;
}

impl ParBlocksSizeUser for Backend<'_> {
    type ParBlocksSize = U1;
}

impl BlockBackend for Backend<'_> {
    #[inline(always)]
    fn proc_block(&mut self, mut block: InOut<'_, '_, Block<Self>>) {
        let out = self.0.encrypt(block.get_in().as_ref());
        block.get_out().copy_from_slice(&out);
    }
}
