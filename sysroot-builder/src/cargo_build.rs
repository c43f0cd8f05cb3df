//! The recipe: which library packages are built for which target, with which
//! flags, and how we learn exactly which rlibs came out.
//!
//! Every build runs with a C-compiler guard in `CC`/`CXX` (and their
//! per-target forms): a script that records the call and fails. The sysroot
//! must be pure Rust, so a build that tried to compile C either fails or
//! leaves a record, and the builder refuses it either way.

use crate::error::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// One cargo invocation in the library workspace.
pub struct TargetBuild {
    pub target: &'static str,
    /// The library package whose dependency closure is the sysroot for `target`.
    pub package: &'static str,
    pub what: &'static str,
}

pub const XOUS_TARGET: &str = "riscv32imac-unknown-xous-elf";
pub const BARE_TARGET: &str = "riscv32imac-unknown-none-elf";

pub const BUILDS: [TargetBuild; 2] = [
    TargetBuild { target: XOUS_TARGET, package: "sysroot", what: "std, test, proc_macro" },
    TargetBuild { target: BARE_TARGET, package: "alloc", what: "core, alloc" },
];

/// What a toolchain is built for: both targets, or for the pristine one
/// (`xous-upstream`, std as shipped, which only std programs are built
/// with, to hold ours against it) the std target alone: the bare target's
/// core and alloc would be the overlaid toolchain's again, the overlay
/// leaving them as they are.
pub fn builds(pristine: bool) -> &'static [TargetBuild] {
    match pristine {
        true => &BUILDS[..1],
        false => &BUILDS,
    }
}

/// Flags the standard library is always compiled with. `force-unstable-if-unmarked`
/// lets stable user crates link it; embedded bitcode lets them use LTO.
const RUSTFLAGS: &str = "-Zforce-unstable-if-unmarked -Cembed-bitcode=yes";

/// Where one build's files live.
#[derive(Clone)]
pub struct Workspace {
    /// The overlaid copy of `library/`.
    pub library: PathBuf,
    /// The crate sources cargo reads for crates.io: links to the pristine
    /// source's `vendor/` and, for the tests, a few more (vendor.rs).
    pub vendor: PathBuf,
    /// Scratch space: cargo home, target dirs, logs, the C-compiler guard.
    pub work: PathBuf,
    pub rustc: PathBuf,
    pub cargo: PathBuf,
}

/// The rlibs one target's build produced, as absolute paths.
pub struct Built {
    pub target: &'static str,
    pub rlibs: Vec<PathBuf>,
}

impl Workspace {
    fn cargo_home(&self) -> PathBuf {
        self.work.join("cargo-home")
    }

    pub fn cc_guard(&self) -> PathBuf {
        self.work.join("cc-guard")
    }

    fn cc_guard_log(&self) -> PathBuf {
        self.work.join("cc-guard.log")
    }

    pub fn log(&self, target: &str) -> PathBuf {
        self.work.join(format!("build-{target}.log"))
    }

    /// The same workspace with its rustc behind a wrapper `bin/NAME` that
    /// adds `id` to what it prints for `-vV` (`manifest::library_key`) and,
    /// given one, compiles against `sysroot`.
    pub fn versioned(&self, name: &str, sysroot: Option<&Path>, id: &str, what: &str) -> Result<Workspace> {
        let bin = self.work.join("bin");
        std::fs::create_dir_all(&bin).context(|| format!("cannot create {}", bin.display()))?;
        let wrapper = bin.join(name);
        write(&wrapper, crate::toolchain::wrapper_script(&self.rustc, sysroot, Some(id), what).as_bytes())?;
        make_executable(&wrapper)?;
        Ok(Workspace { rustc: wrapper, ..self.clone() })
    }

    /// Writes the cargo configuration (crates.io replaced by `vendor/`) and the guard.
    pub fn prepare(&self) -> Result<()> {
        let home = self.cargo_home();
        std::fs::create_dir_all(&home).context(|| format!("cannot create {}", home.display()))?;
        let config = format!(
            "# Written by sysroot-builder: build std offline from the library's vendor/.\n\
             [source.crates-io]\nreplace-with = \"library-vendor\"\n\n\
             [source.library-vendor]\ndirectory = {:?}\n",
            self.vendor.display().to_string()
        );
        write(&home.join("config.toml"), config.as_bytes())?;
        let guard = format!(
            "#!/bin/sh\n\
             # Written by sysroot-builder: the sysroot is pure Rust, so any C compiler call is a bug.\n\
             echo \"$0 $*\" >> '{log}'\n\
             echo \"sysroot-builder: a C compiler was invoked ($*); the sysroot must build without C\" >&2\n\
             exit 1\n",
            log = self.cc_guard_log().display()
        );
        write(&self.cc_guard(), guard.as_bytes())?;
        make_executable(&self.cc_guard())?;
        let _ = std::fs::remove_file(self.cc_guard_log());
        Ok(())
    }

    /// The cargo command for one target, with the whole environment it runs in.
    pub fn command(&self, build: &TargetBuild) -> Command {
        let mut cmd = self.cargo(&["build", "-Zavoid-dev-deps"], build.target);
        cmd.args(["-p", build.package])
            .arg("--target-dir")
            .arg(self.work.join(format!("target-{}", build.target)));
        cmd
    }

    /// `cargo <subcommand...> --release --offline` in the library workspace
    /// for `target`, with JSON messages and the whole environment the
    /// standard library is built in (flags, offline vendor, C guard).
    pub fn cargo(&self, subcommand: &[&str], target: &str) -> Command {
        let mut cmd = Command::new(&self.cargo);
        cmd.current_dir(&self.library)
            .args(subcommand)
            .args(["--release", "--offline"])
            .args(["--message-format", "json-render-diagnostics"])
            .args(["--target", target])
            .arg("--manifest-path")
            .arg(self.library.join("Cargo.toml"));
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "RUSTC_WRAPPER",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET",
            "RUSTUP_TOOLCHAIN",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("RUSTC", &self.rustc)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("RUSTFLAGS", RUSTFLAGS)
            .env("CARGO_HOME", self.cargo_home());
        for (name, value) in cc_guard_env(&self.cc_guard(), target) {
            cmd.env(name, value);
        }
        cmd
    }

    /// Builds every target of `builds` at once (two cargos share the two
    /// cores better than one after the other: each spends a long stretch on
    /// `core` alone).
    pub fn build_all(&self, builds: &'static [TargetBuild]) -> Result<Vec<Built>> {
        let mut running: Vec<(&TargetBuild, Child)> = Vec::new();
        for build in builds {
            let log = self.log(build.target);
            let stderr = std::fs::File::create(&log)
                .context(|| format!("cannot create {}", log.display()))?;
            let child = self
                .command(build)
                .stdout(Stdio::piped())
                .stderr(stderr)
                .spawn()
                .context(|| format!("cannot run {}", self.cargo.display()))?;
            running.push((build, child));
        }
        // Read each child's JSON fully; the other keeps running meanwhile (its
        // stdout pipe holds only a few small messages per crate).
        let mut results = Vec::new();
        let mut failures = Vec::new();
        for (build, mut child) in running {
            let stdout = child.stdout.take().expect("piped");
            let rlibs = rlibs_from_messages(BufReader::new(stdout))?;
            let status = child.wait().context(|| "cannot wait for cargo".to_string())?;
            if status.success() {
                results.push(Built { target: build.target, rlibs });
            } else {
                failures.push(format!(
                    "building {} for {} failed ({status}); last lines of {}:\n{}",
                    build.package,
                    build.target,
                    self.log(build.target).display(),
                    tail(&self.log(build.target), 30)
                ));
            }
        }
        if !failures.is_empty() {
            bail!("{}", failures.join("\n\n"));
        }
        self.check_no_c_calls()?;
        Ok(results)
    }

    /// Fails if anything called the C-compiler guard since [`Workspace::prepare`].
    pub fn check_no_c_calls(&self) -> Result<()> {
        match std::fs::read_to_string(self.cc_guard_log()) {
            Ok(calls) if !calls.trim().is_empty() => {
                bail!("the build invoked a C compiler, which the sysroot must not need:\n{calls}")
            }
            _ => Ok(()),
        }
    }
}

/// `CC`, `CXX` and the per-target spellings the `cc` crate reads, all set to `guard`.
pub fn cc_guard_env(guard: &Path, target: &str) -> Vec<(String, PathBuf)> {
    let underscored = target.replace('-', "_");
    ["CC", "CXX"]
        .iter()
        .flat_map(|tool| {
            [
                tool.to_string(),
                format!("TARGET_{tool}"),
                format!("HOST_{tool}"),
                format!("{tool}_{target}"),
                format!("{tool}_{underscored}"),
            ]
        })
        .map(|name| (name, guard.to_path_buf()))
        .collect()
}

/// Picks the library rlibs out of cargo's JSON messages (the `sysroot` crate
/// itself is only a dependency list and is left out).
pub fn rlibs_from_messages(reader: impl BufRead) -> Result<Vec<PathBuf>> {
    let mut rlibs = Vec::new();
    for line in reader.lines() {
        let line = line.context(|| "cannot read cargo's output".to_string())?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" || message["target"]["name"] == "sysroot" {
            continue;
        }
        let files = message["filenames"].as_array().into_iter().flatten();
        for file in files.filter_map(|f| f.as_str()) {
            if file.ends_with(".rlib") {
                rlibs.push(PathBuf::from(file));
            }
        }
    }
    Ok(rlibs)
}

pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).context(|| format!("cannot write {}", path.display()))
}

pub fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(dir: &Path) -> Workspace {
        Workspace {
            library: dir.join("library"),
            vendor: dir.join("vendor"),
            work: dir.join("work"),
            rustc: "/usr/bin/rustc".into(),
            cargo: "/usr/bin/cargo".into(),
        }
    }

    #[test]
    fn every_c_compiler_variable_points_at_the_guard() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        let cmd = ws.command(&BUILDS[0]);
        let envs: Vec<(String, String)> = cmd
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_str()?.to_string(), v?.to_str()?.to_string())))
            .collect();
        let guard = ws.cc_guard().display().to_string();
        for name in ["CC", "CXX", "TARGET_CC", "HOST_CC", "CC_riscv32imac-unknown-xous-elf", "CC_riscv32imac_unknown_xous_elf"] {
            assert!(envs.contains(&(name.to_string(), guard.clone())), "{name} not guarded: {envs:?}");
        }
        assert!(envs.contains(&("RUSTC_BOOTSTRAP".into(), "1".into())));
    }

    #[test]
    fn the_guard_fails_and_leaves_a_record() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        ws.prepare().unwrap();
        let out = Command::new(ws.cc_guard()).args(["-c", "x.c"]).output().unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("must build without C"));
        let log = std::fs::read_to_string(ws.cc_guard_log()).unwrap();
        assert!(log.contains("-c x.c"), "{log}");
        let config = std::fs::read_to_string(ws.cargo_home().join("config.toml")).unwrap();
        assert!(config.contains("replace-with") && config.contains("vendor"), "{config}");
    }

    #[test]
    fn a_build_that_called_the_guard_is_refused() {
        // As a build script would that probes $CC and ignores the failure:
        // the build itself passes, but the guard's record makes the builder refuse it.
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        ws.prepare().unwrap();
        ws.check_no_c_calls().unwrap();
        let _ = Command::new(ws.cc_guard()).arg("probe.c").status().unwrap();
        let e = ws.check_no_c_calls().unwrap_err().to_string();
        assert!(e.contains("invoked a C compiler") && e.contains("probe.c"), "{e}");
        ws.prepare().unwrap();
        ws.check_no_c_calls().unwrap();
    }

    #[test]
    fn picks_rlibs_but_not_the_sysroot_crate() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"core"},"filenames":["/t/libcore-1.rlib","/t/libcore-1.rmeta"]}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"build-script-build"},"filenames":["/t/build_script_build-2"]}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"sysroot"},"filenames":["/t/libsysroot-3.rlib"]}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\nnot json\n"
        );
        let rlibs = rlibs_from_messages(messages.as_bytes()).unwrap();
        assert_eq!(rlibs, [PathBuf::from("/t/libcore-1.rlib")]);
    }
}
