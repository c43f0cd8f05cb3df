//! Reads what a boot image needs from an ELF file: the entry point, the
//! PT_LOAD segments (addresses, sizes, permissions, bytes) and the address of
//! `.eh_frame`; and refuses, with a reason, anything that is not a 32-bit
//! little-endian RISC-V executable.

use boot_image::layout::segment::{FLAG_R, FLAG_W, FLAG_X};
use object::elf::{FileHeader32, ProgramHeader32, EM_RISCV, ET_EXEC, PF_R, PF_W, PF_X, PT_LOAD};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::LittleEndian as LE;

/// One PT_LOAD segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadSegment {
    pub vaddr: u32,
    pub paddr: u32,
    pub mem_size: u32,
    /// Boot-image flags: `FLAG_R | FLAG_W | FLAG_X`.
    pub flags: u32,
    /// The `p_filesz` bytes stored in the file.
    pub bytes: Vec<u8>,
}

/// What the image builder takes from an executable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executable {
    pub entry: u32,
    /// Address of the `.eh_frame` section, 0 when there is none.
    pub eh_frame: u32,
    /// PT_LOAD segments with memory, in ascending `p_vaddr` order.
    pub segments: Vec<LoadSegment>,
}

impl Executable {
    /// The physical address of virtual `address`, through the segment that
    /// holds it.
    pub fn physical(&self, address: u32) -> Option<u32> {
        self.segments
            .iter()
            .find(|s| address >= s.vaddr && address - s.vaddr < s.mem_size)
            .map(|s| s.paddr.wrapping_add(address - s.vaddr))
    }
}

/// Parses `bytes` as an ELF32 little-endian RISC-V executable.
pub fn read_executable(bytes: &[u8]) -> Result<Executable, String> {
    if bytes.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    match bytes.get(4) {
        Some(1) => {}
        Some(2) => return Err("a 64-bit ELF file; the target is 32-bit RISC-V (riscv32imac)".into()),
        _ => return Err("an ELF file of unknown class".into()),
    }
    if bytes.get(5) != Some(&1) {
        return Err("a big-endian ELF file; RISC-V is little-endian".into());
    }
    let header = FileHeader32::<LE>::parse(bytes).map_err(|e| format!("a damaged ELF header ({e})"))?;
    let machine = header.e_machine(LE);
    if machine != EM_RISCV {
        return Err(format!("an ELF file for machine {machine}, not RISC-V ({EM_RISCV})"));
    }
    let kind = header.e_type(LE);
    if kind != ET_EXEC {
        return Err(format!(
            "an ELF file of type {kind}, not an executable (ET_EXEC = {ET_EXEC}): link it as a static, \
             non-position-independent executable"
        ));
    }
    let program_headers = header.program_headers(LE, bytes).map_err(|e| format!("damaged program headers ({e})"))?;
    let mut segments = Vec::new();
    for (index, ph) in program_headers.iter().enumerate() {
        if ph.p_type(LE) != PT_LOAD || ph.p_memsz(LE) == 0 {
            continue;
        }
        segments.push(load_segment(index, ph, bytes)?);
    }
    if segments.is_empty() {
        return Err("an ELF executable without loadable (PT_LOAD) segments".into());
    }
    segments.sort_by_key(|s| s.vaddr);
    Ok(Executable { entry: header.e_entry(LE), eh_frame: eh_frame_address(header, bytes)?, segments })
}

fn load_segment(index: usize, ph: &ProgramHeader32<LE>, bytes: &[u8]) -> Result<LoadSegment, String> {
    let (file_size, mem_size) = (ph.p_filesz(LE), ph.p_memsz(LE));
    if file_size > mem_size {
        return Err(format!("program header {index}: file size {file_size:#x} exceeds memory size {mem_size:#x}"));
    }
    let data =
        ph.data(LE, bytes).map_err(|()| format!("program header {index}: its bytes lie beyond the end of the file"))?;
    let elf_flags = ph.p_flags(LE);
    let flags = [(PF_R, FLAG_R), (PF_W, FLAG_W), (PF_X, FLAG_X)]
        .iter()
        .filter(|(elf, _)| elf_flags.0 & elf.0 != 0)
        .fold(0, |flags, (_, ours)| flags | ours);
    Ok(LoadSegment { vaddr: ph.p_vaddr(LE), paddr: ph.p_paddr(LE), mem_size, flags, bytes: data.to_vec() })
}

/// The address of `.eh_frame`, 0 when the file has no such section (or no
/// section headers at all: stripped).
fn eh_frame_address(header: &FileHeader32<LE>, bytes: &[u8]) -> Result<u32, String> {
    let sections = header.sections(LE, bytes).map_err(|e| format!("damaged section headers ({e})"))?;
    Ok(sections.section_by_name(LE, b".eh_frame").map_or(0, |(_, section)| section.sh_addr(LE)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_elf::TestElf;

    #[test]
    fn reads_segments_entry_and_eh_frame() {
        let elf = TestElf::new(0x1_0004)
            .segment(0x2_0000, FLAG_R | FLAG_W, vec![7; 0x10], 0x800)
            .segment(0x1_0000, FLAG_R | FLAG_X, vec![1, 2, 3, 4, 5, 6, 7, 8], 8)
            .eh_frame(0x2_0008)
            .to_bytes();
        let exe = read_executable(&elf).unwrap();
        assert_eq!(exe.entry, 0x1_0004);
        assert_eq!(exe.eh_frame, 0x2_0008);
        assert_eq!(exe.segments.len(), 2);
        assert_eq!(exe.segments[0].vaddr, 0x1_0000, "sorted by address");
        assert_eq!(exe.segments[0].flags, FLAG_R | FLAG_X);
        assert_eq!(exe.segments[0].bytes, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!((exe.segments[1].mem_size, exe.segments[1].bytes.len()), (0x800, 0x10));
        assert_eq!(
            read_executable(&TestElf::new(0x1_0000).segment(0x1_0000, FLAG_X, vec![1], 1).to_bytes()).unwrap().eh_frame,
            0
        );
    }

    #[test]
    fn translates_virtual_to_physical_addresses() {
        let elf = TestElf::new(0xffc0_1000).kernel_segment(0xffc0_1000, 0x8000_1000, vec![1; 16], 0x100).to_bytes();
        let exe = read_executable(&elf).unwrap();
        assert_eq!(exe.physical(0xffc0_1000), Some(0x8000_1000));
        assert_eq!(exe.physical(0xffc0_10ff), Some(0x8000_10ff));
        assert_eq!(exe.physical(0xffc0_1100), None);
    }

    #[test]
    fn refuses_what_is_not_a_riscv32_executable() {
        let good = TestElf::new(0x1_0000).segment(0x1_0000, FLAG_R | FLAG_X, vec![1; 4], 4).to_bytes();
        let patched = |at: usize, value: &[u8]| {
            let mut bytes = good.clone();
            bytes[at..at + value.len()].copy_from_slice(value);
            read_executable(&bytes).unwrap_err()
        };
        assert_eq!(read_executable(b"#!/bin/sh\n").unwrap_err(), "not an ELF file");
        assert!(patched(4, &[2]).contains("64-bit"));
        assert!(patched(5, &[2]).contains("big-endian"));
        assert!(patched(18, &[0x3e, 0]).contains("not RISC-V"));
        assert!(patched(16, &[1, 0]).contains("not an executable"), "relocatable");
        assert!(patched(16, &[3, 0]).contains("not an executable"), "position-independent");
        let no_load = TestElf::new(0x1_0000).to_bytes();
        assert!(read_executable(&no_load).unwrap_err().contains("without loadable"));
        let mut short = good.clone();
        short.truncate(good.len() - 2);
        assert!(read_executable(&short).unwrap_err().contains("beyond the end of the file"));
    }
}

#[cfg(test)]
mod fuzz;
