//! Starting the initial processes from the boot image: one address space
//! each, its segments' pages of the image mapped in place (the format puts
//! each segment's bytes on image pages of their own, zeros around them),
//! fresh zeroed frames for the rest of each segment, its parameter block
//! copied, a lazily-backed main stack, and a first thread at the entry point
//! with a0 = `.eh_frame` address and a1 = parameter block, as std's `_start`
//! expects. Nothing is copied or read byte by byte, so booting costs what
//! the page tables cost, not what the image weighs.
//!
//! An image stored in read-only memory (QEMU virt's flash, the Baochip-1x's
//! RRAM: how both boot) is mapped in place too, for its read-only segments:
//! their code executes in place and takes no RAM. A writable segment's
//! pages are copied into fresh frames instead, and so is a page on which
//! the segment's memory goes on past its stored bytes where the image's
//! bytes are not the zeros the format promises (they cannot be zeroed
//! there). The bytes on a segment's first and last page outside its memory
//! are left as the image has them: they are no part of the program (as
//! when an ELF file's pages are mapped), and are the process's own (each
//! process's data takes whole image pages).

use crate::kernel::{Kernel, Platform};
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::process::MAIN_STACK_RESERVE;
use boot_image::{Image, Process};
use xous_abi::memory::{page_round_up, USER_STACK_TOP};
use xous_abi::Error;

/// The main thread's stack: reserved here, backed page by page when
/// touched, with a guard page below it (a stack overflow, fault.rs).
pub const MAIN_STACK_SIZE: usize = 1024 * 1024;
const _: () = assert!(MAIN_STACK_SIZE + 2 * PAGE_SIZE < MAIN_STACK_RESERVE);

/// Where a parameter block of `len` bytes is mapped (read-only): right
/// below the main stack's guard page, so that it shares the stack's 4 MiB
/// of address space and its second-level page table (a table of its own
/// cost every process 4 KiB of RAM). None if it would reach the interrupt
/// stack's top (interrupt.rs), just under 2 MiB lower.
pub fn params_base(len: usize) -> Option<usize> {
    let below_guard = USER_STACK_TOP - MAIN_STACK_SIZE - PAGE_SIZE;
    below_guard.checked_sub(page_round_up(len.max(1))).filter(|&base| base >= crate::interrupt::INTERRUPT_STACK_TOP)
}

/// Where the boot image lies (its first byte's physical address).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    /// In RAM (QEMU's `-kernel` put it there), on frames the kernel owns:
    /// the frames of its segments become the processes' own (the others
    /// stay the kernel's, for the caller to free).
    Ram(usize),
    /// In read-only memory outside RAM, which no one owns and nothing frees.
    Rom(usize),
}

/// Starts every process of `image`, in boot order, but those it leaves to
/// be started on demand (on_demand.rs).
pub fn load_all<P: Platform>(k: &mut Kernel<P>, image: &Image, stored: Stored) -> Result<(), (usize, Error)> {
    for (i, process) in image.processes().enumerate() {
        if !k.on_demand.defer(stored, i, process.is_on_demand()) {
            load(k, image, &process, stored).map_err(|e| (i, e))?;
        }
    }
    Ok(())
}

fn load<P: Platform>(k: &mut Kernel<P>, image: &Image, process: &Process, stored: Stored) -> Result<u8, Error> {
    let pid = k.create_process(process.name, process.is_main())?;
    if let Some(p) = k.procs.get_mut(pid) {
        p.from_image = true;
    }
    let result = populate(k, pid, image, process, stored);
    if result.is_err() {
        k.terminate(pid, 0);
    }
    result.map(|()| pid)
}

fn populate<P: Platform>(k: &mut Kernel<P>, pid: u8, image: &Image, process: &Process, stored: Stored) -> Result<(), Error> {
    for segment in process.segments() {
        let mut flags = pte::R;
        if segment.is_writable() {
            flags |= pte::W;
        }
        if segment.is_executable() {
            flags |= pte::X;
        }
        // The image guarantees segments never share a page, and that the
        // image pages holding a segment's bytes are its alone, at the same
        // offset within the page as in memory: those pages are mapped as
        // they are, the pages after them are fresh. In RAM, the bytes around
        // the stored ones on the first and last of them are zeroed here (the
        // format says they are zeros, but nothing checked it, and they are
        // the start of .bss), a few KiB at most; in ROM, see the top.
        let in_image = segment.image_pages();
        let (bytes_start, bytes_end) = (segment.offset as usize, segment.offset as usize + segment.file_size as usize);
        let memory_end = segment.vaddr as usize + segment.mem_size as usize;
        let mut image_page = in_image.start;
        for page in segment.pages().step_by(PAGE_SIZE) {
            if image_page < in_image.end {
                let head = bytes_start.saturating_sub(image_page).min(PAGE_SIZE);
                let tail = bytes_end.saturating_sub(image_page).min(PAGE_SIZE);
                match stored {
                    Stored::Ram(base) => {
                        let frame = base + image_page;
                        k.map_given(pid, page, frame, flags)?;
                        k.hw.zero_part(frame, 0, head);
                        k.hw.zero_part(frame, tail, PAGE_SIZE - tail);
                    }
                    Stored::Rom(base) => {
                        // The page's bytes, as far as the image goes (its
                        // last page may end early; the rest reads as zeros).
                        let bytes = image.bytes().get(image_page..).unwrap_or(&[]);
                        let bytes = &bytes[..bytes.len().min(PAGE_SIZE)];
                        // Where the segment's memory ends on this page:
                        // from `tail` to there the process must read zeros.
                        let memory_end = memory_end.saturating_sub(page).min(PAGE_SIZE);
                        let zeros_after = bytes.get(tail..memory_end.max(tail)).map_or(true, |b| b.iter().all(|&x| x == 0));
                        let whole_page = bytes.len() == PAGE_SIZE;
                        if !segment.is_writable() && whole_page && zeros_after {
                            k.map_rom(pid, page, base + image_page, flags)?;
                        } else {
                            let frame = k.map_fresh(pid, page, flags)?;
                            let ours = &bytes[head.min(bytes.len())..tail.min(bytes.len())];
                            k.hw.write(frame, head, ours);
                        }
                    }
                }
                image_page += PAGE_SIZE;
            } else {
                k.map_fresh(pid, page, flags)?;
            }
        }
    }
    let params_len = page_round_up(process.params.len().max(1));
    let params = params_base(process.params.len()).ok_or(Error::OutOfMemory)?;
    for page in (params..params + params_len).step_by(PAGE_SIZE) {
        k.map_fresh(pid, page, pte::R)?;
    }
    k.write_user(pid, params, process.params)?;
    let bottom = USER_STACK_TOP - MAIN_STACK_SIZE;
    k.reserve(pid, bottom, MAIN_STACK_SIZE, pte::R | pte::W)?;
    // A guard page below it: never accessible, and never given to MapMemory.
    k.reserve(pid, bottom - PAGE_SIZE, PAGE_SIZE, 0)?;
    let args = [process.eh_frame as usize, params, 0, 0];
    k.spawn_thread_on(pid, process.entry as usize, (bottom, USER_STACK_TOP), args)?;
    Ok(())
}

pub mod on_demand;

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parameter_block_shares_the_stacks_page_table() {
        let stack_region = pte::vpn1(USER_STACK_TOP - 1);
        for len in [0, 1, PAGE_SIZE, PAGE_SIZE + 1, 64 * 1024, 1024 * 1024] {
            let base = params_base(len).unwrap();
            assert_eq!(base % PAGE_SIZE, 0);
            assert_eq!((pte::vpn1(base), pte::vpn1(base + len.max(1) - 1)), (stack_region, stack_region), "{len} bytes");
            // Below the guard page, which is below the stack.
            assert!(base + page_round_up(len.max(1)) <= USER_STACK_TOP - MAIN_STACK_SIZE - PAGE_SIZE);
        }
        assert_eq!(params_base(2 * 1024 * 1024), None, "it would reach the interrupt stack");
        // The interrupt stack is in the same 4 MiB, below the block.
        let irq_stack = crate::interrupt::INTERRUPT_STACK_TOP - crate::interrupt::INTERRUPT_STACK_SIZE;
        assert_eq!((pte::vpn1(irq_stack), pte::vpn1(crate::interrupt::INTERRUPT_STACK_TOP - 1)), (stack_region, stack_region));
        assert!(irq_stack >= USER_STACK_TOP - MAIN_STACK_RESERVE, "in the region MapMemory leaves alone");
    }
}
