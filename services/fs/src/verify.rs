//! Walking the durable state from its superblock down, checking as it
//! goes: every metadata block whole and of its kind, every pointer inside
//! the filesystem and reached once, every directory entry naming an inode
//! of its kind by a name that can be, directories named once and knowing
//! their parent, link counts right, sizes that fit their trees.
//!
//! Mounting walks to the first damage (and keeps what the walk learned:
//! the blocks in use, marked in the store, and the names of each inode);
//! `check` (xous-fs) walks everything and lists each damage with the
//! block, inode and path where it lies. One walk for both, so a device
//! that checks clean mounts and one that mounts checks clean. Any bytes
//! at all are walked without a panic: every number read is bounded before
//! use, and each block is visited once, so the walk ends.

use crate::layout::*;
use crate::path::check_name;
use crate::refusal::{Damage, Problem};
use crate::store::Store;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;
use block::{BlockDevice, BLOCK_SIZE};
use xous_abi::services::fs::TARGET_MAX;

/// What a walk found.
#[derive(Default)]
pub struct Walked {
    /// How many names each inode the root reaches has (the root: 1).
    pub names: BTreeMap<u32, u32>,
    /// Every damage found (mounting stops at the first).
    pub damage: Vec<Damage>,
    pub directories: u32,
    pub files: u32,
    pub symlinks: u32,
    /// Inodes in use that no name reaches (files removed while open when
    /// a power cut came): dropped at mount. Counted by `check` only.
    pub nameless: u32,
}

/// The walk stops: mounting has its answer.
struct Stop;
type Flow<T> = Result<T, Stop>;

/// Whose tree a block belongs to, for the damage report.
#[derive(Clone)]
struct Owner {
    inode: Option<u32>,
    path: Option<Vec<u8>>,
}

impl Owner {
    fn at(&self, block: u32, problem: Problem) -> Damage {
        Damage { block: Some(block), inode: self.inode, path: self.path.clone(), problem }
    }
}

/// The leaves of a tree: the whole ones (index, block), how many leaves
/// it points to at all (damaged ones too), and the index past the last.
struct Leaves {
    whole: Vec<(u64, u32)>,
    reached: u64,
    end: u64,
}

struct Walker<'a, D> {
    store: &'a mut Store<D>,
    first_only: bool,
    walked: Walked,
    /// The inode table's leaves: index -> block (None: damaged).
    table: BTreeMap<u64, Option<u32>>,
    /// The first path reaching each inode (checking only: for reports).
    paths: BTreeMap<u32, Vec<u8>>,
}

/// Walks the state of `store`'s superblock, marking every block it uses
/// in the store. `first_only`: stop at the first damage (mounting).
pub fn walk<D: BlockDevice>(store: &mut Store<D>, first_only: bool) -> Walked {
    let mut walker = Walker { store, first_only, walked: Walked::default(), table: BTreeMap::new(), paths: BTreeMap::new() };
    let _ = walker.everything(!first_only);
    walker.walked
}

impl<D: BlockDevice> Walker<'_, D> {
    fn damage(&mut self, damage: Damage) -> Flow<()> {
        self.walked.damage.push(damage);
        if self.first_only { Err(Stop) } else { Ok(()) }
    }

    fn everything(&mut self, count_nameless: bool) -> Flow<()> {
        let sb = self.store.sb;
        let table_owner = Owner { inode: None, path: None };
        let table = self.tree(&table_owner, sb.table_root, sb.table_height, META_INODES)?;
        // The table grows by a leaf's worth of inodes only when every
        // inode below is in use, which needs their leaves: so it has at
        // least all leaves but the last. Bounds the free-inode set by the
        // metadata actually there.
        let most = (table.reached + 1).saturating_mul(INODES_PER_BLOCK as u64);
        if sb.inodes as u64 > most || sb.inodes % INODES_PER_BLOCK != 0 || sb.inodes <= ROOT {
            self.damage(Damage { block: Some(0), inode: None, path: None, problem: Problem::InodeCount { inodes: sb.inodes } })?;
            return Ok(());
        }
        for (index, block) in &table.whole {
            self.table.insert(*index, Some(*block));
        }
        self.tree_from_root()?;
        self.link_counts()?;
        if count_nameless {
            self.count_nameless();
        }
        Ok(())
    }

    /// Marks every block of a tree, checking pointer blocks, and metadata
    /// leaves (of kind `leaf_meta`; 0: data leaves, not read).
    fn tree(&mut self, owner: &Owner, root: u32, height: u8, leaf_meta: u8) -> Flow<Leaves> {
        let mut leaves = Leaves { whole: Vec::new(), reached: 0, end: 0 };
        let mut pending = vec![(root, height.min(MAX_HEIGHT), 0u64)];
        while let Some((block, level, first)) = pending.pop() {
            if block == 0 {
                continue;
            }
            if level == 0 {
                leaves.reached += 1;
                leaves.end = leaves.end.max(first + 1);
            }
            if block < SUPERBLOCKS || block >= self.store.sb.blocks {
                self.damage(owner.at(block, Problem::OutOfRange))?;
                continue;
            }
            if !self.store.mark(block) {
                self.damage(owner.at(block, Problem::Shared))?;
                continue;
            }
            let meta = if level == 0 { leaf_meta } else { META_POINTERS };
            if meta != 0 {
                if let Err(problem) = self.whole(block, meta) {
                    if level == 0 && leaf_meta == META_INODES {
                        self.table.insert(first, None);
                    }
                    self.damage(owner.at(block, problem))?;
                    continue;
                }
            }
            if level == 0 {
                leaves.whole.push((first, block));
                continue;
            }
            let Ok(children) = self.store.with(block, META_POINTERS, |b| (0..POINTERS as usize).map(|i| u32_at(b, HEADER + 4 * i)).collect::<Vec<u32>>()) else {
                self.damage(owner.at(block, Problem::Unreadable))?;
                continue;
            };
            let per = capacity(level - 1);
            // Reversed, so that leaves come out in order.
            for (slot, child) in children.into_iter().enumerate().rev() {
                pending.push((child, level - 1, first + slot as u64 * per));
            }
        }
        Ok(leaves)
    }

    /// Whether `block` is whole metadata of kind `meta`; if not, why.
    fn whole(&mut self, block: u32, meta: u8) -> Result<(), Problem> {
        if self.store.with(block, meta, |_| ()).is_ok() {
            return Ok(());
        }
        let mut raw = [0u8; BLOCK_SIZE];
        if self.store.device().read(block, &mut raw).is_err() {
            return Err(Problem::Unreadable);
        }
        if u32_at(&raw, 0) == crate::crc::crc32(&raw[4..]) {
            return Err(Problem::MetaKind { expected: meta, found: raw[4] });
        }
        Err(Problem::Checksum)
    }

    /// Inode `n` (within the table's count), or why it cannot be read.
    fn inode(&mut self, n: u32) -> Result<Inode, Problem> {
        let (index, at) = inode_place(n);
        match self.table.get(&(index as u64)) {
            None => Ok(Inode::default()),
            Some(None) => Err(Problem::InodeLost),
            Some(Some(block)) => self.store.with(*block, META_INODES, |b| Inode::decode(&b[at..])).map_err(|_| Problem::Unreadable),
        }
    }

    /// Every directory, file and link from the root down.
    fn tree_from_root(&mut self) -> Flow<()> {
        let inodes = self.store.sb.inodes;
        // (inode, the kind its first entry says, its path, the directory naming it)
        let mut pending = vec![(ROOT, KIND_DIR, b"/".to_vec(), ROOT)];
        let mut kinds: BTreeMap<u32, u8> = BTreeMap::new();
        self.walked.names.insert(ROOT, 1);
        kinds.insert(ROOT, KIND_DIR);
        while let Some((n, kind, path, parent)) = pending.pop() {
            let owner = Owner { inode: Some(n), path: Some(path.clone()) };
            let here = |problem| Damage { block: None, inode: Some(n), path: Some(path.clone()), problem };
            let inode = match self.inode(n) {
                Ok(inode) if inode.kind == kind => inode,
                Ok(inode) => {
                    self.damage(here(Problem::KindMismatch { entry: kind, inode: inode.kind }))?;
                    continue;
                }
                Err(problem) => {
                    self.damage(here(problem))?;
                    continue;
                }
            };
            match kind {
                KIND_FILE => {
                    self.walked.files += 1;
                    self.tree(&owner, inode.root, inode.height, 0)?;
                }
                KIND_SYMLINK => {
                    self.walked.symlinks += 1;
                    if inode.size == 0 || inode.size > TARGET_MAX as u64 {
                        self.damage(here(Problem::LinkTarget { size: inode.size }))?;
                    }
                    self.tree(&owner, inode.root, inode.height, 0)?;
                }
                _ => {
                    self.walked.directories += 1;
                    if inode.parent != parent {
                        self.damage(here(Problem::Parent { recorded: inode.parent, actual: parent }))?;
                    }
                    let leaves = self.tree(&owner, inode.root, inode.height, META_ENTRIES)?;
                    // Entries fill a directory from its first slot, and
                    // removing the last ones cuts its tree short: its
                    // blocks run from leaf 0 to the one holding its last
                    // entry, without holes. (So no request walks holes.)
                    let per = ENTRIES_PER_BLOCK as u64;
                    let slots = inode.size / ENTRY_SIZE as u64;
                    if inode.size % ENTRY_SIZE as u64 != 0 || slots.div_ceil(per) != leaves.reached || leaves.end != leaves.reached {
                        self.damage(here(Problem::DirectoryShape { size: inode.size }))?;
                    }
                    let slots = slots.min(leaves.end * per);
                    let mut seen = BTreeSet::new();
                    for (index, block) in leaves.whole {
                        let Ok(entries) = self.store.with(block, META_ENTRIES, |b| {
                            (0..ENTRIES_PER_BLOCK as usize)
                                .take_while(|&i| index * per + (i as u64) < slots)
                                .map(|i| {
                                    let e = Entry::decode(&b[HEADER + i * ENTRY_SIZE..]);
                                    (e.inode, e.kind, e.name.to_vec())
                                })
                                .filter(|(child, ..)| *child != 0)
                                .collect::<Vec<_>>()
                        }) else {
                            self.damage(owner.at(block, Problem::Unreadable))?;
                            continue;
                        };
                        for (child, child_kind, name) in entries {
                            let child_path = child_path(&path, &name);
                            let at = |problem| Damage { block: Some(block), inode: Some(child), path: Some(child_path.clone()), problem };
                            if check_name(&name).is_err() || name.contains(&b'/') {
                                self.damage(at(Problem::BadName))?;
                                continue;
                            }
                            if !seen.insert(name) {
                                self.damage(at(Problem::DuplicateName))?;
                                continue;
                            }
                            if child >= inodes {
                                self.damage(at(Problem::NoSuchInode))?;
                                continue;
                            }
                            if !matches!(child_kind, KIND_FILE | KIND_DIR | KIND_SYMLINK) {
                                self.damage(at(Problem::EntryKind { kind: child_kind }))?;
                                continue;
                            }
                            let first_kind = *kinds.entry(child).or_insert(child_kind);
                            if first_kind != child_kind {
                                self.damage(at(Problem::KindMismatch { entry: child_kind, inode: first_kind }))?;
                                continue;
                            }
                            let count = self.walked.names.entry(child).or_insert(0);
                            *count += 1;
                            if *count == 1 {
                                if !self.first_only {
                                    self.paths.insert(child, child_path.clone());
                                }
                                pending.push((child, child_kind, child_path, n));
                            } else if child_kind == KIND_DIR {
                                self.damage(at(Problem::DirectoryNamedTwice))?;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Every inode reached counts as many names as it has.
    fn link_counts(&mut self) -> Flow<()> {
        let names: Vec<(u32, u32)> = self.walked.names.iter().map(|(&n, &c)| (n, c)).collect();
        for (n, counted) in names {
            // An inode that cannot be read was reported where it was met.
            if let Ok(inode) = self.inode(n) {
                if inode.kind != KIND_FREE && inode.links != counted {
                    let path = self.paths.get(&n).cloned();
                    self.damage(Damage { block: None, inode: Some(n), path, problem: Problem::LinkCount { stored: inode.links, counted } })?;
                }
            }
        }
        Ok(())
    }

    fn count_nameless(&mut self) {
        for n in ROOT + 1..self.store.sb.inodes {
            if !self.walked.names.contains_key(&n) && self.inode(n).is_ok_and(|i| i.kind != KIND_FREE) {
                self.walked.nameless += 1;
            }
        }
    }
}

fn child_path(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = dir.to_vec();
    if !path.ends_with(b"/") {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}
