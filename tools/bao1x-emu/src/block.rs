//! Basic blocks: the instructions from a physical address up to the first
//! jump (`jal`, `jalr`), `Slow` op or the page's end, decoded once into
//! micro-ops (decode.rs; a conditional branch does not end a block: taken,
//! it leaves it), and the direct-mapped table that keeps them by physical
//! address. A block never leaves its 4 KiB page, so one fetch translation
//! covers it all, as stepping's cached fetch page would; an instruction
//! that straddles a page is never in a block (stepping runs it).

use crate::bus::Bus;
use crate::code_pages;
use crate::compressed;
use crate::decode::{decode, Op};
use crate::jit::Compiled;
use std::cell::Cell;
use std::rc::Rc;

/// Ops a block holds at most (longer runs go on in the next block).
const MAX_OPS: usize = 64;
const SLOTS: usize = 1 << 14;

pub struct Block {
    /// Where it starts, physically, and its page's generation then.
    pub pa: u32,
    page: usize,
    generation: u64,
    pub ops: Vec<Op>,
    /// Its host code, or how near it is to having some (jit/).
    pub compiled: Cell<Compiled>,
}

/// The 32-bit (or expanded compressed) instruction at `pa` and its
/// length, if memory holds one that does not leave the page at `pa`.
fn fetch(bus: &Bus, pa: u32) -> Option<(u32, u32)> {
    let low = bus.fetch16(pa).ok()?;
    if low & 3 != 3 {
        return Some((compressed::expand(low)?, 2));
    }
    if pa & 0xFFF > 0xFFC {
        return None;
    }
    let high = bus.fetch16(pa + 2).ok()?;
    Some(((high as u32) << 16 | low as u32, 4))
}

impl Block {
    /// Decodes the block at physical `pa`; `None` when its first
    /// instruction cannot be (illegal, straddling the page, not in
    /// memory): stepping takes that one, with its trap.
    pub fn decode(bus: &mut Bus, pa: u32) -> Option<Block> {
        let page = code_pages::index(pa)?;
        let mut ops = Vec::new();
        let mut at = pa;
        while ops.len() < MAX_OPS && (at == pa || at & 0xFFF != 0) {
            let Some((inst, len)) = fetch(bus, at) else { break };
            let Some((kind, rd, rs1, rs2, imm)) = decode(inst) else { break };
            let off = (at - pa) as u16;
            ops.push(Op { kind, rd, rs1, rs2, imm, off, len: len as u8 });
            at += len;
            if kind.ends_block() {
                break;
            }
        }
        if ops.is_empty() {
            return None;
        }
        let generation = bus.code.decoding(page);
        Some(Block { pa, page, generation, ops, compiled: Cell::new(Compiled::NotYet(0)) })
    }
}

/// Blocks by physical address, one per slot; a stale one (its page
/// written since) is never returned.
pub struct Blocks {
    slots: Vec<Option<Rc<Block>>>,
}

impl Default for Blocks {
    fn default() -> Blocks {
        Blocks { slots: vec![None; SLOTS] }
    }
}

impl Blocks {
    #[inline(always)]
    fn slot(pa: u32) -> usize {
        (pa as usize >> 1) & (SLOTS - 1)
    }

    /// The block at `pa`, decoded now if it is not kept or is stale.
    #[inline]
    pub fn get(&mut self, bus: &mut Bus, pa: u32) -> Option<Rc<Block>> {
        let slot = Self::slot(pa);
        if let Some(block) = &self.slots[slot] {
            if block.pa == pa && bus.code.current(block.page, block.generation) {
                return Some(block.clone());
            }
        }
        let block = Rc::new(Block::decode(bus, pa)?);
        self.slots[slot] = Some(block.clone());
        Some(block)
    }

    pub fn clear(&mut self) {
        self.slots.fill(None);
    }
}

