//! The filesystem: inodes, directories and files over the copy-on-write
//! store, and the operations std needs. Every operation either completes
//! in memory or changes nothing (room is checked before the first block
//! is taken); `sync` commits. Files removed while open live on, nameless,
//! until their last handle closes (`open_ref` / `close_ref`); a power cut
//! meanwhile loses them cleanly, since mounting keeps only what the root
//! reaches.
//!
//! Links: a symbolic link is an inode of kind `KIND_SYMLINK` whose content
//! is its target; a hard link is one more directory entry naming an inode,
//! whose `links` counts its names (the inode goes with the last one, or
//! when its last handle closes). Both are written like any other change,
//! copy-on-write, so a commit takes an entry and its count together.
//! Paths are resolved by `walk`: links are followed in every component but
//! (if asked) the last, at most `FOLLOW_MAX` in one path; `..` is the
//! parent of the directory actually reached, as on Unix.

use crate::error::{FsError, Result};
use crate::examine;
use crate::layout::*;
use crate::refusal::{Damage, Problem, Refusal};
use crate::verify;
use crate::path::{check_name, push_names};
use crate::store::Store;
use crate::dir_index::{self, DirIndex, Slot};
use crate::tree;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use block::{BlockDevice, BLOCK_SIZE};
use xous_abi::services::fs::{FOLLOW_MAX, TARGET_MAX};

/// Blocks an operation step may take at most: the paths to a file's leaf
/// and to its inode, each tree growing once, and a directory's leaf.
const STEP_BLOCKS: u32 = 3 * (MAX_HEIGHT as u32 + 2);
/// Blocks kept back from operations that grow the filesystem, so that
/// removing files (which copies a few blocks too) works on a full device.
const RESERVE: u32 = STEP_BLOCKS;
/// The smallest device we format.
pub const MIN_BLOCKS: u32 = 16;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub inode: u32,
    pub kind: u8,
    pub readonly: bool,
    pub size: u64,
    pub modified: u64,
    pub accessed: u64,
    pub created: u64,
    /// How many names it has (0: removed, open still).
    pub links: u32,
}

/// A directory entry found: its slot, inode and kind.
#[derive(Copy, Clone)]
struct Found {
    slot: u32,
    inode: u32,
    kind: u8,
}

/// Where a path led.
enum Last {
    /// A directory reached without a name of its own: the root, or a path
    /// ending in `.` or `..` (or a link to one of those).
    Nameless(u32),
    /// The last name, in directory `dir`, and its entry if there is one.
    Named { dir: u32, name: Vec<u8>, found: Option<Found> },
}

struct Walked {
    /// The names from the root to the directory holding `last`.
    chain: Vec<Vec<u8>>,
    last: Last,
    /// The path (or the last link followed) ended in `/`.
    slash: bool,
}

pub struct Fs<D> {
    store: Store<D>,
    free_inodes: BTreeSet<u32>,
    /// Open handles per inode, and inodes that lost their name while open.
    refs: BTreeMap<u32, u32>,
    orphans: BTreeSet<u32>,
    /// The directories looked into, indexed (dir_index.rs).
    dirs: BTreeMap<u32, DirIndex>,
}

/// Names at most in all directory indexes together; past it they are
/// dropped and rebuilt as directories are used again.
const INDEXED_NAMES_MAX: usize = 4 * dir_index::MAX_NAMES;

impl<D: BlockDevice> Fs<D> {
    /// Mounts the filesystem on `device`. A device without a whole
    /// superblock is formatted only if it is blank (`examine`: all
    /// zeros, but for what a cut format left) and writable; anything else
    /// is refused with the reason, and nothing is written to it. Mounting
    /// writes nothing else; on a read-only device the caller must send no
    /// change (the service refuses them).
    pub fn mount(mut device: D, now: u64) -> core::result::Result<Fs<D>, Refusal> {
        let count = device.block_count();
        match examine::newest_superblock(&mut device) {
            Some((slot, sb)) if sb.blocks > count || sb.blocks < MIN_BLOCKS => {
                let problem = Problem::Size { blocks: sb.blocks, device: count };
                Err(Refusal::Damaged(Damage { block: Some(slot), inode: None, path: None, problem }))
            }
            Some((_, sb)) => Self::load(device, sb),
            None => match examine::first_data_block(&mut device)? {
                Some(block) => Err(examine::whose(&mut device, block)),
                None if count < MIN_BLOCKS => Err(Refusal::TooSmall { blocks: count }),
                None if device.read_only() => Err(Refusal::ReadOnly),
                None => Self::format_blank(device, now),
            },
        }
    }

    /// Formats `device` whatever it holds: the explicit request
    /// (`xous-run --format`, `xous-fs format`). Both superblocks are
    /// zeroed first, so a cut leaves no mix of the old state and the new:
    /// until the format's commit the device is refused (an old tree
    /// without a superblock), after it, empty.
    pub fn format(mut device: D, now: u64) -> core::result::Result<Fs<D>, Refusal> {
        let count = device.block_count();
        if count < MIN_BLOCKS {
            return Err(Refusal::TooSmall { blocks: count });
        }
        if device.read_only() {
            return Err(Refusal::ReadOnly);
        }
        let zeros = [0u8; BLOCK_SIZE];
        for slot in 0..SUPERBLOCKS {
            device.write(slot, &zeros).map_err(|_| Refusal::Device)?;
        }
        device.flush().map_err(|_| Refusal::Device)?;
        Self::format_blank(device, now)
    }

    /// The first commit of a format: an empty root whose times are 0, so
    /// that what it writes depends on the device's size alone and a cut
    /// in its middle can be told from data (`examine::first_data_block`).
    pub(crate) fn first_commit(device: D) -> Result<Fs<D>> {
        let blocks = device.block_count();
        let sb = Superblock { sequence: 0, blocks, table_root: 0, table_height: 0, inodes: INODES_PER_BLOCK };
        let mut fs = Fs { store: Store::new(device, sb), free_inodes: (ROOT + 1..INODES_PER_BLOCK).collect(), refs: BTreeMap::new(), orphans: BTreeSet::new(), dirs: BTreeMap::new() };
        let root = Inode { kind: KIND_DIR, parent: ROOT, links: 1, ..Inode::default() };
        fs.write_inode(ROOT, &root)?;
        fs.store.commit()?;
        Ok(fs)
    }

    /// Formats a blank device: the first commit, then a second giving the
    /// root its times (a cut between them leaves an empty filesystem whose
    /// root dates from 1970).
    fn format_blank(device: D, now: u64) -> core::result::Result<Fs<D>, Refusal> {
        let mut fs = Self::first_commit(device).map_err(|_| Refusal::Device)?;
        let mut root = fs.read_inode(ROOT).map_err(|_| Refusal::Device)?;
        (root.modified, root.accessed, root.created) = (now, now, now);
        fs.write_inode(ROOT, &root).and_then(|_| fs.store.commit()).map_err(|_| Refusal::Device)?;
        Ok(fs)
    }

    /// Walks the durable state (`verify`), marking what it uses; the
    /// first damage found refuses the device.
    fn load(device: D, sb: Superblock) -> core::result::Result<Fs<D>, Refusal> {
        let mut store = Store::new(device, sb);
        let walked = verify::walk(&mut store, true);
        if let Some(damage) = walked.damage.into_iter().next() {
            return Err(Refusal::Damaged(damage));
        }
        let free_inodes = (ROOT + 1..sb.inodes).filter(|n| !walked.names.contains_key(n)).collect();
        store.mounted();
        Ok(Fs { store, free_inodes, refs: BTreeMap::new(), orphans: BTreeSet::new(), dirs: BTreeMap::new() })
    }

    pub fn device(&mut self) -> &mut D {
        self.store.device()
    }

    pub fn read_only(&mut self) -> bool {
        self.store.device().read_only()
    }

    /// The device alone, for `./x bench fs`: writes (then flushes) or reads
    /// up to `blocks` free blocks, one block a request as a commit writes
    /// them; the number moved. Free blocks are not part of any state, so
    /// this changes nothing the filesystem holds, durable or not. Only in
    /// the service's bench build (feature `bench`) and the host tests.
    #[cfg(any(test, feature = "bench"))]
    pub fn raw_bench(&mut self, blocks: u32, write: bool) -> Result<u32> {
        let scratch = self.store.scratch_blocks(blocks);
        let mut data: alloc::boxed::Box<block::Block> = alloc::boxed::Box::new([0x5a; BLOCK_SIZE]);
        let device = self.store.device();
        for &block in &scratch {
            if write { device.write(block, &data)? } else { device.read(block, &mut data)? }
        }
        if write {
            device.flush()?;
        }
        Ok(scratch.len() as u32)
    }

    /// Commits: everything done so far survives a power cut from now on.
    pub fn sync(&mut self) -> Result<()> {
        self.store.commit()
    }

    /// Blocks in the store's cache now (tests of its bound).
    #[cfg(test)]
    pub fn cached_blocks(&self) -> usize {
        self.store.cached()
    }

    /// `room` for an operation that makes the filesystem bigger.
    fn room_to_grow(&mut self, blocks: u32) -> Result<()> {
        self.room(blocks + RESERVE)
    }

    /// Commits if enough has been written to be worth it, or if room is
    /// short and a commit would free some.
    fn room(&mut self, blocks: u32) -> Result<()> {
        if self.store.needs_commit() {
            self.store.commit()?;
        }
        if self.store.free_blocks() < blocks && self.store.frees_pending() {
            self.store.commit()?;
        }
        if self.store.free_blocks() < blocks { Err(FsError::StorageFull) } else { Ok(()) }
    }

    // Inodes.

    pub fn read_inode(&mut self, n: u32) -> Result<Inode> {
        if n == 0 || n >= self.store.sb.inodes {
            return Err(FsError::Io);
        }
        let (index, at) = inode_place(n);
        let sb = self.store.sb;
        match tree::leaf(&mut self.store, sb.table_root, sb.table_height, index as u64)? {
            0 => Ok(Inode::default()),
            leaf => self.store.with(leaf, META_INODES, |b| Inode::decode(&b[at..])),
        }
    }

    fn write_inode(&mut self, n: u32, inode: &Inode) -> Result<()> {
        let (index, at) = inode_place(n);
        let (mut root, mut height) = (self.store.sb.table_root, self.store.sb.table_height);
        let leaf = tree::leaf_mut(&mut self.store, &mut root, &mut height, index as u64, META_INODES, true)?;
        self.store.sb.table_root = root;
        self.store.sb.table_height = height;
        self.store.with_mut(leaf, |b| inode.encode(&mut b[at..]));
        Ok(())
    }

    fn new_inode(&mut self) -> u32 {
        if let Some(n) = self.free_inodes.pop_first() {
            self.dirs.remove(&n);
            return n;
        }
        let first = self.store.sb.inodes;
        self.store.sb.inodes += INODES_PER_BLOCK;
        self.free_inodes.extend(first + 1..first + INODES_PER_BLOCK);
        first
    }

    /// The inode's blocks go, and the inode with them.
    fn destroy(&mut self, n: u32) -> Result<()> {
        let inode = self.read_inode(n)?;
        tree::free_all(&mut self.store, inode.root, inode.height)?;
        self.write_inode(n, &Inode::default())?;
        self.free_inodes.insert(n);
        self.dirs.remove(&n);
        Ok(())
    }

    /// `n` lost a name; at its last, it goes now, or when its last handle
    /// closes.
    fn unlinked(&mut self, n: u32) -> Result<()> {
        let mut inode = self.read_inode(n)?;
        if inode.links > 1 {
            inode.links -= 1;
            return self.write_inode(n, &inode);
        }
        if self.refs.contains_key(&n) {
            self.orphans.insert(n);
            Ok(())
        } else {
            self.destroy(n)
        }
    }

    pub fn open_ref(&mut self, n: u32) {
        *self.refs.entry(n).or_insert(0) += 1;
    }

    pub fn close_ref(&mut self, n: u32) -> Result<()> {
        let Some(count) = self.refs.get_mut(&n) else { return Ok(()) };
        *count -= 1;
        if *count == 0 {
            self.refs.remove(&n);
            if self.orphans.remove(&n) {
                self.room(STEP_BLOCKS)?;
                self.destroy(n)?;
            }
        }
        Ok(())
    }

    pub fn attr(&mut self, n: u32) -> Result<Attr> {
        let i = self.read_inode(n)?;
        if i.kind == KIND_FREE {
            return Err(FsError::NotFound);
        }
        let size = if i.kind == KIND_DIR { 0 } else { i.size };
        let links = if self.orphans.contains(&n) { 0 } else { i.links };
        Ok(Attr { inode: n, kind: i.kind, readonly: i.readonly, size, modified: i.modified, accessed: i.accessed, created: i.created, links })
    }

    // Directories.

    fn entries(&mut self, dir: &Inode, mut visit: impl FnMut(u32, &Entry) -> bool) -> Result<()> {
        let slots = (dir.size / ENTRY_SIZE as u64) as u32;
        for index in 0..slots.div_ceil(ENTRIES_PER_BLOCK) {
            let leaf = tree::leaf(&mut self.store, dir.root, dir.height, index as u64)?;
            if leaf == 0 {
                continue;
            }
            let done = self.store.with(leaf, META_ENTRIES, |b| {
                (index * ENTRIES_PER_BLOCK..slots.min((index + 1) * ENTRIES_PER_BLOCK)).any(|slot| {
                    let entry = Entry::decode(&b[entry_place(slot).1..]);
                    entry.inode != 0 && visit(slot, &entry)
                })
            })?;
            if done {
                break;
            }
        }
        Ok(())
    }

    /// Builds `dir`'s index if it has none and is not too big for one;
    /// whether it has one now.
    fn indexed(&mut self, dir: u32, inode: &Inode) -> Result<bool> {
        if self.dirs.contains_key(&dir) {
            return Ok(true);
        }
        let mut used = Vec::new();
        self.entries(inode, |slot, e| {
            used.push((e.name.to_vec(), Slot { slot, inode: e.inode, kind: e.kind }));
            used.len() > dir_index::MAX_NAMES
        })?;
        let slots = (inode.size / ENTRY_SIZE as u64) as u32;
        let Some(index) = DirIndex::build(slots, used) else { return Ok(false) };
        if self.dirs.values().map(DirIndex::len).sum::<usize>() + index.len() > INDEXED_NAMES_MAX {
            self.dirs.clear();
        }
        self.dirs.insert(dir, index);
        Ok(true)
    }

    /// Whether every directory index says what its directory's blocks say
    /// (each rebuilt from the blocks and compared), and how many there are.
    #[cfg(test)]
    pub(crate) fn indexes_agree(&mut self) -> (bool, usize) {
        let kept = core::mem::take(&mut self.dirs);
        let mut agree = true;
        for (dir, index) in &kept {
            let inode = self.read_inode(*dir).unwrap();
            self.dirs.clear();
            agree &= self.indexed(*dir, &inode).unwrap() && self.dirs[dir] == *index;
        }
        let count = kept.len();
        self.dirs = kept;
        (agree, count)
    }

    fn find(&mut self, dir: u32, name: &[u8]) -> Result<Option<Found>> {
        let inode = self.read_inode(dir)?;
        if inode.kind != KIND_DIR {
            return Err(FsError::NotADirectory);
        }
        if self.indexed(dir, &inode)? {
            let slot = self.dirs[&dir].find(name);
            return Ok(slot.map(|s| Found { slot: s.slot, inode: s.inode, kind: s.kind }));
        }
        let mut found = None;
        self.entries(&inode, |slot, e| {
            if e.name == name {
                found = Some(Found { slot, inode: e.inode, kind: e.kind });
            }
            found.is_some()
        })?;
        Ok(found)
    }

    /// Writes `entry` at `slot` of `dir` (inode 0: frees it), and keeps
    /// the directory's index, if it has one, saying the same: changed after
    /// the blocks are, dropped if the change fails halfway.
    fn set_entry(&mut self, dir: u32, slot: u32, entry: &Entry, now: u64) -> Result<()> {
        let changed = self.set_entry_blocks(dir, slot, entry, now);
        match (&changed, self.dirs.get_mut(&dir)) {
            (Ok(old), Some(index)) => {
                if let Some(old) = old {
                    index.remove_name(old);
                }
                match entry.inode {
                    0 => index.free_slot(slot),
                    n => index.set(entry.name, Slot { slot, inode: n, kind: entry.kind }),
                }
            }
            (Ok(_), None) => {}
            (Err(_), _) => {
                self.dirs.remove(&dir);
            }
        }
        changed.map(|_| ())
    }

    /// `set_entry`'s blocks; the name the slot held before, if any.
    fn set_entry_blocks(&mut self, dir: u32, slot: u32, entry: &Entry, now: u64) -> Result<Option<Vec<u8>>> {
        let mut inode = self.read_inode(dir)?;
        let (index, at) = entry_place(slot);
        let leaf = tree::leaf_mut(&mut self.store, &mut inode.root, &mut inode.height, index as u64, META_ENTRIES, true)?;
        let slots = (inode.size / ENTRY_SIZE as u64) as u32;
        let old = self.store.with_mut(leaf, |b| {
            let old = Entry::decode(&b[at..]);
            let old = (slot < slots && old.inode != 0).then(|| old.name.to_vec());
            entry.encode(&mut b[at..]);
            old
        });
        if slot >= slots {
            inode.size = (slot as u64 + 1) * ENTRY_SIZE as u64;
        }
        if entry.inode == 0 {
            let end = self.dirs.get(&dir).map(|index| index.slots_without(slot));
            self.shrink(&mut inode, end)?;
        }
        inode.modified = now;
        self.write_inode(dir, &inode)?;
        Ok(old)
    }

    /// Drops the free slots at a directory's end, and blocks past them.
    /// `end`: the slot count its index knows, else found by a scan.
    fn shrink(&mut self, dir: &mut Inode, end: Option<u32>) -> Result<()> {
        let slots = match end {
            Some(end) => end,
            None => {
                let mut last = None;
                self.entries(dir, |slot, _| {
                    last = Some(slot);
                    false
                })?;
                last.map_or(0, |s| s + 1)
            }
        };
        dir.size = slots as u64 * ENTRY_SIZE as u64;
        tree::truncate(&mut self.store, &mut dir.root, dir.height, slots.div_ceil(ENTRIES_PER_BLOCK) as u64)
    }

    fn add_entry(&mut self, dir: u32, name: &[u8], inode: u32, kind: u8, now: u64) -> Result<()> {
        let dir_inode = self.read_inode(dir)?;
        if self.indexed(dir, &dir_inode)? {
            if self.dirs[&dir].is_full() {
                // One more than an index holds: this directory goes unindexed.
                self.dirs.remove(&dir);
            } else {
                let slot = self.dirs[&dir].slot_for_new();
                return self.set_entry(dir, slot, &Entry { inode, kind, name }, now);
            }
        }
        let slots = (dir_inode.size / ENTRY_SIZE as u64) as u32;
        let mut taken = BTreeSet::new();
        self.entries(&dir_inode, |slot, _| {
            taken.insert(slot);
            false
        })?;
        let slot = (0..slots).find(|s| !taken.contains(s)).unwrap_or(slots);
        self.set_entry(dir, slot, &Entry { inode, kind, name }, now)
    }

    fn remove_entry(&mut self, dir: u32, slot: u32, now: u64) -> Result<()> {
        self.set_entry(dir, slot, &Entry { inode: 0, kind: 0, name: b"" }, now)
    }

    // Paths.

    /// Follows `path` from the root: links in every component but the
    /// last, and in the last too if `follow_last` (or the path ends in
    /// `/`). A relative link target continues from the link's directory,
    /// an absolute one from the root; `..` goes back to the directory
    /// before (the root's is the root). Missing directories on the way
    /// are NotFound; a missing last name is `Named` with no entry.
    fn walk(&mut self, path: &[u8], follow_last: bool) -> Result<Walked> {
        let mut pending = Vec::new();
        push_names(&mut pending, path)?;
        let mut slash = path.ends_with(b"/");
        // The directories below the root on the way: (inode, name).
        let mut stack: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut followed = 0;
        let chain = |stack: &Vec<(u32, Vec<u8>)>| stack.iter().map(|(_, name)| name.clone()).collect();
        while let Some(name) = pending.pop() {
            let at = stack.last().map_or(ROOT, |d| d.0);
            let last = pending.is_empty();
            match &name[..] {
                b"." => continue,
                b".." => {
                    stack.pop();
                    continue;
                }
                _ if name.len() > NAME_MAX => return Err(FsError::InvalidFilename),
                _ => {}
            }
            let found = self.find(at, &name)?;
            match found {
                None if last => return Ok(Walked { chain: chain(&stack), last: Last::Named { dir: at, name, found: None }, slash }),
                None => return Err(FsError::NotFound),
                Some(f) if f.kind == KIND_SYMLINK && (!last || follow_last || slash) => {
                    followed += 1;
                    if followed > FOLLOW_MAX {
                        return Err(FsError::FilesystemLoop);
                    }
                    let target = self.link_target(f.inode)?;
                    if target.starts_with(b"/") {
                        stack.clear();
                    }
                    if last {
                        slash |= target.ends_with(b"/");
                    }
                    push_names(&mut pending, &target)?;
                }
                Some(f) if last => return Ok(Walked { chain: chain(&stack), last: Last::Named { dir: at, name, found: Some(f) }, slash }),
                Some(f) if f.kind == KIND_DIR => stack.push((f.inode, name)),
                Some(_) => return Err(FsError::NotADirectory),
            }
        }
        let at = stack.last().map_or(ROOT, |d| d.0);
        Ok(Walked { chain: chain(&stack), last: Last::Nameless(at), slash })
    }

    /// A symbolic link's target.
    fn link_target(&mut self, n: u32) -> Result<Vec<u8>> {
        let size = self.read_inode(n)?.size;
        if size as usize > TARGET_MAX {
            return Err(FsError::Io);
        }
        let mut target = alloc::vec![0; size as usize];
        let len = self.read(n, 0, &mut target)?;
        target.truncate(len);
        Ok(target)
    }

    /// The inode `path` names, links followed.
    pub fn resolve(&mut self, path: &[u8]) -> Result<u32> {
        self.lookup(path, true)
    }

    /// The inode `path` names; a link at its end followed if `follow`.
    pub fn lookup(&mut self, path: &[u8], follow: bool) -> Result<u32> {
        let walked = self.walk(path, follow)?;
        match walked.last {
            Last::Nameless(n) => Ok(n),
            Last::Named { found: None, .. } => Err(FsError::NotFound),
            Last::Named { found: Some(f), .. } if walked.slash && f.kind != KIND_DIR => Err(FsError::NotADirectory),
            Last::Named { found: Some(f), .. } => Ok(f.inode),
        }
    }

    /// The absolute path of what `path` names, which must exist, every
    /// link followed: no `.`, `..` or link left in it.
    pub fn canonicalize(&mut self, path: &[u8]) -> Result<Vec<u8>> {
        let walked = self.walk(path, true)?;
        let mut names = walked.chain;
        match walked.last {
            Last::Nameless(_) => {}
            Last::Named { found: None, .. } => return Err(FsError::NotFound),
            Last::Named { found: Some(f), .. } if walked.slash && f.kind != KIND_DIR => return Err(FsError::NotADirectory),
            Last::Named { name, .. } => names.push(name),
        }
        let mut out = Vec::new();
        for name in names {
            out.push(b'/');
            out.extend_from_slice(&name);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        Ok(out)
    }

    fn create(&mut self, dir: u32, name: &[u8], kind: u8, now: u64) -> Result<u32> {
        self.room_to_grow(2 * STEP_BLOCKS)?;
        let n = self.new_inode();
        let inode = Inode { kind, parent: dir, links: 1, modified: now, accessed: now, created: now, ..Inode::default() };
        let made = self.write_inode(n, &inode).and_then(|_| self.add_entry(dir, name, n, kind, now));
        if made.is_err() {
            self.free_inodes.insert(n);
            self.dirs.remove(&n);
        }
        made.map(|_| n)
    }

    /// Opens (or creates) a file: its inode. `write` says whether the
    /// caller means to change it (a read-only file refuses).
    pub fn open(&mut self, path: &[u8], create: bool, create_new: bool, truncate: bool, write: bool, now: u64) -> Result<u32> {
        // CREATE_NEW does not follow a link at the end: it exists.
        let walked = self.walk(path, !create_new)?;
        let slash = walked.slash;
        let (dir, name, found) = match walked.last {
            Last::Nameless(n) => return if write || create_new { Err(FsError::IsADirectory) } else { Ok(n) },
            Last::Named { dir, name, found } => (dir, name, found),
        };
        let n = match found {
            Some(_) if create_new => return Err(FsError::AlreadyExists),
            Some(f) => f.inode,
            None if create || create_new => {
                if slash {
                    return Err(FsError::IsADirectory);
                }
                return self.create(dir, &name, KIND_FILE, now);
            }
            None => return Err(FsError::NotFound),
        };
        let inode = self.read_inode(n)?;
        if inode.kind == KIND_DIR {
            return if write { Err(FsError::IsADirectory) } else { Ok(n) };
        }
        if slash {
            return Err(FsError::NotADirectory);
        }
        if write && inode.readonly {
            return Err(FsError::ReadOnly);
        }
        if truncate && inode.size > 0 {
            self.set_len(n, 0, now)?;
        }
        Ok(n)
    }

    /// The last name of `path` (a link there not followed) and where it
    /// is: (directory, name, entry, ends in `/`); `nameless` is the error
    /// for a path that names a directory without a name (the root, `..`).
    fn named(&mut self, path: &[u8], nameless: FsError) -> Result<(u32, Vec<u8>, Option<Found>, bool)> {
        let walked = self.walk(path, false)?;
        match walked.last {
            Last::Nameless(_) => Err(nameless),
            Last::Named { dir, name, found } => Ok((dir, name, found, walked.slash)),
        }
    }

    /// The directory and name of `path` for a link that is yet to be made
    /// there: nothing may have that name, and a trailing `/` (which asks
    /// for a directory) is refused.
    fn new_name(&mut self, path: &[u8]) -> Result<(u32, Vec<u8>)> {
        match self.named(path, FsError::AlreadyExists)? {
            (_, _, Some(_), _) => Err(FsError::AlreadyExists),
            (_, _, None, true) => Err(FsError::NotADirectory),
            (dir, name, None, false) => Ok((dir, name)),
        }
    }

    pub fn create_dir(&mut self, path: &[u8], now: u64) -> Result<()> {
        let (dir, name, found, _) = self.named(path, FsError::AlreadyExists)?;
        if found.is_some() {
            return Err(FsError::AlreadyExists);
        }
        self.create(dir, &name, KIND_DIR, now).map(|_| ())
    }

    /// Makes `link`, a symbolic link to `target` (kept as given).
    pub fn symlink(&mut self, target: &[u8], link: &[u8], now: u64) -> Result<()> {
        if target.is_empty() {
            return Err(FsError::NotFound);
        }
        if target.len() > TARGET_MAX || target.contains(&0) {
            return Err(FsError::InvalidFilename);
        }
        let (dir, name) = self.new_name(link)?;
        check_name(&name)?;
        // Room for the inode, the entry and the target's block together,
        // so that the link is made whole or not at all.
        self.room_to_grow(3 * STEP_BLOCKS)?;
        let n = self.create(dir, &name, KIND_SYMLINK, now)?;
        match self.write(n, 0, target, now)? {
            len if len == target.len() => Ok(()),
            _ => Err(FsError::StorageFull),
        }
    }

    /// Gives what `existing` names (a link there not followed) one more
    /// name, `new`.
    pub fn hard_link(&mut self, existing: &[u8], new: &[u8], now: u64) -> Result<()> {
        let (_, _, source, slash) = self.named(existing, FsError::NotPermitted)?;
        let source = source.ok_or(FsError::NotFound)?;
        if source.kind == KIND_DIR {
            return Err(FsError::NotPermitted);
        }
        if slash {
            return Err(FsError::NotADirectory);
        }
        let (dir, name) = self.new_name(new)?;
        let mut inode = self.read_inode(source.inode)?;
        if inode.links >= LINKS_MAX {
            return Err(FsError::TooManyLinks);
        }
        self.room_to_grow(2 * STEP_BLOCKS)?;
        self.add_entry(dir, &name, source.inode, source.kind, now)?;
        inode.links += 1;
        self.write_inode(source.inode, &inode)
    }

    /// The target of the symbolic link `path` names (not followed).
    pub fn read_link(&mut self, path: &[u8]) -> Result<Vec<u8>> {
        let (_, _, found, slash) = self.named(path, FsError::InvalidInput)?;
        match found {
            None => Err(FsError::NotFound),
            Some(f) if f.kind == KIND_SYMLINK && !slash => self.link_target(f.inode),
            Some(_) => Err(FsError::InvalidInput),
        }
    }

    /// Removes a name of a file or link (a link itself, not followed).
    pub fn remove_file(&mut self, path: &[u8], now: u64) -> Result<()> {
        let (dir, _, found, slash) = self.named(path, FsError::IsADirectory)?;
        let found = found.ok_or(FsError::NotFound)?;
        if found.kind == KIND_DIR {
            return Err(FsError::IsADirectory);
        }
        if slash {
            return Err(FsError::NotADirectory);
        }
        self.room(STEP_BLOCKS)?;
        self.remove_entry(dir, found.slot, now)?;
        self.unlinked(found.inode)
    }

    pub fn remove_dir(&mut self, path: &[u8], now: u64) -> Result<()> {
        let (dir, _, found, _) = self.named(path, FsError::Busy)?;
        let found = found.ok_or(FsError::NotFound)?;
        if found.kind != KIND_DIR {
            return Err(FsError::NotADirectory);
        }
        if self.read_inode(found.inode)?.size != 0 {
            return Err(FsError::DirectoryNotEmpty);
        }
        self.room(STEP_BLOCKS)?;
        self.remove_entry(dir, found.slot, now)?;
        self.unlinked(found.inode)
    }

    /// Moves `from` to `to` in one step, replacing a file there (or an
    /// empty directory, if `from` is a directory). Links at either end are
    /// not followed: a link is moved, or replaced, itself. Two names of
    /// one inode: nothing changes.
    pub fn rename(&mut self, from: &[u8], to: &[u8], now: u64) -> Result<()> {
        let (from_dir, _, source, _) = self.named(from, FsError::Busy)?;
        let source = source.ok_or(FsError::NotFound)?;
        let (to_dir, to_name, target, slash) = self.named(to, FsError::Busy)?;
        if source.kind == KIND_DIR {
            let mut up = to_dir;
            loop {
                if up == source.inode {
                    return Err(FsError::InvalidInput);
                }
                if up == ROOT {
                    break;
                }
                up = self.read_inode(up)?.parent;
            }
        } else if slash {
            return Err(FsError::NotADirectory);
        }
        if let Some(target) = target {
            if target.inode == source.inode {
                return Ok(());
            }
            match (source.kind, target.kind) {
                (KIND_DIR, KIND_DIR) if self.read_inode(target.inode)?.size != 0 => return Err(FsError::DirectoryNotEmpty),
                (KIND_DIR, KIND_DIR) => {}
                (KIND_DIR, _) => return Err(FsError::NotADirectory),
                (_, KIND_DIR) => return Err(FsError::IsADirectory),
                _ => {}
            }
        }
        self.room_to_grow(3 * STEP_BLOCKS)?;
        let entry = Entry { inode: source.inode, kind: source.kind, name: &to_name };
        match target {
            Some(t) => self.set_entry(to_dir, t.slot, &entry, now)?,
            None => self.add_entry(to_dir, &to_name, source.inode, source.kind, now)?,
        }
        self.remove_entry(from_dir, source.slot, now)?;
        if source.kind == KIND_DIR && from_dir != to_dir {
            let mut moved = self.read_inode(source.inode)?;
            moved.parent = to_dir;
            self.write_inode(source.inode, &moved)?;
        }
        match target {
            Some(t) => self.unlinked(t.inode),
            None => Ok(()),
        }
    }

    /// Up to `room` entries from `cursor` on: (kind, name) each, and the
    /// cursor to go on from (None: the end).
    pub fn read_dir(&mut self, n: u32, cursor: u64, mut emit: impl FnMut(u8, &[u8]) -> bool) -> Result<Option<u64>> {
        let inode = self.read_inode(n)?;
        if inode.kind != KIND_DIR {
            return Err(FsError::NotADirectory);
        }
        let mut next = None;
        self.entries(&inode, |slot, e| {
            if (slot as u64) < cursor {
                return false;
            }
            if !emit(e.kind, e.name) {
                next = Some(slot as u64);
                return true;
            }
            false
        })?;
        Ok(next)
    }

    // File content.

    pub fn read(&mut self, n: u32, position: u64, into: &mut [u8]) -> Result<usize> {
        let inode = self.read_inode(n)?;
        if inode.kind == KIND_DIR {
            return Err(FsError::IsADirectory);
        }
        let end = inode.size.min(position.saturating_add(into.len() as u64));
        let mut at = position;
        while at < end {
            let (index, offset) = (at / BLOCK_SIZE as u64, (at % BLOCK_SIZE as u64) as usize);
            let len = (BLOCK_SIZE - offset).min((end - at) as usize);
            let out = &mut into[(at - position) as usize..][..len];
            match tree::leaf(&mut self.store, inode.root, inode.height, index)? {
                0 => out.fill(0),
                leaf => self.store.with(leaf, 0, |b| out.copy_from_slice(&b[offset..offset + len]))?,
            }
            at += len as u64;
        }
        Ok(end.saturating_sub(position) as usize)
    }

    /// Writes `data` at `position`; how much was written (less only when
    /// the device filled up on the way; nothing written is an error).
    pub fn write(&mut self, n: u32, position: u64, data: &[u8], now: u64) -> Result<usize> {
        let mut inode = self.read_inode(n)?;
        if inode.kind == KIND_DIR {
            return Err(FsError::IsADirectory);
        }
        if position.checked_add(data.len() as u64).is_none_or(|end| end / BLOCK_SIZE as u64 >= capacity(MAX_HEIGHT)) {
            return Err(FsError::FileTooLarge);
        }
        let mut done = 0;
        while done < data.len() {
            let at = position + done as u64;
            let (index, offset) = (at / BLOCK_SIZE as u64, (at % BLOCK_SIZE as u64) as usize);
            let len = (BLOCK_SIZE - offset).min(data.len() - done);
            if let Err(e) = self.room_to_grow(STEP_BLOCKS) {
                if done == 0 {
                    return Err(e);
                }
                break;
            }
            let whole = len == BLOCK_SIZE;
            let leaf = tree::leaf_mut(&mut self.store, &mut inode.root, &mut inode.height, index, 0, !whole)?;
            self.store.with_mut(leaf, |b| b[offset..offset + len].copy_from_slice(&data[done..done + len]));
            done += len;
            inode.size = inode.size.max(at + len as u64);
            inode.modified = now;
            self.write_inode(n, &inode)?;
        }
        Ok(done)
    }

    pub fn set_len(&mut self, n: u32, len: u64, now: u64) -> Result<()> {
        let mut inode = self.read_inode(n)?;
        if inode.kind == KIND_DIR {
            return Err(FsError::IsADirectory);
        }
        if len / BLOCK_SIZE as u64 >= capacity(MAX_HEIGHT) {
            return Err(FsError::FileTooLarge);
        }
        self.room(2 * STEP_BLOCKS)?;
        if len < inode.size {
            tree::truncate(&mut self.store, &mut inode.root, inode.height, len.div_ceil(BLOCK_SIZE as u64))?;
            let tail = (len % BLOCK_SIZE as u64) as usize;
            let index = len / BLOCK_SIZE as u64;
            if tail != 0 && tree::leaf(&mut self.store, inode.root, inode.height, index)? != 0 {
                let leaf = tree::leaf_mut(&mut self.store, &mut inode.root, &mut inode.height, index, 0, true)?;
                self.store.with_mut(leaf, |b| b[tail..].fill(0));
            }
        }
        inode.size = len;
        inode.modified = now;
        self.write_inode(n, &inode)
    }

    pub fn set_readonly(&mut self, n: u32, readonly: bool) -> Result<()> {
        self.room(STEP_BLOCKS)?;
        let mut inode = self.read_inode(n)?;
        inode.readonly = readonly;
        self.write_inode(n, &inode)
    }

    /// Times in ns since the epoch; None leaves one as it is.
    pub fn set_times(&mut self, n: u32, accessed: Option<u64>, modified: Option<u64>) -> Result<()> {
        self.room(STEP_BLOCKS)?;
        let mut inode = self.read_inode(n)?;
        inode.accessed = accessed.unwrap_or(inode.accessed);
        inode.modified = modified.unwrap_or(inode.modified);
        self.write_inode(n, &inode)
    }

    /// Blocks free for new data now.
    pub fn free_blocks(&self) -> u32 {
        self.store.free_blocks()
    }
}
