//! The disk every std test program boots with: in `/bin`, the programs
//! std's own process tests start (test-apps/toolbox under each name they
//! use: `sh`, `echo`, `env`, `mkdir`...), and room for the copy of the test
//! program that xous-run puts there (`current_exe`). Made afresh for each
//! `./x std-tests`; the boots of one run share it, as test programs on a
//! host share its disk. Each run has its own (named after the xtask's
//! process), so two runs in one tree (`./x test`'s slice beside a long
//! `./x std-tests --memory 2M`) never format the other's disk.

use crate::fs_checks::xous_fs;
use crate::project::Project;
use crate::runner;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The names std's process tests start the toolbox under.
const TOOLS: [&str; 8] = ["sh", "echo", "env", "mkdir", "cat", "pwd", "true", "false"];

/// The disk image, made now.
pub fn disk(project: &Project) -> Result<PathBuf, String> {
    let toolbox = project.build_test_app("toolbox")?;
    let runner = runner::install(project)?;
    let disk = project.root.join(format!("target/std-tests/tools-{}.img", std::process::id()));
    std::fs::create_dir_all(disk.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&disk);
    xous_fs(&runner, &[&"format", &disk, &"--size", &"64M"])?;
    xous_fs(&runner, &[&"mkdir", &"-p", &disk, &"/bin"])?;
    for tool in TOOLS {
        xous_fs(&runner, &[&"put", &disk, &toolbox, &format!("/bin/{tool}")])?;
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
    /// xous-run's --board, if not QEMU: then no --memory, --swap or --disk.
    pub board: Option<&'a str>,
}

impl Boot<'_> {
    /// `xous-run --memory M [--swap S] --disk DISK --env PATH=/bin`, to which the
    /// program and its arguments are added (a host's test programs have a
    /// `PATH`; std's tests read it).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(self.xous_run);
        if let Some(board) = self.board {
            cmd.args(["--board", board, "--env", "PATH=/bin"]);
            return cmd;
        }
        cmd.args(["--memory", self.memory, "--env", "PATH=/bin", "--disk"]).arg(self.disk);
        if let Some(swap) = self.swap {
            cmd.args(["--swap", swap]);
        }
        cmd
    }
}
