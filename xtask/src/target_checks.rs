//! `./x test` on the target: what a row of the check table says about a
//! boot (the program, what runs beside it, what it is given, what must come
//! out, on which std), how a row is run, and the few on-target checks that
//! need code of their own (two boots compared, a host side, a damaged image).

use crate::boot::{Input, Launch, Outcome, Text};
use crate::checks::{Failed, Passed, CHECKS};
use crate::project::{run, Project, Std};
use crate::runner;
use std::path::PathBuf;
use std::process::Command;

/// A target program.
#[derive(Clone, Copy)]
pub enum Program {
    /// A no_std program of kernel/target-tests.
    Kernel(&'static str),
    /// A test-apps package's program of the same name, built on the row's std.
    App(&'static str),
    /// Another binary of a test-apps package: (package, binary).
    AppBin(&'static str, &'static str),
}

impl Program {
    fn build(self, project: &Project, std: Std) -> Result<PathBuf, String> {
        match self {
            Program::Kernel(name) => Ok(project.build_target_tests()?.join(name)),
            Program::App(name) => project.build_test_app_with(name, std),
            Program::AppBin(package, bin) => Ok(project.build_test_app_with(package, std)?.with_file_name(bin)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Program::Kernel(name) | Program::App(name) | Program::AppBin(_, name) => name,
        }
    }
}

/// Which std a row's programs are built on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stds {
    /// Ours only.
    Ours,
    /// Ours in the row's own check, and the std as shipped in
    /// "the same std programs built with the pristine std".
    Both,
}

/// One boot and what must come out of it: a row of the check table.
pub struct Boot {
    pub program: Program,
    /// Processes booted beside it: (name, program).
    pub services: &'static [(&'static str, Program)],
    pub args: &'static [&'static str],
    /// `KEY=VALUE`; `{host-unix-ms}` (`boot::HOST_UNIX_MS`) in a value
    /// stands for the host's clock at boot, in milliseconds since the Unix
    /// epoch.
    pub env: &'static [&'static str],
    /// More xous-run options (`--memory 64M`, `--without NAME`).
    pub options: &'static [&'static str],
    /// A fresh disk image of this name under target/test (`--disk`).
    pub disk: Option<&'static str>,
    pub code: i32,
    pub stdout: &'static [Text],
    pub stderr: &'static [Text],
    pub stds: Stds,
    /// xous-run's stdin (/dev/null unless said).
    pub stdin: Input,
    /// xous-run's `--timeout`, in seconds, where Launch's default is too
    /// short: a stall limit, far above the boot's time alone, since the
    /// other lane's work shares the cores.
    pub stall_limit: Option<u32>,
}

impl Boot {
    /// `program` with the whole bundle and nothing else, exit 0 expected.
    pub const fn of(program: Program) -> Boot {
        Boot { program, services: &[], args: &[], env: &[], options: &[], disk: None, code: 0, stdout: &[], stderr: &[], stds: Stds::Ours, stdin: Input::Null, stall_limit: None }
    }
    pub const fn stall_limit(self, seconds: u32) -> Boot {
        Boot { stall_limit: Some(seconds), ..self }
    }
    pub const fn services(self, services: &'static [(&'static str, Program)]) -> Boot {
        Boot { services, ..self }
    }
    pub const fn args(self, args: &'static [&'static str]) -> Boot {
        Boot { args, ..self }
    }
    pub const fn env(self, env: &'static [&'static str]) -> Boot {
        Boot { env, ..self }
    }
    pub const fn options(self, options: &'static [&'static str]) -> Boot {
        Boot { options, ..self }
    }
    pub const fn disk(self, name: &'static str) -> Boot {
        Boot { disk: Some(name), ..self }
    }
    pub const fn exit(self, code: i32) -> Boot {
        Boot { code, ..self }
    }
    pub const fn stdout(self, stdout: &'static [Text]) -> Boot {
        Boot { stdout, ..self }
    }
    pub const fn stderr(self, stderr: &'static [Text]) -> Boot {
        Boot { stderr, ..self }
    }
    pub const fn stdin(self, stdin: Input) -> Boot {
        Boot { stdin, ..self }
    }
    /// Also on the std as shipped.
    pub const fn both_stds(self) -> Boot {
        Boot { stds: Stds::Both, ..self }
    }

    /// Builds what the row names on `std`, boots it and checks what came out.
    pub fn check(&self, project: &Project, std: Std) -> Result<Passed, Failed> {
        let mut launch = Launch::new(&self.program.build(project, std)?).args(self.args).options(self.options).stdin(self.stdin);
        if let Some(seconds) = self.stall_limit {
            launch = launch.timeout(seconds.to_string());
        }
        for (name, program) in self.services {
            launch = launch.service(name, program.build(project, std)?);
        }
        for variable in self.env {
            launch = launch.env(variable.to_string());
        }
        if let Some(name) = self.disk {
            launch = launch.disk(&crate::boot::fresh_disk(project, name)?);
        }
        launch.run(project)?.expect(self.code, self.stdout, self.stderr)
    }
}

/// What test-apps/exit leaves unterminated on stdout before it exits.
pub fn exit_stdout_tail() -> String {
    exit_tail("<stdout-end>")
}

/// The same on stderr.
pub fn exit_stderr_tail() -> String {
    exit_tail("<stderr-end>")
}

/// 12 KiB of the alphabet, over and over, then `end`.
fn exit_tail(end: &str) -> String {
    (0..12 * 1024).map(|i| (b'a' + (i % 26) as u8) as char).chain(end.chars()).collect()
}

/// Every row of the table that also runs on the std as shipped, built on
/// it (the library source with no overlay, toolchain `xous-upstream`): our
/// kernel and services must run the std that ships with the compiler,
/// unmodified.
pub fn std_contract_on_upstream(project: &Project) -> Result<Passed, Failed> {
    let rows: Vec<&Boot> = CHECKS.iter().filter_map(|c| c.boot_row()).filter(|b| b.stds == Stds::Both).collect();
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|row| row.check(project, Std::Shipped).err().map(|failed| format!("{}: {}", row.program.name(), failed.why)))
        .collect();
    if failures.is_empty() {
        Ok(Passed { note: format!("{} programs on xous-upstream", rows.len()), tests: rows.len() })
    } else {
        Err(Failed { why: failures.join("\n"), tests: failures.len() })
    }
}

/// std's random source (std-xous: the entropy service): two runs of
/// test-apps/random must pass and print different fingerprints.
pub fn std_random(project: &Project) -> Result<Passed, Failed> {
    random_twice(project, &[])
}

/// The same on the dabao board: the entropy service reads the chip's TRNG.
pub fn std_random_dabao(project: &Project) -> Result<Passed, Failed> {
    random_twice(project, &["--board", "dabao"])
}

fn random_twice(project: &Project, options: &[&str]) -> Result<Passed, Failed> {
    let program = project.build_test_app("random")?;
    let mut fingerprints = Vec::new();
    for _ in 0..2 {
        let outcome = Launch::new(&program).options(options).run(project)?;
        outcome.expect(0, &[Text::Has("random: all checks passed")], &[])?;
        let line = outcome.stdout.lines().find_map(|l| l.strip_prefix("random: fingerprint ")).map(str::to_string);
        fingerprints.push(line.ok_or_else(|| Failed::from(format!("no fingerprint printed\n{}", outcome.describe())))?);
    }
    if fingerprints[0] == fingerprints[1] {
        return Err(Failed::from(format!("two runs hashed alike ({}): the keys are not random", fingerprints[0])));
    }
    Ok(Passed::from(format!("fingerprints {} and {}", fingerprints[0], fingerprints[1])))
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
    let launch = Launch::new(&program)
        .env(format!("HOST_TCP_PORT={}", host.tcp_port))
        .env(format!("HOST_UDP_PORT={}", host.udp_port))
        .env(format!("HOST_CLOSED_PORT={}", host.closed_port))
        .env(format!("GUEST_TCP_PORT={guest_tcp}"))
        .env(format!("GUEST_UDP_PORT={guest_udp}"))
        .options(&["--hostfwd", &format!("tcp:127.0.0.1:{tcp_forward}-:{guest_tcp}")])
        .options(&["--hostfwd", &format!("udp:127.0.0.1:{udp_forward}-:{guest_udp}")])
        .options(&["--dns", "10.0.2.2", "--memory", "64M"]);
    let outcome = launch.run(project);
    let (reports, host_ok) = host.finish();
    let mut outcome = outcome?;
    outcome.stderr.push_str(&reports.join("\n"));
    let result = outcome.expect(0, &[Text::Has("net: all checks passed")], &[]);
    match (result, host_ok) {
        (Ok(passed), true) => Ok(passed),
        (Ok(_), false) => Err(Failed::from(format!("the host side failed: {}", outcome.describe()))),
        (Err(failed), _) => Err(failed),
    }
}

/// A boot image with one flipped byte in its process directory: the kernel
/// must refuse it with a message on the crash channel and stop (exit 254),
/// stored in flash as xous-run boots it, and loaded into RAM by QEMU's
/// `-kernel` (boot-image/FORMAT.md).
pub fn malformed_image(project: &Project) -> Result<Passed, Failed> {
    let bin = project.build_target_tests()?;
    let runner = runner::install(project)?;
    let dir = project.root.join("target/test");
    let (image, flash) = (dir.join("malformed.img"), dir.join("malformed-flash.img"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
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
    bytes.resize(board::qemu_virt::FLASH_SIZE, 0);
    std::fs::write(&flash, &bytes).map_err(|e| e.to_string())?;
    let flash_drive = format!("if=pflash,unit=0,format=raw,readonly=on,file={}", flash.display());
    let mut refusals = Vec::new();
    for (stored, option, file) in [("in flash", "-drive", flash_drive), ("in RAM", "-kernel", image.display().to_string())] {
        let out = Command::new("timeout")
            .args(["30", "qemu-system-riscv32", "-M", "virt", "-bios", "none", "-m", "32M", "-display", "none", "-monitor", "none", "-serial", "stdio", option, &file])
            .output()
            .map_err(|e| format!("cannot run QEMU: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(254) || !text.contains("the boot image is invalid") {
            return Err(Failed::from(format!("{stored}: expected a refusal with exit 254, got {:?}: {text}", out.status.code())));
        }
        refusals.push(format!("{stored}: {}", text.lines().find_map(|l| l.find("kernel:").map(|at| l[at..].to_string())).unwrap_or_default()));
    }
    let _ = std::fs::remove_file(&flash);
    Ok(Passed::from(refusals.join("; ")))
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
    for std in [Std::Ours, Std::Shipped] {
        let program = project.build_test_app_with("panic-load", std)?;
        for len in LENGTHS {
            runs += 1;
            let launch = Launch::new(&program).service("hog-1", program.clone()).service("hog-2", program.clone());
            let outcome = launch.args(&["panic", &len.to_string()]).run(project)?;
            if let Err(why) = whole_output(&outcome, len) {
                failures.push(format!("{}, {len} bytes: {why}", std.toolchain_name()));
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
