//! The swap syscalls (PlatformSpecific): SWAP_KEY, with which the entropy
//! service starts swap, and PIN, with which a process keeps pages off the
//! swap device. xous_abi::platform says what each does.

use crate::kernel::{Kernel, Platform};
use crate::mem::map::check_range;
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::sched::ThreadRef;
use crate::syscall::{Handled, Outcome};
use xous_abi::platform::{SWAP_KEY_LEN, SWAP_KEY_SERVICE};
use xous_abi::Error;

/// SWAP_KEY(address, length).
#[inline(never)]
pub fn swap_key<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, va: usize, len: usize) -> Handled {
    let p = k.procs.get(t.pid).ok_or(Error::ProcessNotFound)?;
    if !p.from_image || p.name() != SWAP_KEY_SERVICE {
        return Err(Error::AccessDenied);
    }
    if len != SWAP_KEY_LEN {
        return Err(Error::InvalidArgument);
    }
    let mut key = [0; SWAP_KEY_LEN];
    k.read_user(t.pid, va, &mut key)?;
    let started = k.start_swap(&key);
    key.fill(0);
    core::hint::black_box(&mut key);
    started.map(|()| Outcome::Ok)
}

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
