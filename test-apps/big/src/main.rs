//! A program larger than the RRAM's room for the boot image, for the
//! program store checks of `./x test` (`xous-run --board baosec`): its 3
//! MiB of read-only data (written by build.rs, `pattern.rs`) make the
//! image too large for the RRAM, so xous-run puts the program in the
//! board's NOR flash, and the kernel reads each page from there at its
//! first touch, mapping it only if it matches its SHA-256 digest in the
//! boot image.
//!
//! - `big check` (or `big` alone, as `./x image --board baosec` runs it):
//!   reads every byte against the pattern, twice (the first pass, larger
//!   than the chip's 2 MiB of RAM, has pushed the early pages out by the
//!   second), and says so; exit 1 naming the first wrong byte;
//! - `big tamper`: touches the first page, says `big: ready` (the model's
//!   tamper hook flips a bit in each page of the flash then), and reads
//!   everything: the kernel must end it at the first page it reads from
//!   the flash after that, with its report.

use std::io::Write;
use std::process::ExitCode;

mod pattern;

/// The data, in the program's read-only segment.
static DATA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/pattern.bin"));

/// The first byte of `data` that is not as built, if any.
fn first_wrong(data: &[u8]) -> Option<usize> {
    if data.len() != pattern::LEN {
        return Some(data.len().min(pattern::LEN));
    }
    data.iter().enumerate().find(|(i, b)| **b != pattern::byte(*i)).map(|(i, _)| i)
}

/// Exit 1 with a line naming byte `at` of `data`.
fn wrong(data: &[u8], at: usize, pass: &str) -> ExitCode {
    let got = data.get(at).map_or("missing".to_string(), |b| format!("{b:#04x}"));
    println!("big: {pass}: byte {at:#x} (page {}) is {got}, not {:#04x} as built", at / 4096, pattern::byte(at));
    ExitCode::from(1)
}

fn main() -> ExitCode {
    // Read through a value the compiler cannot see into, so every byte is
    // really loaded from the segment.
    let data = std::hint::black_box(DATA);
    match std::env::args().nth(1).as_deref() {
        // (No argument: what an image for the chip runs, `./x image`.)
        Some("check") | None => {
            for pass in ["first pass", "second pass"] {
                if let Some(at) = first_wrong(data) {
                    return wrong(data, at, pass);
                }
            }
            println!("big: {} MiB of read-only data read twice, as built", data.len() >> 20);
            ExitCode::SUCCESS
        }
        Some("tamper") => {
            if data.first() != Some(&pattern::byte(0)) {
                return wrong(data, 0, "before the tamper");
            }
            println!("big: ready");
            std::io::stdout().flush().expect("stdout");
            if let Some(at) = first_wrong(data) {
                return wrong(data, at, "after the tamper");
            }
            println!("big: read everything after the tamper, all as built: the flash was not altered, or its pages not checked");
            ExitCode::from(2)
        }
        _ => {
            eprintln!("usage: big [check|tamper]");
            ExitCode::from(2)
        }
    }
}
