//! Ends with `std::process::exit(7)` from a second thread's result: xous-run
//! must exit with 7. Before that it leaves 12 KiB on stdout and on stderr
//! with no newline at the end (stdout's line buffer still holds the last
//! part): exit flushes it, and all of it must reach the host before
//! power-off.

use std::io::Write;

fn main() {
    let code = std::thread::spawn(|| 7).join().unwrap();
    println!("exit: leaving with {code}");
    let tail: String = (0..12 * 1024).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    print!("{tail}<stdout-end>");
    std::io::stderr().write_all(format!("{tail}<stderr-end>").as_bytes()).unwrap();
    std::process::exit(code);
}
