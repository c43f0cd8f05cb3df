//! What a device holds, judged before anything is written to it: its
//! superblocks, whether it is blank, whose data it holds; and `check`,
//! the whole examination `xous-fs check` prints.
//!
//! Blank means every byte zero (a new image from xous-run is a sparse file
//! of zeros), with one allowance: a format cut short by a power loss.
//! The first commit of a format writes the same two blocks on every
//! device of a size (`Fs::first_commit`), so a device whose every byte is
//! zero or the byte that commit puts there is a blank one caught in its
//! format; no foreign data looks like that. Anything else is refused, and
//! all of the device is read to decide: a blank device costs one read of
//! every block, once, before it is formatted; a device holding data is
//! usually known for one at its first block.

use crate::crc::crc32;
use crate::fs::{Fs, MIN_BLOCKS};
use crate::layout::*;
use crate::refusal::{Damage, Problem, Refusal};
use crate::store::Store;
use crate::verify::{self, Walked};
use crate::RamDevice;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use block::{Block, BlockDevice, BLOCK_SIZE};

/// Blocks looked at for metadata of ours when neither superblock is
/// whole, to tell our damaged format from someone else's data.
const LOOK_FOR_OURS: u32 = 1024;

/// The whole superblock with the highest sequence, and its block. A
/// superblock that cannot be read counts as damaged (the other copy
/// stands for it).
pub fn newest_superblock<D: BlockDevice>(device: &mut D) -> Option<(u32, Superblock)> {
    let mut newest: Option<(u32, Superblock)> = None;
    for slot in 0..SUPERBLOCKS.min(device.block_count()) {
        let mut b = Box::new([0u8; BLOCK_SIZE]);
        if device.read(slot, &mut b).is_err() {
            continue;
        }
        if let Some(sb) = Superblock::decode(&b) {
            if newest.is_none_or(|(_, n)| sb.sequence > n.sequence) {
                newest = Some((slot, sb));
            }
        }
    }
    newest
}

/// What the first commit of a format writes on a device of `blocks`.
fn format_blocks(blocks: u32) -> BTreeMap<u32, Box<Block>> {
    match Fs::first_commit(RamDevice::new(blocks)) {
        Ok(mut fs) => fs.device().written(),
        Err(_) => BTreeMap::new(),
    }
}

/// The first block that is not blank (see the module's header), or None
/// if the whole device is.
pub fn first_data_block<D: BlockDevice>(device: &mut D) -> Result<Option<u32>, Refusal> {
    let count = device.block_count();
    let format = if count >= MIN_BLOCKS { format_blocks(count) } else { BTreeMap::new() };
    let mut b = Box::new([0u8; BLOCK_SIZE]);
    for n in 0..count {
        device.read(n, &mut b).map_err(|_| Refusal::Device)?;
        let blank = match format.get(&n) {
            Some(expected) => b.iter().zip(expected.iter()).all(|(&got, &want)| got == 0 || got == want),
            // Four bytes a step (the guest reads a blank disk whole, once).
            None => b.chunks_exact(4).all(|four| (four[0] | four[1] | four[2] | four[3]) == 0),
        };
        if !blank {
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// Whose data a device without a whole superblock holds (`first`: its
/// first block that is not blank): ours, damaged, if a superblock slot
/// holds our magic or a block among the first ones is whole metadata of
/// ours; else someone else's.
pub fn whose<D: BlockDevice>(device: &mut D, first: u32) -> Refusal {
    let mut b = Box::new([0u8; BLOCK_SIZE]);
    for n in 0..device.block_count().min(LOOK_FOR_OURS) {
        if device.read(n, &mut b).is_err() {
            continue;
        }
        let ours = if n < SUPERBLOCKS {
            b[4..8] == MAGIC
        } else {
            matches!(b[4], META_POINTERS | META_INODES | META_ENTRIES) && u32_at(&b[..], 0) == crc32(&b[4..])
        };
        if ours {
            return Refusal::Damaged(Damage { block: None, inode: None, path: None, problem: Problem::NoSuperblock });
        }
    }
    Refusal::NotOurs { block: first }
}

/// What `check` found.
pub struct Report {
    /// The device's size in blocks.
    pub device_blocks: u32,
    /// Each superblock's sequence, if it is whole.
    pub superblocks: [Option<u64>; 2],
    /// The superblock in use (the newest whole one).
    pub current: Option<u32>,
    /// Why there is nothing to walk: blank (`Refusal::TooSmall` or none
    /// for a blank device, see `blank`), someone else's data, no whole
    /// superblock, a size that does not fit.
    pub refusal: Option<Refusal>,
    /// The device is blank: no filesystem yet (the first mount makes one).
    pub blank: bool,
    /// The filesystem's size, the blocks its state uses (superblocks
    /// included) and the free ones.
    pub blocks: u32,
    pub used: u32,
    pub free: u32,
    /// The walk: every damage, and what it counted.
    pub walked: Walked,
}

impl Report {
    /// Whether the device holds a filesystem of ours with no damage.
    pub fn clean(&self) -> bool {
        self.refusal.is_none() && !self.blank && self.walked.damage.is_empty()
    }
}

/// Examines everything on `device` and writes nothing: the superblocks,
/// then the whole tree, every metadata block's checksum, every entry and
/// count (`verify`), listing every damage. A device the mount would refuse
/// (blank, someone else's, no whole superblock) says why in `refusal`.
pub fn check<D: BlockDevice>(mut device: D) -> Report {
    let device_blocks = device.block_count();
    let mut report = Report {
        device_blocks,
        superblocks: [None, None],
        current: None,
        refusal: None,
        blank: false,
        blocks: 0,
        used: 0,
        free: 0,
        walked: Walked::default(),
    };
    for slot in 0..SUPERBLOCKS.min(device_blocks) {
        let mut b = Box::new([0u8; BLOCK_SIZE]);
        if device.read(slot, &mut b).is_ok() {
            report.superblocks[slot as usize] = Superblock::decode(&b).map(|sb| sb.sequence);
        }
    }
    let Some((slot, sb)) = newest_superblock(&mut device) else {
        match first_data_block(&mut device) {
            Ok(Some(block)) => report.refusal = Some(whose(&mut device, block)),
            Ok(None) => {
                report.blank = true;
                if device_blocks < MIN_BLOCKS {
                    report.refusal = Some(Refusal::TooSmall { blocks: device_blocks });
                }
            }
            Err(refusal) => report.refusal = Some(refusal),
        }
        return report;
    };
    report.current = Some(slot);
    if sb.blocks > device_blocks || sb.blocks < MIN_BLOCKS {
        let problem = Problem::Size { blocks: sb.blocks, device: device_blocks };
        report.refusal = Some(Refusal::Damaged(Damage { block: Some(slot), inode: None, path: None, problem }));
        return report;
    }
    let mut store = Store::new(device, sb);
    report.walked = verify::walk(&mut store, false);
    store.mounted();
    report.blocks = sb.blocks;
    report.free = store.free_blocks();
    report.used = sb.blocks - report.free;
    report
}
