//! `./x test` on the target: programs booted on QEMU by xous-run, with the
//! kernel and services of the runner bundle, checked by their exit code and
//! by what they print.

use crate::checks::{Failed, Passed};
use crate::project::{run, Project, XOUS_TARGET};
use crate::runner;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn describe(&self) -> String {
        format!("exit {:?}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Builds kernel/target-tests (release); returns where its programs are.
pub fn target_tests(project: &Project) -> Result<PathBuf, String> {
    let dir = project.root.join("kernel/target-tests");
    run(project.cargo().current_dir(&dir).args(["build", "--release", "--locked", "--quiet"]))?;
    Ok(dir.join("target").join(XOUS_TARGET).join("release"))
}

/// Boots `program` (with extra `services`) under xous-run.
fn boot(project: &Project, program: &Path, services: &[(&str, PathBuf)], args: &[&str]) -> Result<Outcome, String> {
    boot_with(project, program, args, &Extras { services, ..Extras::default() })
}

/// What a boot may add to the installed runner bundle.
#[derive(Default)]
struct Extras<'a> {
    services: &'a [(&'a str, PathBuf)],
    /// `KEY=VALUE` for the program's environment.
    env: &'a [String],
    /// A runner bundle to use instead of the installed one.
    bundle: Option<PathBuf>,
    /// Guest RAM (xous-run's `--memory`) instead of its default.
    memory: Option<&'a str>,
    /// More xous-run options (`--hostfwd`, `--dns`).
    options: &'a [String],
}

fn boot_with(project: &Project, program: &Path, args: &[&str], extras: &Extras) -> Result<Outcome, String> {
    let runner = runner::install(project)?;
    let mut cmd = Command::new(&runner.xous_run);
    cmd.args(["--timeout", "60"]);
    for (name, path) in extras.services {
        cmd.arg("--service").arg(format!("{name}={}", path.display()));
    }
    for variable in extras.env {
        cmd.arg("--env").arg(variable);
    }
    if let Some(bundle) = &extras.bundle {
        cmd.env("XOUS_RUNNER_HOME", bundle);
    }
    if let Some(memory) = extras.memory {
        cmd.args(["--memory", memory]);
    }
    cmd.args(extras.options);
    let out = cmd.arg(program).args(args).output().map_err(|e| format!("cannot run xous-run: {e}"))?;
    Ok(Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// A copy of the installed runner bundle without the services in
/// `left_out`, for tests that need a device one of them owns.
pub fn bundle_without(project: &Project, left_out: &[&str]) -> Result<PathBuf, String> {
    let runner = runner::install(project)?;
    let bundle = project.root.join("target/test").join(format!("bundle-without-{}", left_out.join("-")));
    let _ = std::fs::remove_dir_all(&bundle);
    std::fs::create_dir_all(bundle.join("services")).map_err(|e| e.to_string())?;
    let copy = |path: &str| {
        std::fs::copy(runner.bundle.join(path), bundle.join(path)).map_err(|e| format!("cannot copy {path} of the runner bundle: {e}"))
    };
    copy("kernel.elf")?;
    let kept: Vec<&str> = runner::SERVICES.iter().copied().filter(|s| !left_out.contains(s)).collect();
    for service in &kept {
        copy(&format!("services/{service}"))?;
    }
    std::fs::write(bundle.join("services/order"), kept.join("\n") + "\n").map_err(|e| e.to_string())?;
    Ok(bundle)
}

fn expect(outcome: &Outcome, code: i32, stdout_has: &[&str], stderr_has: &[&str]) -> Result<Passed, Failed> {
    let ok = outcome.code == Some(code)
        && stdout_has.iter().all(|s| outcome.stdout.contains(s))
        && stderr_has.iter().all(|s| outcome.stderr.contains(s));
    if ok {
        Ok(Passed::from(format!("exit {code}")))
    } else {
        Err(Failed::from(format!("expected exit {code}, stdout with {stdout_has:?}, stderr with {stderr_has:?}; got {}", outcome.describe())))
    }
}

pub fn exit_code(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let outcome = boot(project, &bin.join("exit-code"), &[], &[])?;
    expect(&outcome, 7, &["exit-code: leaving with 7"], &[])
}

/// The thread-limit check fills the table with workers that wait (for
/// RELEASE) before they return, so no slot frees while it fills, whatever
/// the quanta do (the kernel reuses exited slots: a worker that returned
/// early once made it count 31).
pub fn syscalls(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let outcome = boot(project, &bin.join("syscalls"), &[], &[])?;
    expect(&outcome, 0, &["syscalls: all checks passed"], &[])
}

pub fn ipc(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let outcome = boot(project, &bin.join("ipc-client"), &[("ipc-server", bin.join("ipc-server"))], &[])?;
    expect(&outcome, 0, &["ipc: all checks passed"], &[])
}

pub fn isolation(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let victims = ["victim-kernel-read", "victim-null-write", "victim-illegal-instruction", "victim-guard-page"];
    let services: Vec<(&str, PathBuf)> = victims.iter().map(|v| (*v, bin.join(v))).collect();
    let outcome = boot(project, &bin.join("isolation-main"), &services, &[])?;
    expect(
        &outcome,
        0,
        &["isolation: survived the victims"],
        &[
            "(victim-kernel-read) terminated: load page fault",
            "address 0xff401000",
            "(victim-null-write) terminated: store page fault",
            "address 0x00000010",
            "(victim-illegal-instruction) terminated: illegal instruction",
            "(victim-guard-page) terminated: load page fault",
        ],
    )
}

/// irq-rtc maps the RTC and claims its interrupt, which the ticktimer owns
/// in the full bundle (and systime waits for the ticktimer): it runs without them.
pub fn interrupts(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let bundle = bundle_without(project, &["ticktimer", "systime"])?;
    let outcome = boot_with(project, &bin.join("irq-rtc"), &[], &Extras { bundle: Some(bundle), ..Extras::default() })?;
    expect(&outcome, 0, &["irq: the RTC alarm interrupted twice; all checks passed"], &[])
}

/// All of RAM is used, not only what the kernel maps itself; running out
/// is an error for the program, and the kernel reports its peak use.
pub fn big_memory(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let outcome = boot_with(project, &bin.join("big-memory"), &[], &Extras { memory: Some("64M"), ..Extras::default() })?;
    expect(&outcome, 0, &["big-memory: all checks passed"], &["kernel: peak memory", "KiB of 65536 KiB"])
}

/// CreateProcess: a parent moves a copy of its image into a child, which
/// prints, answers the parent on its initial server and exits with 42; the
/// parent hears of it as an exit notice. Bad requests are errors.
pub fn spawn(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let outcome = boot(project, &bin.join("spawn"), &[], &[])?;
    expect(&outcome, 0, &["spawn-child: pid", "started with a0 0x12340, a1 0x5678", "spawn: child", "all checks passed"], &[])
}

pub fn exception_handler(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let outcome = boot(project, &bin.join("exception-handler"), &[], &[])?;
    expect(&outcome, 0, &["exception: the handler mapped the page and the read was retried"], &[])
}

pub fn names(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let outcome = boot(project, &bin.join("names-client"), &[("names-echo", bin.join("names-echo"))], &[])?;
    expect(&outcome, 0, &["names: all checks passed"], &[])
}

pub fn std_panic(project: &Project) -> Result<Passed, Failed> {
    std_panic_with(project, project.build_test_app("panic")?)
}

fn std_panic_with(project: &Project, program: PathBuf) -> Result<Passed, Failed> {
    let outcome = boot(project, &program, &[], &[])?;
    expect(&outcome, 101, &["panic: about to panic"], &["panicked at", "deliberate panic with None and a number 42"])
}

pub fn std_exit(project: &Project) -> Result<Passed, Failed> {
    std_exit_with(project, project.build_test_app("exit")?)
}

fn std_exit_with(project: &Project, program: PathBuf) -> Result<Passed, Failed> {
    let outcome = boot(project, &program, &[], &[])?;
    let tail: String = (0..12 * 1024).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let (stdout_tail, stderr_tail) = (format!("{tail}<stdout-end>"), format!("{tail}<stderr-end>"));
    expect(&outcome, 7, &["exit: leaving with 7", &stdout_tail], &[&stderr_tail])
}

pub fn std_args_env(project: &Project) -> Result<Passed, Failed> {
    std_args_env_with(project, project.build_test_app("args-env")?)
}

fn std_args_env_with(project: &Project, program: PathBuf) -> Result<Passed, Failed> {
    let env = ["GREETING=hello world".to_string(), "EMPTY=".to_string()];
    let outcome = boot_with(project, &program, &["a", "b c"], &Extras { env: &env, ..Extras::default() })?;
    expect(&outcome, 0, &["args-env: all checks passed"], &[])
}

pub fn std_alloc(project: &Project) -> Result<Passed, Failed> {
    std_alloc_with(project, project.build_test_app("alloc")?)
}

fn std_alloc_with(project: &Project, program: PathBuf) -> Result<Passed, Failed> {
    let outcome = boot(project, &program, &[], &[])?;
    expect(&outcome, 0, &["alloc: all checks passed"], &[])
}

/// What `./x run` shows must work: the demo ends well.
pub fn demo(project: &Project) -> Result<Passed, Failed> {
    demo_with(project, project.build_test_app("demo")?)
}

fn demo_with(project: &Project, demo: PathBuf) -> Result<Passed, Failed> {
    let outcome = boot(project, &demo, &[], &[])?;
    expect(&outcome, 0, &["demo: thread 4 slept 80 ms, summed 1..=4000 = 8002000", "demo: total 15005000 after"], &[])
}

/// std's random source (std-xous: the entropy service): two runs of
/// test-apps/random must pass and print different fingerprints.
pub fn std_random(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("random")?;
    let mut fingerprints = Vec::new();
    for _ in 0..2 {
        let outcome = boot(project, &program, &[], &[])?;
        expect(&outcome, 0, &["random: all checks passed"], &[])?;
        let line = outcome.stdout.lines().find_map(|l| l.strip_prefix("random: fingerprint ")).map(str::to_string);
        fingerprints.push(line.ok_or_else(|| Failed { why: format!("no fingerprint printed\n{}", outcome.describe()), tests: 1 })?);
    }
    if fingerprints[0] == fingerprints[1] {
        return Err(Failed { why: format!("two runs hashed alike ({}): the keys are not random", fingerprints[0]), tests: 1 });
    }
    Ok(Passed { note: format!("fingerprints {} and {}", fingerprints[0], fingerprints[1]), tests: 1 })
}

pub fn rng(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let outcome = boot(project, &bin.join("rng-client"), &[], &[])?;
    expect(&outcome, 0, &["rng: all checks passed"], &[])
}

pub fn std_hello(project: &Project) -> Result<Passed, Failed> {
    std_hello_with(project, project.build_test_app("hello")?)
}

fn std_hello_with(project: &Project, hello: PathBuf) -> Result<Passed, Failed> {
    let outcome = boot(project, &hello, &[], &["one", "two words"])?;
    expect(&outcome, 0, &["Hello from Rust std on Xous!", r#"args: ["hello", "one", "two words"]"#], &[])
}

/// test-apps/time: Instant, sleep and timed waits on the ticktimer, and
/// SystemTime from the system-time service against the host's clock now.
pub fn std_time(project: &Project) -> Result<Passed, Failed> {
    std_time_with(project, project.build_test_app("time")?)
}

fn std_time_with(project: &Project, time: PathBuf) -> Result<Passed, Failed> {
    let host_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis();
    let env = [format!("HOST_UNIX_TIME_MS={host_ms}")];
    let outcome = boot_with(project, &time, &[], &Extras { env: &env, ..Extras::default() })?;
    expect(&outcome, 0, &["SystemTime is within 5 s of the host clock", "time: all checks passed"], &[])
}

/// test-apps/threads: std's threads and locks, contended, through the ticktimer.
pub fn std_threads(project: &Project) -> Result<Passed, Failed> {
    std_threads_with(project, project.build_test_app("threads")?)
}

fn std_threads_with(project: &Project, threads: PathBuf) -> Result<Passed, Failed> {
    let outcome = boot(project, &threads, &[], &[])?;
    expect(&outcome, 0, &["threads: all checks passed"], &[])
}

/// test-apps/xous-crates: a program written with the published Xous crates
/// (xous, xous-api-names, xous-api-ticktimer, xous-ipc) registers a server
/// by name and talks to it with scalar and memory messages.
pub fn xous_crates(project: &Project) -> Result<Passed, Failed> {
    xous_crates_with(project, project.build_test_app("xous-crates")?)
}

fn xous_crates_with(project: &Project, program: PathBuf) -> Result<Passed, Failed> {
    let outcome = boot(project, &program, &[], &[])?;
    expect(&outcome, 0, &["xous-crates: all checks passed"], &[])
}

/// test-apps/timer-protocol: the two services spoken to with raw syscalls,
/// and test-apps/dying-client dying with requests held in the ticktimer,
/// which the kernel's exit notice must make the ticktimer let go of.
pub fn timer_protocol(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("timer-protocol")?;
    let dying = project.build_test_app("dying-client")?;
    let outcome = boot(project, &program, &[("dying-client", dying)], &[])?;
    expect(&outcome, 0, &["timer-protocol: all checks passed"], &["(dying-client) terminated: store page fault"])
}

/// test-apps/net: std::net against the host side in `net_host` (servers
/// on 127.0.0.1, reached as 10.0.2.2; clients through --hostfwd; a DNS
/// responder behind --dns 10.0.2.2).
pub fn std_net(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("net")?;
    let port = |what| crate::net_host::free_port().map_err(|e| format!("no free port for {what}: {e}"));
    let (tcp_forward, udp_forward) = (port("the TCP forward")?, port("the UDP forward")?);
    let (guest_tcp, guest_udp) = (7000, 7001);
    let host = crate::net_host::Host::start(tcp_forward, udp_forward)?;
    let env = [
        format!("HOST_TCP_PORT={}", host.tcp_port),
        format!("HOST_UDP_PORT={}", host.udp_port),
        format!("HOST_CLOSED_PORT={}", host.closed_port),
        format!("GUEST_TCP_PORT={guest_tcp}"),
        format!("GUEST_UDP_PORT={guest_udp}"),
    ];
    let options = [
        "--hostfwd".to_string(),
        format!("tcp:127.0.0.1:{tcp_forward}-:{guest_tcp}"),
        "--hostfwd".to_string(),
        format!("udp:127.0.0.1:{udp_forward}-:{guest_udp}"),
        "--dns".to_string(),
        "10.0.2.2".to_string(),
    ];
    let outcome = boot_with(project, &program, &[], &Extras { env: &env, options: &options, memory: Some("64M"), ..Extras::default() });
    let (reports, host_ok) = host.finish();
    let mut outcome = outcome?;
    outcome.stderr.push_str(&reports.join("\n"));
    let result = expect(&outcome, 0, &["net: all checks passed"], &[]);
    match (result, host_ok) {
        (Ok(passed), true) => Ok(passed),
        (Ok(_), false) => Err(Failed::from(format!("the host side failed: {}", outcome.describe()))),
        (Err(failed), _) => Err(failed),
    }
}

/// test-apps/net-protocol: the network service spoken to with raw
/// syscalls: bad socket numbers, unknown opcodes, out-of-range values and
/// wrong message kinds get errors, and the service serves on; and
/// test-apps/net-dying-client dying with sockets open, which the kernel's
/// exit notice must make the service close.
pub fn net_protocol(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("net-protocol")?;
    let dying = project.build_test_app("net-dying-client")?;
    let outcome = boot(project, &program, &[("net-dying-client", dying)], &[])?;
    expect(&outcome, 0, &["net-protocol: all checks passed"], &["(net-dying-client) terminated: store page fault"])
}

/// A fresh disk image under target/test for a filesystem check.
fn fresh_disk(project: &Project, name: &str) -> Result<PathBuf, String> {
    let disk = project.root.join("target/test").join(name);
    std::fs::create_dir_all(disk.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    match std::fs::remove_file(&disk) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("cannot remove {}: {e}", disk.display())),
        _ => Ok(disk),
    }
}

/// test-apps/fs: std::fs on a fresh 16 MiB disk (xous-run --disk), which
/// it also fills up; the same program booted beside it as `fs-peer`
/// writes files of its own meanwhile.
pub fn std_fs(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("fs")?;
    let disk = fresh_disk(project, "fs-walk.img")?;
    let options = ["--disk".to_string(), disk.display().to_string()];
    let services = [("fs-peer", program.clone())];
    let outcome = boot_with(project, &program, &[], &Extras { options: &options, services: &services, ..Extras::default() })?;
    expect(&outcome, 0, &["fs: all checks passed"], &[])
}

/// test-apps/fs twice on one disk image: the first boot writes and syncs
/// files (one of 5 MB), the second reads them back byte for byte; a third
/// boot has the disk write-protected (`--disk-readonly`): reads work, every
/// change is ReadOnlyFilesystem, and the image is byte for byte the same
/// after it.
pub fn std_fs_persistence(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("fs")?;
    let disk = fresh_disk(project, "fs-persist.img")?;
    let options = ["--disk".to_string(), disk.display().to_string()];
    let extras = Extras { options: &options, ..Extras::default() };
    let first = boot_with(project, &program, &["persist-write"], &extras)?;
    expect(&first, 0, &["fs: all checks passed"], &[])?;
    let second = boot_with(project, &program, &["persist-check"], &extras)?;
    expect(&second, 0, &["fs: all checks passed", "/persist/sub/c (5000000 bytes) came back"], &[])?;
    let before = std::fs::read(&disk).map_err(|e| e.to_string())?;
    let options = ["--disk".to_string(), disk.display().to_string(), "--disk-readonly".to_string()];
    let third = boot_with(project, &program, &["read-only"], &Extras { options: &options, ..Extras::default() })?;
    let passed = expect(&third, 0, &["fs: all checks passed", "read-only: File::create"], &[])?;
    let after = std::fs::read(&disk).map_err(|e| e.to_string())?;
    if before != after {
        return Err(Failed::from("the write-protected disk image changed".to_string()));
    }
    Ok(passed)
}

/// The byte at `i` of test-apps/fs's file `seed` (its `pattern`).
fn fs_pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 12) as u8).collect()
}

/// Runs the installed xous-fs; its stdout, or why it failed.
fn xous_fs(runner: &runner::Runner, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Result<String, String> {
    let mut cmd = Command::new(&runner.xous_fs);
    for arg in args {
        cmd.arg(arg);
    }
    let out = cmd.output().map_err(|e| format!("cannot run xous-fs: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?}: {}\n{}{}", out.status, String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A boot of test-apps/fs on a disk the service must refuse: the program
/// passes its `refused` checks, xous-run's stderr has exactly one line
/// saying why (holding `why`), and the image is byte for byte as it was.
fn boot_refused(project: &Project, program: &Path, disk: &Path, reason: &str, why: &str) -> Result<(), Failed> {
    let before = std::fs::read(disk).map_err(|e| e.to_string())?;
    let options = ["--disk".to_string(), disk.display().to_string()];
    let outcome = boot_with(project, program, &["refused", reason], &Extras { options: &options, ..Extras::default() })?;
    expect(&outcome, 0, &["fs: all checks passed"], &[]).map_err(|f| Failed::from(format!("{reason}: {}", f.why)))?;
    let lines: Vec<&str> = outcome.stderr.lines().filter(|l| l.contains("refused")).collect();
    if lines.len() != 1 || !lines[0].starts_with("fs: the disk is refused, left as it is") || !lines[0].contains(why) {
        return Err(Failed::from(format!("{reason}: expected one line saying why ({why}) on stderr: {}", outcome.describe())));
    }
    if std::fs::read(disk).map_err(|e| e.to_string())? != before {
        return Err(Failed::from(format!("{reason}: the refused image changed")));
    }
    Ok(())
}

/// Disks that are not the filesystem's own: 16 MiB of random bytes, then
/// an image of ours with both superblocks damaged. Each is refused: every
/// std::fs call fails with the error naming the reason, xous-run prints
/// one line saying why, the image stays byte for byte. `xous-run --format`
/// then formats the random image; a file put there with xous-fs is read
/// by the guest, and one the guest writes comes back out with xous-fs.
pub fn std_fs_refused_disks(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("fs")?;
    let runner = runner::install(project)?;
    let disk = fresh_disk(project, "fs-noise.img")?;
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ std::process::id() as u64;
    let noise: Vec<u8> = (0..16 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&disk, &noise).map_err(|e| e.to_string())?;
    boot_refused(project, &program, &disk, "not-ours", "it holds no filesystem of ours and is not blank")?;

    let ours = fresh_disk(project, "fs-damaged.img")?;
    let host_file = project.root.join("target/test/fs-host-in.bin");
    std::fs::write(&host_file, fs_pattern(7, 300_000)).map_err(|e| e.to_string())?;
    xous_fs(&runner, &[&"format", &ours, &"--size", &"4M"])?;
    xous_fs(&runner, &[&"put", &ours, &host_file, &"/kept"])?;
    let mut image = std::fs::read(&ours).map_err(|e| e.to_string())?;
    image[20] ^= 1;
    image[4096 + 20] ^= 1;
    std::fs::write(&ours, &image).map_err(|e| e.to_string())?;
    boot_refused(project, &program, &ours, "damaged", "damaged beyond repair: neither superblock")?;

    let options = ["--disk".to_string(), disk.display().to_string(), "--format".to_string()];
    let formatted = boot_with(project, &program, &["persist-write"], &Extras { options: &options, ..Extras::default() })?;
    expect(&formatted, 0, &["fs: all checks passed"], &["xous-run: formatted"]).map_err(|f| Failed::from(format!("--format: {}", f.why)))?;
    xous_fs(&runner, &[&"mkdir", &disk, &"/host"])?;
    xous_fs(&runner, &[&"put", &disk, &host_file, &"/host/in.bin"])?;
    let options = ["--disk".to_string(), disk.display().to_string()];
    let moved = boot_with(project, &program, &["host-files"], &Extras { options: &options, ..Extras::default() })?;
    expect(&moved, 0, &["fs: all checks passed"], &[]).map_err(|f| Failed::from(format!("host-files: {}", f.why)))?;
    let out = project.root.join("target/test/fs-guest-out.bin");
    xous_fs(&runner, &[&"get", &disk, &"/guest/out.bin", &out])?;
    if std::fs::read(&out).map_err(|e| e.to_string())? != fs_pattern(9, 200_000) {
        return Err(Failed::from("the file the guest wrote came out of the image different".to_string()));
    }
    let check = xous_fs(&runner, &[&"check", &disk])?;
    Ok(Passed::from(format!("refused twice, unchanged; formatted; files both ways; check: {}", check.lines().last().unwrap_or(""))))
}

/// Power cuts on one disk image: boot test-apps/fs's crash workload, let
/// xous-run's timeout kill QEMU at a random moment, boot the checker on
/// the same image with the last generation the workload said it synced;
/// `cuts` times, the workload going on from there each time.
pub fn power_cuts(project: &Project, cuts: usize, image: &str) -> Result<(Passed, u64), Failed> {
    let program = project.build_test_app("fs")?;
    let disk = fresh_disk(project, image)?;
    let options = ["--disk".to_string(), disk.display().to_string()];
    let runner = runner::install(project)?;
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1;
    let mut last: Option<u64> = None;
    for cut in 0..cuts {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Boot takes about 0.2 s; the cut falls anywhere in the next 1.3 s.
        let after = 0.2 + (seed % 1300) as f64 / 1000.0;
        let first = last.map_or(0, |n| n + 1).to_string();
        let out = Command::new(&runner.xous_run)
            .args(["--timeout", &format!("{after:.3}")])
            .args(&options)
            .arg(&program)
            .args(["crash-write", &first])
            .output()
            .map_err(|e| format!("cannot run xous-run: {e}"))?;
        if out.status.code() != Some(124) {
            return Err(Failed::from(format!("cut {cut}: the workload ended by itself ({:?}): {}", out.status.code(), String::from_utf8_lossy(&out.stderr))));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        // Only whole lines: the cut can fall inside one ("synced 1180"
        // read as "synced 118").
        let whole_lines = stdout.split_inclusive('\n').filter(|l| l.ends_with('\n'));
        if let Some(n) = whole_lines.filter_map(|l| l.strip_prefix("synced ")?.trim().parse().ok()).last() {
            if last.is_some_and(|previous| n <= previous) {
                return Err(Failed::from(format!("cut {cut}: the workload went back to generation {n}")));
            }
            last = Some(n);
        }
        let check = last.map(|n| n.to_string());
        let args: Vec<&str> = ["crash-check"].into_iter().chain(check.as_deref()).collect();
        let outcome = boot_with(project, &program, &args, &Extras { options: &options, ..Extras::default() })?;
        expect(&outcome, 0, &["fs: all checks passed"], &[]).map_err(|f| Failed::from(format!("after cut {cut} at {after:.3} s (last synced {last:?}): {}", f.why)))?;
    }
    let synced = last.map_or(0, |n| n + 1);
    Ok((Passed::from(format!("{cuts} cuts, {synced} generations synced and checked")), synced))
}

pub fn std_fs_power_cuts(project: &Project) -> Result<Passed, Failed> {
    power_cuts(project, 20, "fs-cuts.img").map(|(passed, _)| passed)
}

/// test-apps/fs-protocol: the filesystem service spoken to with raw
/// syscalls, beside fs-holder, a process that holds files open and ends.
pub fn fs_protocol(project: &Project) -> Result<Passed, Failed> {
    let program = project.build_test_app("fs-protocol")?;
    let holder = program.with_file_name("fs-holder");
    let outcome = boot(project, &program, &[("fs-holder", holder)], &[])?;
    expect(&outcome, 0, &["fs-protocol: all checks passed"], &[])
}

/// A boot image with one flipped byte in its process directory: the kernel
/// must refuse it with a message on the crash channel and stop (exit 254).
pub fn malformed_image(project: &Project) -> Result<Passed, Failed> {
    let bin = target_tests(project)?;
    let runner = runner::install(project)?;
    let image = project.root.join("target/test/malformed.img");
    std::fs::create_dir_all(image.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    let xous_image = project.root.join("target/release/xous-image");
    run(Command::new(&xous_image)
        .arg("--kernel")
        .arg(&runner.kernel)
        .arg("--process")
        .arg(format!("exit-code={}", bin.join("exit-code").display()))
        .arg("--main")
        .arg("-o")
        .arg(&image))?;
    let mut bytes = std::fs::read(&image).map_err(|e| e.to_string())?;
    let directory = u32::from_le_bytes(bytes[0x28..0x2c].try_into().expect("4 bytes")) as usize;
    bytes[directory + 8] ^= 0x20;
    std::fs::write(&image, &bytes).map_err(|e| e.to_string())?;
    let out = Command::new("timeout")
        .args(["30", "qemu-system-riscv32", "-M", "virt", "-bios", "none", "-m", "32M", "-display", "none", "-monitor", "none", "-serial", "stdio", "-kernel"])
        .arg(&image)
        .output()
        .map_err(|e| format!("cannot run QEMU: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(254) && text.contains("the boot image is invalid") {
        Ok(Passed::from(text.lines().find_map(|l| l.find("kernel:").map(|at| l[at..].to_string())).unwrap_or_default()))
    } else {
        Err(Failed::from(format!("expected a refusal with exit 254, got {:?}: {text}", out.status.code())))
    }
}

/// The std programs above, built against the pristine sysroot (the library
/// source with no overlay, toolchain `xous-upstream`): our kernel and
/// services must run the std that ships with the compiler, unmodified.
pub fn std_contract_on_upstream(project: &Project) -> Result<Passed, Failed> {
    type Check = fn(&Project, PathBuf) -> Result<Passed, Failed>;
    let apps: [(&str, Check); 9] = [
        ("hello", std_hello_with),
        ("demo", demo_with),
        ("panic", std_panic_with),
        ("exit", std_exit_with),
        ("args-env", std_args_env_with),
        ("alloc", std_alloc_with),
        ("time", std_time_with),
        ("threads", std_threads_with),
        ("xous-crates", xous_crates_with),
    ];
    let mut failures = Vec::new();
    for (app, check) in apps {
        let program = project.build_test_app_upstream(app)?;
        if let Err(failed) = check(project, program) {
            failures.push(format!("{app}: {}", failed.why));
        }
    }
    if failures.is_empty() {
        Ok(Passed { note: format!("{} programs on xous-upstream", apps.len()), tests: apps.len() })
    } else {
        Err(Failed { why: failures.join("\n"), tests: failures.len() })
    }
}

#[path = "../../test-apps/panic-load/src/message.rs"]
mod panic_message;

/// Output under load: test-apps/panic-load panics with long messages while
/// two of its threads print and two more processes (the same program as
/// hogs) keep the CPU and the log service busy. Every byte of each message
/// must arrive, in order, and every stdout line whole, with the chatter of
/// each thread numbered without a gap: on our std and on the std as shipped
/// (whose panic writer drops what a full queue refuses). Before the log
/// was drained at power-off, a 2 KiB message arrived cut after about 360
/// bytes even without load.
pub fn panic_under_load(project: &Project) -> Result<Passed, Failed> {
    const LENGTHS: [usize; 4] = [2048, 8192, 2048, 16384];
    let mut failures = Vec::new();
    let mut runs = 0;
    for upstream in [false, true] {
        let program = if upstream { project.build_test_app_upstream("panic-load")? } else { project.build_test_app("panic-load")? };
        let hogs = [("hog-1", program.clone()), ("hog-2", program.clone())];
        for len in LENGTHS {
            runs += 1;
            let outcome = boot(project, &program, &hogs, &["panic", &len.to_string()])?;
            let std = if upstream { "xous-upstream" } else { "xous" };
            if let Err(why) = whole_output(&outcome, len) {
                failures.push(format!("{std}, {len} bytes: {why}"));
            }
        }
    }
    if failures.is_empty() {
        Ok(Passed { note: format!("{runs} panics of 2-16 KiB under load, every byte there, both sysroots"), tests: runs })
    } else {
        Err(Failed { why: failures.join("\n"), tests: failures.len() })
    }
}

/// What `panic_under_load` checks of one run.
fn whole_output(outcome: &Outcome, len: usize) -> Result<(), String> {
    if outcome.code != Some(101) {
        return Err(format!("exit {:?}, not 101\n{}", outcome.code, tail(&outcome.stderr)));
    }
    let message = panic_message::message(len);
    if !outcome.stderr.contains(&message) {
        let head = &message[..message.find('\n').unwrap_or(message.len())];
        let got = outcome.stderr.find(head).map_or(0, |at| common_prefix(&outcome.stderr[at..], &message));
        return Err(format!("the panic message is not whole on stderr: {got} of its {len} bytes arrived in order\n{}", tail(&outcome.stderr)));
    }
    let mut next = std::collections::BTreeMap::new();
    for line in outcome.stdout.lines().filter(|l| !l.starts_with("panic-load:")) {
        let mut words = line.split(' ');
        let (name, n, pad) = (words.next().unwrap_or(""), words.next().and_then(|n| n.parse::<u64>().ok()), words.next());
        let whole = matches!(name, "chatter-a" | "chatter-b" | "hog") && n.is_some() && pad.is_some_and(|p| p.len() == 64) && words.next().is_none();
        if !whole {
            return Err(format!("a stdout line cut or garbled: {line:?}"));
        }
        if name != "hog" {
            let expected = next.entry(name).or_insert(0);
            if n != Some(*expected) {
                return Err(format!("{name}'s line {expected} missing (next came {n:?})"));
            }
            *expected += 1;
        }
    }
    Ok(())
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

fn tail(text: &str) -> &str {
    let mut at = text.len().saturating_sub(600);
    while !text.is_char_boundary(at) {
        at += 1;
    }
    &text[at..]
}
