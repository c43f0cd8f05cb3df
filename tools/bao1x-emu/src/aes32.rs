//! The chip's AES32 scalar-crypto instructions (Zkne/Zknd for RV32):
//! `aes32esi`, `aes32esmi`, `aes32dsi`, `aes32dsmi`. Each takes byte `bs` of
//! rs2, passes it through the AES S-box (or its inverse), for the `m` forms
//! through that byte's part of MixColumns (or InvMixColumns), rotates the
//! result to byte `bs` and xors it into rs1. Four of them make one column of
//! an AES round. The S-boxes are computed here from their definition (the
//! multiplicative inverse in GF(2^8), then the affine map), once, at compile
//! time. Checked by FIPS-197's AES-128 example done with these instructions
//! alone, and against QEMU's (tests/differential.rs).

/// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
const fn gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        a = (a << 1) ^ if a & 0x80 != 0 { 0x1B } else { 0 };
        b >>= 1;
    }
    product
}

/// The multiplicative inverse in GF(2^8) (0 for 0): a^254.
const fn gf_inverse(a: u8) -> u8 {
    let mut result = 1;
    let mut i = 0;
    while i < 254 {
        result = gf_mul(result, a);
        i += 1;
    }
    if a == 0 { 0 } else { result }
}

const fn build_sboxes() -> ([u8; 256], [u8; 256]) {
    let (mut forward, mut inverse) = ([0u8; 256], [0u8; 256]);
    let mut x = 0;
    while x < 256 {
        let b = gf_inverse(x as u8);
        let s = b ^ b.rotate_left(1) ^ b.rotate_left(2) ^ b.rotate_left(3) ^ b.rotate_left(4) ^ 0x63;
        forward[x] = s;
        inverse[s as usize] = x as u8;
        x += 1;
    }
    (forward, inverse)
}

const SBOXES: ([u8; 256], [u8; 256]) = build_sboxes();

/// For each of the four instructions (in `table`'s order), the column of
/// each input byte before its rotation: S(b) alone or through MixColumns
/// (or the inverses). One table for the interpreter and the compiled code
/// (jit/compile.rs), which indexes it by address: so a static.
pub static COLUMNS: [[u32; 256]; 4] = build_columns();

const fn build_columns() -> [[u32; 256]; 4] {
    let (forward, inverse) = SBOXES;
    let mut columns = [[0u32; 256]; 4];
    let mut b = 0;
    while b < 256 {
        let (s, i) = (forward[b], inverse[b]);
        columns[0][b] = s as u32;
        columns[1][b] = u32::from_le_bytes([gf_mul(s, 2), s, s, gf_mul(s, 3)]);
        columns[2][b] = i as u32;
        columns[3][b] = u32::from_le_bytes([gf_mul(i, 0x0E), gf_mul(i, 0x09), gf_mul(i, 0x0D), gf_mul(i, 0x0B)]);
        b += 1;
    }
    columns
}

/// The table of COLUMNS for the instruction `funct7` names (bs in its top
/// two bits: aes32esi, esmi, dsi, dsmi), or None if it is not one of them.
pub fn table(funct7: u32) -> Option<&'static [u32; 256]> {
    match funct7 & 0x1F {
        0x11 => Some(&COLUMNS[0]),
        0x13 => Some(&COLUMNS[1]),
        0x15 => Some(&COLUMNS[2]),
        0x17 => Some(&COLUMNS[3]),
        _ => None,
    }
}

/// The instruction `funct7` names, applied to rs1 and rs2; None if
/// `funct7` is not one of the four.
pub fn execute(funct7: u32, rs1: u32, rs2: u32) -> Option<u32> {
    let shift = (funct7 >> 5) * 8;
    let column = table(funct7)?[(rs2 >> shift) as u8 as usize];
    Some(rs1 ^ column.rotate_left(shift))
}

#[cfg(test)]
mod tests {
    use super::execute;

    const ESI: u32 = 0x11;
    const ESMI: u32 = 0x13;
    const DSI: u32 = 0x15;
    const DSMI: u32 = 0x17;

    fn op(f5: u32, bs: u32, rs1: u32, rs2: u32) -> u32 {
        execute(bs << 5 | f5, rs1, rs2).unwrap()
    }

    /// One column of a round: byte r from column (c + r) (encrypting) or
    /// (c - r) (decrypting) of the state, through `f5`, into `key`.
    fn column(f5: u32, state: &[u32; 4], c: usize, key: u32, forward: bool) -> u32 {
        (0..4).fold(key, |acc, r| op(f5, r as u32, acc, state[if forward { (c + r) % 4 } else { (c + 4 - r) % 4 }]))
    }

    fn expand(key: [u8; 16]) -> [[u32; 4]; 11] {
        let mut w = [0u32; 44];
        for (i, chunk) in key.chunks(4).enumerate() {
            w[i] = u32::from_le_bytes(chunk.try_into().unwrap());
        }
        let mut rcon = 1u8;
        for i in 4..44 {
            let mut t = w[i - 1];
            if i % 4 == 0 {
                // RotWord then SubWord, with aes32esi: byte r of the result
                // is S(byte r+1 of t), which aes32esi leaves at byte r+1.
                t = (0..4u32).fold(0, |acc, r| {
                    let from = (r + 1) % 4;
                    acc | (op(ESI, from, 0, t) >> (8 * from) & 0xFF) << (8 * r)
                }) ^ rcon as u32;
                rcon = (rcon << 1) ^ if rcon & 0x80 != 0 { 0x1B } else { 0 };
            }
            w[i] = w[i - 4] ^ t;
        }
        let mut keys = [[0u32; 4]; 11];
        for (r, k) in keys.iter_mut().enumerate() {
            k.copy_from_slice(&w[4 * r..4 * r + 4]);
        }
        keys
    }

    fn words(bytes: [u8; 16]) -> [u32; 4] {
        core::array::from_fn(|i| u32::from_le_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap()))
    }

    fn hex(s: &str) -> [u8; 16] {
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
    }

    fn encrypt(keys: &[[u32; 4]; 11], block: [u32; 4]) -> [u32; 4] {
        let mut s: [u32; 4] = core::array::from_fn(|c| block[c] ^ keys[0][c]);
        for (round, key) in keys.iter().enumerate().skip(1) {
            let f5 = if round == 10 { ESI } else { ESMI };
            s = core::array::from_fn(|c| column(f5, &s, c, key[c], true));
        }
        s
    }

    /// InvMixColumns of a word: InvSubBytes undoes SubBytes, so
    /// aes32dsmi of aes32esi leaves InvMixColumns alone.
    fn inv_mix(w: u32) -> u32 {
        (0..4).fold(0, |acc, r| op(DSMI, r, acc, op(ESI, r, 0, w)))
    }

    /// The equivalent inverse cipher (FIPS-197 5.3.5): middle round keys
    /// through InvMixColumns.
    fn decrypt(keys: &[[u32; 4]; 11], block: [u32; 4]) -> [u32; 4] {
        let mut s: [u32; 4] = core::array::from_fn(|c| block[c] ^ keys[10][c]);
        for round in (0..10).rev() {
            let (f5, key) = if round == 0 { (DSI, keys[0]) } else { (DSMI, keys[round].map(inv_mix)) };
            s = core::array::from_fn(|c| column(f5, &s, c, key[c], false));
        }
        s
    }

    #[test]
    fn fips_197_aes_128_with_the_aes32_instructions_alone() {
        let keys = expand(hex("000102030405060708090a0b0c0d0e0f"));
        assert_eq!(keys[10], words(hex("13111d7fe3944a17f307a78b4d2b30c5")), "the last round key (FIPS-197 A.1's form for this key)");
        let plain = words(hex("00112233445566778899aabbccddeeff"));
        let cipher = encrypt(&keys, plain);
        assert_eq!(cipher, words(hex("69c4e0d86a7b0430d8cdb78070b4c55a")), "FIPS-197 C.1");
        assert_eq!(decrypt(&keys, cipher), plain);
    }

    #[test]
    fn other_encodings_are_not_aes32() {
        for funct7 in [0x00, 0x01, 0x20, 0x10, 0x12, 0x18, 0x1F] {
            assert_eq!(execute(funct7, 1, 2), None, "{funct7:#x}");
        }
    }
}
