//! The target half of `./x fuzz`, and its short slice in `./x test`: boots
//! of the hostile process (kernel/target-tests/src/bin/hostile) beside the
//! innocent program (test-apps/innocent), the boot's main program.
//!
//! A fuzz boot: the hostile process makes random syscalls and garbage
//! requests to every service from many threads for a while; the innocent
//! one keeps using files, sleep, clocks, locks, threads and stdout and
//! checks every result. An exhaustion boot: the hostile process takes all
//! it can of every resource and holds it while the innocent one works (with
//! the network service and sockets too). A boot passes when xous-run exits
//! 0 (so neither the kernel nor a service crashed, 125, nor did anything
//! hang, 124), the innocent program passed every check, the hostile
//! process finished and found nothing wrong (no page of its own changed
//! behind its back, no certain answer was wrong or missing), every service
//! still answers, and no process but the hostile's (and its children) was
//! ended by the kernel. No packet leaves the machine: fuzz boots have no
//! network service, and every boot's network is isolated (xous-run
//! --isolated). The seed is in the hostile process's name, so a failing
//! boot reproduces with the command printed.

use crate::checks::{Failed, Passed};
use crate::project::Project;
use crate::runner;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A default `./x fuzz` makes at least this many hostile syscalls.
const DEFAULT_CALLS: u64 = 10_000_000;
/// Seconds of one fuzz boot in `./x fuzz` (then another, with another seed).
const DEFAULT_SECONDS: u64 = 150;
/// Hostile worker threads (besides its supervisor and four answerers).
const WORKERS: usize = 16;
/// What `./x test` runs: fixed seeds, so its slice is the same every time.
const CHECK_SEED: u64 = 0x5eed_0ba1;
const CHECK_FUZZ_SECONDS: u64 = 20;
const CHECK_HOLD_SECONDS: u64 = 8;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Fuzz,
    /// Exhaustion, with the network service (sockets) or without.
    Exhaust { net: bool },
}

struct Boot {
    mode: Mode,
    seed: u64,
    /// Fuzzing time, or how long everything is held.
    seconds: u64,
    /// With 16 MiB of RAM and a swap disk of this size: the hostile's and
    /// the innocent's pages go out and come back while it runs.
    swap: Option<&'static str>,
}

/// What a boot that passed reports.
#[derive(Debug)]
struct Report {
    calls: u64,
    seconds: f64,
    /// The innocent's closing line.
    innocent: String,
    /// The hostile's account of its workers (stuck, replaced, children made).
    workers: String,
    /// Exhaustion: what was taken (the hostile's `took` lines).
    taken: Vec<String>,
    /// Processes of the hostile's the kernel ended (children running garbage).
    children_ended: usize,
    /// The kernel's swap counts from its closing line (empty without swap).
    swap: String,
}

/// The xous-run command line of a boot, for the record and to reproduce it.
fn command_line(hostile: &str, rest: &[String]) -> String {
    let mut words = vec!["xous-run".to_string()];
    words.extend(rest.iter().cloned());
    words.join(" ").replace(hostile, "$HOSTILE")
}

fn run_boot(project: &Project, boot: &Boot) -> Result<Report, String> {
    let hostile = project.build_target_tests()?.join("hostile");
    let innocent = project.build_test_app("innocent")?;
    let runner = runner::install(project)?;
    let (mode, without_net, memory, innocent_seconds) = match boot.mode {
        Mode::Fuzz => ("fuzz", true, "32M", boot.seconds),
        // The takes come first (a few seconds), then the hold: the innocent
        // works through all of it.
        Mode::Exhaust { net: false } => ("exhaust", true, "32M", boot.seconds + 12),
        Mode::Exhaust { net: true } => ("exhaust", false, "64M", boot.seconds + 12),
    };
    // One image per boot: QEMU locks it, so two boots at once (a `./x fuzz`
    // beside a `./x test`, or two of `./x test`'s checks side by side, all
    // with the same seed) must not share one.
    static BOOTS: AtomicU32 = AtomicU32::new(0);
    let disk = project.root.join(format!("target/test/fuzz-disk-{}-{}.img", std::process::id(), BOOTS.fetch_add(1, Relaxed)));
    std::fs::create_dir_all(disk.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    // A fresh blank disk (all zeros: formatted by the filesystem at boot).
    let file = std::fs::File::create(&disk).map_err(|e| format!("cannot create {}: {e}", disk.display()))?;
    file.set_len(32 << 20).map_err(|e| e.to_string())?;
    let name = format!("hostile-{mode}-{:x}-{}-{WORKERS}", boot.seed, boot.seconds);
    let mut args: Vec<String> = if without_net { vec!["--without".into(), "net".into()] } else { Vec::new() };
    args.extend([
        "--isolated".into(),
        "--timeout".into(),
        (boot.seconds + 240).to_string(),
        "--memory".into(),
        memory.into(),
        "--disk".into(),
        disk.display().to_string(),
        "--service".into(),
        format!("{name}={}", hostile.display()),
        innocent.display().to_string(),
        innocent_seconds.to_string(),
    ]);
    if boot.mode == (Mode::Exhaust { net: true }) {
        args.push("net".into());
    }
    if let Some(swap) = boot.swap {
        let at = args.iter().position(|a| a == "--memory").expect("given above") + 1;
        args[at] = "16M".into();
        args.splice(0..0, ["--swap".to_string(), swap.to_string()]);
    }
    let mut cmd = Command::new(&runner.xous_run);
    let started = Instant::now();
    let out = cmd.args(&args).output().map_err(|e| format!("cannot run xous-run: {e}"))?;
    if out.status.success() {
        let _ = std::fs::remove_file(&disk);
    }
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let again = command_line(&hostile.display().to_string(), &args);
    let failed = |why: String| {
        // The whole output is kept; the hostile's own lines about a fault
        // or a finding are shown with the ends of both streams.
        let kept = project.root.join(format!("target/test/fuzz-failed-{name}{}", if boot.swap.is_some() { "-swap" } else { "" }));
        let _ = std::fs::write(kept.with_extension("stdout"), &stdout);
        let _ = std::fs::write(kept.with_extension("stderr"), &stderr);
        let tail = |text: &str| text.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        let hostile: Vec<&str> = stdout.lines().filter(|l| l.starts_with("hostile: FAULT") || l.starts_with("hostile: worker") || l.starts_with("hostile: finding")).collect();
        format!(
            "{why} (seed {:#x}, {:.0} s)\nagain: {again}\nwhole output: {}.stdout, .stderr\n{}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
            boot.seed,
            started.elapsed().as_secs_f64(),
            kept.display(),
            hostile.join("\n"),
            tail(&stdout),
            tail(&stderr)
        )
    };
    match out.status.code() {
        Some(0) => {}
        Some(124) => return Err(failed("a hang: xous-run's timeout expired".into())),
        Some(125) => return Err(failed("the kernel or a service crashed (xous-run exited 125)".into())),
        code => return Err(failed(format!("xous-run exited {code:?}"))),
    }
    check_output(&stdout, &stderr, &name, boot.mode, boot.swap.is_some()).map_err(failed)
}

/// Checks a boot's output; what it reports, or why it failed.
fn check_output(stdout: &str, stderr: &str, name: &str, mode: Mode, swapping: bool) -> Result<Report, String> {
    let line = |prefix: &str| stdout.lines().find(|l| l.starts_with(prefix)).map(str::to_string);
    let hostile = line("hostile: mode ").ok_or("the hostile process printed no summary (it died, or never finished)")?;
    let innocent = stdout.lines().find(|l| l.starts_with("innocent: ") && l.ends_with("all checks passed")).map(str::to_string);
    let innocent = innocent.ok_or("the innocent program did not pass every check")?;
    if !stdout.contains("innocent: the hostile process finished") {
        return Err("the innocent program never saw the hostile process finish".into());
    }
    if !hostile.contains("findings: memory 0, answers 0, unanswered 0") {
        let details: Vec<&str> = stdout.lines().filter(|l| l.starts_with("hostile: finding") || l.contains("still waits")).collect();
        return Err(format!("the hostile process found something wrong: {hostile}\n{}", details.join("\n")));
    }
    let wanted = "hostile: services answer: log names ticktimer systime rng fs";
    if !stdout.lines().any(|l| l.starts_with(wanted)) {
        return Err(format!("a service stopped answering: {}", line("hostile: services answer").unwrap_or_default()));
    }
    // The kernel ends a process with a line on its channel: only the
    // hostile's own may be ended, itself or its children running garbage
    // (which it may have renamed: the kernel's line names the parent).
    let pid = hostile.split_once(", pid ").and_then(|(_, rest)| rest.split_once(',')).map(|(pid, _)| pid.to_string());
    let pid = pid.ok_or_else(|| format!("no pid in the hostile's summary: {hostile}"))?;
    let ended: Vec<&str> = stderr.lines().filter(|l| l.contains("kernel: process") && l.contains("terminated")).collect();
    let child = format!("; a child of process {pid}");
    let others: Vec<&&str> = ended.iter().filter(|l| !l.contains(&format!("({name})")) && !l.trim_end().ends_with(&child)).collect();
    if !others.is_empty() {
        return Err(format!("the kernel ended another process: {}", others.iter().map(|l| l.trim()).collect::<Vec<_>>().join("\n")));
    }
    if let Some(panic) = stderr.lines().find(|l| l.starts_with("panic: ") || l.contains("panicked at")) {
        return Err(format!("a process panicked: {panic}"));
    }
    let taken: Vec<String> = stdout.lines().filter(|l| l.starts_with("hostile: took ")).map(str::to_string).collect();
    if let Mode::Exhaust { .. } = mode {
        if let Some(quiet) = taken.iter().find(|l| l.contains("with no error")) {
            return Err(format!("a take ended without an error (so it took all there was): {quiet}"));
        }
        if taken.len() < 9 {
            return Err(format!("the hostile process took too few kinds of things: {taken:?}"));
        }
    }
    let (calls, seconds) = parse_calls(&hostile).ok_or_else(|| format!("no syscall count in {hostile:?}"))?;
    let workers = hostile.split_once("/s), ").and_then(|(_, rest)| rest.split_once(';')).map_or(String::new(), |(w, _)| w.to_string());
    let swap = stderr.lines().find_map(|l| l.split("; swap: ").nth(1)).map(|s| format!("swap: {s}")).unwrap_or_default();
    if swapping && swap.is_empty() {
        return Err("swap was not on (no swap counts in the kernel's closing line)".into());
    }
    Ok(Report { calls, seconds, innocent, workers, taken, children_ended: ended.len(), swap })
}

/// (syscalls, seconds) from `hostile: mode M, pid P, seed S, N syscalls in T s (...)`.
fn parse_calls(line: &str) -> Option<(u64, f64)> {
    let (before, after) = line.split_once(" syscalls in ")?;
    let calls = before.rsplit(' ').next()?.parse().ok()?;
    let seconds = after.split_once(" s")?.0.parse().ok()?;
    Some((calls, seconds))
}

/// `./x test`: a short fuzz boot (fixed seed).
pub fn short_fuzz(project: &Project) -> Result<Passed, Failed> {
    let report = run_boot(project, &Boot { mode: Mode::Fuzz, seed: CHECK_SEED, seconds: CHECK_FUZZ_SECONDS, swap: None })?;
    Ok(Passed::from(format!("{} hostile syscalls in {:.0} s; {}", report.calls, report.seconds, short(&report.innocent))))
}

/// `./x test`: the short fuzz boot with swap on (16 MiB of RAM, a swap disk).
pub fn short_fuzz_swap(project: &Project) -> Result<Passed, Failed> {
    let report = run_boot(project, &Boot { mode: Mode::Fuzz, seed: CHECK_SEED, seconds: CHECK_FUZZ_SECONDS, swap: Some("96M") })?;
    Ok(Passed::from(format!("{} hostile syscalls in {:.0} s with swap; {}; {}", report.calls, report.seconds, short(&report.innocent), report.swap)))
}

/// `./x test`: the short exhaustion boot with swap on: the hostile takes RAM
/// and the swap disk, and the innocent still gets memory.
pub fn short_exhaustion_swap(project: &Project) -> Result<Passed, Failed> {
    let report = run_boot(project, &Boot { mode: Mode::Exhaust { net: false }, seed: CHECK_SEED, seconds: CHECK_HOLD_SECONDS, swap: Some("16M") })?;
    Ok(Passed::from(format!("{} kinds taken to their limit and held with swap; {}; {}", report.taken.len(), short(&report.innocent), report.swap)))
}

/// `./x test`: a short exhaustion boot, with sockets (fixed seed).
pub fn short_exhaustion(project: &Project) -> Result<Passed, Failed> {
    let report = run_boot(project, &Boot { mode: Mode::Exhaust { net: true }, seed: CHECK_SEED, seconds: CHECK_HOLD_SECONDS, swap: None })?;
    Ok(Passed::from(format!("{} kinds taken to their limit and held; {}", report.taken.len(), short(&report.innocent))))
}

/// The innocent's closing line without its prefix.
fn short(innocent: &str) -> &str {
    innocent.strip_prefix("innocent: ").unwrap_or(innocent)
}

/// `./x fuzz [--calls N] [--seconds S] [--seed X] [--host-cases N] [--target-only | --host-only]`.
pub fn command(project: &Project, args: &[String]) -> Result<(), String> {
    let (mut calls, mut seconds, mut seed, mut host_cases) = (DEFAULT_CALLS, DEFAULT_SECONDS, None, crate::fuzz_host::LONG_CASES);
    let (mut host, mut target) = (true, true);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut number = |what: &str| -> Result<u64, String> {
            let text = rest.next().ok_or(format!("{what} needs a value"))?;
            let text = text.replace('_', "");
            match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).map_err(|_| format!("{what} takes a number, not `{text}`")),
                None => text.parse().map_err(|_| format!("{what} takes a number, not `{text}`")),
            }
        };
        match arg.as_str() {
            "--calls" => calls = number("--calls")?,
            "--seconds" => seconds = number("--seconds")?.max(5),
            "--seed" => seed = Some(number("--seed")?),
            "--host-cases" => host_cases = number("--host-cases")?,
            "--target-only" => host = false,
            "--host-only" => target = false,
            other => return Err(format!("unknown option `{other}`\nusage: ./x fuzz [--calls N] [--seconds S] [--seed X] [--host-cases N] [--target-only | --host-only]")),
        }
    }
    if host {
        crate::fuzz_host::command(project, &["--host-cases".to_string(), host_cases.to_string()])?;
    }
    if target {
        let seed = seed.unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64));
        println!("{}", run_target(project, calls, seconds, seed)?);
    }
    Ok(())
}

/// Fuzz boots with seeds from `seed` until `calls` hostile syscalls are
/// made, then an exhaustion boot without and one with the network service.
fn run_target(project: &Project, calls: u64, seconds: u64, seed: u64) -> Result<String, String> {
    let started = Instant::now();
    let (mut total, mut busy, mut boots, mut children) = (0u64, 0f64, 0u64, 0usize);
    while total < calls {
        let boot_seed = seed.wrapping_add(boots.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let report = run_boot(project, &Boot { mode: Mode::Fuzz, seed: boot_seed, seconds, swap: None })?;
        total += report.calls;
        busy += report.seconds;
        children += report.children_ended;
        boots += 1;
        println!(
            "fuzz boot {boots} (seed {boot_seed:#x}): {} syscalls in {:.0} s ({:.0}/s), {}; {}",
            report.calls,
            report.seconds,
            report.calls as f64 / report.seconds,
            report.workers,
            short(&report.innocent)
        );
    }
    for net in [false, true] {
        let boot_seed = seed.wrapping_add(boots.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let report = run_boot(project, &Boot { mode: Mode::Exhaust { net }, seed: boot_seed, seconds: 20, swap: None })?;
        boots += 1;
        let with = if net { "with" } else { "without" };
        println!("exhaustion boot {with} the network service (seed {boot_seed:#x}), held 20 s: {}", short(&report.innocent));
        for took in &report.taken {
            println!("  {took}");
        }
    }
    Ok(format!(
        "fuzz on the target: {total} hostile syscalls in {busy:.0} s of fuzzing ({:.0}/s), {boots} boots (seeds from {seed:#x}), {children} hostile children ended by the kernel, 0 crashes, 0 hangs, 0 failures of the innocent program; {:.0} s in all",
        total as f64 / busy,
        started.elapsed().as_secs_f64()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "hostile: mode fuzz, pid 9, seed 0x51, 525465 syscalls in 30.4 s (17292/s), 16 workers, 0 stuck for 2 s (0 replaced), 0 still waiting at the end, 1084 children made; findings: memory 0, answers 0, unanswered 0";

    fn output(hostile: &str, services: &str) -> String {
        format!(
            "innocent: working for 30 s\n{hostile}\nhostile: services answer:{services}\ninnocent: 9 rounds in 30.0 s: ...; all checks passed\ninnocent: the hostile process finished: {hostile}\n"
        )
    }

    #[test]
    fn a_good_boot_passes_and_counts_its_calls() {
        let report = check_output(&output(HOSTILE, " log names ticktimer systime rng fs"), "kernel: process 10 (hostile-fuzz-51-30-16) terminated: illegal instruction\n", "hostile-fuzz-51-30-16", Mode::Fuzz, false).unwrap();
        assert_eq!((report.calls, report.seconds, report.children_ended), (525_465, 30.4, 1));
    }

    #[test]
    fn findings_silent_services_and_other_processes_ended_fail() {
        let name = "hostile-fuzz-51-30-16";
        let finding = HOSTILE.replace("memory 0", "memory 2");
        assert!(check_output(&output(&finding, " log names ticktimer systime rng fs"), "", name, Mode::Fuzz, false).is_err());
        assert!(check_output(&output(HOSTILE, " log names ticktimer systime rng"), "", name, Mode::Fuzz, false).unwrap_err().contains("stopped answering"));
        assert!(check_output(&output(HOSTILE, " log names ticktimer systime rng fs"), "", name, Mode::Fuzz, true).unwrap_err().contains("swap was not on"));
        let swapped = check_output(&output(HOSTILE, " log names ticktimer systime rng fs"), "kernel: peak memory 1 KiB of 2 KiB; swap: 5 pages out, 4 back, 3 of zeros let go\n", name, Mode::Fuzz, true).unwrap();
        assert_eq!(swapped.swap, "swap: 5 pages out, 4 back, 3 of zeros let go");
        let ended = "kernel: process 4 (ticktimer) terminated: store page fault\n";
        assert!(check_output(&output(HOSTILE, " log names ticktimer systime rng fs"), ended, name, Mode::Fuzz, false).unwrap_err().contains("ended another process"));
        // A child the hostile renamed is still its own; another's child is not.
        let renamed = "kernel: process 11 (p\\u{1c}q) terminated: instruction page fault at pc 0x000108d6; a child of process 9\n";
        assert_eq!(check_output(&output(HOSTILE, " log names ticktimer systime rng fs"), renamed, name, Mode::Fuzz, false).unwrap().children_ended, 1);
        let anothers = "kernel: process 11 (fs) terminated: instruction page fault at pc 0x000108d6; a child of process 8\n";
        assert!(check_output(&output(HOSTILE, " log names ticktimer systime rng fs"), anothers, name, Mode::Fuzz, false).unwrap_err().contains("ended another process"));
        let no_innocent = output(HOSTILE, " log names ticktimer systime rng fs").replace("all checks passed", "FAILED");
        assert!(check_output(&no_innocent, "", name, Mode::Fuzz, false).is_err());
    }

    #[test]
    fn an_exhaustion_take_without_an_error_fails() {
        let takes: String = (0..9).map(|i| format!("hostile: took thing {i}: 5, then OutOfMemory\n")).collect();
        let good = format!("{takes}{}", output(HOSTILE, " log names ticktimer systime rng fs"));
        assert!(check_output(&good, "", "h", Mode::Exhaust { net: false }, false).is_ok());
        let bad = good.replace("thing 3: 5, then OutOfMemory", "thing 3: 5, with no error");
        assert!(check_output(&bad, "", "h", Mode::Exhaust { net: false }, false).unwrap_err().contains("without an error"));
    }
}
