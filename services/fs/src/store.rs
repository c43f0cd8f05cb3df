//! The blocks under the filesystem: a cache over the device, the space
//! maps, and the commit that makes the current state the durable one.
//!
//! Copy-on-write: a block the durable state uses (`committed`) is never
//! written; changing it means copying it to a block allocated in this
//! transaction (`fresh`), which can then be changed in place as often as
//! needed. A block becomes allocatable when neither the durable state nor
//! the current one uses it, so whatever a power cut leaves, the durable
//! tree is intact. Commit: write every dirty block (metadata sealed with
//! its checksum), FLUSH, write the superblock with the next sequence
//! number over the older of the two copies, FLUSH. Until that last write
//! is on the medium the older state is the filesystem; after it, the new
//! one. Dirty blocks stay in memory until then (`needs_commit` asks for an
//! early commit when they grow many: the filesystem asks before every
//! block it adds, so even one large write keeps at most that many).

use crate::bitmap::Bitmap;
use crate::error::{FsError, Result};
use crate::layout::{self, Superblock, SUPERBLOCKS};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use block::{Block, BlockDevice, BLOCK_SIZE};

/// Blocks kept in memory at most (clean ones are dropped first): an eighth
/// of the device, between these bounds, since a small disk (the
/// Baochip-1x's MiB of RRAM) comes with a small memory (its 2 MiB of SRAM).
const CACHE_BLOCKS_MIN: usize = 32;
const CACHE_BLOCKS_MAX: usize = 576;

/// The cache's size for a device of `blocks`, and the dirty blocks past
/// which the filesystem should commit (eight ninths of it).
fn cache_limits(blocks: u32) -> (usize, usize) {
    let cache = (blocks as usize / 8).clamp(CACHE_BLOCKS_MIN, CACHE_BLOCKS_MAX);
    (cache, cache * 8 / 9)
}

struct Cached {
    data: Box<Block>,
    dirty: bool,
    /// The metadata kind (sealed when written), or 0 for data.
    meta: u8,
}

pub struct Store<D> {
    device: D,
    cache: BTreeMap<u32, Cached>,
    dirty: usize,
    /// cache_limits() of the device.
    cache_blocks: usize,
    dirty_blocks: usize,
    committed: Bitmap,
    used: Bitmap,
    fresh: Bitmap,
    next: u32,
    /// Written to the device since its last FLUSH that succeeded.
    unflushed: bool,
    /// The current state's superblock (its sequence is the durable one's).
    pub sb: Superblock,
}

impl<D: BlockDevice> Store<D> {
    pub fn new(device: D, sb: Superblock) -> Store<D> {
        let bits = sb.blocks;
        let (cache_blocks, dirty_blocks) = cache_limits(bits);
        let mut store = Store {
            device,
            cache: BTreeMap::new(),
            dirty: 0,
            cache_blocks,
            dirty_blocks,
            committed: Bitmap::new(bits),
            used: Bitmap::new(bits),
            fresh: Bitmap::new(bits),
            next: SUPERBLOCKS,
            unflushed: false,
            sb,
        };
        for b in 0..SUPERBLOCKS {
            store.used.set(b, true);
        }
        store
    }

    pub fn device(&mut self) -> &mut D {
        &mut self.device
    }

    /// Marks a block the durable state uses (mounting). False if it is
    /// out of range or already marked: the tree is not a tree.
    pub fn mark(&mut self, block: u32) -> bool {
        if block < SUPERBLOCKS || block >= self.sb.blocks || self.used.get(block) {
            return false;
        }
        self.used.set(block, true);
        self.committed.set(block, true);
        true
    }

    /// Mounting is done: what is used now is what is durable.
    pub fn mounted(&mut self) {
        self.committed = self.used.clone();
    }

    fn load(&mut self, block: u32, meta: u8) -> Result<&mut Cached> {
        if block < SUPERBLOCKS || block >= self.sb.blocks {
            return Err(FsError::Io);
        }
        if !self.cache.contains_key(&block) {
            self.trim(self.cache_blocks - 1);
            let mut data = Box::new([0u8; BLOCK_SIZE]);
            self.device.read(block, &mut data)?;
            if meta != 0 && !layout::check(&data, meta) {
                return Err(FsError::Io);
            }
            self.cache.insert(block, Cached { data, dirty: false, meta });
        }
        let cached = self.cache.get_mut(&block).expect("just loaded");
        if meta != 0 && cached.meta != meta && cached.data[4] != meta {
            return Err(FsError::Io);
        }
        Ok(cached)
    }

    /// Drops clean blocks until at most `keep` are cached (dirty ones
    /// stay whatever their number).
    fn trim(&mut self, keep: usize) {
        while self.cache.len() > keep {
            let Some(&clean) = self.cache.iter().find(|(_, c)| !c.dirty).map(|(b, _)| b) else { return };
            self.cache.remove(&clean);
        }
    }

    /// Looks at a block (`meta`: the metadata kind it must be, 0 for data).
    pub fn with<R>(&mut self, block: u32, meta: u8, f: impl FnOnce(&Block) -> R) -> Result<R> {
        Ok(f(&self.load(block, meta)?.data))
    }

    /// Changes a block allocated in this transaction (from `cow`).
    pub fn with_mut<R>(&mut self, block: u32, f: impl FnOnce(&mut Block) -> R) -> R {
        assert!(self.fresh.get(block), "only a fresh block is changed in place");
        let cached = self.cache.get_mut(&block).expect("fresh blocks stay cached");
        f(&mut cached.data)
    }

    /// Blocks in memory now (for tests of the cache's bound).
    #[cfg(test)]
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    pub fn free_blocks(&self) -> u32 {
        self.committed.count_clear_in_both(&self.used, self.sb.blocks)
    }

    /// Whether blocks freed in this transaction wait for a commit to be usable.
    pub fn frees_pending(&self) -> bool {
        self.free_blocks() < self.used.count_clear_in_both(&self.used, self.sb.blocks)
    }

    fn allocate(&mut self) -> Result<u32> {
        let block = self.committed.first_clear_in_both(&self.used, self.next, self.sb.blocks).ok_or(FsError::StorageFull)?;
        self.used.set(block, true);
        self.fresh.set(block, true);
        self.next = block + 1;
        Ok(block)
    }

    /// A writable version of `block` (0: none yet) holding metadata of
    /// kind `meta` (0: data): the block itself if it is fresh, else a new
    /// one with its content (if `copy`) or empty, the old one freed.
    pub fn cow(&mut self, block: u32, meta: u8, copy: bool) -> Result<u32> {
        if block != 0 && self.fresh.get(block) {
            return Ok(block);
        }
        let data = if block != 0 && copy {
            Box::new(*self.load(block, meta)?.data)
        } else if meta != 0 {
            Box::new(layout::empty_meta(meta))
        } else {
            Box::new([0u8; BLOCK_SIZE])
        };
        let new = self.allocate()?;
        self.trim(self.cache_blocks - 1);
        self.cache.insert(new, Cached { data, dirty: true, meta });
        self.dirty += 1;
        if block != 0 {
            self.free(block);
        }
        Ok(new)
    }

    /// The current state no longer uses `block`.
    pub fn free(&mut self, block: u32) {
        if block < SUPERBLOCKS || block >= self.sb.blocks {
            return;
        }
        self.used.set(block, false);
        if self.fresh.get(block) {
            self.fresh.set(block, false);
            if self.cache.remove(&block).is_some_and(|c| c.dirty) {
                self.dirty -= 1;
            }
        } else if self.cache.get(&block).is_some_and(|c| !c.dirty) {
            self.cache.remove(&block);
        }
    }

    /// Up to `count` blocks that neither the durable state nor the
    /// current one uses (and so are not cached): scratch space whose
    /// content nothing reads, for measuring the device (`raw_bench`).
    #[cfg(any(test, feature = "bench"))]
    pub fn scratch_blocks(&self, count: u32) -> alloc::vec::Vec<u32> {
        let count = count.min(self.free_blocks());
        let mut blocks = alloc::vec::Vec::new();
        let mut from = SUPERBLOCKS;
        while (blocks.len() as u32) < count {
            // The search wraps around to the start: a block below `from`
            // means every free block has been taken.
            match self.committed.first_clear_in_both(&self.used, from, self.sb.blocks) {
                Some(block) if block >= from => {
                    blocks.push(block);
                    from = block + 1;
                }
                _ => break,
            }
        }
        blocks
    }

    pub fn needs_commit(&self) -> bool {
        self.dirty >= self.dirty_blocks
    }

    /// Makes the current state durable (see the module's header). With
    /// nothing changed and everything written flushed, it asks nothing of
    /// the device: a FLUSH is a round trip to the medium (the host's
    /// fdatasync under QEMU) that the sync of an unchanged file, or an
    /// open that creates nothing, need not pay. A flush that failed is
    /// tried again by the next commit.
    pub fn commit(&mut self) -> Result<()> {
        if self.dirty > 0 {
            // A damaged superblock may carry the last sequence number: a
            // wrap to 0 would let the older superblock, whose blocks this
            // commit reuses, win the next mount. Nothing is written then.
            let sequence = self.sb.sequence.checked_add(1).ok_or(FsError::Io)?;
            self.unflushed = true;
            for (&block, cached) in self.cache.iter_mut().filter(|(_, c)| c.dirty) {
                if cached.meta != 0 {
                    layout::seal(&mut cached.data);
                }
                self.device.write(block, &cached.data)?;
            }
            self.device.flush()?;
            let next = Superblock { sequence, ..self.sb };
            self.device.write((next.sequence % SUPERBLOCKS as u64) as u32, &next.encode())?;
            self.sb.sequence = next.sequence;
            for cached in self.cache.values_mut() {
                cached.dirty = false;
            }
            self.dirty = 0;
            self.committed = self.used.clone();
            self.fresh.clear_all();
        }
        if self.unflushed {
            self.device.flush()?;
            self.unflushed = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod limits {
    #[test]
    fn the_cache_is_an_eighth_of_the_device_within_bounds() {
        assert_eq!(super::cache_limits(256), (32, 28), "the Baochip-1x's MiB of RRAM");
        assert_eq!(super::cache_limits(1024), (128, 113), "the 4 MiB RAM device");
        assert_eq!(super::cache_limits(4096), (512, 455), "xous-run's 16 MiB disk");
        assert_eq!(super::cache_limits(1 << 20), (576, 512), "at most what it always was");
        assert_eq!(super::cache_limits(16), (32, 28));
    }
}
