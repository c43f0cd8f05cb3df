//! Fuzzing the UF2 reader and boot1's checks (`./x fuzz` runs this long,
//! `./x test` a slice): a signed file with blocks for the flash, damaged by
//! `fuzz_kit`'s mutations aimed at every block's header words, cut, padded
//! or with blocks swapped. A file is outside input (a user's, or one copied
//! off a drive): the reader and the checks must never panic, and what the
//! reader accepts must be what its blocks say, the same every time.

use super::*;
use crate::uf2::{read_contents, write_with_flash, Contents};
use fuzz_kit::{Field, Mutator, Verdict};

/// A file of a small signed image and 3 KiB for the flash (21 blocks).
fn sample() -> Vec<u8> {
    let flash: Vec<u8> = (0..3 * 1024u32).map(|i| (i * 13 + 1) as u8).collect();
    build_uf2_with_flash(&payload(), &flash, &developer_key(), SignOptions::default()).unwrap()
}

/// Every header word of every block.
fn fields_of(file: &[u8]) -> Vec<Field> {
    let header = [0, 4, u::FLAGS, u::TARGET_ADDR, u::PAYLOAD_SIZE, u::BLOCK_NO, u::NUM_BLOCKS, u::FAMILY_ID, u::MAGIC_END_AT];
    (0..file.len() / u::BLOCK_LEN).flat_map(|b| header.map(|at| Field::le32(b * u::BLOCK_LEN + at))).collect()
}

/// What an accepted file must be: each place's bytes are its blocks' data
/// in address order, so together exactly as long as the blocks carry, and
/// within the place's bounds.
fn check_accepted(contents: &Contents, file: &[u8]) {
    let blocks = file.len() / u::BLOCK_LEN;
    let carried: usize = (0..blocks).map(|b| word(file, b * u::BLOCK_LEN + u::PAYLOAD_SIZE) as usize).sum();
    assert_eq!(contents.image.len() + contents.flash.len(), carried, "every byte a block carries, once");
    assert!(!contents.image.is_empty());
    assert!(contents.image.len() <= IMAGE_MAX_LEN && contents.flash.len() <= crate::layout::FLASH_MAX_LEN);
    // Written out again, it reads back as itself (the last block of each
    // place padded to 256 bytes with zeros).
    let again = read_contents(&write_with_flash(&contents.image, &contents.flash)).expect("our own file reads");
    assert_eq!(&again.image[..contents.image.len()], &contents.image[..]);
    assert_eq!(&again.flash[..contents.flash.len()], &contents.flash[..]);
}

#[test]
fn damaged_files_are_refused_or_read_as_their_blocks_say() {
    let pristine = sample();
    let fields = fields_of(&pristine);
    let mutator = Mutator { fields: &fields, block: u::BLOCK_LEN, max_len: pristine.len() + 2 * u::BLOCK_LEN };
    let stats = fuzz_kit::run("bao1x-uf2", 3000, |rng| {
        let mut file = pristine.clone();
        mutator.mutate_some(&mut file, rng, 3);
        if rng.one_in(4) && file.len() >= 2 * u::BLOCK_LEN {
            // Two whole blocks swap places: order must not matter.
            let blocks = file.len() / u::BLOCK_LEN;
            let (a, b) = (rng.below(blocks), rng.below(blocks));
            for i in 0..u::BLOCK_LEN {
                file.swap(a * u::BLOCK_LEN + i, b * u::BLOCK_LEN + i);
            }
        }
        let read = read_contents(&file);
        // boot1's checks on the same file: an answer, never a panic.
        let checked = check_uf2_contents(&file, &dev());
        assert_eq!(read.is_ok(), checked.is_ok() || !matches!(checked, Err(Refusal::Uf2(_))), "the UF2 framing is judged the same");
        match read {
            Ok(contents) => {
                check_accepted(&contents, &file);
                assert_eq!(read_contents(&file).ok(), Some(contents), "the same bytes read the same");
                Verdict::Accepted
            }
            Err(refusal) => {
                assert!(matches!(refusal, Refusal::Uf2(_)) && !refusal.to_string().is_empty());
                Verdict::Refused
            }
        }
    });
    assert!(stats.refused * 2 > stats.cases, "most damage is caught");
    assert!(stats.accepted * 50 > stats.cases, "some damage gets through the framing to the checks behind");
}
