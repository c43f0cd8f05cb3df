//! Overflows a stack on purpose, as `xous-run stack-overflow MODE`:
//! - `thread`: unbounded recursion in a spawned thread named "deep-thread";
//! - `main`: the same in the main thread;
//! - `big-frame`: a thread with a 32 KiB stack calls a function whose frame
//!   holds 64 KiB, so its stack pointer jumps past the guard page at once
//!   (what arrayvec's `test_sizes` does to a test thread).
//!
//! On Linux each prints "thread 'NAME' has overflowed its stack" and
//! "fatal runtime error: stack overflow, aborting" and aborts; here the same
//! lines, then the kernel's, and exit code 134. Reaching the end of `main`
//! is a failure (exit code 1).

use std::hint::black_box;

/// Each level keeps 1 KiB of its own on the stack, used after the call so
/// that the compiler cannot turn the recursion into a loop. It never
/// returns: that is the point.
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let mut level = [0u8; 1024];
    level[depth as usize % 1024] = depth as u8;
    let below = recurse(black_box(depth + 1));
    black_box(&level).iter().map(|b| *b as u64).sum::<u64>() + below
}

/// One frame of 64 KiB.
#[inline(never)]
fn big_frame() -> u64 {
    let block = black_box([7u8; 64 * 1024]);
    block.iter().map(|b| *b as u64).sum()
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    println!("stack-overflow: {mode}");
    let result = match mode.as_str() {
        "thread" => std::thread::Builder::new()
            .name("deep-thread".into())
            .spawn(|| recurse(0))
            .expect("spawn")
            .join()
            .unwrap_or(0),
        "main" => recurse(0),
        "big-frame" => std::thread::Builder::new()
            .name("big-frame".into())
            .stack_size(32 * 1024)
            .spawn(big_frame)
            .expect("spawn")
            .join()
            .unwrap_or(0),
        _ => {
            eprintln!("usage: stack-overflow thread|main|big-frame");
            std::process::exit(2);
        }
    };
    println!("stack-overflow: survived with {result}, which is wrong");
    std::process::exit(1);
}
