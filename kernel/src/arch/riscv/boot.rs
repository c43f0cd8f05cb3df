//! From reset to the first user instruction.
//!
//! The boot image is stored in the board's read-only memory and started
//! there: QEMU's reset code jumps to the first byte of its flash, the
//! Baochip-1x's boot1 to the image in RRAM. Its header jumps to `_start`
//! (the image's second page) in M-mode with the MMU off. The assembly below
//! copies the image's head (header page, kernel) to RAM_BASE, where the
//! kernel was built to run (an image QEMU loaded into RAM there itself,
//! with `-kernel`, is run where it is), lets the board do what only
//! M-mode can (machine/: on QEMU, open memory to S and U through the PMP and
//! let S own its timer), hands every trap and interrupt to S-mode, and
//! enters S-mode on a boot table that maps the first 4 MiB of RAM both where
//! it is and at 0xff40_0000; it then jumps to the high address, where the
//! kernel is linked, and calls `kmain` with the device tree's address (a1
//! from QEMU's reset code) and where the image is stored.
//!
//! Where the kernel executes in place (board::KERNEL_IN_PLACE: the
//! Baochip-1x, link_in_place.x), nothing is copied: its code stays in the
//! image in RRAM, its zero-initialised memory is at RAM_BASE, and the boot
//! table maps the RRAM's megapage where it is and at KERNEL_ROM (hw.rs),
//! where the code is linked, besides RAM at 0xff40_0000.
//!
//! `kmain` builds the kernel half (hw.rs), learns how much RAM there is,
//! sets the frame record aside right after the kernel (or the whole image,
//! in RAM), looks for the board's swap device, starts the processes from
//! the image where it is stored (boot_rom.rs), and frees what of an image
//! in RAM they do not use.

use super::csr;
use super::boot_rom::BootRom;
use super::hw::{self, Hw, Table, DEVICE_WINDOW, DIRECT_MAP, DIRECT_MAP_MAX, KERNEL_TEXT_MEGAPAGE, KERNEL_TEXT_WINDOW, MEGAPAGE};
use super::panic::crash;
use crate::kernel::{Kernel, Platform, FIRST_KERNEL_SLOT};
use crate::mem::frames::Frames;
use crate::mem::pte::{self, ENTRIES};
use crate::mem::space::PhysMem;
use crate::loader::{self, Stored};
use crate::fdt;
use crate::mem::PAGE_SIZE;
use board::{RamSize, RAM_BASE};
use xous_abi::memory::page_round_up;
use core::arch::global_asm;

/// The most a copied image head (header page, kernel) may take: the
/// board's RAM, or without a fixed size the kernel's first megapage.
const HEAD_MAX: usize = match board::RAM_SIZE {
    RamSize::Fixed(bytes) => bytes,
    RamSize::DeviceTree => MEGAPAGE,
};

/// The kernel's code megapage's permissions: in RAM it is the direct map's
/// first megapage too (read-write); in place, read-only memory.
const TEXT_FLAGS: u32 = pte::V | pte::R | pte::X | pte::G | pte::A | pte::D | if board::KERNEL_IN_PLACE { 0 } else { pte::W };
// Executing in place, the image and the kernel's code lie in the read-only
// memory's one megapage, which the kernel maps whole at KERNEL_ROM.
const _: () = assert!(!board::KERNEL_IN_PLACE || matches!(board::ROM, Some((_, size)) if size == MEGAPAGE));

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
.if {in_place}
    # The kernel executes in place (board::KERNEL_IN_PLACE): nothing is
    # copied; the image is stored, and runs, a page before `_start`.
    la      a2, _start
    li      t0, 0x1000
    sub     a2, a2, t0
    li      t0, {image}             # the image was built to run there only
    bne     a2, t0, 3f
    j       5f
.endif

    # The image is stored elsewhere than where it was built to run (in
    # QEMU's flash, in the Baochip-1x's RRAM): its head (header page and
    # kernel) is copied to RAM_BASE and boot goes on in the copy; the
    # processes' bytes stay where they are (loader.rs). a2 says where the
    # image is stored, for kmain. a0 is kept, and a1 (the device tree)
    # unless the tree is moved.
    li      a2, {ram_base}
    la      t0, _start              # where we run now: the MMU is off
    li      t1, {ram_base} + 0x1000
    beq     t0, t1, 5f
    li      t2, 0x1000
    sub     t0, t0, t2              # the image's first byte
    mv      a2, t0
    # t2: the head's length in RAM, the header page and the kernel's
    # memory; t4: the bytes to copy, the header page and the kernel's bytes
    # (its .bss is cleared below, and kmain reads the rest of the image
    # where it is stored). Checked first: the image is signed, but a head
    # shorter than a kernel, or longer than RAM, stops here, not in a fault.
    lw      t2, {kernel_memory_size}(t0)
    lw      t4, {kernel_file_size}(t0)
    bgtu    t4, t2, 3f
    li      t3, 0x1000
    add     t2, t2, t3
    add     t4, t4, t3
    li      t3, 0x2000
    bltu    t2, t3, 3f
    li      t3, {head_max}
    bgtu    t2, t3, 3f
.if {device_tree}
    # QEMU puts its device tree at the start of RAM when RAM is small
    # (2 MiB: the 1 MiB it sets aside for the tree, below RAM's end, on a
    # 2 MiB boundary), where the head goes. Then the tree moves first, to
    # the page after the head (kmain reads it before that page is used),
    # last word first: the two places may overlap.
    li      t3, {ram_base}
    sub     a3, a1, t3              # the tree's offset in RAM (below RAM:
    bgeu    a3, t2, 8f              # a large one), clear of the head: stays
    lbu     a3, 4(a1)               # its size, big-endian at byte 4
    lbu     a4, 5(a1)
    slli    a3, a3, 8
    or      a3, a3, a4
    lbu     a4, 6(a1)
    slli    a3, a3, 8
    or      a3, a3, a4
    lbu     a4, 7(a1)
    slli    a3, a3, 8
    or      a3, a3, a4
    li      a4, {tree_max}          # no tree is that large: stop
    bgtu    a3, a4, 3f
    addi    a3, a3, 3
    andi    a3, a3, -4              # whole words
    li      a4, {ram_base} + 0xfff
    add     a4, a4, t2
    srli    a4, a4, 12
    slli    a4, a4, 12              # its new place: the page after the head
    add     a5, a1, a3              # the source's end
    add     a6, a4, a3              # the destination's end
9:  bgeu    a1, a5, 10f
    addi    a5, a5, -4
    addi    a6, a6, -4
    lw      a7, 0(a5)
    sw      a7, 0(a6)
    j       9b
10: mv      a1, a4
8:
.endif
    add     t2, t4, t0              # the end of the bytes to copy
    li      t1, {ram_base}
7:  lw      t3, 0(t0)               # 32 bytes a round (up to 28 past the
    lw      t4, 4(t0)               # kernel's bytes: into its .bss, which
    lw      t5, 8(t0)               # is cleared below)
    lw      t6, 12(t0)
    sw      t3, 0(t1)
    sw      t4, 4(t1)
    sw      t5, 8(t1)
    sw      t6, 12(t1)
    lw      t3, 16(t0)
    lw      t4, 20(t0)
    lw      t5, 24(t0)
    lw      t6, 28(t0)
    sw      t3, 16(t1)
    sw      t4, 20(t1)
    sw      t5, 24(t1)
    sw      t6, 28(t1)
    addi    t0, t0, 32
    addi    t1, t1, 32
    bltu    t0, t2, 7b
    fence.i
    la      t0, 5f
    la      t1, _start
    sub     t0, t0, t1
    li      t1, {ram_base} + 0x1000
    add     t0, t0, t1
    jr      t0

5:  call    machine_setup           # the board's M-mode setup (machine/)
    li      t0, 0xb1ff              # exceptions 0-8, 12, 13, 15 go to S-mode
    csrw    medeleg, t0
    li      t0, 0x222               # S software, timer, external interrupts too
    csrw    mideleg, t0

    lui     t3, %hi(boot_root)      # its address in the direct map, made
    addi    t3, t3, %lo(boot_root)  # physical (the MMU is off; code that
    li      t1, {ram_offset}        # runs in place is not beside it)
    sub     t3, t3, t1
    mv      t0, t3
    li      t1, 4096                # zero it first: it is not part of the image
    add     t1, t1, t0
6:  sw      zero, 0(t0)
    addi    t0, t0, 4
    bltu    t0, t1, 6b
    mv      t0, t3
    li      t1, {ram_megapage}      # megapage RAM_BASE, V R W G A D
    li      t2, {high}
    add     t2, t2, t0
    sw      t1, 0(t2)               # the slot of 0xff40_0000
    li      t1, {text_megapage}     # the kernel's code, V R X G A D (and W in RAM)
    li      t2, {here}
    add     t2, t2, t0
    sw      t1, 0(t2)               # its slot where we run now
    li      t2, {text_high}
    add     t2, t2, t0
    sw      t1, 0(t2)               # its slot where it is linked
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
    li      t0, {to_high}           # where linked - where we run
    la      t1, 2f
    add     t1, t1, t0
    jr      t1

2:  la      sp, {stack} + {stack_size}  # now running at the linked (high) address
    la      t0, __bss_start         # .bss starts and ends on a page (link.x),
    la      t1, __bss_end           # so it is cleared 64 bytes a round:
4:  sw      zero, 0(t0)             # 18 instructions for 16 words, not 64
    sw      zero, 4(t0)
    sw      zero, 8(t0)
    sw      zero, 12(t0)
    sw      zero, 16(t0)
    sw      zero, 20(t0)
    sw      zero, 24(t0)
    sw      zero, 28(t0)
    sw      zero, 32(t0)
    sw      zero, 36(t0)
    sw      zero, 40(t0)
    sw      zero, 44(t0)
    sw      zero, 48(t0)
    sw      zero, 52(t0)
    sw      zero, 56(t0)
    sw      zero, 60(t0)
    addi    t0, t0, 64
    bltu    t0, t1, 4b
    mv      a0, a1                  # the device tree
    mv      a1, a2                  # where the image is stored
    call    {kmain}

3:  wfi
    j       3b
    .option pop

    .section .boot_root, "aw", @nobits
    .balign 4096
    .global boot_root
boot_root:
    .zero 4096
    "#,
    stack = sym KERNEL_STACK,
    stack_size = const KERNEL_STACK_SIZE,
    kmain = sym kmain,
    in_place = const board::KERNEL_IN_PLACE as u32,
    image = const board::IMAGE_LOAD_ADDRESS,
    ram_offset = const DIRECT_MAP.wrapping_sub(RAM_BASE),
    ram_megapage = const pte::entry(RAM_BASE, pte::V | pte::R | pte::W | pte::G | pte::A | pte::D),
    text_megapage = const pte::entry(KERNEL_TEXT_MEGAPAGE, TEXT_FLAGS),
    here = const pte::vpn1(KERNEL_TEXT_MEGAPAGE) * 4,
    high = const pte::vpn1(DIRECT_MAP) * 4,
    text_high = const pte::vpn1(KERNEL_TEXT_WINDOW) * 4,
    to_high = const KERNEL_TEXT_WINDOW.wrapping_sub(KERNEL_TEXT_MEGAPAGE),
    ram_base = const RAM_BASE,
    head_max = const HEAD_MAX,
    kernel_file_size = const boot_image::layout::header::KERNEL_FILE_SIZE,
    kernel_memory_size = const boot_image::layout::header::KERNEL_MEMORY_SIZE,
    device_tree = const matches!(board::RAM_SIZE, RamSize::DeviceTree) as u32,
    tree_max = const fdt::MAX_SIZE,
);

#[repr(C, align(16))]
pub struct Stack([u8; KERNEL_STACK_SIZE]);

#[no_mangle]
pub static mut KERNEL_STACK: Stack = Stack([0; KERNEL_STACK_SIZE]);

/// The kernel's own root table: the kernel half, and nothing below.
static mut KERNEL_ROOT: Table = Table([0; ENTRIES]);

extern "C" {
    static __kernel_end: u8;
    static boot_root: u8;
}

fn address_of<T>(value: *const T) -> usize {
    value as usize
}

/// The kernel's own root table: boot's, and after boot the boot image's
/// (boot_rom.rs) while the kernel starts an on-demand service from it.
pub(super) fn kernel_root_table() -> &'static mut Table {
    // SAFETY: the kernel runs on one hart with interrupts off; boot and
    // `boot_rom` are its only users, and each drops the reference before
    // asking again.
    unsafe { &mut *core::ptr::addr_of_mut!(KERNEL_ROOT) }
}

/// Builds the kernel half of every address space, with the first `direct`
/// bytes of RAM in the direct map, and switches to it.
fn map_kernel(direct: usize) -> [u32; ENTRIES] {
    let global = pte::V | pte::G | pte::A | pte::D;
    let root = kernel_root_table();
    root.0[pte::vpn1(DEVICE_WINDOW)] = pte::entry(hw::window_table(), pte::V | pte::G);
    // The direct map: the kernel's own megapage executable (where the
    // kernel runs in RAM), the rest not.
    for (i, offset) in (0..direct).step_by(MEGAPAGE).enumerate() {
        let exec = if i == 0 && !board::KERNEL_IN_PLACE { pte::X } else { 0 };
        root.0[pte::vpn1(DIRECT_MAP + offset)] = pte::entry(RAM_BASE + offset, global | pte::R | pte::W | exec);
    }
    if board::KERNEL_IN_PLACE {
        root.0[pte::vpn1(KERNEL_TEXT_WINDOW)] = pte::entry(KERNEL_TEXT_MEGAPAGE, TEXT_FLAGS);
    }
    debug_assert_eq!(FIRST_KERNEL_SLOT, 0x3fc);
    csr::set_address_space(hw::virt_to_phys(address_of(root)), 0);
    // The boot table's entries must not outlive it, nor stale "not mapped" ones.
    csr::flush_all();
    root.0
}

/// The RAM from RAM_BASE, in bytes (what the board says, or the device
/// tree at `device_tree`), at most what 32-bit addresses reach.
fn ram_size(hw: &mut Hw, device_tree: usize) -> usize {
    let size = match board::RAM_SIZE {
        RamSize::Fixed(bytes) => Some(bytes as u64),
        RamSize::DeviceTree if device_tree >= RAM_BASE && device_tree % 8 == 0 => {
            let read = |at: usize, out: &mut [u8]| read_phys(hw, device_tree, at, out);
            fdt::memory_size(read, RAM_BASE as u64)
        }
        RamSize::DeviceTree => None,
    };
    match size {
        // The last page below 4 GiB stays out, so RAM_BASE + size never wraps.
        Some(size) => (size.min((usize::MAX - RAM_BASE) as u64) as usize) & !(PAGE_SIZE - 1),
        None => crash(format_args!("kernel: no RAM size in the device tree at {device_tree:#x}")),
    }
}

/// Entropy for swap's key, fresh at every boot: QEMU's device tree carries
/// 32 bytes from the host's random source (`/chosen/rng-seed`). A board
/// without a device tree gives it from its own device once a swap device
/// is found (`machine::boot_entropy`: the Baochip-1x's TRNG,
/// health-tested and conditioned).
fn boot_entropy(hw: &mut Hw, device_tree: usize) -> Option<[u8; crate::swap::seal::KEY_BYTES]> {
    match board::RAM_SIZE {
        RamSize::DeviceTree if device_tree >= RAM_BASE && device_tree % 8 == 0 => {
            fdt::rng_seed(|at: usize, out: &mut [u8]| read_phys(hw, device_tree, at, out))
        }
        _ => None,
    }
}

/// Whether the device tree's ISA string names extension `ext` (QEMU's CPU
/// says there what `-cpu` gave it).
fn cpu_has(hw: &mut Hw, device_tree: usize, ext: &[u8]) -> bool {
    match board::RAM_SIZE {
        RamSize::DeviceTree if device_tree >= RAM_BASE && device_tree % 8 == 0 => {
            fdt::isa_has(|at: usize, out: &mut [u8]| read_phys(hw, device_tree, at, out), ext)
        }
        _ => false,
    }
}

/// Reads `out.len()` bytes at physical `base + at`, page by page.
fn read_phys(hw: &mut Hw, base: usize, at: usize, out: &mut [u8]) -> bool {
    let mut done = 0;
    while done < out.len() {
        let Some(pa) = base.checked_add(at + done) else { return false };
        let n = (PAGE_SIZE - pa % PAGE_SIZE).min(out.len() - done);
        hw.read(pa & !(PAGE_SIZE - 1), pa % PAGE_SIZE, &mut out[done..done + n]);
        done += n;
    }
    true
}

/// The boot image, checked, and where it is stored: in RAM at RAM_BASE
/// (QEMU's `-kernel` loaded it there), or at `stored_at` in the board's
/// read-only memory, mapped as `rom` (QEMU's reset code or boot1 started it
/// there, and `_start` copied only its head to RAM).
fn boot_image_at<'a>(hw: &Hw, stored_at: usize, rom: Option<&'a BootRom>) -> (boot_image::Image<'a>, Stored) {
    let (bytes, stored) = match rom.map(BootRom::bytes) {
        _ if stored_at == RAM_BASE => {
            // SAFETY: the direct map covers these bytes; the boot image was
            // loaded at RAM_BASE; nothing writes them while they are read.
            (unsafe { core::slice::from_raw_parts(DIRECT_MAP as *const u8, hw.direct()) }, Stored::Ram(RAM_BASE))
        }
        Some((base, bytes)) if (base..base + bytes.len()).contains(&stored_at) && stored_at % PAGE_SIZE == 0 => {
            (&bytes[stored_at - base..], Stored::Rom(stored_at))
        }
        _ => crash(format_args!("kernel: started at {stored_at:#x}: not RAM, nor a page of the board's read-only memory")),
    };
    match boot_image::parse(bytes) {
        Ok(image) => (image, stored),
        Err(e) => crash(format_args!("kernel: the boot image is invalid: {e}")),
    }
}

/// The kernel state. Built at compile time (an empty kernel is all zeros,
/// so it sits in .bss and costs neither image bytes nor boot stack), then
/// filled in by `kmain`, then used by every trap.
static mut KERNEL_STATE: Kernel<Hw> = Kernel::new(Hw::new(), Frames::empty(), [0; ENTRIES]);

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

extern "C" fn kmain(device_tree: usize, stored_at: usize) -> ! {
    // SAFETY: boot runs alone; this is the only reference to the state.
    let k = unsafe { kernel() };
    k.kernel_root = map_kernel(MEGAPAGE);
    k.hw.set_direct(MEGAPAGE);
    // The header's flags, before anything is printed (how the console is
    // read depends on them): the head of the image is in RAM at RAM_BASE,
    // or, executing in place, where the image is stored.
    let header = if board::KERNEL_IN_PLACE { KERNEL_TEXT_WINDOW + stored_at.wrapping_sub(KERNEL_TEXT_MEGAPAGE) } else { DIRECT_MAP };
    // SAFETY: the header page is mapped there (the kernel's code follows it).
    let flags = unsafe { core::ptr::read_volatile((header + boot_image::layout::header::FLAGS) as *const u32) };
    super::machine::image_flags(flags);
    let ram = ram_size(&mut k.hw, device_tree);
    // Read now: the tree is in RAM that becomes free frames.
    let mut swap_key = boot_entropy(&mut k.hw, device_tree);
    k.hw.aes32 = super::machine::HAS_AES32 || cpu_has(&mut k.hw, device_tree, b"zkne");
    k.hw.set_direct(ram.min(DIRECT_MAP_MAX));
    k.kernel_root = map_kernel(k.hw.direct());
    let rom = BootRom::map(kernel_root_table());
    let (image, stored) = boot_image_at(&k.hw, stored_at, rom.as_ref());
    // SAFETY: taking the address of a linker symbol.
    let kernel_end = hw::virt_to_phys(unsafe { address_of(&__kernel_end) });
    // What of the image is in RAM: all of it, or (stored in ROM) its head,
    // or (the kernel executing in place) nothing; the kernel's memory
    // reaches `kernel_end` in any case.
    let in_ram = match stored {
        Stored::Ram(_) => image.header().image_len as usize,
        Stored::Rom(_) if board::KERNEL_IN_PLACE => 0,
        Stored::Rom(_) => boot_image::layout::KERNEL_OFFSET + image.header().kernel_memory_size as usize,
    };
    let image_end = (RAM_BASE + page_round_up(in_ram)).max(page_round_up(kernel_end));
    // The frame record: one word per frame of RAM, right after what of
    // the image is in RAM.
    let frames = ram / PAGE_SIZE;
    let record_end = image_end + page_round_up(frames * 4);
    if record_end - RAM_BASE > k.hw.direct() {
        crash(format_args!("kernel: the boot image ({} KiB) leaves no room in the first {} KiB of RAM", (image_end - RAM_BASE) / 1024, k.hw.direct() / 1024));
    }
    // SAFETY: these frames are in the direct map, belong to the kernel from
    // here on (below `record_end`), and nothing else refers to them.
    let record = unsafe { core::slice::from_raw_parts_mut(hw::direct(image_end) as *mut u32, frames) };
    k.frames = Frames::new(RAM_BASE, k.hw.direct() / PAGE_SIZE, (record_end - RAM_BASE) / PAGE_SIZE, record);
    hw::console_input_start();
    // Which processes boot leaves to be asked for (loader/on_demand.rs).
    let deferred = image.processes().filter(|p| crate::loader::on_demand::Pending::defers(stored, p.is_on_demand())).count();
    let (all, free_kib) = (image.processes().len(), k.frames.free_count() * PAGE_SIZE / 1024);
    match deferred {
        0 => k.report(format_args!("kernel: booting {all} processes; {} KiB RAM, {free_kib} KiB free", ram / 1024)),
        _ => k.report(format_args!("kernel: booting {} processes, {deferred} more on demand; {} KiB RAM, {free_kib} KiB free", all - deferred, ram / 1024)),
    }
    k.hw.find_swap_disk();
    if k.hw.swap_slots() > 0 {
        if swap_key.is_none() {
            swap_key = super::machine::boot_entropy();
        }
        match swap_key.as_ref().map(|key| k.start_swap(key)) {
            Some(Ok(())) => k.report(format_args!("kernel: swap on, {} pages, sealed with a key new this boot and {}", k.swap.slots.total(), k.swap.sealed_with())),
            Some(Err(e)) => k.report(format_args!("kernel: swap disk of {} pages not used: {e:?}", k.hw.swap_slots())),
            None => k.report(format_args!("kernel: swap disk of {} pages not used: no entropy at boot for its key", k.hw.swap_slots())),
        }
    }
    if let Some(key) = swap_key.as_mut() {
        key.fill(0);
        core::hint::black_box(key);
    }
    let store = image.header().store_pages as usize;
    if store > k.hw.store_pages() {
        k.report(format_args!("kernel: the image keeps {store} pages of programs in a program store, and this board has {} (the baosec board's flash has 2048)", k.hw.store_pages()));
    }
    if let Err((index, e)) = loader::load_all(k, &image, stored) {
        let name = image.processes().nth(index).map_or("?", |p| p.name);
        crash(format_args!("kernel: cannot start process {index} ({name}): {e:?}"));
    }
    if k.swap.store.pages() > 0 {
        k.report(format_args!("kernel: program store on, {store} pages in the board's flash, each checked against its digest in the image when read"));
    }
    // The image is read no more (its pages in processes are theirs now).
    if let Some(rom) = rom {
        rom.unmap(kernel_root_table());
    }
    // An image in RAM: the processes own their segments' image pages now;
    // the rest of the image (directory, parameter blocks) is free. A page
    // given to a process is no longer the kernel's, so `free` leaves it
    // alone. (An image stored in ROM left nothing in RAM past the kernel.)
    for frame in (kernel_end..image_end).step_by(PAGE_SIZE) {
        let _ = k.frames.free(frame, crate::mem::frames::KERNEL);
    }
    // The boot table is used no more (map_kernel left it): its frame too.
    // SAFETY: taking the address of a symbol of the assembly above.
    let _ = k.frames.free(hw::virt_to_phys(unsafe { address_of(&boot_root) }), crate::mem::frames::KERNEL);
    super::trap::start()
}
