//! Starting QEMU (or the model of the Baochip-1x) on a boot image and
//! watching it: the command line, the
//! console copied through the demultiplexer on a thread of its own (its
//! stderr through the symbolizer), our stdin sent to the guest on another
//! (`stdin.rs`), and the wait (with the `--timeout` deadline, after which
//! QEMU is killed).

use crate::console::Demux;
use crate::exit::QemuEnd;
use crate::symbols::{Symbolizing, Symbols};
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub const QEMU: &str = "qemu-system-riscv32";

/// How to run QEMU, apart from the image.
pub struct Machine<'a> {
    pub memory: &'a str,
    pub icount: bool,
    pub gdb: bool,
    /// `--hostfwd` rules, already bound to 127.0.0.1 (see `args`).
    pub hostfwd: &'a [String],
    /// `--isolated`: the user network lets no packet out (restrict=on).
    pub isolated: bool,
    /// `--disk`: the raw image behind a virtio-blk device.
    pub disk: Option<&'a Path>,
    /// `--disk-readonly`: the disk is write-protected.
    pub disk_readonly: bool,
    /// `--swap`: the file behind the kernel's swap disk.
    pub swap: Option<&'a Path>,
    pub extra: &'a [String],
}

/// QEMU's arguments: the `virt` board with no firmware, booting from the
/// flash bank in `flash` (the image at its first byte, run there: flash.rs),
/// serial on stdio, nothing else on the console.
pub fn arguments(machine: &Machine, flash: &Path) -> Vec<String> {
    let mut args: Vec<String> = ["-M", "virt", "-bios", "none", "-m", machine.memory, "-drive"].iter().map(|s| s.to_string()).collect();
    args.push(crate::flash::drive(flash));
    // Modern (virtio 1.x) register layout for every virtio-mmio device:
    // the drivers in services/virtio speak only that.
    // The CPU with the AES instructions (Zkne), as the Baochip-1x's has:
    // swap seals pages with them (kernel/src/arch/riscv/aes32.rs).
    let rest = [
        "-cpu", "rv32,zkne=true",
        "-display", "none", "-monitor", "none", "-serial", "stdio",
        "-global", "virtio-mmio.force-legacy=false", "-device", "virtio-rng-device",
    ];
    args.extend(rest.iter().map(|s| s.to_string()));
    // Every run has a network, as every Linux program has one: QEMU's user
    // network, where the guest is 10.0.2.15 and the host's loopback is
    // 10.0.2.2. Nothing reaches the guest but the forwards asked for, each
    // bound on the host's 127.0.0.1. Isolated, the guest reaches nothing
    // outside itself (the forwards still reach it).
    let restrict = if machine.isolated { "on" } else { "off" };
    let mut netdev = format!("user,id=net0,restrict={restrict}");
    for rule in machine.hostfwd {
        netdev.push_str(",hostfwd=");
        netdev.push_str(rule);
    }
    args.extend(["-netdev".to_string(), netdev, "-device".to_string(), "virtio-net-device,netdev=net0".to_string()]);
    if let Some(disk) = machine.disk {
        args.push("-drive".to_string());
        let readonly = if machine.disk_readonly { ",readonly=on" } else { "" };
        args.push(format!("file={},format=raw,if=none,id=disk0{readonly}", disk.display()));
        args.extend(["-device".to_string(), "virtio-blk-device,drive=disk0".to_string()]);
    }
    // The kernel tells its swap disk from the filesystem's by the serial.
    if let Some(swap) = machine.swap {
        args.push("-drive".to_string());
        args.push(format!("if=none,id=swap0,format=raw,file={}", swap.display()));
        args.push("-device".to_string());
        args.push(format!("virtio-blk-device,drive=swap0,serial={}", board::qemu_virt::SWAP_DISK_SERIAL));
    }
    if machine.icount {
        // The RTC follows guest time too, or sleeps (timed by the RTC's
        // alarm) would last host seconds while guest time races ahead.
        args.extend(["-icount", "shift=0,sleep=off", "-rtc", "clock=vm"].map(String::from));
    }
    if machine.gdb {
        args.extend(["-s".to_string(), "-S".to_string()]);
    }
    args.extend(machine.extra.iter().cloned());
    args
}

/// Why QEMU did not run.
pub struct StartError(pub String);

/// The model of the Baochip-1x: its arguments to boot `uf2` on `board` (a
/// board of the chip) as the chip's boot1 would, with no limit on instructions a run may take, and the
/// chip's RRAM kept in the file `rram` if one is named.
pub fn emulator_arguments(board: crate::args::Board, uf2: &Path, rram: Option<&Path>, flash: Option<&Path>) -> Vec<String> {
    let mut args = vec!["--board".to_string(), board.name().to_string(), "--limit".to_string(), "1000000000000000".to_string()];
    if let Some(file) = rram {
        args.extend(["--rram".to_string(), file.display().to_string()]);
    }
    if let Some(file) = flash {
        args.extend(["--flash".to_string(), file.display().to_string()]);
    }
    args.push(uf2.display().to_string());
    args
}

/// Runs `machine` (QEMU, or the model of the chip: `program` names it)
/// with `args`, streams its console to our stdout and stderr, and waits
/// for it (at most `timeout`). Returns how it ended and the first line of
/// any crash report.
pub fn run(program: &Path, args: &[String], timeout: Option<Duration>, symbols: Symbols) -> Result<(QemuEnd, Option<String>), StartError> {
    let name = program.display();
    let hint = match program == Path::new(QEMU) {
        true => " (Debian: apt-get install qemu-system-misc)",
        false => " (`./x setup` installs it beside xous-run)",
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| StartError(format!("cannot start {name}: {e}{hint}")))?;
    let console = child.stdout.take().expect("stdout is piped");
    let to_guest = child.stdin.take().expect("stdin is piped");
    let (ready, input_ready) = mpsc::channel();
    // Not joined: it may wait on our stdin for ever (a pipe nobody closes);
    // the run ends with QEMU all the same.
    thread::spawn(move || crate::stdin::forward(io::stdin(), to_guest, input_ready));
    let reader = thread::spawn(move || {
        let mut demux = Demux::new(io::stdout().lock(), Symbolizing::new(io::stderr(), symbols));
        demux.when_input_ready(ready);
        // A read error ends the copy; QEMU's status still says how it ended.
        let _ = demux.pump(console);
        demux.crash()
    });
    let end = wait(&mut child, timeout).map_err(|e| StartError(format!("lost track of {name}: {e}")))?;
    let crash = reader.join().unwrap_or(None);
    Ok((end, crash))
}

fn wait(child: &mut Child, timeout: Option<Duration>) -> io::Result<QemuEnd> {
    let Some(limit) = timeout else {
        return child.wait().map(end_of);
    };
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(end_of(status));
        }
        if Instant::now() >= deadline {
            // It may have exited just now; either way it is gone after this.
            let _ = child.kill();
            child.wait()?;
            return Ok(QemuEnd::TimedOut(limit));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn end_of(status: ExitStatus) -> QemuEnd {
    match (status.code(), status.signal()) {
        (Some(code), _) => QemuEnd::Exited(code),
        (None, Some(signal)) => QemuEnd::Signalled(signal),
        (None, None) => QemuEnd::Exited(255),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_models_command_line() {
        use crate::args::Board;
        assert_eq!(emulator_arguments(Board::Dabao, Path::new("a.uf2"), None, None).join(" "), "--board dabao --limit 1000000000000000 a.uf2");
        assert_eq!(emulator_arguments(Board::Dabao, Path::new("a.uf2"), Some(Path::new("r.bin")), None).join(" "), "--board dabao --limit 1000000000000000 --rram r.bin a.uf2");
        assert_eq!(emulator_arguments(Board::Baosec, Path::new("a.uf2"), None, None).join(" "), "--board baosec --limit 1000000000000000 a.uf2");
        assert_eq!(emulator_arguments(Board::Baosec, Path::new("a.uf2"), None, Some(Path::new("f.bin"))).join(" "), "--board baosec --limit 1000000000000000 --flash f.bin a.uf2");
    }

    #[test]
    fn the_command_line() {
        let machine = Machine { memory: "32M", icount: false, gdb: false, hostfwd: &[], isolated: false, disk: None, disk_readonly: false, swap: None, extra: &[] };
        let args = arguments(&machine, Path::new("/tmp/i.img")).join(" ");
        assert_eq!(
            args,
            "-M virt -bios none -m 32M -drive if=pflash,unit=0,format=raw,readonly=on,file=/tmp/i.img -cpu rv32,zkne=true -display none -monitor none -serial stdio -global virtio-mmio.force-legacy=false -device virtio-rng-device \
             -netdev user,id=net0,restrict=off -device virtio-net-device,netdev=net0"
        );
        let extra = ["-d".to_string(), "int".to_string()];
        let forwards = ["tcp:127.0.0.1:5555-:7".to_string(), "udp:127.0.0.1:6000-:6001".to_string()];
        let machine = Machine {
            memory: "64M",
            icount: true,
            gdb: true,
            hostfwd: &forwards,
            isolated: true,
            disk: Some(Path::new("d.img")),
            disk_readonly: false,
            swap: Some(Path::new("/tmp/s.img")),
            extra: &extra,
        };
        let args = arguments(&machine, Path::new("i")).join(" ");
        assert!(args.contains("-m 64M"));
        assert!(args.contains("-netdev user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:5555-:7,hostfwd=udp:127.0.0.1:6000-:6001 "), "{args}");
        assert!(args.contains(" -drive file=d.img,format=raw,if=none,id=disk0 -device virtio-blk-device,drive=disk0 "), "{args}");
        assert!(args.contains(" -drive if=none,id=swap0,format=raw,file=/tmp/s.img -device virtio-blk-device,drive=swap0,serial=xous-swap "), "{args}");
        assert!(args.ends_with("-icount shift=0,sleep=off -rtc clock=vm -s -S -d int"), "{args}");
    }
}
