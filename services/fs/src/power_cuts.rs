//! Power cuts at every write of a workload: the workload runs once on a
//! device that records its writes; then, for every prefix of that write
//! sequence (and for every prefix followed by a torn half of the next
//! write), a disk holding just that much must mount, and show exactly the
//! state of the last commit whose superblock write it holds: every file
//! synced by then intact byte for byte, nothing newer. The workload makes
//! and removes hard and symbolic links too, writes through links and
//! renames them; a snapshot holds every link's target and every name's
//! link count, so a cut must keep an entry and its count together.

use crate::{Fs, KIND_DIR, KIND_SYMLINK};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use crate::RamDevice;
use block::{Block, BlockDevice, BlockError, BLOCK_SIZE};

const NOW: u64 = 1_700_000_000_000_000_000;

/// A RAM device that remembers every write, in order.
struct Recorder {
    disk: RamDevice,
    writes: Vec<(u32, Box<Block>)>,
}

impl BlockDevice for Recorder {
    fn block_count(&self) -> u32 {
        self.disk.block_count()
    }
    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError> {
        self.disk.read(block, into)
    }
    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError> {
        self.writes.push((block, Box::new(*from)));
        self.disk.write(block, from)
    }
    fn flush(&mut self) -> Result<(), BlockError> {
        Ok(())
    }
}

/// What one name is.
#[derive(PartialEq, Eq, Debug)]
enum Node {
    Dir,
    /// Content and how many names the file has.
    File(Vec<u8>, u32),
    /// Target and how many names the link has.
    Link(Vec<u8>, u32),
}

/// Every name, by path.
type Snapshot = BTreeMap<Vec<u8>, Node>;

fn snapshot<D: BlockDevice>(fs: &mut Fs<D>) -> Snapshot {
    let mut out = Snapshot::new();
    let mut pending = vec![Vec::new()];
    while let Some(dir) = pending.pop() {
        let n = fs.resolve(&dir).expect("a directory we listed");
        let mut entries = Vec::new();
        fs.read_dir(n, 0, |kind, name| {
            entries.push((kind, name.to_vec()));
            true
        })
        .expect("lists");
        for (kind, name) in entries {
            let path = [&dir[..], b"/", &name].concat();
            let n = fs.lookup(&path, false).expect("listed");
            let attr = fs.attr(n).unwrap();
            assert_eq!(attr.kind, kind, "an entry has its inode's kind");
            if kind == KIND_DIR {
                out.insert(path.clone(), Node::Dir);
                pending.push(path);
            } else if kind == KIND_SYMLINK {
                out.insert(path.clone(), Node::Link(fs.read_link(&path).unwrap(), attr.links));
            } else {
                let mut data = vec![0; attr.size as usize];
                assert_eq!(fs.read(n, 0, &mut data), Ok(data.len()));
                out.insert(path, Node::File(data, attr.links));
            }
        }
    }
    out
}

/// A small random generator, so the workload is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

fn superblock_writes(fs: &mut Fs<Recorder>) -> usize {
    fs.device().writes.iter().filter(|(b, _)| *b < 2).count()
}

/// Syncs; a commit (a sync with something to write) adds a snapshot.
fn sync(fs: &mut Fs<Recorder>, snapshots: &mut Vec<Snapshot>) {
    let before = superblock_writes(fs);
    fs.sync().unwrap();
    if superblock_writes(fs) > before {
        snapshots.push(snapshot(fs));
    }
}

/// Creates, overwrites, extends, truncates, renames and removes files,
/// makes hard and symbolic links (relative, absolute, dangling) and writes
/// through them, in a few directories, syncing now and then. Returns the snapshot after each
/// commit (the format's two first).
fn workload(fs: &mut Fs<Recorder>, seed: u64, steps: usize) -> Vec<Snapshot> {
    let mut rng = Rng(seed);
    // Before the format's first commit the device is blank but for what
    // the cut format wrote, so a mount formats it: empty; after each of
    // the format's two commits (the second gives the root its times), empty too.
    let mut snapshots = vec![Snapshot::new(), Snapshot::new(), Snapshot::new()];
    for dir in [&b"/a"[..], b"/b", b"/a/c"] {
        fs.create_dir(dir, NOW).unwrap();
    }
    sync(fs, &mut snapshots);
    let dirs = [&b"/a"[..], b"/b", b"/a/c", b""];
    for step in 0..steps {
        let path = format!("{}/f{}", core::str::from_utf8(dirs[rng.next(4) as usize]).unwrap(), rng.next(6)).into_bytes();
        // Through a link, a path may lead to a directory, nowhere or a
        // loop: those steps fail and change nothing.
        match rng.next(12) {
            0..=4 => {
                let at = rng.next(20_000);
                let len = 1 + rng.next(9000) as usize;
                if let Ok(n) = fs.open(&path, true, false, false, true, NOW) {
                    let data: Vec<u8> = (0..len).map(|i| (i as u64 + step as u64 * 7) as u8).collect();
                    fs.write(n, at, &data, NOW).unwrap();
                }
            }
            5 => {
                let len = rng.next(12_000);
                if let Ok(n) = fs.resolve(&path) {
                    let _ = fs.set_len(n, len, NOW);
                }
            }
            8 => {
                let to = format!("{}/f{}", core::str::from_utf8(dirs[rng.next(4) as usize]).unwrap(), rng.next(6)).into_bytes();
                let _ = fs.hard_link(&path, &to, NOW);
            }
            9 => {
                let targets = [&b"f1"[..], b"../f2", b"/a/f3", b"/b", b"c/f4", b"missing"];
                let _ = fs.symlink(targets[rng.next(6) as usize], &path, NOW);
            }
            6 => {
                let to = format!("{}/f{}", core::str::from_utf8(dirs[rng.next(4) as usize]).unwrap(), rng.next(6)).into_bytes();
                let _ = fs.rename(&path, &to, NOW);
            }
            7 => {
                let _ = fs.remove_file(&path, NOW);
            }
            _ => sync(fs, &mut snapshots),
        }
    }
    sync(fs, &mut snapshots);
    snapshots
}

/// Checks every cut; (writes, whether some commit held a symbolic link,
/// whether some commit held a file with two names or more).
fn check_every_cut(seed: u64, steps: usize) -> (usize, bool, bool) {
    let recorder = Recorder { disk: RamDevice::new(512), writes: Vec::new() };
    let mut fs = Fs::mount(recorder, NOW).unwrap();
    let snapshots = workload(&mut fs, seed, steps);
    let writes = core::mem::take(&mut fs.device().writes);
    let commits = writes.iter().filter(|(b, _)| *b < 2).count();
    assert_eq!(commits + 1, snapshots.len(), "every superblock write is one of the workload's commits");

    let mut disk = RamDevice::new(512);
    let mut committed = 0;
    for (k, (block, data)) in writes.iter().enumerate() {
        // The cut falls before write k, or in its middle: the block torn
        // after 16 bytes or after half of it. A torn block that came out
        // whole (a superblock is short) counts as written.
        let mut images = vec![(0, disk.clone())];
        for tear in [16, BLOCK_SIZE / 2] {
            let mut torn = disk.clone();
            let mut half = [0u8; BLOCK_SIZE];
            torn.read(*block, &mut half).unwrap();
            half[..tear].copy_from_slice(&data[..tear]);
            torn.write(*block, &half).unwrap();
            images.push((tear, torn));
        }
        for (tear, image) in images {
            let mut probe = image.clone();
            let mut now = [0u8; BLOCK_SIZE];
            probe.read(*block, &mut now).unwrap();
            let whole = tear > 0 && now == **data && *block < 2;
            let expected = if whole { committed + 1 } else { committed };
            let mut mounted = Fs::mount(image, NOW).unwrap_or_else(|e| panic!("seed {seed}: cut at write {k} torn at {tear}: no mount: {e:?}"));
            assert!(snapshot(&mut mounted) == snapshots[expected], "seed {seed}: cut at write {k} torn at {tear}: not the state of commit {expected}");
        }
        disk.write(*block, data).unwrap();
        if *block < 2 {
            committed += 1;
        }
    }
    let mut mounted = Fs::mount(disk, NOW).unwrap();
    assert!(snapshot(&mut mounted) == *snapshots.last().unwrap());
    let nodes = || snapshots.iter().flat_map(|s| s.values());
    let symlinks = nodes().any(|n| matches!(n, Node::Link(..)));
    let hard_links = nodes().any(|n| matches!(n, Node::File(_, links) if *links > 1));
    (writes.len(), symlinks, hard_links)
}

#[test]
fn every_cut_of_a_workload_mounts_with_the_last_commit_whole() {
    let (mut symlinks, mut hard_links) = (false, false);
    for seed in [1, 0x9e37_79b9_7f4a_7c15, 42] {
        let (writes, s, h) = check_every_cut(seed, 60);
        assert!(writes > 100, "the workload writes enough to mean something: {writes}");
        symlinks |= s;
        hard_links |= h;
    }
    assert!(symlinks && hard_links, "the commits held links of both kinds");
}
