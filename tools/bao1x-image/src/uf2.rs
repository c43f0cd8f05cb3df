//! The UF2 file the chip's `BAOCHIP` drive takes: writing one for an image
//! at `IMAGE_BASE`, and reading one back into the bytes boot1 would have
//! written to RRAM, refusing what boot1 would ignore or what leaves a gap.

use crate::layout::uf2::*;
use crate::layout::{IMAGE_BASE, RRAM_STORAGE_END};
use crate::Refusal;

/// The UF2 file that writes `image` to RRAM at `IMAGE_BASE`: 256 bytes a
/// block, the last one padded with zeros.
pub fn write(image: &[u8]) -> Vec<u8> {
    let chunks: Vec<&[u8]> = image.chunks(PAYLOAD).collect();
    let count = chunks.len() as u32;
    let mut file = Vec::with_capacity(chunks.len() * BLOCK_LEN);
    for (number, chunk) in chunks.iter().enumerate() {
        let mut block = [0u8; BLOCK_LEN];
        let mut put = |at: usize, value: u32| block[at..at + 4].copy_from_slice(&value.to_le_bytes());
        put(0, MAGIC_START0);
        put(4, MAGIC_START1);
        put(FLAGS, FLAG_FAMILY_ID);
        put(TARGET_ADDR, IMAGE_BASE + (number * PAYLOAD) as u32);
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

/// One block's header, as read.
struct Block<'a> {
    address: u32,
    number: u32,
    count: u32,
    data: &'a [u8],
}

/// Reads a UF2 file back into the image it writes at `IMAGE_BASE`. Every
/// block must be one boot1 writes (its magic numbers, the chip's family,
/// an address inside the image slot), numbered once each of one count, and
/// together they must cover one run of bytes from `IMAGE_BASE` without a
/// gap or an overlap.
pub fn read(file: &[u8]) -> Result<Vec<u8>, Refusal> {
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
    let mut image = Vec::new();
    for b in ordered {
        let expected = IMAGE_BASE + image.len() as u32;
        if b.address != expected {
            let what = if b.address < expected { "overlaps the block before it" } else { "leaves a gap" };
            return Err(Refusal::Uf2(format!(
                "block {} at {:#010x} {what}: the image so far ends at {expected:#010x}",
                b.number, b.address
            )));
        }
        image.extend_from_slice(b.data);
    }
    Ok(image)
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
    if address < IMAGE_BASE || end > RRAM_STORAGE_END as u64 {
        return bad(format!(
            "writes {address:#010x}..{end:#010x}, outside the image slot {IMAGE_BASE:#010x}..{RRAM_STORAGE_END:#010x}"
        ));
    }
    Ok(Block { address, number: word(BLOCK_NO), count: word(NUM_BLOCKS), data: &bytes[DATA..DATA + size] })
}
