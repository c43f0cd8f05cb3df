//! Fuzzing the ELF reader: the executables `xous-run` puts in a boot image
//! are the user's files, outside input to the image builder. Seeds written
//! by `test_elf` (a program with text, data and `.eh_frame`; a kernel whose
//! physical addresses differ); mutations aim at every field of the file
//! header, the program headers and the section headers. The reader must
//! never panic and give the same answer twice; what it accepts must be
//! sane (segments sorted, no more bytes than memory, bytes from the file)
//! and go through the image writer into an image the parser accepts with
//! the same bytes, or be refused by the writer with a reason.

use super::read_executable;
use test_elf::TestElf;
use boot_image::layout::segment::{FLAG_R, FLAG_W, FLAG_X};
use boot_image::{parse, write, KernelSegment, ProcessInput, ProcessSegment};
use fuzz_kit::{Field, Mutator, Verdict};

fn seeds() -> Vec<Vec<u8>> {
    vec![
        TestElf::new(0x1_0010)
            .segment(0x1_0000, FLAG_R | FLAG_X, vec![0x13; 0x20], 0x20)
            .segment(0x1_1000, FLAG_R | FLAG_W, vec![9; 8], 0x100)
            .segment(0x1_3000, FLAG_R | FLAG_W, vec![], 0x2000)
            .eh_frame(0x1_1004)
            .to_bytes(),
        TestElf::new(0xffc0_1000).kernel_segment(0xffc0_1000, 0x8000_1000, vec![0x13; 0x40], 0x40).to_bytes(),
    ]
}

/// Every field of the headers of `elf` (section headers only when present).
fn fields_of(elf: &[u8]) -> Vec<Field> {
    let half = |at: usize| Field::le16(at).get(elf).unwrap() as usize;
    let word = |at: usize| Field::le32(at).get(elf).unwrap() as usize;
    let mut fields = vec![Field::u8(4), Field::u8(5), Field::u8(6)];
    fields.extend([16, 18, 40, 42, 44, 46, 48, 50].map(Field::le16));
    fields.extend([20, 24, 28, 32, 36].map(Field::le32));
    for i in 0..half(44) {
        fields.extend((0..32).step_by(4).map(|o| Field::le32(word(28) + 32 * i + o)));
    }
    for i in 0..half(48) {
        fields.extend((0..40).step_by(4).map(|o| Field::le32(word(32) + 40 * i + o)));
    }
    fields
}

#[test]
fn damaged_executables_are_refused_or_build_a_valid_image() {
    let seeds: Vec<(Vec<u8>, Vec<Field>)> = seeds().into_iter().map(|elf| (fields_of(&elf), elf)).map(|(fields, elf)| (elf, fields)).collect();
    let kernel_text = [0x13u8; 64];
    let kernel = [KernelSegment { paddr: 0x8000_1000, mem_size: 0x2000, bytes: &kernel_text }];
    fuzz_kit::run("elf-reader", 5000, |rng| {
        let (seed, fields) = rng.pick(&seeds);
        let mut elf = seed.clone();
        Mutator { fields, block: 4, max_len: seed.len() + 256 }.mutate_some(&mut elf, rng, 3);
        let read = read_executable(&elf);
        assert_eq!(read, read_executable(&elf), "the same file, the same answer");
        let exe = match read {
            Ok(exe) => exe,
            Err(why) => {
                assert!(!why.is_empty());
                return Verdict::Refused;
            }
        };
        assert!(exe.segments.windows(2).all(|w| w[0].vaddr <= w[1].vaddr), "sorted");
        for s in &exe.segments {
            assert!(s.bytes.len() <= s.mem_size as usize && s.bytes.len() <= elf.len());
            assert!(s.bytes.is_empty() || elf.windows(s.bytes.len()).any(|w| w == s.bytes), "bytes from the file");
        }
        let segments: Vec<ProcessSegment> =
            exe.segments.iter().map(|s| ProcessSegment { vaddr: s.vaddr, mem_size: s.mem_size, flags: s.flags, bytes: &s.bytes }).collect();
        let process = ProcessInput { name: "app", main: true, on_demand: false, entry: exe.entry, eh_frame: exe.eh_frame, args: &["app"], env: &[], blocks: &[], in_store: false, segments: &segments };
        let Ok(image) = write(0x8000_0000, &kernel, &[process]) else { return Verdict::Refused };
        let parsed = parse(&image).expect("the writer's images parse");
        let process = parsed.processes().next().expect("one process");
        let stored: Vec<&[u8]> = process.segments().map(|s| s.bytes).collect();
        let wanted: Vec<&[u8]> = exe.segments.iter().map(|s| &s.bytes[..]).collect();
        assert_eq!(stored, wanted, "the image holds the executable's bytes");
        Verdict::Accepted
    });
}
