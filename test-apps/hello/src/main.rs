//! hello: an ordinary std program (printing, a Vec, a HashMap, the command
//! line) that proves the xous toolchain builds std code for the target.

use std::collections::HashMap;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut letters: HashMap<char, usize> = HashMap::new();
    for c in "hello, xous".chars().filter(|c| c.is_alphabetic()) {
        *letters.entry(c).or_default() += 1;
    }
    let mut counted: Vec<(char, usize)> = letters.into_iter().collect();
    counted.sort();
    println!("Hello from Rust std on Xous!");
    println!("args: {args:?}");
    println!("letters: {counted:?}");
}
