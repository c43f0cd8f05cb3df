//! Data translations already checked, for the block runner's loads and
//! stores under Sv32: virtual page to physical page, one table for loads
//! and one for stores, direct-mapped. An entry stands for a translation
//! that mmu.rs's `translate` would give again with no side effect: its
//! leaf is in the data TLB and passed the permission check under the
//! current mode, mstatus and satp. So the tables are emptied whenever the
//! data TLB takes an entry (which may push another out), is flushed, or
//! the context changes (`Cpu::changed_context`: every CSR write, trap and
//! return).

use crate::cpu::Cpu;
use crate::mmu::Access;
use crate::trap::Exception;

const SLOTS: usize = 16;
/// No virtual page number is this (they have 20 bits).
const EMPTY: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub struct DataPages {
    /// (virtual page, physical page) for loads, then for stores.
    load: [(u32, u32); SLOTS],
    store: [(u32, u32); SLOTS],
}

impl Default for DataPages {
    fn default() -> DataPages {
        DataPages { load: [(EMPTY, 0); SLOTS], store: [(EMPTY, 0); SLOTS] }
    }
}

impl DataPages {
    pub fn clear(&mut self) {
        *self = DataPages::default();
    }
}

impl Cpu {
    /// `translate(va, access)` for a load or a store, from the tables when
    /// they have its page.
    #[inline(always)]
    pub(crate) fn translate_data(&mut self, va: u32, access: Access) -> Result<u32, Exception> {
        let vpn = va >> 12;
        let slot = vpn as usize % SLOTS;
        let table = if access == Access::Store { &self.data_pages.store } else { &self.data_pages.load };
        let (tag, ppn) = table[slot];
        if tag == vpn {
            return Ok(ppn << 12 | (va & 0xFFF));
        }
        let pa = self.translate(va, access)?;
        let table = if access == Access::Store { &mut self.data_pages.store } else { &mut self.data_pages.load };
        table[slot] = (vpn, pa >> 12);
        Ok(pa)
    }
}
