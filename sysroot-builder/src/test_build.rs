//! The library's own tests (`std` with its integration tests, `coretests`,
//! `alloctests`, `test`) built for riscv32imac-unknown-xous-elf from the
//! same overlaid source as the toolchain, for `./x std-tests` to run.
//!
//! rustc links a test program against the crates cargo builds *and* the
//! sysroot (the harness's `test` crate comes from there). The two must be
//! the very same builds, or rustc sees two different `core`s. So both come
//! from one cargo target directory: first the `sysroot` package, assembled
//! into a private sysroot, then the tests with a rustc pointed at it. That
//! directory starts as a copy of the toolchain's (`seed`), built from the
//! same copy of the source and versioned alike: the `sysroot` package is
//! already built there, and only the test programs are new (a minute of two
//! cores less on a fresh machine).

use crate::cargo_build::{rlibs_from_messages, tail, Workspace, XOUS_TARGET};
use crate::error::{bail, Context, Result};
use crate::toolchain;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The library packages whose tests we run.
pub const PACKAGES: [&str; 4] = ["std", "coretests", "alloctests", "test"];

/// One test program cargo built.
pub struct TestProgram {
    pub package: String,
    /// `lib` for a crate's unit tests, `test` for an integration test.
    pub kind: String,
    pub name: String,
    pub path: PathBuf,
}

/// Builds the private sysroot, then the test programs of `packages`.
///
/// `sysroot_id` (the inputs' cache key) is added to what rustc prints for
/// `-vV`, as in a toolchain: the test programs link the private sysroot,
/// which cargo does not track, so without it a changed overlay would leave
/// them linked against the std they were first built with. Both builds see
/// the same `-vV`, or cargo would give their `std`s different hashes and the
/// tests would load two of them.
pub fn build(ws: &Workspace, target_dir: &Path, host_rustlib: &Path, packages: &[String], sysroot_id: &str) -> Result<Vec<TestProgram>> {
    let sysroot = ws.work.join("sysroot");
    let plain = ws.versioned("rustc-for-sysroot", None, sysroot_id, "the library's build")?;
    let mut build = plain.cargo(&["build", "-Zavoid-dev-deps", "-p", "sysroot"], XOUS_TARGET);
    build.arg("--target-dir").arg(target_dir);
    let messages = run(ws, build, "the sysroot for the tests")?;
    let rlibs = rlibs_from_messages(messages.as_bytes())?;
    assemble_sysroot(&sysroot, host_rustlib, &rlibs)?;
    let tests = ws.versioned("rustc", Some(&sysroot), sysroot_id, "the tests' own build of the library")?;
    // `sysroot` too: cargo then resolves std's features exactly as for the
    // sysroot above, so the std it links is the one the sysroot holds.
    // `--keep-going`: a program that does not compile (std's own unit tests
    // do not, as shipped) is reported, and the others are built anyway.
    let mut args = vec!["build", "--tests", "--keep-going", "-p", "sysroot"];
    for p in packages {
        args.extend(["-p", p.as_str()]);
    }
    let mut cmd = tests.cargo(&args, XOUS_TARGET);
    cmd.arg("--target-dir").arg(target_dir);
    let (messages, success) = run_keep_going(&tests, cmd)?;
    ws.check_no_c_calls()?;
    let programs = programs_from_messages(&messages);
    let log = std::fs::read_to_string(ws.log("tests")).unwrap_or_default();
    let failed: Vec<TestProgram> =
        failures_from_messages(&messages).into_iter().chain(failures_from_log(&log)).collect();
    if !success && failed.is_empty() {
        let log = ws.log("tests");
        bail!("building the test programs failed; last lines of {}:\n{}", log.display(), tail(&log, 40));
    }
    Ok(programs.into_iter().chain(failed).collect())
}

/// The file in a seeded target directory naming the build it was copied from.
const SEEDED: &str = "seeded-from";

/// Makes `target_dir` a copy of the toolchain's cargo target directory
/// `from` (its build of the library, which cargo finds fresh there), unless
/// it was copied from the build of the library versioned `key` already.
pub fn seed(from: &Path, target_dir: &Path, key: &str) -> Result<()> {
    let stamp = target_dir.join(SEEDED);
    if std::fs::read_to_string(&stamp).is_ok_and(|k| k == key) || !from.is_dir() {
        return Ok(());
    }
    if target_dir.exists() {
        std::fs::remove_dir_all(target_dir).context(|| format!("cannot clear {}", target_dir.display()))?;
    }
    // `cp -a` keeps the times cargo compares with the sources'.
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(target_dir)
        .status()
        .context(|| "cannot run cp".to_string())?;
    if !status.success() {
        bail!("copying {} to {} failed ({status})", from.display(), target_dir.display());
    }
    std::fs::write(&stamp, key).context(|| format!("cannot write {}", stamp.display()))
}

fn run(ws: &Workspace, cmd: std::process::Command, what: &str) -> Result<String> {
    let (messages, success) = run_keep_going(ws, cmd)?;
    if !success {
        let log = ws.log("tests");
        bail!("building {what} failed; last lines of {}:\n{}", log.display(), tail(&log, 40));
    }
    Ok(messages)
}

/// Runs cargo; its JSON messages, and whether it succeeded.
fn run_keep_going(ws: &Workspace, mut cmd: std::process::Command) -> Result<(String, bool)> {
    let log = ws.log("tests");
    let stderr = std::fs::File::create(&log).context(|| format!("cannot create {}", log.display()))?;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .context(|| format!("cannot run {}", ws.cargo.display()))?;
    let mut messages = String::new();
    std::io::Read::read_to_string(&mut BufReader::new(child.stdout.take().expect("piped")), &mut messages)
        .context(|| "cannot read cargo's output".to_string())?;
    let status = child.wait().context(|| "cannot wait for cargo".to_string())?;
    Ok((messages, status.success()))
}

/// A sysroot holding exactly `rlibs` for the target, and the host's own.
fn assemble_sysroot(sysroot: &Path, host_rustlib: &Path, rlibs: &[PathBuf]) -> Result<()> {
    if sysroot.exists() {
        std::fs::remove_dir_all(sysroot).context(|| format!("cannot clear {}", sysroot.display()))?;
    }
    let lib = sysroot.join(toolchain::target_lib_dir(XOUS_TARGET));
    std::fs::create_dir_all(&lib).context(|| format!("cannot create {}", lib.display()))?;
    for rlib in rlibs {
        let name = rlib.file_name().expect("an rlib has a name");
        std::fs::copy(rlib, lib.join(name)).context(|| format!("cannot copy {}", rlib.display()))?;
    }
    let host = sysroot.join("lib/rustlib").join(host_rustlib.file_name().expect("a host triple"));
    std::os::unix::fs::symlink(host_rustlib, &host).context(|| format!("cannot link {}", host.display()))
}

/// The test programs that did not compile, from the errors in cargo's JSON
/// messages: kind `uncompiled`, path `-`, so the runner reports them.
pub fn failures_from_messages(messages: &str) -> Vec<TestProgram> {
    let mut failed: Vec<TestProgram> = Vec::new();
    for line in messages.lines() {
        let Ok(m) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if m["reason"] != "compiler-message" || m["message"]["level"] != "error" {
            continue;
        }
        let package = package_name(m["package_id"].as_str().unwrap_or_default());
        let name = m["target"]["name"].as_str().unwrap_or_default().to_string();
        if !failed.iter().any(|p| p.package == package && p.name == name) {
            failed.push(TestProgram { package, kind: "uncompiled".into(), name, path: PathBuf::from("-") });
        }
    }
    failed
}

/// The test programs cargo reports it could not compile, from its log
/// (with rendered diagnostics, the errors are not among the JSON messages):
/// ``error: could not compile `std` (lib test) ...`` or ``(test "env")``.
pub fn failures_from_log(log: &str) -> Vec<TestProgram> {
    let mut failed = Vec::new();
    for line in log.lines() {
        let Some(rest) = line.strip_prefix("error: could not compile `") else { continue };
        let Some((package, rest)) = rest.split_once("` (") else { continue };
        let target = rest.split(')').next().unwrap_or_default();
        let (kind, name) = match target.strip_prefix("test \"").and_then(|t| t.split_once('"')) {
            Some((name, _)) => ("uncompiled", name.to_string()),
            None if target.starts_with("lib test") => ("uncompiled", package.to_string()),
            None => continue,
        };
        failed.push(TestProgram { package: package.to_string(), kind: kind.into(), name, path: PathBuf::from("-") });
    }
    failed
}

/// `path+file:///.../library/std#0.0.0` (or `std 0.0.0 (path+file://...)`) -> `std`.
fn package_name(id: &str) -> String {
    if let Some((name, _)) = id.split_once(' ') {
        return name.to_string();
    }
    let last = id.rsplit('/').next().unwrap_or_default();
    last.split(['#', '@']).next().unwrap_or_default().to_string()
}

/// The test executables in cargo's JSON messages.
pub fn programs_from_messages(messages: &str) -> Vec<TestProgram> {
    let mut programs = Vec::new();
    for line in messages.lines() {
        let Ok(m) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if m["reason"] != "compiler-artifact" || m["profile"]["test"] != true {
            continue;
        }
        let Some(path) = m["executable"].as_str() else { continue };
        let package = package_name(m["package_id"].as_str().unwrap_or_default());
        let kind = m["target"]["kind"][0].as_str().unwrap_or_default();
        programs.push(TestProgram {
            package,
            kind: if kind == "lib" || kind == "rlib" { "lib".into() } else { kind.into() },
            name: m["target"]["name"].as_str().unwrap_or_default().to_string(),
            path: PathBuf::from(path),
        });
    }
    programs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_directory_is_seeded_once_per_build_of_the_library() {
        let dir = tempfile::tempdir().unwrap();
        let (from, to) = (dir.path().join("toolchain-target"), dir.path().join("tests-target"));
        std::fs::create_dir_all(from.join("release")).unwrap();
        std::fs::write(from.join("release/libstd.rlib"), "first").unwrap();
        let read = || std::fs::read_to_string(to.join("release/libstd.rlib")).unwrap();
        seed(&from, &to, "key-1").unwrap();
        assert_eq!(read(), "first");
        // Built on since: the same key keeps what the tests built.
        std::fs::write(to.join("release/test-program"), "built").unwrap();
        seed(&from, &to, "key-1").unwrap();
        assert!(to.join("release/test-program").exists());
        // A new build of the library: copied anew, the old programs gone.
        std::fs::write(from.join("release/libstd.rlib"), "second").unwrap();
        seed(&from, &to, "key-2").unwrap();
        assert_eq!(read(), "second");
        assert!(!to.join("release/test-program").exists());
        // No toolchain build to copy (an installed archive): left as it is.
        seed(&dir.path().join("none"), &to, "key-3").unwrap();
        assert_eq!(read(), "second");
    }

    #[test]
    fn finds_the_test_executables() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/library/std#0.0.0","target":{"kind":["lib"],"name":"std"},"profile":{"test":true},"executable":"/t/std-1"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/library/std#0.0.0","target":{"kind":["test"],"name":"env"},"profile":{"test":true},"executable":"/t/env-2"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/library/core#0.0.0","target":{"kind":["lib"],"name":"core"},"profile":{"test":false},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/library/coretests#0.0.0","target":{"kind":["test"],"name":"coretests"},"profile":{"test":true},"executable":"/t/coretests-3"}"#,
            "\nnot json\n"
        );
        let found: Vec<(String, String, String)> =
            programs_from_messages(messages).into_iter().map(|p| (p.package, p.kind, p.name)).collect();
        let failed = failures_from_messages(concat!(
            r#"{"reason":"compiler-message","package_id":"path+file:///w/library/std#0.0.0","target":{"kind":["lib"],"name":"std"},"message":{"level":"error"}}"#,
            "\n",
            r#"{"reason":"compiler-message","package_id":"path+file:///w/library/std#0.0.0","target":{"kind":["lib"],"name":"std"},"message":{"level":"error"}}"#,
            "\n",
            r#"{"reason":"compiler-message","package_id":"path+file:///w/library/std#0.0.0","target":{"kind":["test"],"name":"env"},"message":{"level":"warning"}}"#,
        ));
        assert_eq!(failed.len(), 1);
        assert_eq!((failed[0].package.as_str(), failed[0].kind.as_str(), failed[0].name.as_str()), ("std", "uncompiled", "std"));
        assert_eq!(package_name("std 0.0.0 (path+file:///w/library/std)"), "std");
        let log = "warning: x\nerror: could not compile `std` (lib test) due to 2 previous errors\n\
                   error: could not compile `std` (test \"env\") due to 1 previous error\n\
                   error: could not compile `core` (lib) due to 1 previous error\n";
        let from_log: Vec<(String, String)> = failures_from_log(log).into_iter().map(|p| (p.package, p.name)).collect();
        assert_eq!(from_log, [("std".into(), "std".into()), ("std".into(), "env".into())]);
        assert_eq!(
            found,
            [
                ("std".into(), "lib".into(), "std".into()),
                ("std".into(), "test".into(), "env".into()),
                ("coretests".into(), "test".into(), "coretests".into())
            ]
        );
    }
}
