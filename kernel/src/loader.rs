//! Starting the initial processes from the boot image: one address space
//! each, its segments copied into fresh frames, its parameter block mapped,
//! a lazily-backed main stack, and a first thread at the entry point with
//! a0 = `.eh_frame` address and a1 = parameter block, as std's `_start` expects.

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
/// Where the parameter block is mapped (read-only), at the bottom of the
/// region MapMemory leaves alone.
pub const PARAMS_BASE: usize = USER_STACK_TOP - MAIN_STACK_RESERVE;
const _: () = assert!(MAIN_STACK_SIZE + 2 * PAGE_SIZE < MAIN_STACK_RESERVE);

/// Starts every process of `image`, in boot order.
pub fn load_all<P: Platform>(k: &mut Kernel<P>, image: &Image) -> Result<(), (usize, Error)> {
    for (i, process) in image.processes().enumerate() {
        load(k, &process).map_err(|e| (i, e))?;
    }
    Ok(())
}

fn load<P: Platform>(k: &mut Kernel<P>, process: &Process) -> Result<u8, Error> {
    let pid = k.create_process(process.name, process.is_main())?;
    let result = populate(k, pid, process);
    if result.is_err() {
        k.terminate(pid, 0);
    }
    result.map(|()| pid)
}

fn populate<P: Platform>(k: &mut Kernel<P>, pid: u8, process: &Process) -> Result<(), Error> {
    for segment in process.segments() {
        let mut flags = pte::R;
        if segment.is_writable() {
            flags |= pte::W;
        }
        if segment.is_executable() {
            flags |= pte::X;
        }
        // The image guarantees segments never share a page.
        for page in segment.pages().step_by(PAGE_SIZE) {
            k.map_fresh(pid, page, flags)?;
        }
        k.write_user(pid, segment.vaddr as usize, segment.bytes)?;
    }
    let params_len = page_round_up(process.params.len().max(1));
    for page in (PARAMS_BASE..PARAMS_BASE + params_len).step_by(PAGE_SIZE) {
        k.map_fresh(pid, page, pte::R)?;
    }
    k.write_user(pid, PARAMS_BASE, process.params)?;
    let bottom = USER_STACK_TOP - MAIN_STACK_SIZE;
    k.reserve(pid, bottom, MAIN_STACK_SIZE, pte::R | pte::W)?;
    // A guard page below it: never accessible, and never given to MapMemory.
    k.reserve(pid, bottom - PAGE_SIZE, PAGE_SIZE, 0)?;
    let args = [process.eh_frame as usize, PARAMS_BASE, 0, 0];
    k.spawn_thread_on(pid, process.entry as usize, (bottom, USER_STACK_TOP), args)?;
    Ok(())
}

#[cfg(test)]
mod fuzz;
