//! Reads stdin as a program does on Linux; `./x test` feeds xous-run's
//! stdin from a pipe or a pseudo-terminal and checks what this prints.
//!
//! `stdin lines`: each line, numbered, then the count at the end of input.
//! `stdin bytes N`: sleeps N ms first (the input waits meanwhile, held back
//! by the console's buffer), then reads every byte raw and prints how many
//! and their FNV-1a hash, which the check computes from what it sent.
//! `stdin ignore`: never reads; exits at once (stdin may stay open).
//! Each mode first says whether stdin is a terminal.

use std::io::{BufRead, IsTerminal, Read};

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("lines");
    println!("stdin: terminal {}", std::io::stdin().is_terminal());
    match mode {
        "lines" => {
            let mut count = 0;
            for line in std::io::stdin().lock().lines() {
                count += 1;
                println!("stdin: line {count}: {}", line.expect("a line of UTF-8"));
            }
            println!("stdin: {count} lines, then the end");
        }
        "bytes" => {
            let wait: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(wait));
            let mut all = Vec::new();
            std::io::stdin().read_to_end(&mut all).expect("stdin reads");
            println!("stdin: {} bytes, fnv1a {:016x}", all.len(), fnv1a(&all));
            let mut more = [0u8; 16];
            println!("stdin: after the end, a read gives {}", std::io::stdin().read(&mut more).expect("a read after the end"));
        }
        "ignore" => println!("stdin: not read"),
        other => {
            eprintln!("stdin: unknown mode {other}");
            std::process::exit(2);
        }
    }
}
