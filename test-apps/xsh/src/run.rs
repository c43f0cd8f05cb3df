//! Running a pipeline: each program a child (std::process), the output of
//! one piped into the next, and the shell waiting for all. A file as a
//! child's stdin or stdout is not something std on Xous can hand a child
//! (`Stdio::from(File)` is `Unsupported`: a file is a handle of the
//! process that opened it), so the shell copies: a thread feeds the file
//! into the child's piped stdin, or the child's piped stdout into the file.

use crate::parse::{Pipeline, Program};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;

/// Runs `pipeline`; the exit code of its last program (127: not found,
/// 126: could not be started; 255: ended by the kernel or killed).
pub fn pipeline(pipeline: &Pipeline) -> i32 {
    let mut children: Vec<(String, Child)> = Vec::new();
    let mut copies: Vec<JoinHandle<()>> = Vec::new();
    let mut previous: Option<ChildStdout> = None;
    let mut code = 0;
    for (i, program) in pipeline.iter().enumerate() {
        let last = i + 1 == pipeline.len();
        match start(program, previous.take(), last) {
            Ok((mut child, input, output)) => {
                if let (Some(mut file), Some(mut stdin)) = (input, child.stdin.take()) {
                    copies.push(std::thread::spawn(move || {
                        let _ = std::io::copy(&mut file, &mut stdin);
                    }));
                }
                match output {
                    Some(mut file) => {
                        if let Some(mut stdout) = child.stdout.take() {
                            copies.push(std::thread::spawn(move || {
                                if let Err(e) = std::io::copy(&mut stdout, &mut file) {
                                    eprintln!("xsh: writing the output: {e}");
                                }
                            }));
                        }
                    }
                    None if !last => previous = child.stdout.take(),
                    None => {}
                }
                children.push((program.words[0].clone(), child));
            }
            Err(failed) => {
                eprintln!("xsh: {}", failed.0);
                code = failed.1;
            }
        }
    }
    // (What a failed start left of the pipeline still runs to its end.)
    let mut last_status = None;
    for (name, mut child) in children {
        match child.wait() {
            Ok(status) => last_status = Some((name, status)),
            Err(e) => eprintln!("xsh: waiting for {name}: {e}"),
        }
    }
    for copy in copies {
        let _ = copy.join();
    }
    match last_status {
        Some((name, status)) if code == 0 || pipeline.len() > 1 => exit_code(&name, status),
        _ => code,
    }
}

/// A started program: the child, and the files to copy into its stdin and
/// out of its stdout.
type Started = (Child, Option<File>, Option<File>);

/// Starts `program`; its stdin `previous`'s output if there is one. An
/// error says why, with the exit code it stands for.
fn start(program: &Program, previous: Option<ChildStdout>, last: bool) -> Result<Started, (String, i32)> {
    let name = &program.words[0];
    let mut command = Command::new(name);
    command.args(&program.words[1..]);
    let input = match &program.input {
        Some(path) => Some(File::open(path).map_err(|e| (format!("{path}: {e}"), 1))?),
        None => None,
    };
    let output = match &program.output {
        Some((path, append)) => {
            let mut options = OpenOptions::new();
            options.create(true).write(true);
            if *append { options.append(true) } else { options.truncate(true) };
            Some(options.open(path).map_err(|e| (format!("{path}: {e}"), 1))?)
        }
        None => None,
    };
    match (&input, previous) {
        (Some(_), _) => command.stdin(Stdio::piped()),
        (None, Some(out)) => command.stdin(Stdio::from(out)),
        (None, None) => command.stdin(Stdio::inherit()),
    };
    if output.is_some() || !last {
        command.stdout(Stdio::piped());
    }
    match command.spawn() {
        Ok(child) => Ok((child, input, output)),
        Err(e) if e.kind() == ErrorKind::NotFound => Err((format!("{name}: command not found"), 127)),
        Err(e) => Err((format!("{name}: {e}"), 126)),
    }
}

/// The exit code of a program that ended with `status`; one that did not
/// exit (a fault, a kill) is said so, and counts as 255.
fn exit_code(name: &str, status: ExitStatus) -> i32 {
    match status.code() {
        Some(code) => code,
        None => {
            eprintln!("xsh: {name}: {status}");
            255
        }
    }
}
