//! Reads just enough of an ELF header to tell whether a build produced what
//! the target needs: a 32-bit little-endian RISC-V executable.

use std::fmt;
use std::path::Path;

const EM_RISCV: u16 = 0xf3;
const ET_EXEC: u16 = 2;

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
}
