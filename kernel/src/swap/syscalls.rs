//! The swap syscall (PlatformSpecific PIN), with which a process keeps
//! pages off the swap device: xous_abi::platform says what it does.

use crate::kernel::{Kernel, Platform};
use crate::mem::map::check_range;
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::sched::ThreadRef;
use crate::syscall::{Handled, Outcome};
use xous_abi::Error;

/// PIN(address, length, on).
#[inline(never)]
pub fn pin<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, va: usize, len: usize, on: usize) -> Handled {
    let pid = t.pid;
    if (va, len, on) == (0, 0, 1) {
        let p = k.procs.get_mut(pid).ok_or(Error::ProcessNotFound)?;
        if !p.from_image {
            return Err(Error::AccessDenied);
        }
        p.pinned = true;
        // What is out already comes back (when touched); nothing more goes.
        return Ok(Outcome::Ok);
    }
    check_range(va, len)?;
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    if on != 0 {
        // (Counting every page, pinned already or not: a bound, cheaply.)
        if k.frames.pinned_by(pid) + len / PAGE_SIZE > k.frames.reserve() {
            return Err(Error::OutOfMemory);
        }
        k.make_resident(pid, va, len, true)?;
    }
    let mut walk = space.walk();
    let pages = || (va..va + len).step_by(PAGE_SIZE);
    for page in pages() {
        let e = walk.entry(&mut k.hw, page);
        let frame = pte::address(e);
        if !pte::is_leaf(e) || e & pte::U == 0 || k.frames.owner(frame) != Some(pid) {
            return Err(Error::BadAddress);
        }
    }
    for page in pages() {
        let frame = pte::address(walk.entry(&mut k.hw, page));
        k.frames.set_pinned(frame, on != 0);
    }
    Ok(Outcome::Ok)
}
