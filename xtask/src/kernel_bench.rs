//! The kernel's part of `./x bench`: its performance in retired instructions
//! per operation, from the bench programs of kernel/target-tests booted on
//! QEMU with an exact instruction counter; the release kernel's size; and
//! its lines of code. docs/benchmarks.md says what each metric means.

use crate::bench::{measure_twice, Goal, Metric};
use crate::project::Project;
use crate::runner::{self, Runner};
use crate::elf;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the bench programs report (`bench: NAME=VALUE`), with the goals:
/// the second round's (issue 19: IPC at seL4's level, boot under a million
/// instructions); the first round's were 150, 1,000, 1,500 and 4,000, all
/// met (docs/benchmarks.md).
const MEASURED: &[(&str, Goal)] = &[
    ("null_syscall", Goal::AtMost(80.0)),
    ("scalar_roundtrip", Goal::AtMost(600.0)),
    ("lend_mut_4k_roundtrip", Goal::AtMost(800.0)),
    ("lend_mut_64k_roundtrip", Goal::AtMost(1_500.0)),
    ("thread_create_join", Goal::AtMost(20_000.0)),
    ("boot_to_first_process", Goal::AtMost(1_000_000.0)),
];


/// Every kernel metric: the bench programs run twice, and a value that
/// differs between the runs is a warning; then size and lines.
pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    let runner = runner::install(project)?;
    let bin = project.build_target_tests()?;
    let bundle = boot_first_bundle(project, &runner, &bin)?;
    let mut metrics = measure_twice("kernel", MEASURED, &|| bench_client(&runner, &bundle, &bin))?;
    let bytes = elf::loaded_bytes(&runner.kernel)?;
    metrics.push(Metric { name: "kernel_bytes".into(), value: bytes as f64, unit: "B", goal: Goal::AtMost(65_536.0), repeatable: true });
    let lines = count_kernel_lines(&project.root.join("kernel/src"))?;
    metrics.push(Metric { name: "kernel_lines".into(), value: lines as f64, unit: "lines", goal: Goal::Report, repeatable: true });
    Ok(metrics)
}

/// A runner bundle whose first service is bench-boot, followed by the core
/// services as installed: boot_to_first_process needs it to be process 2.
fn boot_first_bundle(project: &Project, runner: &Runner, bin: &Path) -> Result<PathBuf, String> {
    let dir = project.root.join("target/bench/runner");
    let services = dir.join("services");
    std::fs::create_dir_all(&services).map_err(|e| format!("cannot create {}: {e}", services.display()))?;
    let copy = |from: &Path, name: &str| {
        std::fs::copy(from, services.join(name)).map(|_| ()).map_err(|e| format!("cannot copy {}: {e}", from.display()))
    };
    copy(&bin.join("bench-boot"), "bench-boot")?;
    let mut order = String::from("bench-boot\n");
    for name in runner::SERVICES {
        copy(&runner.bundle.join("services").join(name), name)?;
        order += name;
        order.push('\n');
    }
    std::fs::write(services.join("order"), order).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// A boot of bench-client, with bench-server and the bench bundle.
fn bench_client(runner: &Runner, bundle: &Path, bin: &Path) -> Command {
    let mut cmd = Command::new(&runner.xous_run);
    cmd.env("XOUS_RUNNER_HOME", bundle)
        .args(["--timeout", "120"])
        // The machine the numbers were first taken on: boot's cost grows
        // with RAM (one record word per frame), whatever xous-run's default.
        .args(["--memory", "32M"])
        .arg("--icount")
        .arg("--kernel")
        .arg(&runner.kernel)
        .arg("--service")
        .arg(format!("bench-server={}", bin.join("bench-server").display()))
        .arg(bin.join("bench-client"));
    cmd
}

/// Lines of Rust in `dir` (recursively) that are neither blank nor comments
/// (`//...`, `/* ... */` starting a line), leaving out the host tests: files
/// named `tests.rs` or `tests_*.rs`, and `#[cfg(test)]` modules.
pub fn count_kernel_lines(dir: &Path) -> Result<usize, String> {
    let mut total = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_dir() {
            total += count_kernel_lines(&path)?;
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.starts_with("tests_") {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            total += code_lines(&text);
        }
    }
    Ok(total)
}

/// Non-blank, non-comment lines outside `#[cfg(test)]` modules.
fn code_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let (mut count, mut i, mut in_block_comment) = (0, 0, false);
    while i < lines.len() {
        let code = lines[i].trim();
        i += 1;
        if in_block_comment || code.starts_with("/*") {
            in_block_comment = !code.contains("*/");
            continue;
        }
        if code.is_empty() || code.starts_with("//") {
            continue;
        }
        if code == "#[cfg(test)]" {
            if let Some(end) = test_module_end(&lines, i) {
                i = end;
                continue;
            }
        }
        count += 1;
    }
    count
}

/// When line `at` (just after a `#[cfg(test)]`) starts a module: the index
/// of the line after it. A module ends at the first `}` alone on a line at
/// its own indentation (rustfmt's layout), so braces in strings do not matter.
fn test_module_end(lines: &[&str], at: usize) -> Option<usize> {
    let item = lines.get(at)?;
    let code = item.trim();
    if !["mod ", "pub mod ", "pub(crate) mod "].iter().any(|p| code.starts_with(p)) {
        return None;
    }
    if code.ends_with(';') {
        return Some(at + 1);
    }
    let close = format!("{}}}", &item[..item.len() - item.trim_start().len()]);
    let length = lines[at + 1..].iter().position(|l| l.trim_end() == close)?;
    Some(at + length + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_result_once() {
        let out = "kernel says hi\nbench: null_syscall=1\nbench: scalar_roundtrip=2\nbench: lend_mut_4k_roundtrip=3\n\
                   bench: lend_mut_64k_roundtrip=4\nbench: thread_create_join=5\nbench: boot_to_first_process=6\n";
        assert_eq!(crate::bench::parse_results::<u64, _>(out, MEASURED).unwrap(), [1, 2, 3, 4, 5, 6]);
        let missing = crate::bench::parse_results::<u64, _>("bench: null_syscall=1\n", MEASURED).unwrap_err();
        assert!(missing.contains("no result for scalar_roundtrip"), "{missing}");
        assert!(crate::bench::parse_results::<u64, _>(&format!("{out}bench: null_syscall=1\n"), MEASURED).unwrap_err().contains("twice"));
        assert!(crate::bench::parse_results::<u64, _>("bench: nul_syscall=1\n", MEASURED).unwrap_err().contains("unknown metric"));
        assert!(crate::bench::parse_results::<u64, _>("bench: null_syscall=x\n", MEASURED).unwrap_err().contains("not a number"));
    }

    #[test]
    fn counts_code_not_comments_or_test_modules() {
        let text = "//! A module.\n\nuse a::b;\n/* a block\n   comment */\nfn f() {\n    // why\n    g(\"{\");\n}\n\
                    #[cfg(test)]\nmod tests;\n#[cfg(test)]\nmod tests {\n    fn t() {\n    }\n}\n\
                    #[cfg(test)]\nfn helper() {}\nconst X: u8 = 1;\n";
        // use, fn f, g(..), }, #[cfg(test)] + helper, const.
        assert_eq!(code_lines(text), 7);
    }
}
