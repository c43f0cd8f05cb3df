//! The baosec board's UDMA SPI master and PSRAM, driven through the bus as
//! a driver would (command words, TX and RX buffers in IFRAM): every
//! command and transfer the model knows, and bad sequences ending in a
//! fault of the store that started them, never in a crashed model.

use crate::bus::{Bus, BusError, IFRAM_BASE, SRAM_BASE};
use crate::devices::{psram, spim};

pub(super) const CMD: u32 = IFRAM_BASE + 0x1000;
pub(super) const TX: u32 = IFRAM_BASE + 0x2000;
pub(super) const RX: u32 = IFRAM_BASE + 0x3000;
pub(super) const UDMA_CONTROL: u32 = 0x5010_0000;

// Command words (the PULP udma_spim encodings).
pub(super) const SOT_CS1: u32 = 0x1000_0001;
pub(super) const EOT: u32 = 0x9000_0000;
pub(super) fn send_cmd(byte: u8) -> u32 {
    0x2000_0000 | 7 << 16 | byte as u32
}
pub(super) fn tx_data(n: u32) -> u32 {
    0x6000_0000 | 7 << 16 | (n - 1)
}
pub(super) fn rx_data(n: u32) -> u32 {
    0x7000_0000 | 7 << 16 | (n - 1)
}

pub(super) fn baosec() -> Bus {
    let mut bus = Bus::default();
    bus.spim1 = Some(Default::default());
    bus.store(UDMA_CONTROL, 4, spim::CLOCK_GATE_BIT).unwrap();
    bus
}

pub(super) fn put(bus: &mut Bus, at: u32, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        bus.store(at + i as u32, 1, *b as u32).unwrap();
    }
}

pub(super) fn get(bus: &mut Bus, at: u32, n: usize) -> Vec<u8> {
    (0..n).map(|i| bus.load(at + i as u32, 1).unwrap() as u8).collect()
}

/// Arms channel `bank` (0 RX, 0x10 TX, 0x20 commands) on `n` bytes at `at`.
pub(super) fn arm(bus: &mut Bus, bank: u32, at: u32, n: u32, size: u32) -> Result<(), BusError> {
    bus.store(spim::BASE + bank, 4, at)?;
    bus.store(spim::BASE + bank + 4, 4, n)?;
    bus.store(spim::BASE + bank + 8, 4, 1 << 4 | size)
}

/// Runs a command program (the TX and RX channels armed first, as drivers do).
pub(super) fn program(bus: &mut Bus, words: &[u32]) -> Result<(), BusError> {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    put(bus, CMD, &bytes);
    arm(bus, 0x20, CMD, bytes.len() as u32, 2 << 1)
}

pub(super) fn write(bus: &mut Bus, addr: u32, data: &[u8]) -> Result<(), BusError> {
    let mut tx = addr.to_be_bytes()[1..].to_vec();
    tx.extend_from_slice(data);
    put(bus, TX, &tx);
    arm(bus, 0x10, TX, tx.len() as u32, 0)?;
    program(bus, &[SOT_CS1, send_cmd(0x02), tx_data(tx.len() as u32), EOT])
}

pub(super) fn read(bus: &mut Bus, op: u8, addr: u32, n: u32) -> Result<Vec<u8>, BusError> {
    let mut tx = addr.to_be_bytes()[1..].to_vec();
    if op == 0x0B {
        tx.push(0xFF);
    }
    put(bus, TX, &tx);
    arm(bus, 0x10, TX, tx.len() as u32, 0)?;
    arm(bus, 0x00, RX, n, 0)?;
    program(bus, &[SOT_CS1, send_cmd(op), tx_data(tx.len() as u32), rx_data(n), EOT])?;
    Ok(get(bus, RX, n as usize))
}

#[test]
fn a_write_then_both_reads_give_the_bytes_back_and_the_channels_read_done() {
    let mut bus = baosec();
    let data: Vec<u8> = (0..1024u32).map(|i| (i * 7 + 3) as u8).collect();
    write(&mut bus, 0x7F_FC00, &data).unwrap();
    assert_eq!(read(&mut bus, 0x03, 0x7F_FC00, 1024).unwrap(), data);
    assert_eq!(read(&mut bus, 0x0B, 0x7F_FC10, 16).unwrap(), data[16..32]);
    for bank in [0x00, 0x10, 0x20] {
        assert_eq!(bus.load(spim::BASE + bank, 4), Ok(0), "SADDR reads 0 when done");
    }
    assert_eq!(bus.spim1.as_ref().unwrap().psram.bytes[0x7F_FC05], data[5]);
}

#[test]
fn read_id_answers_the_manufacturer_and_known_good_die_after_three_address_bytes() {
    let mut bus = baosec();
    let id = read(&mut bus, 0x9F, 0, 4).unwrap();
    assert_eq!(id, [psram::MANUFACTURER, psram::KNOWN_GOOD_DIE, 0, 0]);
}

#[test]
fn reset_enable_then_reset_keeps_the_data() {
    let mut bus = baosec();
    write(&mut bus, 0x100, b"kept").unwrap();
    program(&mut bus, &[SOT_CS1, send_cmd(0x66), EOT, SOT_CS1, send_cmd(0x99), EOT]).unwrap();
    assert_eq!(bus.spim1.as_ref().unwrap().psram.resets, 1);
    assert_eq!(read(&mut bus, 0x03, 0x100, 4).unwrap(), b"kept");
    assert_eq!(program(&mut bus, &[SOT_CS1, send_cmd(0x99), EOT]), Err(BusError), "0x99 alone");
}

#[test]
fn power_on_contents_are_the_models_pattern_not_zeros() {
    let mut bus = baosec();
    assert!(read(&mut bus, 0x03, 0x4000, 64).unwrap().iter().any(|b| *b != 0));
}

#[test]
fn a_data_command_waits_for_its_channel_to_be_armed() {
    let mut bus = baosec();
    put(&mut bus, TX, &[0, 0, 0x10, 0xAB]);
    program(&mut bus, &[SOT_CS1, send_cmd(0x02), tx_data(4), EOT]).unwrap();
    assert_ne!(bus.load(spim::BASE + 0x20, 4), Ok(0), "stalled: commands not done");
    arm(&mut bus, 0x10, TX, 4, 0).unwrap();
    assert_eq!(bus.load(spim::BASE + 0x20, 4), Ok(0));
    assert_eq!(read(&mut bus, 0x03, 0x10, 1).unwrap(), [0xAB]);
}

#[test]
fn bad_sequences_fault_the_store_and_reset_the_master() {
    let cases: &[(&str, &[u32])] = &[
        ("data with chip select high", &[send_cmd(0x03)]),
        ("SOT twice", &[SOT_CS1, SOT_CS1]),
        ("chip select 2, where nothing is", &[0x1000_0002]),
        ("quad command", &[SOT_CS1, 0x2800_0000 | 7 << 16 | 0xEB]),
        ("enter quad mode", &[SOT_CS1, send_cmd(0x35)]),
        ("unknown PSRAM command", &[SOT_CS1, send_cmd(0x42)]),
        ("SEND_ADDR", &[SOT_CS1, 0x3000_0000 | 24 << 16]),
        ("16-bit command", &[SOT_CS1, 0x2000_0000 | 15 << 16 | 0x0203]),
        ("full duplex", &[SOT_CS1, 0xC000_0000]),
        ("repeat", &[0x8000_0002]),
        ("unknown opcode", &[0xF000_0000]),
    ];
    for (what, words) in cases {
        let mut bus = baosec();
        assert_eq!(program(&mut bus, words), Err(BusError), "{what}");
        // The master is usable again at once.
        write(&mut bus, 0, b"ok").unwrap_or_else(|_| panic!("after {what}"));
        assert_eq!(read(&mut bus, 0x03, 0, 2).unwrap(), b"ok", "after {what}");
    }
}

#[test]
fn a_burst_across_a_1_kib_page_and_an_address_past_8_mib_are_errors() {
    let mut bus = baosec();
    assert_eq!(write(&mut bus, 0x3FF, b"ab"), Err(BusError), "crosses 0x400");
    assert_eq!(read(&mut bus, 0x03, 0x7FF, 2), Err(BusError));
    assert_eq!(write(&mut bus, 0x80_0000, b"a"), Err(BusError), "past 8 MiB");
}

#[test]
fn buffers_outside_ifram_and_a_gated_clock_are_refused() {
    let mut bus = baosec();
    assert_eq!(arm(&mut bus, 0x10, SRAM_BASE, 4, 0), Err(BusError), "TX from SRAM");
    assert_eq!(arm(&mut bus, 0x00, IFRAM_BASE + (256 << 10) - 2, 4, 0), Err(BusError), "RX past IFRAM's end");
    assert_eq!(arm(&mut bus, 0x10, TX, 0, 0), Err(BusError), "nothing to move");
    assert_eq!(arm(&mut bus, 0x10, TX, 4, 2 << 1), Err(BusError), "32-bit TX words");
    assert_eq!(arm(&mut bus, 0x20, CMD, 4, 0), Err(BusError), "8-bit command words");
    bus.store(UDMA_CONTROL, 4, 0).unwrap();
    assert_eq!(write(&mut bus, 0, b"x"), Err(BusError), "clock gated");
}

#[test]
fn on_dabao_there_is_no_spi_master() {
    let mut bus = Bus::default();
    assert_eq!(bus.load(spim::BASE, 4), Err(BusError));
    assert_eq!(bus.store(spim::BASE, 4, 0), Err(BusError));
}

#[test]
fn the_tamper_hook_flips_a_bit_in_each_written_block_once_the_console_says_so() {
    let mut bus = baosec();
    bus.test_hook = Some(crate::bus::TestHook { on: b"paged out".to_vec(), action: crate::bus::HookAction::FlipPsram });
    write(&mut bus, 0x1000, &[0; 200]).unwrap();
    write(&mut bus, 0x5000, &[0; 200]).unwrap();
    let before = bus.spim1.as_ref().unwrap().psram.bytes.clone();
    put(&mut bus, IFRAM_BASE, b"swap: paged out\n");
    for (register, value) in [(0x10, IFRAM_BASE), (0x14, 16), (0x18, 1 << 4)] {
        bus.store(crate::devices::uart2::BASE + register, 4, value).unwrap();
    }
    let after = &bus.spim1.as_ref().unwrap().psram.bytes;
    let changed: Vec<usize> = (0..psram::SIZE).filter(|&i| before[i] != after[i]).collect();
    assert_eq!(changed.len(), 2, "one bit in each of the two written blocks: {changed:x?}");
    assert!(changed[0] / 4096 == 1 && changed[1] / 4096 == 5);
    assert!(bus.test_hook.is_none(), "once only");
}

#[test]
fn the_dump_hook_writes_the_psram_to_a_file_before_the_text_goes_out() {
    let mut bus = baosec();
    let file = std::env::temp_dir().join(format!("bao1x-emu-psram-{}.bin", std::process::id()));
    bus.test_hook = Some(crate::bus::TestHook { on: b"out\n".to_vec(), action: crate::bus::HookAction::DumpPsram(file.clone()) });
    write(&mut bus, 0x2000, b"sealed").unwrap();
    for text in [&b"swap: paged o"[..], b"ut\n"] {
        put(&mut bus, IFRAM_BASE, text);
        for (register, value) in [(0x10, IFRAM_BASE), (0x14, text.len() as u32), (0x18, 1 << 4)] {
            bus.store(crate::devices::uart2::BASE + register, 4, value).unwrap();
        }
    }
    let dump = std::fs::read(&file).expect("dumped when the text, split over two transfers, was complete");
    let _ = std::fs::remove_file(&file);
    assert_eq!(dump.len(), psram::SIZE);
    assert_eq!(&dump[0x2000..0x2006], b"sealed");
}
