//! The facts of the Baochip-1x's boot chain that an image must match: where
//! boot1 looks for the next stage, the fields of the 768-byte signature
//! block in front of it, and the UF2 framing the chip's `BAOCHIP` drive
//! takes. Gathered from the chip's public boot code (betrusted-io/xous-core:
//! `libs/bao1x-api`, `bao1x-boot/boot1`, `libs/bao1x-hal/src/sigcheck.rs`);
//! nothing else in this crate knows a number of the chip.

/// RRAM, the chip's non-volatile memory, executes in place from here.
pub const RRAM_BASE: u32 = 0x6000_0000;
/// The slot boot1 checks and jumps to: a Loader (Xous's) or a Baremetal
/// image (anything else, such as ours).
pub const IMAGE_BASE: u32 = 0x6006_0000;
/// The end of the RRAM that images may use; above it the chip keeps its
/// security records. boot1 refuses a signed length that reaches past it.
pub const RRAM_STORAGE_END: u32 = RRAM_BASE + 0x3D_A000;
/// The most an image at `IMAGE_BASE` can hold, signature block included.
pub const IMAGE_MAX_LEN: usize = (RRAM_STORAGE_END - IMAGE_BASE) as usize;
/// Where UF2 blocks for the external SPI flash are addressed (its XIP
/// window): boot1 writes blocks from here to the flash, at their offset.
pub const FLASH_BASE: u32 = 0x7000_0000;
/// The most the UF2 file may put there: the baosec board's 8 MiB NOR flash.
pub const FLASH_MAX_LEN: usize = 8 * 1024 * 1024;

/// Where `page_aligned` puts a payload: the first page after the block.
pub const PAGE_ALIGNED_PAYLOAD: usize = IMAGE_BASE as usize + 0x1000;

/// `jal x0, offset`: a jump `offset` bytes ahead (even, below 1 MiB).
pub const fn jal_x0(offset: u32) -> u32 {
    let imm = offset & 0x1F_FFFE;
    ((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3FF) << 21 | ((imm >> 11) & 1) << 20 | ((imm >> 12) & 0xFF) << 12 | 0x6F
}

/// The signature block at the start of every image boot1 checks. All
/// integers are little-endian.
pub mod sigblock {
    /// Its length: the code starts right after it.
    pub const LEN: usize = 768;
    /// Word 0 is `jal x0, +LEN`: the CPU enters the image here and jumps
    /// over the block to the code.
    pub const JUMP: usize = 0x00;
    /// The 64-byte Ed25519 signature.
    pub const SIGNATURE: usize = 0x04;
    pub const SIGNATURE_LEN: usize = 64;
    /// `aad_len` (u32): 0 selects plain Ed25519ph; more selects the FIDO2
    /// form (the signature covers that many bytes of `AAD` and a SHA-256 of
    /// the SHA-512 of the signed bytes), which this crate neither writes nor checks.
    pub const AAD_LEN: usize = 0x44;
    pub const AAD: usize = 0x48;
    /// Everything from here to `SEALED + signed_len` is signed; the jump,
    /// the signature and the AAD are not.
    pub const SEALED: usize = 0x84;
    /// u32, `VERSION_VALUE`.
    pub const VERSION: usize = 0x84;
    /// Two u32 of "yumy" and "Bao3", each read as a big-endian number and
    /// stored little-endian (so the bytes read "ymuy" "3oaB").
    pub const MAGIC: usize = 0x88;
    /// u32: how many bytes from `SEALED` on are signed: to the image's end.
    pub const SIGNED_LEN: usize = 0x90;
    /// u32: what the image is for (`FUNCTION_BAREMETAL` for ours).
    pub const FUNCTION_CODE: usize = 0x94;
    /// u32: the anti-rollback version. A value above the chip's counter
    /// raises the counter for good; 0 never does.
    pub const ANTI_ROLLBACK: usize = 0x98;
    /// 16 bytes each, Xous's semantic versions; boot1 does not read them.
    pub const MIN_SEMVER: usize = 0x9C;
    pub const SEMVER: usize = 0xAC;
    /// Four slots of a 32-byte public key and a 4-byte tag. boot1 checks
    /// with the keys of its *own* block, not these: in an image they only
    /// record which key signed it.
    pub const PUBKEYS: usize = 0xBC;
    pub const PUBKEY_SLOT_LEN: usize = 36;
    pub const PUBKEY_SLOTS: usize = 4;
    /// 20 bytes: the hash of the toolchain of a release build, else zeros.
    pub const TOOLCHAIN: usize = 0x14C;
    /// u32: the signature format's real version (major in the top byte);
    /// the first `VERSION` field can never change.
    pub const CORRECTED_VERSION: usize = 0x160;
    /// u32: 0 (no post-quantum signature appended).
    pub const PQ_ENABLED: usize = 0x164;

    /// `jal x0, +768`.
    pub const JUMP_OVER_BLOCK: u32 = 0x3000_006F;
    const _: () = assert!(super::jal_x0(LEN as u32) == JUMP_OVER_BLOCK);
    pub const VERSION_VALUE: u32 = 0x100;
    pub const CORRECTED_VERSION_VALUE: u32 = 0x0100_0000;
    pub const MAGIC_VALUE: [u32; 2] = [u32::from_be_bytes(*b"yumy"), u32::from_be_bytes(*b"Bao3")];
    /// The function codes boot1 takes at `IMAGE_BASE`.
    pub const FUNCTION_LOADER: u32 = 4;
    pub const FUNCTION_UPDATED_LOADER: u32 = 5;
    pub const FUNCTION_BAREMETAL: u32 = 6;
    pub const FUNCTION_UPDATED_BAREMETAL: u32 = 7;
    pub const FUNCTIONS_AT_IMAGE_BASE: [u32; 4] =
        [FUNCTION_BAREMETAL, FUNCTION_UPDATED_BAREMETAL, FUNCTION_LOADER, FUNCTION_UPDATED_LOADER];
}

/// The UF2 framing (Microsoft's USB flashing format) as the chip's boot1
/// reads it: 512-byte blocks, each naming the address its data goes to.
pub mod uf2 {
    pub const BLOCK_LEN: usize = 512;
    pub const MAGIC_START0: u32 = 0x0A32_4655;
    pub const MAGIC_START1: u32 = 0x9E5D_5157;
    pub const MAGIC_END: u32 = 0x0AB1_6F30;
    /// Flag: the word at offset 28 is a family id (not a file size).
    pub const FLAG_FAMILY_ID: u32 = 0x2000;
    /// The Baochip-1x's family id: boot1 ignores a block of any other.
    pub const FAMILY_BAOCHIP_1X: u32 = 0xA7D7_6373;
    /// The most data a block can carry, and what ours carry (the usual size).
    pub const MAX_PAYLOAD: usize = 476;
    pub const PAYLOAD: usize = 256;
    /// Offsets of the header words and the data.
    pub const FLAGS: usize = 8;
    pub const TARGET_ADDR: usize = 12;
    pub const PAYLOAD_SIZE: usize = 16;
    pub const BLOCK_NO: usize = 20;
    pub const NUM_BLOCKS: usize = 24;
    pub const FAMILY_ID: usize = 28;
    pub const DATA: usize = 32;
    pub const MAGIC_END_AT: usize = 508;
}
