//! The filesystem checks of `./x test` that need more than one boot of a
//! row: a disk image carried from boot to boot, compared byte for byte,
//! damaged on purpose, or cut off by power; and the power-cut run that
//! `./x fs-soak` makes longer.

use crate::boot::{fresh_disk, Launch, Outcome, Text::Has};
use crate::checks::{Failed, Passed};
use crate::project::Project;
use crate::runner;
use std::path::Path;
use std::process::Command;

/// test-apps/fs twice on one disk image: the first boot writes and syncs
/// files (one of 5 MB), the second reads them back byte for byte; a third
/// boot has the disk write-protected (`--disk-readonly`): reads work, every
/// change is ReadOnlyFilesystem, and the image is byte for byte the same
/// after it.
pub fn std_fs_persistence(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("fs")?;
    let disk = fresh_disk(project, "fs-persist.img")?;
    let first = Launch::new(&program).disk(&disk).args(&["persist-write"]).run(project)?;
    first.expect(0, &[Has("fs: all checks passed")], &[])?;
    let second = Launch::new(&program).disk(&disk).args(&["persist-check"]).run(project)?;
    second.expect(0, &[Has("fs: all checks passed"), Has("/persist/sub/c (5000000 bytes) came back")], &[])?;
    let before = std::fs::read(&disk).map_err(|e| e.to_string())?;
    let third = Launch::new(&program).disk(&disk).options(&["--disk-readonly"]).args(&["read-only"]).run(project)?;
    let passed = third.expect(0, &[Has("fs: all checks passed"), Has("read-only: File::create")], &[])?;
    let after = std::fs::read(&disk).map_err(|e| e.to_string())?;
    if before != after {
        return Err(Failed::from("the write-protected disk image changed".to_string()));
    }
    Ok(passed)
}

/// The filesystem's disk beside the kernel's swap disk (`xous-run --swap`,
/// a virtio-blk device named by its serial, which the kernel finds and no
/// process may map): the service takes its own disk, and leaves the swap
/// disk alone, whichever of the two is in the lower virtio-mmio slot. QEMU
/// gives the first device named the highest free slot, so the disk named
/// by --disk (before the swap disk) is above it, and one named later by
/// --qemu-arg below it.
pub fn std_fs_beside_swap_disk(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("fs")?;
    let disk = fresh_disk(project, "fs-beside-swap.img")?;
    let swap = ["--swap", "1M"];
    // 1 MiB is 2048 sectors: 227 slots of 9 (a page and its tag's sector).
    let found = Has("kernel: swap on, 227 pages");
    let above = Launch::new(&program).disk(&disk).options(&swap).args(&["persist-write"]).run(project)?;
    above.expect(0, &[Has("fs: all checks passed")], &[found]).map_err(|f| Failed::from(format!("the disk above: {}", f.why)))?;
    let drive = format!("file={},format=raw,if=none,id=disk0", disk.display());
    let below = Launch::new(&program)
        .options(&swap)
        .options(&["--qemu-arg", "-drive", "--qemu-arg", &drive, "--qemu-arg", "-device", "--qemu-arg", "virtio-blk-device,drive=disk0"])
        .args(&["persist-check"])
        .run(project)?;
    below.expect(0, &[Has("fs: all checks passed"), Has("/persist/sub/c (5000000 bytes) came back")], &[found]).map_err(|f| Failed::from(format!("the disk below: {}", f.why)))
}

/// The same on the dabao board, where the disk is the chip's RRAM kept in
/// a host file (xous-run --board dabao --disk): files synced in one boot
/// are found in the next, written through the RRAM controller's rows. The
/// big file is 300,000 bytes (the filesystem has a MiB of RRAM). The file
/// is the whole 4 MiB of RRAM; its last MiB must hold the filesystem, and
/// the bytes around it (the image, boot1's records) what boot1 put there.
pub fn std_fs_persistence_dabao(project: &Project) -> Result<Passed, Failed> {
    const DABAO: &[&str] = &["--board", "dabao"];
    let program = project.build_test_app("fs")?;
    let rram = fresh_disk(project, "dabao-rram.bin")?;
    let first = Launch::new(&program).options(DABAO).disk(&rram).args(&["persist-write", "300000"]).run(project)?;
    first.expect(0, &[Has("fs: all checks passed")], &[])?;
    let second = Launch::new(&program).options(DABAO).disk(&rram).args(&["persist-check", "300000"]).run(project)?;
    let passed = second.expect(0, &[Has("fs: all checks passed"), Has("/persist/sub/c (300000 bytes) came back")], &[])?;
    let bytes = std::fs::read(&rram).map_err(|e| format!("cannot read {}: {e}", rram.display()))?;
    let disk = board::dabao::DISK - board::dabao::RRAM_BASE;
    let written = bytes.get(disk..disk + board::dabao::DISK_SIZE).map_or(0, |d| d.chunks(4096).filter(|b| b.iter().any(|&x| x != 0)).count());
    if written == 0 {
        return Err(Failed::from(format!("{}: nothing in the disk's MiB of RRAM", rram.display())));
    }
    let above = bytes.get(disk + board::dabao::DISK_SIZE..).unwrap_or(&[]);
    if above.iter().any(|&x| x != 0) {
        return Err(Failed::from("the filesystem wrote past its MiB of RRAM, into boot1's records".to_string()));
    }
    Ok(Passed::from(format!("{}; {written} blocks of the RRAM disk in use", passed.note)))
}

/// The byte at `i` of test-apps/fs's file `seed` (its `pattern`).
fn fs_pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 12) as u8).collect()
}

/// Runs the installed xous-fs; its stdout, or why it failed.
pub fn xous_fs(runner: &runner::Runner, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Result<String, String> {
    let mut cmd = Command::new(&runner.xous_fs);
    for arg in args {
        cmd.arg(arg);
    }
    let out = cmd.output().map_err(|e| format!("cannot run xous-fs: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?}: {}\n{}{}", out.status, String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A boot of test-apps/fs on a disk the service must refuse: the program
/// passes its `refused` checks, xous-run's stderr has exactly one line
/// saying why (holding `why`), and the image is byte for byte as it was.
fn boot_refused(project: &Project, program: &Path, disk: &Path, reason: &str, why: &str) -> Result<(), Failed> {
    let before = std::fs::read(disk).map_err(|e| e.to_string())?;
    let outcome = Launch::new(program).disk(disk).args(&["refused", reason]).run(project)?;
    outcome.expect(0, &[Has("fs: all checks passed")], &[]).map_err(|f| Failed::from(format!("{reason}: {}", f.why)))?;
    let lines: Vec<&str> = outcome.stderr.lines().filter(|l| l.contains("refused")).collect();
    if lines.len() != 1 || !lines[0].starts_with("fs: the disk is refused, left as it is") || !lines[0].contains(why) {
        return Err(Failed::from(format!("{reason}: expected one line saying why ({why}) on stderr: {}", outcome.describe())));
    }
    if std::fs::read(disk).map_err(|e| e.to_string())? != before {
        return Err(Failed::from(format!("{reason}: the refused image changed")));
    }
    Ok(())
}

/// Disks that are not the filesystem's own: 16 MiB of random bytes, then
/// an image of ours with both superblocks damaged. Each is refused: every
/// std::fs call fails with the error naming the reason, xous-run prints
/// one line saying why, the image stays byte for byte. `xous-run --format`
/// then formats the random image; a file put there with xous-fs is read
/// by the guest, and one the guest writes comes back out with xous-fs.
pub fn std_fs_refused_disks(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("fs")?;
    let runner = runner::install(project)?;
    let disk = fresh_disk(project, "fs-noise.img")?;
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ std::process::id() as u64;
    let noise: Vec<u8> = (0..16 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&disk, &noise).map_err(|e| e.to_string())?;
    boot_refused(project, &program, &disk, "not-ours", "it holds no filesystem of ours and is not blank")?;

    let ours = fresh_disk(project, "fs-damaged.img")?;
    let host_file = project.root.join("target/test/fs-host-in.bin");
    std::fs::write(&host_file, fs_pattern(7, 300_000)).map_err(|e| e.to_string())?;
    xous_fs(&runner, &[&"format", &ours, &"--size", &"4M"])?;
    xous_fs(&runner, &[&"put", &ours, &host_file, &"/kept"])?;
    let mut image = std::fs::read(&ours).map_err(|e| e.to_string())?;
    image[20] ^= 1;
    image[4096 + 20] ^= 1;
    std::fs::write(&ours, &image).map_err(|e| e.to_string())?;
    boot_refused(project, &program, &ours, "damaged", "damaged beyond repair: neither superblock")?;

    let formatted = Launch::new(&program).disk(&disk).options(&["--format"]).args(&["persist-write"]).run(project)?;
    formatted.expect(0, &[Has("fs: all checks passed")], &[Has("xous-run: formatted")]).map_err(|f| Failed::from(format!("--format: {}", f.why)))?;
    xous_fs(&runner, &[&"mkdir", &disk, &"/host"])?;
    xous_fs(&runner, &[&"put", &disk, &host_file, &"/host/in.bin"])?;
    let moved = Launch::new(&program).disk(&disk).args(&["host-files"]).run(project)?;
    moved.expect(0, &[Has("fs: all checks passed")], &[]).map_err(|f| Failed::from(format!("host-files: {}", f.why)))?;
    let out = project.root.join("target/test/fs-guest-out.bin");
    xous_fs(&runner, &[&"get", &disk, &"/guest/out.bin", &out])?;
    if std::fs::read(&out).map_err(|e| e.to_string())? != fs_pattern(9, 200_000) {
        return Err(Failed::from("the file the guest wrote came out of the image different".to_string()));
    }
    let check = xous_fs(&runner, &[&"check", &disk])?;
    Ok(Passed::from(format!("refused twice, unchanged; formatted; files both ways; check: {}", check.lines().last().unwrap_or(""))))
}

/// Power cuts on one disk image: boot test-apps/fs's crash workload, let
/// xous-run's timeout kill QEMU at a random moment, boot the checker on
/// the same image with the last generation the workload said it synced;
/// `cuts` times, the workload going on from there each time.
pub fn power_cuts(project: &Project, cuts: usize, image: &str) -> Result<(Passed, u64), Failed> {
    let program = project.build_test_app("fs")?;
    let disk = fresh_disk(project, image)?;
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1;
    let mut last: Option<u64> = None;
    for cut in 0..cuts {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Boot takes about 0.2 s; the cut falls anywhere in the next 1.3 s.
        let after = 0.2 + (seed % 1300) as f64 / 1000.0;
        let first = last.map_or(0, |n| n + 1).to_string();
        let workload = Launch::new(&program).disk(&disk).timeout(format!("{after:.3}")).args(&["crash-write", &first]).run(project)?;
        if workload.code != Some(124) {
            return Err(Failed::from(format!("cut {cut}: the workload ended by itself ({:?}): {}", workload.code, workload.stderr)));
        }
        if let Some(n) = last_synced(&workload) {
            if last.is_some_and(|previous| n <= previous) {
                return Err(Failed::from(format!("cut {cut}: the workload went back to generation {n}")));
            }
            last = Some(n);
        }
        let check = last.map(|n| n.to_string());
        let args: Vec<&str> = ["crash-check"].into_iter().chain(check.as_deref()).collect();
        let outcome = Launch::new(&program).disk(&disk).args(&args).run(project)?;
        outcome
            .expect(0, &[Has("fs: all checks passed")], &[])
            .map_err(|f| Failed::from(format!("after cut {cut} at {after:.3} s (last synced {last:?}): {}", f.why)))?;
    }
    let synced = last.map_or(0, |n| n + 1);
    Ok((Passed::from(format!("{cuts} cuts, {synced} generations synced and checked")), synced))
}

/// The last generation the crash workload said it synced, from whole lines
/// only: the cut can fall inside one ("synced 1180" read as "synced 118").
fn last_synced(workload: &Outcome) -> Option<u64> {
    let whole_lines = workload.stdout.split_inclusive('\n').filter(|l| l.ends_with('\n'));
    whole_lines.filter_map(|l| l.strip_prefix("synced ")?.trim().parse().ok()).last()
}

pub fn std_fs_power_cuts(project: &Project) -> Result<Passed, Failed> {
    power_cuts(project, 20, "fs-cuts.img").map(|(passed, _)| passed)
}
