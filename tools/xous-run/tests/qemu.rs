//! xous-run end to end, in QEMU: the runner test fixtures in `fixture/`
//! stand in for the kernel (they write console frames and end QEMU through
//! the test device), and a tiny ELF written by `test_elf` stands in for the
//! program. Checks what reaches stdout and stderr and the exit code for a
//! normal exit, a crash and a timeout; and the runner's own failures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use test_elf::TestElf;

const R: u32 = boot_image::layout::segment::FLAG_R;
const X: u32 = boot_image::layout::segment::FLAG_X;

/// Builds the fixtures once for the whole test binary; returns their
/// directory.
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture");
        let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .current_dir(&manifest)
            .args(["build", "--release", "--target", "riscv32imac-unknown-none-elf", "--target-dir"])
            .arg(&target_dir)
            .output()
            .expect("cannot run cargo to build the fixtures");
        assert!(
            out.status.success(),
            "building the runner test fixtures with the `xous` toolchain failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target_dir.join("riscv32imac-unknown-none-elf/release")
    })
}

/// The xous-run binary cargo built for this test. `CARGO_BIN_EXE_xous-run`
/// does not reach rustc through the toolchain's `/bin/sh` rustc wrapper
/// (dash drops variables whose names hold a `-`), so fall back to where
/// cargo puts binaries: next to the `deps/` directory this test runs from.
fn xous_run() -> PathBuf {
    if let Some(path) = option_env!("CARGO_BIN_EXE_xous-run") {
        return PathBuf::from(path);
    }
    let test = std::env::current_exe().expect("the test's own path");
    let profile_dir = test.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    profile_dir.join("xous-run")
}

/// A scratch directory with an (empty) runner bundle and a program ELF.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bundle")).unwrap();
        let program = TestElf::new(0x1_0000).segment(0x1_0000, R | X, vec![0x6f, 0, 0, 0], 4).eh_frame(0x1_0000);
        std::fs::write(dir.path().join("app"), program.to_bytes()).unwrap();
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs xous-run with `args` (the program comes last), bundle = scratch.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(xous_run())
            .env("XOUS_RUNNER_HOME", self.path("bundle"))
            .args(args)
            .output()
            .expect("cannot run xous-run")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn frames_reach_stdout_and_stderr_and_the_exit_code_comes_through() {
    let scratch = Scratch::new();
    let kernel = fixtures().join("exit-3");
    let image = scratch.path("image.bin");
    let app = scratch.path("app");
    let out = scratch.run(&[
        "--kernel",
        kernel.to_str().unwrap(),
        "--image-out",
        image.to_str().unwrap(),
        "--env",
        "K=V",
        app.to_str().unwrap(),
        "one",
        "--two",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(text(&out.stdout), "hello from the fixture\n", "stderr: {stderr}");
    assert_eq!(stderr, "fixture: raw boot text\nfixture: kernel channel\nfixture: stderr channel\n");
    assert_eq!(out.status.code(), Some(3));

    // The image it booted: the program, MAIN, with its argv and environment.
    let bytes = std::fs::read(&image).unwrap();
    let parsed = boot_image::parse(&bytes).unwrap();
    let program = parsed.processes().last().unwrap();
    assert_eq!((program.name, program.is_main()), ("app", true));
    let blocks: Vec<_> = xous_abi::params::blocks(program.params).unwrap().collect();
    assert_eq!(xous_abi::params::strings(blocks[1].data).collect::<Vec<_>>(), ["K", "V"]);
    assert_eq!(xous_abi::params::strings(blocks[2].data).collect::<Vec<_>>(), ["app", "one", "--two"]);
}

#[test]
fn services_from_the_bundle_boot_before_the_program() {
    let scratch = Scratch::new();
    let services = scratch.path("bundle/services");
    std::fs::create_dir(&services).unwrap();
    std::fs::copy(fixtures().join("exit-3"), scratch.path("bundle/kernel.elf")).unwrap();
    for name in ["log", "ticktimer"] {
        let elf = TestElf::new(0x2_0000).segment(0x2_0000, R | X, vec![0x6f, 0, 0, 0], 4);
        std::fs::write(services.join(name), elf.to_bytes()).unwrap();
    }
    std::fs::write(services.join("order"), "log\nticktimer\n").unwrap();
    let image = scratch.path("image.bin");
    let app = scratch.path("app");
    let out = scratch.run(&["--image-out", image.to_str().unwrap(), app.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let bytes = std::fs::read(&image).unwrap();
    let parsed = boot_image::parse(&bytes).unwrap();
    let order: Vec<_> = parsed.processes().map(|p| (p.name, p.is_main())).collect();
    assert_eq!(order, [("log", false), ("ticktimer", false), ("app", true)]);
}

#[test]
fn a_crash_frame_ends_the_run_with_125() {
    let scratch = Scratch::new();
    let kernel = fixtures().join("crash");
    let out = scratch.run(&["--kernel", kernel.to_str().unwrap(), scratch.path("app").to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("fixture crash: no runnable thread\nsecond line\n"), "{stderr}");
    assert!(
        stderr.ends_with("xous-run: the kernel or a service crashed: fixture crash: no runnable thread\n"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(125));
}

#[test]
fn a_timeout_kills_qemu_and_ends_the_run_with_124() {
    let scratch = Scratch::new();
    let kernel = fixtures().join("hang");
    let app = scratch.path("app");
    let out = scratch.run(&["--timeout", "1", "--kernel", kernel.to_str().unwrap(), app.to_str().unwrap()]);
    assert_eq!(text(&out.stdout), "waiting forever\n");
    assert_eq!(text(&out.stderr), "xous-run: timed out after 1 s (--timeout 1); QEMU was killed\n");
    assert_eq!(out.status.code(), Some(124));
}

#[test]
fn the_runners_own_failures() {
    let scratch = Scratch::new();
    let app = scratch.path("app");
    let out = scratch.run(&[app.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no kernel at ") && stderr.contains("`./x setup` installs"), "{stderr}");
    assert_eq!(out.status.code(), Some(126));

    // A kernel that needs no building: QEMU is never started here.
    let kernel = TestElf::new(0x8000_1000).kernel_segment(0x8000_1000, 0x8000_1000, vec![0x6f, 0, 0, 0], 4);
    std::fs::write(scratch.path("bundle/kernel.elf"), kernel.to_bytes()).unwrap();
    let out = Command::new(xous_run())
        .env("XOUS_RUNNER_HOME", scratch.path("bundle"))
        .env("PATH", scratch.path("empty"))
        .arg(&app)
        .output()
        .unwrap();
    assert!(text(&out.stderr).contains("cannot start qemu-system-riscv32"), "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(127));

    std::fs::write(scratch.path("script"), "#!/bin/sh\n").unwrap();
    let out = scratch.run(&[scratch.path("script").to_str().unwrap()]);
    assert!(text(&out.stderr).ends_with("script: not an ELF file\n"), "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(126));

    let out = scratch.run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("124  --timeout expired"));
}
