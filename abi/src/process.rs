//! CreateProcess and SetMemRegion: where their words go, as the published
//! `xous` crate (0.9, `arch/riscv/process.rs` and `SysCall::SetMemRegion`)
//! sends them, plus the one word Xous leaves unused, which we give a
//! meaning (the start record). The kernel's README says what each does.

/// CreateProcess(a1..a7): the seven words of Xous's `ProcessInit`, by index.
pub mod init {
    /// The child's main stack: lowest address and size (reserved, backed when touched).
    pub const STACK_BASE: usize = 0;
    pub const STACK_SIZE: usize = 1;
    /// The caller's pages that become the child's: address and size.
    pub const TEXT_ADDR: usize = 2;
    pub const TEXT_SIZE: usize = 3;
    /// Where those pages appear in the child.
    pub const DESTINATION: usize = 4;
    /// The child's first instruction (inside the moved pages).
    pub const ENTRY: usize = 5;
    /// 0 (what Xous sends), or the caller's address of a start record.
    pub const START_RECORD: usize = 6;
}

/// A start record: words the child's first thread starts with, in a0 and
/// a1, as a program loaded from the boot image does (`.eh_frame`, then the
/// parameter block of `params.rs`), both addresses in the child.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct StartRecord {
    pub eh_frame: u32,
    pub params: u32,
}

impl StartRecord {
    pub const LEN: usize = 8;

    pub fn to_bytes(self) -> [u8; Self::LEN] {
        let mut b = [0; Self::LEN];
        b[..4].copy_from_slice(&self.eh_frame.to_le_bytes());
        b[4..].copy_from_slice(&self.params.to_le_bytes());
        b
    }

    pub fn from_bytes(b: [u8; Self::LEN]) -> StartRecord {
        StartRecord {
            eh_frame: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            params: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
}

/// SetMemRegion(pid, kind, address, size): Xous's `MemoryType`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum MemoryRegion {
    /// Where MapMemory places memory when given no address.
    Default = 1,
    /// Where IncreaseHeap grows the heap from (size: its most).
    Heap = 2,
    /// Where received memory messages appear.
    Messages = 3,
    /// The main stack (the address is its end).
    Stack = 4,
}

impl MemoryRegion {
    pub fn from_usize(n: usize) -> Option<MemoryRegion> {
        use MemoryRegion::*;
        [Default, Heap, Messages, Stack].into_iter().find(|r| *r as usize == n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_record_round_trips_little_endian() {
        let r = StartRecord { eh_frame: 0x1234_5678, params: 0x7f00_0000 };
        assert_eq!(r.to_bytes()[..4], [0x78, 0x56, 0x34, 0x12]);
        assert_eq!(StartRecord::from_bytes(r.to_bytes()), r);
    }

    #[test]
    fn region_kinds_are_xous_numbers() {
        assert_eq!(MemoryRegion::from_usize(2), Some(MemoryRegion::Heap));
        assert_eq!(MemoryRegion::from_usize(4), Some(MemoryRegion::Stack));
        assert_eq!((MemoryRegion::from_usize(0), MemoryRegion::from_usize(5)), (None, None));
    }
}
