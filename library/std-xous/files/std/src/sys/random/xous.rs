//! Random bytes for std (`HashMap`'s keys, `std::random`), from the entropy
//! service: `services/rng` in the repository, which reads QEMU's
//! virtio-rng device (the host's entropy); protocol in
//! `xous_abi::services::rng`, which std includes as `sys::pal::abi`.
//!
//! Upstream has none for this target: `fill_bytes` panics, and `HashMap`
//! keys come from the addresses of a stack and a heap variable, which are
//! the same on every run of a program here (no address randomisation), so
//! every run hashed alike. Without the service (another kernel or board),
//! `fill_bytes` still panics, saying why, and `HashMap` keys fall back to
//! upstream's addresses: a map must not fail to be made.

use crate::num::NonZero;
use crate::os::xous::ffi::{Connection, do_yield, lend_mut, try_connect};
use crate::ptr;
use crate::sync::atomic::{AtomicU32, Ordering};
// The service's name (its SID) and FILL: a MutableBorrow, `valid` = bytes
// wanted, the reply's `valid` = bytes filled.
use crate::sys::pal::abi::services::rng::{FILL, NAME as SERVER};
use crate::time::{Duration, Instant};

#[repr(C, align(4096))]
struct Page([u8; 4096]);

fn server() -> Option<Connection> {
    static CONNECTION: AtomicU32 = AtomicU32::new(0);
    let cid = CONNECTION.load(Ordering::Relaxed);
    if cid != 0 {
        return Some(cid.into());
    }
    // The service starts at boot beside the program and may not have
    // registered its name when the program first asks (seen: getrandom at
    // the top of `main` failed in one boot of four), so wait for it a
    // little; a system without it answers None after that.
    let deadline = Instant::now() + Duration::from_secs(1);
    let cid = loop {
        match try_connect(SERVER.try_into().ok()?) {
            Ok(Some(cid)) => break cid,
            Ok(None) if Instant::now() < deadline => do_yield(),
            _ => return None,
        }
    };
    CONNECTION.store(cid.into(), Ordering::Relaxed);
    Some(cid)
}

/// Fills `bytes` from the service; false if it could not (all or nothing:
/// what was filled before a failure is not to be used).
fn fill(bytes: &mut [u8]) -> bool {
    let Some(server) = server() else { return false };
    let mut page = Page([0; 4096]);
    for chunk in bytes.chunks_mut(page.0.len()) {
        match lend_mut(server, FILL, &mut page.0, 0, chunk.len()) {
            Ok((_, filled)) if filled == chunk.len() => chunk.copy_from_slice(&page.0[..filled]),
            _ => return false,
        }
    }
    true
}

pub fn fill_bytes(bytes: &mut [u8]) {
    if !fill(bytes) {
        panic!("no random data: the entropy service (`xous-entropy-src`) is missing or its device failed");
    }
}

pub fn hashmap_random_keys() -> (u64, u64) {
    let mut keys = [0u8; 16];
    if fill(&mut keys) {
        let (k0, k1) = keys.split_at(8);
        return (u64::from_ne_bytes(k0.try_into().unwrap()), u64::from_ne_bytes(k1.try_into().unwrap()));
    }
    // Upstream's keys, as a last resort.
    let stack = 0u8;
    let heap = Box::new(0u8);
    (ptr::from_ref(&stack).addr() as u64, ptr::from_ref(&*heap).addr() as u64)
}

/// getrandom's error code for "the entropy service could not fill the
/// buffer": the first of the codes its `Error` leaves to custom backends.
const GETRANDOM_NO_SERVICE: u32 = (1 << 31) + (1 << 30) + 1;

/// The `getrandom` 0.3 and 0.4 crates' hook for a target they do not know
/// (their `getrandom_backend = "custom"`, which the toolchain's rustc sets for
/// the getrandom crate on this target; see docs/ecosystem.md): fills the
/// `len` bytes at `dest` from the entropy service. The return type has the
/// layout of getrandom's `Result<(), Error>` (a transparent `NonZero<u32>`).
/// Weak, so a program that defines its own keeps it.
#[unsafe(no_mangle)]
#[linkage = "weak"]
pub unsafe fn __getrandom_v03_custom(dest: *mut u8, len: usize) -> Result<(), NonZero<u32>> {
    // SAFETY: getrandom hands over `len` writable (possibly uninitialised)
    // bytes at `dest`; they are zeroed before a slice is made of them.
    let bytes = unsafe {
        ptr::write_bytes(dest, 0, len);
        crate::slice::from_raw_parts_mut(dest, len)
    };
    if fill(bytes) { Ok(()) } else { Err(NonZero::new(GETRANDOM_NO_SERVICE).unwrap()) }
}

/// The same for `getrandom` 0.2 (its `custom` feature, which the toolchain's
/// rustc turns on for this target): 0 when `dest` was filled, else the error code.
#[unsafe(no_mangle)]
#[linkage = "weak"]
pub unsafe fn __getrandom_custom(dest: *mut u8, len: usize) -> u32 {
    // SAFETY: getrandom 0.2 hands over `len` initialised, writable bytes.
    let bytes = unsafe { crate::slice::from_raw_parts_mut(dest, len) };
    if fill(bytes) { 0 } else { GETRANDOM_NO_SERVICE }
}
