//! The parameter block a process receives in a1 at entry: program arguments
//! and environment, as std's `sys/pal/xous/params.rs` reads them.
//!
//! ```text
//! "AppP" u32 8  u32 total_length  u32 block_count      (the header is a block too)
//! "EnvB" u32 size  u16 count  { u16 key_len, key, u16 value_len, value }*
//! "ArgL" u32 size  u16 count  { u16 len, arg }*
//! ```
//! All integers little-endian; `size` excludes the 8-byte block header.

pub const APP_MAGIC: [u8; 4] = *b"AppP";
/// The most bytes the parameter block of a boot image's process may have:
/// the kernel puts it at the top of the process's 1 MiB main stack and
/// leaves three quarters of the stack below it (the image writer refuses
/// a larger one).
pub const BOOT_BLOCK_MAX: usize = 256 * 1024;
pub const ENV_MAGIC: [u8; 4] = *b"EnvB";
pub const ARGS_MAGIC: [u8; 4] = *b"ArgL";

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ParamsError {
    /// A string, or the count of them, exceeds 65,535.
    TooLong,
    /// The output buffer is smaller than [`encoded_len`].
    BufferTooSmall,
}

fn strings_len<'a>(items: impl Iterator<Item = &'a str>) -> usize {
    items.map(|s| 2 + s.len()).sum()
}

/// Bytes needed to encode `args` and `env`.
pub fn encoded_len(args: &[&str], env: &[(&str, &str)]) -> usize {
    let env_data = 2 + strings_len(env.iter().flat_map(|(k, v)| [*k, *v]));
    let args_data = 2 + strings_len(args.iter().copied());
    16 + 8 + env_data + 8 + args_data
}

struct Writer<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, bytes: &[u8]) {
        self.out[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }
    fn u16(&mut self, value: usize) -> Result<(), ParamsError> {
        let value = u16::try_from(value).map_err(|_| ParamsError::TooLong)?;
        self.bytes(&value.to_le_bytes());
        Ok(())
    }
    fn u32(&mut self, value: usize) {
        self.bytes(&(value as u32).to_le_bytes());
    }
    fn string(&mut self, s: &str) -> Result<(), ParamsError> {
        self.u16(s.len())?;
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// Encodes a parameter block into `out`; returns its length.
pub fn encode(args: &[&str], env: &[(&str, &str)], out: &mut [u8]) -> Result<usize, ParamsError> {
    let total = encoded_len(args, env);
    if out.len() < total {
        return Err(ParamsError::BufferTooSmall);
    }
    let mut w = Writer { out, at: 0 };
    w.bytes(&APP_MAGIC);
    w.u32(8);
    w.u32(total);
    w.u32(3);
    w.bytes(&ENV_MAGIC);
    w.u32(2 + strings_len(env.iter().flat_map(|(k, v)| [*k, *v])));
    w.u16(env.len())?;
    for (key, value) in env {
        w.string(key)?;
        w.string(value)?;
    }
    w.bytes(&ARGS_MAGIC);
    w.u32(2 + strings_len(args.iter().copied()));
    w.u16(args.len())?;
    for arg in args {
        w.string(arg)?;
    }
    debug_assert_eq!(w.at, total);
    Ok(total)
}

/// Appends a block `magic` with `data` to the parameter block of `len`
/// bytes at the start of `out` (as `encode` wrote it), counting it in the
/// header; the new length.
pub fn append_block(out: &mut [u8], len: usize, magic: [u8; 4], data: &[u8]) -> Result<usize, ParamsError> {
    let total = len + 8 + data.len();
    if declared_len(out) != Some(len) || out.len() < total {
        return Err(ParamsError::BufferTooSmall);
    }
    let count = u32::from_le_bytes([out[12], out[13], out[14], out[15]]) as usize;
    let mut w = Writer { out, at: len };
    w.bytes(&magic);
    w.u32(data.len());
    w.bytes(data);
    w.at = 8;
    w.u32(total);
    w.u32(count + 1);
    Ok(total)
}

/// The data of the first block `magic` of a parameter block.
pub fn block(params: &[u8], magic: [u8; 4]) -> Option<&[u8]> {
    blocks(params)?.find(|b| b.magic == magic).map(|b| b.data)
}

/// The length an `AppP` header (the block's first 12 bytes at least)
/// declares for the whole block; `None` when `header` is not one.
pub fn declared_len(header: &[u8]) -> Option<usize> {
    let word = |at: usize| -> Option<usize> { Some(u32::from_le_bytes(header.get(at..at + 4)?.try_into().ok()?) as usize) };
    (header.get(..4)? == APP_MAGIC && word(4)? == 8 && word(8)? >= 16).then_some(word(8)?)
}

/// One block of a parameter block: its magic and data.
pub struct Block<'a> {
    pub magic: [u8; 4],
    pub data: &'a [u8],
}

/// Iterates the blocks of an encoded parameter block, as std does; `None`
/// when the header is not an `AppP` header.
pub fn blocks(params: &[u8]) -> Option<impl Iterator<Item = Block<'_>>> {
    let data = params.get(..declared_len(params)?)?;
    let mut at: usize = 0;
    Some(core::iter::from_fn(move || {
        let magic: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        let size = u32::from_le_bytes(data.get(at + 4..at.checked_add(8)?)?.try_into().ok()?) as usize;
        let end = at.checked_add(8)?.checked_add(size)?;
        let block = data.get(at + 8..end)?;
        at = end;
        Some(Block { magic, data: block })
    }))
}

/// The length-prefixed strings of an `EnvB` or `ArgL` block's data (after its count).
pub fn strings(data: &[u8]) -> impl Iterator<Item = &str> {
    let mut at: usize = 2;
    core::iter::from_fn(move || {
        let len = u16::from_le_bytes(data.get(at..at.checked_add(2)?)?.try_into().ok()?) as usize;
        let end = at.checked_add(2)?.checked_add(len)?;
        let s = core::str::from_utf8(data.get(at + 2..end)?).ok()?;
        at = end;
        Some(s)
    })
}

/// The program's arguments (the `ArgL` block's strings, argv[0] first);
/// `None` without a well-formed block or an argument list.
pub fn arguments(params: &[u8]) -> Option<impl Iterator<Item = &str>> {
    let args = blocks(params)?.find(|b| b.magic == ARGS_MAGIC)?;
    Some(strings(args.data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appended_block_is_found_and_the_others_stay() {
        let mut out = [0u8; 128];
        let len = encode(&["a"], &[("K", "V")], &mut out).unwrap();
        let longer = append_block(&mut out, len, *b"Proc", &[1, 2, 3]).unwrap();
        assert_eq!(longer, len + 11);
        assert_eq!(declared_len(&out), Some(longer));
        assert_eq!(block(&out, *b"Proc"), Some(&[1u8, 2, 3][..]));
        assert_eq!(arguments(&out).unwrap().collect::<Vec<_>>(), ["a"]);
        assert_eq!(u32::from_le_bytes(out[12..16].try_into().unwrap()), 4, "four blocks, the header too");
        assert_eq!(append_block(&mut out, len, *b"Proc", &[]), Err(ParamsError::BufferTooSmall), "not the length it has");
        assert_eq!(append_block(&mut out[..longer + 4], longer, *b"More", &[0; 8]), Err(ParamsError::BufferTooSmall));
    }

    #[test]
    fn encodes_what_std_reads() {
        let args = ["app", "a b", ""];
        let env = [("K", "V"), ("EMPTY", "")];
        let mut buf = [0u8; 256];
        let n = encode(&args, &env, &mut buf).unwrap();
        assert_eq!(n, encoded_len(&args, &env));
        let blocks: Vec<Block> = blocks(&buf[..n]).unwrap().collect();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].magic, APP_MAGIC);
        assert_eq!(blocks[0].data.len(), 8);
        assert_eq!(blocks[1].magic, ENV_MAGIC);
        let env_strings: Vec<&str> = strings(blocks[1].data).collect();
        assert_eq!(env_strings, ["K", "V", "EMPTY", ""]);
        assert_eq!(blocks[2].magic, ARGS_MAGIC);
        assert_eq!(u16::from_le_bytes([blocks[2].data[0], blocks[2].data[1]]), 3);
        let arg_strings: Vec<&str> = strings(blocks[2].data).collect();
        assert_eq!(arg_strings, args);
        assert_eq!(arguments(&buf[..n]).unwrap().collect::<Vec<_>>(), args);
        assert_eq!(declared_len(&buf[..12]), Some(n), "the header alone says how long the block is");
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let mut small = [0u8; 10];
        assert_eq!(encode(&["x"], &[], &mut small), Err(ParamsError::BufferTooSmall));
        let long = core::str::from_utf8(&[b'a'; 70_000]).unwrap();
        let mut big = [0u8; 70_100];
        assert_eq!(encode(&[long], &[], &mut big), Err(ParamsError::TooLong));
        assert!(blocks(b"ApPp\x08\0\0\0").is_none());
    }

    #[test]
    fn hostile_sizes_end_the_walk_without_overflow() {
        let mut buf = [0u8; 32];
        buf[..4].copy_from_slice(&APP_MAGIC);
        buf[4..8].copy_from_slice(&8u32.to_le_bytes());
        buf[8..12].copy_from_slice(&32u32.to_le_bytes());
        buf[16..20].copy_from_slice(&ENV_MAGIC);
        buf[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        let walked: Vec<Block> = blocks(&buf).unwrap().collect();
        assert_eq!(walked.len(), 1, "the block claiming 4 GiB is not read");
        assert_eq!(strings(&[1, 0, 0xff, 0xff]).count(), 0);
    }

    extern crate std;
    use std::vec::Vec;
}
