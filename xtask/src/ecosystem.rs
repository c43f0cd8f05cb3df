//! crates.io crates on the target. `./x ecosystem [CRATE...]` runs the test
//! suites of widely used crates as their authors ship them: each crate's
//! source at a pinned version is fetched with cargo into
//! `~/.cache/xous/ecosystem/<crate>-<version>` (untouched), and `cargo +xous
//! test --tests` runs there, the target and xous-run as its runner set by a
//! `.cargo/config.toml` in the directory above. The results go into
//! docs/ecosystem.md (between its result markers), each failure with its
//! reason. `./x test` runs test-apps/ecosystem-small: the crates with xous
//! arms (library/crate-arms), used unmodified, checked for real results.

use crate::checks::{Failed, Passed};
use crate::project::{run, Project, HOST_TARGET, XOUS_TARGET};
use crate::runner;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use crate::test_app::armed_sources;

/// A crate whose own tests run, at the version pinned here (the newest when
/// chosen, except anyhow and uuid: anyhow 1.0.105 and uuid 1.29.3 ship a
/// Cargo.lock naming trybuild 1.0.125, which the crates.io index reachable
/// here does not have yet).
struct Suite {
    krate: &'static str,
    version: &'static str,
}

const SUITES: &[Suite] = &[
    Suite { krate: "itoa", version: "1.0.19" },
    Suite { krate: "ryu", version: "1.0.23" },
    Suite { krate: "memchr", version: "2.8.3" },
    Suite { krate: "base64", version: "0.22.1" },
    Suite { krate: "crc32fast", version: "1.5.5" },
    Suite { krate: "smallvec", version: "1.16.6" },
    Suite { krate: "anyhow", version: "1.0.98" },
    Suite { krate: "bytes", version: "1.12.2" },
    Suite { krate: "hashbrown", version: "0.17.2" },
    Suite { krate: "indexmap", version: "2.14.2" },
    Suite { krate: "either", version: "1.19.0" },
    Suite { krate: "arrayvec", version: "0.7.8" },
    Suite { krate: "byteorder", version: "1.5.0" },
    Suite { krate: "hex", version: "0.4.3" },
    Suite { krate: "semver", version: "1.0.28" },
    Suite { krate: "fastrand", version: "2.5.0" },
    Suite { krate: "once_cell", version: "1.21.4" },
    Suite { krate: "bitflags", version: "2.13.2" },
    Suite { krate: "walkdir", version: "2.5.1" },
    Suite { krate: "tempfile", version: "3.27.0" },
    Suite { krate: "rand", version: "0.9.5" },
    Suite { krate: "uuid", version: "1.18.1" },
    Suite { krate: "regex", version: "1.13.2" },
    Suite { krate: "serde_json", version: "1.0.154" },
    Suite { krate: "chrono", version: "0.4.45" },
    Suite { krate: "parking_lot", version: "0.12.5" },
    Suite { krate: "crossbeam-channel", version: "0.5.17" },
    Suite { krate: "rayon", version: "1.12.0" },
];

/// Why a failure happens, for failures understood: (crate, a test name, a
/// test program's source (`tests/x.rs`, `unittests`) or build-error text
/// that identifies it, the reason).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "once_cell",
        "sync_once_cell::get_or_init_stress",
        "needs 1,000 threads at once: each of its 1,000 threads waits at a Barrier of 1,000 inside \
         `thread::scope`, and a Xous process has at most 255. The spawn past the limit is refused \
         (\"no thread slot free\") and `Scope::spawn` panics; `thread::scope` then waits, as on every \
         platform, for the threads already spawned, which wait at the first Barrier for the hundreds that \
         never come, so the program could only be stopped by xous-run's timeout (300 s), which hid the results of the \
         tests after it; Linux with a thread limit below 1,000 hangs the same way. Skipped, so the rest of \
         the program runs. (Looking into it found a bug of ours, now fixed: a refused scoped spawn leaked \
         the scope's count, so the scope hung even after its other threads ended; std-xous 0017.) \
         race_once_box::once_box_smoke_test, 128 threads at a Barrier, passes",
    ),
    (
        "once_cell",
        "sync_once_cell::reentrant_init",
        "starts the crate's example program reentrant_init_deadlocks from beside the test program (the \
         directory of `current_exe`, then `examples/`): cargo built it on the host, and the guest's \
         filesystem does not have it (these runs have no disk, so `current_exe` is NotFound too)",
    ),
    (
        "walkdir",
        "src/tests/util.rs",
        "its tests do not build for a target that is neither unix nor windows: their symbolic-link helper \
         (`imp` in src/tests/util.rs) exists only for those two",
    ),
    (
        "tempfile",
        "test_reseed",
        "tempfile re-seeds its name generator from getrandom after three name conflicts only on the \
         targets where its Cargo.toml depends on getrandom (unix, windows, wasi); an arm cannot add a \
         dependency, so on xous the names come from fastrand's stream alone and the test counts 6 tries, not 4",
    ),
    (
        "chrono",
        "tz_data::tests::test_",
        "reads tz database samples from tests/android and tests/ohos, which the crate as published leaves \
         out: from crates.io's copy these fail on every platform (the guest sees the crate's directory as the \
         host has it, through xous-run --mirror-cwd)",
    ),
    (
        "chrono",
        "tests/win_bindings.rs",
        "its program (windows-bindgen in a debug build) makes a 34 MiB boot image; the kernel reads the image \
         through its direct map of RAM, 12 MiB (0xff40_0000 up), so boot images over 12 MiB cannot start yet, \
         whatever --memory says (xous-run now refuses to build one, saying so; the kernel refused it as truncated)",
    ),
    (
        "regex",
        "module 'fuzz'",
        "the crate as published leaves out tests/fuzz, which its integration tests declare: they build \
         from crates.io's copy on no platform (cargo test stops there, so its unit tests did not run either)",
    ),
    (
        "base64",
        "rustix-0.3",
        "a dev-dependency does not know xous: rstest 0.13 pulls async-std, async-io and rustix (0.37, 0.38), \
         which has no backend for it (base64's Cargo.lock pins them)",
    ),
];

/// Tests that cannot finish on the target, or not within xous-run's
/// timeout, and would hold their whole test program until it, hiding the
/// results of every test after them: passed to the harness as `--skip`,
/// written into the log, and counted as failed, with their reason in KNOWN.
const SKIPPED: &[(&str, &str)] = &[
    ("once_cell", "sync_once_cell::get_or_init_stress"),
];

/// Suites run optimized (`cargo test --release`), with why: their tests
/// are right in a debug build too, only too slow for xous-run's timeout
/// there. The log says so.
const RELEASE: &[(&str, &str)] = &[
    (
        "fastrand",
        "four float tests loop 100,000,000 times each: in a debug build with soft float (rv32imac has no FPU) \
         the program outlived xous-run's timeout of 300 s",
    ),
    (
        "parking_lot",
        "condvar::webkit_queue_test::ten_producers_ten_consumers_one_slot passes 500,000 messages between 20 \
         threads through a queue of one slot: in a debug build on one emulated core it took 354 s alone, more \
         than xous-run's timeout of 300 s, and held the tests after it",
    ),
];

/// The log line that records a suite run optimized.
const RELEASE_LINE: &str = "x ecosystem: run with --release: ";

/// The log line that records a skipped test.
const SKIP_LINE: &str = "x ecosystem: skipped (cannot finish in a run here): ";

/// Guest RAM for test programs: ordinary suites expect a host's memory
/// (bytes ran out in xous-run's default 32 MiB).
const MEMORY: &str = "256M";
/// A test program that runs longer than this is stopped (xous-run exit 124).
const TIMEOUT_SECONDS: &str = "300";

/// What one crate's suite did.
struct Outcome {
    krate: &'static str,
    version: &'static str,
    passed: usize,
    ignored: usize,
    /// (test or program, reason).
    failures: Vec<(String, String)>,
    /// Set when the tests did not build.
    build_error: Option<String>,
    seconds: f64,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.build_error.is_none() && self.failures.is_empty()
    }
}

fn cache_dir() -> Result<PathBuf, String> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").ok_or("$HOME is not set")?).join(".cache"),
    };
    Ok(base.join("xous/ecosystem"))
}

/// `./x ecosystem [CRATE...]`.
pub fn command(project: &Project, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--builds") {
        if args.len() > 1 {
            return Err("--builds takes no crate names: it builds every crate of xtask/src/top_crates.rs".to_string());
        }
        runner::install(project)?;
        return crate::top_crates::command(project, &cache_dir()?);
    }
    if args.iter().any(|a| a == "--host") {
        if args.len() > 1 {
            return Err("--host takes no crate names: it builds test-apps' mio, tokio and smol programs for the host".to_string());
        }
        return crate::async_net::all_on_host(project);
    }
    if let Some(unknown) = args.iter().find(|a| !SUITES.iter().any(|s| s.krate == a.as_str())) {
        let names: Vec<&str> = SUITES.iter().map(|s| s.krate).collect();
        return Err(format!("no suite `{unknown}`; there are: {}", names.join(" ")));
    }
    let runner = runner::install(project)?;
    let cache = cache_dir()?;
    write_runner_config(&cache, &runner.xous_run)?;
    let mut outcomes = Vec::new();
    for suite in SUITES.iter().filter(|s| args.is_empty() || args.iter().any(|a| a == s.krate)) {
        eprintln!("x ecosystem: {} {} ...", suite.krate, suite.version);
        let outcome = run_suite(project, &cache, suite)?;
        println!(
            "ecosystem {} {}: {} ({} passed, {} failed, {} ignored, {:.0} s)",
            outcome.krate,
            outcome.version,
            if outcome.ok() { "ok" } else if outcome.build_error.is_some() { "BUILD FAILED" } else { "FAILED" },
            outcome.passed,
            outcome.failures.len(),
            outcome.ignored,
            outcome.seconds
        );
        outcomes.push(outcome);
    }
    let crates_ok = outcomes.iter().filter(|o| o.ok()).count();
    let (passed, failed): (usize, usize) =
        outcomes.iter().fold((0, 0), |(p, f), o| (p + o.passed, f + o.failures.len()));
    println!("ecosystem: {crates_ok} of {} crates pass; {passed} tests passed, {failed} failed", outcomes.len());
    // Every suite's last run, this one's or an earlier one's, from its log.
    let all: Vec<Outcome> = SUITES
        .iter()
        .filter_map(|s| std::fs::read_to_string(log_path(&cache, s)).ok().map(|text| outcome_of(s, &text)))
        .collect();
    write_results(project, &all)
}

/// `.cargo/config.toml` above the crates: target, runner and one target
/// directory for all (dependencies built once), so their own files stay as
/// published. The runner mirrors the crate's directory onto the guest's
/// disk (`--mirror-cwd`): suites read their own files, as on a host.
fn write_runner_config(cache: &Path, xous_run: &Path) -> Result<(), String> {
    let dir = cache.join(".cargo");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let config = format!(
        "# Written by ./x ecosystem: every crate below runs its tests on the target.\n\
         [build]\ntarget = \"{XOUS_TARGET}\"\ntarget-dir = {:?}\n\n\
         [target.{XOUS_TARGET}]\nrunner = [{:?}, \"--memory\", \"{MEMORY}\", \"--timeout\", \"{TIMEOUT_SECONDS}\", \"--mirror-cwd\"]\n",
        cache.join("target").display().to_string(),
        xous_run.display().to_string()
    );
    std::fs::write(dir.join("config.toml"), config).map_err(|e| format!("cannot write the runner config: {e}"))
}

/// The crate's published source at its pinned version, fetched by cargo
/// through a scratch package and copied out of cargo's registry cache.
fn fetch(project: &Project, cache: &Path, suite: &Suite) -> Result<PathBuf, String> {
    let dest = cache.join(format!("{}-{}", suite.krate, suite.version));
    if dest.join("Cargo.toml.orig").is_file() {
        return Ok(dest);
    }
    let scratch = cache.join("fetch");
    std::fs::create_dir_all(scratch.join("src")).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let manifest = format!(
        "[package]\nname = \"fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n{} = \"={}\"\n\n[workspace]\n",
        suite.krate, suite.version
    );
    std::fs::write(scratch.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(scratch.join("src/lib.rs"), "").map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(scratch.join("Cargo.lock"));
    let meta = Command::new(project.toolchain.join("bin/cargo"))
        .current_dir(&scratch)
        .args(["metadata", "--format-version", "1"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !meta.status.success() {
        return Err(format!("cannot fetch {} {}: {}", suite.krate, suite.version, String::from_utf8_lossy(&meta.stderr)));
    }
    let text = String::from_utf8_lossy(&meta.stdout);
    let wanted = format!("/{}-{}/Cargo.toml\"", suite.krate, suite.version);
    let manifest_path = text
        .split("\"manifest_path\":\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap_or(0)])
        .find(|path| format!("{path}\"").ends_with(&wanted[..]))
        .ok_or_else(|| format!("cargo metadata does not list {} {}", suite.krate, suite.version))?;
    let source = Path::new(manifest_path).parent().expect("a manifest has a directory");
    let staging = cache.join(format!(".{}-{}.staging", suite.krate, suite.version));
    let _ = std::fs::remove_dir_all(&staging);
    run(Command::new("cp").arg("-r").arg(source).arg(&staging))?;
    std::fs::rename(&staging, &dest).map_err(|e| format!("cannot make {}: {e}", dest.display()))?;
    Ok(dest)
}

fn log_path(cache: &Path, suite: &Suite) -> PathBuf {
    cache.join(format!("{}-{}.log", suite.krate, suite.version))
}

/// The last line of a log: how `cargo test` ended and how long the suite took.
const END_LINE: &str = "x ecosystem: cargo test ended: ";

fn run_suite(project: &Project, cache: &Path, suite: &Suite) -> Result<Outcome, String> {
    let start = Instant::now();
    let dir = fetch(project, cache, suite)?;
    let skipped: Vec<&str> = SKIPPED.iter().filter(|(k, _)| *k == suite.krate).map(|(_, test)| *test).collect();
    let mut cargo = project.cargo();
    cargo.current_dir(&dir).args(["test", "--tests", "--no-fail-fast", "--target", XOUS_TARGET]);
    let release = RELEASE.iter().find(|(k, _)| *k == suite.krate).map(|(_, why)| *why);
    if release.is_some() {
        cargo.arg("--release");
    }
    if !skipped.is_empty() {
        cargo.arg("--");
        for test in &skipped {
            cargo.args(["--skip", test]);
        }
    }
    let out = cargo.output().map_err(|e| format!("cannot run cargo test: {e}"))?;
    let text = format!(
        "{}{}{}\n{}\n{END_LINE}{} in {:.0} s\n",
        release.map(|why| format!("{RELEASE_LINE}{why}\n")).unwrap_or_default(),
        skipped.iter().map(|test| format!("{SKIP_LINE}{test}\n")).collect::<String>(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        if out.status.success() { "success".to_string() } else { out.status.to_string() },
        start.elapsed().as_secs_f64()
    );
    let path = log_path(cache, suite);
    std::fs::write(&path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(outcome_of(suite, &text))
}

/// A suite's outcome, read from its log (so a later run of some crates
/// rewrites the results with the others' last runs).
fn outcome_of(suite: &Suite, text: &str) -> Outcome {
    let mut outcome = parse(suite, text);
    // A log written before the end line existed says neither.
    let end = text.lines().rev().find_map(|l| l.strip_prefix(END_LINE)).unwrap_or("success in ? s");
    let (status, seconds) = end.rsplit_once(" in ").unwrap_or((end, "?"));
    outcome.seconds = seconds.trim_end_matches(" s").parse().unwrap_or(f64::NAN);
    if status != "success" && outcome.failures.is_empty() && outcome.build_error.is_none() {
        outcome.build_error = Some(first_error(text).unwrap_or_else(|| format!("cargo test failed ({status})")));
    }
    for failure in &mut outcome.failures {
        if let Some((_, _, why)) = KNOWN.iter().find(|(k, pattern, _)| *k == suite.krate && failure.0.contains(pattern)) {
            failure.1 = format!("{why} (seen: {})", failure.1);
        }
    }
    if let Some(error) = &mut outcome.build_error {
        if let Some((_, _, why)) = KNOWN.iter().find(|(k, pattern, _)| *k == suite.krate && error.contains(pattern)) {
            *error = format!("{why} (seen: {error})");
        }
    }
    outcome
}

/// The first `error...` line of a build and the one after it.
fn first_error(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("error"))?;
    Some(lines[at..(at + 2).min(lines.len())].join(" ").replace('`', "'"))
}

/// Reads `cargo test` output: every program's summary, every failed test
/// with the first line of its panic, and programs that ended without one.
fn parse(suite: &Suite, text: &str) -> Outcome {
    let mut outcome = Outcome {
        krate: suite.krate,
        version: suite.version,
        passed: 0,
        ignored: 0,
        failures: Vec::new(),
        build_error: None,
        seconds: 0.0,
    };
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let words: Vec<&str> = part.split_whitespace().collect();
                let count = |name: &str| words.windows(2).find(|w| w[1] == name).and_then(|w| w[0].parse::<usize>().ok());
                if let Some(n) = count("passed") {
                    outcome.passed += n;
                }
                if let Some(n) = count("ignored") {
                    outcome.ignored += n;
                }
            }
        } else if let Some(name) = line.strip_prefix(SKIP_LINE) {
            outcome.failures.push((name.to_string(), "skipped: cannot finish in a run here".to_string()));
        } else if let Some(name) = line.strip_prefix("test ").and_then(|l| l.strip_suffix(" ... FAILED")) {
            let marker = format!("---- {name} stdout ----");
            let why = lines
                .iter()
                .skip_while(|l| **l != marker)
                .skip(1)
                .take_while(|l| !l.starts_with("---- ") && **l != "failures:")
                .skip_while(|l| !l.contains("panicked at"))
                .nth(1)
                .map(|l| l.trim().to_string())
                .unwrap_or_else(|| "failed (no panic message)".to_string());
            outcome.failures.push((name.to_string(), why));
        } else if line.contains("process didn't exit successfully") && line.contains("build-script-build") {
            let script = lines[..i].iter().rev().find(|l| l.starts_with("error: failed to run custom build command"));
            outcome.build_error = Some(script.unwrap_or(line).replace('`', "'"));
        } else if line.contains("process didn't exit successfully") {
            let ran_summary = lines[..i].iter().rev().take_while(|l| !l.trim_start().starts_with("Running")).any(|l| l.starts_with("test result: "));
            if !ran_summary {
                let program = lines[..i].iter().rev().find_map(|l| l.trim_start().strip_prefix("Running ")).unwrap_or("a test program");
                let status = line.rsplit_once('(').map_or(line.to_string(), |(_, s)| s.trim_end_matches(')').to_string());
                let what = match status.as_str() {
                    s if s.contains("124") => "stopped by xous-run's timeout".to_string(),
                    s if s.contains("125") => "the kernel or a service crashed".to_string(),
                    s => format!("ended without a summary ({s})"),
                };
                outcome.failures.push((program.split_whitespace().next().unwrap_or(program).to_string(), what));
            }
        }
    }
    if outcome.build_error.is_none() && lines.iter().any(|l| l.starts_with("error: could not compile")) {
        outcome.build_error = first_error(text);
    }
    outcome
}

const BEGIN: &str = "<!-- ecosystem results: written by ./x ecosystem -->";
const END: &str = "<!-- end of ecosystem results -->";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_without_a_log_keeps_its_rows_from_the_document() {
        let old = "intro\n\n| crate | version |\n|---|---|\n| itoa | 1.0.19 | passes | 11 |\n| hex | 0.4.3 | fails | 14 |\n\n\
                   Every failure:\n\n- **hex** `a`: why\n- **hex 0.4.3** does not build: x\n- **hexagon** `b`: other\n";
        let (row, bullets) = old_lines_of(old, "hex").unwrap();
        assert_eq!(row, "| hex | 0.4.3 | fails | 14 |");
        assert_eq!(bullets, ["- **hex** `a`: why", "- **hex 0.4.3** does not build: x"]);
        assert_eq!(old_lines_of(old, "itoa").unwrap().1.len(), 0);
        assert!(old_lines_of(old, "rand").is_none());
    }

    #[test]
    fn a_log_is_read_into_passes_failures_and_reasons() {
        let suite = Suite { krate: "demo", version: "1.0.0" };
        let log = "     Running unittests src/lib.rs (target/x/demo-1)\n\
                   test a ... ok\ntest b ... FAILED\n\nfailures:\n\n---- b stdout ----\n\n\
                   thread 'b' panicked at src/lib.rs:3:5:\nno file here\n\nfailures:\n    b\n\n\
                   test result: FAILED. 1 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out\n\
                   \x20    Running tests/t.rs (target/x/t-2)\n\
                   error: test failed, to rerun pass `--test t`\n\
                   Caused by:\n  process didn't exit successfully: `xous-run t-2` (exit status: 124)\n\
                   x ecosystem: cargo test ended: exit status: 101 in 12 s\n";
        let outcome = outcome_of(&suite, log);
        assert_eq!((outcome.passed, outcome.ignored, outcome.seconds), (1, 2, 12.0));
        assert_eq!(outcome.failures[0], ("b".to_string(), "no file here".to_string()));
        assert_eq!(outcome.failures[1].1, "stopped by xous-run's timeout");
        assert!(outcome.build_error.is_none());
        let script = outcome_of(
            &suite,
            "error: failed to run custom build command for `psm v0.1.32`\n\nCaused by:\n  \
             process didn't exit successfully: `target/debug/build/psm-1/build-script-build` (exit status: 1)\n",
        );
        assert!(script.failures.is_empty() && script.build_error.unwrap().contains("psm"));
        let skipped = outcome_of(&suite, &format!("{SKIP_LINE}m::t\ntest result: ok. 3 passed; 0 failed; 0 ignored\n"));
        assert_eq!((skipped.passed, skipped.failures[0].0.as_str()), (3, "m::t"));
        let broken = outcome_of(&suite, "error[E0463]: can't find crate\nmore\nx ecosystem: cargo test ended: exit status: 101 in 3 s\n");
        assert!(broken.build_error.unwrap().contains("E0463"));
    }
}

/// A crate's table row and failure lines in the results part `old` of the
/// document, if it has a row.
fn old_lines_of<'a>(old: &'a str, krate: &str) -> Option<(&'a str, Vec<&'a str>)> {
    let row = old.lines().find(|l| l.starts_with(&format!("| {krate} |")))?;
    let bullets = old
        .lines()
        .filter(|l| l.starts_with(&format!("- **{krate}** ")) || l.starts_with(&format!("- **{krate} ")))
        .collect();
    Some((row, bullets))
}

fn write_results(project: &Project, outcomes: &[Outcome]) -> Result<(), String> {
    let path = project.root.join("docs/ecosystem.md");
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (Some(begin), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        return Err(format!("{} lacks the result markers", path.display()));
    };
    // A suite with no log here (a fresh machine, another cache) keeps the
    // row and reasons the document has for it, and says so.
    let old = &doc[begin..end];
    let mut kept = Vec::new();
    for suite in SUITES {
        if !outcomes.iter().any(|o| o.krate == suite.krate) {
            if let Some(lines) = old_lines_of(old, suite.krate) {
                kept.push((suite.krate, lines));
            }
        }
    }
    let kept_note = if kept.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = kept.iter().map(|(k, _)| *k).collect();
        format!(" The rows of {} are kept from an earlier run whose log is not on the machine that wrote this table.", names.join(", "))
    };
    let mut table = format!(
        "{BEGIN}\n\n{} of the {} suites in `xtask/src/ecosystem.rs` have run; their last runs with {}; xous-run with `--memory {MEMORY} --timeout {TIMEOUT_SECONDS} --mirror-cwd`; `cargo test --tests` (unit and integration tests, no doctests). `passed` counts the tests of the programs that finished; a program that hung or crashed counts as one failure.{kept_note}\n\n\
         | crate | version | result | passed | failed | ignored | time |\n|---|---|---|---|---|---|---|\n",
        outcomes.len() + kept.len(),
        SUITES.len(),
        project.rust_version()?
    );
    let ran = |krate: &str| outcomes.iter().find(|o| o.krate == krate);
    let kept_of = |krate: &str| kept.iter().find(|(k, _)| *k == krate).map(|(_, lines)| lines);
    for suite in SUITES {
        if let Some((row, _)) = kept_of(suite.krate) {
            table.push_str(row);
            table.push('\n');
            continue;
        }
        let Some(o) = ran(suite.krate) else { continue };
        let result = if o.ok() { "passes" } else if o.build_error.is_some() { "does not build" } else { "fails" };
        let result = if RELEASE.iter().any(|(k, _)| *k == o.krate) { format!("{result} (optimized)") } else { result.to_string() };
        table.push_str(&format!(
            "| {} | {} | {result} | {} | {} | {} | {} |\n",
            o.krate,
            o.version,
            o.passed,
            o.failures.len(),
            o.ignored,
            if o.seconds.is_nan() { "?".to_string() } else { format!("{:.0} s", o.seconds) }
        ));
    }
    table.push_str("\nEvery failure, with its reason:\n\n");
    for suite in SUITES {
        if let Some((_, bullets)) = kept_of(suite.krate) {
            for bullet in bullets {
                table.push_str(bullet);
                table.push('\n');
            }
            continue;
        }
        let Some(o) = ran(suite.krate).filter(|o| !o.ok()) else { continue };
        if let Some(error) = &o.build_error {
            table.push_str(&format!("- **{} {}** does not build: {}\n", o.krate, o.version, error.replace('|', "\\|")));
        }
        for (test, why) in &o.failures {
            table.push_str(&format!("- **{}** `{test}`: {}\n", o.krate, why.replace('|', "\\|")));
        }
    }
    let optimized: Vec<String> = RELEASE
        .iter()
        .filter(|(k, _)| outcomes.iter().any(|o| o.krate == *k))
        .map(|(k, why)| format!("- **{k}** runs with `cargo test --release`: {why}\n"))
        .collect();
    if !optimized.is_empty() {
        table.push_str("\nSuites run optimized, and why:\n\n");
        table.push_str(&optimized.concat());
    }
    let new = format!("{}{table}\n{}", &doc[..begin], &doc[end..]);
    std::fs::write(&path, new).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// test-apps/ecosystem-small: built as a user builds (its own workspace),
/// booted twice: every check passes and the random bytes differ.
pub fn small_crates(project: &Project) -> Result<Passed, Failed> {
    let dir = project.root.join("test-apps/ecosystem-small");
    let target_dir = project.root.join("test-apps/target/ecosystem-small");
    let out = project
        .cargo()
        .current_dir(&dir)
        .args(["build", "--release", "--locked", "--target-dir"])
        .arg(&target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("test-apps/ecosystem-small does not build:\n{stderr}").into());
    }
    if let Some(line) = stderr.lines().find(|l| l.contains("warning")) {
        return Err(format!("the build warns: {line}").into());
    }
    let armed = armed_sources(&target_dir.join(XOUS_TARGET).join("release/deps"))?;
    if armed.len() < 8 {
        return Err(format!("only {} crates were built from armed copies: {armed:?}", armed.len()).into());
    }
    if !armed.iter().any(|a| a.starts_with("parking_lot_core-")) {
        return Err(format!("parking_lot_core was not built from an armed copy (its parker): {armed:?}").into());
    }
    let program = target_dir.join(XOUS_TARGET).join("release/ecosystem-small");
    let runner = runner::install(project)?;
    let mut fingerprints = Vec::new();
    let mut checks = 0;
    for _ in 0..2 {
        let out = Command::new(&runner.xous_run)
            .args(["--timeout", "60"])
            .arg(&program)
            .output()
            .map_err(|e| format!("cannot run xous-run: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(0) || !stdout.contains("ecosystem-small: all checks passed") {
            return Err(format!("exit {:?}\n{stdout}{}", out.status.code(), String::from_utf8_lossy(&out.stderr)).into());
        }
        checks = stdout.lines().filter(|l| l.starts_with("ecosystem-small: ok: ")).count();
        fingerprints.extend(stdout.lines().find_map(|l| l.strip_prefix("ecosystem-small: fingerprint ")).map(str::to_string));
    }
    if fingerprints.len() != 2 || fingerprints[0] == fingerprints[1] {
        return Err(format!("the random bytes of two boots must differ: {fingerprints:?}").into());
    }
    Ok(Passed { note: format!("{checks} checks; fingerprints {} and {}", fingerprints[0], fingerprints[1]), tests: checks })
}

/// The same crates built for the host with the xous toolchain: no arm is
/// applied (no armed copy among the sources rustc read).
pub fn small_crates_host(project: &Project) -> Result<Passed, Failed> {
    let dir = project.root.join("test-apps/ecosystem-small");
    let target_dir = project.root.join("test-apps/target").join(crate::test_app::HOST_DIR);
    run(project
        .cargo()
        .current_dir(&dir)
        .args(["build", "--locked", "--quiet", "--target", HOST_TARGET, "--target-dir"])
        .arg(&target_dir))?;
    let armed = armed_sources(&target_dir.join(HOST_TARGET).join("debug/deps"))?;
    match armed.is_empty() {
        true => Ok(Passed::from("no crate built from an armed copy".to_string())),
        false => Err(format!("host builds used armed copies: {}", armed.join(", ")).into()),
    }
}
