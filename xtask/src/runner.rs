//! The runner bundle: the kernel and the core services built for the
//! target, installed where `xous-run` finds them, and `xous-run` itself
//! installed beside cargo's binaries so it is on PATH, with `xous-fs` (the
//! host tool for its disk images). Every `./x` command refreshes it once,
//! the first time it needs it (a no-op when nothing changed); asking again
//! in the same command costs nothing.

use crate::project::{run, Project};
use std::path::{Path, PathBuf};

/// The core services, in boot order.
pub const SERVICES: &[&str] = &["log", "names", "ticktimer", "systime", "rng", "net", "fs", "proc"];

#[derive(Clone)]
pub struct Runner {
    /// `$XDG_DATA_HOME/xous/runner`, else `~/.local/share/xous/runner`
    /// (where `xous-run` looks, and where the toolchains live beside it).
    pub bundle: PathBuf,
    /// The installed `xous-run`.
    pub xous_run: PathBuf,
    /// The installed `xous-fs`.
    pub xous_fs: PathBuf,
    /// Built kernel ELF (in the repository's target dir).
    pub kernel: PathBuf,
}

fn home() -> Result<PathBuf, String> {
    std::env::var_os("HOME").map(PathBuf::from).ok_or_else(|| "$HOME is not set".to_string())
}

/// Where `cargo install` would put binaries (on PATH wherever cargo is).
fn cargo_bin() -> Result<PathBuf, String> {
    match std::env::var_os("CARGO_HOME") {
        Some(dir) => Ok(PathBuf::from(dir).join("bin")),
        None => Ok(home()?.join(".cargo/bin")),
    }
}

fn copy_if_changed(from: &Path, to: &Path) -> Result<(), String> {
    let same = match (std::fs::read(from), std::fs::read(to)) {
        (Ok(a), Ok(b)) => a == b,
        (Err(e), _) => return Err(format!("cannot read {}: {e}", from.display())),
        _ => false,
    };
    if !same {
        std::fs::create_dir_all(to.parent().expect("has a parent")).map_err(|e| e.to_string())?;
        // Replace rather than overwrite: the old file may be running.
        let temp = to.with_extension("new");
        std::fs::copy(from, &temp).map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
        std::fs::rename(&temp, to).map_err(|e| format!("cannot install {}: {e}", to.display()))?;
    }
    Ok(())
}

/// Builds the kernel, the services, xous-run and xous-fs, and installs
/// them: once per command.
pub fn install(project: &Project) -> Result<Runner, String> {
    let bundle = match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        Some(data) => PathBuf::from(data).join("xous/runner"),
        None => home()?.join(".local/share/xous/runner"),
    };
    let runner = Runner {
        xous_run: cargo_bin()?.join("xous-run"),
        xous_fs: cargo_bin()?.join("xous-fs"),
        kernel: project.root.join("kernel/target/riscv32imac-unknown-none-elf/release/xous-kernel"),
        bundle,
    };
    project.once("the runner bundle", || build_and_copy(project, &runner))?;
    Ok(runner)
}

fn build_and_copy(project: &Project, runner: &Runner) -> Result<(), String> {
    let quiet_build = |dir: &Path| {
        run(project.cargo().current_dir(dir).args(["build", "--release", "--locked", "--quiet"]))
    };
    quiet_build(&project.root.join("kernel"))?;
    quiet_build(&project.root.join("services"))?;
    run(project.cargo().current_dir(&project.root).args(["build", "--release", "--locked", "--quiet", "-p", "xous-run", "-p", "xous-image", "-p", "xous-fs"]))?;

    let bundle = &runner.bundle;
    copy_if_changed(&runner.kernel, &bundle.join("kernel.elf"))?;
    let services = project.root.join("services/target").join(crate::project::XOUS_TARGET).join("release");
    for name in SERVICES {
        copy_if_changed(&services.join(name), &bundle.join("services").join(name))?;
    }
    let order = SERVICES.join("\n") + "\n";
    if std::fs::read_to_string(bundle.join("services/order")).ok().as_deref() != Some(order.as_str()) {
        std::fs::write(bundle.join("services/order"), order).map_err(|e| e.to_string())?;
    }
    copy_if_changed(&project.root.join("target/release/xous-run"), &runner.xous_run)?;
    copy_if_changed(&project.root.join("target/release/xous-fs"), &runner.xous_fs)
}
