//! `./x test`'s checks of the async network stack from crates.io, each app
//! unmodified and built through the toolchain's crate arms on the network
//! service: test-apps/mio-echo (mio with `net` and `os-poll` on the
//! service's poll), test-apps/tokio-echo (tokio's multi-threaded runtime
//! with `net`, socket2 and hyper on mio) and test-apps/smol-echo (smol:
//! async-io on polling, async-process, async-fs), echo servers and clients
//! on 127.0.0.1 on QEMU. The same programs built by the same cargo for the
//! host use no arm and pass there (`./x ecosystem --host`: three host
//! builds of these stacks take a minute of CPU that `./x test` leaves to it;
//! its own host builds, test-apps/ecosystem-small's and c-parts', show the
//! same of the toolchain).

use crate::checks::{Failed, Passed};
use crate::test_app::{armed, build, build_in, HOST_DIR};
use crate::project::{Project, HOST_TARGET, XOUS_TARGET};
use crate::runner;
use std::process::Command;

/// An app and the crates that must come from armed copies (their names as
/// rustc has them, `_` for `-`).
struct App {
    name: &'static str,
    armed: &'static [&'static str],
    /// It runs with a fresh disk: it starts its own program file as a child
    /// (`current_exe`) and writes files.
    disk: bool,
}

const MIO: App = App { name: "mio-echo", armed: &["mio"], disk: false };
const TOKIO: App = App { name: "tokio-echo", armed: &["mio", "socket2", "tokio"], disk: false };
const SMOL: App = App { name: "smol-echo", armed: &["async_io", "async_process", "polling", "rustix"], disk: true };

/// Every check passed, and how many there were.
fn verdict(app: &App, out: std::process::Output) -> Result<usize, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() != Some(0) || !stdout.contains(&format!("{}: all checks passed", app.name)) {
        return Err(format!("exit {:?}\n{stdout}{}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(stdout.lines().filter(|l| l.starts_with(&format!("{}: ok: ", app.name))).count())
}

/// On QEMU: the armed crates from their armed copies, no warning, every
/// check passes.
fn on_target(project: &Project, app: &App) -> Result<Passed, Failed> {
    let (program, stderr) = build(project, app.name, XOUS_TARGET, app.name)?;
    if let Some(line) = stderr.lines().find(|l| l.contains("warning")) {
        return Err(format!("the build warns: {line}").into());
    }
    let armed = armed(&program, app.armed)?;
    if armed != app.armed {
        return Err(format!("crates built from armed copies: {armed:?}; expected {:?}", app.armed).into());
    }
    let runner = runner::install(project)?;
    let mut run = Command::new(&runner.xous_run);
    run.args(["--timeout", "300"]);
    let disk = project.root.join("target").join(format!("{}.disk", app.name));
    if app.disk {
        run.arg("--disk").arg(&disk).arg("--format");
    }
    let out = run.arg(&program).output().map_err(|e| format!("cannot run xous-run: {e}"));
    let _ = std::fs::remove_file(&disk);
    let checks = verdict(app, out?)?;
    Ok(Passed { note: format!("{checks} checks"), tests: checks })
}

/// The same program for the host with the same cargo: no arm, and it passes.
fn on_host(project: &Project, app: &App) -> Result<Passed, Failed> {
    let (program, _) = build(project, app.name, HOST_TARGET, HOST_DIR)?;
    let armed = armed(&program, app.armed)?;
    if !armed.is_empty() {
        return Err(format!("host builds used armed copies of {armed:?}").into());
    }
    let out = Command::new(&program).output().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let checks = verdict(app, out)?;
    Ok(Passed::from(format!("{checks} checks passed on the host; no armed copy")))
}

pub fn mio_on_target(project: &Project) -> Result<Passed, Failed> {
    on_target(project, &MIO)
}

pub fn smol_on_target(project: &Project) -> Result<Passed, Failed> {
    on_target(project, &SMOL)
}

pub fn tokio_on_target(project: &Project) -> Result<Passed, Failed> {
    on_target(project, &TOKIO)
}

/// A user's second `cargo build` compiles nothing, also after a first one
/// that made an arm's copy: test-apps/mio-echo (mio through its arm) built
/// twice, with an arms cache and a target directory of its own, both empty
/// at first. (The copy made inside the first compile was newer than cargo's
/// note of when that compile began: the next build compiled mio and its
/// dependents again.)
pub fn second_build_compiles_nothing(project: &Project) -> Result<Passed, Failed> {
    let scratch = project.root.join("target/armed-twice");
    let _ = std::fs::remove_dir_all(&scratch);
    let (target_dir, cache) = (scratch.join("target"), scratch.join("cache"));
    let build = || -> Result<Vec<String>, String> {
        let (_, stderr) = build_in(project, MIO.name, XOUS_TARGET, &target_dir, &[("XDG_CACHE_HOME", &cache)])?;
        Ok(stderr.lines().map(str::trim).filter(|l| l.starts_with("Compiling ")).map(String::from).collect())
    };
    let (first, second) = (build(), build());
    let _ = std::fs::remove_dir_all(&scratch);
    let (first, second) = (first?, second?);
    if !first.iter().any(|l| l.starts_with("Compiling mio ")) {
        return Err(format!("the first build did not compile mio: {first:?}").into());
    }
    if !second.is_empty() {
        return Err(format!("the second build compiled again: {second:?}").into());
    }
    Ok(Passed::from(format!("the first build compiled {} crates (mio from its arm), the second none", first.len())))
}

/// `./x ecosystem --host`: each app built for the host and run there; one
/// line each, then `ecosystem --host: N of 3 pass`.
pub fn all_on_host(project: &Project) -> Result<(), String> {
    let apps = [&MIO, &TOKIO, &SMOL];
    let mut passed = 0;
    for app in apps {
        eprintln!("x ecosystem: {} for the host ...", app.name);
        match on_host(project, app) {
            Ok(ok) => {
                passed += 1;
                println!("ecosystem --host {}: ok ({})", app.name, ok.note);
            }
            Err(failed) => println!("ecosystem --host {}: FAILED\n{}", app.name, failed.why),
        }
    }
    println!("ecosystem --host: {passed} of {} pass", apps.len());
    match apps.len() - passed {
        0 => Ok(()),
        failed => Err(format!("{failed} of {} host programs failed", apps.len())),
    }
}

/// How long the host waits for the guest at each step (a bound on a hang,
/// not a measurement).
const LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// On QEMU: the guest's hyper server answers a request from the host,
/// through xous-run's `--hostfwd tcp:127.0.0.1:FORWARD-:GUEST` (loopback
/// only). The host connects once the guest has said it listens.
pub fn hyper_from_host(project: &Project) -> Result<Passed, Failed> {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    use std::sync::mpsc;

    let (program, _) = build(project, TOKIO.name, XOUS_TARGET, TOKIO.name)?;
    let runner = runner::install(project)?;
    let forward = crate::net_host::free_port().map_err(|e| format!("no free port: {e}"))?;
    let guest = 7080;
    let mut child = Command::new(&runner.xous_run)
        .args(["--timeout", "300", "--hostfwd", &format!("tcp:127.0.0.1:{forward}-:{guest}")])
        .arg(&program)
        .args(["serve-http", &guest.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run xous-run: {e}"))?;
    let mut stderr_pipe = child.stderr.take().expect("piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let stdout = child.stdout.take().expect("piped");
    let (lines, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut seen = Vec::new();
    let listening = loop {
        match received.recv_timeout(LIMIT) {
            Ok(line) => {
                let done = line.contains("serving HTTP on port");
                seen.push(line);
                if done {
                    break true;
                }
            }
            Err(_) => break false,
        }
    };
    let answer = if listening {
        request(forward).map_err(|e| format!("the request from the host: {e}"))
    } else {
        let _ = child.kill();
        Err(format!("the guest never said it listens: {seen:?}"))
    };
    let status = child.wait().map_err(|e| e.to_string())?;
    let _ = reader.join();
    seen.extend(received.try_iter());
    let stderr = stderr_reader.join().unwrap_or_default();
    let answer = answer?;
    let body_ok = answer.starts_with("HTTP/1.1 200")
        && answer.to_ascii_lowercase().contains("x-served-by: hyper on tokio")
        && answer.ends_with("GET /from-host: 0 bytes: ");
    let passed = seen.iter().any(|l| l == "tokio-echo: all checks passed");
    if !body_ok || status.code() != Some(0) || !passed {
        return Err(format!("answer {answer:?}; exit {:?}; stdout {seen:?}\n{stderr}", status.code()).into());
    }
    return Ok(Passed::from(format!("{} bytes answered to the host", answer.len())));

    fn request(port: u16) -> std::io::Result<String> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(LIMIT))?;
        stream.write_all(format!("GET /from-host HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    }
}
