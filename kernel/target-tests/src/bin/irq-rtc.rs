//! Interrupts and device memory from user mode: maps QEMU virt's goldfish
//! RTC, claims its interrupt (11) and has the alarm fire twice; the handler
//! runs in this process and returns to the kernel. Also the error paths of
//! ClaimInterrupt, FreeInterrupt and device MapMemory. Exits 0 when every
//! check holds.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel_target_tests::{check, entry, error_of, println, syscall, Error, Syscall, SyscallResult};
use xous_abi::memory::flags;

use board::rtc::{ALARM_HIGH, ALARM_LOW, CLEAR_INTERRUPT, IRQ_ENABLED, TIME_HIGH, TIME_LOW};
use board::{RTC, RTC_IRQ};

static FIRED: AtomicUsize = AtomicUsize::new(0);
static SEEN_IRQ: AtomicUsize = AtomicUsize::new(0);

fn reg(base: usize, offset: usize) -> *mut u32 {
    (base + offset) as *mut u32
}

extern "C" fn handler(irq: usize, rtc: usize) {
    SEEN_IRQ.store(irq, Ordering::SeqCst);
    // SAFETY: `rtc` is where main mapped the RTC's registers.
    unsafe { reg(rtc, CLEAR_INTERRUPT).write_volatile(1) };
    FIRED.fetch_add(1, Ordering::SeqCst);
}

fn now_ns(rtc: usize) -> u64 {
    // SAFETY: the RTC's registers, mapped by main; reading TIME_LOW latches TIME_HIGH.
    unsafe {
        let low = reg(rtc, TIME_LOW).read_volatile() as u64;
        let high = reg(rtc, TIME_HIGH).read_volatile() as u64;
        (high << 32) | low
    }
}

fn alarm_in(rtc: usize, ns: u64) {
    let when = now_ns(rtc) + ns;
    // SAFETY: as in now_ns; writing ALARM_LOW arms the alarm.
    unsafe {
        reg(rtc, ALARM_HIGH).write_volatile((when >> 32) as u32);
        reg(rtc, ALARM_LOW).write_volatile(when as u32);
    }
}

fn wait_for(count: usize) {
    for _ in 0..1_000_000 {
        if FIRED.load(Ordering::SeqCst) >= count {
            return;
        }
        syscall(Syscall::Yield, &[]);
    }
    check!(false, "the alarm interrupt never arrived (fired {} times)", FIRED.load(Ordering::SeqCst));
}

fn main(_params: usize) -> usize {
    let rw = flags::R | flags::W;
    check!(error_of(syscall(Syscall::MapMemory, &[0x8000_0000, 0, 4096, rw])) == Some(Error::AccessDenied), "mapping RAM");
    check!(error_of(syscall(Syscall::MapMemory, &[0x1000_0000, 0, 4096, rw])) == Some(Error::AccessDenied), "mapping the UART");
    let r = syscall(Syscall::MapMemory, &[RTC, 0, 4096, rw]);
    check!(r[0] == SyscallResult::MemoryRange as usize, "mapping the RTC: {:?}", r);
    let rtc = r[1];
    check!(error_of(syscall(Syscall::MapMemory, &[RTC, 0, 4096, rw])) == Some(Error::MemoryInUse), "mapping it twice");

    let entry = handler as *const () as usize;
    check!(error_of(syscall(Syscall::ClaimInterrupt, &[0, entry, rtc])) == Some(Error::InterruptNotFound), "irq 0");
    check!(error_of(syscall(Syscall::ClaimInterrupt, &[4000, entry, rtc])) == Some(Error::InterruptNotFound), "irq 4000");
    check!(syscall(Syscall::ClaimInterrupt, &[RTC_IRQ, entry, rtc])[0] == 0, "claiming the RTC interrupt");
    check!(error_of(syscall(Syscall::ClaimInterrupt, &[RTC_IRQ, entry, rtc])) == Some(Error::InterruptInUse), "claiming it twice");

    // SAFETY: the RTC's registers, mapped above.
    unsafe { reg(rtc, IRQ_ENABLED).write_volatile(1) };
    alarm_in(rtc, 2_000_000);
    wait_for(1);
    alarm_in(rtc, 1_000_000);
    wait_for(2);
    check!(SEEN_IRQ.load(Ordering::SeqCst) == RTC_IRQ, "the handler got irq {}", SEEN_IRQ.load(Ordering::SeqCst));

    check!(syscall(Syscall::FreeInterrupt, &[RTC_IRQ])[0] == 0, "FreeInterrupt");
    check!(error_of(syscall(Syscall::FreeInterrupt, &[RTC_IRQ])) == Some(Error::InterruptNotFound), "freeing twice");
    println!("irq: the RTC alarm interrupted twice; all checks passed");
    0
}

entry!(main);
