//! One boot of a target program under xous-run (the kernel and services of
//! the runner bundle, installed once per command), what came out of it, and
//! how what came out is held against what a check expects.

use crate::checks::{Failed, Passed};
use crate::project::Project;
use crate::runner;
use std::path::{Path, PathBuf};
use std::process::Command;

/// In a `Launch::env` value: the host's clock at boot, in ms since the epoch.
pub const HOST_UNIX_MS: &str = "{host-unix-ms}";

/// A boot to make: the program, what runs beside it, its arguments and
/// environment, and xous-run's options.
pub struct Launch {
    program: PathBuf,
    services: Vec<(String, PathBuf)>,
    args: Vec<String>,
    env: Vec<String>,
    options: Vec<String>,
    timeout: String,
    stdin: Input,
}

/// What xous-run's stdin is.
#[derive(Clone, Copy)]
pub enum Input {
    /// /dev/null.
    Null,
    /// A pipe carrying these bytes, then closed.
    Text(&'static str),
    /// A pipe carrying what this makes (input too long to write out).
    Made(fn() -> Vec<u8>),
    /// A pipe that stays open, empty, until xous-run has ended.
    OpenPipe,
}

impl Launch {
    /// `program` alone, with the whole bundle, stopped after 60 s.
    pub fn new(program: &Path) -> Launch {
        Launch { program: program.to_path_buf(), services: Vec::new(), args: Vec::new(), env: Vec::new(), options: Vec::new(), timeout: "60".to_string(), stdin: Input::Null }
    }

    /// xous-run's stdin.
    pub fn stdin(mut self, input: Input) -> Launch {
        self.stdin = input;
        self
    }

    /// The program's arguments (after argv\[0\]).
    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Launch {
        self.args.extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// `KEY=VALUE` for the program's environment.
    /// `KEY=VALUE`; `HOST_UNIX_MS` in it stands for the host's clock when
    /// the boot starts, in milliseconds since the Unix epoch.
    pub fn env(mut self, variable: String) -> Launch {
        self.env.push(variable);
        self
    }

    /// One more process booted beside the program.
    pub fn service(mut self, name: &str, path: PathBuf) -> Launch {
        self.services.push((name.to_string(), path));
        self
    }

    /// More xous-run options (`--memory 64M`, `--disk PATH`, `--without NAME`...).
    pub fn options<S: AsRef<str>>(mut self, words: &[S]) -> Launch {
        self.options.extend(words.iter().map(|w| w.as_ref().to_string()));
        self
    }

    /// `--disk PATH`.
    pub fn disk(self, disk: &Path) -> Launch {
        self.options(&["--disk", &disk.display().to_string()])
    }

    /// xous-run's `--timeout`, in seconds.
    pub fn timeout(mut self, seconds: String) -> Launch {
        self.timeout = seconds;
        self
    }

    /// Boots it and waits for the end.
    pub fn run(&self, project: &Project) -> Result<Outcome, String> {
        let board = self.options.windows(2).find(|w| w[0] == "--board").map(|w| w[1].as_str());
        let runner = match board {
            Some("dabao") => runner::install_dabao(project)?,
            Some("baosec") => runner::install_baosec(project)?,
            _ => runner::install(project)?,
        };
        let mut cmd = Command::new(&runner.xous_run);
        cmd.args(["--timeout", &self.timeout]);
        for (name, path) in &self.services {
            cmd.arg("--service").arg(format!("{name}={}", path.display()));
        }
        // The host's clock as the boot starts, not when the launch was
        // described: the install above may have built the kernel and the
        // services for minutes (the time check then failed, 130 s apart).
        let host_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_millis();
        for variable in &self.env {
            cmd.arg("--env").arg(variable.replace(HOST_UNIX_MS, &host_ms.to_string()));
        }
        cmd.args(&self.options).arg(&self.program).args(&self.args);
        let out = match self.stdin {
            Input::Null => cmd.output(),
            Input::Text(text) => feed(&mut cmd, Some(text.as_bytes().to_vec())),
            Input::Made(make) => feed(&mut cmd, Some(make())),
            Input::OpenPipe => feed(&mut cmd, None),
        };
        let out = out.map_err(|e| format!("cannot run xous-run: {e}"))?;
        Ok(Outcome {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// Runs `cmd` with a pipe for stdin: `bytes` written from a thread of its
/// own (the child reads them as it can) and the pipe closed, or (None) the
/// pipe left open and empty until the child has ended.
fn feed(cmd: &mut Command, bytes: Option<Vec<u8>>) -> std::io::Result<std::process::Output> {
    use std::process::Stdio;
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let writer = bytes.map(|bytes| {
        std::thread::spawn(move || {
            // A child that ends without reading everything closes the pipe.
            let _ = std::io::Write::write_all(&mut pipe, &bytes);
        })
    });
    let out = child.wait_with_output();
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    out
}

/// What a boot gave: xous-run's exit code and the two streams.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Text a stream must hold.
#[derive(Clone, Copy)]
pub enum Text {
    /// This, somewhere.
    Has(&'static str),
    /// What this makes, somewhere (text too long to write out).
    Made(fn() -> String),
}

impl Text {
    fn found_in(self, stream: &str) -> bool {
        match self {
            Text::Has(text) => stream.contains(text),
            Text::Made(make) => stream.contains(&make()),
        }
    }

    fn show(self) -> String {
        match self {
            Text::Has(text) => format!("{text:?}"),
            Text::Made(make) => {
                let text = make();
                let head: String = text.chars().take(40).collect();
                let tail: String = text.chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
                format!("{} bytes, from {head:?} to {tail:?}", text.len())
            }
        }
    }
}

impl Outcome {
    /// The exit code and both streams, for a failure's report.
    pub fn describe(&self) -> String {
        format!("exit {:?}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }

    /// Passes when the exit code is `code` and each stream holds each of
    /// its texts; a failure says which of these differed, then shows all
    /// the program printed.
    pub fn expect(&self, code: i32, stdout: &[Text], stderr: &[Text]) -> Result<Passed, Failed> {
        let mut differed = Vec::new();
        if self.code != Some(code) {
            differed.push(format!("exit {:?}, expected {code}", self.code));
        }
        for (name, stream, texts) in [("stdout", &self.stdout, stdout), ("stderr", &self.stderr, stderr)] {
            differed.extend(texts.iter().filter(|t| !t.found_in(stream)).map(|t| format!("not on {name}: {}", t.show())));
        }
        if differed.is_empty() {
            Ok(Passed::from(format!("exit {code}")))
        } else {
            Err(Failed::from(format!("{}\n{}", differed.join("\n"), self.describe())))
        }
    }
}

/// A fresh disk image path under target/test for a filesystem check.
pub fn fresh_disk(project: &Project, name: &str) -> Result<PathBuf, String> {
    let disk = project.root.join("target/test").join(name);
    std::fs::create_dir_all(disk.parent().expect("has a parent")).map_err(|e| e.to_string())?;
    match std::fs::remove_file(&disk) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("cannot remove {}: {e}", disk.display())),
        _ => Ok(disk),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_says_what_differed_then_shows_the_output() {
        let outcome = Outcome { code: Some(3), stdout: "one\ntwo\n".to_string(), stderr: "oops\n".to_string() };
        assert!(outcome.expect(3, &[Text::Has("two")], &[Text::Has("oops")]).is_ok());
        let Err(failed) = outcome.expect(0, &[Text::Has("one"), Text::Has("three")], &[Text::Made(|| "x".repeat(50))]) else { panic!("passed") };
        let why = failed.why;
        let first_lines: Vec<&str> = why.lines().take(4).collect();
        assert_eq!(
            first_lines,
            ["exit Some(3), expected 0", "not on stdout: \"three\"", &format!("not on stderr: 50 bytes, from {:?} to {:?}", "x".repeat(40), "x".repeat(20)), "exit Some(3)"]
        );
        assert!(why.ends_with("--- stdout\none\ntwo\n--- stderr\noops\n"), "{why}");
    }
}
