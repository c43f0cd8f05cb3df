//! Building one of test-apps/ with the toolchain's cargo, as a user's
//! `cargo build` would, and telling which of its crates rustc read from an
//! armed copy (library/crate-arms) rather than as downloaded. The checks of
//! crates.io stacks (async_net.rs, c_parts.rs, ecosystem.rs) share it.

use crate::project::Project;
use std::path::{Path, PathBuf};

/// The target directory (under test-apps/target) of every host build of
/// the crates.io stacks: their common crates are built once, and no armed
/// copy may be among any of its sources.
pub const HOST_DIR: &str = "ecosystem-host";

/// Builds test-apps/`app` (a debug build, as `cargo test` makes) for
/// `target` into the target directory `test-apps/target/<target_dir>`;
/// the program and cargo's stderr.
pub fn build(project: &Project, app: &str, target: &str, target_dir: &str) -> Result<(PathBuf, String), String> {
    build_in(project, app, target, &project.root.join("test-apps/target").join(target_dir), &[])
}

/// The same into `target_dir`, with `env` set for cargo.
pub fn build_in(project: &Project, app: &str, target: &str, target_dir: &Path, env: &[(&str, &Path)]) -> Result<(PathBuf, String), String> {
    let dir = project.root.join("test-apps").join(app);
    let mut cargo = project.cargo();
    cargo.current_dir(&dir).args(["build", "--locked", "--target", target, "--target-dir"]).arg(target_dir);
    for (name, value) in env {
        cargo.env(name, value);
    }
    let out = cargo.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(format!("test-apps/{app} does not build for {target}:\n{stderr}"));
    }
    Ok((target_dir.join(target).join("debug").join(app), stderr))
}

/// Those of `crates` that `program` was compiled with from an armed copy.
pub fn armed(program: &Path, crates: &[&'static str]) -> Result<Vec<&'static str>, String> {
    let files = armed_sources(&program.with_file_name("deps"))?;
    Ok(crates.iter().copied().filter(|krate| files.iter().any(|f| f.starts_with(&format!("{krate}-")))).collect())
}

/// The dependency files (`.d`) in `deps` whose sources came from an armed copy.
pub fn armed_sources(deps: &Path) -> Result<Vec<String>, String> {
    let mut armed = Vec::new();
    for entry in std::fs::read_dir(deps).map_err(|e| format!("cannot list {}: {e}", deps.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "d")
            && std::fs::read_to_string(&path).unwrap_or_default().contains("xous/crate-arms")
        {
            armed.push(path.file_name().unwrap_or_default().to_string_lossy().into_owned());
        }
    }
    armed.sort();
    Ok(armed)
}
