//! Every check of the parser, reached one at a time: patch one field of the
//! sample, re-seal the CRCs (unless the CRC is what is tested), and expect
//! exactly the error that names the problem.

use super::*;
use crate::error::{ImageError as E, ProcessError as P, SegmentError as S};
use crate::layout::entry as en;
use crate::layout::segment as sg;
use crate::parse;
use std::string::ToString;

/// The error `parse` gives for the sample after `patch` and a re-seal.
fn refused(patch: impl FnOnce(&mut Vec<u8>)) -> E {
    let mut image = sample();
    patch(&mut image);
    reseal(&mut image);
    parse(&image).expect_err("the patched image must be refused")
}

/// The same without re-sealing: for the CRC checks.
fn refused_unsealed(patch: impl FnOnce(&mut Vec<u8>)) -> E {
    let mut image = sample();
    patch(&mut image);
    parse(&image).expect_err("the patched image must be refused")
}

/// The process error inside `error`, which must be about process `index`.
fn of_process(error: E, index: u32) -> P {
    match error {
        E::Process { index: i, error, .. } if i == index => error,
        other => panic!("expected an error of process {index}, got {other:?}"),
    }
}

/// The segment error inside `error`, about segment `row` of process `index`.
fn of_segment(error: E, index: u32, row: u32) -> S {
    match of_process(error, index) {
        P::Segment { index: r, error } if r == row => error,
        other => panic!("expected an error of segment {row}, got {other:?}"),
    }
}

/// Patches field `at` of process `index`'s entry.
fn set_entry(image: &mut [u8], index: usize, at: usize, value: u32) {
    let entry = entry_at(image, index);
    set(image, entry + at, value);
}

fn get_entry(image: &[u8], index: usize, at: usize) -> u32 {
    get(image, entry_at(image, index) + at)
}

/// Replaces field `at` of process `index`'s entry by `f` of its value.
fn update_entry(image: &mut [u8], index: usize, at: usize, f: impl FnOnce(u32) -> u32) {
    let value = f(get_entry(image, index, at));
    set_entry(image, index, at, value);
}

/// Patches field `at` of segment `row` of process `index`.
fn set_row(image: &mut [u8], index: usize, row: usize, at: usize, value: u32) {
    let row = row_at(image, index, row);
    set(image, row + at, value);
}

fn get_row(image: &[u8], index: usize, row: usize, at: usize) -> u32 {
    get(image, row_at(image, index, row) + at)
}

/// Replaces field `at` of segment `row` of process `index` by `f` of its value.
fn update_row(image: &mut [u8], index: usize, row: usize, at: usize, f: impl FnOnce(u32) -> u32) {
    let value = f(get_row(image, index, row, at));
    set_row(image, index, row, at, value);
}

#[test]
fn header_checks() {
    assert_eq!(refused(|i| i.truncate(100)), E::TooShort { len: 100 });
    assert_eq!(refused(|i| set(i, header::JUMP, 0x13)), E::BadJump { found: 0x13 });
    assert!(matches!(refused(|i| i[4] = b'Y'), E::BadMagic { found } if &found == b"YOUSBOOT"));
    assert_eq!(refused(|i| set(i, header::VERSION, 2)), E::UnsupportedVersion { found: 2 });
    assert_eq!(refused(|i| set(i, header::FLAGS, 2)), E::UnknownFlags { found: 2 });
    assert_eq!(refused(|i| set(i, header::FLAGS, 0x8000_0001)), E::UnknownFlags { found: 0x8000_0001 });
    let len = sample().len();
    assert_eq!(
        refused(|i| {
            i.pop();
        }),
        E::Truncated { declared: len as u32, available: len - 1 }
    );
    assert_eq!(refused(|i| set(i, header::IMAGE_LEN, 0x800)), E::ImageLenTooSmall { declared: 0x800 });
    // Over the kernel's limit: refused as too large, whatever is present
    // (a 12 MiB + 1 page image, and a header claiming 4 GiB - 1 page).
    let max = xous_abi::memory::BOOT_IMAGE_MAX as u32;
    assert_eq!(refused(|i| set(i, header::IMAGE_LEN, max + 0x1000)), E::ImageTooLarge { declared: max + 0x1000 });
    assert_eq!(refused(|i| set(i, header::IMAGE_LEN, 0xffff_f000)), E::ImageTooLarge { declared: 0xffff_f000 });
    assert!(E::ImageTooLarge { declared: 34 << 20 }.to_string().contains("34816 KiB, more than the 12288 KiB"));
    assert!(matches!(refused(|i| set(i, header::DIRECTORY_LEN, 0xffff_ff00)), E::DirectoryOutOfBounds { .. }));
    assert!(matches!(refused(|i| set(i, header::DIRECTORY_OFFSET, 0xffff_fff0)), E::DirectoryOutOfBounds { .. }));
    assert!(matches!(refused(|i| set(i, header::PROCESS_COUNT, 64)), E::TooManyProcesses { count: 64 }));
    assert!(matches!(refused(|i| set(i, header::DIRECTORY_LEN, 3 * 108 - 1)), E::DirectoryTooSmall { count: 3, .. }));
    assert!(matches!(refused(|i| set(i, header::LOAD_ADDRESS, 0x8000_0800)), E::LoadAddress { .. }));
    assert!(matches!(refused(|i| set(i, header::LOAD_ADDRESS, 0xffff_f000)), E::LoadAddress { .. }), "passes 4 GiB");
}

#[test]
fn kernel_and_directory_placement_checks() {
    assert_eq!(refused(|i| set(i, header::KERNEL_OFFSET, 0x2000)), E::KernelOffset { found: 0x2000 });
    let unaligned = refused(|i| set(i, header::KERNEL_MEMORY_SIZE, 0x5001));
    assert_eq!(unaligned, E::KernelMemoryUnaligned { memory_size: 0x5001 });
    let zero = refused(|i| set(i, header::KERNEL_MEMORY_SIZE, 0));
    assert_eq!(zero, E::KernelMemoryUnaligned { memory_size: 0 });
    let file = refused(|i| set(i, header::KERNEL_FILE_SIZE, 0x6000));
    assert_eq!(file, E::KernelFileLargerThanMemory { file_size: 0x6000, memory_size: 0x5000 });
    let window = refused(|i| set(i, header::KERNEL_MEMORY_SIZE, 0x40_0000));
    assert_eq!(window, E::KernelTooLarge { memory_size: 0x40_0000 });
    let overlap = refused(|i| set(i, header::KERNEL_MEMORY_SIZE, 0x6000));
    assert_eq!(overlap, E::DirectoryOverlapsKernel { offset: 0x6000, kernel_end: 0x7000 });
    assert_eq!(refused(|i| set(i, header::DIRECTORY_OFFSET, 0x6002)), E::DirectoryUnaligned { offset: 0x6002 });
}

#[test]
fn crc_checks() {
    let flip = |image: &mut Vec<u8>, at: usize| image[at] ^= 0x10;
    let directory = |i: &mut Vec<u8>| flip(i, get(i, header::DIRECTORY_OFFSET) as usize + 5);
    assert!(matches!(refused_unsealed(directory), E::HeaderCrc { .. }));
    assert!(matches!(refused_unsealed(|i| i[0x800] = 1), E::HeaderCrc { .. }), "reserved header bytes count");
    // A flipped byte of a process's data leaves the structure intact: parse
    // accepts it (the kernel maps those bytes and never reads them), and
    // verify_data, which the host tools run, names the process.
    let mut image = sample();
    let at = get_row(&image, 2, 1, sg::OFFSET) as usize + 3;
    flip(&mut image, at);
    let parsed = parse(&image).expect("the structure is intact");
    let error = crate::verify_data(&parsed).expect_err("the data's CRC differs");
    assert!(matches!(of_process(error, 2), P::DataCrc { .. }));
    assert_eq!(crate::verify_data(&parse(&sample()).unwrap()), Ok(()));
}

#[test]
fn name_and_flag_checks() {
    assert_eq!(of_process(refused(|i| set_entry(i, 0, en::NAME_LEN, 0)), 0), P::NameLength { len: 0 });
    assert_eq!(of_process(refused(|i| set_entry(i, 0, en::NAME_LEN, 65)), 0), P::NameLength { len: 65 });
    let padding = refused(|i| {
        let at = entry_at(i, 0) + en::NAME + 10;
        i[at] = b'x';
    });
    assert_eq!(of_process(padding, 0), P::NamePadding);
    let utf8 = refused(|i| {
        let at = entry_at(i, 1) + en::NAME;
        i[at] = 0xff;
    });
    assert_eq!(of_process(utf8, 1), P::NameNotUtf8);
    assert_eq!(of_process(refused(|i| set_entry(i, 1, en::FLAGS, 4)), 1), P::UnknownFlags { flags: 4 });
    let both = en::FLAG_MAIN | en::FLAG_ON_DEMAND;
    assert_eq!(of_process(refused(|i| set_entry(i, 2, en::FLAGS, both)), 2), P::UnknownFlags { flags: both }, "a MAIN process started on demand");
    // ON_DEMAND alone is a service's flag.
    let mut image = sample();
    set_entry(&mut image, 1, en::FLAGS, en::FLAG_ON_DEMAND);
    reseal(&mut image);
    let parsed = parse(&image).unwrap();
    let flags: std::vec::Vec<(bool, bool)> = parsed.processes().map(|p| (p.is_on_demand(), p.is_main())).collect();
    assert_eq!(flags, [(false, false), (true, false), (false, true)]);
    let second = refused(|i| set_entry(i, 0, en::FLAGS, en::FLAG_MAIN));
    assert_eq!(of_process(second, 2), P::SecondMain { first: 0 });
}

#[test]
fn data_and_parameter_checks() {
    let data = |i: &[u8], index| get_entry(i, index, en::DATA_OFFSET);
    let len = |i: &[u8], index| get_entry(i, index, en::DATA_LEN);
    let unaligned = refused(|i| update_entry(i, 1, en::DATA_OFFSET, |v| v + 0x800));
    assert!(matches!(of_process(unaligned, 1), P::DataUnaligned { .. }));
    let beyond = refused(|i| update_entry(i, 2, en::DATA_LEN, |v| v + 0x1000));
    assert!(matches!(of_process(beyond, 2), P::DataBeyondImage { .. }));
    // Process 0's data swallows process 1's: each is fine alone, not together.
    let overlap = refused(|i| {
        let value = len(i, 0) + len(i, 1);
        set_entry(i, 0, en::DATA_LEN, value)
    });
    assert!(matches!(of_process(overlap, 1), P::DataOverlap { .. }));

    let moved = refused(|i| update_entry(i, 0, en::PARAMS_OFFSET, |v| v + 0x1000));
    assert!(matches!(of_process(moved, 0), P::ParamsOffset { .. }));
    let long = refused(|i| {
        let value = len(i, 0) + 1;
        set_entry(i, 0, en::PARAMS_LEN, value)
    });
    assert!(matches!(of_process(long, 0), P::ParamsBeyondData { .. }));
    let short = refused(|i| update_entry(i, 0, en::PARAMS_LEN, |v| v - 1));
    assert_eq!(of_process(short, 0), P::ParamsMalformed);
    let magic = refused(|i| {
        let at = data(i, 2) as usize;
        i[at] = b'X';
    });
    assert_eq!(of_process(magic, 2), P::ParamsMalformed);
    let count = refused(|i| {
        let at = data(i, 2) as usize + 12;
        set(i, at, 4);
    });
    assert_eq!(of_process(count, 2), P::ParamsMalformed, "declares a fourth block");
}

#[test]
fn segment_table_checks() {
    let table = |i: &[u8], index| get_entry(i, index, en::SEGMENT_TABLE);
    assert_eq!(of_process(refused(|i| set_entry(i, 1, en::SEGMENT_COUNT, 0)), 1), P::NoSegments);
    let unaligned = refused(|i| update_entry(i, 1, en::SEGMENT_TABLE, |v| v + 2));
    assert!(matches!(of_process(unaligned, 1), P::SegmentTableUnaligned { .. }));
    let long = refused(|i| set_entry(i, 2, en::SEGMENT_COUNT, 1000));
    assert!(matches!(of_process(long, 2), P::SegmentTableOutsideDirectory { count: 1000, .. }));
    let before = refused(|i| set_entry(i, 0, en::SEGMENT_TABLE, 0x100));
    assert!(matches!(of_process(before, 0), P::SegmentTableOutsideDirectory { offset: 0x100, .. }));
    // Swap the tables of processes 0 and 1: each table is fine, the order is not.
    let swapped = refused(|i| {
        let (t0, t1) = (table(i, 0) as usize, table(i, 1) as usize);
        let t1_end = t1 + 2 * sg::LEN;
        let rows0 = i[t0..t1].to_vec();
        let rows1 = i[t1..t1_end].to_vec();
        i[t0..t0 + rows1.len()].copy_from_slice(&rows1);
        i[t0 + rows1.len()..t1_end].copy_from_slice(&rows0);
        set_entry(i, 1, en::SEGMENT_TABLE, t0 as u32);
        set_entry(i, 0, en::SEGMENT_TABLE, (t0 + rows1.len()) as u32);
    });
    assert!(matches!(of_process(swapped, 1), P::SegmentTableOverlap { .. }));
}

#[test]
fn entry_point_and_eh_frame_checks() {
    let data = refused(|i| set_entry(i, 2, en::ENTRY, 0x1_5f10));
    assert_eq!(of_process(data, 2), P::EntryNotExecutable { entry: 0x1_5f10 });
    assert_eq!(of_process(refused(|i| set_entry(i, 0, en::ENTRY, 0)), 0), P::EntryNotExecutable { entry: 0 });
    let eh_frame = refused(|i| set_entry(i, 2, en::EH_FRAME, 0x5000_0000));
    assert_eq!(of_process(eh_frame, 2), P::EhFrameNotMapped { address: 0x5000_0000 });
}

#[test]
fn segment_field_checks() {
    assert_eq!(of_segment(refused(|i| set_row(i, 2, 0, sg::FLAGS, 16)), 2, 0), S::UnknownFlags { flags: 16 });
    // Bytes said to be in the program store of an image that has none.
    let no_store = refused(|i| set_row(i, 2, 0, sg::FLAGS, sg::FLAG_R | sg::FLAG_STORE));
    assert!(matches!(of_segment(no_store, 2, 0), S::BytesOutsideStore { store_pages: 0, .. }));
    assert_eq!(of_segment(refused(|i| set_row(i, 2, 2, sg::MEM_SIZE, 0)), 2, 2), S::Empty);
    let larger = refused(|i| set_row(i, 2, 2, sg::FILE_SIZE, 0x300));
    assert_eq!(of_segment(larger, 2, 2), S::FileLargerThanMemory { file_size: 0x300, mem_size: 0x2b4 });
    for vaddr in [0xff00_0f10, 0x0000_0f10, 0xffff_ff10] {
        let outside = refused(|i| set_row(i, 2, 2, sg::VADDR, vaddr));
        assert_eq!(of_segment(outside, 2, 2), S::NotUserSpace { vaddr, mem_size: 0x2b4 }, "{vaddr:#x}");
    }
    let wrap = refused(|i| set_row(i, 2, 2, sg::MEM_SIZE, 0xffff_f000));
    assert!(matches!(of_segment(wrap, 2, 2), S::NotUserSpace { .. }));
}

#[test]
fn segment_placement_checks() {
    let offset = |i: &[u8], row| get_row(i, 2, row, sg::OFFSET);
    let overlap = refused(|i| set_row(i, 2, 1, sg::VADDR, 0x1_0754));
    assert_eq!(of_segment(overlap, 2, 1), S::Overlaps { previous: 0 });
    let below = refused(|i| set_row(i, 2, 2, sg::VADDR, 0x1_4f10));
    assert_eq!(of_segment(below, 2, 2), S::Overlaps { previous: 1 }, "shares the text's last page");
    let mismatch = refused(|i| update_row(i, 2, 1, sg::OFFSET, |v| v + 4));
    assert!(matches!(of_segment(mismatch, 2, 1), S::OffsetMismatch { .. }));
    let no_bytes = refused(|i| set_row(i, 1, 1, sg::OFFSET, 0x1000));
    assert_eq!(of_segment(no_bytes, 1, 1), S::OffsetWithoutBytes { offset: 0x1000 });
    let far = refused(|i| update_row(i, 2, 2, sg::OFFSET, |v| v + 0x10_0000));
    assert!(matches!(of_segment(far, 2, 2), S::BytesOutsideData { .. }));
    let end = refused(|i| set_row(i, 2, 2, sg::OFFSET, 0xffff_ff10));
    assert!(matches!(of_segment(end, 2, 2), S::BytesOutsideData { .. }), "ends beyond the image");
    let before = refused(|i| set_row(i, 2, 0, sg::OFFSET, 0x6118));
    assert!(matches!(of_segment(before, 2, 0), S::BytesOutsideData { .. }), "in the directory");
    let shared = refused(|i| {
        let page = offset(i, 0) - offset(i, 0) % 0x1000;
        set_row(i, 2, 1, sg::OFFSET, page + 0x754);
    });
    assert!(matches!(of_segment(shared, 2, 1), S::BytesOverlap { .. }), "in the rodata's pages");
    let params = refused(|i| {
        let data = get_entry(i, 2, en::DATA_OFFSET);
        set_row(i, 2, 0, sg::OFFSET, data + 0x118);
    });
    assert!(matches!(of_segment(params, 2, 0), S::BytesOverlap { .. }), "in the parameter page");
}

#[test]
fn messages_name_the_process_and_the_segment() {
    let error = refused(|i| update_row(i, 2, 1, sg::OFFSET, |v| v + 0x10_0000));
    let message = error.to_string();
    assert!(message.starts_with("process 2 (`app`): segment 1: its bytes ("), "{message}");
    assert!(message.contains("lie outside the process's data"), "{message}");
    let nameless = refused(|i| set_entry(i, 0, en::NAME_LEN, 0)).to_string();
    assert_eq!(nameless, "process 0: name length 0 is not 1 to 64 bytes");
    let header = refused(|i| set(i, header::VERSION, 7)).to_string();
    assert_eq!(header, "format version 7, but this parser reads version 1");
}
