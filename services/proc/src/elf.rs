//! What the loader takes from an ELF file: the entry point, the PT_LOAD
//! segments and the address of `.eh_frame`, read piece by piece through a
//! `Source` (the file stays on the filesystem: a test program with debug
//! information is tens of megabytes, its loaded part a few). Anything that
//! is not a 32-bit little-endian RISC-V executable, or whose headers point
//! outside the file or outside the program's part of memory, is refused
//! with a reason; nothing here trusts a number from the file.

use alloc::vec::Vec;

/// Where a program's segments may lie: above the first 64 KiB, below the
/// heap (`xous_abi::memory`'s layout).
pub const LOWEST: u32 = 0x1_0000;
pub const HIGHEST: u32 = xous_abi::memory::USER_HEAP_BASE as u32;
/// At most this many program headers, and section headers read.
const MAX_HEADERS: usize = 64;
const MAX_SECTIONS: usize = 4096;

/// A file read at offsets.
pub trait Source {
    /// Fills `buf` from `offset`; false if the file is shorter or unreadable.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> bool;
    fn len(&self) -> u64;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u32,
    pub mem_size: u32,
    pub offset: u32,
    pub file_size: u32,
    /// PF_X 1, PF_W 2, PF_R 4.
    pub flags: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub entry: u32,
    /// 0 when there is no `.eh_frame` (or no section headers).
    pub eh_frame: u32,
    /// Sorted by address, not overlapping, inside [LOWEST, HIGHEST).
    pub segments: Vec<Segment>,
}

impl Program {
    /// The page-aligned range the segments cover.
    pub fn span(&self) -> (u32, u32) {
        let lo = self.segments.first().map_or(0, |s| s.vaddr) & !0xfff;
        let hi = self.segments.last().map_or(0, |s| s.vaddr + s.mem_size);
        (lo, (hi + 0xfff) & !0xfff)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotElf,
    /// ELF, but 64-bit, big-endian, another machine, or not an executable.
    NotRiscv32Executable,
    /// Headers or segments that do not fit the file or the address space.
    Damaged,
    /// The file could not be read.
    Unreadable,
}

pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
const PT_LOAD: u32 = 1;
const EM_RISCV: u16 = 243;
const ET_EXEC: u16 = 2;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn read(src: &mut impl Source, offset: u64, len: usize) -> Result<Vec<u8>, Refusal> {
    if offset.checked_add(len as u64).is_none_or(|end| end > src.len()) {
        return Err(Refusal::Damaged);
    }
    let mut buf = alloc::vec![0; len];
    if !src.read_at(offset, &mut buf) {
        return Err(Refusal::Unreadable);
    }
    Ok(buf)
}

/// Reads and checks the headers of the executable in `src`.
pub fn parse(src: &mut impl Source) -> Result<Program, Refusal> {
    if src.len() < 52 {
        let mut magic = [0u8; 4];
        if src.len() >= 4 && src.read_at(0, &mut magic) && magic == *b"\x7fELF" {
            return Err(Refusal::Damaged);
        }
        return Err(Refusal::NotElf);
    }
    let h = read(src, 0, 52)?;
    if h[..4] != *b"\x7fELF" {
        return Err(Refusal::NotElf);
    }
    if h[4] != 1 || h[5] != 1 || u16_at(&h, 18) != EM_RISCV || u16_at(&h, 16) != ET_EXEC {
        return Err(Refusal::NotRiscv32Executable);
    }
    let entry = u32_at(&h, 24);
    let (phoff, phentsize, phnum) = (u32_at(&h, 28), u16_at(&h, 42) as usize, u16_at(&h, 44) as usize);
    if phentsize != 32 || phnum == 0 || phnum > MAX_HEADERS {
        return Err(Refusal::Damaged);
    }
    let table = read(src, phoff as u64, phnum * 32)?;
    let mut segments = Vec::new();
    for ph in table.chunks_exact(32) {
        let s = Segment { offset: u32_at(ph, 4), vaddr: u32_at(ph, 8), file_size: u32_at(ph, 16), mem_size: u32_at(ph, 20), flags: u32_at(ph, 24) };
        if u32_at(ph, 0) != PT_LOAD || s.mem_size == 0 {
            continue;
        }
        let in_file = s.offset.checked_add(s.file_size).is_some_and(|end| u64::from(end) <= src.len());
        let in_memory = s.vaddr >= LOWEST && s.vaddr.checked_add(s.mem_size).is_some_and(|end| end <= HIGHEST);
        if s.file_size > s.mem_size || !in_file || !in_memory {
            return Err(Refusal::Damaged);
        }
        segments.push(s);
    }
    segments.sort_by_key(|s| s.vaddr);
    let overlap = segments.windows(2).any(|w| w[0].vaddr + w[0].mem_size > w[1].vaddr);
    let entry_ok = segments.iter().any(|s| s.flags & PF_X != 0 && entry >= s.vaddr && entry - s.vaddr < s.mem_size);
    if segments.is_empty() || overlap || !entry_ok || entry % 2 != 0 {
        return Err(Refusal::Damaged);
    }
    let eh_frame = eh_frame(src, &h)?;
    Ok(Program { entry, eh_frame, segments })
}

/// The address of the section named `.eh_frame`; 0 without one.
fn eh_frame(src: &mut impl Source, h: &[u8]) -> Result<u32, Refusal> {
    let (shoff, shentsize, shnum, names) = (u32_at(h, 32), u16_at(h, 46) as usize, u16_at(h, 48) as usize, u16_at(h, 50) as usize);
    if shoff == 0 || shnum == 0 {
        return Ok(0);
    }
    if shentsize != 40 || shnum > MAX_SECTIONS || names >= shnum {
        return Err(Refusal::Damaged);
    }
    let table = read(src, shoff as u64, shnum * 40)?;
    let names_header = &table[names * 40..names * 40 + 40];
    let (names_at, names_len) = (u32_at(names_header, 16), u32_at(names_header, 20) as usize);
    let wanted = b".eh_frame\0";
    for sh in table.chunks_exact(40) {
        let name = u32_at(sh, 0) as usize;
        if name.checked_add(wanted.len()).is_none_or(|end| end > names_len) {
            continue;
        }
        if read(src, names_at as u64 + name as u64, wanted.len())? == wanted {
            return Ok(u32_at(sh, 12));
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bytes(Vec<u8>);

    impl Source for Bytes {
        fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> bool {
            let at = offset as usize;
            match self.0.get(at..at + buf.len()) {
                Some(b) => {
                    buf.copy_from_slice(b);
                    true
                }
                None => false,
            }
        }
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
    }

    fn put(b: &mut [u8], at: usize, v: &[u8]) {
        b[at..at + v.len()].copy_from_slice(v);
    }

    /// An executable: header, two program headers (text RX at 0x1_0000
    /// from 0x100, 0x40 bytes; data RW at 0x1_1000, 0x10 of 0x800 bytes),
    /// three sections (null, `.eh_frame` at 0x1_0020, the names).
    fn executable() -> Vec<u8> {
        let mut b = alloc::vec![0u8; 0x400];
        put(&mut b, 0, b"\x7fELF\x01\x01\x01");
        put(&mut b, 16, &2u16.to_le_bytes());
        put(&mut b, 18, &243u16.to_le_bytes());
        put(&mut b, 24, &0x1_0004u32.to_le_bytes());
        put(&mut b, 28, &52u32.to_le_bytes());
        put(&mut b, 32, &0x200u32.to_le_bytes());
        put(&mut b, 42, &32u16.to_le_bytes());
        put(&mut b, 44, &2u16.to_le_bytes());
        put(&mut b, 46, &40u16.to_le_bytes());
        put(&mut b, 48, &3u16.to_le_bytes());
        put(&mut b, 50, &2u16.to_le_bytes());
        for (i, words) in [[1, 0x100, 0x1_0000, 0, 0x40, 0x40, 5, 0x1000], [1, 0x140, 0x1_1000, 0, 0x10, 0x800, 6, 0x1000]].iter().enumerate() {
            for (j, w) in words.iter().enumerate() {
                put(&mut b, 52 + 32 * i + 4 * j, &(*w as u32).to_le_bytes());
            }
        }
        put(&mut b, 0x300, b"\0.eh_frame\0.shstrtab\0");
        let sections: [[u32; 10]; 3] = [[0; 10], [1, 1, 2, 0x1_0020, 0x120, 8, 0, 0, 4, 0], [11, 3, 0, 0, 0x300, 21, 0, 0, 1, 0]];
        for (i, words) in sections.iter().enumerate() {
            for (j, w) in words.iter().enumerate() {
                put(&mut b, 0x200 + 40 * i + 4 * j, &w.to_le_bytes());
            }
        }
        b
    }

    #[test]
    fn reads_entry_segments_and_eh_frame() {
        let p = parse(&mut Bytes(executable())).unwrap();
        assert_eq!((p.entry, p.eh_frame), (0x1_0004, 0x1_0020));
        assert_eq!(p.segments.len(), 2);
        assert_eq!(p.segments[1], Segment { vaddr: 0x1_1000, mem_size: 0x800, offset: 0x140, file_size: 0x10, flags: 6 });
        assert_eq!(p.span(), (0x1_0000, 0x1_2000));
    }

    #[test]
    fn refuses_what_is_not_ours_with_a_reason() {
        let patched = |at: usize, v: &[u8]| {
            let mut b = executable();
            put(&mut b, at, v);
            parse(&mut Bytes(b))
        };
        assert_eq!(parse(&mut Bytes(b"#!/bin/sh\necho hi\n".to_vec())), Err(Refusal::NotElf));
        assert_eq!(parse(&mut Bytes(alloc::vec![0; 4096])), Err(Refusal::NotElf));
        assert_eq!(parse(&mut Bytes(b"\x7fELF\x01".to_vec())), Err(Refusal::Damaged), "cut short");
        assert_eq!(patched(4, &[2]), Err(Refusal::NotRiscv32Executable), "64-bit");
        assert_eq!(patched(5, &[2]), Err(Refusal::NotRiscv32Executable), "big-endian");
        assert_eq!(patched(18, &62u16.to_le_bytes()), Err(Refusal::NotRiscv32Executable), "x86-64");
        assert_eq!(patched(16, &3u16.to_le_bytes()), Err(Refusal::NotRiscv32Executable), "position-independent");
        assert_eq!(patched(28, &0xffff_fff0u32.to_le_bytes()), Err(Refusal::Damaged), "headers beyond the file");
        assert_eq!(patched(44, &0u16.to_le_bytes()), Err(Refusal::Damaged), "no program headers");
        assert_eq!(patched(52 + 4, &0x3ffu32.to_le_bytes()), Err(Refusal::Damaged), "a segment beyond the file");
        assert_eq!(patched(52 + 8, &0x1000u32.to_le_bytes()), Err(Refusal::Damaged), "below the program's part");
        assert_eq!(patched(52 + 32 + 8, &0x1fff_fff0u32.to_le_bytes()), Err(Refusal::Damaged), "into the heap");
        assert_eq!(patched(52 + 32 + 8, &0x1_0020u32.to_le_bytes()), Err(Refusal::Damaged), "overlapping");
        assert_eq!(patched(52 + 16, &0x80u32.to_le_bytes()), Err(Refusal::Damaged), "more in the file than in memory");
        assert_eq!(patched(24, &0x1_1004u32.to_le_bytes()), Err(Refusal::Damaged), "entry in data");
        assert_eq!(patched(50, &9u16.to_le_bytes()), Err(Refusal::Damaged), "names section that is not there");
        assert_eq!(patched(0x200 + 40 + 0, &0xfff0u32.to_le_bytes()).map(|p| p.eh_frame), Ok(0), "a name beyond the names");
        assert_eq!(patched(32, &0u32.to_le_bytes()).map(|p| p.eh_frame), Ok(0), "stripped");
    }

    #[test]
    fn every_cut_of_a_good_file_is_refused_not_a_panic() {
        let good = executable();
        for len in 0..good.len() {
            let _ = parse(&mut Bytes(good[..len].to_vec()));
        }
        let mut x = 0x2545_f491u32;
        for _ in 0..2000 {
            let mut b = good.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let at = x as usize % b.len();
                b[at] = (x >> 8) as u8;
            }
            let _ = parse(&mut Bytes(b));
        }
    }
}
