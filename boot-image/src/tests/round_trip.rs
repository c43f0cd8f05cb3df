//! What the writer writes, the parser reads back: header, kernel bytes,
//! every process field, segment bytes in place, parameters.

use super::*;
use crate::layout::{self, JUMP_TO_KERNEL, KERNEL_OFFSET, MAGIC};
use crate::{parse, Segment};
use std::string::String;
use std::vec;
use xous_abi::memory::PAGE_SIZE;
use xous_abi::params;

#[test]
fn header_and_kernel_round_trip() {
    let bytes = sample();
    let image = parse(&bytes).unwrap();
    let h = image.header();
    assert_eq!(get(&bytes, 0), JUMP_TO_KERNEL);
    assert_eq!(bytes[4..12], MAGIC);
    assert_eq!(h.version, 1);
    assert_eq!(h.load_address, LOAD);
    assert_eq!(h.image_len as usize, bytes.len());
    assert_eq!(h.kernel_offset as usize, KERNEL_OFFSET);
    assert_eq!(h.kernel_file_size, 0x1234, "text stored, .bss not");
    assert_eq!(h.kernel_memory_size, 0x5000, "0x3000 + 0x2800, rounded up");
    assert_eq!(h.directory_offset, 0x6000, "right after the kernel's memory");
    assert_eq!(h.process_count, 3);
    assert_eq!(h.flags, 0, "no flags unless asked for");
    assert_eq!(&bytes[KERNEL_OFFSET..KERNEL_OFFSET + 0x1234], &kernel_text()[..]);
    assert!(bytes[KERNEL_OFFSET + 0x1234..h.directory_offset as usize].iter().all(|&b| b == 0));
    assert_eq!(image.bytes().len(), bytes.len());
}

#[test]
fn the_model_flag_round_trips() {
    let text = kernel_text();
    let bytes = crate::write_with(LOAD, layout::flags::MODEL, &sample_kernel(&text), &[]).unwrap();
    assert_eq!(parse(&bytes).unwrap().header().flags, layout::flags::MODEL);
    assert_eq!(get(&bytes, layout::header::FLAGS), 1);
}

#[test]
fn processes_round_trip() {
    let bytes = sample();
    let image = parse(&bytes).unwrap();
    let processes: Vec<_> = image.processes().collect();
    assert_eq!(image.processes().len(), 3);
    let names: Vec<&str> = processes.iter().map(|p| p.name).collect();
    assert_eq!(names, ["init", "log", "app"]);
    assert_eq!(processes.iter().map(|p| p.is_main()).collect::<Vec<_>>(), [false, false, true]);

    let app = &processes[2];
    assert_eq!((app.entry, app.eh_frame), (0x1_4000, 0x1_1000));
    let segments: Vec<Segment> = app.segments().collect();
    assert_eq!(segments.len(), 3);
    assert_eq!((segments[0].vaddr, segments[0].mem_size, segments[0].flags), (0x1_0118, 0x2100, R));
    assert!(segments[1].is_executable() && !segments[1].is_writable());
    assert!(segments[2].is_readable() && segments[2].is_writable());
    assert_eq!(segments[2].bytes, &pattern(0x44, 6)[..]);
    assert_eq!(segments[2].pages(), 0x1_5000..0x1_7000);

    let log: Vec<Segment> = processes[1].segments().collect();
    assert_eq!((log[1].file_size, log[1].offset, log[1].bytes.len()), (0, 0, 0), ".bss only");
    assert!(log[1].image_pages().is_empty());
}

#[test]
fn segment_bytes_sit_at_their_page_offset_on_pages_of_their_own() {
    let bytes = sample();
    let image = parse(&bytes).unwrap();
    for process in image.processes() {
        let mut previous_end = 0;
        for segment in process.segments().filter(|s| s.file_size > 0) {
            assert_eq!(segment.offset as usize % PAGE_SIZE, segment.vaddr as usize % PAGE_SIZE);
            let pages = segment.image_pages();
            assert!(pages.start >= previous_end);
            let start = segment.offset as usize;
            assert!(bytes[pages.start..start].iter().all(|&b| b == 0), "zeros before, in its first page");
            assert!(bytes[start + segment.bytes.len()..pages.end].iter().all(|&b| b == 0), "zeros after");
            assert_eq!(&bytes[start..start + segment.bytes.len()], segment.bytes);
            previous_end = pages.end;
        }
    }
}

#[test]
fn parameters_round_trip() {
    let bytes = sample();
    let image = parse(&bytes).unwrap();
    let app = image.processes().nth(2).unwrap();
    assert_eq!(app.params_offset, app.data_offset);
    let blocks: Vec<params::Block> = params::blocks(app.params).unwrap().collect();
    let env: Vec<&str> = params::strings(blocks[1].data).collect();
    let args: Vec<&str> = params::strings(blocks[2].data).collect();
    assert_eq!(env, ["RUST_BACKTRACE", "1"]);
    assert_eq!(args, ["app", "one", "two words"]);
}

#[test]
fn trailing_bytes_after_the_image_are_not_part_of_it() {
    let mut ram = sample();
    let len = ram.len();
    ram.extend(vec![0xaa; 3 * PAGE_SIZE]);
    let image = parse(&ram).unwrap();
    assert_eq!(image.bytes().len(), len);
}

#[test]
fn an_image_without_processes_is_valid() {
    let text = kernel_text();
    let bytes = write(LOAD, &sample_kernel(&text), &[]).unwrap();
    let image = parse(&bytes).unwrap();
    assert_eq!(image.processes().count(), 0);
    assert_eq!(image.header().directory_len, 0);
    assert_eq!(bytes.len(), 0x6000, "header page, kernel memory, nothing else");
}

#[test]
fn a_directory_larger_than_a_page_works() {
    let text = kernel_text();
    let code = pattern(0x40, 9);
    let segments = [ProcessSegment { vaddr: 0x1_0000, mem_size: 0x40, flags: R | X, bytes: &code }];
    let names: Vec<String> = (0..layout::MAX_PROCESSES).map(|i| std::format!("service-{i:02}")).collect();
    let processes: Vec<ProcessInput> = names
        .iter()
        .map(|name| ProcessInput {
            name,
            main: false,
            on_demand: false,
            entry: 0x1_0000,
            eh_frame: 0,
            args: &[],
            env: &[],
            blocks: &[],
            in_store: false,
            segments: &segments,
        })
        .collect();
    let bytes = write(LOAD, &sample_kernel(&text), &processes).unwrap();
    let image = parse(&bytes).unwrap();
    assert!(image.header().directory_len as usize > PAGE_SIZE);
    assert_eq!(image.processes().last().unwrap().name, "service-62");
}
