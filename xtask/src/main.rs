//! xtask: the task runner behind `./x`. By the time it runs, `./x` has set up
//! the toolchain and built this program with it; everything after that
//! (building target code, tests, benchmarks) lives here, in Rust.

mod async_net;
mod bench;
mod bench_history;
mod c_parts;
mod boot;
mod checks;
mod console_checks;
mod ecosystem;
mod elf;
mod dabao_bench;
mod emu_bench;
mod fs_bench;
mod fs_checks;
mod fs_soak;
mod fuzz_host;
mod fuzz_target;
mod image;
mod kernel_bench;
mod lanes;
mod net_bench;
mod net_host;
mod process_checks;
mod project;
mod runner;
mod shell;
mod std_bench;
mod std_tests;
mod swap_bench;
mod swap_checks;
mod target_checks;
mod test_app;
mod top_crates;

use project::Project;

const USAGE: &str = "\
usage: ./x <command>

  setup   install packages, build the sysroot, link the `xous` toolchain (./x itself),
          then build and install the kernel, the services and xous-run
  run [--board dabao|baosec]
          boot the demo on QEMU: the kernel, the services and test-apps/demo; with
          --board dabao, on the model of the Baochip-1x (bao1x-emu), from a signed
          UF2 image as the chip's boot1 starts it; --board baosec, the same with the
          baosec board's 8 MiB SPI PSRAM, which the kernel swaps to
  test [--jobs N] [FILTER]
          run every test (or those whose name contains FILTER), two checks side
          by side on a machine of two cores or more (--jobs 1: one at a time);
          the last line is `tests: N passed, M failed`
  std-tests [--suite core|alloc|std|test] [--filter NAME] [--pristine] [--memory SIZE]
            [--swap SIZE] [--board baosec]
          build the standard library's own tests for the target and run them on
          QEMU (or on the model of the baosec board); --memory and --swap as xous-run
          takes them (2M and 64M: the chip's RAM with a swap disk); a whole run writes
          docs/std-tests.md (or -2m.md, -pristine.md); the last line is
          `std-tests: N passed, M failed, K skipped`
  bench [kernel|sysroot|fs|net|emu|dabao|swap]
          measure into target/bench.json, and append the figures to
          docs/bench/history.tsv with a chart per metric (docs/benchmarks.md): the kernel in
          instructions per operation on QEMU, its size and lines, and the cold
          sysroot build; std::net against the host (net); the Baochip-1x model's
          instruction rate against QEMU's (emu); the SRAM the system takes on the
          dabao board (dabao); a 4 KiB page swapped out and back (swap); naming a
          part measures only that part
  shell [--fresh]
          boot xsh, an interactive shell, on QEMU with a disk of programs (ls, cat,
          echo, mkdir, rm, cp, hello, the demo...): type commands with pipes and
          redirections, Ctrl-D leaves; the disk (target/shell/disk.img) is kept
          between sessions, --fresh formats it
  image --board dabao|baosec PROGRAM.elf [--key KEY.pem] [-o OUT.uf2]
          the kernel for the chip, the dabao board's services and PROGRAM signed into
          a UF2 file that the Baochip-1x's boot1 accepts (Baremetal at 0x6006_0000,
          Ed25519ph with the public developer key or KEY), then checked as boot1 does;
          default output target/bao1x/PROGRAM.uf2. --board baosec: the baosec board's
          kernel (PSRAM swap), and a PROGRAM too large for the RRAM goes to the board's
          NOR flash (the program store), in the same file's blocks at 0x7000_0000.
          Flashing: README.md; what is untested on silicon: docs/bao1x.md
  fs-soak [CUTS]
          power cuts on the filesystem (default 500): QEMU killed at random moments
          of a write workload, every synced file checked after each reboot;
          writes docs/fs-soak.md
  ecosystem [CRATE...] | --builds | --host
          run crates.io crates' own test suites on QEMU (cargo +xous test, xous-run
          as the runner; sources at pinned versions in ~/.cache/xous/ecosystem);
          a full run writes its results into docs/ecosystem.md. --host: build
          test-apps' mio, tokio and smol programs for the host with the same
          toolchain and run them (no crate arm applies). --builds: build a
          program using each of 100 most downloaded crates for the target instead
  fuzz [--host-cases N] [--calls N] [--seconds S] [--seed X] [--host-only | --target-only]
          fuzz every parser of outside input on the host (boot image, ELF, device
          tree, filesystem images, rkyv names, UF2 files, ...): N cases each (default 1,000,000);
          then on QEMU a hostile process makes random syscalls and garbage requests
          beside an innocent std program, boot after boot (S seconds each, default
          150) until N hostile syscalls (default 10,000,000), and takes all it can
          of every resource while the innocent program works (docs/reliability.md)
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let project = match Project::from_env() {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    let result = match args.first().map(String::as_str) {
        Some("setup") => runner::install_dabao(&project).map(|r| {
            println!("kernel, services and xous-run installed: {} and {}", r.bundle.display(), r.xous_run.display())
        }),
        Some("run") => parse_board(&args[1..]).and_then(|board| run(&project, board)),
        Some("test") => checks::command(&project, &args[1..]),
        Some("bench") => bench::run(&project, args.get(1).map(String::as_str)),
        Some("image") => image::command(&project, &args[1..]),
        Some("fs-soak") => fs_soak::run(&project, args.get(1).map(String::as_str)),
        Some("fuzz") => fuzz_target::command(&project, &args[1..]),
        Some("ecosystem") => ecosystem::command(&project, &args[1..]),
        Some("shell") => shell::command(&project, &args[1..]),
        Some("std-tests") => std_tests::parse(&args[1..]).and_then(|o| std_tests::run(&project, &o)),
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

/// `./x run`'s options: none, or `--board dabao` or `--board baosec` (the
/// board's name for xous-run), else an error.
fn parse_board(args: &[String]) -> Result<Option<&'static str>, String> {
    match args {
        [] => Ok(None),
        [option, board] if option == "--board" && board == "dabao" => Ok(Some("dabao")),
        [option, board] if option == "--board" && board == "baosec" => Ok(Some("baosec")),
        [option, board] if option == "--board" && board == "qemu-virt" => Ok(None),
        _ => Err(format!("usage: ./x run [--board dabao|baosec], not `./x run {}`", args.join(" "))),
    }
}

/// The demo: an ordinary std program (threads, a channel, a mutex, sleep,
/// both clocks), built with cargo for the target, booted with the kernel
/// and the services under QEMU (or on the model of the Baochip-1x) by
/// xous-run.
fn run(project: &Project, board: Option<&str>) -> Result<(), String> {
    // The demo needs only the toolchain: it builds beside the runner bundle.
    let install = || match board {
        Some("baosec") => runner::install_baosec(project),
        Some(_) => runner::install_dabao(project),
        None => runner::install(project),
    };
    let (demo, runner) = project::both(|| project.build_test_app("demo"), install)?;
    let info = elf::inspect(&demo)?;
    println!("toolchain `xous`: {} ({})", project.toolchain.display(), project.rust_version()?);
    println!("test-apps/demo for {}: {info}", project::XOUS_TARGET);
    let board_args: Vec<&str> = board.map(|b| vec!["--board", b]).unwrap_or_default();
    let on = board.map(|b| format!(" on the model of the Baochip-1x ({b})")).unwrap_or_default();
    let command: Vec<String> = std::iter::once(runner.xous_run.display().to_string())
        .chain(board_args.iter().map(|a| a.to_string()))
        .chain(std::iter::once(demo.display().to_string()))
        .collect();
    println!("booting it{on}: {}", command.join(" "));
    println!("----");
    let status = std::process::Command::new(&runner.xous_run)
        .args(["--timeout", "60"])
        .args(&board_args)
        .arg(&demo)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", runner.xous_run.display()))?;
    println!("----");
    match status.code() {
        Some(0) => Ok(println!("the demo exited with 0")),
        other => Err(format!("the demo failed: xous-run exited with {other:?}")),
    }
}
