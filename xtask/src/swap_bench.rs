//! The swap part of `./x bench`: what sending a page to the swap device and
//! bringing another back costs, in retired instructions (test-apps/swap's
//! bench mode under `xous-run --icount`, 4 MiB of RAM, 12 MiB touched in
//! turn): sealing and opening with AES-256-GCM-SIV on the CPU's AES
//! instructions (QEMU runs with Zkne, as the Baochip-1x has it), the
//! device's requests, the fault and the clock. The goal is issue 18's: at
//! most 60,000 instructions a page brought back, so 120,000 for one out
//! and one in (docs/swap.md says why GCM-SIV's POLYVAL, in software on a
//! CPU without carry-less multiply, keeps it far above).

use crate::bench::{measure_twice, Goal, Metric};
use crate::project::Project;
use crate::runner;
use std::process::Command;

const MEASURED: &[(&str, Goal)] = &[("swap_page_out_and_in", Goal::AtMost(120_000.0))];

pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    let runner = runner::install(project)?;
    let program = project.build_test_app("swap")?;
    measure_twice("swap", MEASURED, &|| {
        let mut cmd = Command::new(&runner.xous_run);
        cmd.args(["--icount", "--timeout", "300", "--memory", "4M", "--swap", "24M"]).arg(&program).args(["bench", "12"]);
        cmd
    })
}
