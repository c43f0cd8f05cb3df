//! From reset to the first user instruction.
//!
//! The boot image's header jumps to `_start` (RAM base + 0x1000) in M-mode
//! with the MMU off. The assembly below hands every trap and interrupt to
//! S-mode, opens physical memory to S and U through the PMP, lets S own its
//! timer (Sstc), and enters S-mode on a boot table that maps the first
//! 4 MiB of RAM both where it is and at 0xff40_0000; it then jumps to the
//! high address, where the kernel is linked, and calls `kmain`.

use super::csr;
use super::hw::{self, Hw, DEVICE_WINDOW};
use crate::kernel::{Kernel, FIRST_KERNEL_SLOT};
use crate::mem::frames::{Frames, KERNEL};
use crate::mem::pte::{self, ENTRIES};
use crate::loader;
use crate::mem::PAGE_SIZE;
use xous_abi::memory::page_round_up;
use core::arch::global_asm;

/// Bytes of the one kernel stack (boot, then every trap).
pub const KERNEL_STACK_SIZE: usize = 16 * 1024;

global_asm!(
    r#"
    .section .text.boot, "ax"
    .global _start
_start:
    .option push
    .option norelax
    csrr    t0, mhartid
    bnez    t0, 3f

    li      t0, -1                  # PMP entry 0: NAPOT over all memory, RWX
    csrw    pmpaddr0, t0
    li      t0, 0x1f
    csrw    pmpcfg0, t0

    li      t0, 0xb1ff              # exceptions 0-8, 12, 13, 15 go to S-mode
    csrw    medeleg, t0
    li      t0, 0x222               # S software, timer, external interrupts too
    csrw    mideleg, t0
    li      t0, -1
    csrw    mcounteren, t0
    li      t0, 0x80000000          # menvcfgh.STCE: S-mode owns stimecmp
    csrw    0x31a, t0

    la      t0, boot_root           # physical: the MMU is off
    li      t1, 4096                # zero it first: it is not part of the image
    add     t1, t1, t0
6:  sw      zero, 0(t0)
    addi    t0, t0, 4
    bltu    t0, t1, 6b
    la      t0, boot_root
    li      t1, 0x200000ef          # megapage RAM_BASE, V R W X G A D
    li      t2, 2048
    add     t2, t2, t0
    sw      t1, 0(t2)               # slot 0x200: where we run now
    li      t2, 4084
    add     t2, t2, t0
    sw      t1, 0(t2)               # slot 0x3fd: 0xff40_0000
    srli    a0, t0, 12
    li      t1, 0x80000000
    or      a0, a0, t1              # satp: Sv32, ASID 0, boot_root

    la      t1, 1f
    csrw    mepc, t1
    li      t1, 0x1800
    csrc    mstatus, t1
    li      t1, 0x800               # MPP = S
    csrs    mstatus, t1
    mret

1:  csrw    satp, a0
    sfence.vma
    li      t0, 0x7f400000          # 0xff40_0000 - RAM_BASE
    la      t1, 2f
    add     t1, t1, t0
    jr      t1

2:  la      sp, {stack} + {stack_size}  # now running at the linked (high) address
    la      t0, __bss_start
    la      t1, __bss_end
4:  bgeu    t0, t1, 5f
    sw      zero, 0(t0)
    addi    t0, t0, 4
    j       4b
5:  call    {kmain}

3:  wfi
    j       3b
    .option pop

    .section .boot_root, "aw", @nobits
    .balign 4096
boot_root:
    .zero 4096
    "#,
    stack = sym KERNEL_STACK,
    stack_size = const KERNEL_STACK_SIZE,
    kmain = sym kmain,
);

#[repr(C, align(16))]
pub struct Stack([u8; KERNEL_STACK_SIZE]);

#[no_mangle]
pub static mut KERNEL_STACK: Stack = Stack([0; KERNEL_STACK_SIZE]);

#[repr(C, align(4096))]
struct Table([u32; ENTRIES]);

/// The kernel's own root table: the kernel half, and nothing below.
static mut KERNEL_ROOT: Table = Table([0; ENTRIES]);
/// Second-level table of the device window.
static mut DEVICE_TABLE: Table = Table([0; ENTRIES]);

extern "C" {
    static __kernel_end: u8;
}

fn address_of<T>(value: *const T) -> usize {
    value as usize
}

/// Builds the kernel half of every address space and switches to it.
fn map_kernel() -> [u32; ENTRIES] {
    let global = pte::V | pte::G | pte::A | pte::D;
    // SAFETY: boot runs alone; these statics are written here once, before
    // any other code reads them.
    let (root, devices) = unsafe { (&mut *core::ptr::addr_of_mut!(KERNEL_ROOT), &mut *core::ptr::addr_of_mut!(DEVICE_TABLE)) };
    for (i, page) in hw::DEVICE_PAGES.iter().enumerate() {
        devices.0[i] = pte::entry(*page, global | pte::R | pte::W);
    }
    root.0[pte::vpn1(DEVICE_WINDOW)] = pte::entry(hw::virt_to_phys(address_of(devices)), pte::V | pte::G);
    // The direct map: the kernel's own 4 MiB executable, the rest not.
    root.0[0x3fd] = pte::entry(board::RAM_BASE, global | pte::RWX);
    root.0[0x3fe] = pte::entry(board::RAM_BASE + 0x40_0000, global | pte::R | pte::W);
    root.0[0x3ff] = pte::entry(board::RAM_BASE + 0x80_0000, global | pte::R | pte::W);
    debug_assert_eq!(FIRST_KERNEL_SLOT, 0x3fc);
    csr::set_address_space(hw::virt_to_phys(address_of(root)), 0);
    // The boot table's entries (ASID 0 too) must not outlive it.
    csr::flush_tlb(0, None);
    root.0
}

/// The kernel state. Built at compile time (an empty kernel is all zeros,
/// so it sits in .bss and costs neither image bytes nor boot stack), then
/// filled in by `kmain`, then used by every trap.
static mut KERNEL_STATE: Kernel<Hw> = Kernel::new(Hw { seed: 0 }, Frames::empty(), [0; ENTRIES]);

/// The kernel state.
///
/// # Safety
/// The kernel runs on one hart with interrupts off; each trap (and `kmain`)
/// takes this reference once and drops it before returning to user mode, so
/// no two references are ever alive together.
pub unsafe fn kernel() -> &'static mut Kernel<Hw> {
    // SAFETY: see the function's contract.
    unsafe { &mut *core::ptr::addr_of_mut!(KERNEL_STATE) }
}

extern "C" fn kmain() -> ! {
    // SAFETY: boot runs alone; this is the only reference to the state.
    let k = unsafe { kernel() };
    k.kernel_root = map_kernel();
    k.frames = Frames::new(board::RAM_BASE, board::RAM_MANAGED / PAGE_SIZE);
    // SAFETY: taking the address of a linker symbol.
    let kernel_end = hw::virt_to_phys(unsafe { address_of(&__kernel_end) });
    for frame in (board::RAM_BASE..kernel_end).step_by(PAGE_SIZE) {
        k.frames.claim(frame, KERNEL).expect("kernel frames are free at boot");
    }
    // SAFETY: the boot image was loaded at RAM_BASE and lies in managed RAM,
    // which the direct map covers; nothing writes it while it is read.
    let ram = unsafe { core::slice::from_raw_parts(hw::phys_to_virt(board::RAM_BASE) as *const u8, board::RAM_MANAGED) };
    let image = match boot_image::parse(ram) {
        Ok(image) => image,
        Err(e) => super::panic::crash(format_args!("kernel: the boot image is invalid: {e}")),
    };
    let image_end = board::RAM_BASE + page_round_up(image.header().image_len as usize);
    for frame in (kernel_end..image_end).step_by(PAGE_SIZE) {
        k.frames.claim(frame, KERNEL).expect("image frames are free at boot");
    }
    k.report(format_args!(
        "kernel: booting {} processes; {} KiB managed RAM, {} KiB free",
        image.processes().len(),
        board::RAM_MANAGED / 1024,
        k.frames.free_count() * PAGE_SIZE / 1024
    ));
    if let Err((index, e)) = loader::load_all(k, &image) {
        let name = image.processes().nth(index).map_or("?", |p| p.name);
        super::panic::crash(format_args!("kernel: cannot start process {index} ({name}): {e:?}"));
    }
    // The processes have their own copies now: the image's pages are free.
    for frame in (kernel_end..image_end).step_by(PAGE_SIZE) {
        let _ = k.frames.free(frame, KERNEL);
    }
    super::trap::start()
}
