//! Host tests of the format: a sample image (kernel and three processes),
//! and helpers that patch a field and re-seal the CRCs so that a test reaches
//! the check it means to reach rather than stopping at a CRC.

mod corruption;
mod fuzz;
mod round_trip;
mod store;
mod writer;

use crate::layout::{entry, header, read_u32, segment};
pub use crate::write::reseal;
use crate::write::{write, KernelSegment, ProcessInput, ProcessSegment};
use std::vec::Vec;

pub const LOAD: u32 = 0x8000_0000;
pub const R: u32 = segment::FLAG_R;
pub const W: u32 = segment::FLAG_W;
pub const X: u32 = segment::FLAG_X;

/// Kernel pieces: text at the load address + 0x1000, then .bss.
pub fn kernel_text() -> Vec<u8> {
    (0..0x1234u32).map(|i| (i * 7) as u8).collect()
}

pub fn sample_kernel(text: &[u8]) -> [KernelSegment<'_>; 2] {
    [
        KernelSegment { paddr: LOAD + 0x1000, mem_size: text.len() as u32, bytes: text },
        KernelSegment { paddr: LOAD + 0x3000, mem_size: 0x2800, bytes: &[] },
    ]
}

/// Deterministic filler bytes, different per `seed`.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 1).collect()
}

/// The sample: `init` (text + data), `log` (text + .bss only), `app` (MAIN:
/// rodata with .eh_frame, text, data + .bss), each with arguments.
pub fn sample() -> Vec<u8> {
    let kernel_text = kernel_text();
    let (text_a, data_a) = (pattern(0x1234, 1), pattern(0x80, 2));
    let text_b = pattern(0x300, 3);
    let (rodata_c, text_c, data_c) = (pattern(0x2100, 4), pattern(0x1800, 5), pattern(0x44, 6));
    let init = [
        ProcessSegment { vaddr: 0x1_0000, mem_size: 0x1234, flags: R | X, bytes: &text_a },
        ProcessSegment { vaddr: 0x2_0100, mem_size: 0x2000, flags: R | W, bytes: &data_a },
    ];
    let log = [
        ProcessSegment { vaddr: 0x1_0000, mem_size: 0x300, flags: R | X, bytes: &text_b },
        ProcessSegment { vaddr: 0x3_0000, mem_size: 0x5000, flags: R | W, bytes: &[] },
    ];
    let app = [
        ProcessSegment { vaddr: 0x1_0118, mem_size: 0x2100, flags: R, bytes: &rodata_c },
        ProcessSegment { vaddr: 0x1_3754, mem_size: 0x1800, flags: R | X, bytes: &text_c },
        ProcessSegment { vaddr: 0x1_5f10, mem_size: 0x2b4, flags: R | W, bytes: &data_c },
    ];
    let processes = [
        ProcessInput {
            name: "init",
            main: false,
            on_demand: false,
            entry: 0x1_0000,
            eh_frame: 0,
            args: &["init"],
            env: &[],
            blocks: &[],
            in_store: false,
            segments: &init,
        },
        ProcessInput {
            name: "log",
            main: false,
            on_demand: false,
            entry: 0x1_0010,
            eh_frame: 0,
            args: &["log"],
            env: &[],
            blocks: &[],
            in_store: false,
            segments: &log,
        },
        ProcessInput {
            name: "app",
            main: true,
            on_demand: false,
            entry: 0x1_4000,
            eh_frame: 0x1_1000,
            args: &["app", "one", "two words"],
            env: &[("RUST_BACKTRACE", "1")],
            blocks: &[],
            in_store: false,
            segments: &app,
        },
    ];
    write(LOAD, &sample_kernel(&kernel_text), &processes).expect("the sample is valid")
}

pub fn get(image: &[u8], at: usize) -> u32 {
    read_u32(image, at).expect("field in the image")
}

pub fn set(image: &mut [u8], at: usize, value: u32) {
    image[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Offset of process `index`'s directory entry.
pub fn entry_at(image: &[u8], index: usize) -> usize {
    get(image, header::DIRECTORY_OFFSET) as usize + index * entry::LEN
}

/// Offset of row `row` of process `index`'s segment table.
pub fn row_at(image: &[u8], index: usize, row: usize) -> usize {
    get(image, entry_at(image, index) + entry::SEGMENT_TABLE) as usize + row * segment::LEN
}
