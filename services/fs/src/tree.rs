//! A file's blocks as a tree of pointer blocks (see `layout`): finding a
//! leaf, making one writable (copying the path to it, growing the tree),
//! cutting the tree short. (Mounting walks trees in `verify`.)

use crate::error::{FsError, Result};
use crate::layout::{capacity, u32_at, put_u32, HEADER, MAX_HEIGHT, META_POINTERS, POINTERS};
use crate::store::Store;
use alloc::vec::Vec;
use block::BlockDevice;

fn pointer_at(slot: u64) -> usize {
    HEADER + 4 * slot as usize
}

fn pointers<D: BlockDevice>(store: &mut Store<D>, node: u32) -> Result<Vec<u32>> {
    store.with(node, META_POINTERS, |b| (0..POINTERS as usize).map(|i| u32_at(b, HEADER + 4 * i)).collect())
}

/// The block of leaf `index`, or 0 for a hole.
pub fn leaf<D: BlockDevice>(store: &mut Store<D>, root: u32, height: u8, index: u64) -> Result<u32> {
    if index >= capacity(height) {
        return Ok(0);
    }
    let (mut node, mut index) = (root, index);
    for level in (1..=height).rev() {
        if node == 0 {
            return Ok(0);
        }
        let per = capacity(level - 1);
        let slot = index / per;
        index %= per;
        node = store.with(node, META_POINTERS, |b| u32_at(b, pointer_at(slot)))?;
    }
    Ok(node)
}

/// Makes leaf `index` writable and returns its (fresh) block: every block
/// on the path is copied unless already fresh, the tree grows as high as
/// needed. The leaf holds metadata of kind `meta` (0: data) and keeps its
/// content if `copy`, else starts empty.
pub fn leaf_mut<D: BlockDevice>(store: &mut Store<D>, root: &mut u32, height: &mut u8, index: u64, meta: u8, copy: bool) -> Result<u32> {
    while index >= capacity(*height) {
        if *height == MAX_HEIGHT {
            return Err(FsError::FileTooLarge);
        }
        if *root != 0 {
            let top = store.cow(0, META_POINTERS, false)?;
            let old = *root;
            store.with_mut(top, |b| put_u32(b, HEADER, old));
            *root = top;
        }
        *height += 1;
    }
    let kind = |level: u8| if level == 0 { meta } else { META_POINTERS };
    *root = store.cow(*root, kind(*height), copy || *height > 0)?;
    let (mut node, mut index) = (*root, index);
    for level in (1..=*height).rev() {
        let per = capacity(level - 1);
        let slot = index / per;
        index %= per;
        let child = store.with(node, META_POINTERS, |b| u32_at(b, pointer_at(slot)))?;
        let new = store.cow(child, kind(level - 1), copy || level > 1)?;
        if new != child {
            store.with_mut(node, |b| put_u32(b, pointer_at(slot), new));
        }
        node = new;
    }
    Ok(node)
}

/// Frees every block of the tree.
pub fn free_all<D: BlockDevice>(store: &mut Store<D>, root: u32, height: u8) -> Result<()> {
    if root == 0 {
        return Ok(());
    }
    if height > 0 {
        for child in pointers(store, root)? {
            free_all(store, child, height - 1)?;
        }
    }
    store.free(root);
    Ok(())
}

/// Frees the leaves from `keep` on (and pointer blocks left without any).
pub fn truncate<D: BlockDevice>(store: &mut Store<D>, root: &mut u32, height: u8, keep: u64) -> Result<()> {
    if *root == 0 || keep >= capacity(height) {
        return Ok(());
    }
    if keep == 0 {
        free_all(store, *root, height)?;
        *root = 0;
        return Ok(());
    }
    *root = store.cow(*root, META_POINTERS, true)?;
    let per = capacity(height - 1);
    let children = pointers(store, *root)?;
    for (slot, &child) in children.iter().enumerate() {
        let start = slot as u64 * per;
        if child == 0 || start + per <= keep {
            continue;
        }
        let mut new = child;
        truncate(store, &mut new, height - 1, keep.saturating_sub(start))?;
        if new != child {
            store.with_mut(*root, |b| put_u32(b, pointer_at(slot as u64), new));
        }
    }
    Ok(())
}
