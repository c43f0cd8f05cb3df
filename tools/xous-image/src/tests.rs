//! The builder end to end on ELF files written by `test_elf`: what goes in
//! comes out of `boot_image::parse`, and each refusal names its file.

use super::*;
use test_elf::TestElf;
use boot_image::layout::segment::{FLAG_R, FLAG_W, FLAG_X};
use std::fs;
use xous_abi::params::{blocks, strings};

const LOAD: u32 = BOARD_LOAD_ADDRESS;

/// A kernel as the real one is linked: running high, loaded at RAM + 0x1000.
fn kernel_elf() -> TestElf {
    TestElf::new(0xffc0_1000).kernel_segment(0xffc0_1000, 0x8000_1000, vec![0x13; 0x40], 0x40).kernel_segment(
        0xffc0_2000,
        0x8000_2000,
        vec![],
        0x3000,
    )
}

fn app_elf() -> TestElf {
    TestElf::new(0x1_0010)
        .segment(0x1_0000, FLAG_R | FLAG_X, vec![0x13; 0x20], 0x20)
        .segment(0x1_1000, FLAG_R | FLAG_W, vec![9; 8], 0x100)
        .eh_frame(0x1_1004)
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files { dir: tempfile::tempdir().unwrap() }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        path
    }
}

fn spec(name: &str, path: PathBuf, main: bool) -> ProcessSpec {
    ProcessSpec { name: name.into(), path, args: vec![name.into(), "--flag".into()], env: vec![], main, on_demand: false, cwd: None, in_store: false }
}

#[test]
fn builds_what_the_parser_reads_back() {
    let files = Files::new();
    let kernel = files.write("kernel.elf", &kernel_elf().to_bytes());
    let app = files.write("app", &app_elf().to_bytes());
    let mut main = spec("app", app.clone(), true);
    main.env = vec![("KEY".into(), "value".into())];
    let processes = [spec("log", app, false), main];
    let bytes = build_image(LOAD, &kernel, &processes).unwrap();

    let image = boot_image::parse(&bytes).unwrap();
    assert_eq!(image.header().load_address, LOAD);
    assert_eq!(image.header().kernel_file_size, 0x40);
    assert_eq!(image.header().kernel_memory_size, 0x4000);
    assert_eq!(&bytes[0x1000..0x1040], &[0x13; 0x40]);
    let found: Vec<_> = image.processes().map(|p| (p.name, p.is_main(), p.entry, p.eh_frame)).collect();
    assert_eq!(found, [("log", false, 0x1_0010, 0x1_1004), ("app", true, 0x1_0010, 0x1_1004)]);

    let app = image.processes().nth(1).unwrap();
    let segments: Vec<_> = app.segments().map(|s| (s.vaddr, s.mem_size, s.flags, s.bytes.to_vec())).collect();
    assert_eq!(
        segments,
        [(0x1_0000, 0x20, FLAG_R | FLAG_X, vec![0x13; 0x20]), (0x1_1000, 0x100, FLAG_R | FLAG_W, vec![9; 8])]
    );
    let blocks: Vec<_> = blocks(app.params).unwrap().collect();
    assert_eq!(strings(blocks[1].data).collect::<Vec<_>>(), ["KEY", "value"]);
    assert_eq!(strings(blocks[2].data).collect::<Vec<_>>(), ["app", "--flag"]);
}

/// A kernel that executes in place (the Baochip-1x's): its code in the
/// image, built for where the image is stored in read-only memory, and its
/// zero-initialised memory in RAM, which the image leaves out; a segment
/// with bytes outside the image is still refused.
#[test]
fn a_kernel_executing_in_place_keeps_its_memory_out_of_the_image() {
    let files = Files::new();
    let (image_at, ram) = (0x6006_1000u32, 0x6100_0000u32);
    let in_place = TestElf::new(0xffc6_2000)
        .kernel_segment(0xffc6_2000, image_at + 0x1000, vec![0x13; 0x1800], 0x1800)
        .kernel_segment(0xff40_0000, ram, vec![], 0x1_c000);
    let kernel = files.write("kernel.elf", &in_place.to_bytes());
    let app = files.write("app", &app_elf().to_bytes());
    let bytes = build_image(image_at, &kernel, &[spec("app", app, true)]).unwrap();
    let image = boot_image::parse(&bytes).unwrap();
    let h = image.header();
    assert_eq!((h.load_address, h.kernel_file_size, h.kernel_memory_size), (image_at, 0x1800, 0x2000), "the code alone");
    let stored = TestElf::new(0xffc6_2000)
        .kernel_segment(0xffc6_2000, image_at + 0x1000, vec![0x13; 0x1800], 0x1800)
        .kernel_segment(0xff40_0000, ram, vec![1; 8], 0x1_c000);
    let kernel = files.write("stored.elf", &stored.to_bytes());
    let error = build_image(image_at, &kernel, &[]).unwrap_err().to_string();
    assert!(error.contains("stored.elf: kernel segment 0 (physical 0x61000000"), "{error}");
}

#[test]
fn the_kernel_must_start_at_its_first_byte() {
    let files = Files::new();
    let late_entry = TestElf::new(0xffc0_1010).kernel_segment(0xffc0_1000, 0x8000_1000, vec![0x13; 0x40], 0x40);
    let kernel = files.write("kernel.elf", &late_entry.to_bytes());
    let error = build_image(LOAD, &kernel, &[]).unwrap_err().to_string();
    assert!(error.contains("kernel.elf: the kernel's entry point 0xffc01010 is at physical 0x80001010"), "{error}");
    assert!(error.contains("starts the kernel at physical 0x80001000"), "{error}");
}

#[test]
fn a_kernel_linked_at_the_start_of_ram_is_refused() {
    let files = Files::new();
    let low = TestElf::new(0x8000_0000).kernel_segment(0x8000_0000, 0x8000_0000, vec![0x13; 0x40], 0x40);
    let kernel = files.write("kernel.elf", &low.to_bytes());
    let error = build_image(LOAD, &kernel, &[]).unwrap_err().to_string();
    assert!(error.contains("kernel.elf: "), "{error}");
    assert!(error.contains("entry point 0x80000000 is at physical 0x80000000"), "{error}");
    // Its entry at 0x8000_1000 but a segment reaching below: the writer's check.
    let below = TestElf::new(0x8000_1000).kernel_segment(0x8000_0000, 0x8000_0000, vec![0x13; 0x2000], 0x2000);
    let kernel = files.write("below.elf", &below.to_bytes());
    let error = build_image(LOAD, &kernel, &[]).unwrap_err().to_string();
    assert!(error.contains("below.elf: kernel segment 0 (physical 0x80000000"), "{error}");
}

#[test]
fn refusals_name_the_file() {
    let files = Files::new();
    let kernel = files.write("kernel.elf", &kernel_elf().to_bytes());
    let script = files.write("script.sh", b"#!/bin/sh\necho hi\n");
    let error = build_image(LOAD, &kernel, &[spec("sh", script, true)]).unwrap_err().to_string();
    assert!(error.ends_with("script.sh: not an ELF file"), "{error}");

    let missing = files.dir.path().join("missing.elf");
    let error = build_image(LOAD, &kernel, &[spec("x", missing, true)]).unwrap_err().to_string();
    assert!(error.starts_with("cannot read ") && error.contains("missing.elf"), "{error}");

    let high = TestElf::new(0xff00_0000).segment(0xff00_0000, FLAG_R | FLAG_X, vec![1; 4], 4);
    let high = files.write("high.elf", &high.to_bytes());
    let error = build_image(LOAD, &kernel, &[spec("high", high, true)]).unwrap_err().to_string();
    assert!(
        error.contains("high.elf: process 0 (`high`): segment 0: 0xff000000 + 0x4 is not inside user space"),
        "{error}"
    );

    let app = files.write("app", &app_elf().to_bytes());
    let long = spec(&"n".repeat(65), app, true);
    let error = build_image(LOAD, &kernel, &[long]).unwrap_err().to_string();
    assert!(error.contains("app: process 0: name \"nnnn"), "{error}");
}
