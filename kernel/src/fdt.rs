//! The two facts the kernel wants from a flattened device tree: how much
//! RAM starts at a given address (a `memory` node's `reg`), and the entropy
//! in `/chosen/rng-seed`, from which swap's key comes. QEMU passes such a
//! tree at reset; its RAM is whatever `-m` said, its seed new every boot.
//!
//! The tree is read through a callback, so the kernel can read it from any
//! physical page and the host tests from a vector. Every offset is checked
//! against the sizes the tree declares and each step moves forward, so a
//! corrupt tree gives `None`: never a panic, never an endless walk.

const MAGIC: u32 = 0xd00d_feed;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
/// The most of a tree we read (QEMU's are a few KiB).
pub const MAX_SIZE: usize = 1 << 20;

/// A tree and how to read its bytes: `read(offset, out)` fills `out` from
/// `offset` and says whether it could.
struct Tree<R> {
    read: R,
    size: usize,
}

impl<R: FnMut(usize, &mut [u8]) -> bool> Tree<R> {
    fn bytes<const N: usize>(&mut self, at: usize) -> Option<[u8; N]> {
        let mut out = [0; N];
        (at.checked_add(N)? <= self.size && (self.read)(at, &mut out)).then_some(out)
    }

    #[inline(never)]
    fn u32(&mut self, at: usize) -> Option<u32> {
        self.bytes::<4>(at).map(u32::from_be_bytes)
    }

    /// Whether the NUL-terminated string at `at` is `text` (which ends in NUL).
    fn is(&mut self, at: usize, text: &[u8]) -> bool {
        text.iter().enumerate().all(|(i, b)| at.checked_add(i).and_then(|a| self.bytes::<1>(a)) == Some([*b]))
    }

    /// The length of the NUL-terminated string at `at` (4-byte aligned), NUL excluded.
    fn name_len(&mut self, at: usize) -> Option<usize> {
        let mut len = 0;
        loop {
            let word = self.bytes::<4>(at.checked_add(len)?)?;
            if let Some(i) = word.iter().position(|b| *b == 0) {
                return Some(len + i);
            }
            len += 4;
        }
    }

    /// A number of `cells` 32-bit cells at `at`.
    fn number(&mut self, at: usize, cells: usize) -> Option<u64> {
        (0..cells).try_fold(0u64, |n, i| Some((n << 32) | self.u32(at + 4 * i)? as u64))
    }
}

fn align4(n: usize) -> Option<usize> {
    Some(n.checked_add(3)? & !3)
}

/// What the walk meets in a tree, with where the names and values are.
enum Event {
    Begin { depth: usize, name: usize },
    End { depth: usize },
    Prop { depth: usize, name: usize, value: usize, len: usize },
}

/// What a visitor says after each event: go on, or stop with an answer.
enum Step<T> {
    Go,
    Done(T),
}

/// Walks the tree `read` reads, handing each event to `visit`; its answer,
/// or None if the tree is malformed or ends first.
fn walk<R: FnMut(usize, &mut [u8]) -> bool, T>(read: R, mut visit: impl FnMut(&mut Tree<R>, Event) -> Option<Step<T>>) -> Option<T> {
    let mut tree = Tree { read, size: 40 };
    if tree.u32(0)? != MAGIC {
        return None;
    }
    tree.size = (tree.u32(4)? as usize).min(MAX_SIZE);
    let strings = tree.u32(12)? as usize;
    let mut at = tree.u32(8)? as usize;
    let mut depth = 0usize;
    loop {
        let token = tree.u32(at)?;
        at += 4;
        let event = match token {
            BEGIN_NODE => {
                depth += 1;
                let name = at;
                at = align4(at + tree.name_len(at)? + 1)?;
                Event::Begin { depth, name }
            }
            END_NODE => {
                let event = Event::End { depth };
                depth = depth.checked_sub(1)?;
                event
            }
            PROP => {
                let len = tree.u32(at)? as usize;
                let name = strings.checked_add(tree.u32(at + 4)? as usize)?;
                let value = at + 8;
                at = align4(value.checked_add(len)?)?;
                Event::Prop { depth, name, value, len }
            }
            NOP => continue,
            _ => return None,
        };
        if let Step::Done(answer) = visit(&mut tree, event)? {
            return Some(answer);
        }
    }
}

/// The size of the RAM region starting at `base` that a top-level `memory`
/// node of the tree lists, if the tree is well formed and lists one.
pub fn memory_size(read: impl FnMut(usize, &mut [u8]) -> bool, base: u64) -> Option<u64> {
    let (mut address_cells, mut size_cells) = (2, 1);
    // For the top-level node being read: is it memory, and where is its `reg`.
    let (mut is_memory, mut reg): (bool, Option<(usize, usize)>) = (false, None);
    walk(read, |tree, event| {
        match event {
            Event::Begin { depth: 2, name } => {
                is_memory = tree.is(name, b"memory\0") || tree.is(name, b"memory@");
                reg = None;
            }
            Event::End { depth: 2 } => {
                let pair = 4 * (address_cells + size_cells);
                if let (true, Some((value, len)), true) = (is_memory, reg, pair > 0) {
                    // Checked: on the 32-bit kernel a `reg` claiming 4 GiB would wrap.
                    for row in (value..value.checked_add(len / pair * pair)?).step_by(pair) {
                        if tree.number(row, address_cells)? == base {
                            return Some(Step::Done(tree.number(row + 4 * address_cells, size_cells)?));
                        }
                    }
                }
            }
            Event::Prop { depth: 1, name, value, len: 4 } if tree.is(name, b"#address-cells\0") => {
                address_cells = (tree.u32(value)? as usize).min(2);
            }
            Event::Prop { depth: 1, name, value, len: 4 } if tree.is(name, b"#size-cells\0") => {
                size_cells = (tree.u32(value)? as usize).min(2);
            }
            Event::Prop { depth: 2, name, value, len: 7 } if tree.is(name, b"device_type\0") => {
                is_memory |= tree.is(value, b"memory\0");
            }
            Event::Prop { depth: 2, name, value, len } if tree.is(name, b"reg\0") => {
                reg = Some((value, len));
            }
            _ => {}
        }
        Some(Step::Go)
    })
}

/// The first `N` bytes of `/chosen/rng-seed`, the entropy QEMU hands the
/// guest at every boot (from the host's random source), if the tree has at
/// least that many.
pub fn rng_seed<const N: usize>(read: impl FnMut(usize, &mut [u8]) -> bool) -> Option<[u8; N]> {
    let mut in_chosen = false;
    walk(read, |tree, event| {
        match event {
            Event::Begin { depth, name } => in_chosen = depth == 2 && tree.is(name, b"chosen\0"),
            Event::End { .. } => in_chosen = false,
            Event::Prop { depth: 2, name, value, len } if in_chosen && len >= N && tree.is(name, b"rng-seed\0") => {
                return tree.bytes::<N>(value).map(Step::Done);
            }
            Event::Prop { .. } => {}
        }
        Some(Step::Go)
    })
}

/// Whether a CPU's `riscv,isa` string (`rv32imac_zicsr_..._zkne`) names
/// the multi-letter extension `ext` (lower case, without its underscore).
pub fn isa_has(read: impl FnMut(usize, &mut [u8]) -> bool, ext: &[u8]) -> bool {
    let found = walk(read, |tree, event| {
        if let Event::Prop { name, value, len, .. } = event {
            if tree.is(name, b"riscv,isa\0") {
                // Each `_`-separated word after the base, compared whole.
                let mut word = 0;
                let mut matched = true;
                for at in value..value + len {
                    let [b] = tree.bytes::<1>(at)?;
                    if b == b'_' || b == 0 {
                        if word > 0 && matched && word == ext.len() + 1 {
                            return Some(Step::Done(true));
                        }
                        (word, matched) = (1, b == b'_');
                        continue;
                    }
                    if word > 0 {
                        matched &= ext.get(word - 1) == Some(&b);
                        word += 1;
                    }
                }
                return Some(Step::Done(false));
            }
        }
        Some(Step::Go)
    });
    found == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree builder: enough of the format for the tests.
    #[derive(Default)]
    struct Builder {
        structs: Vec<u8>,
        strings: Vec<u8>,
    }

    impl Builder {
        fn word(&mut self, w: u32) -> &mut Self {
            self.structs.extend(w.to_be_bytes());
            self
        }
        fn begin(&mut self, name: &str) -> &mut Self {
            self.word(BEGIN_NODE);
            self.structs.extend(name.as_bytes());
            self.structs.push(0);
            while self.structs.len() % 4 != 0 {
                self.structs.push(0);
            }
            self
        }
        fn end(&mut self) -> &mut Self {
            self.word(END_NODE)
        }
        fn prop(&mut self, name: &str, value: &[u8]) -> &mut Self {
            let offset = self.strings.len() as u32;
            self.strings.extend(name.as_bytes());
            self.strings.push(0);
            self.word(PROP).word(value.len() as u32).word(offset);
            self.structs.extend(value);
            while self.structs.len() % 4 != 0 {
                self.structs.push(0);
            }
            self
        }
        fn cells(&mut self, name: &str, cells: &[u32]) -> &mut Self {
            let bytes: Vec<u8> = cells.iter().flat_map(|c| c.to_be_bytes()).collect();
            self.prop(name, &bytes)
        }
        fn build(&mut self) -> Vec<u8> {
            self.word(9);
            let structs = 40u32;
            let strings = structs + self.structs.len() as u32;
            let size = strings + self.strings.len() as u32;
            let mut blob = Vec::new();
            for w in [MAGIC, size, structs, strings, 0, 17, 16, 0, self.strings.len() as u32, self.structs.len() as u32] {
                blob.extend(w.to_be_bytes());
            }
            blob.extend(&self.structs);
            blob.extend(&self.strings);
            blob
        }
    }

    fn size_in(blob: &[u8]) -> Option<u64> {
        memory_size(
            |at, out| match blob.get(at..at + out.len()) {
                Some(bytes) => {
                    out.copy_from_slice(bytes);
                    true
                }
                None => false,
            },
            0x8000_0000,
        )
    }

    /// What QEMU virt (riscv32) gives: two cells each, `reg` before `device_type`.
    fn qemu_like(mib: u32) -> Vec<u8> {
        Builder::default()
            .begin("")
            .cells("#address-cells", &[2])
            .cells("#size-cells", &[2])
            .prop("compatible", b"riscv-virtio\0")
            .begin("chosen")
            .prop("bootargs", b"\0")
            .end()
            .begin("memory@80000000")
            .cells("reg", &[0, 0x8000_0000, 0, mib << 20])
            .prop("device_type", b"memory\0")
            .end()
            .begin("soc")
            .begin("memory@0")
            .cells("reg", &[0, 0x8000_0000, 0, 1])
            .end()
            .end()
            .end()
            .build()
    }

    fn seed_in(blob: &[u8]) -> Option<[u8; 32]> {
        rng_seed(|at, out: &mut [u8]| match blob.get(at..at + out.len()) {
            Some(bytes) => {
                out.copy_from_slice(bytes);
                true
            }
            None => false,
        })
    }

    #[test]
    fn finds_the_rng_seed_in_chosen_only() {
        let seed: Vec<u8> = (1..=32).collect();
        let tree = |node: &str, len: usize| {
            Builder::default().begin("").begin("soc").prop("rng-seed", &[9; 32]).end().begin(node).prop("bootargs", b"\0").prop("rng-seed", &seed[..len]).end().end().build()
        };
        assert_eq!(seed_in(&tree("chosen", 32)).map(|s| s.to_vec()), Some(seed.clone()));
        assert_eq!(seed_in(&tree("chosen", 31)), None, "too short");
        assert_eq!(seed_in(&tree("chosenx", 32)), None, "not /chosen");
        assert_eq!(seed_in(&qemu_like(64)), None, "none");
        let qemu = include_bytes!("fdt/qemu-virt-64m.dtb");
        assert!(seed_in(qemu).is_some_and(|s| s != [0; 32]), "QEMU 7.2's tree has one");
        for cut in 0..qemu.len() {
            let _ = seed_in(&qemu[..cut]);
        }
    }

    #[test]
    fn finds_an_extension_in_the_isa_string() {
        let with = |isa: &[u8]| Builder::default().begin("").begin("cpus").begin("cpu@0").prop("riscv,isa", isa).end().end().end().build();
        let read = |blob: Vec<u8>| {
            move |at: usize, out: &mut [u8]| match blob.get(at..at + out.len()) {
                Some(bytes) => {
                    out.copy_from_slice(bytes);
                    true
                }
                None => false,
            }
        };
        let qemu = b"rv32imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbkc_zbs_zknd_zkne_sstc\0";
        assert!(isa_has(read(with(qemu)), b"zkne"));
        assert!(isa_has(read(with(qemu)), b"sstc"), "the last");
        assert!(!isa_has(read(with(b"rv32imac_zicsr_zknex_zkn\0")), b"zkne"), "whole words only");
        assert!(!isa_has(read(with(b"rv32imac_zicsr_zifencei\0")), b"zkne"));
        assert!(!isa_has(read(with(b"rv32imac\0")), b"imac"), "not the base");
        assert!(!isa_has(read(include_bytes!("fdt/qemu-virt-64m.dtb").to_vec()), b"zkne"), "QEMU's default CPU has none");
    }

    #[test]
    fn finds_the_ram_size() {
        assert_eq!(size_in(&qemu_like(32)), Some(32 << 20));
        assert_eq!(size_in(&qemu_like(256)), Some(256 << 20));
        let one_cell = Builder::default()
            .begin("")
            .cells("#address-cells", &[1])
            .cells("#size-cells", &[1])
            .begin("ram")
            .prop("device_type", b"memory\0")
            .cells("reg", &[0x4000_0000, 0x1000, 0x8000_0000, 0x20_0000])
            .end()
            .end()
            .build();
        assert_eq!(size_in(&one_cell), Some(0x20_0000), "the second row, found by its base");
    }

    #[test]
    fn no_memory_node_or_other_base_is_none() {
        let none = Builder::default().begin("").begin("cpus").end().end().build();
        assert_eq!(size_in(&none), None);
        let elsewhere = Builder::default()
            .begin("")
            .begin("memory@0")
            .cells("reg", &[0, 0, 0, 0x1000])
            .end()
            .end()
            .build();
        assert_eq!(size_in(&elsewhere), None);
    }

    #[test]
    fn corrupt_trees_are_none_not_a_panic() {
        let good = qemu_like(64);
        assert_eq!(size_in(&good[..good.len() / 2]), None, "cut short");
        let mut bad_magic = good.clone();
        bad_magic[0] ^= 1;
        assert_eq!(size_in(&bad_magic), None);
        // Every byte flipped in turn, and every length cut: no panic, no hang.
        for i in 0..good.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut blob = good.clone();
                blob[i] ^= flip;
                let _ = size_in(&blob);
            }
            let _ = size_in(&good[..i]);
        }
    }
}

#[cfg(test)]
mod fuzz;
