//! How a run ends, as an exit code and what to tell the user.
//!
//! The kernel ends QEMU through the `virt` machine's SiFive test device
//! (0x10_0000): when the MAIN program exits with 0 it writes 0x5555 and QEMU
//! exits 0; with code c it writes (c << 16) | 0x3333 and QEMU exits c. On
//! the dabao board the kernel writes c to the model's exit device and
//! bao1x-emu exits with it. So the runner exits with the machine's status, except when the run went wrong in a way
//! the program's code cannot tell: the codes below, chosen as `timeout(1)`
//! and shells use them.

use std::time::Duration;

/// `--timeout` expired; QEMU was killed.
pub const TIMED_OUT: u8 = 124;
/// A Crash frame was seen: the kernel or a service crashed.
pub const CRASHED: u8 = 125;
/// The run could not be prepared (arguments, bundle, ELF files, image).
pub const NOT_PREPARED: u8 = 126;
/// QEMU could not be started.
pub const QEMU_NOT_STARTED: u8 = 127;

/// How QEMU ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QemuEnd {
    Exited(i32),
    Signalled(i32),
    /// Killed by the runner when `--timeout` expired.
    TimedOut(Duration),
}

/// The runner's exit code for a run that ended so, and the lines to print
/// on stderr first.
pub fn outcome(end: QemuEnd, crash: Option<&str>, machine: &str) -> (u8, Vec<String>) {
    let mut messages = Vec::new();
    let mut code = match end {
        QemuEnd::Exited(status) => status.clamp(0, 255) as u8,
        QemuEnd::Signalled(signal) => {
            messages.push(format!("xous-run: {machine} was killed by signal {signal}"));
            (128 + signal).clamp(0, 255) as u8
        }
        QemuEnd::TimedOut(limit) => {
            let seconds = limit.as_secs_f64();
            messages.push(format!("xous-run: timed out after {seconds} s (--timeout {seconds}); {machine} was killed"));
            TIMED_OUT
        }
    };
    if let Some(line) = crash {
        let what = if line.is_empty() { "see its output above" } else { line };
        messages.push(format!("xous-run: the kernel or a service crashed: {what}"));
        code = CRASHED;
    }
    (code, messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_status_is_the_programs_exit_code() {
        assert_eq!(outcome(QemuEnd::Exited(0), None, "QEMU"), (0, vec![]));
        assert_eq!(outcome(QemuEnd::Exited(3), None, "QEMU"), (3, vec![]));
        assert_eq!(outcome(QemuEnd::Exited(255), None, "QEMU"), (255, vec![]));
    }

    #[test]
    fn what_the_program_cannot_say_has_codes_of_its_own() {
        let (code, messages) = outcome(QemuEnd::TimedOut(Duration::from_secs(10)), None, "QEMU");
        assert_eq!(code, TIMED_OUT);
        assert_eq!(messages, ["xous-run: timed out after 10 s (--timeout 10); QEMU was killed"]);
        let (code, messages) = outcome(QemuEnd::Exited(0), Some("kernel panic: out of memory"), "QEMU");
        assert_eq!(code, CRASHED, "a crash wins over QEMU's status");
        assert_eq!(messages, ["xous-run: the kernel or a service crashed: kernel panic: out of memory"]);
        let (code, messages) = outcome(QemuEnd::TimedOut(Duration::from_millis(1500)), Some(""), "QEMU");
        assert_eq!(code, CRASHED, "and over a timeout, which it explains");
        assert_eq!(messages[0], "xous-run: timed out after 1.5 s (--timeout 1.5); QEMU was killed");
        assert_eq!(messages[1], "xous-run: the kernel or a service crashed: see its output above");
        let (code, messages) = outcome(QemuEnd::Signalled(9), None, "bao1x-emu");
        assert_eq!((code, messages[0].as_str()), (137, "xous-run: bao1x-emu was killed by signal 9"));
    }
}
