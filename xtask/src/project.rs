//! Where things are (repository, toolchain, sysroot builder) and how target
//! code is built, as `./x` handed them over in the environment. Each build
//! runs at most once per `./x` command: nothing changes the sources while
//! one runs, so asking again (one boot after another) costs no cargo run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError};

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
    /// Built by `./x` only for the commands that use it (setup, test,
    /// bench): `./x run` and the others do without.
    upstream: Option<PathBuf>,
    /// What this command has built or installed already (see `once`): one
    /// flag per piece of work, each behind its own lock, since `./x test`
    /// runs checks side by side and two may ask for the same build at once.
    done: Mutex<HashMap<String, Arc<Mutex<bool>>>>,
}

/// Which standard library a target program is built against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Std {
    /// Ours: the library source with the std-xous overlay (toolchain `xous`).
    Ours,
    /// The std as shipped: no overlay (toolchain `xous-upstream`).
    Shipped,
}

impl Std {
    /// The linked toolchain's name.
    pub fn toolchain_name(self) -> &'static str {
        match self {
            Std::Ours => "xous",
            Std::Shipped => "xous-upstream",
        }
    }
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
            upstream: std::env::var_os("XOUS_UPSTREAM_TOOLCHAIN").filter(|v| !v.is_empty()).map(PathBuf::from),
            done: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `work` the first time `what` is asked for in this command; after
    /// it succeeded once, asking again does nothing. A second caller while
    /// the work runs waits for it (and does it again only if it failed).
    pub fn once(&self, what: &str, work: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
        let flag = self.done.lock().unwrap_or_else(PoisonError::into_inner).entry(what.to_string()).or_default().clone();
        let mut done = flag.lock().unwrap_or_else(PoisonError::into_inner);
        if !*done {
            work()?;
            *done = true;
        }
        Ok(())
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

    /// The `xous-upstream` toolchain, if this command's `./x` built it.
    pub fn upstream(&self) -> Result<&PathBuf, String> {
        self.upstream.as_ref().ok_or_else(|| {
            "the std as shipped (toolchain xous-upstream) is not set up for this command: ./x builds it for setup, test and bench".to_string()
        })
    }

    /// Builds one of test-apps/ (release) and returns the path of its ELF.
    pub fn build_test_app(&self, name: &str) -> Result<PathBuf, String> {
        self.build_test_app_with(name, Std::Ours)
    }

    /// The same, against the pristine std (`xous-upstream`).
    pub fn build_test_app_upstream(&self, name: &str) -> Result<PathBuf, String> {
        self.build_test_app_with(name, Std::Shipped)
    }

    /// Builds one of test-apps/ (release, every binary of the package)
    /// against `std`, each std in a target directory of its own; returns the
    /// path of the ELF named like the package.
    pub fn build_test_app_with(&self, name: &str, std: Std) -> Result<PathBuf, String> {
        let (toolchain, target_dir) = match std {
            Std::Ours => (&self.toolchain, "target"),
            Std::Shipped => (self.upstream()?, "target-upstream"),
        };
        let dir = self.root.join("test-apps");
        self.once(&format!("test-apps/{name} on {}", std.toolchain_name()), || {
            run(cargo_of(toolchain).current_dir(&dir).args(["build", "--release", "--locked", "--quiet", "-p", name, "--target-dir", target_dir]))
        })?;
        Ok(dir.join(target_dir).join(XOUS_TARGET).join("release").join(name))
    }

    /// Builds kernel/target-tests (release); returns where its programs are.
    pub fn build_target_tests(&self) -> Result<PathBuf, String> {
        let dir = self.root.join("kernel/target-tests");
        self.once("kernel/target-tests", || run(self.cargo().current_dir(&dir).args(["build", "--release", "--locked", "--quiet"])))?;
        Ok(dir.join("target").join(XOUS_TARGET).join("release"))
    }
}

/// cargo's arguments for an optimised build that keeps overflow checks and
/// debug assertions (profile `checked`, defined here rather than in each
/// workspace): the host tests of the kernel and the services and their
/// fuzz targets are built with it, so one build serves both. Many codegen
/// units and no debug information: these builds are for running tests, and
/// the kernel's release profile (one unit, full debug information) is for
/// its image.
pub const CHECKED: &[&str] = &[
    "--profile",
    "checked",
    "--config",
    "profile.checked.inherits=\"release\"",
    "--config",
    "profile.checked.overflow-checks=true",
    "--config",
    "profile.checked.debug-assertions=true",
    "--config",
    "profile.checked.codegen-units=16",
    "--config",
    "profile.checked.debug=false",
];

/// `cargo` of a linked toolchain directory, with its compiler, yielding
/// the processor (see `yielding`).
fn cargo_of(toolchain: &Path) -> Command {
    let mut cmd = yielding(&toolchain.join("bin/cargo"));
    cmd.env("RUSTC", toolchain.join("bin/rustc")).env("RUSTDOC", toolchain.join("bin/rustdoc"));
    cmd
}

/// A command that yields the processor to everything else (`nice -n 10`):
/// `./x test` runs checks side by side, and a build for one must not slow
/// the system another check is running on QEMU.
pub fn yielding(program: &Path) -> Command {
    let mut cmd = Command::new("nice");
    cmd.args(["-n", "10"]).arg(program);
    cmd
}

/// Runs `a` and `b` side by side (for builds that need nothing of each
/// other); both run to their end, and the first error, if any, is returned.
pub fn both<A, B>(a: impl FnOnce() -> Result<A, String> + Send, b: impl FnOnce() -> Result<B, String>) -> Result<(A, B), String>
where
    A: Send,
{
    std::thread::scope(|scope| {
        let first = scope.spawn(a);
        let second = b();
        let first = first.join().unwrap_or_else(|_| Err("a build beside another panicked".to_string()));
        Ok((first?, second?))
    })
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
