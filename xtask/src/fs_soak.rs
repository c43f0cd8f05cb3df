//! `./x fs-soak [CUTS]`: the long power-cut run of the filesystem (500
//! cuts unless told), the same as `./x test`'s 20-cut check but longer;
//! its result goes to docs/fs-soak.md, so the repository records it.

use crate::project::Project;
use std::time::Instant;

pub fn run(project: &Project, cuts: Option<&str>) -> Result<(), String> {
    let cuts: usize = match cuts {
        Some(text) => text.parse().map_err(|_| format!("fs-soak takes a number of cuts, not `{text}`"))?,
        None => 500,
    };
    let start = Instant::now();
    let result = crate::fs_checks::power_cuts(project, cuts, "fs-soak.img");
    let seconds = start.elapsed().as_secs_f64();
    let (line, ok) = match &result {
        Ok((_, synced)) => (format!("{cuts} cuts, every one followed by a reboot whose check passed; {synced} generations (files of 1 B to 300 kB) written, synced and checked; {seconds:.0} s"), true),
        Err(failed) => (format!("FAILED after {seconds:.0} s: {}", failed.why), false),
    };
    let today = String::from_utf8(std::process::Command::new("date").arg("-u").arg("+%Y-%m-%d").output().map_err(|e| e.to_string())?.stdout).unwrap_or_default();
    let doc = format!(
        "# Filesystem power-cut soak\n\n\
         `./x fs-soak [CUTS]` boots test-apps/fs's crash workload on one disk image (each\n\
         generation: remove the one ten back, write a file of up to 300 kB in 10 kB pieces,\n\
         `sync_all`, print `synced N`), kills QEMU at a random moment 0.2 to 1.5 s after\n\
         the boot began (xous-run's `--timeout`), then boots the checker on the same image:\n\
         the generations kept at the last `synced N` the host saw must be whole, byte for byte,\n\
         and the older ones gone. The workload goes on from there after each cut.\n\n\
         Last run ({}): {line}\n",
        today.trim()
    );
    std::fs::write(project.root.join("docs/fs-soak.md"), doc).map_err(|e| e.to_string())?;
    println!("fs-soak: {line}");
    if ok { Ok(()) } else { Err("the soak failed".to_string()) }
}
