//! `./x shell [--fresh]`: boots xsh (test-apps/xsh), the interactive
//! shell, on QEMU with a disk that holds programs: in `/bin` the small
//! tools (test-apps/toolbox under each name), hello and the demo. The
//! keyboard is the shell's stdin (xous-run forwards its terminal), Ctrl-D
//! leaves. The disk, `target/shell/disk.img`, is kept from one session to
//! the next (files made in `/home` stay); the programs in `/bin` are put
//! there anew each time, and `--fresh` formats the disk first.
//!
//! `./x test`'s check types a session into it through a pseudo-terminal.

use crate::checks::{Failed, Passed};
use crate::fs_checks::xous_fs;
use crate::project::Project;
use crate::runner::{self, Runner};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The names the toolbox is put under.
const TOOLS: [&str; 10] = ["echo", "cat", "ls", "mkdir", "rm", "cp", "env", "pwd", "true", "false"];
/// Programs of test-apps/ put under their own names.
const PROGRAMS: [&str; 2] = ["hello", "demo"];

/// Makes `disk` hold the programs, formatting it first if `fresh` or it is
/// not there; the shell's program.
fn prepare(project: &Project, runner: &Runner, disk: &Path, fresh: bool) -> Result<PathBuf, String> {
    let shell = project.build_test_app("xsh")?;
    let toolbox = project.build_test_app("toolbox")?;
    std::fs::create_dir_all(disk.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    if fresh || !disk.exists() {
        let _ = std::fs::remove_file(disk);
        xous_fs(runner, &[&"format", &disk, &"--size", &"64M"])?;
        for dir in ["/bin", "/home", "/tmp"] {
            xous_fs(runner, &[&"mkdir", &"-p", &disk, &dir])?;
        }
    }
    for tool in TOOLS {
        xous_fs(runner, &[&"put", &disk, &toolbox, &format!("/bin/{tool}")])?;
    }
    for program in PROGRAMS {
        let built = project.build_test_app(program)?;
        xous_fs(runner, &[&"put", &disk, &built, &format!("/bin/{program}")])?;
    }
    Ok(shell)
}

/// xous-run booting the shell on `disk`.
fn boot(runner: &Runner, disk: &Path, shell: &Path) -> Command {
    let mut cmd = Command::new(&runner.xous_run);
    cmd.args(["--env", "PATH=/bin", "--env", "HOME=/home", "--disk"]).arg(disk).arg(shell);
    cmd
}

/// `./x shell [--fresh]`.
pub fn command(project: &Project, args: &[String]) -> Result<(), String> {
    let fresh = match args {
        [] => false,
        [flag] if flag == "--fresh" => true,
        _ => return Err("usage: ./x shell [--fresh]".to_string()),
    };
    let runner = runner::install(project)?;
    let disk = project.root.join("target/shell/disk.img");
    let shell = prepare(project, &runner, &disk, fresh)?;
    println!("the disk: {} (kept between sessions; --fresh formats it)", disk.display());
    let status = boot(&runner, &disk, &shell).status().map_err(|e| format!("cannot run {}: {e}", runner.xous_run.display()))?;
    match status.code() {
        Some(_) => Ok(()),
        None => Err(format!("xous-run ended with {status}")),
    }
}

/// What the check types, and what must come out of it. Each typed line is
/// echoed by the terminal; the wanted lines are the programs' output.
const SESSION: &str = "echo hello from the shell | cat
mkdir -p notes/old
echo first line > notes/a.txt; echo second line >> notes/a.txt
cat notes/a.txt | cat
cp notes/a.txt notes/old
ls notes; ls notes/old
rm notes/a.txt; ls notes
cat < notes/old/a.txt
hello
false; echo \"false gave $?\"
nosuch-program; echo \"not found gave $?\"
cd notes; pwd
";

/// Whole lines of output, in this order (a prompt, `DIR $ `, may begin a
/// line: it is cut off first).
const WANTED: &[&str] = &[
    "hello from the shell",
    "first line\nsecond line",
    "a.txt\nold/\na.txt",
    "old/",
    "first line\nsecond line",
    "Hello from Rust std on Xous!",
    "false gave 1",
    "xsh: nosuch-program: command not found",
    "not found gave 127",
    "/home/notes",
];

/// `./x test`: a session typed into the shell through a pseudo-terminal
/// (util-linux's `script`) on a fresh disk: pipes, redirections, the
/// tools, a program from /bin, exit codes, `cd`; Ctrl-D leaves with the
/// last exit code (0, `pwd`'s).
pub fn session(project: &Project) -> Result<Passed, Failed> {
    let runner = runner::install(project)?;
    let disk = project.root.join("target/shell/check.img");
    let shell = prepare(project, &runner, &disk, true)?;
    let mut boot = boot(&runner, &disk, &shell);
    boot.args(["--timeout", "120"]);
    let command = format!("{boot:?}").replace('"', "");
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run script (util-linux): {e}"))?;
    let mut typing = child.stdin.take().expect("stdin is piped");
    // Typed ahead: the terminal keeps the lines and the Ctrl-D until read.
    typing.write_all(SESSION.as_bytes()).and_then(|()| typing.write_all(b"\x04")).map_err(|e| format!("cannot type: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("script: {e}"))?;
    drop(typing);
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let missing = missing_in_order(&text, WANTED);
    if out.status.code() == Some(0) && missing.is_empty() {
        Ok(Passed::from(format!("{} lines typed, exit 0", SESSION.lines().count())))
    } else {
        Err(Failed::from(format!(
            "exit {:?}, missing {missing:?}\n--- terminal\n{text}--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// Those of `wanted` (each one or more whole lines) not found in `text`
/// in their order, each after the one before; a line's prompts (up to the
/// last ` $ `: a command with no output leaves its prompt on the line of
/// the next) are not part of it, and the terminal's echo of the typed
/// lines (the whole session, before any output) is skipped.
fn missing_in_order<'a>(text: &str, wanted: &[&'a str]) -> Vec<&'a str> {
    let lines: Vec<&str> = text.lines().map(|l| l.rsplit_once(" $ ").map_or(l, |(_, rest)| rest)).collect();
    let echo_end = lines.iter().position(|l| l.starts_with("xsh: programs in /bin")).unwrap_or(0);
    let mut at = echo_end;
    let mut missing = Vec::new();
    for w in wanted {
        let want: Vec<&str> = w.lines().collect();
        match (at..lines.len()).find(|&i| lines[i..].starts_with(&want)) {
            Some(i) => at = i + want.len(),
            None => missing.push(*w),
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lines_are_found_in_order_after_the_echo() {
        let text = "echo a | cat\nfalse\nxsh: programs in /bin: ...\n/home $ a\n/home $ /home $ b\nc\n/home $ \n";
        assert!(missing_in_order(text, &["a", "b\nc"]).is_empty());
        assert_eq!(missing_in_order(text, &["b", "a"]), vec!["a"], "out of order");
        assert_eq!(missing_in_order(text, &["false"]), vec!["false"], "only in the echo");
    }
}
