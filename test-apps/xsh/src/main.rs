//! xsh: the interactive shell `./x shell` boots. It reads lines from stdin
//! (the keyboard, through xous-run's terminal), runs the programs they
//! name from the disk (`PATH`, default `/bin`) with `std::process`, and
//! waits for them: arguments, pipes (`a | b`), redirections (`< f`, `> f`,
//! `>> f`), `;`, `$?` and environment variables (`parse.rs`); the
//! built-ins `cd`, `pwd`, `exit [N]`, `export NAME=VALUE`, `unset NAME`,
//! `help`. The end of the input (Ctrl-D at the start of a line) leaves,
//! with the last exit code. A prompt is shown only when stdin is a
//! terminal, so a script piped in gives only its programs' output. It
//! starts in `HOME`, as a login shell does.

mod parse;
mod run;

use std::io::{BufRead, IsTerminal, Write};

fn main() {
    let interactive = std::io::stdin().is_terminal();
    // As a login shell does, it starts at home.
    if let Ok(home) = std::env::var("HOME") {
        let _ = std::env::set_current_dir(home);
    }
    if interactive {
        println!("xsh: programs in /bin: try `ls /bin`, `echo hi | cat`, `help`; Ctrl-D leaves");
    }
    let mut last = 0;
    let mut input = std::io::stdin().lock();
    loop {
        if interactive {
            let dir = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
            print!("{dir} $ ");
            let _ = std::io::stdout().flush();
        }
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("xsh: cannot read the input: {e}");
                last = 1;
                break;
            }
        }
        for command in parse::commands(&line) {
            let status = last;
            let var = move |name: &str| if name == "?" { Some(status.to_string()) } else { std::env::var(name).ok() };
            last = match parse::line(command, &var) {
                Ok(pipelines) => pipelines.iter().fold(last, |last, p| builtin(p, last).unwrap_or_else(|| run::pipeline(p))),
                Err(e) => {
                    eprintln!("xsh: {e}");
                    2
                }
            };
        }
    }
    if interactive {
        println!();
    }
    std::process::exit(last);
}

/// A built-in, if the pipeline is one: its exit code.
fn builtin(pipeline: &parse::Pipeline, last: i32) -> Option<i32> {
    let [program] = pipeline.as_slice() else { return None };
    let words = &program.words;
    let code = match words[0].as_str() {
        "cd" => {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/".to_string());
            let dir = words.get(1).cloned().unwrap_or(home);
            report("cd", std::env::set_current_dir(&dir))
        }
        "pwd" if program.output.is_none() => report("pwd", std::env::current_dir().map(|d| println!("{}", d.display()))),
        "exit" => std::process::exit(words.get(1).and_then(|c| c.parse().ok()).unwrap_or(last)),
        "export" => {
            for pair in &words[1..] {
                match pair.split_once('=') {
                    Some((name, value)) => std::env::set_var(name, value),
                    None => eprintln!("xsh: export: `{pair}` is not NAME=VALUE"),
                }
            }
            0
        }
        "unset" => {
            for name in &words[1..] {
                std::env::remove_var(name);
            }
            0
        }
        "help" => {
            println!("xsh runs the programs in PATH ({}):", std::env::var("PATH").unwrap_or_else(|_| "/bin".to_string()));
            println!("  prog args...      a program; `$?` is its exit code");
            println!("  a | b             a's output is b's input");
            println!("  prog < f, > f, >> f   input from, output to, appended to file f");
            println!("  a; b              one after the other");
            println!("built-ins: cd [DIR], pwd, exit [N], export NAME=VALUE, unset NAME, help; Ctrl-D leaves");
            0
        }
        _ => return None,
    };
    Some(code)
}

fn report(what: &str, result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("xsh: {what}: {e}");
            1
        }
    }
}
