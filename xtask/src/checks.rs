//! `./x test`: every test of the project, host and target, each reported as
//! it finishes, with one closing line `tests: N passed, M failed` that counts
//! every test (each unit test inside a cargo test run counts as one).

use crate::elf;
use crate::target_checks;
use crate::project::{output, run, Project, XOUS_TARGET};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// What a check that passed reports: a note, and how many tests it ran.
pub struct Passed {
    pub note: String,
    pub tests: usize,
}

impl From<String> for Passed {
    fn from(note: String) -> Passed {
        Passed { note, tests: 1 }
    }
}

/// Why a check failed, and how many of its tests failed.
pub struct Failed {
    pub why: String,
    pub tests: usize,
}

impl From<String> for Failed {
    fn from(why: String) -> Failed {
        Failed { why, tests: 1 }
    }
}

type Check = fn(&Project) -> Result<Passed, Failed>;

const CHECKS: &[(&str, Check)] = &[
    ("host unit tests (abi, sysroot-builder, xtask) and target-spec drift", host_unit_tests),
    ("kernel unit tests on the host", kernel_unit_tests),
    ("services' logic unit tests on the host (ticktimer, names)", services_unit_tests),
    ("the filesystem's format on the host: operations, errors, a full device, power cuts at every write", fs_unit_tests),
    ("host fuzzing: boot image, boot loading, ELF, device tree, filesystem images, rkyv names, parameter blocks, console stream, exit notices: 10,000 cases each, no panic", crate::fuzz_host::check),
    ("on QEMU: a hostile process makes random syscalls and garbage requests to every service from 16 threads for 20 s; an innocent std program beside it (files, sleep, clocks, locks, threads, stdout) passes every check, nothing crashes or hangs", crate::fuzz_target::short_fuzz),
    ("on QEMU: a hostile process takes all it can of threads, servers, connections, names, files, sockets, messages, exit watches and memory, floods every service's queue, and holds it all: each take ends in an error for it, and an innocent std program beside it passes every check", crate::fuzz_target::short_exhaustion),
    ("test-apps/hello builds for the target", hello_builds),
    ("a crate outside the repository builds with cargo +xous", outside_crate_builds),
    ("a second setup rebuilds nothing", second_setup_is_a_no_op),
    ("prebuilt sysroot archive: write, install, build with it", archive_round_trip),
    ("on QEMU: a no_std program's exit code comes back through xous-run", target_checks::exit_code),
    ("on QEMU: memory, thread and identity syscalls with their errors", target_checks::syscalls),
    ("on QEMU: every message kind between two processes, and bad requests", target_checks::ipc),
    ("on QEMU: 40 MiB touched under --memory 64M, running out is OutOfMemory, peak memory reported", target_checks::big_memory),
    ("on QEMU: faulting processes end with a report, the rest live on", target_checks::isolation),
    ("on QEMU: a device interrupt handled in a process, device mappings", target_checks::interrupts),
    ("on QEMU: an exception handler repairs a fault and the thread retries", target_checks::exception_handler),
    ("on QEMU: CreateProcess: a child from the parent's pages runs, answers and its exit is noticed; bad requests", target_checks::spawn),
    ("on QEMU: the name server: register, connect by name, wait for a name, bad requests", target_checks::names),
    ("on QEMU: the entropy service (virtio-rng): random pages and values, bad requests", target_checks::rng),
    ("on QEMU: std hello (upstream std) prints and gets its args", target_checks::std_hello),
    ("on QEMU: the demo of ./x run (threads, channel, mutex, sleep, clocks)", target_checks::demo),
    ("on QEMU: std panic: message on stderr, exit code 101", target_checks::std_panic),
    ("on QEMU: std panics of 2-16 KiB under load (hog processes, chatty threads), every byte on stderr, both sysroots", target_checks::panic_under_load),
    ("on QEMU: std process::exit(7) is xous-run's exit code, after 12 KiB left unterminated on stdout and stderr arrive whole", target_checks::std_exit),
    ("on QEMU: std args and environment from xous-run's arguments and --env", target_checks::std_args_env),
    ("on QEMU: std heap: mixed allocations, repeated, stay bounded", target_checks::std_alloc),
    ("on QEMU: std random: HashMap keys from the entropy service, different on every run", target_checks::std_random),
    ("on QEMU: ecosystem: crates.io crates unmodified through the toolchain's crate arms (getrandom 0.1/0.2/0.3/0.4, rand, uuid, ahash, tempfile, filetime, page_size, atty, is-terminal, errno, home, dirs, ctrlc), real results, random bytes differing between boots", crate::ecosystem::small_crates),
    ("ecosystem: the same crates built for the host with the xous toolchain use no crate arm", crate::ecosystem::small_crates_host),
    ("cargo +xous test of a crate outside the repository, passing and failing", outside_crate_tests),
    ("on QEMU: the same std programs built with the pristine std (xous-upstream)", target_checks::std_contract_on_upstream),
    ("on QEMU: std time: Instant, sleep, timed waits, SystemTime against the host clock", target_checks::std_time),
    ("on QEMU: std threads: Mutex, Condvar, mpsc, Barrier, RwLock, Once, thread_local!, scoped", target_checks::std_threads),
    ("on QEMU: ticktimer and systime protocols (remembered unlocks, counts, full table, bad requests, a client dying)", target_checks::timer_protocol),
    ("on QEMU: a program built with the published xous, xous-api-names and xous-api-ticktimer crates", target_checks::xous_crates),
    ("on QEMU: std net: TCP and UDP both ways with the host's loopback, timeouts, nonblocking, shutdown, 32 connections, 16 MiB each way, DNS", target_checks::std_net),
    ("on QEMU: the network service's protocol: bad socket numbers, malformed requests, wrong kinds get errors; a dying client's sockets closed", target_checks::net_protocol),
    ("on QEMU: std fs: the whole API, every error kind, the working directory, four threads and another process writing at once, a full disk", target_checks::std_fs),
    ("on QEMU: std fs: synced files persist across two boots on one disk image; a third boot, write-protected, reads them and refuses every change with ReadOnlyFilesystem", target_checks::std_fs_persistence),
    ("on QEMU: std fs: disks not ours (16 MiB of random bytes; ours with both superblocks damaged) refused, unchanged, every call's error naming why, one line from xous-run; --format; files in and out with xous-fs", target_checks::std_fs_refused_disks),
    ("on QEMU: std fs: 20 power cuts (QEMU killed at random moments of a write workload), every synced file whole after each reboot", target_checks::std_fs_power_cuts),
    ("on QEMU: the filesystem service's protocol: malformed requests, wrong kinds, another process's handles get errors; a dead process's handles close", target_checks::fs_protocol),
    ("on QEMU: the kernel refuses a corrupted boot image", target_checks::malformed_image),
    ("on QEMU: the standard library's own unit and integration tests (./x std-tests --suite std), every failure explained", std_suite),
];

/// Runs every check, or with `filter` only those whose name contains it.
pub fn run_all(project: &Project, filter: Option<&str>) -> Result<(), String> {
    let (mut passed, mut failed) = (0, 0);
    let chosen: Vec<_> = CHECKS.iter().filter(|(name, _)| filter.map_or(true, |f| name.contains(f))).collect();
    if chosen.is_empty() {
        return Err(format!("no check's name contains `{}`", filter.unwrap_or_default()));
    }
    for (name, check) in chosen {
        eprintln!("x test: {name} ...");
        let start = Instant::now();
        match check(project) {
            Ok(ok) => {
                passed += ok.tests;
                println!("test {name} ... ok ({:.1} s) {}", start.elapsed().as_secs_f64(), ok.note);
            }
            Err(failure) => {
                failed += failure.tests;
                println!("test {name} ... FAILED\n{}", failure.why);
            }
        }
    }
    println!("tests: {passed} passed, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} test(s) failed"))
    }
}

fn host_unit_tests(project: &Project) -> Result<Passed, Failed> {
    let mut cmd = project.cargo();
    cmd.current_dir(&project.root).args(["test", "--release", "--locked", "--workspace"]);
    cargo_test(cmd)
}

/// The kernel's hardware-independent logic, built for the host.
fn kernel_unit_tests(project: &Project) -> Result<Passed, Failed> {
    let mut cmd = project.cargo();
    cmd.current_dir(project.root.join("kernel"))
        .args(["test", "--locked", "--lib", "--target", crate::project::HOST_TARGET]);
    cargo_test(cmd)
}

/// The hardware-independent logic of the services (libraries beside their
/// binaries), built for the host.
fn services_unit_tests(project: &Project) -> Result<Passed, Failed> {
    let mut cmd = project.cargo();
    cmd.current_dir(project.root.join("services"))
        .args(["test", "--locked", "--lib", "-p", "ticktimer", "-p", "names", "--target", crate::project::HOST_TARGET]);
    cargo_test(cmd)
}

/// services/fs's library (the on-disk format and the operations) with its
/// power-cut replays, built for the host.
fn fs_unit_tests(project: &Project) -> Result<Passed, Failed> {
    let mut cmd = project.cargo();
    cmd.current_dir(project.root.join("services"))
        .args(["test", "--locked", "--lib", "-p", "fs", "--target", crate::project::HOST_TARGET]);
    cargo_test(cmd)
}

/// The std suite of `./x std-tests`: its passed tests count here.
fn std_suite(project: &Project) -> Result<Passed, Failed> {
    match crate::std_tests::check_suite(project, "std") {
        Ok((tests, note)) => Ok(Passed { note, tests }),
        Err((tests, why)) => Err(Failed { why, tests }),
    }
}

/// Runs a `cargo test` command, showing its output and counting its tests.
fn cargo_test(mut cmd: Command) -> Result<Passed, Failed> {
    let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    print!("{stdout}");
    let (passed, failed) = count_cargo_tests(&stdout);
    match (out.status.success(), passed) {
        (true, 0) => Err("cargo test ran no test".to_string().into()),
        (true, tests) => Ok(Passed { note: format!("{tests} tests"), tests }),
        (false, _) => Err(Failed { why: format!("cargo test failed ({})", out.status), tests: failed.max(1) }),
    }
}

/// Sums the `test result: ... N passed; M failed; ...` lines of cargo test.
fn count_cargo_tests(output: &str) -> (usize, usize) {
    let number_before = |line: &str, word: &str| -> usize {
        line.split(';')
            .find_map(|part| part.trim().strip_suffix(word)?.trim().rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    output
        .lines()
        .filter(|line| line.starts_with("test result:"))
        .fold((0, 0), |(p, f), line| (p + number_before(line, "passed"), f + number_before(line, "failed")))
}

fn hello_builds(project: &Project) -> Result<Passed, Failed> {
    let hello = project.build_test_app("hello")?;
    Ok(elf::inspect(&hello)?.to_string().into())
}

/// What the README tells a user to do, done in a scratch directory through
/// rustup's `cargo +xous` (not our environment), so the link itself is tested.
fn outside_crate_builds(_project: &Project) -> Result<Passed, Failed> {
    // Outside the repository, so neither its workspace nor its rust-toolchain.toml applies.
    let scratch = std::env::temp_dir().join(format!("xous-outside-crate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    output(user_cargo(&scratch).args(["+xous", "new", "--quiet", "hi"]))?;
    let crate_dir = scratch.join("hi");
    output(user_cargo(&crate_dir).args(["+xous", "build", "--release", "--target", XOUS_TARGET]))?;
    let exe = crate_dir.join("target").join(XOUS_TARGET).join("release/hi");
    let info = elf::inspect(&exe);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(info?.to_string().into())
}

/// `cargo` as a user outside the repository runs it: rustup's proxy,
/// without the environment ./x set up for the project.
fn user_cargo(dir: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(dir).env_remove("RUSTC").env_remove("RUSTDOC").env_remove("CARGO");
    cmd
}

/// The README's runner configuration, used as a user would: `cargo +xous
/// test` of a crate outside the repository runs its tests on QEMU; one
/// failing test makes it exit non-zero.
fn outside_crate_tests(_project: &Project) -> Result<Passed, Failed> {
    let scratch = std::env::temp_dir().join(format!("xous-outside-tests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let result = run_outside_tests(&scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn run_outside_tests(scratch: &Path) -> Result<Passed, Failed> {
    let write = |path: &Path, text: &str| {
        std::fs::create_dir_all(path.parent().expect("has a parent")).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let krate = scratch.join("adder");
    write(&krate.join("Cargo.toml"), "[package]\nname = \"adder\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")?;
    write(
        &krate.join(".cargo/config.toml"),
        "[build]\ntarget = \"riscv32imac-unknown-xous-elf\"\n\n[target.riscv32imac-unknown-xous-elf]\nrunner = \"xous-run\"\n",
    )?;
    let tests = "pub fn add(a: u64, b: u64) -> u64 { a + b }\n\
        #[cfg(test)]\nmod tests {\n\
        #[test] fn adds() { assert_eq!(super::add(2, 2), 4); }\n\
        #[test] fn in_a_thread() { assert_eq!(std::thread::spawn(|| super::add(20, 22)).join().unwrap(), 42); }\n\
        #[test] #[should_panic(expected = \"boom\")] fn unwinds() { panic!(\"boom\"); }\n}\n";
    write(&krate.join("src/lib.rs"), tests)?;
    let cargo_test = || {
        user_cargo(&krate).args(["+xous", "test"]).output().map_err(|e| format!("cannot run cargo +xous test: {e}"))
    };
    let passing = cargo_test()?;
    let stdout = String::from_utf8_lossy(&passing.stdout);
    if !passing.status.success() || !stdout.contains("test result: ok. 3 passed; 0 failed") {
        return Err(format!("cargo +xous test failed ({}):\n{stdout}\n{}", passing.status, String::from_utf8_lossy(&passing.stderr)).into());
    }
    write(&krate.join("src/failing.rs"), "#[test] fn fails() { assert_eq!(1 + 1, 3); }\n")?;
    write(&krate.join("src/lib.rs"), &format!("{tests}#[cfg(test)]\nmod failing;\n"))?;
    let failing = cargo_test()?;
    let stdout = String::from_utf8_lossy(&failing.stdout);
    if failing.status.success() || !stdout.contains("3 passed; 1 failed") {
        return Err(format!("a failing test did not fail the run ({}):\n{stdout}", failing.status).into());
    }
    Ok(Passed::from("3 tests pass on QEMU; with a failing one added, cargo exits non-zero".to_string()))
}

fn second_setup_is_a_no_op(project: &Project) -> Result<Passed, Failed> {
    let manifest = project.toolchain.join("manifest.toml");
    let modified = || std::fs::metadata(&manifest).and_then(|m| m.modified()).map_err(|e| e.to_string());
    let before = modified()?;
    let overlay = project.root.join("library/std-xous");
    let log = output(Command::new(&project.builder).arg("build").arg("--overlay").arg(&overlay))?;
    if !log.contains("is up to date") || modified()? != before {
        return Err(format!("the builder did not treat the toolchain as up to date:\n{log}").into());
    }
    Ok(String::new().into())
}

/// `--archive` from the current toolchain, `install` into a scratch
/// toolchain directory, and hello built against that installed sysroot.
fn archive_round_trip(project: &Project) -> Result<Passed, Failed> {
    let scratch = project.root.join("target/test/archive");
    let _ = std::fs::remove_dir_all(&scratch);
    let archive = scratch.join("xous-sysroot.tar.gz");
    let overlay = project.root.join("library/std-xous");
    output(Command::new(&project.builder).arg("build").arg("--overlay").arg(&overlay).arg("--archive").arg(&archive))?;
    let installed = scratch.join("installed");
    output(Command::new(&project.builder).arg("install").arg(&archive).arg("--toolchain-dir").arg(&installed))?;
    let target_dir = scratch.join("target");
    run(Command::new(installed.join("bin/cargo"))
        .current_dir(project.root.join("test-apps"))
        .env("RUSTC", installed.join("bin/rustc"))
        .args(["build", "--release", "--locked", "-p", "hello", "--target-dir"])
        .arg(&target_dir))?;
    let size = std::fs::metadata(&archive).map_err(|e| e.to_string())?.len();
    let info = elf::inspect(&target_dir.join(XOUS_TARGET).join("release/hello"))?;
    Ok(format!("archive {} KiB; hello: {info}", size / 1024).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cargo_test_results() {
        let out = "running 2 tests\ntest result: ok. 31 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.03s\n\
                   test result: FAILED. 2 passed; 3 failed; 0 ignored\n";
        assert_eq!(count_cargo_tests(out), (33, 3));
        assert_eq!(count_cargo_tests("no tests here"), (0, 0));
    }
}
