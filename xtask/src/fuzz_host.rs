//! The host half of `./x fuzz`: every fuzz target of a parser of outside
//! input (the `fuzz` test modules beside each parser, built on
//! tools/fuzz-kit), run in an optimised build that keeps overflow checks
//! and debug assertions (the build each workspace's host unit tests run in
//! too: `project::CHECKED` for the kernel and the services, `release` for
//! the host tools), with a given number of cases each, and summed up.
//! `./x test` runs a short slice of the same (`check`).

use crate::checks::{Failed, Passed};
use crate::project::{Project, HOST_TARGET};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The seed `./x test` uses, so its slice is the same every time.
const CHECK_SEED: u64 = 0x5eed_0f7e57;
/// Cases per target in `./x test`'s slice.
pub const CHECK_CASES: u64 = 10_000;

/// Where the targets are: a workspace, the crates of it to test and the
/// profile, each the build its host unit tests run in, so fuzzing builds
/// nothing of its own (the host tools' parsers keep overflow checks and
/// debug assertions in `release`: the root Cargo.toml).
const WORKSPACES: &[(&str, &[&str], &[&str])] = &[
    (".", &["--workspace", "--lib"], &["--release"]),
    ("kernel", &["--lib", "--target", HOST_TARGET], crate::project::CHECKED),
    ("services", &["--lib", "-p", "fs", "-p", "names", "--target", HOST_TARGET], crate::project::CHECKED),
];

/// Cases per target of a long run (`./x fuzz`).
pub const LONG_CASES: u64 = 1_000_000;

/// `./x fuzz [--host-cases N]`, the host part: the long run, its summary printed.
pub fn command(project: &Project, args: &[String]) -> Result<(), String> {
    let cases = match args {
        [] => LONG_CASES,
        [flag, n] if flag == "--host-cases" => n.replace('_', "").parse().map_err(|_| format!("--host-cases takes a number, not `{n}`"))?,
        _ => return Err(format!("usage: ./x fuzz [--host-cases N] (got {args:?})")),
    };
    println!("{}", run(project, cases)?);
    Ok(())
}

/// One target's closing line: `fuzz NAME: N cases (A accepted, R refused) in S s, seed X`.
struct Line {
    target: String,
    cases: u64,
    accepted: u64,
    refused: u64,
    seconds: f64,
}

fn parse_line(line: &str) -> Option<Line> {
    let (target, rest) = line.strip_prefix("fuzz ")?.split_once(": ")?;
    let number = |text: &str| text.trim().parse::<u64>().ok();
    let (cases, rest) = rest.split_once(" cases (")?;
    let (accepted, rest) = rest.split_once(" accepted, ")?;
    let (refused, rest) = rest.split_once(" refused) in ")?;
    let seconds = rest.split_once(" s")?.0.parse().ok()?;
    Some(Line { target: target.to_string(), cases: number(cases)?, accepted: number(accepted)?, refused: number(refused)?, seconds })
}

/// Runs every target with `cases` cases each, from the seed in
/// `XOUS_FUZZ_SEED` or else one from the clock (printed, so a failure
/// reproduces); the summary, or why it failed (with the line naming the
/// case to reproduce).
pub fn run(project: &Project, cases: u64) -> Result<String, String> {
    let seed = match std::env::var("XOUS_FUZZ_SEED") {
        Ok(text) => parse_seed(&text).ok_or_else(|| format!("XOUS_FUZZ_SEED={text} is not a number"))?,
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64),
    };
    run_seeded(project, cases, seed).map(|(summary, _)| summary)
}

fn parse_seed(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// `./x test`'s slice: a fixed seed, `CHECK_CASES` each.
pub fn check(project: &Project) -> Result<Passed, Failed> {
    let (summary, targets) = run_seeded(project, CHECK_CASES, CHECK_SEED)?;
    Ok(Passed { note: summary.lines().last().unwrap_or_default().to_string(), tests: targets })
}

fn run_seeded(project: &Project, cases: u64, seed: u64) -> Result<(String, usize), String> {
    let start = Instant::now();
    let mut lines = Vec::new();
    for (dir, args, profile) in WORKSPACES {
        let mut cmd = project.cargo();
        cmd.current_dir(project.root.join(dir))
            .args(["test", "--locked"])
            .args(*profile)
            .args(*args)
            .args(["fuzz::", "--", "--nocapture"])
            .env("XOUS_FUZZ_CASES", cases.to_string())
            .env("XOUS_FUZZ_SEED", format!("{seed:#x}"));
        eprintln!("x fuzz: host targets in {dir}/ ({cases} cases each, seed {seed:#x})");
        let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            let why: Vec<&str> = text.lines().filter(|l| l.starts_with("fuzz ") || l.contains("panicked") || l.starts_with("error")).collect();
            return Err(format!("host fuzzing in {dir}/ failed ({}):\n{}", out.status, why.join("\n")));
        }
        lines.extend(text.lines().filter_map(parse_line));
    }
    let seconds = start.elapsed().as_secs_f64();
    let total: u64 = lines.iter().map(|l| l.cases).sum();
    if lines.is_empty() || lines.iter().any(|l| l.cases != cases) {
        return Err(format!("expected every host fuzz target to run {cases} cases, got {} targets", lines.len()));
    }
    let mut summary: Vec<String> = lines
        .iter()
        .map(|l| format!("{}: {} cases ({} accepted, {} refused) in {:.0} s", l.target, l.cases, l.accepted, l.refused, l.seconds))
        .collect();
    summary.push(format!(
        "host fuzzing: {} targets, {total} cases in {seconds:.0} s ({:.0} cases/s, builds included), 0 panics, 0 hangs, seed {seed:#x}",
        lines.len(),
        total as f64 / seconds
    ));
    Ok((summary.join("\n"), lines.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_targets_closing_lines() {
        let line = parse_line("fuzz fs-mount: 1500 cases (694 accepted, 806 refused) in 10.54 s, seed 0x5eed0f7e57").unwrap();
        assert_eq!((line.target.as_str(), line.cases, line.accepted, line.refused), ("fs-mount", 1500, 694, 806));
        assert_eq!(line.seconds, 10.54);
        assert!(parse_line("fuzz fs-mount: case 3 failed; reproduce it alone with XOUS_FUZZ_SEED=1 XOUS_FUZZ_CASE=3").is_none());
        assert_eq!(parse_seed("0x10"), Some(16));
        assert_eq!(parse_seed("17"), Some(17));
    }
}
