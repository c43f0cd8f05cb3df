//! `./x test`'s checks of the async network stack from crates.io
//! (test-apps/mio-echo): mio with `net` and `os-poll`, unmodified, built
//! through the toolchain's crate arm on the network service's poll, runs an
//! echo server and concurrent clients on 127.0.0.1 on QEMU. The same
//! program built by the same cargo for the host uses no arm and passes there.

use crate::checks::{Failed, Passed};
use crate::ecosystem::armed_sources;
use crate::project::{Project, HOST_TARGET, XOUS_TARGET};
use crate::runner;
use std::path::{Path, PathBuf};
use std::process::Command;

const APP: &str = "mio-echo";
const ARMED: &[&str] = &["mio"];

/// Builds the app for `target` into its own target directory; returns
/// the program and cargo's stderr.
fn build(project: &Project, target: &str, target_dir: &str) -> Result<(PathBuf, String), String> {
    let dir = project.root.join("test-apps").join(APP);
    let target_dir = project.root.join("test-apps/target").join(target_dir);
    let out = project
        .cargo()
        .current_dir(&dir)
        .args(["build", "--locked", "--target", target, "--target-dir"])
        .arg(&target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(format!("test-apps/{APP} does not build for {target}:\n{stderr}"));
    }
    Ok((target_dir.join(target).join("debug").join(APP), stderr))
}

/// The crates among `ARMED` that were compiled from an armed copy.
fn armed(program: &Path) -> Result<Vec<&'static str>, String> {
    let files = armed_sources(&program.with_file_name("deps"))?;
    Ok(ARMED.iter().copied().filter(|krate| files.iter().any(|f| f.starts_with(&format!("{krate}-")))).collect())
}

/// Every check passed, and how many there were.
fn verdict(out: std::process::Output) -> Result<usize, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(0) || !stdout.contains(&format!("{APP}: all checks passed")) {
        return Err(format!("exit {:?}\n{stdout}{}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(stdout.lines().filter(|l| l.starts_with(&format!("{APP}: ok: "))).count())
}

/// On QEMU: mio from its armed copy, no warning, every check passes.
pub fn mio_on_target(project: &Project) -> Result<Passed, Failed> {
    let (program, stderr) = build(project, XOUS_TARGET, APP)?;
    if let Some(line) = stderr.lines().find(|l| l.contains("warning")) {
        return Err(format!("the build warns: {line}").into());
    }
    let armed = armed(&program)?;
    if armed != ARMED {
        return Err(format!("crates built from armed copies: {armed:?}; expected {ARMED:?}").into());
    }
    let runner = runner::install(project)?;
    let out = Command::new(&runner.xous_run)
        .args(["--timeout", "300"])
        .arg(&program)
        .output()
        .map_err(|e| format!("cannot run xous-run: {e}"))?;
    let checks = verdict(out)?;
    Ok(Passed { note: format!("{checks} checks"), tests: checks })
}

/// The same program for the host with the same cargo: no arm, and it passes.
pub fn mio_on_host(project: &Project) -> Result<Passed, Failed> {
    let (program, _) = build(project, HOST_TARGET, &format!("{APP}-host"))?;
    let armed = armed(&program)?;
    if !armed.is_empty() {
        return Err(format!("host builds used armed copies of {armed:?}").into());
    }
    let out = Command::new(&program).output().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let checks = verdict(out)?;
    Ok(Passed::from(format!("{checks} checks passed on the host; no armed copy")))
}
