//! The dabao part of `./x bench` (`./x bench dabao`): how much of the
//! Baochip-1x's 2 MiB of SRAM the system takes, on the model of the chip,
//! from what the kernel reports (`kernel: booting ...; N KiB free` and
//! `kernel: peak memory N KiB`). Deterministic up to the services' heaps,
//! which depend on what the run did.
//!
//! - dabao_kernel_kib: SRAM the kernel holds before the first process
//!   starts (its head of the image, its state, tables);
//! - dabao_idle_kib: the peak of a run whose program does next to nothing
//!   (kernel/target-tests' exit-code, no_std): the kernel and the idle
//!   services; goal 256 KiB (issue 17);
//! - dabao_hello_kib: the peak of std's hello.

use crate::bench::{Goal, Metric};
use crate::boot::Launch;
use crate::project::Project;
use std::path::Path;

const DABAO: &[&str] = &["--board", "dabao"];

/// The number before " KiB" after `marker` in `text`.
fn kib_after(text: &str, marker: &str) -> Option<f64> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Boots `program` on the dabao model: (KiB free at the first process, peak KiB).
fn footprint(project: &Project, program: &Path) -> Result<(f64, f64), String> {
    let outcome = Launch::new(program).options(DABAO).run(project)?;
    let free = kib_after(&outcome.stderr, "KiB RAM,").ok_or_else(|| format!("no boot line\n{}", outcome.describe()))?;
    let peak = kib_after(&outcome.stderr, "kernel: peak memory").ok_or_else(|| format!("no peak line\n{}", outcome.describe()))?;
    Ok((free, peak))
}

pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    eprintln!("x bench: SRAM used on the dabao model (kernel, idle services, std hello) ...");
    let idle = project.build_target_tests()?.join("exit-code");
    let (free, idle_peak) = footprint(project, &idle)?;
    let (_, hello_peak) = footprint(project, &project.build_test_app("hello")?)?;
    let metric = |name: &str, value: f64, goal| Metric { name: name.into(), value, unit: "KiB", goal, repeatable: true };
    Ok(vec![
        metric("dabao_kernel_kib", 2048.0 - free, Goal::Report),
        metric("dabao_idle_kib", idle_peak, Goal::AtMost(256.0)),
        metric("dabao_hello_kib", hello_peak, Goal::Report),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_kernels_lines_are_read() {
        let text = "kernel: booting 8 processes; 2048 KiB RAM, 1800 KiB free\nhello\nkernel: peak memory 760 KiB of 2048 KiB\n";
        assert_eq!(super::kib_after(text, "KiB RAM,"), Some(1800.0));
        assert_eq!(super::kib_after(text, "kernel: peak memory"), Some(760.0));
        assert_eq!(super::kib_after(text, "nothing"), None);
    }
}
