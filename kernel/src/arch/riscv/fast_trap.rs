//! The fast path's way in from the trap. `trap_syscall` looks at a0 and a2
//! alone (`ipc::fast::route`) and jumps to the function here for a round
//! trip's calls with the eight words where the `ecall` left them: no
//! registers moved, no frame built before the call is known. Each function
//! does its call on the fast path (ipc/fast.rs, inlined here) and says
//! which slot to load next, or, when the fast path refuses, ends in the
//! general path, which finds the words in the caller's slot (put there
//! only then: `trap_entry` does not save a0..a7 of a syscall).

use super::boot::kernel;
use super::trap::{general_syscall, handed_over, keep_words};
use crate::ipc::{fast, fast_memory};

/// SendMessage of a BlockingScalar (`Route::Scalar`).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn scalar(call: usize, cid: usize, kind: usize, id: usize, w0: usize, w1: usize, w2: usize, w3: usize) -> u64 {
    // SAFETY: kmain initialised the state; the trap runs alone.
    let k = unsafe { kernel() };
    let caller = k.current;
    match caller.and_then(|t| fast::blocking_scalar(k, t, cid, id, w0, w1, w2, w3)) {
        Some(next) => handed_over(k, next),
        None => {
            keep_words([call, cid, kind, id, w0, w1, w2, w3]);
            general_syscall(k)
        }
    }
}

/// Any other SendMessage (`Route::Lend`).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn lend(call: usize, cid: usize, kind: usize, id: usize, addr: usize, len: usize, offset: usize, valid: usize) -> u64 {
    // SAFETY: kmain initialised the state; the trap runs alone.
    let k = unsafe { kernel() };
    // Kept first: eight values alive through the lend's loops cost more
    // than the stores.
    keep_words([call, cid, kind, id, addr, len, offset, valid]);
    let caller = k.current;
    match caller.and_then(|t| fast_memory::lend(k, t, cid, kind, id, addr, len, offset, valid)) {
        Some(next) => handed_over(k, next),
        None => general_syscall(k),
    }
}

/// ReplyAndReceiveNext (`Route::ReplyAndWait`).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn reply_and_wait(call: usize, word: usize, rc: usize, v0: usize, v1: usize, offset: usize, valid: usize, count: usize) -> u64 {
    // SAFETY: kmain initialised the state; the trap runs alone.
    let k = unsafe { kernel() };
    let caller = k.current;
    match caller.and_then(|t| fast::reply_and_wait(k, t, word, v0, v1, offset, valid, count)) {
        Some(next) => handed_over(k, next),
        None => {
            keep_words([call, word, rc, v0, v1, offset, valid, count]);
            general_syscall(k)
        }
    }
}
