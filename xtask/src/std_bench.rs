//! The std part of `./x bench`: what std's locks and sleep cost on our
//! kernel and services (test-apps/bench-std under `xous-run --icount`:
//! retired instructions, and guest microseconds for sleep), and how big a
//! std hello is with our std against the pristine one.

use crate::bench::{measure_twice, Goal, Metric};
use crate::project::Project;
use crate::{elf, runner};
use std::process::Command;

const MEASURED: &[(&str, Goal)] = &[
    ("mutex_uncontended", Goal::Report),
    ("mutex_contended", Goal::Report),
    ("condvar_pingpong", Goal::Report),
    ("sleep_1ms_overshoot_us", Goal::Report),
    ("instant_now", Goal::Report),
];

pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    let runner = runner::install(project)?;
    let program = project.build_test_app("bench-std")?;
    let mut metrics = measure_twice("std", MEASURED, &|| {
        let mut cmd = Command::new(&runner.xous_run);
        cmd.args(["--icount", "--timeout", "120"]).arg(&program);
        cmd
    })?;
    let ours = elf::loaded_bytes(&project.build_test_app("hello")?)?;
    let pristine = elf::loaded_bytes(&project.build_test_app_upstream("hello")?)?;
    // The overlay adds what upstream lacks (the unwinder's table search, the
    // counter clock, the working directory); a hello world may pay at most
    // 5 % for it.
    metrics.push(Metric { name: "hello_size_ratio".into(), value: ours as f64 / pristine as f64, unit: "x", goal: Goal::AtMost(1.05), repeatable: true });
    Ok(metrics)
}
