//! The small programs a system's disk holds, one program that acts as the
//! name it was started under (argv\[0\]'s file name), as multi-call tools
//! do: `echo`, `cat [FILE...]`, `ls [PATH...]`, `mkdir [-p] DIR...`,
//! `rm [-r] PATH...`, `cp FROM TO`, `env`, `pwd`, `true`, `false`, and
//! `sh -c SCRIPT` for std's own process tests. `./x std-tests` puts it on
//! its disk under the names those tests start; `./x shell` under each name
//! beside the interactive shell (test-apps/shell).
//!
//! `sh -c` knows only what std's tests write: commands separated by `;`,
//! words split at spaces, `$NAME` from the shell's variables, and the
//! built-ins `true`, `false`, `exit N`, `echo`, `pwd`, `read NAME`,
//! `cd DIR`; anything else is a program found in `PATH`.

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
        "mkdir" => {
            let (parents, dirs) = flag(args, "-p");
            let make = |dir: &String| if parents { std::fs::create_dir_all(dir) } else { std::fs::create_dir(dir) };
            dirs.iter().map(|dir| make(dir).map_or_else(|e| fail(&format!("mkdir: {dir}"), &e), |()| 0)).max().unwrap_or(0)
        }
        "cat" if args.is_empty() => {
            let mut data = Vec::new();
            match std::io::stdin().read_to_end(&mut data).and_then(|_| std::io::stdout().write_all(&data)) {
                Ok(()) => 0,
                Err(e) => fail("cat", &e),
            }
        }
        "cat" => args
            .iter()
            .map(|file| match std::fs::read(file).and_then(|data| std::io::stdout().write_all(&data)) {
                Ok(()) => 0,
                Err(e) => fail(&format!("cat: {file}"), &e),
            })
            .max()
            .unwrap_or(0),
        "ls" => {
            let paths = if args.is_empty() { vec![".".to_string()] } else { args.to_vec() };
            paths.iter().map(|path| list(path, paths.len() > 1)).max().unwrap_or(0)
        }
        "rm" => {
            let (recursive, paths) = flag(args, "-r");
            paths.iter().map(|path| remove(path, recursive).map_or_else(|e| fail(&format!("rm: {path}"), &e), |()| 0)).max().unwrap_or(0)
        }
        "cp" => match args {
            [from, to] => copy(from, to).map_or_else(|e| fail(&format!("cp: {from} -> {to}"), &e), |_| 0),
            _ => {
                eprintln!("cp: usage: cp FROM TO");
                2
            }
        },
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

/// Whether `args` hold `name` (before the first other word), and the rest.
fn flag<'a>(args: &'a [String], name: &str) -> (bool, &'a [String]) {
    match args.first() {
        Some(first) if first == name => (true, &args[1..]),
        _ => (false, args),
    }
}

/// `ls PATH`: a directory's names sorted, a directory's with a `/`; a
/// file's own name. With `heading`, a directory's names under its path.
fn list(path: &str, heading: bool) -> i32 {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return fail(&format!("ls: {path}"), &e),
    };
    if !meta.is_dir() {
        println!("{path}");
        return 0;
    }
    let entries = match std::fs::read_dir(path).and_then(|dir| dir.collect::<Result<Vec<_>, _>>()) {
        Ok(entries) => entries,
        Err(e) => return fail(&format!("ls: {path}"), &e),
    };
    let mut names: Vec<String> = entries
        .iter()
        .map(|e| {
            let dir = e.file_type().is_ok_and(|t| t.is_dir());
            format!("{}{}", e.file_name().to_string_lossy(), if dir { "/" } else { "" })
        })
        .collect();
    names.sort();
    if heading {
        println!("{path}:");
    }
    for name in names {
        println!("{name}");
    }
    0
}

fn remove(path: &str, recursive: bool) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path)?.is_dir() {
        true if recursive => std::fs::remove_dir_all(path),
        true => std::fs::remove_dir(path),
        false => std::fs::remove_file(path),
    }
}

/// `cp FROM TO`; TO may be a directory, which then gets FROM's name.
fn copy(from: &str, to: &str) -> std::io::Result<u64> {
    let target = std::path::Path::new(to);
    match target.is_dir() {
        true => {
            let name = std::path::Path::new(from).file_name().ok_or(std::io::ErrorKind::InvalidInput)?;
            std::fs::copy(from, target.join(name))
        }
        false => std::fs::copy(from, to),
    }
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
