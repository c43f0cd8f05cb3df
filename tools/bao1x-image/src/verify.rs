//! The checks the chip's boot1 makes before it jumps to `IMAGE_BASE`, in
//! its order: the block's magic and version, a function code allowed in
//! the slot, a signed length inside RRAM's storage, then the Ed25519ph
//! signature over exactly `SEALED .. SEALED + signed_len`, tried with each
//! of boot1's keys in turn. Plus one boot1 leaves to the CPU: that word 0
//! jumps over the block (else the CPU would run the signature as code).
//! Used by the unit tests, by `bao1x-image verify`, and so by `./x test`.

use crate::keys::{verifying_key, KeySlot};
use crate::layout::{sigblock as sb, IMAGE_BASE, RRAM_STORAGE_END};
use crate::sign::prehash;
use crate::Refusal;
use ed25519_dalek::Signature;

/// What a passing image holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The key slot whose key the signature verified with.
    pub key: KeySlot,
    pub function_code: u32,
    pub anti_rollback: u32,
    /// Bytes signed, from offset 0x84.
    pub signed_len: u32,
    /// The whole image, signature block included.
    pub image_len: usize,
}

/// Checks an image (the bytes at `IMAGE_BASE`) as boot1 does, with boot1's
/// `keys` (slots with an all-zero tag are empty and skipped, as boot1 does).
pub fn check_image(image: &[u8], keys: &[KeySlot]) -> Result<Accepted, Refusal> {
    if image.len() < sb::LEN {
        return Err(Refusal::Block(format!(
            "the image is {} bytes, shorter than the 768-byte signature block (truncated?)",
            image.len()
        )));
    }
    let word = |at: usize| u32::from_le_bytes(image[at..at + 4].try_into().expect("4 bytes"));
    let magic = [word(sb::MAGIC), word(sb::MAGIC + 4)];
    if magic != sb::MAGIC_VALUE {
        return Err(Refusal::Block(format!(
            "no signature block: the magic at 0x88 is {:02x?}, not \"yumy\" \"Bao3\"",
            &image[sb::MAGIC..sb::MAGIC + 8]
        )));
    }
    if word(sb::VERSION) != sb::VERSION_VALUE {
        return Err(Refusal::Block(format!("signature block version {:#x}, boot1 takes only {:#x}", word(sb::VERSION), sb::VERSION_VALUE)));
    }
    let function_code = word(sb::FUNCTION_CODE);
    if !sb::FUNCTIONS_AT_IMAGE_BASE.contains(&function_code) {
        return Err(Refusal::Block(format!(
            "function code {function_code} is not one boot1 runs at {IMAGE_BASE:#010x} (Baremetal 6/7, Loader 4/5)"
        )));
    }
    let signed_len = word(sb::SIGNED_LEN);
    let end = sb::SEALED as u64 + signed_len as u64;
    if end > (RRAM_STORAGE_END - IMAGE_BASE) as u64 {
        return Err(Refusal::Block(format!(
            "signed length {signed_len:#x} reaches past the end of RRAM's storage ({RRAM_STORAGE_END:#010x})"
        )));
    }
    // boot1 hashes whatever RRAM holds up to the signed length; an image
    // shorter than that would be checked against stale RRAM contents.
    if end > image.len() as u64 {
        return Err(Refusal::Block(format!(
            "the block signs {signed_len:#x} bytes from 0x84 (to {end:#x}), but the image is only {:#x} bytes (truncated?)",
            image.len()
        )));
    }
    if word(sb::JUMP) != sb::JUMP_OVER_BLOCK {
        return Err(Refusal::Block(format!(
            "word 0 is {:#010x}, not `jal x0, +768` ({:#010x}): the CPU would not reach the code",
            word(sb::JUMP),
            sb::JUMP_OVER_BLOCK
        )));
    }
    let aad_len = word(sb::AAD_LEN);
    if aad_len != 0 {
        return Err(Refusal::Block(format!(
            "aad_len is {aad_len}: a FIDO2-form signature, which this checker does not verify (ours are Ed25519ph, aad_len 0)"
        )));
    }
    let signature_bytes: [u8; 64] = image[sb::SIGNATURE..sb::SIGNATURE + 64].try_into().expect("64 bytes");
    let signature = Signature::from_bytes(&signature_bytes);
    let signed = &image[sb::SEALED..end as usize];
    let mut tried = Vec::new();
    for slot in keys.iter().filter(|slot| slot.tag != [0; 4]) {
        let key = verifying_key(slot).map_err(Refusal::Signature)?;
        if key.verify_prehashed(prehash(signed), None, &signature).is_ok() {
            let anti_rollback = word(sb::ANTI_ROLLBACK);
            return Ok(Accepted { key: *slot, function_code, anti_rollback, signed_len, image_len: image.len() });
        }
        tried.push(slot.tag_text());
    }
    Err(Refusal::Signature(format!(
        "the Ed25519ph signature over bytes 0x84..{end:#x} verifies with none of boot1's keys (tried: {}): \
         the image was changed after signing, or signed with another key",
        if tried.is_empty() { "none; no key given".to_string() } else { tried.join(", ") }
    )))
}

/// Reads a UF2 file into its image and checks that as boot1 does (a file
/// that also writes the external flash is refused: `check_uf2_contents`).
pub fn check_uf2(file: &[u8], keys: &[KeySlot]) -> Result<Accepted, Refusal> {
    check_image(&crate::uf2::read(file)?, keys)
}

/// `check_uf2` for a file that may also write the external flash: what
/// boot1 accepts, and how many bytes go to the flash.
pub fn check_uf2_contents(file: &[u8], keys: &[KeySlot]) -> Result<(Accepted, usize), Refusal> {
    let contents = crate::uf2::read_contents(file)?;
    Ok((check_image(&contents.image, keys)?, contents.flash.len()))
}
