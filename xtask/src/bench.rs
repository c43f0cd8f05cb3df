//! `./x bench`: the project's measurements, printed as a table and written to
//! target/bench.json (one number per metric). Wall-clock numbers appear only
//! where time is the goal itself (the cold sysroot build).

use crate::project::{output, Project};
use std::process::Command;
use std::time::Instant;

pub fn run(project: &Project) -> Result<(), String> {
    let mut metrics: Vec<(&str, f64, &str)> = Vec::new();

    // A cold build: fresh work and toolchain directories, nothing cached.
    let scratch = project.root.join("target/bench/sysroot");
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!("x bench: cold sysroot build (about a minute and a half) ...");
    let start = Instant::now();
    output(
        Command::new(&project.builder)
            .arg("build")
            .arg("--overlay")
            .arg(project.root.join("library/std-xous"))
            .arg("--toolchain-dir")
            .arg(scratch.join("toolchain"))
            .arg("--work-dir")
            .arg(scratch.join("work")),
    )?;
    metrics.push(("sysroot_cold_build_s", start.elapsed().as_secs_f64(), "s (goal <= 90)"));
    let _ = std::fs::remove_dir_all(&scratch);

    println!("{:<28} {:>12}", "metric", "value");
    for (name, value, unit) in &metrics {
        println!("{name:<28} {value:>12.1} {unit}");
    }
    let json: Vec<String> = metrics.iter().map(|(name, value, _)| format!("  \"{name}\": {value:.1}")).collect();
    let path = project.root.join("target/bench.json");
    std::fs::write(&path, format!("{{\n{}\n}}\n", json.join(",\n")))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
