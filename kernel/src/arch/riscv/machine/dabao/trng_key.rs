//! Swap's key on the Baochip-1x: 32 bytes from the chip's TRNG, read by
//! the kernel at boot (before any process runs, so before the entropy
//! service takes the TRNG), in raw mode as the service sets it up, and
//! through the service's own library (`rng::Conditioner`): every raw word
//! passes the repetition count test, and the key is SHA-256 of 16 raw
//! words and a counter. A source that is stuck or silent gives no key, and
//! then the kernel does not swap (boot.rs says so).

use crate::arch::riscv::hw::{self, FOUND_DEVICE};
use crate::swap::seal::KEY_BYTES;
use board::trng::{
    ALL_ANALOG, ALL_SOURCES, BASE, BUFREADY, CHAINS, CONTINUOUS, PATIENCE, SFR_AR_GEN, SFR_BUF, SFR_CHAIN0, SFR_CRANA, SFR_CRSRC, SFR_OPT, SFR_SR, START,
};

fn read(register: usize) -> u32 {
    // SAFETY: `boot_entropy` shows the TRNG's page at FOUND_DEVICE while it
    // reads; `register` is inside the page.
    unsafe { core::ptr::read_volatile((FOUND_DEVICE + register) as *const u32) }
}

fn write(register: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { core::ptr::write_volatile((FOUND_DEVICE + register) as *mut u32, value) }
}

/// One raw word, once the TRNG has one (None: it never did).
fn word() -> Option<u32> {
    (0..PATIENCE).any(|_| read(SFR_SR) & BUFREADY != 0).then(|| read(SFR_BUF))
}

/// 32 conditioned bytes from the TRNG, or None if it failed its health test.
pub fn boot_entropy() -> Option<[u8; KEY_BYTES]> {
    hw::show_device(Some(BASE));
    write(SFR_CRSRC, ALL_SOURCES);
    write(SFR_CRANA, ALL_ANALOG);
    write(SFR_OPT, CONTINUOUS);
    for chain in 0..CHAINS {
        write(SFR_CHAIN0 + 4 * chain, u32::MAX);
    }
    write(SFR_AR_GEN, START);
    let mut key = [0; KEY_BYTES];
    let filled = rng::Conditioner::new().fill(&mut key, word);
    hw::show_device(None);
    (filled == KEY_BYTES).then_some(key)
}
