//! Fuzzing the device-tree reader: the tree is handed over by QEMU (or a
//! board's firmware), so it is outside input the kernel reads before it
//! knows how much RAM it has. The seed is the tree QEMU 7.2's `virt`
//! machine really passes (`-m 64M`, dumped with `-M virt,dumpdtb=FILE`);
//! mutations aim at its header and at every token, length and name
//! offset of its structure block. The reader must never panic, give the
//! same answer twice, and do work bounded by the tree's size (each call
//! of the read callback is counted).

use super::memory_size;
use fuzz_kit::{Field, Mutator, Verdict};

const QEMU_VIRT_64M: &[u8] = include_bytes!("qemu-virt-64m.dtb");
const RAM_BASE: u64 = 0x8000_0000;

/// The answer for `blob`, and how many reads it took.
fn size_of(blob: &[u8]) -> (Option<u64>, usize) {
    let mut reads = 0;
    let size = memory_size(
        |at, out| {
            reads += 1;
            match at.checked_add(out.len()).and_then(|end| blob.get(at..end)) {
                Some(bytes) => {
                    out.copy_from_slice(bytes);
                    true
                }
                None => false,
            }
        },
        RAM_BASE,
    );
    (size, reads)
}

/// The header's words and, walking the structure block of the (valid)
/// seed, each token, property length and name offset.
fn fields_of(blob: &[u8]) -> Vec<Field> {
    let word = |at: usize| Field::be32(at).get(blob).expect("in the seed") as usize;
    let mut fields: Vec<Field> = (0..40).step_by(4).map(Field::be32).collect();
    let mut at = word(8);
    loop {
        fields.push(Field::be32(at));
        match word(at) {
            1 => {
                let name = blob[at + 4..].iter().position(|&b| b == 0).expect("a name");
                fields.push(Field::u8(at + 4));
                at = (at + 4 + name + 1).next_multiple_of(4);
            }
            3 => {
                fields.extend([Field::be32(at + 4), Field::be32(at + 8), Field::be32(at + 12)]);
                at = (at + 12 + word(at + 4)).next_multiple_of(4);
            }
            9 => return fields,
            _ => at += 4,
        }
    }
}

#[test]
fn qemus_tree_gives_its_ram() {
    assert_eq!(size_of(QEMU_VIRT_64M).0, Some(64 << 20));
}

#[test]
fn damaged_trees_end_in_bounded_work_without_a_panic() {
    let fields = fields_of(QEMU_VIRT_64M);
    let mutator = Mutator { fields: &fields, block: 4, max_len: QEMU_VIRT_64M.len() + 256 };
    fuzz_kit::run("device-tree", 3000, |rng| {
        let mut blob = QEMU_VIRT_64M.to_vec();
        mutator.mutate_some(&mut blob, rng, 4);
        let (size, reads) = size_of(&blob);
        assert!(reads <= 64 * blob.len() + 64, "{reads} reads of a {}-byte tree", blob.len());
        assert_eq!(size_of(&blob).0, size, "the same tree, the same answer");
        match size {
            Some(_) => Verdict::Accepted,
            None => Verdict::Refused,
        }
    });
}
