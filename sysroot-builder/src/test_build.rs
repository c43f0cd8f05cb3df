//! The library's own tests (`std` with its integration tests, `coretests`,
//! `alloctests`, `test`) built for riscv32imac-unknown-xous-elf from the
//! same overlaid source as the toolchain, for `./x std-tests` to run.
//!
//! rustc links a test program against the crates cargo builds *and* the
//! sysroot (the harness's `test` crate comes from there). The two must be
//! the very same builds, or rustc sees two different `core`s. So both come
//! from one cargo target directory: first the `sysroot` package, assembled
//! into a private sysroot, then the tests with a rustc pointed at it. The
//! toolchain build's own directory is left alone.

use crate::cargo_build::{make_executable, rlibs_from_messages, tail, Workspace, XOUS_TARGET};
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
pub fn build(ws: &Workspace, host_rustlib: &Path, packages: &[String], sysroot_id: &str) -> Result<Vec<TestProgram>> {
    let target_dir = ws.work.join("target");
    let sysroot = ws.work.join("sysroot");
    std::fs::create_dir_all(ws.work.join("bin")).context(|| "cannot create bin/".to_string())?;
    let write_wrapper = |name: &str, sysroot: Option<&Path>| -> Result<PathBuf> {
        let path = ws.work.join("bin").join(name);
        let script = toolchain::wrapper_script(&ws.rustc, sysroot, Some(sysroot_id), "the tests' own build of the library");
        std::fs::write(&path, script).context(|| format!("cannot write {}", path.display()))?;
        make_executable(&path)?;
        Ok(path)
    };
    let plain = Workspace { rustc: write_wrapper("rustc-for-sysroot", None)?, ..ws.clone() };
    let mut build = plain.cargo(&["build", "-Zavoid-dev-deps", "-p", "sysroot"], XOUS_TARGET);
    build.arg("--target-dir").arg(&target_dir);
    let messages = run(ws, build, "the sysroot for the tests")?;
    let rlibs = rlibs_from_messages(messages.as_bytes())?;
    assemble_sysroot(&sysroot, host_rustlib, &rlibs)?;
    let wrapper = write_wrapper("rustc", Some(&sysroot))?;

    let tests = Workspace { rustc: wrapper, ..ws.clone() };
    // `sysroot` too: cargo then resolves std's features exactly as for the
    // sysroot above, so the std it links is the one the sysroot holds.
    // `--keep-going`: a program that does not compile (std's own unit tests
    // do not, as shipped) is reported, and the others are built anyway.
    let mut args = vec!["build", "--tests", "--keep-going", "-p", "sysroot"];
    for p in packages {
        args.extend(["-p", p.as_str()]);
    }
    let mut cmd = tests.cargo(&args, XOUS_TARGET);
    cmd.arg("--target-dir").arg(&target_dir);
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
