//! stacker on psm: a recursion needing far more stack than a thread has
//! (std on Xous gives a thread 128 KiB) runs on stacks stacker allocates,
//! psm's assembly switching to them and back. On Xous stacker's arm takes
//! its stacks from the allocator (library/crate-arms/stacker).

use crate::check;
use std::hint::black_box;

/// Bytes of stack each level of the recursion keeps live.
const FRAME: usize = 1024;
const DEPTH: usize = 4096;

fn depth_sum(level: usize) -> u64 {
    stacker::maybe_grow(32 * 1024, 256 * 1024, || {
        let mut frame = [0u8; FRAME];
        frame[level % FRAME] = level as u8;
        let frame = black_box(frame);
        let here = frame[level % FRAME] as u64;
        if level == 0 { here } else { here + depth_sum(level - 1) }
    })
}

pub fn growth() {
    let outside = psm::stack_pointer() as usize;
    let inside = stacker::grow(64 * 1024, || psm::stack_pointer() as usize);
    check("psm: the stack pointer inside stacker::grow lies elsewhere than outside", inside.abs_diff(outside) > 64 * 1024);
    let expected: u64 = (0..=DEPTH).map(|level| level as u8 as u64).sum();
    let thread = std::thread::Builder::new().stack_size(128 * 1024).spawn(|| depth_sum(DEPTH)).unwrap();
    check(
        &format!("stacker: a {} KiB deep recursion on a thread of 128 KiB, on grown stacks", DEPTH * FRAME / 1024),
        thread.join().expect("no stack overflow") == expected,
    );
}
