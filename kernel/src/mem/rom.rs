//! Writing the board's non-volatile memory for a process (PlatformSpecific
//! ROM_WRITE): on the Baochip-1x the filesystem's disk is a MiB of RRAM,
//! which the process maps to read, but whose controller only the kernel
//! drives, since the controller's page also holds the register that erases
//! the chip's secrets. The kernel writes the process's rows, and only into
//! device pages that process has mapped.

use crate::kernel::{Kernel, Platform};
use crate::mem::PAGE_SIZE;
use crate::sched::ThreadRef;
use crate::syscall::{Handled, Outcome};
use xous_abi::platform::ROM_ROW;
use xous_abi::Error;

/// ROM_WRITE(physical address, address, length): see xous_abi::platform.
#[inline(never)]
pub fn rom_write<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, pa: usize, va: usize, len: usize) -> Handled {
    if len > PAGE_SIZE {
        return Err(Error::InvalidArgument);
    }
    if pa % ROM_ROW != 0 || len % ROM_ROW != 0 {
        return Err(Error::BadAlignment);
    }
    let end = pa.checked_add(len).ok_or(Error::AccessDenied)?;
    let mut pages = (pa & !(PAGE_SIZE - 1)..end).step_by(PAGE_SIZE);
    if pages.any(|page| k.devices.owner(page) != Some(t.pid) || !k.hw.is_rom(page)) {
        return Err(Error::AccessDenied);
    }
    // Each row is read whole first: a buffer that is not readable stops
    // the call before that row, never in its middle.
    for offset in (0..len).step_by(ROM_ROW) {
        let mut row = [0u8; ROM_ROW];
        k.read_user(t.pid, va.checked_add(offset).ok_or(Error::BadAddress)?, &mut row)?;
        if !k.hw.rom_write_row(pa + offset, &row) {
            return Err(Error::Unavailable);
        }
    }
    Ok(Outcome::Ok)
}
