//! `./x test`'s checks of the console's input that need more than a row of
//! the table: the large input the pipe check feeds (and what the program
//! must say of it), and the run through a pseudo-terminal.

use crate::checks::{Failed, Passed};
use crate::project::{Project, Std};
use std::io::Write;
use std::process::{Command, Stdio};

/// 256 KiB, every byte value many times, 0xF5 (the console's escape) in
/// runs too: more than every buffer between the check and the program
/// (the guest's 4 KiB, the UART's FIFO, two 64 KiB pipes), so the writer
/// must wait while the program does not read.
pub fn big_input() -> Vec<u8> {
    (0..256 * 1024u32).map(|i| if i % 1000 < 3 { 0xf5 } else { (i.wrapping_mul(31) ^ (i >> 8)) as u8 }).collect()
}

/// What test-apps/stdin prints after reading `big_input` whole.
pub fn big_input_summary() -> String {
    let bytes = big_input();
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3));
    format!("stdin: {} bytes, fnv1a {hash:016x}", bytes.len())
}

/// test-apps/stdin under xous-run on a pseudo-terminal (util-linux's
/// `script`): stdin is a terminal, a typed line arrives through the
/// terminal's line discipline, and Ctrl-D at the start of a line ends
/// the input.
pub fn through_terminal(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app_with("stdin", Std::Ours)?;
    let runner = crate::runner::install(project)?;
    let command = format!("{} --timeout 60 {} lines", runner.xous_run.display(), program.display());
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run script (util-linux): {e}"))?;
    let mut typing = child.stdin.take().expect("stdin is piped");
    // Typed ahead: the terminal keeps the line and the Ctrl-D until read.
    typing.write_all(b"typed at a terminal\n\x04").map_err(|e| format!("cannot type: {e}"))?;
    let out = child.wait_with_output().map_err(|e| format!("script: {e}"))?;
    drop(typing);
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let wanted = ["stdin: terminal true", "stdin: line 1: typed at a terminal", "stdin: 1 lines, then the end"];
    let missing: Vec<&str> = wanted.iter().copied().filter(|w| !text.contains(w)).collect();
    if out.status.code() == Some(0) && missing.is_empty() {
        Ok(Passed::from("exit 0".to_string()))
    } else {
        Err(Failed::from(format!(
            "exit {:?}, missing {missing:?}\n--- terminal\n{text}--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}
