//! `./x test`'s checks of crates with C parts (test-apps/c-parts): ring,
//! under rustls and rcgen, and psm, under stacker, built from crates.io with
//! the C compiler the toolchain's cargo offers for our target, then a TLS
//! handshake and data over 127.0.0.1 on QEMU. The same program built by the
//! same cargo for the host uses the host's C compiler and no crate arm, and
//! runs there.

use crate::checks::{Failed, Passed};
use crate::test_app::{armed, build, HOST_DIR};
use crate::project::{Project, HOST_TARGET, XOUS_TARGET};
use crate::runner;
use std::path::Path;
use std::process::Command;

const ARMED: &[&str] = &["ring", "stacker"];
/// The crates whose build scripts compile C or assembly with the `cc` crate.
const WITH_C: &[&str] = &["ring", "psm"];
/// What `cc` prints in a build script's output when it found the toolchain's
/// compiler for our target.
const TARGET_CC: &str = "CC_riscv32imac_unknown_xous_elf = Some(/usr/bin/riscv64-unknown-elf-gcc)";

/// The outputs of `krate`'s build script runs (the `cc` crate records there
/// each variable it read and its value).
fn build_outputs(program: &Path, krate: &str) -> Result<String, String> {
    let dir = program.with_file_name("build");
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path().join("output");
        let name = path.parent().and_then(|p| p.file_name()).unwrap_or_default().to_string_lossy().into_owned();
        if name.starts_with(&format!("{krate}-")) && path.exists() {
            text.push_str(&std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?);
        }
    }
    match text.is_empty() {
        true => Err(format!("no build script output of {krate} in {}", dir.display())),
        false => Ok(text),
    }
}

/// What a run printed: every check passed, and how many there were.
fn verdict(out: std::process::Output) -> Result<(usize, String), String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(0) || !stdout.contains("c-parts: all checks passed") {
        return Err(format!("exit {:?}\n{stdout}{}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
    }
    let checks = stdout.lines().filter(|l| l.starts_with("c-parts: ok: ")).count();
    let negotiated = stdout.lines().filter_map(|l| l.strip_prefix("c-parts: TLS")).map(|l| format!("TLS{l}")).collect::<Vec<_>>();
    Ok((checks, negotiated.join("; ")))
}

/// On QEMU: ring and psm compiled with the toolchain's C compiler (their build
/// scripts' outputs say so), ring and stacker through their arms, no warning;
/// every check of the program passes.
pub fn on_target(project: &Project) -> Result<Passed, Failed> {
    let (program, stderr) = build(project, "c-parts", XOUS_TARGET, "c-parts")?;
    if let Some(line) = stderr.lines().find(|l| l.contains("warning")) {
        return Err(format!("the build warns: {line}").into());
    }
    let armed = armed(&program, ARMED)?;
    if armed != ARMED {
        return Err(format!("crates built from armed copies: {armed:?}; expected {ARMED:?}").into());
    }
    for krate in WITH_C {
        if !build_outputs(&program, krate)?.contains(TARGET_CC) {
            return Err(format!("{krate}'s build script did not get the toolchain's C compiler ({TARGET_CC})").into());
        }
    }
    let runner = runner::install(project)?;
    let out = Command::new(&runner.xous_run)
        .args(["--timeout", "300"])
        .arg(&program)
        .output()
        .map_err(|e| format!("cannot run xous-run: {e}"))?;
    let (checks, negotiated) = verdict(out)?;
    Ok(Passed { note: format!("{checks} checks; {negotiated}"), tests: checks })
}

/// The same crates for the host with the same cargo: the target's C
/// settings (no build script saw one) and arms leave them alone, and the
/// program passes there.
pub fn on_host(project: &Project) -> Result<Passed, Failed> {
    let (program, _) = build(project, "c-parts", HOST_TARGET, HOST_DIR)?;
    let armed = armed(&program, ARMED)?;
    if !armed.is_empty() {
        return Err(format!("host builds used armed copies of {armed:?}").into());
    }
    for krate in WITH_C {
        if let Some(line) = build_outputs(&program, krate)?.lines().find(|l| l.contains("riscv64-unknown-elf") || l.contains("newlib")) {
            return Err(format!("{krate}'s host build script saw the target's C settings: {line}").into());
        }
    }
    let out = Command::new(&program).output().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let (checks, _) = verdict(out)?;
    Ok(Passed::from(format!("{checks} checks passed on the host; no armed copy, no C setting of the target")))
}
