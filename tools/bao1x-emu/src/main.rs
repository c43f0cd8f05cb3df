//! The `bao1x-emu` command: runs an ELF (loaded where it is linked, entered
//! in M mode) or boots a UF2 file as the chip's boot1 would, with the DUART
//! on stdout, until the guest writes the model's exit device.

use bao1x_emu::{Machine, Outcome};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
usage: bao1x-emu [--board dabao|baosec] [--limit N] [--stats] [--step] [--rram FILE] [--flash FILE] PROGRAM.elf|IMAGE.uf2

  runs PROGRAM on the model of the Baochip-1x: an ELF is loaded where it is
  linked and entered in M mode; a .uf2 file is checked as boot1 checks it and
  entered with boot1's hand-off state (its blocks for the external flash, at
  0x7000_0000 on, go to the NOR flash on baosec). The DUART and UART2 print on stdout;
  stdin feeds UART2's receive. The run ends when the guest writes the
  model-only exit device (0x4008_1000): its value is the exit status (low 8
  bits).
  --board B   dabao (default): the chip alone; baosec: the chip and, on
              the UDMA SPI master channel 1 (0x5010_6000), the board's
              8 MiB SPI NOR flash (chip select 0) and 8 MiB SPI PSRAM
              (chip select 1)
  --limit N   stop after N instructions (default 10,000,000,000): status 124
  --stats     print instructions, time, rate and RRAM rows written on stderr
  --trace-traps print every trap (cause, pc, tval, mode) on stderr
  --step      step one instruction at a time instead of running decoded
              blocks: the same results, slower (the reference the fast
              path is held to)
  --rram FILE keep RRAM in FILE (created if missing): loaded first, then the
              program or image over it; rows the guest writes through the
              RRAM controller are written through to FILE
  --flash FILE on baosec, the NOR flash's contents (at most 8 MiB) from
              address 0; the rest, or all of it without FILE, reads 0xFF
              (erased). Read only: the model never writes FILE

  Model-only test hooks (no such thing on silicon), on baosec, one at a
  time, done once, when the guest's UART2 output comes to hold TEXT (before
  that text is printed): BAO1X_EMU_PSRAM_FLIP_ON=TEXT flips one bit in each
  4 KiB block of PSRAM written so far (the tamper test of encrypted swap);
  BAO1X_EMU_PSRAM_DUMP_ON=TEXT with BAO1X_EMU_PSRAM_DUMP_TO=FILE writes the
  whole PSRAM to FILE (the test that it holds no plaintext);
  BAO1X_EMU_NOR_FLIP_ON=TEXT (with --flash FILE) flips one bit in each
  4 KiB page of the NOR flash that FILE supplied, in the model's copy only,
  never in FILE (the tamper test of the program store).
";

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
        Err(why) => {
            eprintln!("bao1x-emu: {why}");
            ExitCode::from(126)
        }
    }
}

/// The host's stdin, byte by byte, from a thread that reads it.
fn stdin_bytes() -> std::sync::mpsc::Receiver<u8> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        for byte in std::io::stdin().lock().bytes() {
            match byte {
                Ok(b) if sender.send(b).is_ok() => {}
                _ => break,
            }
        }
    });
    receiver
}

/// The test hook the environment asks for, if any (one at a time). `flash`:
/// whether `--flash` gave the NOR flash a file (the NOR hook needs one).
fn test_hook(flash: bool) -> Result<Option<bao1x_emu::bus::TestHook>, String> {
    use bao1x_emu::bus::{HookAction, TestHook};
    let var = |name: &str| std::env::var(name).ok().filter(|t| !t.is_empty());
    let names = ["BAO1X_EMU_PSRAM_FLIP_ON", "BAO1X_EMU_PSRAM_DUMP_ON", "BAO1X_EMU_NOR_FLIP_ON"];
    let asked: Vec<&str> = names.into_iter().filter(|name| var(name).is_some()).collect();
    if asked.len() > 1 {
        return Err(format!("{}: one hook at a time", asked.join(" and ")));
    }
    let hook = |on: String, action| Some(TestHook { on: on.into_bytes(), action });
    Ok(match (var(names[0]), var(names[1]), var("BAO1X_EMU_PSRAM_DUMP_TO"), var(names[2])) {
        (Some(on), _, _, _) => hook(on, HookAction::FlipPsram),
        (_, Some(on), Some(to), _) => hook(on, HookAction::DumpPsram(to.into())),
        (_, Some(_), None, _) => return Err("BAO1X_EMU_PSRAM_DUMP_ON needs BAO1X_EMU_PSRAM_DUMP_TO=FILE".into()),
        (_, _, _, Some(_)) if !flash => return Err("BAO1X_EMU_NOR_FLIP_ON needs --flash FILE: the hook flips bits in what the file supplied".into()),
        (_, _, _, Some(on)) => hook(on, HookAction::FlipNor),
        (None, None, _, None) => None,
    })
}

fn run() -> Result<u8, String> {
    let (mut limit, mut stats, mut path, mut rram, mut trace, mut step) = (10_000_000_000u64, false, None, None, false, false);
    let (mut baosec, mut flash) = (false, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--limit" => {
                let text = args.next().ok_or("--limit needs a number")?;
                limit = text.replace('_', "").parse().map_err(|_| format!("--limit takes a number, not `{text}`"))?;
            }
            "--stats" => stats = true,
            "--board" => match args.next().as_deref() {
                Some("dabao") => baosec = false,
                Some("baosec") => baosec = true,
                other => return Err(format!("--board takes dabao or baosec, not {other:?}")),
            },
            "--trace-traps" => trace = true,
            "--step" => step = true,
            "--rram" => rram = Some(std::path::PathBuf::from(args.next().ok_or("--rram needs a file")?)),
            "--flash" => flash = Some(std::path::PathBuf::from(args.next().ok_or("--flash needs a file")?)),
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(0);
            }
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
            other if path.is_none() => path = Some(other.to_string()),
            other => return Err(format!("unexpected argument `{other}`\n\n{USAGE}")),
        }
    }
    let path = path.ok_or(USAGE)?;
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut machine = Machine::default();
    machine.cpu.bus.duart.echo = true;
    machine.cpu.bus.uart2.echo = true;
    machine.cpu.trace_traps = trace;
    if baosec {
        let mut spim = bao1x_emu::devices::spim::Spim::default();
        if let Some(file) = &flash {
            spim.nor = bao1x_emu::devices::nor::Nor::from_file(file)?;
        }
        machine.cpu.bus.spim1 = Some(spim);
        machine.cpu.bus.test_hook = test_hook(flash.is_some())?;
    } else if flash.is_some() {
        return Err("--flash: the dabao board has no NOR flash (--board baosec)".into());
    }
    if let Some(file) = &rram {
        machine.attach_rram_file(file)?;
    }
    if path.ends_with(".uf2") {
        machine.boot_uf2(&bytes)
    } else {
        machine.load_elf(&bytes)
    }
    .map_err(|why| format!("{path}: {why}"))?;
    let input = stdin_bytes();
    let start = Instant::now();
    let mut left = limit;
    let outcome = loop {
        // The host's stdin reaches UART2's receive between slices of the run.
        machine.cpu.bus.uart2.input.extend(input.try_iter());
        let slice = left.min(1_000_000);
        let ran = if step { machine.run_stepping(slice) } else { machine.run(slice) };
        match ran {
            Outcome::Limit if left > slice => left -= slice,
            outcome => break outcome,
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    if stats {
        let n = machine.cpu.instret;
        eprintln!("bao1x-emu: {n} instructions in {seconds:.3} s: {:.1} million a second", n as f64 / seconds / 1e6);
        eprintln!("bao1x-emu: {} rows of RRAM written", machine.cpu.bus.rram_controller.rows_written);
    }
    Ok(match outcome {
        Outcome::Exit(code) => code as u8,
        Outcome::Limit => {
            eprintln!("bao1x-emu: stopped after {limit} instructions (pc {:#010x})", machine.cpu.pc);
            124
        }
    })
}
