//! The system-time service, at SID `timeserverpublic`: GetUtcTimeMs (3), a
//! BlockingScalar answered with Scalar2(ms low, ms high) since the Unix
//! epoch, as std's `SystemTime::now` reads it.
//!
//! The time comes from the goldfish RTC (nanoseconds since the epoch; QEMU
//! starts it at the host's clock). The kernel gives a device page to one
//! process only, and the ticktimer needs the RTC for its alarm (the only
//! timer interrupt user mode can have on this board), so the ticktimer owns
//! it and this service asks it for the time with RTC_TIME_NS on every
//! request: one extra message, and the answer is the clock itself, never a
//! copy that drifts. It keeps the public name std knows apart from the
//! ticktimer, so time zones or a settable clock can come here later.
//!
//! A board without a real-time clock (the Baochip-1x: the ticktimer's
//! "RTC" time is the time since boot there) starts at the Unix epoch,
//! unless the argument `--unix-ms-at-boot MS` sets the clock at boot: the
//! answer is then MS plus the time since boot. xous-run gives it on the
//! dabao board, as a host sets a device's clock.
//!
//! no_std: std's `SystemTime` is a client of this service. Other requests
//! are answered (BAD_REQUEST if the sender waits) and ignored. If the
//! ticktimer cannot be asked, the answer is 0 (the epoch): visibly wrong
//! rather than a client left waiting.
#![no_std]
#![no_main]

use xous_abi::message::{kind, InvokeType};
use xous_abi::services::{systime, ticktimer};
use xous_rt::{reply, return_scalar, syscall, Server, Syscall, SyscallResult};

const NS_PER_MS: u64 = 1_000_000;

/// The RTC's time from the ticktimer, in nanoseconds since the epoch.
fn rtc_time_ns(ticktimer: usize) -> Option<u64> {
    let r = syscall(Syscall::SendMessage, &[ticktimer, InvokeType::BlockingScalar as usize, ticktimer::RTC_TIME_NS, 0, 0, 0, 0]);
    (r[0] == SyscallResult::Scalar2 as usize).then(|| ((r[2] as u64) << 32) | r[1] as u64)
}

/// `--unix-ms-at-boot MS` from the process's arguments, in nanoseconds (0 if absent or malformed).
fn clock_at_boot_ns(params: usize) -> u64 {
    let Some(mut args) = xous_rt::arguments(params) else { return 0 };
    while let Some(arg) = args.next() {
        if arg == "--unix-ms-at-boot" {
            return args.next().and_then(|ms| ms.parse::<u64>().ok()).map_or(0, |ms| ms.saturating_mul(NS_PER_MS));
        }
    }
    0
}

fn main(params: usize) -> usize {
    let at_boot_ns = clock_at_boot_ns(params);
    let server = Server::create(systime::SID);
    let Ok(ticktimer) = xous_rt::connect(ticktimer::SID) else {
        xous_rt::write(xous_abi::console::Channel::Stderr, b"systime: cannot connect to the ticktimer\n");
        return 1;
    };
    loop {
        let message = server.receive();
        match (message.kind, message.id) {
            (kind::BLOCKING_SCALAR, systime::GET_UTC_TIME_MS) => {
                let ms = rtc_time_ns(ticktimer).map_or(0, |ns| ns.saturating_add(at_boot_ns)) / NS_PER_MS;
                let _ = return_scalar(message.sender, &[ms as u32 as usize, (ms >> 32) as usize]);
            }
            _ => reply(&message, 0, 0, systime::BAD_REQUEST),
        }
    }
}

xous_rt::entry!(main);
