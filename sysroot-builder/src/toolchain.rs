//! The toolchain directory that `rustup toolchain link` points at:
//!
//! ```text
//! bin/rustc, bin/rustdoc   wrappers: the compiler with `--sysroot` = this directory
//! bin/cargo                the compiler's cargo, with a C compiler for our target (c_compiler.rs)
//! lib/xous/c-include       our C headers for that compiler (assert.h)
//! lib/rustlib/<host>       link to the compiler's own host libraries
//! lib/rustlib/<target>/lib our target libraries (rlibs)
//! RUST_VERSION             the compiler's version line
//! manifest.toml            what it was built from (see manifest.rs)
//! ```
//!
//! A toolchain is assembled in a staging directory and renamed into place,
//! so a failed or interrupted build never leaves a half toolchain behind.

use crate::cargo_build::{make_executable, Built};
use crate::error::{Context, Result};
use crate::version::Compiler;
use std::path::{Path, PathBuf};

pub fn target_lib_dir(target: &str) -> String {
    format!("lib/rustlib/{target}/lib")
}

/// A fresh, empty staging directory next to `dest`.
pub fn staging_dir(dest: &Path) -> Result<PathBuf> {
    let staging = sibling(dest, "staging");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .context(|| format!("cannot clear {}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging).context(|| format!("cannot create {}", staging.display()))?;
    Ok(staging)
}

fn sibling(dest: &Path, suffix: &str) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.{suffix}"))
}

/// Copies the built rlibs into `staging`; returns their paths relative to it.
pub fn add_rlibs(staging: &Path, built: &[Built]) -> Result<Vec<String>> {
    let mut relative = Vec::new();
    for build in built {
        let dir = target_lib_dir(build.target);
        std::fs::create_dir_all(staging.join(&dir)).context(|| format!("cannot create {dir}"))?;
        for rlib in &build.rlibs {
            let name = rlib.file_name().expect("an rlib has a name").to_string_lossy();
            let path = format!("{dir}/{name}");
            std::fs::copy(rlib, staging.join(&path))
                .context(|| format!("cannot copy {}", rlib.display()))?;
            relative.push(path);
        }
    }
    relative.sort();
    Ok(relative)
}

/// Writes the wrappers and links that make `staging`, once renamed to `dest`,
/// a toolchain rustup can link.
///
/// `sysroot_id` (the cache key) and a stamp of this build are added to what
/// `rustc -vV` prints: cargo keys every crate it builds on that output, so
/// crates built against an earlier build of this sysroot are rebuilt
/// instead of failing to link ("can't find crate") against the new one.
/// The key alone is not enough: two builds of the same inputs from two
/// checkouts (the library copied to another path) give crates of other
/// hashes, and cargo kept the crates of the first build under the key.
///
/// With `arms` (the crate arms' directory and the crates they cover), the
/// rustc and rustdoc wrappers hand a compile (or documentation) of one of
/// those crates for our target to `sysroot-builder crate-arm` (see
/// crate_arms.rs), copied in with them.
pub fn add_frame(
    staging: &Path,
    dest: &Path,
    compiler: &Compiler,
    sysroot_id: &str,
    arms: Option<(&Path, &[&str])>,
) -> Result<()> {
    let bin = staging.join("bin");
    std::fs::create_dir_all(&bin).context(|| format!("cannot create {}", bin.display()))?;
    let compiler_bin = compiler.path.parent().unwrap_or(Path::new("/usr/bin"));
    if let Some((dir, _)) = arms {
        crate::crate_arms::install(staging, dir)?;
    }
    let build_id = format!("{sysroot_id} build {}", build_stamp());
    for tool in ["rustc", "rustdoc"] {
        let id = (tool == "rustc").then_some(build_id.as_str());
        let mut wrapper = wrapper_script(&compiler_bin.join(tool), Some(dest), id, "this toolchain");
        if let Some((_, crates)) = arms {
            let exec = wrapper.rfind("exec ").expect("the wrapper ends in exec");
            wrapper.insert_str(exec, &arms_dispatch(&compiler_bin.join(tool), dest, crates));
        }
        let path = bin.join(tool);
        std::fs::write(&path, wrapper).context(|| format!("cannot write {}", path.display()))?;
        make_executable(&path)?;
    }
    crate::c_compiler::install(staging, dest, &compiler_bin.join("cargo"), crate::cargo_build::XOUS_TARGET)?;
    let host_libs = format!("lib/rustlib/{}", compiler.host);
    std::fs::create_dir_all(staging.join("lib/rustlib")).context(|| "cannot create lib/rustlib".to_string())?;
    symlink(&compiler.sysroot.join(&host_libs), &staging.join(&host_libs))?;
    std::fs::write(staging.join("RUST_VERSION"), format!("{}\n", compiler.version_line))
        .context(|| "cannot write RUST_VERSION".to_string())
}

/// Replaces `dest` by `staging` (the old toolchain, if any, is removed after).
pub fn commit(staging: &Path, dest: &Path) -> Result<()> {
    let old = sibling(dest, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old).context(|| format!("cannot clear {}", old.display()))?;
    }
    if dest.exists() {
        std::fs::rename(dest, &old).context(|| format!("cannot move {} aside", dest.display()))?;
    }
    std::fs::rename(staging, dest).context(|| format!("cannot create {}", dest.display()))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).context(|| format!("cannot remove {}", old.display()))?;
    }
    Ok(())
}

fn symlink(target: &Path, link: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, link)
        .context(|| format!("cannot link {} -> {}", link.display(), target.display()))
}

/// Different for every build: the time in nanoseconds and the builder's pid.
fn build_stamp() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{}", std::process::id())
}

/// A script running `real` with `sysroot` (described as `what`) as its
/// sysroot, or its own when none. With a `sysroot_id`, `-vV` prints it
/// after the real version.
pub fn wrapper_script(real: &Path, sysroot: Option<&Path>, sysroot_id: Option<&str>, what: &str) -> String {
    let tool = real.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let real = shell_quote(real);
    let version = match sysroot_id {
        Some(id) => format!(
            "if [ \"$#\" = 1 ] && [ \"$1\" = -vV ]; then\n    {real} -vV && echo {}\n    exit\nfi\n",
            shell_quote(Path::new(&format!("xous-sysroot: {id}")))
        ),
        None => String::new(),
    };
    let (what, sysroot) = match sysroot {
        Some(path) => (format!("with {what} as its sysroot"), format!(" --sysroot {}", shell_quote(path))),
        None => (format!("its own sysroot, versioned as {what}"), String::new()),
    };
    format!(
        "#!/bin/bash\n\
         # Written by sysroot-builder: the system {tool}, {what}.\n\
         # bash, not sh: dash drops environment variables whose names hold a '-',\n\
         # such as cargo's CARGO_BIN_EXE_<name-with-dashes>.\n\
         {version}\
         exec {real}{sysroot} \"$@\"\n"
    )
}

/// The wrapper's lines that send a compile (or rustdoc run) of an armed
/// crate for our target to `sysroot-builder crate-arm`; every other one goes
/// straight on.
fn arms_dispatch(real: &Path, dest: &Path, crates: &[&str]) -> String {
    let lib = dest.join(crate::crate_arms::TOOLCHAIN_DIR);
    format!(
        "# Crates with a xous arm (docs/ecosystem.md), compiled for {target}:\n\
         case \"${{CARGO_PKG_NAME-}}\" in\n\
         \x20   {names})\n\
         \x20       case \" $* \" in\n\
         \x20           *' {target} '* | *' --target={target} '*)\n\
         \x20               exec {builder} crate-arm {arms} {real} --sysroot {sysroot} \"$@\" ;;\n\
         \x20       esac ;;\n\
         esac\n",
        target = crate::crate_arms::TARGET,
        names = crates.join(" | "),
        builder = shell_quote(&lib.join("sysroot-builder")),
        arms = shell_quote(&lib.join("crate-arms")),
        real = shell_quote(real),
        sysroot = shell_quote(dest),
    )
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_paths_for_sh() {
        assert_eq!(shell_quote(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }

    #[test]
    fn commit_replaces_an_existing_toolchain() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("xous");
        std::fs::create_dir_all(dest.join("old-only")).unwrap();
        let staging = staging_dir(&dest).unwrap();
        std::fs::write(staging.join("new"), "").unwrap();
        commit(&staging, &dest).unwrap();
        assert!(dest.join("new").exists() && !dest.join("old-only").exists());
        assert!(!staging.exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only the toolchain remains");
    }

    #[test]
    fn the_rustc_wrapper_names_the_sysroot_build_in_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake");
        std::fs::create_dir_all(&fake).unwrap();
        for tool in ["rustc", "rustdoc", "cargo"] {
            std::fs::write(fake.join(tool), "#!/bin/sh\necho \"real $*\"\n").unwrap();
            make_executable(&fake.join(tool)).unwrap();
        }
        let compiler = Compiler {
            path: fake.join("rustc"),
            sysroot: dir.path().join("sys"),
            host: "x86_64-unknown-linux-gnu".into(),
            ..crate::version::parse_verbose_version("rustc 1.96.0 (abc 2026-01-01)\nhost: x\nrelease: 1.96.0\ncommit-hash: abc\n").unwrap()
        };
        let dest = dir.path().join("xous");
        let staging = staging_dir(&dest).unwrap();
        add_frame(&staging, &dest, &compiler, "key-1", None).unwrap();
        let run = |args: &[&str]| {
            let out = std::process::Command::new(staging.join("bin/rustc")).args(args).output().unwrap();
            String::from_utf8(out.stdout).unwrap()
        };
        let first = run(&["-vV"]);
        assert!(first.starts_with("real -vV\nxous-sysroot: key-1 build "), "{first}");
        std::fs::remove_dir_all(&staging).unwrap();
        let staging = staging_dir(&dest).unwrap();
        add_frame(&staging, &dest, &compiler, "key-1", None).unwrap();
        let again = std::process::Command::new(staging.join("bin/rustc")).arg("-vV").output().unwrap();
        assert_ne!(String::from_utf8(again.stdout).unwrap(), first, "another build of the same key is another version to cargo");
        assert_eq!(run(&["--print", "sysroot"]), format!("real --sysroot {} --print sysroot\n", dest.display()));
        let cargo = std::process::Command::new(staging.join("bin/cargo")).arg("build").output().unwrap();
        assert_eq!(String::from_utf8(cargo.stdout).unwrap(), "real build\n", "bin/cargo runs the compiler's cargo");
    }
}
