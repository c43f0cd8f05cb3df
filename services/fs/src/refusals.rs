//! Mounting never destroys what is not ours: a device is formatted only
//! when blank or when asked; anything else is refused with its reason and
//! not one byte written (a device that records writes proves it). And
//! `check` finds what the mount refuses, precisely, on any bytes at all.

use crate::layout::{self, Superblock};
use crate::{check, Damage, Fs, Problem, RamDevice, Refusal, KIND_DIR};
use alloc::rc::Rc;
use alloc::vec::Vec;
use block::{Block, BlockDevice, BlockError, BLOCK_SIZE};
use core::cell::RefCell;

const NOW: u64 = 1_700_000_000_000_000_000;

/// A RAM device shared with the test, which sees every write and flush.
#[derive(Clone)]
struct Watched(Rc<RefCell<State>>);

struct State {
    disk: RamDevice,
    writes: Vec<u32>,
    flushes: usize,
    read_only: bool,
}

impl Watched {
    fn new(disk: RamDevice) -> Watched {
        Watched(Rc::new(RefCell::new(State { disk, writes: Vec::new(), flushes: 0, read_only: false })))
    }
    fn read_only(self) -> Watched {
        self.0.borrow_mut().read_only = true;
        self
    }
    fn touched(&self) -> bool {
        let state = self.0.borrow();
        !state.writes.is_empty() || state.flushes > 0
    }
    fn image(&self) -> Vec<u8> {
        image(&mut self.0.borrow_mut().disk)
    }
}

impl BlockDevice for Watched {
    fn block_count(&self) -> u32 {
        self.0.borrow().disk.block_count()
    }
    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError> {
        self.0.borrow_mut().disk.read(block, into)
    }
    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError> {
        let mut state = self.0.borrow_mut();
        state.writes.push(block);
        state.disk.write(block, from)
    }
    fn flush(&mut self) -> Result<(), BlockError> {
        self.0.borrow_mut().flushes += 1;
        Ok(())
    }
    fn read_only(&self) -> bool {
        self.0.borrow().read_only
    }
}

fn image(disk: &mut impl BlockDevice) -> Vec<u8> {
    let mut out = alloc::vec![0u8; disk.block_count() as usize * BLOCK_SIZE];
    for (n, block) in out.chunks_exact_mut(BLOCK_SIZE).enumerate() {
        disk.read(n as u32, block.try_into().unwrap()).unwrap();
    }
    out
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn random(blocks: u32, seed: u64) -> RamDevice {
    let mut disk = RamDevice::new(blocks);
    let mut rng = Rng(seed);
    for n in 0..blocks {
        let mut b = [0u8; BLOCK_SIZE];
        b.iter_mut().for_each(|byte| *byte = rng.next() as u8);
        disk.write(n, &b).unwrap();
    }
    disk
}

/// Mounts `disk` watched, expecting a refusal: it, after checking that
/// nothing was written or flushed and the bytes are the same.
fn refused(disk: RamDevice, read_only: bool) -> Refusal {
    let watched = Watched::new(disk);
    let watched = if read_only { watched.read_only() } else { watched };
    let before = watched.image();
    let refusal = match Fs::mount(watched.clone(), NOW) {
        Ok(_) => panic!("mounted"),
        Err(refusal) => refusal,
    };
    assert!(!watched.touched(), "{refusal:?}: the refused device was written to: {:?}", watched.0.borrow().writes);
    assert!(watched.image() == before, "{refusal:?}: the refused device changed");
    refusal
}

/// A filesystem with a few files and directories, synced.
fn ours(blocks: u32) -> RamDevice {
    let mut fs = Fs::mount(RamDevice::new(blocks), NOW).expect("formats");
    fs.create_dir(b"/a", NOW).unwrap();
    fs.create_dir(b"/a/b", NOW).unwrap();
    for (path, len) in [(&b"/a/b/f"[..], 10_000), (b"/top", 5), (b"/a/g", 70_000)] {
        let n = fs.open(path, true, false, false, true, NOW).unwrap();
        fs.write(n, 0, &alloc::vec![7u8; len], NOW).unwrap();
    }
    fs.sync().unwrap();
    fs.device().clone()
}

fn put_block(disk: &mut RamDevice, n: u32, f: impl FnOnce(&mut Block)) {
    let mut b = [0u8; BLOCK_SIZE];
    disk.read(n, &mut b).unwrap();
    f(&mut b);
    disk.write(n, &b).unwrap();
}

#[test]
fn random_bytes_are_refused_and_nothing_is_written() {
    for seed in [7, 8, 9] {
        assert_eq!(refused(random(256, seed), false), Refusal::NotOurs { block: 0 });
        assert_eq!(refused(random(256, seed), true), Refusal::NotOurs { block: 0 });
    }
}

#[test]
fn one_byte_anywhere_is_data_not_a_blank_device() {
    for (block, at, byte) in [(0, 0, 1u8), (1, 4095, 0x80), (2, 100, 3), (2, 5, 9), (200, 7, 1), (255, 4095, 0xff)] {
        let mut disk = RamDevice::new(256);
        put_block(&mut disk, block, |b| b[at] = byte);
        assert_eq!(refused(disk, false), Refusal::NotOurs { block }, "byte {byte} at {at} of block {block}");
    }
}

#[test]
fn a_blank_device_is_formatted_unless_small_or_write_protected() {
    assert_eq!(refused(RamDevice::new(256), true), Refusal::ReadOnly);
    assert_eq!(refused(RamDevice::new(15), false), Refusal::TooSmall { blocks: 15 });
    let watched = Watched::new(RamDevice::new(256));
    let mut fs = Fs::mount(watched.clone(), NOW).expect("a blank device formats");
    let root = fs.resolve(b"/").unwrap();
    let attr = fs.attr(root).unwrap();
    assert_eq!((attr.kind, attr.created, attr.modified), (KIND_DIR, NOW, NOW), "the root has the format's time");
    assert_eq!(watched.0.borrow().writes, [2, 1, 3, 0], "two commits: the root's block and a superblock each");
}

#[test]
fn a_format_cut_anywhere_leaves_a_blank_device_that_formats() {
    let watched = Watched::new(RamDevice::new(64));
    drop(Fs::mount(watched.clone(), NOW).unwrap());
    let written: Vec<(u32, Block)> = {
        let mut state = watched.0.borrow_mut();
        let blocks = state.writes.clone();
        // Only the first commit's two writes come before a whole superblock.
        blocks[..2].iter().map(|&n| {
            let mut b = [0u8; BLOCK_SIZE];
            state.disk.read(n, &mut b).unwrap();
            (n, b)
        }).collect()
    };
    for cut in 0..written.len() {
        for tear in [0, 1, 16, 512, BLOCK_SIZE / 2, BLOCK_SIZE - 1] {
            let mut disk = RamDevice::new(64);
            for (n, b) in &written[..cut] {
                disk.write(*n, b).unwrap();
            }
            let (n, whole) = &written[cut];
            let mut torn = [0u8; BLOCK_SIZE];
            torn[..tear].copy_from_slice(&whole[..tear]);
            // A torn write may land in any order: its end, too.
            let mut end_torn = [0u8; BLOCK_SIZE];
            end_torn[BLOCK_SIZE - tear..].copy_from_slice(&whole[BLOCK_SIZE - tear..]);
            for partial in [torn, end_torn] {
                let mut disk = disk.clone();
                disk.write(*n, &partial).unwrap();
                let mut fs = Fs::mount(disk, NOW).unwrap_or_else(|e| panic!("cut at write {cut}, torn at {tear}: {e:?}"));
                let root = fs.resolve(b"/").unwrap();
                assert_eq!(fs.read_dir(root, 0, |_, _| true), Ok(None));
            }
        }
    }
}

#[test]
fn both_superblocks_damaged_is_refused_one_is_repaired_by_the_other() {
    let disk = ours(256);
    // The last commit (the files) wrote block 1; block 0 holds the one
    // before (the format's: an empty root).
    for (slot, files) in [(0, true), (1, false)] {
        let mut one = disk.clone();
        put_block(&mut one, slot, |b| b[9] ^= 1);
        let mut fs = Fs::mount(one, NOW).expect("the other superblock repairs one");
        assert_eq!(fs.resolve(b"/a/b").is_ok(), files, "block {slot} damaged: the other's state");
    }
    for damage in [|b: &mut Block| b[9] ^= 1, |b: &mut Block| b.fill(0), |b: &mut Block| b[..8].fill(0xee)] {
        let mut both = disk.clone();
        put_block(&mut both, 0, damage);
        put_block(&mut both, 1, damage);
        match refused(both, false) {
            Refusal::Damaged(Damage { problem: Problem::NoSuperblock, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn damaged_metadata_is_refused_with_its_block_and_path() {
    let disk = ours(256);
    let mut fs = Fs::mount(disk.clone(), NOW).unwrap();
    let b_dir = fs.resolve(b"/a/b").unwrap();
    drop(fs);
    // The entries of /a/b: the live block of kind 3 naming "f".
    let mut found = None;
    for n in 2..256 {
        let mut b = [0u8; BLOCK_SIZE];
        let mut probe = disk.clone();
        probe.read(n, &mut b).unwrap();
        if layout::check(&b, layout::META_ENTRIES) && &b[layout::HEADER + 8..layout::HEADER + 9] == b"f" && b[layout::HEADER + 4] == 1 {
            found = Some(n);
        }
    }
    let block = found.expect("/a/b's entries");
    let mut damaged = disk.clone();
    put_block(&mut damaged, block, |b| b[300] ^= 0x10);
    let expected = Damage { block: Some(block), inode: Some(b_dir), path: Some(b"/a/b".to_vec()), problem: Problem::Checksum };
    assert_eq!(refused(damaged.clone(), false), Refusal::Damaged(expected.clone()));
    let report = check(damaged);
    assert_eq!(report.walked.damage, [expected]);
    assert!(!report.clean());
    assert_eq!(alloc::format!("{}", report.walked.damage[0]), alloc::format!("block {block}, inode {b_dir} (/a/b): metadata whose checksum does not match"));
}

#[test]
fn a_filesystem_bigger_than_its_device_is_refused() {
    let disk = ours(256);
    let mut smaller = RamDevice::new(200);
    let mut image = image(&mut disk.clone());
    image.truncate(200 * BLOCK_SIZE);
    for (n, b) in image.chunks_exact(BLOCK_SIZE).enumerate() {
        smaller.write(n as u32, b.try_into().unwrap()).unwrap();
    }
    match refused(smaller, false) {
        Refusal::Damaged(Damage { problem: Problem::Size { blocks: 256, device: 200 }, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_explicit_format_takes_anything_writable_and_a_cut_one_is_refused() {
    let mut fs = Fs::format(random(256, 3), NOW).expect("formats on request");
    fs.create_dir(b"/new", NOW).unwrap();
    fs.sync().unwrap();
    let mut fs = Fs::mount(fs.device().clone(), NOW).expect("mounts");
    assert!(fs.resolve(b"/new").is_ok());
    assert_eq!(Fs::format(Watched::new(random(256, 3)).read_only(), NOW).err(), Some(Refusal::ReadOnly));
    assert_eq!(Fs::format(RamDevice::new(8), NOW).err(), Some(Refusal::TooSmall { blocks: 8 }));
    // Formatting over our filesystem, cut once both superblocks are
    // zeroed: the old files are not shown as an empty filesystem, and the
    // next mount does not format it.
    let mut cut = ours(256);
    put_block(&mut cut, 0, |b| b.fill(0));
    put_block(&mut cut, 1, |b| b.fill(0));
    assert!(matches!(refused(cut, false), Refusal::Damaged(Damage { problem: Problem::NoSuperblock, .. })));
}

#[test]
fn a_clean_filesystem_checks_clean_and_counts_its_tree() {
    let mut disk = ours(256);
    let report = check(disk.clone());
    assert!(report.clean(), "{:?}", report.walked.damage);
    assert_eq!((report.walked.directories, report.walked.files, report.walked.symlinks), (3, 3, 0));
    assert_eq!(report.blocks, 256);
    assert_eq!(report.used + report.free, 256);
    assert!(report.superblocks.iter().all(Option::is_some));
    let blank = check(RamDevice::new(64));
    assert!(blank.blank && blank.refusal.is_none() && !blank.clean());
    assert_eq!(check(random(64, 1)).refusal, Some(Refusal::NotOurs { block: 0 }));
    // Checking writes nothing.
    let before = image(&mut disk);
    let watched = Watched::new(disk);
    check(watched.clone());
    assert!(!watched.touched() && watched.image() == before);
}

/// Any damage to a real image: `check` never panics, and it finds damage
/// exactly when the mount refuses.
#[test]
fn check_and_mount_agree_on_damaged_images() {
    let disk = ours(128);
    let clean = image(&mut disk.clone());
    let meta: Vec<usize> = (0..128)
        .filter(|&n| {
            let block: &Block = clean[n * BLOCK_SIZE..][..BLOCK_SIZE].try_into().unwrap();
            Superblock::decode(block).is_some() || (1..=3).any(|kind| layout::check(block, kind))
        })
        .collect();
    let mut rng = Rng(0x5eed);
    let (mut refused_count, mut mounted) = (0, 0);
    for case in 0..1000 {
        let mut bytes = clean.clone();
        for _ in 0..1 + rng.next() % 4 {
            // Mostly in metadata, near its start where the fields are dense.
            let at = match rng.next() % 4 {
                0 => (rng.next() % bytes.len() as u64) as usize,
                _ => meta[(rng.next() % meta.len() as u64) as usize] * BLOCK_SIZE + (rng.next() % 700) as usize,
            };
            bytes[at] ^= 1 << (rng.next() % 8);
        }
        // Mostly re-sealed, so the damage reaches the checks behind the checksums.
        if rng.next() % 4 != 0 {
            for block in bytes.chunks_exact_mut(BLOCK_SIZE) {
                if (1..=3).contains(&block[4]) || block[4..8] == layout::MAGIC {
                    layout::seal(block.try_into().unwrap());
                }
            }
        }
        let mut device = RamDevice::new(128);
        for (n, b) in bytes.chunks_exact(BLOCK_SIZE).enumerate() {
            device.write(n as u32, b.try_into().unwrap()).unwrap();
        }
        let report = check(device.clone());
        match Fs::mount(device, NOW) {
            Ok(_) => {
                mounted += 1;
                assert!(report.clean(), "case {case}: mounted, but check found {:?}", report.walked.damage);
            }
            Err(refusal) => {
                refused_count += 1;
                assert!(!report.clean(), "case {case}: refused ({refusal:?}) but check found nothing");
            }
        }
    }
    assert!(refused_count > 200 && mounted > 200, "both kinds happen: {refused_count} refused, {mounted} mounted");
}

#[test]
fn check_survives_any_bytes() {
    let mut rng = Rng(99);
    for blocks in [0, 1, 2, 3, 16, 40] {
        for _ in 0..30 {
            let mut disk = random(blocks, rng.next() | 1);
            // A whole superblock over noise, with fields from the noise.
            if blocks >= 2 {
                let sb = Superblock {
                    sequence: rng.next(),
                    blocks: (rng.next() % 64) as u32,
                    table_root: (rng.next() % 64) as u32,
                    table_height: (rng.next() % 4) as u8,
                    inodes: (rng.next() % 300) as u32,
                };
                disk.write(0, &sb.encode()).unwrap();
            }
            let _ = check(disk.clone());
            let _ = Fs::mount(disk, NOW);
        }
    }
}
