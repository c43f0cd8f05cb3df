//! The UF2 file the chip's `BAOCHIP` drive takes: writing one for an image
//! at `IMAGE_BASE` (and, for the baosec board, bytes for its external flash
//! at `FLASH_BASE`), and reading one back into the bytes boot1 would have
//! written, refusing what boot1 would ignore or what leaves a gap.

use crate::layout::uf2::*;
use crate::layout::{FLASH_BASE, FLASH_MAX_LEN, IMAGE_BASE, RRAM_STORAGE_END};
use crate::Refusal;

/// The UF2 file that writes `image` to RRAM at `IMAGE_BASE`: 256 bytes a
/// block, the last one padded with zeros.
pub fn write(image: &[u8]) -> Vec<u8> {
    write_with_flash(image, &[])
}

/// `write`, then `flash` (none: no block) to the external flash from its
/// start, in blocks at `FLASH_BASE` on: one file, its blocks numbered
/// through both. boot1 writes RRAM blocks and flash blocks alike as they
/// come; only the RRAM image is signed (a boot image that keeps a program
/// in the flash holds the SHA-256 of each of its pages).
pub fn write_with_flash(image: &[u8], flash: &[u8]) -> Vec<u8> {
    let chunks: Vec<(u32, &[u8])> = image
        .chunks(PAYLOAD)
        .enumerate()
        .map(|(i, c)| (IMAGE_BASE + (i * PAYLOAD) as u32, c))
        .chain(flash.chunks(PAYLOAD).enumerate().map(|(i, c)| (FLASH_BASE + (i * PAYLOAD) as u32, c)))
        .collect();
    let count = chunks.len() as u32;
    let mut file = Vec::with_capacity(chunks.len() * BLOCK_LEN);
    for (number, (address, chunk)) in chunks.iter().enumerate() {
        let mut block = [0u8; BLOCK_LEN];
        let mut put = |at: usize, value: u32| block[at..at + 4].copy_from_slice(&value.to_le_bytes());
        put(0, MAGIC_START0);
        put(4, MAGIC_START1);
        put(FLAGS, FLAG_FAMILY_ID);
        put(TARGET_ADDR, *address);
        put(PAYLOAD_SIZE, PAYLOAD as u32);
        put(BLOCK_NO, number as u32);
        put(NUM_BLOCKS, count);
        put(FAMILY_ID, FAMILY_BAOCHIP_1X);
        put(MAGIC_END_AT, MAGIC_END);
        block[DATA..DATA + chunk.len()].copy_from_slice(chunk);
        file.extend_from_slice(&block);
    }
    file
}

/// What a UF2 file writes: the image in RRAM from `IMAGE_BASE`, and the
/// bytes for the external flash from its start (empty: no flash block).
#[derive(Debug, PartialEq, Eq)]
pub struct Contents {
    pub image: Vec<u8>,
    pub flash: Vec<u8>,
}

/// One block's header, as read.
struct Block<'a> {
    address: u32,
    number: u32,
    count: u32,
    data: &'a [u8],
}

/// Reads a UF2 file back into the image it writes at `IMAGE_BASE`, for
/// a file with no flash blocks (see `read_contents`).
pub fn read(file: &[u8]) -> Result<Vec<u8>, Refusal> {
    let contents = read_contents(file)?;
    if !contents.flash.is_empty() {
        return Err(Refusal::Uf2(format!(
            "the file also writes {} bytes to the external flash at {FLASH_BASE:#010x}: only the baosec board has one",
            contents.flash.len()
        )));
    }
    Ok(contents.image)
}

/// Reads a UF2 file back into what it writes. Every block must be one
/// boot1 writes (its magic numbers, the chip's family, an address inside
/// the image slot or the flash), numbered once each of one count, and the
/// blocks of each place must cover one run of bytes from its start
/// (`IMAGE_BASE`, `FLASH_BASE`) without a gap or an overlap; the image
/// must be there.
pub fn read_contents(file: &[u8]) -> Result<Contents, Refusal> {
    if file.is_empty() {
        return Err(Refusal::Uf2("the file is empty: no UF2 block".into()));
    }
    if file.len() % BLOCK_LEN != 0 {
        return Err(Refusal::Uf2(format!(
            "{} bytes is not a whole number of 512-byte UF2 blocks (truncated?)",
            file.len()
        )));
    }
    let blocks =
        file.chunks(BLOCK_LEN).enumerate().map(|(index, bytes)| block(index, bytes)).collect::<Result<Vec<_>, _>>()?;
    let count = blocks[0].count;
    let mut seen = vec![false; blocks.len()];
    for (index, b) in blocks.iter().enumerate() {
        if b.count != count {
            return Err(Refusal::Uf2(format!("block {index} says the file has {} blocks, block 0 says {count}", b.count)));
        }
        match seen.get_mut(b.number as usize) {
            Some(false) => seen[b.number as usize] = true,
            Some(true) => return Err(Refusal::Uf2(format!("block number {} appears twice", b.number))),
            None if b.number >= count => {
                return Err(Refusal::Uf2(format!("block {index} is numbered {} of {count}", b.number)))
            }
            None => {}
        }
    }
    if blocks.len() as u32 != count {
        return Err(Refusal::Uf2(format!(
            "the file holds {} blocks but its blocks say {count}: truncated or padded",
            blocks.len()
        )));
    }
    let mut ordered: Vec<&Block> = blocks.iter().collect();
    ordered.sort_by_key(|b| b.address);
    let (image_blocks, flash_blocks): (Vec<&Block>, Vec<&Block>) = ordered.into_iter().partition(|b| b.address < FLASH_BASE);
    let image = assemble(&image_blocks, IMAGE_BASE, "image")?;
    if image.is_empty() {
        return Err(Refusal::Uf2(format!("no block writes the image at {IMAGE_BASE:#010x}")));
    }
    Ok(Contents { image, flash: assemble(&flash_blocks, FLASH_BASE, "flash's bytes")? })
}

/// The bytes of `blocks` (sorted by address), which must run from `base`
/// without a gap or an overlap.
fn assemble(blocks: &[&Block], base: u32, what: &str) -> Result<Vec<u8>, Refusal> {
    let mut bytes = Vec::new();
    for b in blocks {
        let expected = base + bytes.len() as u32;
        if b.address != expected {
            let how = if b.address < expected { "overlaps the block before it" } else { "leaves a gap" };
            return Err(Refusal::Uf2(format!(
                "block {} at {:#010x} {how}: the {what} so far ends at {expected:#010x}",
                b.number, b.address
            )));
        }
        bytes.extend_from_slice(b.data);
    }
    Ok(bytes)
}

fn block(index: usize, bytes: &[u8]) -> Result<Block<'_>, Refusal> {
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let bad = |why: String| Err(Refusal::Uf2(format!("block {index}: {why}")));
    if word(0) != MAGIC_START0 || word(4) != MAGIC_START1 || word(MAGIC_END_AT) != MAGIC_END {
        return bad("not a UF2 block (wrong magic numbers)".into());
    }
    if word(FLAGS) & FLAG_FAMILY_ID == 0 {
        return bad("has no family id (flag 0x2000 clear): boot1 ignores it".into());
    }
    if word(FAMILY_ID) != FAMILY_BAOCHIP_1X {
        return bad(format!("is for family {:#010x}, not the Baochip-1x's {FAMILY_BAOCHIP_1X:#010x}: boot1 ignores it", word(FAMILY_ID)));
    }
    let size = word(PAYLOAD_SIZE) as usize;
    if size == 0 || size > MAX_PAYLOAD {
        return bad(format!("carries {size} bytes; a block carries 1 to {MAX_PAYLOAD}"));
    }
    let address = word(TARGET_ADDR);
    let end = address as u64 + size as u64;
    let in_image = address >= IMAGE_BASE && end <= RRAM_STORAGE_END as u64;
    let in_flash = address >= FLASH_BASE && end <= FLASH_BASE as u64 + FLASH_MAX_LEN as u64;
    if !in_image && !in_flash {
        return bad(format!(
            "writes {address:#010x}..{end:#010x}, outside the image slot {IMAGE_BASE:#010x}..{RRAM_STORAGE_END:#010x} \
             and the external flash {FLASH_BASE:#010x}..{:#010x}",
            FLASH_BASE as usize + FLASH_MAX_LEN
        ));
    }
    Ok(Block { address, number: word(BLOCK_NO), count: word(NUM_BLOCKS), data: &bytes[DATA..DATA + size] })
}
