//! User memory as the kernel handles it: ranges reserved (backed on first
//! touch) or committed (backed now), backed with fresh frames, released with their frames, and the
//! copies to and from a process's pages (the loader, the console).

use crate::kernel::{Kernel, Platform};
use crate::mem::frames::Owner;
use crate::mem::pte;
use crate::mem::space::MapError;
use crate::mem::PAGE_SIZE;
use core::ops::Range;
use xous_abi::Error;

impl<P: Platform> Kernel<P> {
    /// Reserves `[va, va + len)` in `pid`'s space, to be backed on first
    /// touch with `flags` (R/W/X); without R it is a guard (never accessible).
    pub fn reserve(&mut self, pid: u8, va: usize, len: usize, flags: u32) -> Result<(), Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        let mut walk = space.walk();
        for page in (va..va + len).step_by(PAGE_SIZE) {
            if walk.entry(&mut self.hw, page) != 0 {
                return Err(Error::MemoryInUse);
            }
        }
        let marker = if flags & pte::R != 0 { pte::LAZY | (flags & pte::RWX) } else { pte::GUARD };
        for page in (va..va + len).step_by(PAGE_SIZE) {
            if let Err(e) = walk.set(&mut self.hw, &mut self.frames, page, marker) {
                self.release(pid, va, page - va);
                return Err(map_error(e));
            }
        }
        Ok(())
    }

    /// Maps `[va, va + len)` in `pid`'s space with zeroed frames now, all or
    /// nothing: memory a process was given is never refused it later at a
    /// touch (OutOfMemory comes from the call, which the allocator above can
    /// report, not as a fault that ends the process). Without R: a guard.
    pub fn commit(&mut self, pid: u8, va: usize, len: usize, flags: u32) -> Result<(), Error> {
        self.reserve(pid, va, len, flags)?;
        if flags & pte::R == 0 {
            return Ok(());
        }
        for page in (va..va + len).step_by(PAGE_SIZE) {
            if let Err(e) = self.map_fresh(pid, page, flags & pte::RWX) {
                self.release(pid, va, len);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Unmaps `[va, va + len)` in `pid`'s space, freeing the frames it owns there.
    pub fn release(&mut self, pid: u8, va: usize, len: usize) {
        let Some(space) = self.procs.get(pid).map(|p| p.space) else { return };
        // What is mapped here next is not the program store's.
        self.swap.store.forget(pid, va, va + len);
        let mut walk = space.walk();
        for page in (va..va + len).step_by(PAGE_SIZE) {
            if let Some(old) = walk.take(&mut self.hw, page) {
                let frame = pte::address(old);
                if pte::is_swapped(old) {
                    self.release_swapped(pid, old);
                } else if pte::is_stored(old) {
                    // Nothing of it is in RAM.
                } else if frame != 0 && self.frames.owner(frame) == Some(pid as Owner) {
                    let _ = self.frames.free(frame, pid);
                } else if pte::is_valid(old) && !self.frames.contains(frame) {
                    self.devices.release(frame, pid);
                }
                self.hw.flush_tlb(pid, Some(page));
            }
        }
    }

    /// Maps a zeroed frame at `va` (which must be free) with `flags`.
    pub fn map_fresh(&mut self, pid: u8, va: usize, flags: u32) -> Result<usize, Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        self.make_room(pid, 1);
        let frame = self.frames.alloc(pid).ok_or(Error::OutOfMemory)?;
        self.hw.zero(frame);
        if let Err(e) = space.map(&mut self.hw, &mut self.frames, va, frame, flags | pte::U, true) {
            let _ = self.frames.free(frame, pid);
            return Err(map_error(e));
        }
        // A TLB may keep the old (invalid or lazy) entry: drop it.
        self.hw.flush_tlb(pid, Some(va));
        Ok(frame)
    }

    /// Maps `frame`, which the kernel owns (a page of the boot image), at
    /// `va` (which must be free) with `flags`; the frame becomes `pid`'s,
    /// as it is, and goes back to the free frames when `pid` lets it go.
    pub fn map_given(&mut self, pid: u8, va: usize, frame: usize, flags: u32) -> Result<(), Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        self.frames.transfer(frame, crate::mem::frames::KERNEL, pid).map_err(|_| Error::BadAddress)?;
        if let Err(e) = space.map(&mut self.hw, &mut self.frames, va, frame, flags | pte::U, true) {
            let _ = self.frames.transfer(frame, pid, crate::mem::frames::KERNEL);
            return Err(map_error(e));
        }
        self.hw.flush_tlb(pid, Some(va));
        Ok(())
    }

    /// Maps `frame`, a page of read-only memory outside RAM (the boot image
    /// stored in QEMU's flash or the Baochip-1x's RRAM), at `va` (which must be free) with
    /// `flags`, which must not allow writing. No one owns such a page and
    /// nothing frees it; it cannot be lent or moved (lend.rs asks for RAM).
    pub fn map_rom(&mut self, pid: u8, va: usize, frame: usize, flags: u32) -> Result<(), Error> {
        if !self.hw.is_rom(frame) || frame % PAGE_SIZE != 0 || flags & pte::W != 0 {
            return Err(Error::BadAddress);
        }
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        space.map(&mut self.hw, &mut self.frames, va, frame, flags | pte::U, true).map_err(map_error)?;
        self.hw.flush_tlb(pid, Some(va));
        Ok(())
    }

    /// Copies `bytes` into `pid`'s memory at `va` (the loader's segments
    /// and parameter block); the pages are checked as for `read_user`.
    pub fn write_user(&mut self, pid: u8, va: usize, bytes: &[u8]) -> Result<(), Error> {
        self.user_pages(pid, va, bytes.len(), pte::V | pte::R | pte::U, |hw, frame, offset, done| hw.write(frame, offset, &bytes[done]))
    }

    /// Copies from `pid`'s memory at `va` into `out`.
    pub fn read_user(&mut self, pid: u8, va: usize, out: &mut [u8]) -> Result<(), Error> {
        self.user_pages(pid, va, out.len(), pte::V | pte::R | pte::U, |hw, frame, offset, done| hw.read(frame, offset, &mut out[done]))
    }

    /// Whether `pid` could write `[va, va + len)` itself now (mapped,
    /// backed, writable RAM): BadAddress if not. Checked before taking
    /// something that cannot be put back (received console bytes).
    pub fn check_user_writable(&mut self, pid: u8, va: usize, len: usize) -> Result<(), Error> {
        self.user_pages(pid, va, len, pte::V | pte::R | pte::W | pte::U, |_, _, _, _| {})
    }

    /// Hands `copy` each page of `[va, va + len)` in `pid`: frame, offset, the
    /// range of the bytes. Each must be mapped with the `readable` bits
    /// (the process may read it; write it too, if W is among them), and
    /// RAM, or for reading the board's read-only memory: a device's
    /// registers are not touched for it (a virtio transport answers a byte
    /// read with an access fault, which stopped the kernel). BadAddress
    /// otherwise, and if the range wraps.
    #[inline(always)]
    fn user_pages(&mut self, pid: u8, va: usize, len: usize, readable: u32, mut copy: impl FnMut(&mut P, usize, usize, Range<usize>)) -> Result<(), Error> {
        let space = self.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
        va.checked_add(len).ok_or(Error::BadAddress)?;
        let mut done = 0;
        while done < len {
            let at = va + done;
            // A page swapped out comes back for the copy (a copy is one page
            // at a time: a page done may go out again meanwhile).
            self.page_in_or_end(pid, at & !(PAGE_SIZE - 1))?;
            let entry = space.entry(&mut self.hw, at & !(PAGE_SIZE - 1));
            let frame = pte::address(entry);
            let memory = self.frames.contains(frame) || (readable & pte::W == 0 && self.hw.is_rom(frame));
            if entry & readable != readable || !memory {
                return Err(Error::BadAddress);
            }
            let offset = at % PAGE_SIZE;
            let n = (PAGE_SIZE - offset).min(len - done);
            copy(&mut self.hw, pte::address(entry), offset, done..done + n);
            done += n;
        }
        Ok(())
    }
}

/// A page-table error as the ABI says it.
pub fn map_error(e: MapError) -> Error {
    match e {
        MapError::OutOfMemory => Error::OutOfMemory,
        MapError::InUse => Error::MemoryInUse,
    }
}

