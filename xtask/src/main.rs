//! xtask: the task runner behind `./x`. By the time it runs, `./x` has set up
//! the toolchain and built this program with it; everything after that
//! (building target code, tests, benchmarks) lives here, in Rust.

mod bench;
mod checks;
mod elf;
mod project;

use project::Project;

const USAGE: &str = "\
usage: ./x <command>

  setup   install packages, build the sysroot, link the `xous` toolchain (done by ./x itself)
  run     build the demo for riscv32imac-unknown-xous-elf and show it
  test    run every test; the last line is `tests: N passed, M failed`
  bench   measure the cold sysroot build into target/bench.json
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let project = match Project::from_env() {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&project),
        Some("test") => checks::run_all(&project),
        Some("bench") => bench::run(&project),
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        fail(&e);
    }
}

fn fail(message: &str) -> ! {
    eprintln!("x: error: {message}");
    std::process::exit(1);
}

/// The demo. Until the kernel exists, it builds test-apps/hello for the
/// target and shows what came out.
fn run(project: &Project) -> Result<(), String> {
    let hello = project.build_test_app("hello")?;
    let info = elf::inspect(&hello)?;
    println!("toolchain `xous`: {} ({})", project.toolchain.display(), project.rust_version()?);
    println!("built test-apps/hello for {}:", project::XOUS_TARGET);
    println!("  {}", hello.display());
    println!("  {info}");
    println!("booting it on QEMU needs the kernel and its runner, which are not in this tree yet");
    Ok(())
}
