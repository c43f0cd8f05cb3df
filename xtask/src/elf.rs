//! Reads just enough of an ELF header to tell whether a build produced what
//! the target needs: a 32-bit little-endian RISC-V executable; and how many
//! bytes of it are loaded (what `./x bench` reports as the kernel's size).

use std::fmt;
use std::path::Path;

const EM_RISCV: u16 = 0xf3;
const ET_EXEC: u16 = 2;
const PT_LOAD: u32 = 1;

pub struct ElfInfo {
    pub entry: u32,
    pub bytes: usize,
}

impl fmt::Display for ElfInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ELF32 RISC-V executable, {} bytes, entry {:#010x}", self.bytes, self.entry)
    }
}

/// Checks `path` is an ELF32 little-endian RISC-V executable.
pub fn inspect(path: &Path) -> Result<ElfInfo, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&bytes).map_err(|why| format!("{} is not a RISC-V ELF32 executable: {why}", path.display()))
}

/// The sum of the file sizes of `path`'s PT_LOAD segments: the bytes that
/// are loaded from the file (text, read-only data, initialised data; not
/// .bss, which only takes memory).
pub fn loaded_bytes(path: &Path) -> Result<u64, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&bytes).and_then(|_| sum_loaded(&bytes)).map_err(|why| format!("{}: {why}", path.display()))
}

fn sum_loaded(bytes: &[u8]) -> Result<u64, &'static str> {
    let word = |at: usize| bytes.get(at..at + 4).map(|w| u32::from_le_bytes(w.try_into().expect("4 bytes")));
    let half = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let (table, entry_size, count) = (word(28).ok_or("no header")? as usize, half(42) as usize, half(44) as usize);
    if entry_size < 32 {
        return Err("program header entries are too small");
    }
    let mut total = 0u64;
    for i in 0..count {
        let at = table + i * entry_size;
        let kind = word(at).ok_or("program header table past the end of the file")?;
        let file_size = word(at + 16).ok_or("program header table past the end of the file")?;
        if kind == PT_LOAD {
            total += u64::from(file_size);
        }
    }
    Ok(total)
}

fn parse(bytes: &[u8]) -> Result<ElfInfo, &'static str> {
    if bytes.len() < 52 || &bytes[..4] != b"\x7fELF" {
        return Err("no ELF header");
    }
    if bytes[4] != 1 || bytes[5] != 1 {
        return Err("not 32-bit little-endian");
    }
    let half = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    if half(16) != ET_EXEC {
        return Err("not an executable");
    }
    if half(18) != EM_RISCV {
        return Err("not RISC-V");
    }
    let entry = u32::from_le_bytes(bytes[24..28].try_into().expect("4 bytes"));
    Ok(ElfInfo { entry, bytes: bytes.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(class: u8, kind: u16, machine: u16) -> Vec<u8> {
        let mut h = vec![0u8; 52];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = class;
        h[5] = 1;
        h[16..18].copy_from_slice(&kind.to_le_bytes());
        h[18..20].copy_from_slice(&machine.to_le_bytes());
        h[24..28].copy_from_slice(&0x1_0000u32.to_le_bytes());
        h
    }

    #[test]
    fn accepts_riscv32_executables_only() {
        assert_eq!(parse(&header(1, ET_EXEC, EM_RISCV)).unwrap().entry, 0x1_0000);
        assert!(parse(&header(2, ET_EXEC, EM_RISCV)).is_err(), "64-bit");
        assert!(parse(&header(1, 1, EM_RISCV)).is_err(), "relocatable");
        assert!(parse(&header(1, ET_EXEC, 0x3e)).is_err(), "x86-64");
        assert!(parse(b"#!/bin/sh").is_err());
    }

    #[test]
    fn sums_the_file_sizes_of_loaded_segments() {
        let mut elf = header(1, ET_EXEC, EM_RISCV);
        elf[28..32].copy_from_slice(&52u32.to_le_bytes());
        elf[42..44].copy_from_slice(&32u16.to_le_bytes());
        elf[44..46].copy_from_slice(&3u16.to_le_bytes());
        for (kind, file_size) in [(PT_LOAD, 0x100u32), (0x6474_e551, 0x999), (PT_LOAD, 0x20)] {
            let mut entry = [0u8; 32];
            entry[..4].copy_from_slice(&kind.to_le_bytes());
            entry[16..20].copy_from_slice(&file_size.to_le_bytes());
            entry[20..24].copy_from_slice(&(file_size * 2).to_le_bytes());
            elf.extend_from_slice(&entry);
        }
        assert_eq!(sum_loaded(&elf), Ok(0x120));
        elf.truncate(52 + 40);
        assert!(sum_loaded(&elf).is_err(), "a cut table");
    }
}
