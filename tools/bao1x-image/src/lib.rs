//! Signed images for the Baochip-1x. The chip's boot1 runs what sits at
//! RRAM 0x6006_0000 if it starts with a signature block whose Ed25519ph
//! signature verifies with one of boot1's keys; a dabao owner puts it there
//! by copying a UF2 file to the chip's `BAOCHIP` drive. This crate writes
//! such files ([`build_uf2`]) and checks them as boot1 would
//! ([`verify::check_uf2`]); the chip's numbers are in [`layout`].

pub mod keys;
pub mod layout;
pub mod sign;
pub mod uf2;
pub mod verify;

pub use ed25519_dalek::SigningKey;
pub use keys::{developer_key, read_signing_key, KeySlot};
pub use sign::{sign, SignOptions};
pub use verify::{check_image, check_uf2, check_uf2_contents, Accepted};

use std::fmt;

/// Why an image would not boot, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The UF2 framing: boot1 would ignore a block, or the blocks do not
    /// make one image.
    Uf2(String),
    /// The signature block's fields.
    Block(String),
    /// The signature itself.
    Signature(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Uf2(why) => write!(f, "bad UF2 file: {why}"),
            Refusal::Block(why) => write!(f, "bad signature block: {why}"),
            Refusal::Signature(why) => write!(f, "bad signature: {why}"),
        }
    }
}

impl std::error::Error for Refusal {}

/// `payload` moved to the first page of RRAM after the signature block
/// (`layout::PAGE_ALIGNED_PAYLOAD`), behind a jump to it over zeros: the
/// payload's own pages are then pages of RRAM, as an image whose code is
/// mapped in place needs.
pub fn page_aligned(payload: &[u8]) -> Vec<u8> {
    let skip = layout::PAGE_ALIGNED_PAYLOAD - layout::IMAGE_BASE as usize - layout::sigblock::LEN;
    let mut out = vec![0; skip];
    out[..4].copy_from_slice(&layout::jal_x0(skip as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The UF2 file of `payload` signed with `key`, for 0x6006_0000.
pub fn build_uf2(payload: &[u8], key: &SigningKey, options: SignOptions) -> Result<Vec<u8>, String> {
    build_uf2_with_flash(payload, &[], key, options)
}

/// `build_uf2`, with `flash` for the baosec board's external flash from its
/// start (blocks at `layout::FLASH_BASE`; not signed: the image holds the
/// digests of what it needs from there).
pub fn build_uf2_with_flash(payload: &[u8], flash: &[u8], key: &SigningKey, options: SignOptions) -> Result<Vec<u8>, String> {
    if flash.len() > layout::FLASH_MAX_LEN {
        return Err(format!("{} bytes for the flash, more than its {} MiB", flash.len(), layout::FLASH_MAX_LEN >> 20));
    }
    Ok(uf2::write_with_flash(&sign(payload, key, options)?, flash))
}

#[cfg(test)]
mod tests;
