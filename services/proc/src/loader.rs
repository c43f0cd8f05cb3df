//! Starting a program from its ELF file: the segments are read into pages
//! of this process laid out as the child will see them (the span of the
//! segments, then the parameter block), given their permissions, and moved
//! into a new address space with one CreateProcess (kernel/README.md,
//! "Creating a process"): nothing is copied twice, and a failure at any
//! step leaves no child and no pages behind.
//!
//! Memory is backed before it is written (VirtToPhys), so a program too big
//! for the RAM left is an OUT_OF_MEMORY answer, never a page the kernel
//! cannot back for this service.

use crate::file::Fs;
use crate::mem;
use proc::elf::{self, Refusal, PF_W, PF_X};
use xous_abi::memory::{flags, USER_STACK_TOP};
use xous_abi::platform;
use xous_abi::process::StartRecord;
use xous_abi::services::proc::status;
use xous_rt::{syscall, Syscall, SyscallResult};

/// The child's main stack, as the kernel gives a program of the boot
/// image: reserved, backed when touched.
const STACK_SIZE: usize = 1024 * 1024;

/// Starts the program at `path` with the parameter block `params`; its pid.
pub fn load(fs: &mut Fs, path: &[u8], params: &[u8]) -> Result<u8, usize> {
    let mut file = fs.open(path)?;
    let program = elf::parse(&mut file).map_err(|r| match r {
        Refusal::Unreadable => status::FILESYSTEM,
        _ => status::NOT_EXECUTABLE,
    })?;
    let (lo, hi) = program.span();
    let (lo, hi) = (lo as usize, hi as usize);
    let params_len = (params.len() + 4095) & !4095;
    if hi + params_len > elf::HIGHEST as usize {
        return Err(status::OUT_OF_MEMORY);
    }
    let total = hi - lo + params_len;
    let staging = mem::map(total, flags::R | flags::W | flags::X).ok_or(status::OUT_OF_MEMORY)?;
    let result = fill(&mut file, &program, staging, lo, hi, params).and_then(|()| create(&program, staging, total, lo, hi));
    if result.is_err() {
        mem::unmap(staging, total);
    }
    if let Ok(pid) = result {
        name(pid, path);
    }
    result
}

/// The kernel's reports name the child after its program's file (it was
/// made under this service's name): `kernel: process 9 (cat) terminated`.
/// Its first instructions may run before this, under the old name.
fn name(pid: u8, path: &[u8]) {
    let file = path.rsplit(|b| *b == b'/').next().unwrap_or(path);
    let mut len = file.len().min(platform::NAME_MAX);
    // Whole characters only: a name is UTF-8 (and a path that is not
    // keeps the old name).
    while len > 0 && core::str::from_utf8(&file[..len]).is_err() {
        len -= 1;
    }
    syscall(Syscall::PlatformSpecific, &[platform::NAME_CHILD, pid as usize, file.as_ptr() as usize, len]);
}

fn fill(file: &mut crate::file::File<'_>, program: &elf::Program, staging: usize, lo: usize, hi: usize, params: &[u8]) -> Result<(), usize> {
    let total = hi - lo + ((params.len() + 4095) & !4095);
    if !mem::back(staging, total) {
        return Err(status::OUT_OF_MEMORY);
    }
    // SAFETY: `total` bytes at `staging` were mapped read-write above and
    // are backed; nothing else refers to them until they are moved.
    let pages = unsafe { core::slice::from_raw_parts_mut(staging as *mut u8, total) };
    for s in &program.segments {
        let at = s.vaddr as usize - lo;
        if !elf::Source::read_at(file, s.offset as u64, &mut pages[at..at + s.file_size as usize]) {
            return Err(status::FILESYSTEM);
        }
    }
    pages[hi - lo..hi - lo + params.len()].copy_from_slice(params);
    // Each page gets what its segments ask (pages between segments, and
    // the parameter block, are read-only).
    for page in (lo..lo + total).step_by(4096) {
        let wanted = program
            .segments
            .iter()
            .filter(|s| (s.vaddr as usize) < page + 4096 && page < (s.vaddr + s.mem_size) as usize)
            .fold(flags::R, |f, s| f | if s.flags & PF_W != 0 { flags::W } else { 0 } | if s.flags & PF_X != 0 { flags::X } else { 0 });
        if !mem::narrow(staging + (page - lo), 4096, wanted) {
            return Err(status::OUT_OF_MEMORY);
        }
    }
    Ok(())
}

fn create(program: &elf::Program, staging: usize, total: usize, lo: usize, hi: usize) -> Result<u8, usize> {
    let start = StartRecord { eh_frame: program.eh_frame, params: hi as u32 }.to_bytes();
    let stack = USER_STACK_TOP - STACK_SIZE;
    let r = syscall(
        Syscall::CreateProcess,
        &[stack, STACK_SIZE, staging, total, lo, program.entry as usize, start.as_ptr() as usize],
    );
    if r[0] != SyscallResult::NewProcess as usize {
        return Err(status::OUT_OF_MEMORY);
    }
    // The child's initial server is not used: its connection is freed, or
    // this service would run out of connections after 32 children.
    syscall(Syscall::Disconnect, &[r[2]]);
    u8::try_from(r[1]).map_err(|_| status::OUT_OF_MEMORY)
}
