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

/// A virtual page and its physical page.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Slot {
    vpn: u32,
    ppn: u32,
}

/// For loads, then for stores; laid out as C would, for compiled code
/// (jit/compile.rs) to look pages up in.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct DataPages {
    load: [Slot; SLOTS],
    store: [Slot; SLOTS],
}

/// Where compiled code finds the tables: slots of 8 bytes (vpn, ppn),
/// indexed by the virtual page number modulo `SLOTS`.
pub const LOAD_TABLE: u32 = 0;
pub const STORE_TABLE: u32 = (SLOTS * 8) as u32;
pub const SLOT_MASK: u32 = SLOTS as u32 - 1;

impl Default for DataPages {
    fn default() -> DataPages {
        let empty = Slot { vpn: EMPTY, ppn: 0 };
        DataPages { load: [empty; SLOTS], store: [empty; SLOTS] }
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
        if table[slot].vpn == vpn {
            return Ok(table[slot].ppn << 12 | (va & 0xFFF));
        }
        let pa = self.translate(va, access)?;
        let table = if access == Access::Store { &mut self.data_pages.store } else { &mut self.data_pages.load };
        table[slot] = Slot { vpn, ppn: pa >> 12 };
        Ok(pa)
    }
}
