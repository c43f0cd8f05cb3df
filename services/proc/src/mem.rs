//! Memory of this process, through the kernel's calls: pages mapped,
//! backed, narrowed and unmapped, for the loader's staging area and the
//! filesystem buffers.

use xous_abi::memory::flags;
use xous_rt::{error_of, syscall, Syscall, SyscallResult};

pub const RW: usize = flags::R | flags::W;

/// `len` bytes (whole pages) anywhere, with `flags`; lazily backed.
pub fn map(len: usize, flags: usize) -> Option<usize> {
    let r = syscall(Syscall::MapMemory, &[0, 0, len, flags]);
    (r[0] == SyscallResult::MemoryRange as usize).then_some(r[1])
}

/// Backs every page of `[addr, addr + len)` now, so touching them later
/// cannot end this process when RAM runs out; false if RAM ran out.
pub fn back(addr: usize, len: usize) -> bool {
    (addr..addr + len).step_by(4096).all(|page| syscall(Syscall::VirtToPhys, &[page])[0] == SyscallResult::Scalar1 as usize)
}

/// Leaves `[addr, addr + len)` with only `flags` (a subset of what it has).
pub fn narrow(addr: usize, len: usize, flags: usize) -> bool {
    error_of(syscall(Syscall::UpdateMemoryFlags, &[addr, len, flags, 0])).is_none()
}

pub fn unmap(addr: usize, len: usize) {
    syscall(Syscall::UnmapMemory, &[addr, len]);
}
