//! The model's tests: programs per instruction class and for the chip's
//! quirks, written in assembly (tests/asm/), assembled at test time with
//! the installed `riscv64-unknown-elf-as -march=rv32imac_zicsr_zifencei` and linked at
//! RRAM's base; each ends by writing the model's exit device (0 = every
//! check passed, else the number of the check that failed). Plus tests of
//! the pieces that need no program.

mod blocks;
mod boot;
pub mod differential;
mod nor;
mod programs;
mod spim;
mod units;

use crate::{Machine, Outcome};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Assembles tests/asm/NAME.s behind the prelude and links it at
/// 0x6000_0000; returns the ELF.
pub fn assemble(name: &str) -> Vec<u8> {
    let asm = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/asm");
    let source = std::fs::read_to_string(asm.join(format!("{name}.s"))).expect("test source");
    let prelude = std::fs::read_to_string(asm.join("prelude.s")).expect("prelude");
    let dir = scratch(name);
    let (s, o, elf) = (dir.join("t.s"), dir.join("t.o"), dir.join("t.elf"));
    std::fs::write(&s, format!("{prelude}\n{source}")).unwrap();
    tool("riscv64-unknown-elf-as", &["-march=rv32imac_zicsr_zifencei", "-mabi=ilp32", "-o"], &o, &s);
    tool("riscv64-unknown-elf-ld", &["-m", "elf32lriscv", "-N", "-Ttext=0x60000000", "-o"], &elf, &o);
    let bytes = std::fs::read(&elf).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// A directory of its own for this call: tests running at once may
/// assemble the same program.
fn scratch(name: &str) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("bao1x-emu-test-{}-{call}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tool(program: &str, args: &[&str], out: &Path, input: &Path) {
    let result = Command::new(program).args(args).arg(out).arg(input).output();
    let output = result.unwrap_or_else(|e| panic!("cannot run {program} (gcc-riscv64-unknown-elf): {e}"));
    assert!(output.status.success(), "{program} failed:\n{}", String::from_utf8_lossy(&output.stderr));
}

/// Runs tests/asm/NAME.s; returns the machine and how it ended.
pub fn run_program(name: &str) -> (Machine, Outcome) {
    let mut machine = Machine::default();
    machine.load_elf(&assemble(name)).unwrap();
    let outcome = machine.run(1_000_000);
    (machine, outcome)
}

/// Runs it and asserts that every check passed.
pub fn passes(name: &str) -> Machine {
    let (machine, outcome) = run_program(name);
    assert_eq!(outcome, Outcome::Exit(0), "{name}: check {outcome:?} failed (pc {:#x})", machine.cpu.pc);
    machine
}
