//! When the kernel itself fails: one message on the crash channel, then the
//! machine stops with a distinct exit code, so the runner can tell a kernel
//! crash from a program's own exit.

use super::hw::Hw;
use super::machine::power_off;
use crate::kernel::Platform;
use xous_abi::console::Channel;

/// The exit code of a kernel crash.
pub const CRASH_EXIT_CODE: u32 = 0xfe;

pub fn crash(args: core::fmt::Arguments) -> ! {
    let mut line = crate::console::Line::new();
    let _ = core::fmt::write(&mut line, args);
    line.push_newline();
    Hw::new().console(Channel::Crash, line.as_bytes());
    power_off(CRASH_EXIT_CODE)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    crash(format_args!("kernel panic: {info}"))
}
