//! The disk every std test program boots with: in `/bin`, the programs
//! std's own process tests start (test-apps/toolbox under each name they
//! use: `sh`, `echo`, `env`, `mkdir`...), and room for the copy of the test
//! program that xous-run puts there (`current_exe`). Made afresh for each
//! `./x std-tests`; the boots of one run share it, as test programs on a
//! host share its disk. Each run has its own (named after the xtask's
//! process), so two runs in one tree (`./x test`'s slice beside a long
//! `./x std-tests --memory 2M`) never format the other's disk.
//!
//! On a board the disk is the chip's RRAM in a file (xous-run --disk), whose
//! last MiB is the filesystem's: there the toolbox is stored once and its
//! other names are hard links to it (eight copies would not fit the MiB),
//! and the test programs themselves, larger than the MiB, are not copied.

use crate::fs_checks::xous_fs;
use crate::project::Project;
use crate::runner;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The names std's process tests start the toolbox under.
const TOOLS: [&str; 8] = ["sh", "echo", "env", "mkdir", "cat", "pwd", "true", "false"];

/// The disk image, made now: for QEMU (`board` false) a disk of 64 MiB,
/// for the board its RRAM.
pub fn disk(project: &Project, board: bool) -> Result<PathBuf, String> {
    let toolbox = project.build_test_app("toolbox")?;
    let runner = runner::install(project)?;
    let name = if board { "rram" } else { "img" };
    let disk = project.root.join(format!("target/std-tests/tools-{}.{name}", std::process::id()));
    std::fs::create_dir_all(disk.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&disk);
    let fs = if board { disk.with_extension("fs") } else { disk.clone() };
    let size = if board { format!("{}K", board::dabao::DISK_SIZE / 1024) } else { "64M".to_string() };
    xous_fs(&runner, &[&"format", &fs, &"--size", &size])?;
    xous_fs(&runner, &[&"mkdir", &"-p", &fs, &"/bin"])?;
    xous_fs(&runner, &[&"put", &fs, &toolbox, &"/bin/sh"])?;
    for tool in &TOOLS[1..] {
        xous_fs(&runner, &[&"ln", &fs, &"/bin/sh", &format!("/bin/{tool}")])?;
    }
    if board {
        // The chip's 4 MiB of RRAM, the filesystem at its place (the boot
        // image goes in at each boot, as boot1 writes it).
        let bytes = std::fs::read(&fs).map_err(|e| format!("cannot read {}: {e}", fs.display()))?;
        let _ = std::fs::remove_file(&fs);
        let mut rram = vec![0u8; board::dabao::RRAM_SIZE];
        let at = board::dabao::DISK - board::dabao::RRAM_BASE;
        rram[at..at + bytes.len()].copy_from_slice(&bytes);
        std::fs::write(&disk, rram).map_err(|e| format!("cannot write {}: {e}", disk.display()))?;
    }
    Ok(disk)
}

/// How a test program boots: xous-run, with the tools' disk.
pub struct Boot<'a> {
    pub xous_run: &'a Path,
    pub disk: &'a Path,
    /// xous-run's --memory, and --swap if any.
    pub memory: &'a str,
    pub swap: Option<&'a str>,
    /// xous-run's --board, if not QEMU: then no --memory or --swap, and the
    /// disk is the chip's RRAM.
    pub board: Option<&'a str>,
}

impl Boot<'_> {
    /// `xous-run --memory M [--swap S] --disk DISK --env PATH=/bin` (on a
    /// board `xous-run --board B --env PATH=/bin --disk RRAM`), to which the
    /// program and its arguments are added (a host's test programs have a
    /// `PATH`; std's tests read it).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(self.xous_run);
        if let Some(board) = self.board {
            cmd.args(["--board", board, "--env", "PATH=/bin", "--disk"]).arg(self.disk);
            return cmd;
        }
        cmd.args(["--memory", self.memory, "--env", "PATH=/bin", "--disk"]).arg(self.disk);
        if let Some(swap) = self.swap {
            cmd.args(["--swap", swap]);
        }
        cmd
    }
}
