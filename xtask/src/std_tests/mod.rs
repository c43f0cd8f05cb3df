//! `./x std-tests`: the standard library's own tests (core, alloc, std with
//! its integration tests, test) built for the target from the same source
//! as our std (`sysroot-builder tests`), each program booted under
//! xous-run, every test's result counted. Programs run with one test
//! thread, so a test that hangs or brings its program down is known by
//! name: it is recorded as failed and the program runs again without it.

mod known;
mod libtest;
mod report;
mod tools;

use crate::project::Project;
use crate::runner;
use libtest::{Outcome, Run};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const USAGE: &str = "\
usage: ./x std-tests [--suite core|alloc|std|test] [--filter NAME] [--pristine] [--memory SIZE] [--swap SIZE]
                     [--board baosec]
  builds the library's own tests for the target and runs them on QEMU; the
  last line is `std-tests: N passed, M failed, K skipped`. --memory gives the
  guest that RAM (default 256M), --swap a swap disk of that size (as xous-run
  takes them); a whole run with either writes docs/std-tests-<memory>.md.
  --board baosec runs them on the model of the Baochip-1x's baosec board
  instead (2 MiB of SRAM, swap to its 8 MiB PSRAM; the tools are in its
  filesystem, the RRAM's last MiB); a whole run writes docs/std-tests-baosec.md";

/// Guest RAM for a test program (the biggest are about 5 MB of code).
pub const MEMORY: &str = "256M";
/// A program that prints nothing for this long is stuck in its current test.
const STALL: Duration = Duration::from_secs(120);
/// The same for a test known to be slow (`known::Verdict::Slow`), run alone.
const SLOW_STALL: Duration = Duration::from_secs(900);
/// Tests per boot, named exactly on the command line (about 10 KB).
const BATCH: usize = 200;

/// The suites, and the library package each is built from.
pub const SUITES: [(&str, &str); 4] = [("core", "coretests"), ("alloc", "alloctests"), ("std", "std"), ("test", "test")];

#[derive(Debug)]
pub struct Options {
    pub suite: Option<String>,
    pub filter: Option<String>,
    pub pristine: bool,
    /// Guest RAM, and a swap disk (xous-run's --memory and --swap).
    pub memory: String,
    pub swap: Option<String>,
    /// Whether the tests known to take minutes run (not in `./x test`'s slice).
    pub slow: bool,
    /// A board of the Baochip-1x instead of QEMU (xous-run's --board).
    pub board: Option<String>,
}

impl Options {
    /// One suite (or all) of our std, as `./x test` runs it.
    pub fn suite(suite: Option<&str>) -> Options {
        Options { suite: suite.map(String::from), filter: None, pristine: false, memory: MEMORY.into(), swap: None, slow: true, board: None }
    }
}

pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options::suite(None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().cloned().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--suite" => {
                let suite = value()?;
                if !SUITES.iter().any(|(s, _)| *s == suite) {
                    return Err(format!("no suite `{suite}`\n{USAGE}"));
                }
                o.suite = Some(suite);
            }
            "--filter" => o.filter = Some(value()?),
            "--pristine" => o.pristine = true,
            "--memory" => o.memory = value()?,
            "--swap" => o.swap = Some(value()?),
            "--board" => match value()?.as_str() {
                "baosec" => o.board = Some("baosec".into()),
                other => return Err(format!("--board {other}: only baosec (the std tests do not fit the dabao's 2 MiB without swap)\n{USAGE}")),
            },
            _ => return Err(format!("unknown argument `{arg}`\n{USAGE}")),
        }
    }
    if o.board.is_some() && (o.memory != MEMORY || o.swap.is_some()) {
        return Err(format!("--board baosec has its own memory and swap: no --memory, no --swap\n{USAGE}"));
    }
    Ok(o)
}

/// One test's result, with the suite and program it belongs to.
pub struct TestResult {
    pub suite: &'static str,
    pub program: String,
    pub name: String,
    pub outcome: Outcome,
}

/// The counts of a set of results: (passed, failed, skipped).
pub fn tally<'a>(results: impl Iterator<Item = &'a TestResult>) -> (usize, usize, usize) {
    results.fold((0, 0, 0), |(p, f, s), r| match r.outcome {
        Outcome::Passed => (p + 1, f, s),
        Outcome::Failed(_) => (p, f + 1, s),
        Outcome::Ignored(_) => (p, f, s + 1),
    })
}

/// `./x std-tests`: prints the per-program and per-suite counts and the
/// closing line; fails if a test failed that `known` does not explain.
pub fn run(project: &Project, options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let (results, peak) = run_suites(project, options)?;
    let unexplained = report::print(&results, options.pristine, options.board.is_some());
    if options.filter.is_none() && options.suite.is_none() {
        let path = report::write(project, options, &results, &peak, started.elapsed())?;
        eprintln!("std-tests: results written to {}", path.display());
    }
    let (passed, failed, skipped) = tally(results.iter());
    println!("std-tests: {passed} passed, {failed} failed, {skipped} skipped");
    match unexplained {
        0 => Ok(()),
        n => Err(format!("{n} failed tests have no written reason (xtask/src/std_tests/known.rs)")),
    }
}

/// For `./x test`: one suite of our std, on QEMU; the number of tests
/// passed, or the failures nobody explained.
pub fn check_suite(project: &Project, suite: &str) -> Result<(usize, String), (usize, String)> {
    // The slice leaves the tests that take minutes to `./x std-tests`.
    let options = Options { slow: false, ..Options::suite(Some(suite)) };
    let (results, _) = run_suites(project, &options).map_err(|e| (1, e))?;
    let (passed, failed, skipped) = tally(results.iter());
    let unexplained: Vec<String> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(panic) if known::failure_reason(r.suite, &r.program, &r.name, false, options.board.is_some(), panic).is_none() => {
                Some(format!("{} {}: {} -- {panic}", r.suite, r.program, r.name))
            }
            _ => None,
        })
        .collect();
    let summary = format!("{passed} passed, {failed} failed (each with its reason in std_tests/known.rs), {skipped} skipped");
    match unexplained.len() {
        0 => Ok((passed, summary)),
        n => Err((n, format!("{summary}; failures without a written reason:\n{}", unexplained.join("\n")))),
    }
}

/// The most memory the kernel saw in use while one program ran.
#[derive(Default)]
pub struct Peak {
    pub kib: usize,
    pub program: String,
}

/// Builds and runs the chosen suites; every test's result, and the peak.
pub fn run_suites(project: &Project, options: &Options) -> Result<(Vec<TestResult>, Peak), String> {
    let suites: Vec<(&'static str, &'static str)> =
        SUITES.iter().copied().filter(|(s, _)| options.suite.as_deref().map_or(true, |c| c == *s)).collect();
    let (programs, uncompiled) = build(project, &suites, options.pristine)?;
    // A bundle given in $XOUS_RUNNER_HOME is used as it is (xous-run reads
    // it); otherwise the kernel and services of this tree are installed.
    let xous_run = match (std::env::var_os("XOUS_RUNNER_HOME"), &options.board) {
        (Some(_), _) => PathBuf::from("xous-run"),
        (None, Some(_)) => runner::install_baosec(project)?.xous_run,
        (None, None) => runner::install(project)?.xous_run,
    };
    let disk = tools::disk(project, options.board.is_some())?;
    let boot = tools::Boot { xous_run: &xous_run, disk: &disk, memory: &options.memory, swap: options.swap.as_deref(), board: options.board.as_deref() };
    let mut results: Vec<TestResult> = uncompiled
        .into_iter()
        .map(|(suite, name)| TestResult {
            suite,
            program: name.clone(),
            name: format!("{name} (did not compile)"),
            outcome: Outcome::Failed("the test program does not compile for this target; its tests cannot run \
                (the builder's log in ~/.cache/xous/std-tests/ has the errors)".into()),
        })
        .collect();
    let mut most = Peak::default();
    for (suite, program) in programs {
        let start = Instant::now();
        let (found, peak) = run_program(&boot, suite, &program, options);
        if peak > most.kib {
            most = Peak { kib: peak, program: program_name(&program) };
        }
        let mine: Vec<&TestResult> = found.iter().collect();
        let (p, f, s) = tally(mine.into_iter());
        eprintln!(
            "std-tests: {suite} {}: {p} passed, {f} failed, {s} skipped ({:.1} s)",
            program_name(&program),
            start.elapsed().as_secs_f64()
        );
        results.extend(found);
    }
    let ram = options.board.as_ref().map_or(options.memory.as_str(), |_| "2M");
    eprintln!("std-tests: peak memory in use {} KiB of {ram} (while `{}` ran)", most.kib, most.program);
    let _ = std::fs::remove_file(&disk);
    Ok((results, most))
}

/// (suite, program path) of each test program built, and (suite, target
/// name) of each that did not compile.
type Built = (Vec<(&'static str, PathBuf)>, Vec<(&'static str, String)>);

/// Has the builder build the suites' test programs.
fn build(project: &Project, suites: &[(&'static str, &'static str)], pristine: bool) -> Result<Built, String> {
    // The packages of the suites asked for (`./x test`'s slice: std alone,
    // a third of the time of all four on a fresh machine); the builder keeps
    // a work directory per set, since cargo unifies features over the
    // packages it builds.
    let mut cmd = crate::project::yielding(&project.builder);
    cmd.arg("tests");
    if suites.len() < SUITES.len() {
        cmd.args(suites.iter().map(|(_, package)| *package));
    }
    if pristine {
        cmd.arg("--pristine");
    }
    eprintln!("std-tests: building the test programs ({})", suites.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", "));
    let out = cmd.stderr(Stdio::inherit()).output().map_err(|e| format!("cannot run {}: {e}", project.builder.display()))?;
    if !out.status.success() {
        return Err(format!("building the library's tests failed ({})", out.status));
    }
    let (mut programs, mut uncompiled) = (Vec::new(), Vec::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [package, kind, name, path] = fields[..] else { continue };
        let Some((suite, _)) = suites.iter().find(|(_, p)| *p == package) else { continue };
        match kind {
            // Benchmarks are not part of the suites (libtest would run each once).
            "bench" => {}
            "uncompiled" => uncompiled.push((*suite, name.to_string())),
            _ => programs.push((*suite, PathBuf::from(path))),
        }
    }
    if programs.is_empty() {
        return Err("the builder listed no test programs".into());
    }
    Ok((programs, uncompiled))
}

/// `std-<hash>` -> `std`.
fn program_name(path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    file.rsplit_once('-').map_or(file.clone(), |(name, _)| name.to_string())
}

/// Runs every test of one program: lists them, then runs them in batches
/// (exact names); a test that hangs or takes the program down is recorded
/// as failed, and the batch goes on from the test after it.
fn run_program(boot: &tools::Boot, suite: &'static str, program: &Path, options: &Options) -> (Vec<TestResult>, usize) {
    let mut peak = 0;
    let results = run_program_tests(boot, suite, program, options, &mut peak);
    (results, peak)
}

fn run_program_tests(boot: &tools::Boot, suite: &'static str, program: &Path, options: &Options, peak: &mut usize) -> Vec<TestResult> {
    let (filter, pristine) = (options.filter.as_deref(), options.pristine);
    let name = program_name(program);
    let result = |test: &str, outcome| TestResult { suite, program: name.clone(), name: test.to_string(), outcome };
    let mut results: Vec<TestResult> = Vec::new();
    let Some(listed) = list_tests(boot, program) else {
        // Not a libtest program (or it cannot even list): judge it whole.
        let (_, ending) = run_once(boot, program, &[], STALL);
        *peak = (*peak).max(ending.peak_kib.unwrap_or(0));
        let outcome = match ending.success {
            true => Outcome::Passed,
            false => Outcome::Failed(format!("{}: {}", ending.describe(), ending.stderr_tail)),
        };
        results.push(result(&format!("{name} (whole program)"), outcome));
        return results;
    };
    // Tests with a verdict that keeps them from running, if the program has
    // them, and the slow ones, which run alone with a longer stall limit.
    let mut not_run: Vec<&str> = Vec::new();
    let mut slow: Vec<String> = Vec::new();
    if small_memory(options) {
        for (test, lead, why) in known::too_big_of_program(suite, &name, options.board.is_some()) {
            if listed.iter().any(|t| t == test) {
                not_run.push(test);
                if filter.map_or(true, |f| test.contains(f)) {
                    results.push(result(test, Outcome::Failed(format!("{lead}{why}"))));
                }
            }
        }
    }
    for (test, verdict) in known::of_program(suite, &name, pristine) {
        if not_run.contains(&test) {
            // Left out for want of memory already.
            continue;
        }
        let outcome = match verdict {
            known::Verdict::Skip(why) => Outcome::Ignored(why.into()),
            known::Verdict::FailWithoutRunning(why) => Outcome::Failed(why.into()),
            known::Verdict::Slow(why) if pristine || !options.slow || options.board.is_some() => Outcome::Failed(format!("{}{why}", known::NOT_RUN)),
            known::Verdict::Slow(_) => {
                if listed.iter().any(|t| t == test) && filter.map_or(true, |f| test.contains(f)) {
                    slow.push(test.to_string());
                }
                not_run.push(test);
                continue;
            }
            known::Verdict::Fails(_) => continue,
        };
        if !listed.iter().any(|t| t == test) {
            eprintln!("std-tests: {suite} {name}: no test `{test}`, which std_tests/known.rs names");
            continue;
        }
        not_run.push(test);
        if filter.map_or(true, |f| test.contains(f)) {
            results.push(result(test, outcome));
        }
    }
    let wanted: Vec<String> = listed
        .into_iter()
        .filter(|t| !not_run.contains(&t.as_str()) && filter.map_or(true, |f| t.contains(f)))
        .collect();
    let batches = wanted.chunks(BATCH).map(|b| (b, STALL)).chain(slow.chunks(1).map(|b| (b, SLOW_STALL)));
    for (batch, stall) in batches {
        let mut left: Vec<&String> = batch.iter().collect();
        while !left.is_empty() {
            let (run, ending) = run_once(boot, program, &left, stall);
            *peak = (*peak).max(ending.peak_kib.unwrap_or(0));
            let unfinished = run.unfinished.clone();
            for (test, outcome) in run.results {
                if left.contains(&&test) {
                    results.push(result(&test, outcome));
                }
            }
            match unfinished {
                Some(test) if !run.completed => {
                    let why = match ending.stalled {
                        true => format!("hung: no output for {} s", stall.as_secs()),
                        false => format!("took the program down: {}: {}", ending.describe(), ending.stderr_tail),
                    };
                    eprintln!("std-tests: {suite} {name}: {test}: {why}");
                    results.push(result(&test, Outcome::Failed(why)));
                }
                _ if !run.completed || !ending.success && !left.iter().any(|t| done(&results, t)) => {
                    // Died outside any test: the batch's remaining tests cannot run.
                    let why = format!("the program ended ({}) before running it: {}", ending.describe(), ending.stderr_tail);
                    let missing: Vec<&String> = left.iter().copied().filter(|t| !done(&results, t)).collect();
                    for test in missing {
                        results.push(result(test, Outcome::Failed(why.clone())));
                    }
                }
                _ => {}
            }
            let before = left.len();
            left.retain(|t| !done(&results, t));
            if left.len() == before {
                for test in &left {
                    results.push(result(test, Outcome::Failed("the program never reported it".into())));
                }
                break;
            }
        }
    }
    results
}

/// Whether the run has less RAM than known::SMALL_MEMORY_MIB: a board of
/// the chip (2 MiB), or `--memory` below it.
fn small_memory(options: &Options) -> bool {
    options.board.is_some() || mib(&options.memory).is_some_and(|m| m < known::SMALL_MEMORY_MIB)
}

/// `--memory` as xous-run takes it (`2M`, `256M`, `1G`, or bytes), in MiB.
fn mib(text: &str) -> Option<u64> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = digits.parse().ok()?;
    match unit.to_ascii_uppercase().as_str() {
        "" => Some(n >> 20),
        "K" | "KB" | "KIB" => Some(n >> 10),
        "M" | "MB" | "MIB" => Some(n),
        "G" | "GB" | "GIB" => n.checked_mul(1024),
        _ => None,
    }
}

fn done(results: &[TestResult], test: &str) -> bool {
    results.iter().any(|r| r.name == test)
}

/// The program's tests, as libtest lists them (`NAME: test` lines).
fn list_tests(boot: &tools::Boot, program: &Path) -> Option<Vec<String>> {
    let out = boot.command().args(["--timeout", "60"]).arg(program).arg("--list").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let tests: Vec<String> =
        text.lines().filter_map(|l| l.trim_end_matches('\r').strip_suffix(": test")).map(str::to_string).collect();
    text.lines().any(|l| l.contains(" tests, ") || l.contains(" test, ")).then_some(tests)
}

fn take_line(run: &mut Run, line: &str) {
    if line.starts_with("test ") {
        run.line(line);
    } else {
        run.bare_result(line);
    }
}

/// How a run ended.
struct Ending {
    success: bool,
    code: Option<i32>,
    stalled: bool,
    stderr_tail: String,
    /// The kernel's `peak memory N KiB` at shutdown.
    peak_kib: Option<usize>,
}

impl Ending {
    fn describe(&self) -> String {
        match (self.stalled, self.code) {
            (true, _) => "a stall".into(),
            (false, Some(code)) => format!("exit code {code}"),
            (false, None) => "a signal".into(),
        }
    }
}

/// One boot of `program` running exactly `tests` (all of them if none);
/// stops it if it prints nothing for `stall`.
fn run_once(boot: &tools::Boot, program: &Path, tests: &[&String], stall: Duration) -> (Run, Ending) {
    let mut cmd = boot.command();
    cmd.arg(program).args(["--test-threads", "1"]);
    if !tests.is_empty() {
        cmd.arg("--exact").args(tests);
    }
    // Its own process group, so a stall can stop xous-run and QEMU at once.
    cmd.process_group(0).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut run = Run::default();
    let Ok(mut child) = cmd.spawn() else {
        let ending = Ending { success: false, code: None, stalled: false, stderr_tail: "cannot start xous-run".into(), peak_kib: None };
        return (run, ending);
    };
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    // Bytes, not lines: libtest writes `test NAME ... ` and only ends the
    // line when the test ends, so a hung test is that unfinished line.
    let (chunks, incoming) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut stdout = stdout;
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            if chunks.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut all = String::new();
    let mut partial = String::new();
    let mut stalled = false;
    loop {
        match incoming.recv_timeout(stall) {
            Ok(chunk) => {
                partial.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = partial.find('\n') {
                    let line: String = partial.drain(..=end).collect();
                    let line = line.trim_end_matches(['\n', '\r']);
                    take_line(&mut run, line);
                    all.push_str(line);
                    all.push('\n');
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                stalled = true;
                let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if !partial.is_empty() {
        take_line(&mut run, &partial);
        all.push_str(&partial);
    }
    let status = child.wait();
    let stderr = errors.join().unwrap_or_default();
    run.add_failure_reasons(&all);
    let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let stderr_tail = tail[tail.len().saturating_sub(3)..].join(" / ");
    let code = status.as_ref().ok().and_then(|s| s.code());
    let success = !stalled && code == Some(0);
    let peak_kib = stderr.lines().find_map(|l| l.split("peak memory ").nth(1)?.split(' ').next()?.parse().ok());
    (run, Ending { success, code, stalled, stderr_tail, peak_kib })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_memory_is_below_8_mib_or_a_board() {
        let run = |memory: &str, board: Option<&str>| Options { memory: memory.into(), board: board.map(String::from), ..Options::suite(None) };
        assert!(small_memory(&run("2M", None)));
        assert!(small_memory(&run("4096K", None)));
        assert!(!small_memory(&run("8M", None)));
        assert!(!small_memory(&run("256M", None)));
        assert!(!small_memory(&run("1G", None)));
        assert!(small_memory(&run("256M", Some("baosec"))));
        assert_eq!((mib("2097152"), mib("3x")), (Some(2), None));
    }

    #[test]
    fn names_programs_without_their_hash() {
        assert_eq!(program_name(Path::new("/t/deps/std-0123abcd")), "std");
        assert_eq!(program_name(Path::new("/t/deps/sync-ffee")), "sync");
        assert_eq!(program_name(Path::new("/t/deps/env_modify-12")), "env_modify");
    }

    #[test]
    fn parses_the_options() {
        let o = parse(&["--suite".into(), "core".into(), "--filter".into(), "fmt".into(), "--pristine".into()]).unwrap();
        assert_eq!((o.suite.as_deref(), o.filter.as_deref(), o.pristine), (Some("core"), Some("fmt"), true));
        assert!(parse(&["--suite".into(), "nope".into()]).unwrap_err().contains("no suite"));
        assert!(parse(&["--what".into()]).is_err());
    }
}
