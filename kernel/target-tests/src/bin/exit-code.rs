//! Prints a line and exits with code 7: xous-run must print the line on
//! stdout and exit 7 itself.
#![no_std]
#![no_main]

use kernel_target_tests::{entry, println};

fn main(_params: usize) -> usize {
    println!("exit-code: leaving with 7");
    7
}

entry!(main);
