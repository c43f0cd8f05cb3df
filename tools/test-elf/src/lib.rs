//! A tiny writer of ELF32 little-endian RISC-V executables, for the tests
//! of xous-image and xous-run (a dev-dependency of both): a file header,
//! program headers, the segments' bytes, and, when asked, the section headers
//! naming `.eh_frame`. Just enough for what the image builder reads.

use boot_image::layout::segment::{FLAG_R, FLAG_W, FLAG_X};

const EHDR_LEN: usize = 52;
const PHDR_LEN: usize = 32;
const SHDR_LEN: usize = 40;
const NAMES: &[u8] = b"\0.eh_frame\0.shstrtab\0";

struct Segment {
    vaddr: u32,
    paddr: u32,
    flags: u32,
    bytes: Vec<u8>,
    mem_size: u32,
}

/// An executable to write: entry point, PT_LOAD segments, `.eh_frame`.
pub struct TestElf {
    entry: u32,
    segments: Vec<Segment>,
    eh_frame: Option<u32>,
}

impl TestElf {
    pub fn new(entry: u32) -> TestElf {
        TestElf { entry, segments: Vec::new(), eh_frame: None }
    }

    /// A PT_LOAD segment at `vaddr` (also its physical address) with
    /// boot-image `flags`.
    pub fn segment(mut self, vaddr: u32, flags: u32, bytes: Vec<u8>, mem_size: u32) -> TestElf {
        self.segments.push(Segment { vaddr, paddr: vaddr, flags, bytes, mem_size });
        self
    }

    /// A read-write-execute PT_LOAD segment whose physical address differs,
    /// as in a kernel.
    pub fn kernel_segment(mut self, vaddr: u32, paddr: u32, bytes: Vec<u8>, mem_size: u32) -> TestElf {
        self.segments.push(Segment { vaddr, paddr, flags: FLAG_R | FLAG_W | FLAG_X, bytes, mem_size });
        self
    }

    /// Adds section headers with an `.eh_frame` section at `address`.
    pub fn eh_frame(mut self, address: u32) -> TestElf {
        self.eh_frame = Some(address);
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; EHDR_LEN + PHDR_LEN * self.segments.len()];
        let mut headers = Vec::new();
        for s in &self.segments {
            let offset = out.len();
            out.extend_from_slice(&s.bytes);
            pad4(&mut out);
            let elf_flags = [(FLAG_R, 4), (FLAG_W, 2), (FLAG_X, 1)]
                .iter()
                .filter(|(ours, _)| s.flags & ours != 0)
                .fold(0, |flags, (_, elf)| flags | elf);
            let words = [1, offset as u32, s.vaddr, s.paddr, s.bytes.len() as u32, s.mem_size, elf_flags, 0x1000];
            headers.extend(words.iter().flat_map(|w| w.to_le_bytes()));
        }
        out[EHDR_LEN..EHDR_LEN + headers.len()].copy_from_slice(&headers);
        let (section_offset, section_count, names_index) = match self.eh_frame {
            Some(address) => (self.write_sections(&mut out, address), 3u16, 2u16),
            None => (0, 0, 0),
        };

        let mut header = Vec::with_capacity(EHDR_LEN);
        header.extend_from_slice(b"\x7fELF\x01\x01\x01");
        header.resize(16, 0);
        header.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        header.extend_from_slice(&0xf3u16.to_le_bytes()); // EM_RISCV
        for word in [1, self.entry, EHDR_LEN as u32, section_offset, 0] {
            header.extend_from_slice(&word.to_le_bytes()); // version, entry, phoff, shoff, flags
        }
        let halves = [EHDR_LEN, PHDR_LEN, self.segments.len(), SHDR_LEN, section_count as usize, names_index as usize];
        for half in halves {
            header.extend_from_slice(&(half as u16).to_le_bytes());
        }
        out[..EHDR_LEN].copy_from_slice(&header);
        out
    }

    /// Appends the section-name table and three section headers (null,
    /// `.eh_frame`, `.shstrtab`); returns where the headers start.
    fn write_sections(&self, out: &mut Vec<u8>, address: u32) -> u32 {
        let names_offset = out.len() as u32;
        out.extend_from_slice(NAMES);
        pad4(out);
        let headers_offset = out.len() as u32;
        let null = [0u32; 10];
        // name, type, flags, addr, offset, size, link, info, addralign, entsize
        let eh_frame = [1, 1, 2, address, 0, 0, 0, 0, 4, 0];
        let names = [11, 3, 0, 0, names_offset, NAMES.len() as u32, 0, 0, 1, 0];
        for words in [null, eh_frame, names] {
            out.extend(words.iter().flat_map(|w| w.to_le_bytes()));
        }
        headers_offset
    }
}

fn pad4(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(4), 0);
}
