//! The few programs std's own process tests start (`./x std-tests` puts
//! this file on the disk under each name in `/bin`): `sh -c SCRIPT`,
//! `echo`, `env`, `mkdir`, `cat`, `pwd`, `true`, `false`. One program acts
//! as the name it was started under (argv\[0\]'s file name), as multi-call
//! tools do. The shell knows only what those tests write: commands
//! separated by `;`, words split at spaces, `$NAME` from the shell's
//! variables, and the built-ins `true`, `false`, `exit N`, `echo`, `pwd`,
//! `read NAME`, `cd DIR`; anything else is a program found in `PATH`.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::process::{exit, Command};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.first().map(|a| a.rsplit('/').next().unwrap_or(a).to_string()).unwrap_or_default();
    exit(tool(&name, &args[1..], &mut HashMap::new()));
}

/// Runs tool `name` with `args`; its exit code.
fn tool(name: &str, args: &[String], vars: &mut HashMap<String, String>) -> i32 {
    match name {
        "sh" => match args {
            [flag, script, ..] if flag == "-c" => script.split(';').fold(0, |_, command| shell_command(command, vars)),
            _ => {
                eprintln!("sh: only `sh -c SCRIPT` is known here");
                2
            }
        },
        "true" => 0,
        "false" => 1,
        "echo" => {
            println!("{}", args.join(" "));
            0
        }
        "pwd" => match std::env::current_dir() {
            Ok(dir) => {
                println!("{}", dir.display());
                0
            }
            Err(e) => fail("pwd", &e),
        },
        "env" => {
            for (key, value) in std::env::vars() {
                println!("{key}={value}");
            }
            0
        }
        "mkdir" => args.iter().map(|dir| std::fs::create_dir(dir).map_or_else(|e| fail(&format!("mkdir: {dir}"), &e), |()| 0)).max().unwrap_or(0),
        "cat" => {
            let mut data = Vec::new();
            match std::io::stdin().read_to_end(&mut data).and_then(|_| std::io::stdout().write_all(&data)) {
                Ok(()) => 0,
                Err(e) => fail("cat", &e),
            }
        }
        other => {
            eprintln!("toolbox: no tool named {other:?}");
            127
        }
    }
}

fn fail(what: &str, e: &std::io::Error) -> i32 {
    eprintln!("{what}: {e}");
    1
}

/// One command of a `sh -c` script; its exit code.
fn shell_command(command: &str, vars: &mut HashMap<String, String>) -> i32 {
    let words: Vec<String> = command
        .split_whitespace()
        .map(|w| match w.strip_prefix('$') {
            Some(var) => vars.get(var).cloned().or_else(|| std::env::var(var).ok()).unwrap_or_default(),
            None => w.to_string(),
        })
        .collect();
    let Some((first, rest)) = words.split_first() else { return 0 };
    match first.as_str() {
        "exit" => exit(rest.first().and_then(|c| c.parse().ok()).unwrap_or(0)),
        "read" => {
            let mut line = String::new();
            let got = std::io::stdin().lock().read_line(&mut line);
            let line = line.trim_end_matches('\n').to_string();
            if let Some(var) = rest.first() {
                vars.insert(var.clone(), line);
            }
            if matches!(got, Ok(n) if n > 0) { 0 } else { 1 }
        }
        "cd" => std::env::set_current_dir(rest.first().map_or("/", String::as_str)).map_or_else(|e| fail("cd", &e), |()| 0),
        "true" | "false" | "echo" | "pwd" => {
            let code = tool(first, rest, vars);
            let _ = std::io::stdout().flush();
            code
        }
        program => match Command::new(program).args(rest).status() {
            Ok(status) => status.code().unwrap_or(128),
            Err(e) => {
                eprintln!("sh: {program}: {e}");
                127
            }
        },
    }
}
