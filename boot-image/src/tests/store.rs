//! The program store: a process whose bytes go to the board's external
//! flash. What the writer lays out there, the digests the image keeps of
//! it, and the parser's checks of both.

use super::*;
use crate::error::{ImageError, SegmentError};
use crate::layout::store::DIGEST_LEN;
use crate::layout::{segment as sg, store};
use crate::write::{write_split, write_with, WriteError, Written};
use crate::{parse, reseal};
use sha2::Digest;
use xous_abi::memory::PAGE_SIZE;

const R: u32 = sg::FLAG_R;
const W: u32 = sg::FLAG_W;
const X: u32 = sg::FLAG_X;

/// A small service in the image, and a program whose text (two pages and
/// a bit) and data go to the store, with .bss after the data.
fn written() -> Written {
    let kernel = kernel_text();
    let (service, text, data) = (pattern(0x80, 1), pattern(0x2100, 2), pattern(0x30, 3));
    let small = [ProcessSegment { vaddr: 0x1_0000, mem_size: 0x80, flags: R | X, bytes: &service }];
    let big = [
        ProcessSegment { vaddr: 0x2_0010, mem_size: 0x2100, flags: R | X, bytes: &text },
        ProcessSegment { vaddr: 0x3_0f00, mem_size: 0x2000, flags: R | W, bytes: &data },
    ];
    let input = |name, main, in_store, segments| ProcessInput {
        name,
        main,
        on_demand: false,
        entry: if main { 0x2_0010 } else { 0x1_0000 },
        eh_frame: 0,
        args: &[],
        env: &[],
        blocks: &[],
        in_store,
        segments,
    };
    let processes = [input("log", false, false, &small[..]), input("big", true, true, &big[..])];
    write_split(LOAD, 0, &sample_kernel(&kernel), &processes).expect("valid")
}

#[test]
fn a_store_process_s_bytes_are_in_the_store_on_pages_of_their_own() {
    let Written { image, store } = written();
    let parsed = parse(&image).unwrap();
    assert_eq!(parsed.header().store_pages, 4, "three pages of text (0x10 + 0x2100 bytes), one of data");
    assert_eq!(store.len(), 4 * PAGE_SIZE);
    let big = parsed.processes().nth(1).unwrap();
    let segments: Vec<_> = big.segments().collect();
    assert!(segments.iter().all(|s| s.is_in_store() && s.bytes.is_empty() && s.image_pages().is_empty()));
    assert_eq!((segments[0].offset, segments[0].store_pages()), (0x10, 0..3));
    assert_eq!((segments[1].offset, segments[1].store_pages()), (0x3f00, 3..4));
    assert_eq!(&store[0x10..0x2110], &pattern(0x2100, 2)[..]);
    assert_eq!(&store[0x3f00..0x3f30], &pattern(0x30, 3)[..]);
    // Zeros around a segment's bytes: the digests hold them, so the kernel
    // maps a store page as it reads it.
    assert!(store[..0x10].iter().chain(&store[0x2110..0x3f00]).chain(&store[0x3f30..]).all(|&b| b == 0));
    // The image keeps no byte of it, and the service's bytes stay there.
    let log = parsed.processes().next().unwrap();
    assert!(!log.segments().next().unwrap().is_in_store());
    assert_eq!(log.segments().next().unwrap().bytes, &pattern(0x80, 1)[..]);
}

#[test]
fn every_store_page_has_its_digest_in_the_directory() {
    let Written { image, store } = written();
    let parsed = parse(&image).unwrap();
    for (page, bytes) in store.chunks(PAGE_SIZE).enumerate() {
        assert_eq!(parsed.store_digest(page).unwrap()[..], sha2::Sha256::digest(bytes)[..], "page {page}");
    }
    assert_eq!(parsed.store_digest(4), None);
    let header = parsed.header();
    let directory = header.directory_offset as usize..(header.directory_offset + header.directory_len) as usize;
    let digests = header.store_digests as usize..header.store_digests as usize + 4 * DIGEST_LEN;
    assert!(directory.start <= digests.start && digests.end == directory.end, "at the directory's end, under its CRC");
    // A digest changed without re-sealing: the CRC refuses the image.
    let mut changed = image.clone();
    changed[digests.start] ^= 1;
    assert!(matches!(parse(&changed), Err(ImageError::HeaderCrc { .. })));
}

#[test]
fn an_image_without_a_store_has_none() {
    let text = kernel_text();
    let image = write(LOAD, &sample_kernel(&text), &[]).unwrap();
    let header = *parse(&image).unwrap().header();
    assert_eq!((header.store_pages, header.store_digests), (0, 0));
    // The writer that returns the image alone does not drop a store.
    let bytes = pattern(0x40, 9);
    let segments = [ProcessSegment { vaddr: 0x1_0000, mem_size: 0x40, flags: R | X, bytes: &bytes }];
    let process = [ProcessInput { name: "big", main: true, on_demand: false, entry: 0x1_0000, eh_frame: 0, args: &[], env: &[], blocks: &[], in_store: true, segments: &segments }];
    assert_eq!(write_with(LOAD, 0, &sample_kernel(&text), &process), Err(WriteError::StoreNotKept));
}

/// The error `parse` gives for `written()`'s image after `patch` and a re-seal.
fn refused(patch: impl FnOnce(&mut Vec<u8>)) -> ImageError {
    let mut image = written().image;
    patch(&mut image);
    reseal(&mut image);
    parse(&image).expect_err("the patched image must be refused")
}

#[test]
fn the_digest_table_must_be_after_the_segment_tables_in_the_directory() {
    let image = written().image;
    let (pages, digests) = (get(&image, header::STORE_PAGES), get(&image, header::STORE_DIGESTS));
    let tables_end = row_at(&image, 1, 2) as u32;
    assert_eq!(digests, tables_end, "the writer puts it right after them");
    for (p, offset) in [(pages, tables_end - 4), (pages, digests + 2), (pages + 1, digests), (store::MAX_PAGES + 1, digests)] {
        let error = refused(|i| {
            set(i, header::STORE_PAGES, p);
            set(i, header::STORE_DIGESTS, offset);
        });
        assert_eq!(error, ImageError::StoreDigests { pages: p, offset }, "{p} pages at {offset:#x}");
    }
    // A table with no store.
    let mut plain = sample();
    let at = get(&plain, header::DIRECTORY_OFFSET);
    set(&mut plain, header::STORE_DIGESTS, at);
    reseal(&mut plain);
    assert_eq!(parse(&plain).unwrap_err(), ImageError::StoreDigests { pages: 0, offset: at });
    // No store, and no table: fine when no segment is in the store.
    let no_store = refused(|i| {
        set(i, header::STORE_PAGES, 0);
        set(i, header::STORE_DIGESTS, 0);
    });
    assert!(matches!(no_store, ImageError::Process { index: 1, error: crate::ProcessError::Segment { index: 0, error: SegmentError::BytesOutsideStore { store_pages: 0, .. } }, .. }), "{no_store:?}");
}

#[test]
fn a_store_segment_must_lie_inside_the_store_at_its_address_s_offset() {
    let image = written().image;
    let row = row_at(&image, 1, 1);
    let check = |field: usize, value: u32| match refused(|i| set(i, row + field, value)) {
        ImageError::Process { index: 1, error: crate::ProcessError::Segment { index: 1, error }, .. } => error,
        other => panic!("{other:?}"),
    };
    assert!(matches!(check(sg::OFFSET, 0x4f00), SegmentError::BytesOutsideStore { offset: 0x4f00, file_size: 0x30, store_pages: 4 }));
    assert!(matches!(check(sg::OFFSET, 0xffff_ff00), SegmentError::BytesOutsideStore { .. }), "no overflow");
    assert!(matches!(check(sg::OFFSET, 0x3f08), SegmentError::OffsetMismatch { .. }));
    assert!(matches!(check(sg::FILE_SIZE, 0), SegmentError::BytesOutsideStore { file_size: 0, .. }), "a store segment stores bytes");
    assert!(matches!(check(sg::FILE_SIZE, 0x101), SegmentError::BytesOutsideStore { file_size: 0x101, .. }));
}
