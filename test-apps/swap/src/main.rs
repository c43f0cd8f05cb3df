//! Memory larger than RAM, for the swap checks of `./x test` (run with
//! `xous-run --memory M --swap S`):
//!
//! - `swap fill MIB`: touches MIB MiB, each page holding a pattern of its
//!   index, then reads every page back (and with `both`, backwards too);
//! - `swap canary MIB`: fills MIB MiB with a known text and says so, waits
//!   for a line on stdin (the host scans the swap device meanwhile: the
//!   text must not be there), then checks the text is all still here;
//! - `swap tamper MIB`: fills MIB MiB and says so, waits for a line (the
//!   host flips bits in, or wipes, the swap device meanwhile), then reads
//!   everything: the kernel must end it at the first page that does not
//!   come back as written, with its report;
//! - `swap bench MIB`: fills MIB MiB (several times RAM), then reads one
//!   word of each page in turn, twice round: every touch finds its page
//!   out (the clock has sent it out since), so each costs one page brought
//!   back and one sent out. Prints `bench: swap_page_out_and_in=N`, the
//!   retired instructions per touch (exact under `xous-run --icount`).

use std::io::{BufRead, Write};

const PAGE: usize = 4096;
const CANARY: &[u8; 32] = b"XOUS-SWAP-PLAINTEXT-CANARY-0123!";

/// Page `i`'s words: its index and position, mixed, so no two pages match.
fn word(i: usize, w: usize) -> u32 {
    ((i as u32) << 10 | w as u32).wrapping_mul(2_654_435_761) ^ 0x5a5a_5a5a
}

fn fill(mib: usize) -> Vec<u32> {
    let pages = mib * 1024 * 1024 / PAGE;
    let mut memory = vec![0u32; pages * PAGE / 4];
    for (i, page) in memory.chunks_mut(PAGE / 4).enumerate() {
        for (w, v) in page.iter_mut().enumerate() {
            *v = word(i, w);
        }
    }
    memory
}

fn check(memory: &[u32], backwards: bool) {
    let pages: Vec<(usize, &[u32])> = memory.chunks(PAGE / 4).enumerate().collect();
    let order: Box<dyn Iterator<Item = &(usize, &[u32])>> = if backwards { Box::new(pages.iter().rev()) } else { Box::new(pages.iter()) };
    for (i, page) in order {
        for (w, v) in page.iter().enumerate() {
            assert_eq!(*v, word(*i, w), "page {i}, word {w}");
        }
    }
}

fn wait_for_the_host(said: &str) {
    println!("swap: {said}");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
}

/// Retired instructions so far (user mode may read the counter).
fn instret() -> u64 {
    loop {
        let (hi, lo, hi2): (u32, u32, u32);
        // SAFETY: reading the instret counters has no side effects.
        unsafe { std::arch::asm!("rdinstreth {0}", "rdinstret {1}", "rdinstreth {2}", out(reg) hi, out(reg) lo, out(reg) hi2) };
        if hi == hi2 {
            return ((hi as u64) << 32) | lo as u64;
        }
    }
}

fn bench(mib: usize) {
    let memory = fill(mib);
    let pages = memory.len() / (PAGE / 4);
    let mut sum = 0u32;
    // One round to settle, then the measured one.
    for round in 0..2 {
        let start = instret();
        for i in 0..pages {
            sum = sum.wrapping_add(std::hint::black_box(memory[i * PAGE / 4 + 1]));
        }
        if round == 1 {
            println!("bench: swap_page_out_and_in={}", (instret() - start) / pages as u64);
        }
    }
    assert_eq!(sum, (0..pages).map(|i| word(i, 1).wrapping_mul(2)).fold(0u32, u32::wrapping_add));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mib: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16);
    match args.get(1).map(String::as_str) {
        Some("fill") => {
            let memory = fill(mib);
            check(&memory, false);
            if args.get(3).is_some_and(|a| a == "both") {
                check(&memory, true);
                println!("swap: {mib} MiB came back whole, forwards and backwards");
            } else {
                println!("swap: {mib} MiB came back whole");
            }
        }
        Some("canary") => {
            let mut memory = vec![0u8; mib * 1024 * 1024];
            for chunk in memory.chunks_mut(CANARY.len()) {
                chunk.copy_from_slice(CANARY);
            }
            wait_for_the_host("canary written");
            assert!(memory.chunks(CANARY.len()).all(|c| c == CANARY), "the canary changed");
            println!("swap: canary intact");
        }
        Some("tamper") => {
            let memory = fill(mib);
            wait_for_the_host("paged out");
            check(&memory, false);
            println!("swap: every page came back: nothing was tampered with");
        }
        Some("bench") => bench(mib),
        _ => {
            eprintln!("usage: swap fill MIB [both] | canary MIB | tamper MIB | bench MIB");
            std::process::exit(2);
        }
    }
}
