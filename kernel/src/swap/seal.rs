//! Sealing a page for the swap device and opening it again: AES-256-GCM-SIV
//! (RFC 8452), with a key new at every boot, from the board's entropy at
//! boot (arch/riscv/boot.rs: on QEMU the device tree's rng-seed, which
//! QEMU fills from the host's random source).
//!
//! The 96-bit nonce is the slot and the slot's write count (slots.rs: never
//! the same twice for a slot in one boot, so never the same nonce for the
//! key). Binding the slot means a sealed page copied into another slot does
//! not open; the count being kept on the chip means an old copy of the same
//! slot does not either. Which page of which process a slot holds is kept
//! on the chip too (the page's table entry names the slot, the slot table
//! its owner), so owner and address need not be in the nonce, and a
//! swapped page can change hands without being read back (CreateProcess
//! moves a program's pages to the child as they are). GCM-SIV also stays
//! safe if a nonce ever did repeat (it would only show that two pages were
//! equal).
//! The page is sealed and opened in place, in its own frame, which the
//! device then reads or has written: no copy.

use aes_gcm_siv::aead::{AeadInPlace, KeyInit};
use aes_gcm_siv::{Aes256GcmSiv, Nonce, Tag};
use xous_abi::memory::PAGE_SIZE;

pub const KEY_BYTES: usize = 32;
pub const TAG_BYTES: usize = 16;

/// The same AES-256-GCM-SIV over one of two AES implementations: the
/// portable one (RustCrypto's `aes`, bitsliced, constant-time), or the
/// CPU's AES instructions where it has them (arch/riscv/aes32.rs); or no
/// key yet. (`Off` is 0 so that the kernel's state, which holds a `Seal`,
/// stays all zeros until boot: link.x keeps it in .bss.)
#[repr(u32)]
pub enum Seal {
    Off = 0,
    Portable(Aes256GcmSiv),
    #[cfg(target_arch = "riscv32")]
    Instructions(aes_gcm_siv::AesGcmSiv<crate::arch::riscv::aes32::Aes256Zkne>),
}

/// Runs `$body` with `$c` bound to whichever cipher `$seal` holds.
macro_rules! with_cipher {
    ($seal:expr, $c:ident => $body:expr) => {
        match $seal {
            Seal::Off => unreachable!("sealing without a key"),
            Seal::Portable($c) => $body,
            #[cfg(target_arch = "riscv32")]
            Seal::Instructions($c) => $body,
        }
    };
}

/// The nonce of a page written to `slot` for the `count`th time (the last
/// four bytes stay zero).
pub fn nonce(slot: usize, count: u32) -> [u8; 12] {
    let mut n = [0; 12];
    n[..4].copy_from_slice(&(slot as u32).to_le_bytes());
    n[4..8].copy_from_slice(&count.to_le_bytes());
    n
}

/// A frame's words as its bytes (for the cipher, which works on bytes, in
/// place). The portable kernel's one `unsafe` outside arch/: no copy of
/// the page is made, and the device reads and writes the frame itself.
#[allow(unsafe_code)]
pub fn bytes(words: &mut [u32; PAGE_SIZE / 4]) -> &mut [u8; PAGE_SIZE] {
    // SAFETY: the same memory, exclusively borrowed for as long; every
    // byte pattern is a valid u8, and u8's alignment is 1.
    unsafe { &mut *(words as *mut [u32; PAGE_SIZE / 4]).cast::<[u8; PAGE_SIZE]>() }
}

impl Seal {
    /// With the CPU's AES instructions if `instructions` (the platform has
    /// them and they passed their known answer), else the portable AES.
    pub fn new(key: &[u8; KEY_BYTES], instructions: bool) -> Seal {
        #[cfg(target_arch = "riscv32")]
        if instructions {
            return Seal::Instructions(aes_gcm_siv::AesGcmSiv::new(key.into()));
        }
        let _ = instructions;
        Seal::Portable(Aes256GcmSiv::new(key.into()))
    }

    /// Which AES it uses, for the boot line.
    pub fn aes(&self) -> &'static str {
        match self {
            Seal::Off => "no key",
            Seal::Portable(_) => "the portable AES",
            #[cfg(target_arch = "riscv32")]
            Seal::Instructions(_) => "the CPU's AES instructions",
        }
    }

    /// Encrypts `page` in place; the tag that authenticates it.
    pub fn seal(&self, page: &mut [u8; PAGE_SIZE], nonce: &[u8; 12]) -> [u8; TAG_BYTES] {
        // Cannot fail: a page is far below GCM-SIV's 2^36-byte limit.
        with_cipher!(self, c => c.encrypt_in_place_detached(Nonce::from_slice(nonce), &[], page).unwrap_or_default().into())
    }

    /// Decrypts `page` in place if `tag` authenticates it for `nonce`; if
    /// not, false, and the page holds nothing of use (the caller clears it).
    pub fn open(&self, page: &mut [u8; PAGE_SIZE], nonce: &[u8; 12], tag: &[u8; TAG_BYTES]) -> bool {
        with_cipher!(self, c => c.decrypt_in_place_detached(Nonce::from_slice(nonce), &[], page, Tag::from_slice(tag)).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(seed: u8) -> [u8; PAGE_SIZE] {
        core::array::from_fn(|i| (i as u8).wrapping_mul(31) ^ seed)
    }

    #[test]
    fn a_sealed_page_opens_only_as_itself() {
        let seal = Seal::new(&[7; KEY_BYTES], false);
        let plain = page(1);
        let mut p = plain;
        let n = nonce(3, 1);
        let tag = seal.seal(&mut p, &n);
        assert_ne!(p, plain, "encrypted");
        assert!(p.windows(16).all(|w| !plain.windows(16).any(|q| q == w)), "no 16 bytes of the plaintext are left");
        let mut q = p;
        assert!(seal.open(&mut q, &n, &tag));
        assert_eq!(q, plain);
        // One bit anywhere, another slot or count, another key: none opens.
        let mut flipped = p;
        flipped[4095] ^= 1;
        assert!(!seal.open(&mut flipped, &n, &tag));
        for other in [nonce(4, 1), nonce(3, 2), nonce(3 + (1 << 16), 1), nonce(3, 1 + (1 << 16))] {
            let mut q = p;
            assert!(!seal.open(&mut q, &other, &tag), "{other:?}");
        }
        let mut q = p;
        assert!(!Seal::new(&[8; KEY_BYTES], false).open(&mut q, &n, &tag));
        let mut bad_tag = tag;
        bad_tag[0] ^= 0x80;
        let mut q = p;
        assert!(!seal.open(&mut q, &n, &bad_tag));
    }

    #[test]
    fn nonces_differ_in_every_field() {
        let n = nonce(0x0102_0304, 0x0506_0708);
        assert_eq!(n, [4, 3, 2, 1, 8, 7, 6, 5, 0, 0, 0, 0]);
    }

    #[test]
    fn bytes_are_the_words_little_endian() {
        let mut words = [0u32; PAGE_SIZE / 4];
        words[1] = 0x4433_2211;
        assert_eq!(&bytes(&mut words)[4..8], &[0x11, 0x22, 0x33, 0x44]);
    }
}
