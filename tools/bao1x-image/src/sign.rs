//! Signing: a payload becomes an image for `IMAGE_BASE`: the signature
//! block, then the payload. The block's sealed fields and the payload are
//! signed with Ed25519ph (SHA-512 prehash, no context), as boot1 checks.

use crate::keys::slot_of;
use crate::layout::{sigblock as sb, IMAGE_MAX_LEN};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha512};

/// What goes into the sealed fields besides the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignOptions {
    /// `FUNCTION_BAREMETAL` for an image that is not Xous's loader.
    pub function_code: u32,
    /// 0 unless you mean to raise the chip's counter for good.
    pub anti_rollback: u32,
}

impl Default for SignOptions {
    fn default() -> SignOptions {
        SignOptions { function_code: sb::FUNCTION_BAREMETAL, anti_rollback: 0 }
    }
}

/// Builds the signed image of `payload`.
pub fn sign(payload: &[u8], key: &SigningKey, options: SignOptions) -> Result<Vec<u8>, String> {
    let len = sb::LEN + payload.len();
    if len > IMAGE_MAX_LEN {
        return Err(format!(
            "the image would be {len} bytes (768 of signature block and {} of payload), but RRAM holds at most \
             {IMAGE_MAX_LEN} bytes from 0x6006_0000",
            payload.len()
        ));
    }
    let mut image = vec![0u8; len];
    put(&mut image, sb::JUMP, sb::JUMP_OVER_BLOCK);
    put(&mut image, sb::AAD_LEN, 0);
    put(&mut image, sb::VERSION, sb::VERSION_VALUE);
    put(&mut image, sb::MAGIC, sb::MAGIC_VALUE[0]);
    put(&mut image, sb::MAGIC + 4, sb::MAGIC_VALUE[1]);
    put(&mut image, sb::SIGNED_LEN, (len - sb::SEALED) as u32);
    put(&mut image, sb::FUNCTION_CODE, options.function_code);
    put(&mut image, sb::ANTI_ROLLBACK, options.anti_rollback);
    put(&mut image, sb::CORRECTED_VERSION, sb::CORRECTED_VERSION_VALUE);
    put(&mut image, sb::PQ_ENABLED, 0);
    let (slot, record) = slot_of(key);
    let at = sb::PUBKEYS + slot * sb::PUBKEY_SLOT_LEN;
    image[at..at + 32].copy_from_slice(&record.key);
    image[at + 32..at + 36].copy_from_slice(&record.tag);
    image[sb::LEN..].copy_from_slice(payload);

    let signature = key
        .sign_prehashed(prehash(&image[sb::SEALED..]), None)
        .map_err(|e| format!("cannot sign: {e}"))?;
    image[sb::SIGNATURE..sb::SIGNATURE + sb::SIGNATURE_LEN].copy_from_slice(&signature.to_bytes());
    Ok(image)
}

/// The SHA-512 state over the signed bytes, as Ed25519ph takes it.
pub fn prehash(signed: &[u8]) -> Sha512 {
    let mut hash = Sha512::new();
    hash.update(signed);
    hash
}

fn put(image: &mut [u8], at: usize, value: u32) {
    image[at..at + 4].copy_from_slice(&value.to_le_bytes());
}
