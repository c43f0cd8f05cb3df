//! `./x test`'s checks of the async network stack from crates.io, each app
//! unmodified and built through the toolchain's crate arms on the network
//! service: test-apps/mio-echo (mio with `net` and `os-poll` on the
//! service's poll) and test-apps/tokio-echo (tokio's multi-threaded runtime
//! with `net`, socket2 and hyper on mio), echo servers and clients on
//! 127.0.0.1 on QEMU. The same programs built by the same cargo for the
//! host use no arm and pass there.

use crate::checks::{Failed, Passed};
use crate::ecosystem::armed_sources;
use crate::project::{Project, HOST_TARGET, XOUS_TARGET};
use crate::runner;
use std::path::{Path, PathBuf};
use std::process::Command;

/// An app and the crates that must come from armed copies.
struct App {
    name: &'static str,
    armed: &'static [&'static str],
}

const MIO: App = App { name: "mio-echo", armed: &["mio"] };
const TOKIO: App = App { name: "tokio-echo", armed: &["mio", "socket2", "tokio"] };

/// Builds the app for `target` into its own target directory; returns
/// the program and cargo's stderr.
fn build(project: &Project, app: &App, target: &str, target_dir: &str) -> Result<(PathBuf, String), String> {
    let dir = project.root.join("test-apps").join(app.name);
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
        return Err(format!("test-apps/{} does not build for {target}:\n{stderr}", app.name));
    }
    Ok((target_dir.join(target).join("debug").join(app.name), stderr))
}

/// The crates among the app's armed ones that were compiled from an armed copy.
fn armed(app: &App, program: &Path) -> Result<Vec<&'static str>, String> {
    let files = armed_sources(&program.with_file_name("deps"))?;
    Ok(app.armed.iter().copied().filter(|krate| files.iter().any(|f| f.starts_with(&format!("{krate}-")))).collect())
}

/// Every check passed, and how many there were.
fn verdict(app: &App, out: std::process::Output) -> Result<usize, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(0) || !stdout.contains(&format!("{}: all checks passed", app.name)) {
        return Err(format!("exit {:?}\n{stdout}{}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(stdout.lines().filter(|l| l.starts_with(&format!("{}: ok: ", app.name))).count())
}

/// On QEMU: the armed crates from their armed copies, no warning, every
/// check passes.
fn on_target(project: &Project, app: &App) -> Result<Passed, Failed> {
    let (program, stderr) = build(project, app, XOUS_TARGET, app.name)?;
    if let Some(line) = stderr.lines().find(|l| l.contains("warning")) {
        return Err(format!("the build warns: {line}").into());
    }
    let armed = armed(app, &program)?;
    if armed != app.armed {
        return Err(format!("crates built from armed copies: {armed:?}; expected {:?}", app.armed).into());
    }
    let runner = runner::install(project)?;
    let out = Command::new(&runner.xous_run)
        .args(["--timeout", "300"])
        .arg(&program)
        .output()
        .map_err(|e| format!("cannot run xous-run: {e}"))?;
    let checks = verdict(app, out)?;
    Ok(Passed { note: format!("{checks} checks"), tests: checks })
}

/// The same program for the host with the same cargo: no arm, and it passes.
fn on_host(project: &Project, app: &App) -> Result<Passed, Failed> {
    let (program, _) = build(project, app, HOST_TARGET, &format!("{}-host", app.name))?;
    let armed = armed(app, &program)?;
    if !armed.is_empty() {
        return Err(format!("host builds used armed copies of {armed:?}").into());
    }
    let out = Command::new(&program).output().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let checks = verdict(app, out)?;
    Ok(Passed::from(format!("{checks} checks passed on the host; no armed copy")))
}

pub fn mio_on_target(project: &Project) -> Result<Passed, Failed> {
    on_target(project, &MIO)
}

pub fn mio_on_host(project: &Project) -> Result<Passed, Failed> {
    on_host(project, &MIO)
}

pub fn tokio_on_target(project: &Project) -> Result<Passed, Failed> {
    on_target(project, &TOKIO)
}

pub fn tokio_on_host(project: &Project) -> Result<Passed, Failed> {
    on_host(project, &TOKIO)
}
