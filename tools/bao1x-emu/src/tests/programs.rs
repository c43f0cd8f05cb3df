//! One assembly program per instruction class and per quirk of the chip.

use super::passes;

#[test]
fn rv32i_arithmetic_logic_shifts_and_upper_immediates() {
    passes("alu");
}

#[test]
fn rv32m_multiply_and_divide_with_the_corner_cases() {
    passes("muldiv");
}

#[test]
fn branches_and_jumps() {
    passes("branch");
}

#[test]
fn loads_and_stores_rram_read_only_misaligned_and_unmapped_accesses_trap_duart_prints() {
    let machine = passes("loadstore");
    assert_eq!(machine.cpu.bus.duart.output, b"ok\n");
}

#[test]
fn lr_sc_and_amos() {
    passes("atomics");
}

#[test]
fn compressed_instructions() {
    passes("compressed");
}

#[test]
fn the_chips_csr_set_time_is_illegal_counters_and_interrupt_masks() {
    passes("csr");
}

#[test]
fn privilege_changes_traps_delegation_and_a_delegated_interrupt() {
    passes("traps");
}

#[test]
fn sv32_without_hardware_a_d_and_a_tlb_that_only_sfence_vma_empties() {
    let machine = passes("mmu");
    assert!(machine.cpu.tlb.walks >= 8, "the program walked the tables {} times", machine.cpu.tlb.walks);
}

#[test]
fn code_that_writes_code_runs_what_it_wrote() {
    passes("smc");
}

#[test]
fn ticktimer_counts_its_alarm_and_timer0_interrupt_through_the_line_masks_wfi_sleeps() {
    passes("timers");
}

#[test]
fn an_irqarray_event_interrupts_through_mim_and_the_trng_gives_words() {
    passes("irq_trng");
}

#[test]
fn uart2_transmits_and_receives_by_dma() {
    let mut machine = crate::Machine::default();
    machine.load_elf(&super::assemble("uart2")).unwrap();
    machine.cpu.bus.uart2.input.extend(b"xy");
    assert_eq!(machine.run(100_000), crate::Outcome::Exit(0));
    assert_eq!(machine.cpu.bus.uart2.output, b"hi\nxy");
}

#[test]
fn rram_rows_change_only_through_the_controllers_protocol_and_persist_in_a_file() {
    let dir = super::scratch("rram-file");
    let file = dir.join("rram.bin");
    let mut machine = crate::Machine::default();
    machine.attach_rram_file(&file).unwrap();
    machine.load_elf(&super::assemble("rram")).unwrap();
    assert_eq!(machine.run(100_000), crate::Outcome::Exit(0));
    assert_eq!(machine.cpu.bus.rram_controller.rows_written, 4);
    let kept = std::fs::read(&file).unwrap();
    assert_eq!(kept.len(), 4 << 20);
    assert_eq!(&kept[0x30_0008..0x30_000C], &0x2222_2222u32.to_le_bytes());
    // A second run on the same file starts with what the first wrote.
    let mut again = crate::Machine::default();
    again.attach_rram_file(&file).unwrap();
    assert_eq!(again.cpu.bus.load(0x6030_0008, 4), Ok(0x2222_2222));
    let _ = std::fs::remove_dir_all(&dir);
}
