//! The filesystem part of `./x bench` (`./x bench fs`): test-apps/bench-fs
//! on a fresh 16 MiB `--disk` image, twice, with the filesystem service
//! built for benchmarks (its raw device request; `bench::bench_service`). Its numbers are guest
//! microseconds without `--icount` (with it, every wait for the disk is a
//! jump of guest time, not work), so they are wall-clock and vary between
//! runs. std::fs's sequential throughput is compared with the raw block
//! device's as time ratios (std::fs / raw; the goal "at least half the
//! raw throughput" is a ratio of at most 2). docs/benchmarks.md,
//! "Filesystem", says what each metric means.

use crate::bench::{measure_twice, Goal, Metric};
use crate::project::Project;
use crate::runner;
use std::process::Command;

const MEASURED: &[(&str, Goal)] = &[
    ("raw_write_4mib_us", Goal::Report),
    ("raw_read_4mib_us", Goal::Report),
    ("fs_write_4mib_us", Goal::Report),
    ("fs_read_4mib_us", Goal::Report),
    ("fs_small_file_us", Goal::Report),
    ("fs_dir_100_files_us", Goal::Report),
    ("fs_dir_1000_files_us", Goal::Report),
    ("fs_dir_10000_files_us", Goal::Report),
];

pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    let runner = runner::install(project)?;
    let program = project.build_test_app("bench-fs")?;
    let service = crate::bench::bench_service(project, "fs")?;
    let disk = project.root.join("target/bench/fs-bench.img");
    std::fs::create_dir_all(disk.parent().unwrap()).map_err(|e| e.to_string())?;
    let mut metrics = measure_twice("fs", MEASURED, &|| {
        // Each run starts from a new disk, formatted at boot.
        let _ = std::fs::remove_file(&disk);
        let mut cmd = Command::new(&runner.xous_run);
        cmd.args(["--timeout", "300", "--disk"]).arg(&disk).arg("--service").arg(format!("fs={}", service.display())).arg(&program);
        cmd
    })?;
    let _ = std::fs::remove_file(&disk);
    let value = |name: &str| metrics.iter().find(|m| m.name == name).map(|m| (m.value, m.repeatable)).unwrap();
    // std::fs's time over the device's: the goal "throughput at least half
    // the raw device's" is "at most twice the time" (the table knows only
    // upper bounds).
    let ratio = |name: &str, raw: &str, fs: &str| {
        let ((raw, a), (fs, b)) = (value(raw), value(fs));
        Metric { name: name.into(), value: fs / raw, unit: "x", goal: Goal::AtMost(2.0), repeatable: a && b }
    };
    let ratios = [
        ratio("fs_write_time_vs_raw", "raw_write_4mib_us", "fs_write_4mib_us"),
        ratio("fs_read_time_vs_raw", "raw_read_4mib_us", "fs_read_4mib_us"),
        // A file of a directory of 10,000 costs at most twice one of 100.
        ratio("fs_dir_10000_vs_100", "fs_dir_100_files_us", "fs_dir_10000_files_us"),
    ];
    metrics.extend(ratios);
    Ok(metrics)
}
