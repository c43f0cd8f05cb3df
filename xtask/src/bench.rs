//! `./x bench`: the project's measurements, printed as a table (value, goal,
//! met or not) and merged into target/bench.json (one number per metric).
//! Wall-clock numbers appear only where time is the goal itself (the cold
//! sysroot build); the kernel is measured in retired instructions, which do
//! not depend on the machine (kernel_bench.rs). `./x bench kernel` or
//! `./x bench sysroot` measures one part and keeps the other's numbers.
//! Every run is also appended to docs/bench/history.tsv and drawn as charts
//! there (bench_history.rs).

use crate::kernel_bench;
use crate::project::{output, Project, XOUS_TARGET};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Runs a bench program twice (`command` makes the xous-run command) and
/// reads each `measured` metric from its `bench: NAME=VALUE` lines; a value
/// that differs between the runs is a warning, and marked. Metrics named
/// `*_us` are guest microseconds, the others retired instructions.
pub fn measure_twice(what: &str, measured: &[(&str, Goal)], command: &dyn Fn() -> Command) -> Result<Vec<Metric>, String> {
    eprintln!("x bench: {what} benchmarks on QEMU (two runs) ...");
    let run = || -> Result<Vec<u64>, String> {
        let out = command().output().map_err(|e| format!("cannot run xous-run: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let failed = |why: String| {
            format!("the {what} benchmarks failed: {why}\n--- stdout\n{stdout}--- stderr\n{}", String::from_utf8_lossy(&out.stderr))
        };
        if !out.status.success() {
            return Err(failed(format!("xous-run exited with {:?}", out.status.code())));
        }
        parse_results::<u64, _>(&stdout, measured).map_err(failed)
    };
    let (first, second) = (run()?, run()?);
    let mut metrics = Vec::new();
    for (((name, goal), value), again) in measured.iter().zip(first).zip(second) {
        if again != value {
            eprintln!("x bench: warning: {name} is not deterministic: {value} then {again}");
        }
        let unit = if name.ends_with("_us") { "us" } else { "instr" };
        metrics.push(Metric { name: name.to_string(), value: value as f64, unit, goal: *goal, repeatable: again == value });
    }
    Ok(metrics)
}

/// The `bench: NAME=VALUE` lines: each name of `measured` exactly once, no
/// other; values as `T` (instruction counts, or the network's rates).
pub fn parse_results<T: std::str::FromStr, M>(stdout: &str, measured: &[(&str, M)]) -> Result<Vec<T>, String> {
    let mut values: Vec<Option<T>> = measured.iter().map(|_| None).collect();
    for line in stdout.lines() {
        let Some(result) = line.trim().strip_prefix("bench: ") else { continue };
        let (name, value) = result.split_once('=').ok_or_else(|| format!("malformed line `{line}`"))?;
        let index = measured.iter().position(|(known, _)| *known == name).ok_or_else(|| format!("unknown metric `{name}`"))?;
        let value = value.parse().map_err(|_| format!("`{line}`: not a number"))?;
        if values[index].replace(value).is_some() {
            return Err(format!("{name} reported twice"));
        }
    }
    let missing: Vec<&str> = measured.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|((name, _), _)| *name).collect();
    if !missing.is_empty() {
        return Err(format!("no result for {}", missing.join(", ")));
    }
    Ok(values.into_iter().flatten().collect())
}

#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Goal {
    /// Met when the value is at most this.
    AtMost(f64),
    /// Met when the value is at least this.
    AtLeast(f64),
    /// No goal: the number is reported to be watched.
    Report,
}

pub struct Metric {
    /// The key in bench.json.
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    pub goal: Goal,
    /// Two measurements gave the same value.
    pub repeatable: bool,
}

pub fn run(project: &Project, part: Option<&str>) -> Result<(), String> {
    const PARTS: [&str; 7] = ["kernel", "sysroot", "fs", "net", "emu", "dabao", "swap"];
    if let Some(other) = part.filter(|p| !PARTS.contains(p)) {
        return Err(format!("`./x bench {other}`: the parts are {} (none: all)", PARTS.map(|p| format!("`{p}`")).join(", ")));
    }
    let wants = |name: &str| part.is_none_or(|p| p == name);
    let (kernel, sysroot, fs, net, emu, dabao, swap) = (wants("kernel"), wants("sysroot"), wants("fs"), wants("net"), wants("emu"), wants("dabao"), wants("swap"));
    let mut metrics = Vec::new();
    if kernel {
        metrics.extend(kernel_bench::measure(project)?);
        metrics.extend(crate::std_bench::measure(project)?);
    }
    if fs {
        metrics.extend(crate::fs_bench::measure(project)?);
    }
    if sysroot {
        metrics.push(sysroot_cold_build(project)?);
    }
    if net {
        metrics.extend(crate::net_bench::measure(project)?);
    }
    if emu {
        metrics.extend(crate::emu_bench::measure(project)?);
    }
    if dabao {
        metrics.extend(crate::dabao_bench::measure(project)?);
    }
    if swap {
        metrics.extend(crate::swap_bench::measure(project)?);
    }
    print_table(&metrics);
    let path = project.root.join("target/bench.json");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new: Vec<(String, String)> = metrics.iter().map(|m| (m.name.clone(), json_number(m.value))).collect();
    std::fs::write(&path, to_json(&merge(parse_json(&old), new)))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    let charts = project.root.join("docs/bench");
    let drawn = crate::bench_history::record(&charts, &metrics, &crate::bench_history::today(), &crate::bench_history::commit(&project.root))?;
    println!("appended {} figures to {} and drew {drawn} charts there", metrics.len(), charts.join("history.tsv").display());
    Ok(())
}

/// Service `name` (of services/) built with its `bench` feature, for the
/// bench programs to boot in place of the one installed: the requests that
/// measure the device or the stack alone (RAW_BENCH) exist only in such a
/// build, never in the services everything else boots. A target directory
/// of its own, so the installed build is not rebuilt after each bench.
pub fn bench_service(project: &Project, name: &str) -> Result<PathBuf, String> {
    let target_dir = project.root.join("target/bench/services");
    crate::project::run(project
        .cargo()
        .current_dir(project.root.join("services"))
        .args(["build", "--release", "--locked", "--quiet", "-p", name, "--features", "bench", "--target-dir"])
        .arg(&target_dir))?;
    Ok(target_dir.join(XOUS_TARGET).join("release").join(name))
}

/// A cold build: fresh work and toolchain directories, nothing cached.
fn sysroot_cold_build(project: &Project) -> Result<Metric, String> {
    let scratch = project.root.join("target/bench/sysroot");
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!("x bench: cold sysroot build (about a minute and a half) ...");
    let start = Instant::now();
    output(
        Command::new(&project.builder)
            .arg("build")
            .arg("--overlay")
            .arg(project.root.join("library/std-xous"))
            .arg("--toolchain-dir")
            .arg(scratch.join("toolchain"))
            .arg("--work-dir")
            .arg(scratch.join("work")),
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(Metric { name: "sysroot_cold_build_s".into(), value: seconds, unit: "s", goal: Goal::AtMost(90.0), repeatable: true })
}

fn print_table(metrics: &[Metric]) {
    println!("{:<26} {:>12} {:<6} {:<10} met", "metric", "value", "unit", "goal");
    for m in metrics {
        let (goal, met) = match m.goal {
            Goal::AtMost(limit) => (format!("<= {}", json_number(limit)), if m.value <= limit { "yes" } else { "NO" }),
            Goal::AtLeast(limit) => (format!(">= {}", json_number(limit)), if m.value >= limit { "yes" } else { "NO" }),
            Goal::Report => ("report".to_string(), "-"),
        };
        let note = if m.repeatable { "" } else { "  (differed between two runs)" };
        println!("{:<26} {:>12} {:<6} {goal:<10} {met}{note}", m.name, json_number(m.value), m.unit);
    }
}

/// Whole numbers as integers, others with one decimal.
pub fn json_number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        // Up to three decimals (ratios need them), without trailing zeros.
        format!("{value:.3}").trim_end_matches('0').to_string()
    }
}

/// The `"name": value` pairs of a flat JSON object as `to_json` writes it
/// (one pair a line); anything else is ignored.
fn parse_json(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.trim().trim_end_matches(',').split_once(':')?;
            let name = name.trim().strip_prefix('"')?.strip_suffix('"')?;
            Some((name.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// `old` with the values of `new` put in, in place; metrics new to the file go last.
fn merge(mut old: Vec<(String, String)>, new: Vec<(String, String)>) -> Vec<(String, String)> {
    for (name, value) in new {
        match old.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => old.push((name, value)),
        }
    }
    old
}

fn to_json(pairs: &[(String, String)]) -> String {
    let lines: Vec<String> = pairs.iter().map(|(name, value)| format!("  \"{name}\": {value}")).collect();
    format!("{{\n{}\n}}\n", lines.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_into_the_existing_file() {
        let old = parse_json("{\n  \"sysroot_cold_build_s\": 84.2,\n  \"null_syscall\": 300\n}\n");
        assert_eq!(old, [("sysroot_cold_build_s".to_string(), "84.2".to_string()), ("null_syscall".to_string(), "300".to_string())]);
        let new = vec![("null_syscall".to_string(), json_number(2093.0)), ("kernel_bytes".to_string(), json_number(62350.0))];
        let json = to_json(&merge(old, new));
        assert_eq!(json, "{\n  \"sysroot_cold_build_s\": 84.2,\n  \"null_syscall\": 2093,\n  \"kernel_bytes\": 62350\n}\n");
        assert_eq!(parse_json(&json).len(), 3, "reads back what it writes");
        assert_eq!(parse_json("not json at all"), []);
    }

    #[test]
    fn numbers_are_whole_or_up_to_three_decimals() {
        assert_eq!(json_number(150.0), "150");
        assert_eq!(json_number(85.26), "85.26");
        assert_eq!(json_number(0.99849), "0.998");
        assert_eq!(json_number(84.2), "84.2");
    }
}
