//! The boot image where it is stored, readable while boot starts the
//! processes from it.
//!
//! The image stays in the board's read-only memory (QEMU's flash, the
//! Baochip-1x's RRAM); boot reads it whole there (its directory, the bytes
//! of writable segments to copy) and then never again: processes map its
//! pages by physical address, and the kernel reads such a page, when it
//! must, through the frame window like any other (hw.rs). So the memory is
//! not kept in the kernel half, where QEMU's 32 MiB of flash would not fit
//! beside the direct map: it is mapped where it is, readable by the kernel
//! only, in the lower half of the kernel's own root table, for as long as
//! a `BootRom` lives. No process sees it: a process's root table copies only
//! the kernel half, and no process runs before it is gone.
//!
//! After boot the kernel reads the image once more for each on-demand
//! service it starts (loader/on_demand.rs): `Reopened` maps the memory
//! again and makes the kernel's own root table the current one (the
//! caller's does not map it) until `close` switches back.

use super::csr;
use super::hw::{self, MEGAPAGE, Table};
use crate::kernel::FIRST_KERNEL_SLOT;
use crate::mem::pte;

// The memory lies on whole megapages below the kernel half.
const _: () = assert!(match board::ROM {
    Some((base, size)) => base % MEGAPAGE == 0 && size % MEGAPAGE == 0 && pte::vpn1(base + (size - 1)) < FIRST_KERNEL_SLOT,
    None => true,
});

/// The board's read-only memory, mapped where it is while this lives.
pub struct BootRom {
    base: usize,
    size: usize,
}

impl BootRom {
    /// Maps the board's read-only memory into `root` (the kernel's own
    /// root table, the one in use), if the board has any.
    pub fn map(root: &mut Table) -> Option<BootRom> {
        let (base, size) = board::ROM?;
        for offset in (0..size).step_by(MEGAPAGE) {
            root.0[pte::vpn1(base + offset)] = pte::entry(base + offset, pte::V | pte::R | pte::A | pte::D);
        }
        // No stale "not mapped" entries.
        csr::flush_all();
        Some(BootRom { base, size })
    }

    /// Its bytes, from its base: `(base, bytes)`.
    pub fn bytes(&self) -> (usize, &[u8]) {
        // SAFETY: `map` mapped these bytes where they are, readable, until
        // `unmap` (which takes self, so no borrow outlives it); they are
        // read-only memory, so nothing writes them meanwhile.
        (self.base, unsafe { core::slice::from_raw_parts(self.base as *const u8, self.size) })
    }

    /// Takes the mapping out of `root` again.
    pub fn unmap(self, root: &mut Table) {
        for offset in (0..self.size).step_by(MEGAPAGE) {
            root.0[pte::vpn1(self.base + offset)] = 0;
        }
        csr::flush_all();
    }
}

/// The memory mapped again after boot, with the kernel's own root table
/// current; `previous` is the satp to go back to.
pub struct Reopened {
    rom: BootRom,
    previous: usize,
}

impl Reopened {
    /// Maps the board's read-only memory and switches to the kernel's root
    /// table (ASID 0, which no process has); None if the board has none.
    pub fn open() -> Option<Reopened> {
        let previous = csr::satp();
        let root = super::boot::kernel_root_table();
        let rom = BootRom::map(root)?;
        csr::set_address_space(hw::virt_to_phys(root as *const Table as usize), 0);
        Some(Reopened { rom, previous })
    }

    pub fn bytes(&self) -> (usize, &[u8]) {
        self.rom.bytes()
    }

    /// Unmaps the memory and switches back to the address space that was
    /// current at `open`.
    pub fn close(self) {
        self.rom.unmap(super::boot::kernel_root_table());
        csr::set_address_space((self.previous & 0x3f_ffff) << 12, (self.previous >> 22) as u8);
    }
}
