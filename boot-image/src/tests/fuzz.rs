//! Fuzzing the parser (`./x fuzz` runs this long; `./x test` a slice): the
//! sample image damaged by `fuzz_kit`'s mutations, aimed at the header,
//! the directory entries, the segment rows and the parameter block's
//! words, and mostly re-sealed so the damage reaches the checks behind the
//! CRCs. The parser must never panic; what it accepts must hold every
//! rule of FORMAT.md (checked here again, independently, on the parsed
//! view), parse the same twice, and parse the same with RAM after it.

use super::*;
use crate::layout;
use crate::{parse, Image};
use core::ops::Range;
use fuzz_kit::{Field, Mutator, Verdict};
use std::format;
use std::string::{String, ToString};
use std::vec;
use xous_abi::memory::{is_user_page_range, PAGE_SIZE};

/// Where the sample's fields are: header, entries, rows, parameter words.
fn fields_of(image: &[u8]) -> Vec<Field> {
    let mut fields: Vec<Field> = (0..header::LEN).step_by(4).map(Field::le32).collect();
    let count = get(image, header::PROCESS_COUNT) as usize;
    for index in 0..count {
        let at = entry_at(image, index);
        fields.extend((0..entry::LEN).step_by(4).filter(|o| !(8..0x44).contains(o)).map(|o| Field::le32(at + o)));
        fields.push(Field::u8(at + entry::NAME));
        for row in 0..get(image, at + entry::SEGMENT_COUNT) as usize {
            let row = row_at(image, index, row);
            fields.extend((0..segment::LEN).step_by(4).map(|o| Field::le32(row + o)));
        }
        let params = get(image, at + entry::PARAMS_OFFSET) as usize;
        fields.extend([0, 4, 8, 12, 20, 24, 28].map(|o| Field::le32(params + o)));
    }
    fields
}

/// Everything FORMAT.md promises of an accepted image, checked on the view.
fn check_accepted(image: &Image, bytes: &[u8]) {
    let header = image.header();
    assert_eq!(image.bytes().len(), header.image_len as usize);
    assert!(header.image_len as usize <= bytes.len());
    let mut stored: Vec<Range<usize>> = Vec::new();
    let mut mains = 0;
    for (index, process) in image.processes().enumerate() {
        assert_eq!(process.index as usize, index);
        assert!((1..=layout::NAME_MAX).contains(&process.name.len()));
        mains += process.is_main() as usize;
        let data = process.data_offset as usize..process.data_offset as usize + process.data.len();
        assert!(data.end <= header.image_len as usize && data.start % PAGE_SIZE == 0 && data.len() % PAGE_SIZE == 0);
        assert!(data.start >= (header.directory_offset + header.directory_len) as usize);
        assert!(process.params.len() <= process.data.len());
        let blocks = xous_abi::params::blocks(process.params).expect("std can read the parameter block");
        assert_eq!(blocks.count(), get(process.params, 12) as usize);
        let mut last_page = None;
        let (mut entry_ok, mut eh_frame_ok) = (false, process.eh_frame == 0);
        for segment in process.segments() {
            assert!(segment.mem_size > 0 && segment.file_size <= segment.mem_size);
            assert_eq!(segment.bytes.len(), segment.file_size as usize);
            let pages = segment.pages();
            assert!(is_user_page_range(pages.start, pages.len()), "{segment:?} outside user space");
            assert!(last_page.is_none_or(|end| pages.start >= end), "segments in order, no page shared");
            last_page = Some(pages.end);
            if segment.file_size > 0 {
                let at = segment.offset as usize;
                assert!(data.start <= at && at + segment.bytes.len() <= data.end, "bytes inside the process's data");
                assert!(at >= process.params_offset as usize + process.params.len(), "bytes after the parameters");
                assert_eq!(segment.bytes, &bytes[at..at + segment.bytes.len()]);
                assert_eq!(at % PAGE_SIZE, segment.vaddr as usize % PAGE_SIZE);
                let image_pages = segment.image_pages();
                assert!(stored.iter().all(|other| other.end <= image_pages.start || image_pages.end <= other.start));
                stored.push(image_pages);
            }
            let contains = |a: u32| a >= segment.vaddr && a - segment.vaddr < segment.mem_size;
            entry_ok |= segment.is_executable() && contains(process.entry);
            eh_frame_ok |= contains(process.eh_frame);
        }
        assert!(entry_ok && eh_frame_ok, "entry in an executable segment, .eh_frame mapped");
    }
    assert!(mains <= 1);
    assert_eq!(image.processes().len(), header.process_count as usize);
}

/// The outcome of parsing, as comparable text.
fn outcome(bytes: &[u8]) -> String {
    match parse(bytes) {
        Ok(image) => format!("{:?} {:?}", image.header(), image.processes().map(|p| (p.name, p.segments().collect::<Vec<_>>())).collect::<Vec<_>>()),
        Err(error) => error.to_string(),
    }
}

#[test]
fn damaged_images_are_refused_or_hold_every_rule() {
    let pristine = sample();
    let fields = fields_of(&pristine);
    let mutator = Mutator { fields: &fields, block: PAGE_SIZE, max_len: pristine.len() + 2 * PAGE_SIZE };
    let stats = fuzz_kit::run("boot-image", 4000, |rng| {
        let mut image = pristine.clone();
        mutator.mutate_some(&mut image, rng, 4);
        if !rng.one_in(4) {
            reseal(&mut image);
        }
        let verdict = match parse(&image) {
            Ok(parsed) => {
                check_accepted(&parsed, &image);
                Verdict::Accepted
            }
            Err(error) => {
                assert!(!error.to_string().is_empty());
                Verdict::Refused
            }
        };
        let declared = read_u32(&image, header::IMAGE_LEN).unwrap_or(u32::MAX) as usize;
        if rng.one_in(8) && image.len() >= layout::HEADER_PAGE_LEN && declared <= image.len() {
            let first = outcome(&image);
            assert_eq!(first, outcome(&image), "the same bytes parse the same");
            let mut ram = image.clone();
            ram.extend(vec![0xa5; rng.range(1, 2 * PAGE_SIZE)]);
            assert_eq!(first, outcome(&ram), "what follows the image does not matter");
        }
        verdict
    });
    assert!(stats.refused * 2 > stats.cases, "most damage is caught");
    assert!(stats.accepted * 50 > stats.cases, "some damage gets through to the checks behind");
}
