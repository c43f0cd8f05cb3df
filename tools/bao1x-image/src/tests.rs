//! The image's layout against the chip's facts, Ed25519ph against RFC 8032's
//! own test vector, and boot1's checks refusing each kind of damage.

use crate::keys::{slot_of, DEVELOPER_PUBLIC_KEY};
use crate::layout::{sigblock as sb, uf2 as u, IMAGE_BASE, IMAGE_MAX_LEN};
use crate::*;
use ed25519_dalek::SigningKey;

mod fuzz;

fn payload() -> Vec<u8> {
    (0..5000u32).map(|i| (i * 7 + 3) as u8).collect()
}

fn dev() -> [KeySlot; 1] {
    [KeySlot::DEVELOPER]
}

fn signed_uf2() -> Vec<u8> {
    build_uf2(&payload(), &developer_key(), SignOptions::default()).unwrap()
}

fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// Rewrites one block's header word (blocks are 512 bytes).
fn set_block_word(file: &mut [u8], block: usize, at: usize, value: u32) {
    file[block * 512 + at..block * 512 + at + 4].copy_from_slice(&value.to_le_bytes());
}

fn refusal_text(result: Result<Accepted, Refusal>) -> String {
    result.expect_err("the image must be refused").to_string()
}

#[test]
fn the_developer_key_is_the_one_boot1_holds() {
    assert_eq!(developer_key().verifying_key().to_bytes(), DEVELOPER_PUBLIC_KEY);
    assert_eq!(slot_of(&developer_key()), (3, KeySlot::DEVELOPER));
}

/// RFC 8032 section 7.3, test "abc": Ed25519ph with no context. The same
/// call signs our images, so this pins the algorithm boot1 checks.
#[test]
fn prehashed_signing_is_rfc8032_ed25519ph() {
    let secret: [u8; 32] = unhex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42").try_into().unwrap();
    let key = SigningKey::from_bytes(&secret);
    assert_eq!(key.verifying_key().to_bytes().to_vec(), unhex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"));
    let signature = key.sign_prehashed(sign::prehash(b"abc"), None).unwrap();
    let expected = unhex(
        "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
         31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
    );
    assert_eq!(signature.to_bytes().to_vec(), expected);
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn the_signature_block_has_boot1s_fields() {
    let image = sign(&payload(), &developer_key(), SignOptions::default()).unwrap();
    assert_eq!(image.len(), 768 + 5000);
    assert_eq!(word(&image, 0), 0x3000_006F, "jal x0, +768");
    assert_eq!(&image[0x88..0x90], b"ymuy3oaB", "the magic, two big-endian words stored little-endian");
    assert_eq!(word(&image, 0x84), 0x100);
    assert_eq!(word(&image, 0x90) as usize, image.len() - 0x84, "signed to the end");
    assert_eq!(word(&image, 0x94), 6, "Baremetal");
    assert_eq!(word(&image, 0x98), 0, "anti-rollback");
    assert_eq!(word(&image, 0x44), 0, "no AAD: plain Ed25519ph");
    assert_eq!(word(&image, 0x160), 0x0100_0000);
    assert_eq!(&image[0xBC + 3 * 36..0xBC + 3 * 36 + 32], &DEVELOPER_PUBLIC_KEY);
    assert_eq!(&image[0xBC + 3 * 36 + 32..0xBC + 4 * 36], b"dev ");
    assert!(image[0x164..768].iter().all(|&b| b == 0), "zero padding to 768");
    assert_eq!(&image[768..], &payload()[..]);
}

#[test]
fn a_signed_image_passes_boot1s_checks() {
    let file = signed_uf2();
    assert_eq!(file.len(), 512 * (768 + 5000usize).div_ceil(256));
    assert_eq!(word(&file, 12), IMAGE_BASE);
    assert_eq!(word(&file, 28), 0xA7D7_6373);
    let accepted = check_uf2(&file, &dev()).unwrap();
    assert_eq!(accepted.key, KeySlot::DEVELOPER);
    assert_eq!((accepted.function_code, accepted.anti_rollback), (6, 0));
    assert_eq!(accepted.signed_len as usize, 768 + 5000 - 0x84);
    // Any of boot1's keys may verify it: the developer key is tried last.
    let other = KeySlot { tag: *b"bao1", key: SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes() };
    assert_eq!(check_uf2(&file, &[other, KeySlot::DEVELOPER]).unwrap().key, KeySlot::DEVELOPER);
}

#[test]
fn the_uf2_file_reads_back_into_the_image() {
    let image = sign(&payload(), &developer_key(), SignOptions::default()).unwrap();
    let back = uf2::read(&uf2::write(&image)).unwrap();
    assert_eq!(&back[..image.len()], &image[..]);
    assert!(back[image.len()..].iter().all(|&b| b == 0), "the last block is padded with zeros");
    // Blocks may come in any order: each names its own address.
    let mut file = uf2::write(&image);
    let (first, rest) = file.split_at_mut(512);
    first.swap_with_slice(&mut rest[..512]);
    assert_eq!(&uf2::read(&file).unwrap()[..image.len()], &image[..]);
}

#[test]
fn a_user_key_signs_and_verifies_with_that_key_only() {
    let key = SigningKey::from_bytes(&[5; 32]);
    let file = build_uf2(&payload(), &key, SignOptions::default()).unwrap();
    let (_, slot) = slot_of(&key);
    assert_eq!(check_uf2(&file, &[slot]).unwrap().key.tag, *b"user");
    let why = refusal_text(check_uf2(&file, &dev()));
    assert!(why.starts_with("bad signature: "), "{why}");
    assert!(why.contains("none of boot1's keys (tried: \"dev \")"), "{why}");
}

#[test]
fn a_flipped_payload_byte_is_refused() {
    let mut file = signed_uf2();
    // Block 5 carries image bytes 1280.., the payload.
    file[5 * 512 + 32 + 17] ^= 0x01;
    let why = refusal_text(check_uf2(&file, &dev()));
    assert!(why.contains("over bytes 0x84..0x1688 verifies with none of boot1's keys"), "{why}");
}

#[test]
fn a_changed_sealed_field_is_refused() {
    // Loader (4) is a code boot1 allows here: only the signature catches it.
    let mut image = sign(&payload(), &developer_key(), SignOptions::default()).unwrap();
    image[sb::FUNCTION_CODE] = 4;
    assert!(refusal_text(check_image(&image, &dev())).starts_with("bad signature:"));
    // The unsigned part may change without breaking the signature, but not word 0.
    let mut image = sign(&payload(), &developer_key(), SignOptions::default()).unwrap();
    image[0] = 0x13;
    assert!(refusal_text(check_image(&image, &dev())).contains("not `jal x0, +768`"));
}

#[test]
fn a_truncated_image_is_refused() {
    let file = signed_uf2();
    let why = refusal_text(check_uf2(&file[..file.len() - 512], &dev()));
    assert!(why.contains("its blocks say 23: truncated"), "{why}");
    let why = refusal_text(check_uf2(&file[..file.len() - 100], &dev()));
    assert!(why.contains("not a whole number of 512-byte UF2 blocks"), "{why}");
    let image = sign(&payload(), &developer_key(), SignOptions::default()).unwrap();
    let why = refusal_text(check_image(&image[..image.len() - 1], &dev()));
    assert!(why.contains("signs 0x1604 bytes from 0x84 (to 0x1688), but the image is only 0x1687 bytes"), "{why}");
    let why = refusal_text(check_image(&image[..700], &dev()));
    assert!(why.contains("shorter than the 768-byte signature block"), "{why}");
    assert!(refusal_text(check_uf2(&[], &dev())).contains("empty"));
}

#[test]
fn bad_uf2_blocks_are_refused() {
    let cases: [(usize, usize, u32, &str); 7] = [
        (3, 0, 0x1234_5678, "block 3: not a UF2 block (wrong magic numbers)"),
        (2, 508, 0, "block 2: not a UF2 block"),
        (1, u::FAMILY_ID, 0xE48B_FF56, "block 1: is for family 0xe48bff56"),
        (1, u::FLAGS, 0, "block 1: has no family id"),
        (4, u::TARGET_ADDR, 0x6100_0000, "outside the image slot"),
        (4, u::TARGET_ADDR, IMAGE_BASE + 3 * 256, "overlaps the block before it"),
        (6, u::PAYLOAD_SIZE, 477, "block 6: carries 477 bytes"),
    ];
    for (block, at, value, expected) in cases {
        let mut file = signed_uf2();
        set_block_word(&mut file, block, at, value);
        let why = refusal_text(check_uf2(&file, &dev()));
        assert!(why.starts_with("bad UF2 file: ") && why.contains(expected), "{expected}: got {why}");
    }
    let mut file = signed_uf2();
    set_block_word(&mut file, 7, u::BLOCK_NO, 6);
    assert!(refusal_text(check_uf2(&file, &dev())).contains("block number 6 appears twice"));
    let mut file = signed_uf2();
    set_block_word(&mut file, 7, u::NUM_BLOCKS, 99);
    assert!(refusal_text(check_uf2(&file, &dev())).contains("block 7 says the file has 99 blocks, block 0 says 23"));
    // A block moved away leaves a gap where it was.
    let mut file = signed_uf2();
    set_block_word(&mut file, 22, u::TARGET_ADDR, IMAGE_BASE + 30 * 256);
    assert!(refusal_text(check_uf2(&file, &dev())).contains("leaves a gap"));
}

#[test]
fn bad_signature_block_fields_are_refused() {
    let cases: [(usize, u32, &str); 5] = [
        (sb::MAGIC, 0, "no signature block: the magic"),
        (sb::VERSION, 0x101, "signature block version 0x101"),
        (sb::FUNCTION_CODE, 0x100, "function code 256 is not one boot1 runs"),
        (sb::SIGNED_LEN, 0x40_0000, "reaches past the end of RRAM's storage"),
        (sb::AAD_LEN, 37, "aad_len is 37: a FIDO2-form signature"),
    ];
    for (at, value, expected) in cases {
        let mut image = sign(&payload(), &developer_key(), SignOptions::default()).unwrap();
        image[at..at + 4].copy_from_slice(&value.to_le_bytes());
        let why = refusal_text(check_image(&image, &dev()));
        assert!(why.starts_with("bad signature block: ") && why.contains(expected), "{expected}: got {why}");
    }
}

#[test]
fn an_image_too_big_for_rram_is_not_signed() {
    let fits = vec![0u8; IMAGE_MAX_LEN - 768];
    assert!(sign(&fits, &developer_key(), SignOptions::default()).is_ok());
    let why = sign(&vec![0u8; IMAGE_MAX_LEN - 767], &developer_key(), SignOptions::default()).unwrap_err();
    assert!(why.contains("RRAM holds at most 3645440 bytes"), "{why}");
}

#[test]
fn key_files_are_read_or_refused() {
    let parsed = keys::parse_signing_key(keys::DEVELOPER_KEY_PEM.as_bytes()).unwrap();
    assert_eq!(parsed.verifying_key().to_bytes(), DEVELOPER_PUBLIC_KEY);
    let why = keys::parse_signing_key(b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n").unwrap_err();
    assert!(why.contains("not an Ed25519 private key in PKCS#8"), "{why}");
    assert!(keys::parse_signing_key(&[1, 2, 3]).is_err());
}

#[test]
fn a_page_aligned_payload_starts_on_the_page_after_the_block() {
    let payload = payload();
    let moved = crate::page_aligned(&payload);
    // The assembler's encoding of `jal x0, .+0xD00` (riscv64-unknown-elf-as).
    assert_eq!(word(&moved, 0), 0x5010_006F);
    assert_eq!(crate::layout::jal_x0(0xD00), 0x5010_006F);
    assert!(moved[4..0xD00].iter().all(|&b| b == 0));
    assert_eq!(&moved[0xD00..], &payload[..]);
    // Behind the 768-byte block, the payload's first byte is at 0x6006_1000.
    let image = crate::sign(&moved, &crate::developer_key(), crate::SignOptions::default()).unwrap();
    assert_eq!(&image[0x1000..], &payload[..]);
}

#[test]
fn a_file_for_the_baosec_board_carries_the_flash_after_the_image() {
    let contents_refusal = |r: Result<uf2::Contents, Refusal>| r.unwrap_err().to_string();
    let flash: Vec<u8> = (0..3 * 4096 + 100).map(|i| (i * 7 + i / 4096) as u8).collect();
    let file = build_uf2_with_flash(&payload(), &flash, &developer_key(), SignOptions::default()).unwrap();
    let image_blocks = signed_uf2().len() / 512;
    assert_eq!(file.len() / 512, image_blocks + flash.len().div_ceil(256), "the flash's blocks follow the image's");
    let contents = uf2::read_contents(&file).unwrap();
    assert_eq!(contents.image, uf2::read(&signed_uf2()).unwrap(), "the same image, signed the same");
    assert_eq!(&contents.flash[..flash.len()], &flash[..]);
    assert!(contents.flash[flash.len()..].iter().all(|&b| b == 0), "the last block is padded with zeros");
    let (accepted, flashed) = check_uf2_contents(&file, &dev()).unwrap();
    assert_eq!((accepted.key, flashed), (KeySlot::DEVELOPER, contents.flash.len()));
    // The first flash block is at 0x7000_0000 and numbered after the image.
    let word = |block: usize, at: usize| u32::from_le_bytes(file[block * 512 + at..block * 512 + at + 4].try_into().unwrap());
    assert_eq!((word(image_blocks, u::TARGET_ADDR), word(image_blocks, u::BLOCK_NO)), (0x7000_0000, image_blocks as u32));
    // A file for the dabao (no flash) must not silently lose the flash's bytes.
    assert!(refusal_text(check_uf2(&file, &dev())).contains("also writes 12544 bytes to the external flash"));
    // The flash's blocks too must run from its start without a gap, and stay within 8 MiB.
    let mut gap = file.clone();
    set_block_word(&mut gap, image_blocks + 1, u::TARGET_ADDR, 0x7000_0000 + 512);
    assert!(contents_refusal(uf2::read_contents(&gap)).contains("the flash's bytes so far ends at 0x70000100"));
    let mut far = file.clone();
    set_block_word(&mut far, image_blocks, u::TARGET_ADDR, 0x7080_0000);
    assert!(contents_refusal(uf2::read_contents(&far)).contains("outside the image slot 0x60060000..0x603da000 and the external flash 0x70000000..0x70800000"));
    // Flash blocks alone are no image.
    let only_flash = uf2::write_with_flash(&[], &flash);
    assert!(contents_refusal(uf2::read_contents(&only_flash)).contains("no block writes the image at 0x60060000"));
    assert!(build_uf2_with_flash(&payload(), &vec![0; 8 * 1024 * 1024 + 1], &developer_key(), SignOptions::default()).unwrap_err().contains("more than its 8 MiB"));
}
