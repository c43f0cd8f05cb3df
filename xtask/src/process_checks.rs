//! The `std::process` checks of `./x test`: test-apps/process on a disk
//! that holds its child program (`/bin/process-child`, put there with
//! xous-fs as a user would), which it starts in every way std allows.

use crate::boot::{fresh_disk, Launch, Text::Has};
use crate::checks::{Failed, Passed};
use crate::fs_checks::xous_fs;
use crate::project::Project;
use crate::runner;

/// A fresh disk with test-apps/process's child program at
/// `/bin/process-child`.
fn disk_with_child(project: &Project, name: &str) -> Result<(std::path::PathBuf, std::path::PathBuf), Failed> {
    let program = project.build_test_app("process")?;
    let child = program.with_file_name("process-child");
    let runner = runner::install(project)?;
    let disk = fresh_disk(project, name)?;
    xous_fs(&runner, &[&"format", &disk])?;
    xous_fs(&runner, &[&"mkdir", &"-p", &disk, &"/bin"])?;
    xous_fs(&runner, &[&"put", &disk, &child, &"/bin/process-child"])?;
    Ok((program, disk))
}

/// Every Stdio kind, pipes, exit codes, kill, a faulting child, files that
/// are not programs, current_exe (xous-run puts the program on the disk)
/// started again (test-apps/process says each). 64 MiB of RAM, so the
/// program bigger than memory runs out quickly. (The kernel names a child
/// after its parent, the process manager: `proc` in its fault report.)
pub fn std_process(project: &Project) -> Result<Passed, Failed> {
    let (program, disk) = disk_with_child(project, "process.img")?;
    let outcome = Launch::new(&program).disk(&disk).options(&["--memory", "64M"]).run(project)?;
    outcome.expect(
        0,
        &[Has("process: all checks passed"), Has("child: an inherited line")],
        &[Has("(process-child) terminated: store page fault"), Has("address 0x00000010")],
    )
}
