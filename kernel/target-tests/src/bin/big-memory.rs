//! All of RAM is the kernel's to hand out, not only what it maps itself:
//! booted with `--memory 64M`, this maps and touches 40 MiB, then takes
//! every frame left and checks that running out is an OutOfMemory error
//! (the process lives on), and that the memory comes back when unmapped.
#![no_std]
#![no_main]

use kernel_target_tests::{check, entry, error_of, println, syscall, Error, Syscall, SyscallResult};
use xous_abi::memory::flags;

const MIB: usize = 1 << 20;
const PAGE: usize = 4096;
/// What xous-run is given (the check in xtask says so too).
const RAM: usize = 64 * MIB;

fn main(_params: usize) -> usize {
    touch(40 * MIB);
    exhaust();
    touch(40 * MIB);
    println!("big-memory: all checks passed");
    0
}

fn map(bytes: usize) -> usize {
    let r = syscall(Syscall::MapMemory, &[0, 0, bytes, flags::R | flags::W]);
    check!(r[0] == SyscallResult::MemoryRange as usize && r[2] == bytes, "MapMemory of {} MiB: {:?}", bytes / MIB, r);
    r[1]
}

fn unmap(base: usize, bytes: usize) {
    check!(syscall(Syscall::UnmapMemory, &[base, bytes])[0] == SyscallResult::Ok as usize, "UnmapMemory");
}

/// Maps `bytes`, writes a different word into every page, reads them all back.
fn touch(bytes: usize) {
    let base = map(bytes);
    let word = |page: usize| (base + page * PAGE) as *mut u32;
    for page in 0..bytes / PAGE {
        // SAFETY: the kernel mapped these pages for us, read-write.
        unsafe {
            check!(word(page).read_volatile() == 0, "page {} is fresh and zero", page);
            word(page).write_volatile(0x5eed_0000 ^ page as u32);
        }
    }
    for page in 0..bytes / PAGE {
        // SAFETY: as above.
        let value = unsafe { word(page).read_volatile() };
        check!(value == 0x5eed_0000 ^ page as u32, "page {} kept its word", page);
    }
    unmap(base, bytes);
}

/// Backs pages with VirtToPhys (which backs a page before it answers)
/// until there is no frame left. Nothing in here may touch a new page of
/// our own stack: that would need a frame too.
fn exhaust() {
    let bytes = 2 * RAM;
    let base = map(bytes);
    let (mut backed, mut highest, mut failure) = (0, 0, None);
    while backed < bytes / PAGE {
        let r = syscall(Syscall::VirtToPhys, &[base + backed * PAGE]);
        if let Some(e) = error_of(r) {
            failure = Some(e);
            break;
        }
        highest = highest.max(r[1]);
        backed += 1;
    }
    // While nothing is left: a mapping that needs a new page table fails too.
    let table_needed = error_of(syscall(Syscall::MapMemory, &[0, 0x7000_0000, PAGE, flags::R | flags::W]));
    unmap(base, bytes);
    check!(failure == Some(Error::OutOfMemory), "running out: {:?} after {} pages", failure, backed);
    check!(table_needed == Some(Error::OutOfMemory), "a new page table when out of memory: {:?}", table_needed);
    check!(backed * PAGE > 48 * MIB, "only {} KiB could be backed", backed * PAGE / 1024);
    check!(highest >= board::RAM_BASE + 60 * MIB && highest < board::RAM_BASE + RAM, "highest frame {:#x}", highest);
}

entry!(main);
