//! Compiling hot blocks to host code (x86-64 on Linux; elsewhere every
//! block is interpreted). A block run `hot` times is compiled
//! (compile.rs) into executable memory (exec_memory.rs) for the pc it
//! runs at and whether its data accesses are translated, and from then on
//! runs there when entered at that pc under the same, with no reservation
//! held and room in the slice for the whole block: the same results as
//! the interpreter, which goes on wherever the compiled code leaves off.
//! The compiled code is the block's: a block made stale by a store is
//! never run again, compiled or not.

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod compile;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod exec_memory;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod x86;

use crate::block::Block;
use crate::cpu::Cpu;
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
use crate::data_pages::DataPages;

/// What a block has of compiled code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compiled {
    /// Not yet: run this many times so far.
    NotYet(u32),
    /// Its first op is one the compiler leaves to the interpreter.
    Never,
    /// At this offset of the executable memory, in this epoch of it; for
    /// pc `va`, data accesses `translated` or not.
    At { offset: usize, epoch: u64, va: u32, translated: bool },
}

/// Executable memory reserved (virtual: pages are used as filled).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
const MEMORY: usize = 32 << 20;

pub struct Jit {
    /// Runs of a block before it is compiled; `None`: never compile.
    pub hot: Option<u32>,
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    memory: Option<exec_memory::ExecMemory>,
    /// Moves on when the memory is emptied: older offsets are void.
    epoch: u64,
    /// Blocks compiled so far (for tests and statistics).
    compiled: u64,
}

impl Default for Jit {
    fn default() -> Jit {
        let supported = cfg!(all(target_arch = "x86_64", target_os = "linux"));
        Jit {
            hot: supported.then_some(50),
            #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
            memory: None,
            epoch: 0,
            compiled: 0,
        }
    }
}

impl Jit {
    /// Blocks compiled so far.
    pub fn compiled_blocks(&self) -> u64 {
        self.compiled
    }
}

/// The compiled code's signature (compile.rs): registers, SRAM, SRAM
/// pages' has-code flags, RRAM, budget, data-page tables; returns
/// (count << 32 | pc).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
type Entry = unsafe extern "sysv64" fn(*mut u32, *mut u8, *const bool, *const u8, u64, *const DataPages) -> u64;

impl Cpu {
    /// Runs `block` (just looked up at pc) as compiled code if it may:
    /// the steps taken, or `None` for the interpreter to run it.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    pub(crate) fn run_compiled(&mut self, block: &Block, max: u64) -> Option<u64> {
        let hot = self.jit.hot?;
        if block.ops.len() as u64 > max || self.reservation.is_some() {
            return None;
        }
        let (va, translated) = (self.pc, !self.data_untranslated());
        let jit = &mut self.jit;
        let offset = match block.compiled.get() {
            Compiled::At { offset, epoch, va: at, translated: t } if epoch == jit.epoch => {
                if (at, t) != (va, translated) {
                    return None;
                }
                offset
            }
            Compiled::Never => return None,
            Compiled::NotYet(runs) if runs < hot => {
                block.compiled.set(Compiled::NotYet(runs + 1));
                return None;
            }
            _ => {
                let Some(code) = compile::compile(&block.ops, va, translated) else {
                    block.compiled.set(Compiled::Never);
                    return None;
                };
                let memory = match &mut jit.memory {
                    Some(memory) => memory,
                    none => none.insert(exec_memory::ExecMemory::new(MEMORY).or_else(|| {
                        jit.hot = None;
                        None
                    })?),
                };
                let offset = match memory.add(&code) {
                    Some(offset) => offset,
                    None => {
                        memory.reset();
                        jit.epoch = jit.epoch.wrapping_add(1);
                        memory.add(&code)?
                    }
                };
                block.compiled.set(Compiled::At { offset, epoch: jit.epoch, va, translated });
                jit.compiled += 1;
                offset
            }
        };
        let address = jit.memory.as_ref()?.address(offset);
        // SAFETY: `address` is the start of code compile.rs made for this
        // very block and ExecMemory::add copied in whole (this epoch's, so
        // not overwritten since); the code follows `Entry`'s System V
        // signature: it saves the callee-saved registers it uses (rbx, rbp,
        // r12-r15) on entry and restores them at every exit, and calls
        // nothing.
        let entry: Entry = unsafe { std::mem::transmute::<*const u8, Entry>(address) };
        let registers = self.x.as_mut_ptr();
        let sram = self.bus.sram.as_mut_ptr();
        let flags = self.bus.code.sram_flags();
        let rram = self.bus.rram.as_ptr();
        let pages: *const DataPages = &self.data_pages;
        // SAFETY: the code reads and writes only guest registers 0-31
        // through `registers`; SRAM and RRAM bytes at offsets it checked
        // to be below their lengths (aligned, so the whole access is
        // inside); the has-code flag of an SRAM page below SRAM's page
        // count; data-page slots at indices masked below their count.
        // Each pointer comes from a live buffer of `self` that nothing
        // else touches during the call.
        let result = unsafe { entry(registers, sram, flags, rram, max, pages) };
        let done = result >> 32;
        if done == 0 {
            return None;
        }
        self.pc = result as u32;
        self.cycle = self.cycle.wrapping_add(done);
        self.instret = self.instret.wrapping_add(done);
        Some(done)
    }

    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    pub(crate) fn run_compiled(&mut self, _block: &Block, _max: u64) -> Option<u64> {
        None
    }
}
