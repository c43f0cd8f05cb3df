//! Where things are (repository, toolchain, sysroot builder) and how target
//! code is built, as `./x` handed them over in the environment.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const XOUS_TARGET: &str = "riscv32imac-unknown-xous-elf";
/// What the kernel's host tests are built for.
pub const HOST_TARGET: &str = "x86_64-unknown-linux-gnu";

pub struct Project {
    pub root: PathBuf,
    /// The linked `xous` toolchain directory.
    pub toolchain: PathBuf,
    /// The sysroot-builder binary `./x` built and ran.
    pub builder: PathBuf,
    /// The linked `xous-upstream` toolchain: the same, with no overlay.
    pub upstream: PathBuf,
}

impl Project {
    pub fn from_env() -> Result<Project, String> {
        let var = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .ok_or_else(|| format!("${name} is not set: run this through ./x"))
        };
        Ok(Project {
            root: Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask/ is in the root").to_path_buf(),
            toolchain: var("XOUS_TOOLCHAIN")?,
            builder: var("XOUS_SYSROOT_BUILDER")?,
            upstream: var("XOUS_UPSTREAM_TOOLCHAIN")?,
        })
    }

    pub fn rust_version(&self) -> Result<String, String> {
        let path = self.toolchain.join("RUST_VERSION");
        std::fs::read_to_string(&path)
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    }

    /// `cargo` of the xous toolchain.
    pub fn cargo(&self) -> Command {
        cargo_of(&self.toolchain)
    }

    /// Builds one of test-apps/ (release) and returns the path of its ELF.
    pub fn build_test_app(&self, name: &str) -> Result<PathBuf, String> {
        self.build_test_app_against(name, &self.toolchain, "target")
    }

    /// The same, against the pristine std (`xous-upstream`), in a target
    /// directory of its own.
    pub fn build_test_app_upstream(&self, name: &str) -> Result<PathBuf, String> {
        self.build_test_app_against(name, &self.upstream, "target-upstream")
    }

    fn build_test_app_against(&self, name: &str, toolchain: &Path, target_dir: &str) -> Result<PathBuf, String> {
        let dir = self.root.join("test-apps");
        run(cargo_of(toolchain).current_dir(&dir).args(["build", "--release", "--locked", "--quiet", "-p", name, "--target-dir", target_dir]))?;
        Ok(dir.join(target_dir).join(XOUS_TARGET).join("release").join(name))
    }
}

/// `cargo` of a linked toolchain directory, with its compiler.
fn cargo_of(toolchain: &Path) -> Command {
    let mut cmd = Command::new(toolchain.join("bin/cargo"));
    cmd.env("RUSTC", toolchain.join("bin/rustc")).env("RUSTDOC", toolchain.join("bin/rustdoc"));
    cmd
}

/// Runs a command, inheriting its output; an error names it and its status.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

/// Runs a command and returns its stderr and stdout together; an error carries them.
pub fn output(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{cmd:?} failed ({}):\n{text}", out.status))
    }
}
