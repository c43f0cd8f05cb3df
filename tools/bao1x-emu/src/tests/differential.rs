//! Differential tests against QEMU: the same random user-level program
//! (every RV32IM ALU, shift, multiply and divide instruction, loads and
//! stores of every width, branches, compressed forms, the AES32
//! scalar-crypto instructions with every byte select) runs on the model and
//! on `qemu-system-riscv32 -M virt`, and both print every register after
//! it. Where the two disagree, one of them is wrong about the instruction
//! set; QEMU is the reference.

use super::{scratch, tool};
use crate::{Machine, Outcome};
use std::fmt::Write;
use std::process::Command;

/// xorshift64*: reproducible programs from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Registers the random code may use: everything but zero, ra, sp (the
/// scratch buffer's base), gp (the checksum) and tp (its scratch).
const REGS: [&str; 27] = [
    "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6",
    "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];
/// Registers the compressed forms reach (x8-x15).
const CREGS: [&str; 8] = ["s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5"];

/// Folds `rd` into the checksum in gp (rotate left 5, xor), with tp as
/// scratch: every result counts, even one that a later instruction overwrites.
fn fold(s: &mut String, rd: &str) {
    writeln!(s, "    slli tp, gp, 5\n    srli gp, gp, 27\n    or gp, gp, tp\n    xor gp, gp, {rd}").unwrap();
}

/// A random program of `count` instructions after random register values.
fn random_body(seed: u64, count: usize) -> String {
    let mut rng = Rng(seed | 1);
    let mut s = String::from("    li gp, 0\n");
    let values = [0u32, 1, u32::MAX, 0x8000_0000, 0x7FFF_FFFF];
    for reg in REGS {
        let value = if rng.below(4) == 0 { values[rng.below(5) as usize] } else { rng.next() as u32 };
        writeln!(s, "    li {reg}, {value:#x}").unwrap();
    }
    for _ in 0..count {
        let (rd, rs1, rs2) = (rng.pick(&REGS), rng.pick(&REGS), rng.pick(&REGS));
        match rng.below(11) {
            0..=3 => {
                let op = rng.pick(&[
                    "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "mul", "mulh", "mulhsu",
                    "mulhu", "div", "divu", "rem", "remu",
                ]);
                writeln!(s, "    {op} {rd}, {rs1}, {rs2}").unwrap();
                fold(&mut s, rd);
            }
            4 | 5 => {
                let op = rng.pick(&["addi", "slti", "sltiu", "xori", "ori", "andi", "slli", "srli", "srai"]);
                let imm = if op.starts_with('s') && op.len() == 4 { rng.below(32) as i64 } else { rng.below(4096) as i64 - 2048 };
                writeln!(s, "    {op} {rd}, {rs1}, {imm}").unwrap();
                fold(&mut s, rd);
            }
            6 => writeln!(s, "    lui {rd}, {:#x}", rng.below(1 << 20)).unwrap(),
            7 => {
                let (op, size) = [("sw", 4), ("sh", 2), ("sb", 1)][rng.below(3) as usize];
                let offset = rng.below(256 / size) * size;
                writeln!(s, "    {op} {rs2}, {offset}(sp)").unwrap();
                let (op, size) = [("lw", 4), ("lh", 2), ("lhu", 2), ("lb", 1), ("lbu", 1)][rng.below(5) as usize];
                let offset = rng.below(256 / size) * size;
                writeln!(s, "    {op} {rd}, {offset}(sp)").unwrap();
                fold(&mut s, rd);
            }
            9 => {
                let op = rng.pick(&["aes32esi", "aes32esmi", "aes32dsi", "aes32dsmi"]);
                writeln!(s, "    {op} {rd}, {rs1}, {rs2}, {}", rng.below(4)).unwrap();
                fold(&mut s, rd);
            }
            8 => {
                let op = rng.pick(&["beq", "bne", "blt", "bge", "bltu", "bgeu"]);
                writeln!(s, "    {op} {rs1}, {rs2}, 1f\n    xori {rd}, {rd}, {}\n1:", rng.below(2048)).unwrap();
                fold(&mut s, rd);
            }
            _ => {
                let (c1, c2) = (rng.pick(&CREGS), rng.pick(&CREGS));
                let op = rng.pick(&["c.add", "c.sub", "c.xor", "c.or", "c.and", "c.mv", "c.srli", "c.srai", "c.slli", "c.andi", "c.addi"]);
                match op {
                    "c.srli" | "c.srai" | "c.slli" => writeln!(s, "    {op} {c1}, {}", 1 + rng.below(31)).unwrap(),
                    "c.andi" | "c.addi" => writeln!(s, "    {op} {c1}, {}", rng.below(63) as i64 - 31).unwrap(),
                    _ => writeln!(s, "    {op} {c1}, {c2}").unwrap(),
                }
                fold(&mut s, c1);
            }
        }
    }
    s
}

/// The whole program for one machine: the body, then every register in
/// hex through `putc` (the model's DUART, or QEMU virt's 16550 UART), then
/// the machine's exit.
fn program(body: &str, qemu: bool) -> String {
    let (base, uart, exit, exit_value) =
        if qemu { ("0x80100000", "0x10000000", "0x100000", "0x5555") } else { ("0x61000100", "0x40042000", "0x40081000", "0") };
    let mut s = format!(".option rvc\n.text\n.globl _start\n_start:\n    li sp, {base}\n{body}");
    // Save every register to the buffer's second half, then print them.
    for (i, reg) in REGS.iter().chain(["gp"].iter()).enumerate() {
        writeln!(s, "    sw {reg}, {}(sp)", 256 + 4 * i).unwrap();
    }
    write!(
        s,
        "    li s0, 0\n\
         2:  slli t0, s0, 2\n    add t0, t0, sp\n    lw a0, 256(t0)\n    li s1, 28\n\
         3:  srl t1, a0, s1\n    andi t1, t1, 15\n    li t2, 10\n    blt t1, t2, 4f\n    addi t1, t1, 39\n\
         4:  addi t1, t1, 48\n    li t3, {uart}\n    sb t1, 0(t3)\n    addi s1, s1, -4\n    bgez s1, 3b\n\
         \x20   li t1, 10\n    sb t1, 0(t3)\n    addi s0, s0, 1\n    li t2, {n}\n    blt s0, t2, 2b\n\
         \x20   li t0, {exit}\n    li t1, {exit_value}\n    sw t1, 0(t0)\n5:  j 5b\n",
        n = REGS.len() + 1
    )
    .unwrap();
    s
}

fn build(source: &str, name: &str, base: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let (s, o, elf) = (dir.join("d.s"), dir.join("d.o"), dir.join("d.elf"));
    std::fs::write(&s, source).unwrap();
    tool("riscv64-unknown-elf-as", &["-march=rv32imac_zicsr_zifencei_zkne_zknd", "-mabi=ilp32", "-o"], &o, &s);
    tool("riscv64-unknown-elf-ld", &["-m", "elf32lriscv", "-N", &format!("-Ttext={base}"), "-o"], &elf, &o);
    elf
}

/// The random program of `seed` for the model, as an ELF.
pub fn model_elf(seed: u64) -> Vec<u8> {
    let elf = build(&program(&random_body(seed, 1500), false), &format!("diff-model-{seed}"), "0x60000000");
    let bytes = std::fs::read(&elf).unwrap();
    let _ = std::fs::remove_dir_all(elf.parent().unwrap());
    bytes
}

fn on_model(seed: u64) -> String {
    let mut machine = Machine::default();
    machine.load_elf(&model_elf(seed)).unwrap();
    assert_eq!(machine.run(10_000_000), Outcome::Exit(0));
    String::from_utf8(machine.cpu.bus.duart.output.clone()).unwrap()
}

fn on_qemu(body: &str, seed: u64) -> String {
    let elf = build(&program(body, true), &format!("diff-qemu-{seed}"), "0x80000000");
    let out = Command::new("qemu-system-riscv32")
        .args(["-M", "virt", "-cpu", "rv32,zkne=true,zknd=true", "-bios", "none", "-display", "none", "-monitor", "none", "-serial", "stdio", "-kernel"])
        .arg(&elf)
        .output()
        .expect("qemu-system-riscv32 (Debian's qemu-system-misc, which ./x installs) runs");
    // The scratch directory goes, as model_elf's does (they piled up in /tmp).
    let _ = std::fs::remove_dir_all(elf.parent().unwrap());
    assert!(out.status.success(), "QEMU failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn random_programs_end_with_the_same_registers_as_on_qemu() {
    for seed in [1u64, 2, 3, 0xB0A1, 0x5EED] {
        let body = random_body(seed, 1500);
        let (model, qemu) = (on_model(seed), on_qemu(&body, seed));
        assert_eq!(model.lines().count(), REGS.len() + 1, "seed {seed}: the model printed {model:?}");
        let names: Vec<&str> = REGS.iter().copied().chain(["gp (the checksum of every result)"]).collect();
        for (i, (m, q)) in model.lines().zip(qemu.lines()).enumerate() {
            assert_eq!(m, q, "seed {seed}: {} differs (model {m}, QEMU {q})", names[i]);
        }
        assert_eq!(model, qemu, "seed {seed}");
    }
}
