//! The swap part of `./x bench`: what sending a page to the swap device and
//! bringing another back costs, in retired instructions (test-apps/swap's
//! bench mode under `xous-run --icount`, 4 MiB of RAM, 12 MiB touched in
//! turn): sealing and opening with the portable AES-256-GCM-SIV, the
//! device's requests, the fault and the clock.

use crate::bench::{measure_twice, Goal, Metric};
use crate::project::Project;
use crate::runner;
use std::process::Command;

const MEASURED: &[(&str, Goal)] = &[("swap_page_out_and_in", Goal::Report)];

pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    let runner = runner::install(project)?;
    let program = project.build_test_app("swap")?;
    measure_twice("swap", MEASURED, &|| {
        let mut cmd = Command::new(&runner.xous_run);
        cmd.args(["--icount", "--timeout", "300", "--memory", "4M", "--swap", "24M"]).arg(&program).args(["bench", "12"]);
        cmd
    })
}
