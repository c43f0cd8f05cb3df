//! Signing keys: the chip's public developer key, a key file the user
//! names, and the public keys boot1 checks with (its key slots).

use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::path::Path;

/// The developer key's private half, published on purpose by the chip's
/// makers (Xous's `devkey/dev.key`) so that anyone can sign an image that a
/// dabao boots. Its first boot switches the chip to developer mode for good
/// and erases the chip's secrets; baosec boards have it revoked.
pub const DEVELOPER_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIKindlyNoteThisIsADevKeyDontUseForProduction
-----END PRIVATE KEY-----
";

/// Its public half as the chip's boot1 holds it (slot 3 of its key block;
/// published in xous-core's `libs/bao1x-api/src/pubkeys/developer.rs`). The
/// tests derive it from the private half and compare.
pub const DEVELOPER_PUBLIC_KEY: [u8; 32] = [
    0x1c, 0x9b, 0xea, 0xe3, 0x2a, 0xea, 0xc8, 0x75, 0x07, 0xc1, 0x80, 0x94, 0x38, 0x7e, 0xff, 0x1c, 0x74, 0x61,
    0x42, 0x82, 0xaf, 0xfd, 0x81, 0x52, 0xd8, 0x71, 0x35, 0x2e, 0xdf, 0x3f, 0x58, 0xbb,
];
/// The developer key's slot in boot1's key block, and its tag there.
pub const DEVELOPER_SLOT: usize = 3;
pub const DEVELOPER_TAG: [u8; 4] = *b"dev ";
/// The tag an image signed with another key records it under (slot 0).
pub const USER_TAG: [u8; 4] = *b"user";

/// One of the public keys boot1 checks with: its tag and its 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySlot {
    pub tag: [u8; 4],
    pub key: [u8; 32],
}

impl KeySlot {
    /// The developer key's slot, as in every dabao's boot1.
    pub const DEVELOPER: KeySlot = KeySlot { tag: DEVELOPER_TAG, key: DEVELOPER_PUBLIC_KEY };

    /// The tag, for messages (`"dev "`, or hex when not text).
    pub fn tag_text(&self) -> String {
        match std::str::from_utf8(&self.tag) {
            Ok(text) if text.chars().all(|c| c.is_ascii_graphic() || c == ' ') => format!("{text:?}"),
            _ => format!("0x{}", hex(&self.tag)),
        }
    }
}

/// The developer key, ready to sign.
pub fn developer_key() -> SigningKey {
    SigningKey::from_pkcs8_pem(DEVELOPER_KEY_PEM).expect("the published developer key is a PKCS#8 Ed25519 key")
}

/// The slot a key signs under: the developer key's own, else slot 0 tagged
/// `user`.
pub fn slot_of(key: &SigningKey) -> (usize, KeySlot) {
    let public = key.verifying_key().to_bytes();
    if public == DEVELOPER_PUBLIC_KEY {
        (DEVELOPER_SLOT, KeySlot::DEVELOPER)
    } else {
        (0, KeySlot { tag: USER_TAG, key: public })
    }
}

/// Reads an Ed25519 private key: PKCS#8, PEM (`-----BEGIN PRIVATE KEY-----`,
/// what `openssl genpkey -algorithm ed25519` writes and Xous's key files
/// are) or DER.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the key {}: {e}", path.display()))?;
    parse_signing_key(&bytes).map_err(|why| format!("{}: {why}", path.display()))
}

/// The same, from the file's bytes.
pub fn parse_signing_key(bytes: &[u8]) -> Result<SigningKey, String> {
    let pem = std::str::from_utf8(bytes).ok().filter(|text| text.contains("-----BEGIN"));
    let parsed = match pem {
        Some(text) => SigningKey::from_pkcs8_pem(text),
        None => SigningKey::from_pkcs8_der(bytes),
    };
    parsed.map_err(|e| {
        format!("not an Ed25519 private key in PKCS#8 (PEM `-----BEGIN PRIVATE KEY-----` or DER): {e}")
    })
}

/// A public key from a slot, which must be a point of the curve.
pub fn verifying_key(slot: &KeySlot) -> Result<VerifyingKey, String> {
    VerifyingKey::from_bytes(&slot.key).map_err(|_| format!("key slot {} holds no valid Ed25519 public key", slot.tag_text()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
