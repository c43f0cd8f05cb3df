//! Running decoded blocks gives exactly what stepping one instruction at a
//! time gives: every test program run both ways and compared after every
//! slice of a few steps (registers, pc, mode, clock, instret, CSRs, TLB,
//! outputs); code rewritten under decoded blocks; a block whose next
//! virtual page maps elsewhere; an interrupt due in the middle of a block.

use super::assemble;
use crate::bus::SRAM_BASE;
use crate::cpu::Mode;
use crate::{Machine, Outcome};

/// Everything of the machine a guest or the runner can see.
fn state(m: &Machine, registers: bool) -> String {
    let c = &m.cpu;
    let x = if registers { format!("{:x?}", c.x) } else { String::new() };
    format!(
        "{x} pc {:#x} {:?} cycle {} instret {} csr {:?} lines {:#x} reserved {:?} tlb {:?} duart {:?} uart2 {:?} rows {}",
        c.pc,
        c.mode,
        c.cycle,
        c.instret,
        c.csr,
        c.irq_lines,
        c.reservation,
        c.tlb,
        c.bus.duart.output,
        c.bus.uart2.output,
        c.bus.rram_controller.rows_written,
    )
}

/// Runs the ELF of `name` both ways in slices of `slice` steps, blocks
/// compiled after `hot` runs, comparing after each slice.
fn same_as_stepping(name: &str, elf: &[u8], slice: u64, hot: Option<u32>) {
    same_as_stepping_from(name, elf, slice, hot, |_| {});
}

/// `same_as_stepping`, with `setup` done to both machines after loading.
fn same_as_stepping_from(name: &str, elf: &[u8], slice: u64, hot: Option<u32>, setup: impl Fn(&mut Machine)) {
    let [mut fast, mut slow] = [Machine::default(), Machine::default()];
    for m in [&mut fast, &mut slow] {
        m.load_elf(elf).unwrap();
        m.cpu.bus.uart2.input.extend(b"xy");
        setup(m);
    }
    fast.cpu.jit.hot = hot;
    // The TRNG's words differ between machines by design.
    let registers = name != "irq_trng";
    let mut steps = 0;
    loop {
        let (a, b) = (fast.run(slice), slow.run_stepping(slice));
        steps += slice;
        assert_eq!(state(&fast, registers), state(&slow, registers), "{name}: after {steps} steps in slices of {slice}, hot {hot:?}");
        assert_eq!(a, b, "{name}");
        if a != Outcome::Limit || steps > 2_000_000 {
            assert_eq!(a, Outcome::Exit(0), "{name}");
            return;
        }
    }
}

#[test]
fn every_test_program_runs_as_stepping_runs_it_slice_by_slice() {
    let programs = [
        "alu", "muldiv", "branch", "loadstore", "atomics", "compressed", "csr", "traps", "mmu", "smc", "timers",
        "irq_trng", "rram", "uart2", "blocks", "jit", "tlb",
    ];
    for name in programs {
        let elf = assemble(name);
        // Interpreted only, compiled at once, compiled when hot.
        for hot in [None, Some(0), Some(2)] {
            for slice in [1, 3, 17, 100, 4096, 1_000_000] {
                same_as_stepping(name, &elf, slice, hot);
            }
        }
    }
}

#[test]
fn checked_data_translations_are_forgotten_when_the_tlb_replaces_their_entry() {
    super::passes("tlb");
}

#[test]
fn hot_loops_compiled_run_as_stepping_runs_them() {
    let machine = super::passes("jit");
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        assert!(machine.cpu.jit.compiled_blocks() > 0, "no block was compiled");
    }
}

#[test]
fn random_programs_compiled_at_once_run_as_stepping_runs_them() {
    for seed in [1u64, 2, 3, 0xB0A1, 0x5EED, 77, 1234] {
        let elf = super::differential::model_elf(seed);
        same_as_stepping("random", &elf, 1_000_000, Some(0));
        same_as_stepping("random", &elf, 37, Some(0));
        same_as_stepping_from("random in S mode", &elf, 1_000_000, Some(0), in_supervisor_mode_moved);
    }
}

/// The random programs' world under Sv32 in S mode, their data page
/// elsewhere: code (RRAM) and devices mapped as they are, VA 0x6100_0000
/// (the program's buffer) to PA 0x6105_0000.
fn in_supervisor_mode_moved(m: &mut Machine) {
    let (root, leaf) = (SRAM_BASE + 0x10_0000, SRAM_BASE + 0x10_1000);
    let (v, r, w, x, a, d) = (1, 2, 4, 8, 64, 128);
    put(m, root + 4 * 0x180, &[0x60000 << 10 | v | r | x | a]);
    put(m, root + 4 * 0x100, &[0x40000 << 10 | v | r | w | a | d]);
    put(m, root + 4 * 0x184, &[(leaf >> 12) << 10 | v]);
    put(m, leaf, &[0x61050 << 10 | v | r | w | a | d]);
    m.cpu.csr.satp = 0x8000_0000 | root >> 12;
    m.cpu.mode = Mode::Supervisor;
}

#[test]
fn code_rewritten_under_decoded_blocks_runs_as_rewritten_and_blocks_cross_no_page() {
    super::passes("blocks");
}

/// Words at `pa`, as the machine's memory.
fn put(m: &mut Machine, pa: u32, words: &[u32]) {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    m.cpu.bus.preload(pa, &bytes).unwrap();
}

const ADDI_A0_1: u32 = 0x0015_0513;
const ADDI_A0_2: u32 = 0x0025_0513;
const ADDI_A0_100: u32 = 0x0645_0513;
const LOOP: u32 = 0x0000_006F; // j .

/// A hart in S mode with Sv32 on: VA page 0x10000 maps to SRAM page
/// 0x61020 and VA page 0x10001 to 0x61030, not to the page after 0x61020.
fn split_pages() -> Machine {
    let mut m = Machine::default();
    let (root, leaf) = (SRAM_BASE + 0x1_0000, SRAM_BASE + 0x1_1000);
    let (v, r, x, a) = (1, 2, 8, 64);
    put(&mut m, root + 4 * 0x40, &[(leaf >> 12) << 10 | v]);
    put(&mut m, leaf, &[0x61020 << 10 | v | r | x | a, 0x61030 << 10 | v | r | x | a]);
    m.cpu.csr.satp = 0x8000_0000 | root >> 12;
    m.cpu.mode = Mode::Supervisor;
    m.cpu.pc = 0x1000_0FF8;
    m
}

#[test]
fn a_block_ends_at_its_page_and_the_next_page_is_translated_anew() {
    let mut m = split_pages();
    put(&mut m, 0x6102_0FF8, &[ADDI_A0_1, ADDI_A0_1, ADDI_A0_100, LOOP]);
    put(&mut m, 0x6103_0000, &[ADDI_A0_2, LOOP]);
    assert_eq!(m.run(10), Outcome::Limit);
    assert_eq!(m.cpu.x[10], 4, "1 + 1 on the first page, 2 on the second");
    assert_eq!(m.cpu.pc, 0x1000_1004);
    assert_eq!((m.cpu.cycle, m.cpu.instret), (10, 10));
}

#[test]
fn an_instruction_straddling_two_pages_is_fetched_through_both() {
    let mut m = split_pages();
    m.cpu.pc = 0x1000_0FFC;
    // c.nop at 0xFFC, then addi a0, a0, 1 with its halves on two pages.
    put(&mut m, 0x6102_0FFC, &[0x0513_0001]);
    put(&mut m, 0x6103_0000, &[0x0015 | LOOP << 16, 0]);
    put(&mut m, 0x6102_1000, &[ADDI_A0_100]);
    assert_eq!(m.run(2), Outcome::Limit);
    assert_eq!((m.cpu.x[10], m.cpu.pc), (1, 0x1000_1002));
}

#[test]
fn an_interrupt_due_in_the_middle_of_a_block_is_taken_before_the_same_instruction_as_stepping() {
    // 64 additions in one block from 0x6100_0000, then a loop; timer0
    // counts 20 clocks from clock 0 to its zero event, line 30 through
    // mim to M mode, whose handler at 0x6100_1000 loops.
    let outcomes: Vec<(u32, u32, u64, u32)> = [false, true]
        .into_iter()
        .map(|stepping| {
            let mut m = Machine::default();
            put(&mut m, SRAM_BASE, &[ADDI_A0_1; 64]);
            put(&mut m, SRAM_BASE + 256, &[LOOP]);
            put(&mut m, SRAM_BASE + 0x1000, &[LOOP]);
            let timer0 = crate::devices::timer0::BASE;
            for (offset, value) in [(0x00, 20), (0x1C, 1), (0x08, 1)] {
                m.cpu.bus.store(timer0 + offset, 4, value).unwrap();
            }
            m.cpu.csr.mtvec = SRAM_BASE + 0x1000;
            m.cpu.csr.mim = 1 << 30;
            m.cpu.csr.mie = 1 << 11;
            m.cpu.csr.mstatus = crate::trap::MIE;
            m.cpu.pc = SRAM_BASE;
            let outcome = if stepping { m.run_stepping(100) } else { m.run(100) };
            assert_eq!(outcome, Outcome::Limit);
            (m.cpu.x[10], m.cpu.csr.mepc, m.cpu.cycle, m.cpu.csr.mcause)
        })
        .collect();
    assert_eq!(outcomes[0], outcomes[1], "blocks against stepping");
    let (a0, mepc, _, mcause) = outcomes[0];
    assert_eq!(mcause, 0x8000_000B);
    assert_eq!(a0, 20, "20 additions in 20 clocks, then the interrupt");
    assert_eq!(mepc, SRAM_BASE + 4 * 20, "taken before the 21st addition, inside the block");
}

/// A loop that starts with AES32 instructions (aes32esmi a1, a1, a2, bs 1;
/// aes32dsmi a2, a2, a1, bs 3; addi a0, a0, -1; bnez a0, back): compiled at
/// once, it runs as stepping runs it, and compiled: the swap's cipher is
/// such blocks, which the compiler once left to the interpreter whole.
#[test]
fn a_loop_of_aes32_instructions_is_compiled_and_runs_as_stepping_runs_it() {
    const AES32ESMI_A1_A1_A2_BS1: u32 = 0x66C5_85B3;
    const AES32DSMI_A2_A2_A1_BS3: u32 = 0xEEB6_0633;
    const ADDI_A0_MINUS_1: u32 = 0xFFF5_0513;
    const BNEZ_A0_BACK_12: u32 = 0xFE05_1AE3;
    let run = |hot: Option<u32>| {
        let mut m = Machine::default();
        m.cpu.jit.hot = hot;
        let at = SRAM_BASE + 0x2000;
        put(&mut m, at, &[AES32ESMI_A1_A1_A2_BS1, AES32DSMI_A2_A2_A1_BS3, ADDI_A0_MINUS_1, BNEZ_A0_BACK_12, LOOP]);
        m.cpu.pc = at;
        (m.cpu.x[10], m.cpu.x[11], m.cpu.x[12]) = (1000, 0x0123_4567, 0x89AB_CDEF);
        assert_eq!(m.run(4000), Outcome::Limit);
        m
    };
    let (compiled, stepped) = (run(Some(0)), run(None));
    assert_eq!(state(&compiled, true), state(&stepped, true));
    assert_eq!((compiled.cpu.x[10], compiled.cpu.pc), (0, SRAM_BASE + 0x2010), "1,000 rounds, then at the `j .`");
    if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
        assert_eq!(compiled.cpu.jit.compiled_blocks(), 1, "the loop's block is compiled");
    }
}
