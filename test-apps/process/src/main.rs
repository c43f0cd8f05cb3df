//! std::process on the target: programs started from ELF files on the
//! filesystem (`/bin/process-child`, put on the disk by the check) with
//! every Stdio kind, exit codes, args, environment and working directory,
//! pipes between this program and its children and between two children
//! (back-pressure, end of data, BrokenPipe), kill, a faulting child, and
//! files that are not programs. Each check prints one line.

use checks::Checks;
use std::io::{ErrorKind, Read, Write};
use std::process::{Command, Stdio};

const CHILD: &str = "/bin/process-child";

fn child(args: &[&str]) -> Command {
    let mut c = Command::new(CHILD);
    c.args(args);
    c
}

fn stdout_of(mut c: impl std::borrow::BorrowMut<Command>) -> String {
    match c.borrow_mut().output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
        Err(e) => format!("error: {e}"),
    }
}

/// An ELF header and one program header: RISC-V 32-bit executable whose
/// one segment asks for `mem_size` bytes at 0x1_0000.
fn fake_elf(mem_size: u32) -> Vec<u8> {
    let mut b = vec![0u8; 84];
    b[..7].copy_from_slice(b"\x7fELF\x01\x01\x01");
    let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    put(16, &2u16.to_le_bytes());
    put(18, &243u16.to_le_bytes());
    put(24, &0x1_0000u32.to_le_bytes());
    put(28, &52u32.to_le_bytes());
    put(42, &32u16.to_le_bytes());
    put(44, &1u16.to_le_bytes());
    for (j, w) in [1u32, 0, 0x1_0000, 0, 0, mem_size, 5, 0x1000].iter().enumerate() {
        put(52 + 4 * j, &w.to_le_bytes());
    }
    b
}

fn main() {
    // Started again by itself (the current_exe check below).
    if std::env::args().nth(1).as_deref() == Some("respawned") {
        println!("{}", std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default());
        std::process::exit(5);
    }
    let mut c = Checks::new("process");

    // Exit codes, and the status of a child that ends well.
    let status = child(&["exit", "0"]).status();
    c.check(status.as_ref().is_ok_and(|s| s.success() && s.code() == Some(0)), format!("exit 0 is success: {status:?}"));
    let status = child(&["exit", "7"]).status();
    c.check(status.as_ref().is_ok_and(|s| !s.success() && s.code() == Some(7)), format!("exit 7 is code 7: {status:?}"));
    let status = child(&["exit", "-3"]).status();
    c.check(status.as_ref().is_ok_and(|s| s.code() == Some(-3)), format!("exit -3 is code -3: {status:?}"));

    // Inherited stdout and stderr: the console (xous-run's stdout).
    let status = child(&["echo", "child: an inherited line"]).status();
    c.check(status.is_ok_and(|s| s.success()), "a child printing to the inherited console".into());

    // output(): both streams piped.
    let out = child(&["echo", "hello", "from", "a", "child"]).output().unwrap();
    c.check(out.stdout == b"hello from a child\n" && out.stderr.is_empty() && out.status.success(), format!("output() stdout: {out:?}"));
    let out = child(&["err", "to", "stderr"]).output().unwrap();
    c.check(out.stderr == b"to stderr\n" && out.stdout.is_empty(), format!("output() stderr: {out:?}"));
    // null.
    let out = child(&["echo", "lost"]).stdout(Stdio::null()).output().unwrap();
    c.check(out.stdout.is_empty() && out.status.success(), format!("stdout null: {out:?}"));
    let out = child(&["cat"]).stdin(Stdio::null()).output().unwrap();
    c.check(out.stdout.is_empty() && out.stderr == b"cat: 0 bytes\n", format!("stdin null reads the end at once: {out:?}"));

    // Arguments, environment, working directory, PATH.
    let got = stdout_of(child(&["args", "a b", "", "ü"]));
    c.check(got == r#"["args", "a b", "", "ü"]"#, format!("arguments: {got}"));
    let got = stdout_of(child(&["env", "GREETING"]).env("GREETING", "hi there"));
    c.check(got == "hi there", format!("env: {got}"));
    std::env::set_var("INHERITED", "yes");
    let got = stdout_of(child(&["env", "INHERITED"]));
    c.check(got == "yes", format!("the environment is inherited: {got}"));
    let got = stdout_of(child(&["env", "INHERITED"]).env_remove("INHERITED"));
    c.check(got == "<unset>", format!("env_remove: {got}"));
    let got = stdout_of(child(&["vars"]).env_clear().env("ONLY", "1"));
    c.check(got == "1", format!("env_clear then one variable: {got} variables"));
    std::fs::create_dir_all("/tmp/work/sub").unwrap();
    let got = stdout_of(child(&["cwd"]).current_dir("/tmp/work"));
    c.check(got == "/tmp/work", format!("current_dir: {got}"));
    std::env::set_current_dir("/tmp/work").unwrap();
    let got = stdout_of(child(&["cwd"]).current_dir("sub"));
    c.check(got == "/tmp/work/sub", format!("a relative current_dir, from ours: {got}"));
    let got = stdout_of(child(&["cwd"]));
    c.check(got == "/tmp/work", format!("our working directory is the child's: {got}"));
    std::fs::copy(CHILD, "/tmp/work/sub/relative-child").unwrap();
    let got = stdout_of(Command::new("sub/relative-child").args(["echo", "relative"]));
    c.check(got == "relative", format!("a relative program path: {got}"));
    std::env::set_current_dir("/").unwrap();
    let got = stdout_of(Command::new("process-child").args(["echo", "from PATH"]));
    c.check(got == "from PATH", format!("a bare name is found in /bin (no PATH): {got}"));
    let got = stdout_of(Command::new("relative-child").args(["echo", "searched"]).env("PATH", "/nowhere:/tmp/work/sub"));
    c.check(got == "searched", format!("a bare name is found in the child's PATH: {got}"));

    // stdin piped, written by us, read by the child to the end.
    let mut cat = child(&["cat"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    cat.stdin.take().unwrap().write_all(b"through a pipe").unwrap();
    let out = cat.wait_with_output().unwrap();
    c.check(out.stdout == b"through a pipe", format!("stdin piped, then closed: {:?}", String::from_utf8_lossy(&out.stdout)));

    // A pipe between two children.
    let mut first = child(&["echo", "from", "the", "first"]).stdout(Stdio::piped()).spawn().unwrap();
    let second = child(&["cat"]).stdin(Stdio::from(first.stdout.take().unwrap())).stdout(Stdio::piped()).spawn().unwrap();
    let out = second.wait_with_output().unwrap();
    let first_status = first.wait().unwrap();
    c.check(out.stdout == b"from the first\n" && first_status.success(), format!("a pipe between two children: {:?}", String::from_utf8_lossy(&out.stdout)));

    // A child that ended and is not waited on yet keeps its end when the
    // kernel gives a later child its PID (the lowest free one). Before the
    // manager named children by PID and serial, the later child took the
    // first's record, and the first's wait failed with "not a child".
    let mut ended = child(&["exit", "5"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut later = child(&["exit", "6"]).spawn().unwrap();
    let pids = (ended.id(), later.id());
    let (later_status, ended_status) = (later.wait().unwrap(), ended.wait().unwrap());
    c.check(
        ended_status.code() == Some(5) && later_status.code() == Some(6) && pids.0 == pids.1,
        format!("two children one after the other under the same pid {pids:?}, each waited on: {ended_status}, {later_status}"),
    );

    // Back-pressure: 1 MiB through a pipe that holds a few pages.
    let mut flood = child(&["flood", "1048576"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut data = Vec::new();
    flood.stdout.take().unwrap().read_to_end(&mut data).unwrap();
    let ok = data.len() == 1 << 20 && data.iter().enumerate().all(|(i, b)| *b == ((i % 4096) % 251) as u8);
    c.check(ok && flood.wait().unwrap().success(), format!("1 MiB through a pipe, every byte in order: {} bytes", data.len()));

    // BrokenPipe: the reader goes away; the writer's next write fails.
    let mut flood = child(&["flood", "1048576"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut few = [0u8; 10];
    flood.stdout.take().unwrap().read_exact(&mut few).unwrap();
    let status = flood.wait().unwrap();
    c.check(status.code() == Some(3), format!("the writer gets BrokenPipe once the reader is gone: {status}"));

    // try_wait, kill, id.
    let mut sleeper = child(&["sleep"]).spawn().unwrap();
    let other = child(&["exit", "0"]).spawn().unwrap();
    c.check(sleeper.id() != 0 && sleeper.id() != other.id() && sleeper.id() != std::process::id(), format!("ids: {} {} {}", sleeper.id(), other.id(), std::process::id()));
    let running = sleeper.try_wait();
    c.check(matches!(running, Ok(None)), format!("try_wait of a running child: {running:?}"));
    c.check(sleeper.kill().is_ok(), "kill".into());
    let status = sleeper.wait().unwrap();
    c.check(!status.success() && status.code().is_none() && status.to_string() == "killed", format!("a killed child's status: {status}"));
    c.check(sleeper.kill().is_ok() && sleeper.wait().unwrap() == status, "kill and wait again after the end".into());

    // A faulting child.
    let status = child(&["fault"]).status().unwrap();
    c.check(!status.success() && status.code().is_none() && status.to_string().contains("fault"), format!("a faulting child's status: {status}"));

    // Files that are not programs.
    let kind = |c: &mut Command| c.spawn().err().map(|e| (e.kind(), e.to_string()));
    let missing = kind(&mut Command::new("/bin/nothing-here"));
    c.check(missing.as_ref().is_some_and(|(k, _)| *k == ErrorKind::NotFound), format!("no such file: {missing:?}"));
    let missing = kind(&mut Command::new("nothing-here"));
    c.check(missing.as_ref().is_some_and(|(k, _)| *k == ErrorKind::NotFound), format!("no such name in PATH: {missing:?}"));
    std::fs::write("/tmp/script", "#!/bin/sh\necho not a program\n").unwrap();
    let refused = kind(&mut Command::new("/tmp/script"));
    c.check(refused.as_ref().is_some_and(|(k, m)| *k == ErrorKind::InvalidData && m.contains("RISC-V")), format!("a text file: {refused:?}"));
    let whole = std::fs::read(CHILD).unwrap();
    std::fs::write("/tmp/truncated", &whole[..whole.len() / 3]).unwrap();
    let refused = kind(&mut Command::new("/tmp/truncated"));
    c.check(refused.as_ref().is_some_and(|(k, _)| *k == ErrorKind::InvalidData), format!("a truncated ELF: {refused:?}"));
    let mut x86 = whole.clone();
    x86[18] = 62;
    std::fs::write("/tmp/x86", &x86).unwrap();
    let refused = kind(&mut Command::new("/tmp/x86"));
    c.check(refused.as_ref().is_some_and(|(k, _)| *k == ErrorKind::InvalidData), format!("an ELF for x86-64: {refused:?}"));
    std::fs::write("/tmp/huge", fake_elf(0x1f00_0000)).unwrap();
    let refused = kind(&mut Command::new("/tmp/huge"));
    c.check(refused.as_ref().is_some_and(|(k, _)| *k == ErrorKind::OutOfMemory), format!("a program bigger than memory: {refused:?}"));
    let refused = kind(&mut Command::new("/tmp"));
    c.check(refused.is_some(), format!("a directory: {refused:?}"));
    let after = stdout_of(child(&["echo", "still here"]));
    c.check(after == "still here", format!("a child starts after all that: {after}"));

    // current_exe: a program xous-run booted finds its copy on the disk,
    // and starts it again; a child's is the path it was started from.
    let me = std::env::current_exe();
    c.check(me.as_ref().is_ok_and(|p| p == std::path::Path::new("/run/xous-run/process")), format!("current_exe of the booted program: {me:?}"));
    if let Ok(me) = me {
        let out = Command::new(&me).arg("respawned").output().unwrap();
        c.check(out.status.code() == Some(5) && out.stdout == b"/run/xous-run/process\n", format!("the program started again from current_exe: {out:?}"));
    }
    let got = stdout_of(child(&["self"]));
    c.check(got == CHILD, format!("a child's current_exe: {got}"));
    let got = stdout_of(Command::new("process-child").arg("self"));
    c.check(got == CHILD, format!("a child found in PATH: its current_exe is the file: {got}"));
    #[allow(deprecated)] // the portable call (the `home` crate's answer agrees)
    let home = std::env::home_dir();
    c.check(home.as_deref() == Some(std::path::Path::new("/home")), format!("home_dir without HOME is /home: {home:?}"));
    let got = stdout_of(child(&["env", "HOME"]).env("HOME", "/tmp/me"));
    c.check(got == "/tmp/me", format!("HOME passed on: {got}"));
    let joined = std::env::join_paths(["/bin", "/usr/bin", ""]).unwrap();
    let split: Vec<_> = std::env::split_paths(&joined).collect();
    c.check(joined == "/bin:/usr/bin:" && split == [std::path::PathBuf::from("/bin"), "/usr/bin".into(), "".into()], format!("join_paths and split_paths: {joined:?} {split:?}"));
    c.check(std::env::join_paths(["a:b"]).is_err(), "a path holding the separator cannot be joined".into());
    let threads = std::thread::available_parallelism();
    c.check(threads.as_ref().is_ok_and(|n| n.get() == 1), format!("available_parallelism: {threads:?}"));

    // std::io::pipe within this process.
    let (mut reader, mut writer) = std::io::pipe().unwrap();
    writer.write_all(b"in and out").unwrap();
    drop(writer);
    let mut got = String::new();
    reader.read_to_string(&mut got).unwrap();
    c.check(got == "in and out", format!("io::pipe, then the end: {got}"));

    c.finish();
}
