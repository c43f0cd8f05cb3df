//! Pieces tested without a program: the bus, the decoder of compressed
//! instructions against the assembler's own encodings, and bad guests.

use crate::bus::{Bus, BusError, RRAM_BASE, SRAM_BASE};
use crate::compressed::expand;
use crate::{Machine, Outcome};

#[test]
fn rram_keeps_plain_stores_out_and_sram_takes_them() {
    let mut bus = Bus::default();
    assert_eq!(bus.store(RRAM_BASE, 4, 1), Ok(()), "staged for the controller");
    assert_eq!(bus.load(RRAM_BASE, 4), Ok(0), "RRAM itself unchanged");
    bus.store(SRAM_BASE + 8, 2, 0xBEEF).unwrap();
    assert_eq!(bus.load(SRAM_BASE + 8, 4), Ok(0xBEEF));
    assert_eq!(bus.load(SRAM_BASE + (2 << 20), 1), Err(BusError), "past SRAM's 2 MiB");
    assert_eq!(bus.load(0x8000_0000, 4), Err(BusError), "QEMU virt's RAM is not here");
}

#[test]
fn compressed_instructions_expand_to_their_32_bit_forms() {
    // (16-bit, 32-bit) pairs as the GNU assembler encodes them.
    let pairs: [(u16, u32); 8] = [
        (0x4501, 0x0000_0513), // c.li a0, 0      -> addi a0, x0, 0
        (0x0505, 0x0015_0513), // c.addi a0, 1    -> addi a0, a0, 1
        (0x852e, 0x00b0_0533), // c.mv a0, a1     -> add a0, x0, a1
        (0x8082, 0x0000_8067), // c.jr ra         -> jalr x0, 0(ra)
        (0x4108, 0x0005_2503), // c.lw a0, 0(a0)  -> lw a0, 0(a0)
        (0xc108, 0x00a5_2023), // c.sw a0, 0(a0)  -> sw a0, 0(a0)
        (0x9002, 0x0010_0073), // c.ebreak
        (0x1141, 0xff01_0113), // c.addi sp, -16 -> addi sp, sp, -16
    ];
    for (c, full) in pairs {
        assert_eq!(expand(c), Some(full), "{c:#06x}");
    }
    assert_eq!(expand(0), None, "the all-zero parcel");
    assert_eq!(expand(0x2000), None, "c.fld: no FPU");
}

#[test]
fn a_guest_jumping_into_nothing_gets_a_trap_not_a_crashed_model() {
    let mut machine = Machine::default();
    // Code at the reset vector: all zeros, an illegal instruction, whose
    // trap goes to mtvec = 0x6000_0000 again: the model loops, never panics.
    assert_eq!(machine.run(1000), Outcome::Limit);
    assert_eq!(machine.cpu.csr.mcause, 2);
    machine.cpu.pc = 0x1234_5678;
    machine.cpu.csr.mtvec = 0x9000_0000;
    assert_eq!(machine.run(1000), Outcome::Limit);
    assert_eq!(machine.cpu.csr.mcause, 1, "a fetch access fault");
}

#[test]
fn elf_files_that_do_not_fit_are_refused() {
    let mut machine = Machine::default();
    assert!(machine.load_elf(b"not an elf").unwrap_err().starts_with("not an ELF file"));
}

#[test]
fn timer0_counts_down_reloads_and_raises_its_event() {
    use crate::devices::timer0::Timer0;
    let mut t = Timer0::default();
    t.write(0x00, 3, 0); // LOAD
    t.write(0x04, 2, 0); // RELOAD
    t.write(0x1C, 1, 0); // EV_ENABLE
    t.write(0x08, 1, 10); // EN at clock 10: counts 3, 2, 1, 0
    assert_eq!(t.next_event(10), Some(13));
    assert!(!t.line(12));
    t.write(0x0C, 1, 12); // UPDATE_VALUE
    assert_eq!(t.read(0x10, 12), 1);
    assert!(t.line(13), "zero at clock 13");
    t.write(0x18, 1, 13); // clear the event
    assert!(!t.line(15), "2 at 14, 1 at 15");
    t.write(0x0C, 1, 15);
    assert_eq!(t.read(0x10, 15), 1);
    assert!(t.line(16), "zero again after RELOAD + 1 clocks");
}

#[test]
fn the_ticktimer_keeps_its_count_across_a_change_of_rate() {
    use crate::devices::ticktimer::Ticktimer;
    let mut t = Ticktimer::default();
    assert_eq!(t.read(0x08, 5_000), 5, "1,000 clocks a tick at reset");
    t.write(0x20, 10, 5_000);
    assert_eq!(t.read(0x08, 5_100), 15);
    t.write(0x10, 20, 5_100); // alarm at tick 20
    t.write(0x1C, 1, 5_100);
    assert_eq!(t.next_event(5_100), Some(5_150));
    assert!(!t.line(5_149) && t.line(5_150));
    t.write(0x00, 1, 6_000); // reset
    assert_eq!(t.read(0x08, 6_000), 0);
}

#[test]
fn irqarray_banks_are_where_litex_puts_them() {
    use crate::devices::irqarray::bank_at;
    assert_eq!(bank_at(0xE000_4000), Some(0));
    assert_eq!(bank_at(0xE000_5000), Some(1));
    assert_eq!(bank_at(0xE000_6000), Some(10));
    assert_eq!(bank_at(0xE000_F000), Some(19));
    assert_eq!(bank_at(0xE001_0000), Some(2));
    assert_eq!(bank_at(0xE001_7000), Some(9));
    assert_eq!(bank_at(0xE001_8000), None);
    assert_eq!(bank_at(0xE000_3000), None);
}

#[test]
fn two_runs_get_different_trng_words() {
    let words = || {
        let mut bus = Bus::default();
        bus.store(0x4002_E014, 4, 0x5A).unwrap();
        [bus.load(0x4002_E030, 4).unwrap(), bus.load(0x4002_E030, 4).unwrap()]
    };
    assert_ne!(words(), words());
}

#[test]
fn a_byte_received_on_uart2_raises_irqarray_5_event_8_until_read() {
    let mut bus = Bus::default();
    let bank5 = 0xE001_3000;
    bus.store(bank5 + 0x14, 4, 1 << 8).unwrap(); // EV_ENABLE: the receive event
    assert_eq!(bus.irq_lines(0) & (1 << 5), 0, "nothing received");
    bus.uart2.input.extend(b"ab");
    assert_ne!(bus.irq_lines(0) & (1 << 5), 0, "line 5 while a byte waits");
    bus.store(bank5 + 0x10, 4, 1 << 8).unwrap(); // EV_PENDING: clear
    assert_ne!(bus.irq_lines(0) & (1 << 5), 0, "pending again: bytes still wait");
    assert_eq!(bus.load(0x5010_3000 + 0x34, 4), Ok(b'a' as u32));
    assert_eq!(bus.load(0x5010_3000 + 0x34, 4), Ok(b'b' as u32));
    bus.store(bank5 + 0x10, 4, 1 << 8).unwrap();
    assert_eq!(bus.irq_lines(0) & (1 << 5), 0, "all read, cleared: quiet");
    bus.uart2.input.push_back(b'c');
    bus.store(bank5 + 0x14, 4, 0).unwrap();
    assert_eq!(bus.irq_lines(0) & (1 << 5), 0, "the event disabled: no line");
}
