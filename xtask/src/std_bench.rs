//! The std part of `./x bench`: what std's locks and sleep cost on our
//! kernel and services (test-apps/bench-std under `xous-run --icount`:
//! retired instructions, and guest microseconds for sleep), and how big a
//! std hello is with our std against the pristine one.

use crate::bench::{Goal, Metric};
use crate::kernel_bench::parse_results;
use crate::project::Project;
use crate::{elf, runner};
use std::process::Command;

const MEASURED: &[(&str, Goal)] = &[
    ("mutex_uncontended", Goal::Report),
    ("mutex_contended", Goal::Report),
    ("condvar_pingpong", Goal::Report),
    ("sleep_1ms_overshoot_us", Goal::Report),
];

pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    let runner = runner::install(project)?;
    let program = project.build_test_app("bench-std")?;
    eprintln!("x bench: std benchmarks on QEMU (two runs) ...");
    let run = || -> Result<Vec<u64>, String> {
        let out = Command::new(&runner.xous_run)
            .args(["--icount", "--timeout", "120"])
            .arg(&program)
            .output()
            .map_err(|e| format!("cannot run xous-run: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let failed = |why: String| format!("the std benchmarks failed: {why}\n--- stdout\n{stdout}--- stderr\n{}", String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            return Err(failed(format!("xous-run exited with {:?}", out.status.code())));
        }
        parse_results(&stdout, MEASURED).map_err(failed)
    };
    let (first, second) = (run()?, run()?);
    let mut metrics: Vec<Metric> = MEASURED
        .iter()
        .zip(first.iter().zip(&second))
        .map(|((name, goal), (value, again))| Metric {
            name: name.to_string(),
            value: *value as f64,
            unit: if name.ends_with("_us") { "us" } else { "instr" },
            goal: *goal,
            repeatable: value == again,
        })
        .collect();
    let ours = elf::loaded_bytes(&project.build_test_app("hello")?)?;
    let pristine = elf::loaded_bytes(&project.build_test_app_upstream("hello")?)?;
    metrics.push(Metric { name: "hello_size_ratio".into(), value: ours as f64 / pristine as f64, unit: "x", goal: Goal::AtMost(1.0), repeatable: true });
    Ok(metrics)
}
