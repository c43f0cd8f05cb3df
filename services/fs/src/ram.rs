//! A device in RAM: the host tests' disk (they also record its writes to
//! replay power cuts), and the filesystem's store when the machine has no
//! disk. Sparse: a block never written reads as zeros and takes no memory.

use block::{Block, BlockDevice, BlockError, BLOCK_SIZE};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;

#[derive(Clone)]
pub struct RamDevice {
    blocks: BTreeMap<u32, Box<Block>>,
    count: u32,
}

impl RamDevice {
    pub fn new(count: u32) -> RamDevice {
        RamDevice { blocks: BTreeMap::new(), count }
    }

    /// The blocks that are not zeros (what a format writes, for `examine`).
    pub(crate) fn written(&self) -> BTreeMap<u32, Box<Block>> {
        self.blocks.clone()
    }
}

impl BlockDevice for RamDevice {
    fn block_count(&self) -> u32 {
        self.count
    }

    fn read(&mut self, block: u32, into: &mut Block) -> Result<(), BlockError> {
        if block >= self.count {
            return Err(BlockError::OutOfRange);
        }
        match self.blocks.get(&block) {
            Some(data) => into.copy_from_slice(&data[..]),
            None => into.fill(0),
        }
        Ok(())
    }

    fn write(&mut self, block: u32, from: &Block) -> Result<(), BlockError> {
        if block >= self.count {
            return Err(BlockError::OutOfRange);
        }
        if from.iter().all(|&b| b == 0) {
            self.blocks.remove(&block);
        } else {
            self.blocks.entry(block).or_insert_with(|| Box::new([0; BLOCK_SIZE])).copy_from_slice(from);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written_and_zeros_elsewhere() {
        let mut disk = RamDevice::new(4);
        let mut block = [7u8; BLOCK_SIZE];
        disk.write(2, &block).unwrap();
        disk.read(1, &mut block).unwrap();
        assert!(block.iter().all(|&b| b == 0));
        disk.read(2, &mut block).unwrap();
        assert!(block.iter().all(|&b| b == 7));
        assert_eq!(disk.write(4, &block), Err(BlockError::OutOfRange));
        assert_eq!(disk.read(9, &mut block), Err(BlockError::OutOfRange));
    }
}
