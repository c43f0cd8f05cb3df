//! The kernel's view of the machine: physical memory through the direct
//! map, the UART console, the power-off device. Implements the traits the
//! portable kernel is written against.
//!
//! Virtual layout of the kernel half (the same in every address space, and
//! only accessible in S-mode):
//! - 0xff00_0000: device pages (UART, test device), one second-level table
//! - 0xff40_0000..: the direct map of the managed RAM (12 MiB in three
//!   megapages); the kernel runs in its first 4 MiB, where the boot image
//!   put it. User space ends at 0xff00_0000, so all of it is out of reach.

use crate::kernel::Platform;
use crate::mem::pte::ENTRIES;
use crate::mem::space::PhysMem;
use crate::mem::PAGE_SIZE;
use xous_abi::console::{self, Channel};

/// Where the device pages appear.
pub const DEVICE_WINDOW: usize = 0xff00_0000;
pub const UART_VIRT: usize = DEVICE_WINDOW;
pub const TEST_DEVICE_VIRT: usize = DEVICE_WINDOW + PAGE_SIZE;
pub const PLIC_PRIORITY_VIRT: usize = DEVICE_WINDOW + 2 * PAGE_SIZE;
pub const PLIC_ENABLE_VIRT: usize = DEVICE_WINDOW + 3 * PAGE_SIZE;
pub const PLIC_CONTEXT_VIRT: usize = DEVICE_WINDOW + 4 * PAGE_SIZE;
/// The device pages, in window order.
pub const DEVICE_PAGES: [usize; 5] =
    [board::UART, board::TEST_DEVICE, board::PLIC_PRIORITY_PAGE, board::PLIC_ENABLE_PAGE, board::PLIC_CONTEXT_PAGE];

/// Where the direct map of RAM starts.
pub const DIRECT_MAP: usize = 0xff40_0000;
const _: () = assert!(board::RAM_MANAGED - 1 <= usize::MAX - DIRECT_MAP);

/// The kernel-virtual address of physical `pa` (managed RAM only).
pub fn phys_to_virt(pa: usize) -> usize {
    let offset = pa.checked_sub(board::RAM_BASE).expect("address in RAM");
    assert!(offset < board::RAM_MANAGED, "address in managed RAM");
    DIRECT_MAP + offset
}

/// The physical address of a kernel-virtual address in the direct map.
pub fn virt_to_phys(va: usize) -> usize {
    va - DIRECT_MAP + board::RAM_BASE
}

/// The kernel's handle on the machine; the state it needs is the
/// generator behind `entropy`.
pub struct Hw {
    pub seed: u32,
}

impl PhysMem for Hw {
    fn table(&mut self, pa: usize) -> &mut [u32; ENTRIES] {
        assert_eq!(pa % PAGE_SIZE, 0);
        // SAFETY: every managed frame is mapped read-write at phys_to_virt(pa);
        // the kernel is single-threaded and holds no other reference to a
        // frame while it works on it through this one.
        unsafe { &mut *(phys_to_virt(pa) as *mut [u32; ENTRIES]) }
    }

    fn write(&mut self, pa: usize, offset: usize, bytes: &[u8]) {
        assert!(offset + bytes.len() <= PAGE_SIZE);
        // SAFETY: as in `table`; the range stays inside the one frame.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), (phys_to_virt(pa) + offset) as *mut u8, bytes.len()) };
    }

    fn read(&mut self, pa: usize, offset: usize, out: &mut [u8]) {
        assert!(offset + out.len() <= PAGE_SIZE);
        // SAFETY: as in `table`; the range stays inside the one frame.
        unsafe { core::ptr::copy_nonoverlapping((phys_to_virt(pa) + offset) as *const u8, out.as_mut_ptr(), out.len()) };
    }
}

impl Platform for Hw {
    fn console(&mut self, channel: Channel, bytes: &[u8]) {
        for chunk in bytes.chunks(console::MAX_PAYLOAD) {
            for b in console::header(channel, chunk.len()).iter().chain(chunk) {
                uart_put(*b);
            }
        }
    }

    fn flush_tlb(&mut self, asid: u8, va: Option<usize>) {
        super::csr::flush_tlb(asid, va);
    }

    fn irq_exists(&self, irq: usize) -> bool {
        (1..board::IRQ_COUNT).contains(&irq)
    }

    fn enable_irq(&mut self, irq: usize, on: bool) {
        let enable = (PLIC_ENABLE_VIRT + board::PLIC_ENABLE_OFFSET + (irq / 32) * 4) as *mut u32;
        let priority = (PLIC_PRIORITY_VIRT + irq * 4) as *mut u32;
        // SAFETY: the PLIC's pages are mapped in the device window; `irq` is
        // below IRQ_COUNT, so both registers are inside them.
        unsafe {
            core::ptr::write_volatile(priority, on as u32);
            let bits = core::ptr::read_volatile(enable);
            let bit = 1 << (irq % 32);
            core::ptr::write_volatile(enable, if on { bits | bit } else { bits & !bit });
        }
    }

    fn complete_irq(&mut self, irq: usize) {
        // SAFETY: the claim/complete register of context 1, in the device window.
        unsafe { core::ptr::write_volatile((PLIC_CONTEXT_VIRT + 4) as *mut u32, irq as u32) };
    }

    fn is_user_device(&self, pa: usize) -> bool {
        board::is_user_device(pa)
    }

    /// The time counter stirred into a xorshift generator. Unpredictable
    /// enough to keep server IDs from colliding; not for secrets (the TRNG
    /// service is).
    fn entropy(&mut self) -> u32 {
        let mut x = self.seed ^ super::csr::time() as u32 ^ 0x9e37_79b9;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.seed = x;
        x
    }
}

/// The highest-priority pending interrupt, claimed at the PLIC.
pub fn claim_irq() -> Option<usize> {
    // SAFETY: reading the claim register of context 1 claims one interrupt.
    let irq = unsafe { core::ptr::read_volatile((PLIC_CONTEXT_VIRT + 4) as *const u32) };
    (irq != 0).then_some(irq as usize)
}

fn uart_put(byte: u8) {
    let uart = UART_VIRT as *mut u8;
    // SAFETY: the UART's registers are mapped at UART_VIRT (device window);
    // volatile accesses, one byte each, as the 16550 expects.
    unsafe {
        while core::ptr::read_volatile(uart.add(5)) & 0x20 == 0 {}
        core::ptr::write_volatile(uart, byte);
    }
}

/// Ends the machine with `code` (QEMU exits with it).
pub fn power_off(code: u32) -> ! {
    // SAFETY: the test device is mapped at TEST_DEVICE_VIRT; this write ends the machine.
    unsafe { core::ptr::write_volatile(TEST_DEVICE_VIRT as *mut u32, board::power_off_word(code)) };
    loop {
        super::csr::wait_for_interrupt();
    }
}
