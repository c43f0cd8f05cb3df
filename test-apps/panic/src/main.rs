//! Panics on purpose: xous-run must print the panic message on stderr and
//! exit with 101, as the same program does on Linux.

fn main() {
    println!("panic: about to panic");
    let numbers: Vec<u32> = Vec::new();
    let first = numbers.first().copied();
    panic!("deliberate panic with {first:?} and a number {}", 42);
}
