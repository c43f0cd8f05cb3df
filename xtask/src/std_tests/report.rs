//! What `./x std-tests` shows: per suite counts and each failure on the
//! terminal, and after a full run the results document
//! (`docs/std-tests.md`, or `docs/std-tests-pristine.md` for the std as
//! shipped): a table per suite, then every failed and every skipped test
//! with its reason.

use super::known;
use super::libtest::Outcome;
use super::{tally, Options, Peak, TestResult, MEMORY, SUITES};
use crate::project::Project;
use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

/// The reason to show for a failure: ours if written down, else the panic.
fn failure_reason(r: &TestResult, panic: &str, pristine: bool, board: bool) -> (bool, String) {
    match known::failure_reason(r.suite, &r.program, &r.name, pristine, board, panic) {
        Some(why) => (true, why.to_string()),
        None => (false, panic.to_string()),
    }
}

/// Prints the per-suite counts and the failures; returns how many failures
/// have no written reason.
pub fn print(results: &[TestResult], pristine: bool, board: bool) -> usize {
    let mut unexplained = 0;
    for r in results {
        if let Outcome::Failed(panic) = &r.outcome {
            let (known, why) = failure_reason(r, panic, pristine, board);
            unexplained += usize::from(!known);
            let mark = if known { "known" } else { "NEW" };
            println!("FAILED ({mark}) {} {}: {} -- {why}", r.suite, r.program, r.name);
        }
    }
    for (suite, _) in SUITES {
        let mine: Vec<&TestResult> = results.iter().filter(|r| r.suite == suite).collect();
        if !mine.is_empty() {
            let (p, f, s) = tally(mine.into_iter());
            println!("std-tests: suite {suite}: {p} passed, {f} failed, {s} skipped");
        }
    }
    unexplained
}

/// Writes the results document; returns its path.
pub fn write(project: &Project, options: &Options, results: &[TestResult], peak: &Peak, took: Duration) -> Result<PathBuf, String> {
    let pristine = options.pristine;
    let name = match (pristine, options.memory.as_str()) {
        (true, _) => "std-tests-pristine.md".to_string(),
        (false, _) if options.board.is_some() => "std-tests-baosec.md".to_string(),
        (false, MEMORY) if options.swap.is_none() => "std-tests.md".to_string(),
        (false, memory) => format!("std-tests-{}.md", memory.to_lowercase()),
    };
    let path = project.root.join("docs").join(name);
    let mut doc = String::new();
    let which = if pristine {
        "the library source as shipped (toolchain `xous-upstream`, no overlay)"
    } else {
        "our std (the library source plus `library/std-xous`)"
    };
    let (passed, failed, skipped) = tally(results.iter());
    let ran = passed + failed;
    let _ = writeln!(doc, "# The standard library's own tests on the target: {which}\n");
    let _ = writeln!(
        doc,
        "Written by `./x std-tests{}` ({}; {:.0} min on 2 cores). Each test program ran under `xous-run` \
         {} with one test thread. Do not edit: run it again.\n",
        if pristine { " --pristine" } else if options.board.is_some() { " --board baosec" } else { "" },
        project.rust_version().unwrap_or_default(),
        took.as_secs_f64() / 60.0,
        if options.board.is_some() { "on the model of the Baochip-1x's baosec board" } else { "on QEMU" }
    );
    let rate = if ran == 0 { 0.0 } else { 100.0 * passed as f64 / ran as f64 };
    let _ = writeln!(doc, "**{passed} passed, {failed} failed, {skipped} skipped: {rate:.2} % of the tests that ran passed.**\n");
    let _ = writeln!(doc, "| suite | passed | failed | skipped |\n|---|---:|---:|---:|");
    for (suite, package) in SUITES {
        let mine: Vec<&TestResult> = results.iter().filter(|r| r.suite == suite).collect();
        let (p, f, s) = tally(mine.into_iter());
        let _ = writeln!(doc, "| {suite} (`{package}`) | {p} | {f} | {s} |");
    }
    let memory = match options.board.is_some() {
        true => "The board's 2 MiB of SRAM, its 8 MiB PSRAM as swap, programs larger than the RRAM in its NOR flash".to_string(),
        false => format!("Guest RAM {}{}", options.memory, options.swap.as_deref().map(|s| format!(", a swap disk of {s}")).unwrap_or_default()),
    };
    let _ = writeln!(doc, "\n{memory}; the most the kernel saw in use at once: {} KiB, while `{}` ran.", peak.kib, peak.program);
    let _ = writeln!(doc, "\n## Failed\n");
    let failures: Vec<&TestResult> = results.iter().filter(|r| matches!(r.outcome, Outcome::Failed(_))).collect();
    if failures.is_empty() {
        let _ = writeln!(doc, "None.");
    }
    for r in failures {
        let Outcome::Failed(panic) = &r.outcome else { continue };
        let (_, why) = failure_reason(r, panic, pristine, options.board.is_some());
        let _ = writeln!(doc, "- {} `{}` `{}`: {}", r.suite, r.program, r.name, why.replace('\n', " "));
    }
    let _ = writeln!(doc, "\n## Skipped\n");
    let skips: Vec<&TestResult> = results.iter().filter(|r| matches!(r.outcome, Outcome::Ignored(_))).collect();
    if skips.is_empty() {
        let _ = writeln!(doc, "None.");
    }
    for r in skips {
        let Outcome::Ignored(why) = &r.outcome else { continue };
        let why = match (known::skip_reason(r.suite, &r.program, &r.name, pristine), why.is_empty()) {
            (Some(ours), _) => format!("skipped by us: {ours}"),
            (None, false) => format!("`#[ignore]` in the library source: {why}"),
            (None, true) => "`#[ignore]` in the library source (no reason given there)".to_string(),
        };
        let _ = writeln!(doc, "- {} `{}` `{}`: {why}", r.suite, r.program, r.name);
    }
    std::fs::write(&path, doc).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
