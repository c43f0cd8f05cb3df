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
use xous_abi::memory::USER_STACK_TOP;
use xous_abi::Error;

/// The main thread's stack: reserved here, backed page by page when
/// touched, with a guard page below it (a stack overflow, fault.rs).
pub const MAIN_STACK_SIZE: usize = 1024 * 1024;
const _: () = assert!(MAIN_STACK_SIZE + 2 * PAGE_SIZE < MAIN_STACK_RESERVE);

/// The most of the main stack a parameter block may take (the ABI's
/// limit, which the image writer holds images to).
const PARAMS_MAX: usize = xous_abi::params::BOOT_BLOCK_MAX;
const _: () = assert!(PARAMS_MAX <= MAIN_STACK_SIZE / 4);

/// Where a parameter block of `len` bytes goes: at the top of the main
/// stack (16-byte aligned), which starts below it. So it shares the
/// stack's first page, touched at once anyway (a page of its own cost every
/// process 4 KiB), and its page table. The ABI gives std the block's
/// address (a1) and lets it write there. None if it would take more than
/// a quarter of the stack.
pub fn params_base(len: usize) -> Option<usize> {
    (len <= PARAMS_MAX).then(|| (USER_STACK_TOP - len.max(1)) & !15)
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
    // The program store, if the image uses one and the board has it: its
    // digests are read from the image where it is stored, so only an image
    // in read-only memory (which stays there) can use it.
    let header = image.header();
    let pages = header.store_pages as usize;
    if let Stored::Rom(base) = stored {
        if pages > 0 && pages <= k.hw.store_pages() {
            k.swap.store.open(base + header.store_digests as usize, pages);
        }
    }
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
        if segment.is_in_store() {
            from_store(k, pid, &segment, flags)?;
            continue;
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
    let bottom = USER_STACK_TOP - MAIN_STACK_SIZE;
    k.reserve(pid, bottom, MAIN_STACK_SIZE, pte::R | pte::W)?;
    // A guard page below it: never accessible, and never given to MapMemory.
    k.reserve(pid, bottom - PAGE_SIZE, PAGE_SIZE, 0)?;
    // The parameter block at the stack's top, on pages backed now; the
    // first thread's stack starts right below it.
    let params = params_base(process.params.len()).ok_or(Error::OutOfMemory)?;
    for page in (params & !(PAGE_SIZE - 1)..USER_STACK_TOP).step_by(PAGE_SIZE) {
        k.map_fresh(pid, page, pte::R | pte::W)?;
    }
    k.write_user(pid, params, process.params)?;
    let args = [process.eh_frame as usize, params, 0, 0];
    k.spawn_thread_on(pid, process.entry as usize, (bottom, params), args)?;
    Ok(())
}

/// A segment whose bytes are in the program store (swap/store.rs): each
/// of its pages there is mapped as that store page, read at the first
/// touch; the pages after them are fresh. Unavailable if the board has no
/// store, or a smaller one than the image's.
fn from_store<P: Platform>(k: &mut Kernel<P>, pid: u8, segment: &boot_image::Segment, flags: u32) -> Result<(), Error> {
    let in_store = segment.store_pages();
    if in_store.end > k.swap.store.pages() {
        return Err(Error::Unavailable);
    }
    let space = k.procs.get(pid).ok_or(Error::ProcessNotFound)?.space;
    let memory = segment.pages();
    let stored_end = memory.start + in_store.len() * PAGE_SIZE;
    let mut walk = space.walk();
    for (page, store_page) in (memory.start..stored_end).step_by(PAGE_SIZE).zip(in_store.clone()) {
        walk.set(&mut k.hw, &mut k.frames, page, pte::stored(store_page, flags | pte::U)).map_err(crate::mem::user::map_error)?;
    }
    for page in (stored_end..memory.end).step_by(PAGE_SIZE) {
        k.map_fresh(pid, page, flags)?;
    }
    if flags & pte::W == 0 {
        k.swap.store.add_range(pid, memory.start, stored_end, in_store.start);
    }
    Ok(())
}

pub mod on_demand;

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parameter_block_tops_the_main_stack() {
        for len in [0, 1, 100, PAGE_SIZE, PAGE_SIZE + 1, 64 * 1024, PARAMS_MAX] {
            let base = params_base(len).unwrap();
            assert_eq!(base % 16, 0, "{len} bytes: the stack below it starts aligned");
            assert!(base + len <= USER_STACK_TOP && base + len.max(1) + 16 > USER_STACK_TOP, "{len} bytes: at the top");
            assert!(base >= USER_STACK_TOP - MAIN_STACK_SIZE + 3 * MAIN_STACK_SIZE / 4 - 16, "{len} bytes: most of the stack is left");
        }
        assert_eq!(params_base(PARAMS_MAX + 1), None);
        // The interrupt stack is in the same 4 MiB, below the main stack.
        let irq_stack = crate::interrupt::INTERRUPT_STACK_TOP - crate::interrupt::INTERRUPT_STACK_SIZE;
        assert_eq!((pte::vpn1(irq_stack), pte::vpn1(crate::interrupt::INTERRUPT_STACK_TOP - 1)), (pte::vpn1(USER_STACK_TOP - 1), pte::vpn1(USER_STACK_TOP - 1)));
        assert!(crate::interrupt::INTERRUPT_STACK_TOP <= USER_STACK_TOP - MAIN_STACK_SIZE - PAGE_SIZE, "below the guard page");
        assert!(irq_stack >= USER_STACK_TOP - MAIN_STACK_RESERVE, "in the region MapMemory leaves alone");
    }
}
