//! The baosec board's NOR flash on the SPI master's chip select 0, driven
//! through the bus as a driver would: reads that run on across pages and
//! sectors, fast read, the JEDEC ID, status, reset, contents from a file
//! (erased past it), and every command it refuses a fault of the store
//! that started it, the master usable after; and the model-only tamper
//! hook that flips a bit in each page the file supplied.

use super::spim::{arm, baosec, get, program, put, read, rx_data, send_cmd, tx_data, write, EOT, RX, TX};
use crate::bus::{Bus, BusError, HookAction, TestHook, IFRAM_BASE};
use crate::devices::nor::{self, Nor};

const SOT_CS0: u32 = 0x1000_0000;

/// A recognisable byte for every address (not repeating within 1 KiB).
fn pattern(addr: usize) -> u8 {
    (addr ^ addr >> 8 ^ addr >> 16).wrapping_mul(31) as u8
}

fn pattern_bytes(n: usize) -> Vec<u8> {
    (0..n).map(pattern).collect()
}

/// The baosec board with `contents` in its flash.
fn with_flash(contents: &[u8]) -> Bus {
    let mut bus = baosec();
    bus.spim1.as_mut().unwrap().nor = Nor::with_contents(contents).unwrap();
    bus
}

fn nor(bus: &Bus) -> &Nor {
    &bus.spim1.as_ref().unwrap().nor
}

/// Runs a command with `tx` sent after it, then receives `n` bytes, on chip select 0.
fn transaction(bus: &mut Bus, op: u8, tx: &[u8], n: u32) -> Result<Vec<u8>, BusError> {
    let mut words = vec![SOT_CS0, send_cmd(op)];
    if !tx.is_empty() {
        put(bus, TX, tx);
        arm(bus, 0x10, TX, tx.len() as u32, 0)?;
        words.push(tx_data(tx.len() as u32));
    }
    arm(bus, 0x00, RX, n, 0)?;
    words.extend([rx_data(n), EOT]);
    program(bus, &words)?;
    Ok(get(bus, RX, n as usize))
}

/// 0x03 (or 0x0B, with its dummy byte after the address, as Xous sends it).
fn flash_read(bus: &mut Bus, op: u8, addr: u32, n: u32) -> Result<Vec<u8>, BusError> {
    let mut tx = addr.to_be_bytes()[1..].to_vec();
    if op == 0x0B {
        tx.push(0xFF);
    }
    transaction(bus, op, &tx, n)
}

fn temporary(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("bao1x-emu-nor-{}-{name}.bin", std::process::id()))
}

#[test]
fn a_read_starts_at_0_and_runs_on_across_1_kib_and_4_kib_boundaries() {
    let contents = pattern_bytes(64 << 10);
    let mut bus = with_flash(&contents);
    assert_eq!(flash_read(&mut bus, 0x03, 0, 64).unwrap(), contents[..64]);
    assert_eq!(flash_read(&mut bus, 0x03, 0x3F0, 0x20).unwrap(), contents[0x3F0..0x410], "across 1 KiB");
    assert_eq!(flash_read(&mut bus, 0x03, 0xFF0, 0x20).unwrap(), contents[0xFF0..0x1010], "across 4 KiB");
    assert_eq!(flash_read(&mut bus, 0x03, 0x1801, 0x4000).unwrap(), contents[0x1801..0x5801], "16 KiB in one read");
    for bank in [0x00, 0x10, 0x20] {
        assert_eq!(bus.load(crate::devices::spim::BASE + bank, 4), Ok(0), "SADDR reads 0 when done");
    }
}

#[test]
fn fast_read_skips_its_dummy_byte_sent_as_data_or_as_dummy_cycles() {
    let contents = pattern_bytes(16 << 10);
    let mut bus = with_flash(&contents);
    assert_eq!(flash_read(&mut bus, 0x0B, 0x2FFE, 8).unwrap(), contents[0x2FFE..0x3006]);
    // The address as data, then DUMMY of 8 cycles for the dummy byte.
    put(&mut bus, TX, &[0x00, 0x01, 0x23]);
    arm(&mut bus, 0x10, TX, 3, 0).unwrap();
    arm(&mut bus, 0x00, RX, 4, 0).unwrap();
    program(&mut bus, &[SOT_CS0, send_cmd(0x0B), tx_data(3), 0x4000_0000 | 8 << 16, rx_data(4), EOT]).unwrap();
    assert_eq!(get(&mut bus, RX, 4), contents[0x123..0x127]);
}

#[test]
fn jedec_id_answers_the_parts_three_bytes_with_no_address_then_zeros() {
    let mut bus = baosec();
    assert_eq!(transaction(&mut bus, 0x9F, &[], 5).unwrap(), [0x0B, 0x60, 0x17, 0, 0]);
    assert_eq!(1usize << nor::JEDEC_ID[2], nor::SIZE, "the capacity byte says 8 MiB");
}

#[test]
fn status_register_1_reads_0_never_busy() {
    let mut bus = with_flash(&[0x5A; 16]);
    assert_eq!(transaction(&mut bus, 0x05, &[], 3).unwrap(), [0, 0, 0]);
    assert_eq!(flash_read(&mut bus, 0x03, 0, 2).unwrap(), [0x5A, 0x5A], "a read after it");
}

#[test]
fn reset_enable_then_reset_keeps_the_contents_and_reset_alone_is_refused() {
    let mut bus = with_flash(b"kept");
    program(&mut bus, &[SOT_CS0, send_cmd(0x66), EOT, SOT_CS0, send_cmd(0x99), EOT]).unwrap();
    assert_eq!(nor(&bus).resets, 1);
    assert_eq!(flash_read(&mut bus, 0x03, 0, 4).unwrap(), b"kept");
    assert_eq!(program(&mut bus, &[SOT_CS0, send_cmd(0x99), EOT]), Err(BusError), "0x99 alone");
    let between = [SOT_CS0, send_cmd(0x66), EOT, SOT_CS0, send_cmd(0x05), EOT, SOT_CS0, send_cmd(0x99), EOT];
    assert_eq!(program(&mut bus, &between), Err(BusError), "a command between 0x66 and 0x99");
    assert_eq!(nor(&bus).resets, 1);
}

#[test]
fn contents_come_from_the_file_and_read_0xff_past_it_or_without_one() {
    let file = temporary("contents");
    let contents = pattern_bytes(5000);
    std::fs::write(&file, &contents).unwrap();
    let loaded = Nor::from_file(&file);
    let _ = std::fs::remove_file(&file);
    let mut bus = baosec();
    assert_eq!(flash_read(&mut bus, 0x03, 0x1000, 4).unwrap(), [0xFF; 4], "no file: erased");
    bus.spim1.as_mut().unwrap().nor = loaded.unwrap();
    let got = flash_read(&mut bus, 0x03, 4990, 20).unwrap();
    assert_eq!(got[..10], contents[4990..]);
    assert_eq!(got[10..], [0xFF; 10], "past the file");
    assert_eq!(flash_read(&mut bus, 0x03, 0x7F_FFF0, 16).unwrap(), [0xFF; 16], "the last bytes");
}

#[test]
fn a_file_of_8_mib_fills_the_part_and_a_larger_one_is_refused_by_name() {
    let file = temporary("whole");
    let mut contents = vec![0u8; nor::SIZE];
    contents[nor::SIZE - 1] = 0x42;
    std::fs::write(&file, &contents).unwrap();
    let whole = Nor::from_file(&file);
    contents.push(0);
    std::fs::write(&file, &contents).unwrap();
    let larger = Nor::from_file(&file);
    let _ = std::fs::remove_file(&file);
    assert_eq!(whole.unwrap().bytes()[nor::SIZE - 1], 0x42);
    let why = larger.err().expect("8 MiB and a byte refused");
    assert!(why.contains(&file.display().to_string()) && why.contains("8 MiB"), "{why}");
    let too_many = Nor::with_contents(&contents).err().expect("refused");
    assert!(too_many.contains("8 MiB"), "{too_many}");
}

#[test]
fn each_write_erase_and_quad_command_is_a_model_error_and_the_master_is_usable_after() {
    let contents = pattern_bytes(4096);
    let refused = [0x06, 0x04, 0x02, 0x20, 0x52, 0xD8, 0xC7, 0x60, 0x01, 0x31, 0xEB, 0x6B, 0x32, 0x38, 0x35, 0xF5, 0xFF, 0xAF, 0x42];
    for op in refused {
        let mut bus = with_flash(&contents);
        let words = [SOT_CS0, send_cmd(op), tx_data(4), EOT];
        put(&mut bus, TX, &[0, 0, 0, 0]);
        arm(&mut bus, 0x10, TX, 4, 0).unwrap();
        assert_eq!(program(&mut bus, &words), Err(BusError), "{op:#04x}");
        assert_eq!(bus.load(crate::devices::spim::BASE + 0x20, 4), Ok(0), "{op:#04x}: the master was reset");
        assert_eq!(flash_read(&mut bus, 0x03, 0, 4096).unwrap(), contents, "after {op:#04x}");
        assert_eq!(nor(&bus).bytes()[..4096], contents, "{op:#04x} changed nothing");
        let mut part = Nor::default();
        part.select();
        let why = part.send(op).err().expect("refused");
        assert!(why.contains(&format!("{op:#04x}")), "the error names the command: {why}");
    }
}

#[test]
fn a_read_from_or_running_past_8_mib_is_refused() {
    let mut bus = with_flash(&[]);
    assert_eq!(flash_read(&mut bus, 0x03, 0x7F_FFFE, 2).unwrap(), [0xFF; 2], "up to the end");
    assert_eq!(flash_read(&mut bus, 0x03, 0x80_0000, 1), Err(BusError), "from 8 MiB");
    assert_eq!(flash_read(&mut bus, 0x0B, 0xFF_FFFF, 1), Err(BusError), "from the top of 24 bits");
    assert_eq!(flash_read(&mut bus, 0x03, 0x7F_FFFE, 3), Err(BusError), "running past the end");
    assert_eq!(flash_read(&mut bus, 0x03, 0, 2).unwrap(), [0xFF; 2], "usable after");
    let mut part = Nor::default();
    part.select();
    for byte in [0x03, 0x80, 0x00] {
        part.send(byte).unwrap();
    }
    assert!(part.send(0x00).err().expect("refused at the address").contains("0x800000"));
}

#[test]
fn chip_select_0_is_the_flash_and_1_still_the_psram() {
    let mut bus = with_flash(b"flash");
    write(&mut bus, 0, b"psram").unwrap();
    assert_eq!(flash_read(&mut bus, 0x03, 0, 5).unwrap(), b"flash");
    assert_eq!(read(&mut bus, 0x03, 0, 5).unwrap(), b"psram");
    assert_eq!(nor(&bus).bytes()[..5], *b"flash", "the PSRAM's write did not reach the flash");
    let id = transaction(&mut bus, 0x9F, &[], 3).unwrap();
    assert_eq!(id, nor::JEDEC_ID, "0x9F on chip select 0 is the flash's ID, with no address bytes");
}

/// The guest prints `text` on UART2 (from IFRAM's first page, which the
/// SPI master's buffers above do not use).
fn console(bus: &mut Bus, text: &[u8]) {
    put(bus, IFRAM_BASE, text);
    for (register, value) in [(0x10, IFRAM_BASE), (0x14, text.len() as u32), (0x18, 1 << 4)] {
        bus.store(crate::devices::uart2::BASE + register, 4, value).unwrap();
    }
}

/// The places where `before` and `after` differ, each with its changed bits.
fn changes(before: &[u8], after: &[u8]) -> Vec<(usize, u8)> {
    before.iter().zip(after).enumerate().filter(|(_, (b, a))| b != a).map(|(i, (b, a))| (i, b ^ a)).collect()
}

#[test]
fn the_tamper_hook_flips_a_bit_in_each_page_the_file_supplied_once_the_console_says_so_and_never_the_file() {
    let file = temporary("tamper");
    let contents = pattern_bytes(3 * 4096);
    std::fs::write(&file, &contents).unwrap();
    let mut bus = baosec();
    bus.spim1.as_mut().unwrap().nor = Nor::from_file(&file).unwrap();
    bus.test_hook = Some(TestHook { on: b"big: ready".to_vec(), action: HookAction::FlipNor });
    console(&mut bus, b"big: re");
    assert_eq!(nor(&bus).bytes()[..contents.len()], contents, "not before the whole text");
    console(&mut bus, b"ady\n");
    let after = nor(&bus).bytes().to_vec();
    let on_disk = std::fs::read(&file);
    let _ = std::fs::remove_file(&file);
    let changed = changes(&contents, &after[..contents.len()]);
    assert_eq!(changed.len(), 3, "one byte in each of the three pages: {changed:x?}");
    for (page, (at, bits)) in changed.iter().enumerate() {
        assert_eq!(at / 4096, page, "{changed:x?}");
        assert_eq!(bits.count_ones(), 1, "one bit at {at:#x}");
    }
    assert!(after[contents.len()..].iter().all(|b| *b == 0xFF), "nothing past the file");
    assert_eq!(on_disk.unwrap(), contents, "the file is never written");
    let (at, _) = changed[1];
    assert_eq!(flash_read(&mut bus, 0x03, at as u32, 1).unwrap(), [after[at]], "a read sees the flipped bit");
    assert!(bus.test_hook.is_none(), "once only");
    console(&mut bus, b"big: ready\n");
    assert_eq!(nor(&bus).bytes(), &after[..], "nothing more the second time");
}

#[test]
fn a_last_partial_page_is_flipped_within_the_file_and_a_part_with_no_file_has_nothing_to_flip() {
    for len in [1, 50, 4096 + 99, 4096 + 101, 8192 + 3000] {
        let contents = pattern_bytes(len);
        let mut part = Nor::with_contents(&contents).unwrap();
        let before = part.bytes().to_vec();
        assert_eq!(part.flip_supplied_pages(), len.div_ceil(4096), "{len} bytes");
        let changed = changes(&before, part.bytes());
        assert_eq!(changed.len(), len.div_ceil(4096), "{len} bytes: {changed:x?}");
        assert!(changed.iter().all(|(at, bits)| *at < len && bits.count_ones() == 1), "{len} bytes: {changed:x?}");
    }
    let mut blank = Nor::default();
    assert_eq!(blank.flip_supplied_pages(), 0);
    assert!(blank.bytes().iter().all(|b| *b == 0xFF));
    let mut bus = with_flash(&[]);
    bus.test_hook = Some(TestHook { on: b"ready".to_vec(), action: HookAction::FlipNor });
    console(&mut bus, b"ready");
    assert!(bus.test_hook.is_none() && nor(&bus).bytes().iter().all(|b| *b == 0xFF), "done, and nothing to flip");
}
