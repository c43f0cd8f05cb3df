//! fs-protocol's other process: opens two files through std (they get the
//! service's first handles), says so with /holder/ready, and ends when
//! /holder/exit appears, holding both files open: the service must close
//! them when it hears of the end.

use std::fs::{self, File};
use std::time::Duration;

fn main() {
    fs::create_dir_all("/holder").unwrap();
    let held = [File::create("/holder/a").unwrap(), File::create("/holder/b").unwrap()];
    fs::write("/holder/ready", b"").unwrap();
    while !fs::exists("/holder/exit").unwrap() {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::process::exit(held.len() as i32 - 2);
}
