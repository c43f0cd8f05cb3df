//! Backtraces on the target, named by xous-run from this program's ELF
//! (std-xous prints each frame's address): `./x test` checks that the
//! function where it happened and its caller are named, with file and
//! line.
//!
//! `backtraces panic`: panics in `fail_deep`, called from `call_fail`
//! (run it with RUST_BACKTRACE=1).
//! `backtraces capture`: prints `Backtrace::force_capture()` from
//! `capture_here`, called from `call_capture`, on stderr.
//! `backtraces fault`: stores through a null pointer in `store_to_null`,
//! called from `call_store`; the kernel ends the process and reports pc
//! and ra. Without an argument (booted as a service, which gets only its
//! name) it does the same.

use std::backtrace::Backtrace;

#[inline(never)]
fn fail_deep(n: u32) -> u32 {
    if n > 0 {
        panic!("deliberate panic for a backtrace");
    }
    n
}

#[inline(never)]
fn call_fail(n: u32) -> u32 {
    fail_deep(std::hint::black_box(n)) + 1
}

#[inline(never)]
fn capture_here() -> Backtrace {
    Backtrace::force_capture()
}

#[inline(never)]
fn call_capture() -> Backtrace {
    let trace = capture_here();
    std::hint::black_box(&trace);
    trace
}

#[inline(never)]
fn store_to_null(value: u32) {
    let null = std::hint::black_box(0x10usize) as *mut u32;
    // SAFETY: none: the store faults on purpose (nothing is mapped at 0x10).
    unsafe { core::ptr::write_volatile(null, value) };
}

#[inline(never)]
fn call_store(value: u32) {
    store_to_null(std::hint::black_box(value));
    println!("backtraces: the store did not fault");
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "fault".to_string());
    match mode.as_str() {
        "panic" => println!("{}", call_fail(std::hint::black_box(1))),
        "capture" => {
            let trace = call_capture();
            eprintln!("backtraces: captured\n{trace}");
        }
        "fault" => call_store(7),
        other => {
            eprintln!("backtraces: unknown mode {other:?}");
            std::process::exit(2);
        }
    }
}
