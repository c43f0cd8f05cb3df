//! The model part of `./x bench` (`./x bench emu`): the instruction rate of
//! tools/bao1x-emu against QEMU's on the same CPU-bound bare-metal loop
//! (tools/bao1x-emu/bench/loop.s), on this machine, now. Each is timed on a
//! long run and on a short one and the difference taken, so start-up costs
//! cancel out. Time is CPU time (user + system, every thread of QEMU
//! counted), not wall time: the machine is shared and loaded, and CPU time
//! is what each spent. The rates still depend on the machine; their ratio
//! is the figure that matters (goal: the model at least 0.25× QEMU).

use crate::bench::{Goal, Metric};
use crate::project::{output, run, Project};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Two billion instructions: long enough for the 10 ms resolution of the
/// shell's `times` to be about 2% of either run (both take 0.4-0.5 s).
const LONG: u64 = 200_000_000;
const SHORT: u64 = 1_000;
/// Instructions a run retires: 5 before the loop, 10 a round, 2 after it
/// up to the exit's store.
fn instructions(iterations: u64) -> u64 {
    5 + 10 * iterations + 2
}

pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    run(project.cargo().current_dir(&project.root).args(["build", "--release", "--locked", "--quiet", "-p", "bao1x-emu"]))?;
    let emu = project.root.join("target/release/bao1x-emu");
    let dir = project.root.join("target/bench/emu");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let source = project.root.join("tools/bao1x-emu/bench/loop.s");
    eprintln!("x bench: the model's instruction rate against QEMU's ({} million instructions each) ...", instructions(LONG) / 1_000_000);
    let model = |n| -> Result<f64, String> {
        let elf = assemble(&source, &dir, n, false)?;
        cpu_time(Command::new(&emu).arg(&elf))
    };
    let qemu = |n| -> Result<f64, String> {
        let elf = assemble(&source, &dir, n, true)?;
        cpu_time(Command::new("qemu-system-riscv32").args(["-M", "virt", "-bios", "none", "-display", "none", "-serial", "none", "-monitor", "none", "-kernel"]).arg(&elf))
    };
    let rate = |long: f64, short: f64| (instructions(LONG) - instructions(SHORT)) as f64 / (long - short).max(1e-6) / 1e6;
    let model_rate = rate(model(LONG)?, model(SHORT)?);
    let qemu_rate = rate(qemu(LONG)?, qemu(SHORT)?);
    Ok(vec![
        Metric { name: "emu_mips".into(), value: round(model_rate), unit: "MIPS", goal: Goal::Report, repeatable: false },
        Metric { name: "emu_qemu_mips".into(), value: round(qemu_rate), unit: "MIPS", goal: Goal::Report, repeatable: false },
        Metric { name: "emu_vs_qemu".into(), value: round(model_rate / qemu_rate * 100.0) / 100.0, unit: "x", goal: Goal::AtLeast(0.25), repeatable: false },
    ])
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The loop for the model or QEMU, `iterations` times round.
fn assemble(source: &Path, dir: &Path, iterations: u64, qemu: bool) -> Result<PathBuf, String> {
    let name = format!("loop-{}-{iterations}", if qemu { "qemu" } else { "model" });
    let (object, elf) = (dir.join(format!("{name}.o")), dir.join(format!("{name}.elf")));
    let mut as_cmd = Command::new("riscv64-unknown-elf-as");
    as_cmd.args(["-march=rv32imac", "-mabi=ilp32", "--defsym", &format!("ITERATIONS={iterations}")]);
    if qemu {
        as_cmd.args(["--defsym", "QEMU=1"]);
    }
    output(as_cmd.arg("-o").arg(&object).arg(source))?;
    let base = if qemu { "-Ttext=0x80000000" } else { "-Ttext=0x60000000" };
    output(Command::new("riscv64-unknown-elf-ld").args(["-m", "elf32lriscv", "-N", base, "-o"]).arg(&elf).arg(&object))?;
    Ok(elf)
}

/// CPU seconds (user + system) a command takes, as the shell's `times`
/// reports its children's; the command must exit with 0.
fn cpu_time(cmd: &mut Command) -> Result<f64, String> {
    let script = "\"$0\" \"$@\" >/dev/null 2>&1; status=$?; times; exit $status";
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let out = Command::new("sh").arg("-c").arg(script).arg(&program).args(&args).output();
    let out = out.map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let children = text.lines().nth(1).ok_or_else(|| format!("no `times` output from the shell: {text}"))?;
    children.split_whitespace().map(seconds).sum()
}

/// `1m2.500s` as 62.5.
fn seconds(text: &str) -> Result<f64, String> {
    let bad = || format!("`{text}` is not a time as `times` prints it");
    let (minutes, rest) = text.split_once('m').ok_or_else(bad)?;
    let secs: f64 = rest.strip_suffix('s').ok_or_else(bad)?.parse().map_err(|_| bad())?;
    Ok(minutes.parse::<f64>().map_err(|_| bad())? * 60.0 + secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shells_times() {
        assert_eq!(seconds("1m2.500s"), Ok(62.5));
        assert_eq!(seconds("0m0.023s"), Ok(0.023));
        assert!(seconds("12").is_err());
        let user_and_system = cpu_time(&mut Command::new("true")).unwrap();
        assert!(user_and_system >= 0.0);
        assert!(cpu_time(&mut Command::new("false")).is_err());
    }
}
