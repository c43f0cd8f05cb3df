//! The program test-apps/process starts: it does what its first argument
//! says, so one file serves every check.

use std::io::{Read, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let word = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match word(1) {
        "exit" => std::process::exit(word(2).parse().unwrap_or(99)),
        "echo" => println!("{}", args[2..].join(" ")),
        "err" => eprintln!("{}", args[2..].join(" ")),
        "args" => println!("{:?}", &args[1..]),
        "env" => println!("{}", std::env::var(word(2)).unwrap_or_else(|_| "<unset>".to_string())),
        "vars" => println!("{}", std::env::vars().count()),
        "cwd" => println!("{}", std::env::current_dir().unwrap().display()),
        "cat" => {
            let mut data = Vec::new();
            std::io::stdin().read_to_end(&mut data).unwrap();
            std::io::stdout().write_all(&data).unwrap();
            eprintln!("cat: {} bytes", data.len());
        }
        "flood" => {
            let n: usize = word(2).parse().unwrap();
            let chunk: Vec<u8> = (0..4096).map(|i| (i % 251) as u8).collect();
            let mut out = std::io::stdout();
            let mut sent = 0;
            while sent < n {
                match out.write(&chunk[..chunk.len().min(n - sent)]) {
                    Ok(k) => sent += k,
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(3),
                    Err(e) => panic!("flood: {e}"),
                }
            }
        }
        "fault" => {
            // SAFETY: none; this is the fault the check wants.
            unsafe { core::ptr::write_volatile(16 as *mut u32, 1) };
        }
        "sleep" => loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        },
        "self" => println!("{}", std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|e| format!("error: {e}"))),
        other => {
            eprintln!("process-child: unknown word {other:?}");
            std::process::exit(2);
        }
    }
}
