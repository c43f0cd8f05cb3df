//! The swap checks that need the host in the middle of a run: test-apps/swap
//! fills memory larger than RAM and waits; meanwhile this reads the swap
//! device (a file, `xous-run --swap-file`) for the program's plaintext, or
//! flips bits in it, or wipes it; then the program reads its memory back.
//! The kernel must never have written a page as it was, and must end the
//! program with its one-line report at the first page that was altered.
//! On the baosec board (the model of the chip, whose swap device is the
//! board's PSRAM) the model's hooks flip the bits, or write the PSRAM to a
//! file for the host to read, when the program says it is ready
//! (BAO1X_EMU_PSRAM_FLIP_ON, BAO1X_EMU_PSRAM_DUMP_ON: `bao1x-emu --help`).
//! Also the program store's checks on baosec (kernel/src/swap/store.rs:
//! read-only pages come from the board's NOR flash and go back to it when
//! RAM is short): test-apps/big, larger than the RRAM's room for the boot
//! image, runs from the flash; with the model's hook on the flash
//! (BAO1X_EMU_NOR_FLIP_ON) the kernel ends it at the first altered page.

use crate::checks::{Failed, Passed};
use crate::project::{Project, Std};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// RAM and swap for these runs, and how much the program fills: twice
/// RAM, so its first pages are surely out when the host looks.
const MEMORY: &str = "4M";
const SWAP: &str = "24M";
const FILL_MIB: &str = "8";
/// What test-apps/swap writes in canary mode.
const CANARY: &[u8] = b"XOUS-SWAP-PLAINTEXT-CANARY-0123!";

/// What the host does to the swap device while the program waits.
#[derive(Clone, Copy)]
enum Meddle {
    /// Nothing: it only reads the device, looking for the canary.
    LookForCanary,
    /// Flips one bit in every slot written.
    FlipBits,
    /// Zeroes the whole device.
    Wipe,
}

/// The swap device never holds the canary the program wrote, and the
/// program finds it intact afterwards.
pub fn no_plaintext(project: &Project) -> Result<Passed, Failed> {
    let (out, note) = meddle(project, "canary", "swap: canary written", Meddle::LookForCanary)?;
    expect(&out, 0, "swap: canary intact", None).map(|_| Passed::from(note))
}

/// A bit flipped in every written slot: the program ends at the first page
/// it reads back, with the kernel's report naming the page.
pub fn flipped_bits(project: &Project) -> Result<Passed, Failed> {
    let (out, note) = meddle(project, "tamper", "swap: paged out", Meddle::FlipBits)?;
    expect(&out, 255, "(swap) terminated: swap page 0x", Some("failed authentication")).map(|_| Passed::from(note))
}

/// The device wiped mid-run (as a power cut of external memory would):
/// the program ends with the report.
pub fn wiped(project: &Project) -> Result<Passed, Failed> {
    let (out, note) = meddle(project, "tamper", "swap: paged out", Meddle::Wipe)?;
    expect(&out, 255, "(swap) terminated: swap page 0x", Some("failed authentication")).map(|_| Passed::from(note))
}

/// What the program fills on the baosec board before the bits flip: three
/// times its 2 MiB of RAM, so most of it is in the PSRAM.
const BAOSEC_FILL_MIB: &str = "6";

/// On baosec, a bit flipped in every written 4 KiB of the PSRAM (the
/// model's tamper hook) ends the program at the first page it reads back.
pub fn flipped_bits_baosec(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app_with("swap", Std::Ours)?;
    let runner = crate::runner::install_baosec(project)?;
    let mut command = Command::new(&runner.xous_run);
    command.args(["--board", "baosec", "--timeout", "240"]).arg(&program).args(["tamper", BAOSEC_FILL_MIB]);
    command.env("BAO1X_EMU_PSRAM_FLIP_ON", "swap: paged out");
    let (out, _) = run_answering(command, "swap: paged out", || Ok("the model flipped a bit in each written 4 KiB of PSRAM".to_string()))?;
    expect(&out, 255, "(swap) terminated: swap page 0x", Some("failed authentication"))?;
    let flipped = out.stderr.lines().find(|l| l.contains("model-only tamper hook")).unwrap_or("").to_string();
    if !out.stderr.contains("kernel: peak memory") {
        return Err(Failed::from(format!("the system did not live on to power off after the program ended
--- stderr
{}", out.stderr)));
    }
    Ok(Passed::from(flipped.trim_start_matches("bao1x-emu: ").to_string()))
}

/// On baosec, the PSRAM, written to a file by the model while the
/// program's canary is out, holds no 8 bytes of it; the program finds it
/// intact afterwards.
pub fn no_plaintext_baosec(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app_with("swap", Std::Ours)?;
    let runner = crate::runner::install_baosec(project)?;
    let dump = swap_file(project, "baosec-psram")?;
    let _ = std::fs::remove_file(&dump);
    let mut command = Command::new(&runner.xous_run);
    command.args(["--board", "baosec", "--timeout", "240"]).arg(&program).args(["canary", BAOSEC_FILL_MIB]);
    command.env("BAO1X_EMU_PSRAM_DUMP_ON", "swap: canary written").env("BAO1X_EMU_PSRAM_DUMP_TO", &dump);
    let look = || {
        let psram = std::fs::read(&dump).map_err(|e| format!("the model wrote no PSRAM dump ({}: {e})", dump.display()))?;
        let found = CANARY.windows(8).find_map(|piece| psram.windows(8).position(|w| w == piece).map(|at| (piece, at)));
        match found {
            Some((piece, at)) => Err(Failed::from(format!("the PSRAM holds the program's plaintext {:?} at byte {at:#x}", String::from_utf8_lossy(piece)))),
            None => Ok(format!("the {} MiB of PSRAM hold no 8 bytes of the canary", psram.len() >> 20)),
        }
    };
    let outcome = run_answering(command, "swap: canary written", look);
    let _ = std::fs::remove_file(&dump);
    let (out, note) = outcome?;
    expect(&out, 0, "swap: canary intact", None)?;
    // The canary must have been out when the PSRAM was looked at.
    let out_pages = out.stderr.split("KiB; swap: ").nth(1).and_then(|s| s.split(' ').next()?.parse::<usize>().ok()).unwrap_or(0);
    if out_pages < 500 {
        return Err(Failed::from(format!("only {out_pages} pages went out: the canary was not in the PSRAM\n--- stderr\n{}", out.stderr)));
    }
    Ok(Passed::from(format!("{note}; {out_pages} pages went out")))
}

/// The 3 MiB of test-apps/big's read-only data, in 4 KiB pages.
const BIG_PAGES: u64 = 768;

/// On baosec, test-apps/big (3 MiB of read-only data: the boot image with
/// it would not fit the RRAM) runs from the board's NOR flash: every byte
/// read twice as built, and more pages read from the flash than the store
/// holds (pages let go when RAM was short came back).
pub fn program_store_baosec(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app_with("big", Std::Ours)?;
    let runner = crate::runner::install_baosec(project)?;
    let mut command = Command::new(&runner.xous_run);
    command.args(["--board", "baosec", "--timeout", "240"]).arg(&program).arg("check");
    let out = run_to_end(command)?;
    let failed = |why: &str| Failed::from(format!("{why}: exit {:?}\n--- stdout\n{}--- stderr\n{}", out.code, out.stdout, out.stderr));
    if out.code != Some(0) || !out.stdout.contains("big: 3 MiB of read-only data read twice, as built") {
        return Err(failed("the program did not read its 3 MiB back as built"));
    }
    // "kernel: program store on, S pages in the board's flash, ..."
    let held = number_after(&out.stderr, "kernel: program store on, ").ok_or_else(|| failed("the kernel did not say the program store is on"))?;
    // "kernel: peak memory ...; program store: N pages read, M let go"
    let peak = out.stderr.lines().find(|l| l.starts_with("kernel: peak memory")).ok_or_else(|| failed("no closing peak memory line"))?;
    let read = number_after(peak, "program store: ").ok_or_else(|| failed("the closing line has no program store figures"))?;
    let dropped = number_after(peak, " pages read, ").ok_or_else(|| failed("the closing line has no pages let go"))?;
    if read <= BIG_PAGES || read <= held || dropped == 0 {
        return Err(failed(&format!(
            "{read} store pages read and {dropped} let go: wanted more than the {BIG_PAGES} pages of the data and the {held} of the store read (some read twice), and some let go"
        )));
    }
    Ok(Passed::from(format!("{held} pages in the flash; {read} read from it, {dropped} let go when RAM was short")))
}

/// On baosec, a bit flipped in every 4 KiB of the NOR flash's program
/// store (the model's tamper hook, once test-apps/big has said it is
/// ready) ends the program at the first page it reads from there, with the
/// kernel's report; the system lives on to power off.
pub fn store_tamper_baosec(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app_with("big", Std::Ours)?;
    let runner = crate::runner::install_baosec(project)?;
    let mut command = Command::new(&runner.xous_run);
    command.args(["--board", "baosec", "--timeout", "240"]).arg(&program).arg("tamper");
    command.env("BAO1X_EMU_NOR_FLIP_ON", "big: ready");
    let out = run_to_end(command)?;
    let failed = |why: &str| Failed::from(format!("{why}: exit {:?}\n--- stdout\n{}--- stderr\n{}", out.code, out.stdout, out.stderr));
    if !out.stdout.contains("big: ready") {
        return Err(failed("the program never said it was ready"));
    }
    let flipped = out.stderr.lines().find(|l| l.contains("model-only tamper hook")).ok_or_else(|| failed("the model's hook on the flash did not act"))?;
    let report = out.stderr.lines().find(|l| l.contains("(big) terminated: program store page 0x") && l.contains("does not match its digest in the boot image"));
    let report = report.ok_or_else(|| failed("no kernel report of a store page that does not match its digest"))?;
    if out.code != Some(255) {
        return Err(failed("the program did not end as a faulted process (exit 255)"));
    }
    if !out.stderr.contains("kernel: peak memory") {
        return Err(failed("the system did not live on to power off after the program ended"));
    }
    Ok(Passed::from(format!("{}; {}", flipped.trim_start_matches("bao1x-emu: "), report.trim_start_matches("kernel: "))))
}

/// The number just after `before` in `text`.
fn number_after(text: &str, before: &str) -> Option<u64> {
    let rest = &text[text.find(before)? + before.len()..];
    rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())].parse().ok()
}

/// Runs `command` with nothing on stdin, to its end.
fn run_to_end(mut command: Command) -> Result<Run, Failed> {
    let out = command.stdin(Stdio::null()).output().map_err(|e| format!("cannot run xous-run: {e}"))?;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    Ok(Run { code: out.status.code(), stdout: text(&out.stdout), stderr: text(&out.stderr) })
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn expect(out: &Run, code: i32, text: &str, also: Option<&str>) -> Result<(), Failed> {
    let all = format!("{}{}", out.stdout, out.stderr);
    if out.code == Some(code) && all.contains(text) && also.is_none_or(|a| all.contains(a)) {
        Ok(())
    } else {
        Err(Failed::from(format!("exit {:?} (expected {code}), wanted {text:?}\n--- stdout\n{}--- stderr\n{}", out.code, out.stdout, out.stderr)))
    }
}

/// Boots test-apps/swap in `mode`; when it says `ready`, does `what` to
/// the swap file, then lets it go on. What came out, and a note.
fn meddle(project: &Project, mode: &str, ready: &str, what: Meddle) -> Result<(Run, String), Failed> {
    let program = project.build_test_app_with("swap", Std::Ours)?;
    let runner = crate::runner::install(project)?;
    let file = swap_file(project, mode)?;
    let mut command = Command::new(&runner.xous_run);
    command.args(["--timeout", "240", "--memory", MEMORY, "--swap", SWAP, "--swap-file"]).arg(&file).arg(&program).args([mode, FILL_MIB]);
    let outcome = run_answering(command, ready, || act(&file, what));
    let _ = std::fs::remove_file(&file);
    outcome
}

/// Runs `command`; when the program prints the line `ready`, does `act`,
/// then answers it a line so it goes on. What came out, and `act`'s note.
fn run_answering(mut command: Command, ready: &str, mut act: impl FnMut() -> Result<String, Failed>) -> Result<(Run, String), Failed> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run xous-run: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut stderr = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut seen = String::new();
    let mut note = String::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            break;
        }
        seen.push_str(&line);
        if line.trim_end() == ready {
            note = act()?;
            stdin.write_all(b"go\n").map_err(|e| format!("cannot answer the program: {e}"))?;
        }
    }
    drop(stdin);
    let status = child.wait().map_err(|e| e.to_string())?;
    let run = Run { code: status.code(), stdout: seen, stderr: errors.join().unwrap_or_default() };
    if note.is_empty() {
        return Err(Failed::from(format!("the program never said {ready:?}\n--- stdout\n{}--- stderr\n{}", run.stdout, run.stderr)));
    }
    Ok((run, note))
}

fn swap_file(project: &Project, mode: &str) -> Result<PathBuf, String> {
    let dir = project.root.join("target/test");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir.join(format!("swap-{mode}.img")))
}

/// Slot `i` of the device: 8 sectors of page, then a sector whose first
/// 16 bytes are the tag (kernel/src/arch/riscv/machine/, the QEMU swap disk).
const SLOT: usize = 9 * 512;

fn act(file: &Path, what: Meddle) -> Result<String, Failed> {
    let mut device = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let written: Vec<usize> = (0..device.len() / SLOT).filter(|s| device[s * SLOT..s * SLOT + 4096].iter().any(|b| *b != 0)).collect();
    if written.len() < 500 {
        return Err(Failed::from(format!("only {} slots were written: the program's memory did not go to swap", written.len())));
    }
    match what {
        Meddle::LookForCanary => {
            // Not the whole text, nor any 8 bytes of it, anywhere.
            let found = CANARY.windows(8).find_map(|piece| device.windows(8).position(|w| w == piece).map(|at| (piece, at)));
            if let Some((piece, at)) = found {
                return Err(Failed::from(format!("the swap device holds the program's plaintext {:?} at byte {at}", String::from_utf8_lossy(piece))));
            }
            Ok(format!("{} slots written, none holds any 8 bytes of the canary", written.len()))
        }
        Meddle::FlipBits => {
            for s in &written {
                let at = s * SLOT + 100 + s % 3000;
                device[at] ^= 1 << (s % 8);
                overwrite(file, at, &device[at..at + 1])?;
            }
            Ok(format!("a bit flipped in each of {} slots", written.len()))
        }
        Meddle::Wipe => {
            device.fill(0);
            overwrite(file, 0, &device)?;
            Ok(format!("{} written slots wiped", written.len()))
        }
    }
}

/// Writes `bytes` at `at` in the device file, in place: QEMU has it open
/// and may read it at any moment, so it is never truncated.
fn overwrite(file: &Path, at: usize, bytes: &[u8]) -> Result<(), String> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::OpenOptions::new().write(true).open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    f.seek(SeekFrom::Start(at as u64)).and_then(|_| f.write_all(bytes)).map_err(|e| format!("{}: {e}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::number_after;

    #[test]
    fn reads_the_program_stores_figures_from_the_kernels_lines() {
        let boot = "kernel: program store on, 811 pages in the board's flash, each checked against its digest in the image when read";
        assert_eq!(number_after(boot, "kernel: program store on, "), Some(811));
        let peak = "kernel: peak memory 1764 KiB of 2048 KiB; swap: 10 pages out, 3 back, 14 of zeros let go; program store: 1573 pages read, 1200 let go";
        assert_eq!(number_after(peak, "program store: "), Some(1573));
        assert_eq!(number_after(peak, " pages read, "), Some(1200));
        assert_eq!(number_after(peak, "no such text"), None);
        assert_eq!(number_after("program store: none", "program store: "), None);
    }
}
