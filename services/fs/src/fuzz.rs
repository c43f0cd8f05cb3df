//! Host fuzzing of what the filesystem reads from a disk: a disk is outside
//! input (an image handed to `xous-run --disk`, a damaged medium), so
//! `Fs::mount` and everything it then reads must refuse damage cleanly.
//!
//! Each case takes a real filesystem (formatted and filled through the
//! API: directories, files small and sparse up to trees of height 3, many
//! entries, symbolic and hard links, two superblocks of different ages),
//! damages its image (the format's fields above all: superblock, pointers,
//! inodes, entries; then mostly re-sealed so the damage gets past the
//! checksums), and mounts it. A refusal is fine; an accepted disk must be
//! a filesystem: every listed entry is found again by its path, of the
//! kind listed, files read to their size, links read back or refuse, a
//! directory listed in pieces always moves on; mounted twice it reads the
//! same; changed through the API and synced, it mounts again. Only the
//! public API is used on the mounted filesystem; `layout` only tells where
//! the fields are.

use crate::crc::crc32;
use crate::layout::{self, ENTRY_SIZE, ENTRIES_PER_BLOCK, HEADER, INODES_PER_BLOCK, INODE_SIZE, POINTERS};
use crate::{Fs, FsError, RamDevice, KIND_DIR, KIND_FILE, KIND_SYMLINK};
use alloc::vec;
use alloc::vec::Vec;
use block::{BlockDevice, BLOCK_SIZE};
use fuzz_kit::{Field, Mutator, Rng, Verdict};

extern crate std;
use std::sync::OnceLock;

const BLOCKS: u32 = 96;
const NOW: u64 = 1_700_000_000_000_000_000;
/// The most entries one walk visits, and the most bytes it reads of a file.
const WALK_ENTRIES: usize = 400;
const READ_MAX: u64 = 4 * 1024;

struct Seed {
    image: Vec<u8>,
    fields: Vec<Field>,
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

fn put(fs: &mut Fs<RamDevice>, path: &[u8], at: u64, data: &[u8]) {
    let n = fs.open(path, true, false, false, true, NOW).unwrap();
    assert_eq!(fs.write(n, at, data, NOW), Ok(data.len()));
}

/// The seeds: one of each structure the format has.
fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut fs = Fs::mount(RamDevice::new(BLOCKS), NOW).expect("a blank device formats");
        fs.create_dir(b"/a", NOW).unwrap();
        fs.create_dir(b"/a/b", NOW).unwrap();
        put(&mut fs, b"/a/b/f", 0, &pattern(5000, 1));
        put(&mut fs, b"/top", 0, b"hello");
        fs.symlink(b"a/b", b"/l", NOW).unwrap();
        fs.symlink(b"/top", b"/a/lt", NOW).unwrap();
        fs.hard_link(b"/top", b"/a/h", NOW).unwrap();
        put(&mut fs, b"/sparse", 5 << 20, b"x");
        put(&mut fs, b"/huge", 5 << 30, b"y");
        let n = fs.open(b"/len", true, false, false, true, NOW).unwrap();
        fs.set_len(n, 100_000, NOW).unwrap();
        fs.sync().unwrap();
        let first = image_of(&mut fs);

        fs.create_dir(b"/d", NOW).unwrap();
        for i in 0..70 {
            let len = if i % 10 == 0 { 100 + i } else { 0 };
            put(&mut fs, alloc::format!("/d/file-{i}").as_bytes(), 0, &pattern(len, i as u8));
        }
        for i in (0..70).step_by(7) {
            fs.remove_file(alloc::format!("/d/file-{i}").as_bytes(), NOW).unwrap();
        }
        fs.rename(b"/a/b", b"/d/moved", NOW).unwrap();
        fs.sync().unwrap();
        let second = image_of(&mut fs);
        [first, second].into_iter().map(|image| Seed { fields: fields_of(&image), image }).collect()
    })
}

fn image_of(fs: &mut Fs<RamDevice>) -> Vec<u8> {
    let device = fs.device();
    let mut image = vec![0u8; device.block_count() as usize * BLOCK_SIZE];
    for (b, block) in image.chunks_exact_mut(BLOCK_SIZE).enumerate() {
        device.read(b as u32, block.try_into().unwrap()).unwrap();
    }
    image
}

/// Whether `block` is sealed metadata of some kind (a superblock included).
fn is_meta(block: &[u8]) -> bool {
    let kind = block[4];
    let sealed = layout::u32_at(block, 0) == crc32(&block[4..]);
    sealed && ((1..=3).contains(&kind) || block[4..8] == layout::MAGIC)
}

/// Where the fields of every superblock and metadata block of `image` are.
fn fields_of(image: &[u8]) -> Vec<Field> {
    let mut fields = Vec::new();
    for (b, block) in image.chunks_exact(BLOCK_SIZE).enumerate() {
        let base = b * BLOCK_SIZE;
        if !is_meta(block) {
            continue;
        }
        if block[4..8] == layout::MAGIC {
            let at = [(8, 8), (16, 4), (20, 4), (24, 1), (28, 4), (32, 4)];
            fields.extend(at.iter().map(|&(at, width)| Field { at: base + at, width, big_endian: false }));
            continue;
        }
        fields.push(Field::u8(base + 4));
        match block[4] {
            layout::META_POINTERS => {
                for i in 0..POINTERS as usize {
                    let at = HEADER + 4 * i;
                    if i < 3 || layout::u32_at(block, at) != 0 {
                        fields.push(Field::le32(base + at));
                    }
                }
            }
            layout::META_INODES => {
                for i in 0..INODES_PER_BLOCK as usize {
                    let at = base + HEADER + i * INODE_SIZE;
                    if image[at] != 0 {
                        let inode = [Field::u8(at), Field::u8(at + 1), Field::u8(at + 2), Field::le32(at + 4)];
                        fields.extend(inode);
                        fields.extend([Field::le64(at + 8), Field::le32(at + 40), Field::le32(at + 44)]);
                    }
                }
            }
            _ => {
                for i in 0..ENTRIES_PER_BLOCK as usize {
                    let at = base + HEADER + i * ENTRY_SIZE;
                    if layout::u32_at(image, at) != 0 {
                        fields.extend([Field::le32(at), Field::u8(at + 4), Field::u8(at + 5), Field::u8(at + 8)]);
                    }
                }
            }
        }
    }
    fields
}

/// Seals again every block that looks like metadata, so that damage to
/// its fields reaches the checks behind the checksum.
fn reseal(image: &mut [u8]) {
    for block in image.chunks_exact_mut(BLOCK_SIZE) {
        if (1..=3).contains(&block[4]) || block[4..8] == layout::MAGIC {
            let crc = crc32(&block[4..]);
            block[..4].copy_from_slice(&crc.to_le_bytes());
        }
    }
}

/// A device holding `image` (a partial last block is padded with zeros).
fn device_of(image: &[u8]) -> RamDevice {
    let mut device = RamDevice::new(image.len().div_ceil(BLOCK_SIZE) as u32);
    for (b, chunk) in image.chunks(BLOCK_SIZE).enumerate() {
        let mut block = [0u8; BLOCK_SIZE];
        block[..chunk.len()].copy_from_slice(chunk);
        device.write(b as u32, &block).unwrap();
    }
    device
}

/// What a walk saw: (path, kind, size, first bytes or link target).
type Listing = Vec<(Vec<u8>, u8, u64, Vec<u8>)>;

/// Whether `name` can be put in a path and found again by it.
fn usable(name: &[u8]) -> bool {
    !name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/') && !name.contains(&0)
}

/// Walks the mounted filesystem from the root, checking each entry
/// against what its path finds (see the module's header).
fn walk(fs: &mut Fs<RamDevice>) -> Listing {
    let mut listing = Vec::new();
    let mut pending: Vec<(Vec<u8>, u32)> = vec![(Vec::new(), fs.resolve(b"/").expect("the root resolves"))];
    while let Some((dir, n)) = pending.pop() {
        let mut entries = Vec::new();
        let mut cursor = 0;
        loop {
            let mut taken = 0;
            let next = fs.read_dir(n, cursor, |kind, name| {
                if taken == 5 {
                    return false;
                }
                taken += 1;
                entries.push((kind, name.to_vec()));
                true
            });
            match next {
                Ok(Some(next)) => {
                    assert!(next >= cursor && taken > 0, "read_dir moves on: cursor {cursor} then {next}");
                    cursor = next;
                }
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(e, FsError::Io, "listing a directory the mount reached");
                    break;
                }
            }
            if entries.len() > WALK_ENTRIES {
                break;
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for (kind, name) in entries {
            if listing.len() > WALK_ENTRIES {
                return listing;
            }
            let path = [&dir[..], b"/", &name[..]].concat();
            if !usable(&name) || !names.insert(name.clone()) {
                let _ = fs.lookup(&path, false);
                continue;
            }
            let found = fs.lookup(&path, false).unwrap_or_else(|e| panic!("listed {path:?} is not found: {e:?}"));
            let attr = fs.attr(found).unwrap_or_else(|e| panic!("listed {path:?} has no attributes: {e:?}"));
            assert_eq!(attr.kind, kind, "{path:?}: the entry's kind is its inode's");
            let _ = fs.resolve(&path);
            let content = match kind {
                KIND_DIR => {
                    pending.push((path.clone(), found));
                    Vec::new()
                }
                KIND_FILE => read_checked(fs, found, attr.size, &path),
                KIND_SYMLINK => match fs.read_link(&path) {
                    Ok(target) => {
                        assert_eq!(target.len() as u64, attr.size, "{path:?}: a link's target is its size");
                        target
                    }
                    Err(e) => {
                        assert_eq!(e, FsError::Io, "{path:?}: a link too long to be one");
                        Vec::new()
                    }
                },
                other => panic!("{path:?}: listed with kind {other}"),
            };
            listing.push((path, kind, attr.size, content));
        }
    }
    listing
}

/// Reads the start and the end of a file: exactly what its size says.
fn read_checked(fs: &mut Fs<RamDevice>, n: u32, size: u64, path: &[u8]) -> Vec<u8> {
    let mut start = vec![0u8; size.min(READ_MAX) as usize + 1];
    assert_eq!(fs.read(n, 0, &mut start), Ok(size.min(READ_MAX + 1) as usize), "{path:?}: read from 0");
    let tail_at = size.saturating_sub(100);
    let mut tail = [0u8; 200];
    assert_eq!(fs.read(n, tail_at, &mut tail), Ok((size - tail_at) as usize), "{path:?}: read the end");
    assert_eq!(fs.read(n, size.saturating_add(1), &mut tail), Ok(0), "{path:?}: read past the end");
    start.truncate(64);
    start
}

/// A few changes through the API, on whatever the walk found.
fn operate(fs: &mut Fs<RamDevice>, listing: &Listing, rng: &mut Rng) {
    let some_path = |rng: &mut Rng| match listing.is_empty() {
        true => b"/none".to_vec(),
        false => listing[rng.below(listing.len())].0.clone(),
    };
    for step in 0..rng.range(1, 5) {
        let fresh = alloc::format!("/fuzz-{step}").into_bytes();
        let _ = match rng.below(8) {
            0 => fs.open(&fresh, true, false, false, true, NOW).and_then(|n| fs.write(n, 0, &pattern(3000, 9), NOW).map(|_| ())),
            1 => fs.create_dir(&fresh, NOW),
            2 => fs.remove_file(&some_path(rng), NOW),
            3 => fs.remove_dir(&some_path(rng), NOW),
            4 => fs.rename(&some_path(rng), &fresh, NOW),
            5 => fs.hard_link(&some_path(rng), &fresh, NOW),
            6 => fs.symlink(&some_path(rng), &fresh, NOW),
            _ => fs.lookup(&some_path(rng), true).and_then(|n| fs.set_len(n, rng.below(20_000) as u64, NOW)),
        };
    }
}

#[test]
fn damaged_disks_mount_whole_or_not_at_all() {
    let seeds = seeds();
    let stats = fuzz_kit::run("fs-mount", 1500, |rng| {
        let seed = rng.pick(seeds);
        let mutator = Mutator { fields: &seed.fields, block: BLOCK_SIZE, max_len: seed.image.len() + BLOCK_SIZE };
        let mut image = seed.image.clone();
        mutator.mutate_some(&mut image, rng, 6);
        if !rng.one_in(8) {
            reseal(&mut image);
        }
        let Ok(mut fs) = Fs::mount(device_of(&image), NOW) else { return Verdict::Refused };
        let listing = walk(&mut fs);
        if rng.one_in(8) {
            let mut again = Fs::mount(device_of(&image), NOW).expect("what mounted once mounts again");
            assert!(walk(&mut again) == listing, "the same disk reads the same");
        }
        if !rng.one_in(3) {
            return Verdict::Accepted;
        }
        operate(&mut fs, &listing, rng);
        if fs.sync().is_ok() {
            let image = image_of(&mut fs);
            let mut after = Fs::mount(device_of(&image), NOW).expect("a disk we accepted, changed by us, mounts again");
            walk(&mut after);
        }
        Verdict::Accepted
    });
    assert!(stats.accepted * 20 > stats.cases, "enough damage gets past the checks to test the rest");
}

/// Found by the fuzzer (seed 0x5eed0f7e57, case 26966): a superblock whose
/// sequence number is the last one mounted; the next commit wrapped it to
/// 0, so the next mount took the older superblock, whose blocks that
/// commit had reused. Now the commit is refused and the disk stays whole.
#[test]
fn the_last_sequence_number_is_not_wrapped() {
    let mut image = seeds()[0].image.clone();
    let newest = if layout::u64_at(&image, 8) > layout::u64_at(&image, BLOCK_SIZE + 8) { 0 } else { BLOCK_SIZE };
    Field::le64(newest + 8).set(&mut image, u64::MAX);
    reseal(&mut image);
    let mut fs = Fs::mount(device_of(&image), NOW).expect("mounts");
    put(&mut fs, b"/new", 0, b"data");
    assert_eq!(fs.sync(), Err(FsError::Io));
    let mut again = Fs::mount(device_of(&image_of(&mut fs)), NOW).expect("the disk is as it was");
    assert_eq!(again.resolve(b"/new"), Err(FsError::NotFound));
    walk(&mut again);
}
