//! `std::process` on Xous: a client of the process manager (services/proc
//! in the xous-rs repository; protocol in
//! `sys::pal::abi::services::proc`), which loads programs from ELF files on
//! the filesystem into address spaces of their own, and answers for them.
//! Why a service and not a loader here: its header says (in short: the
//! children and pipes must be answered for by someone who outlives the
//! parent, and one exit watch serves every process).
//!
//! std resolves the program here: a path with a `/` is taken as it is
//! (relative to the working directory, or the command's `current_dir`), a
//! bare name is looked for in each directory of `PATH` (the child's, else
//! ours, else `/bin`). It sends the path, the arguments and environment as
//! the child's parameter block, and a `Proc` block with the child's
//! working directory and stdio, which the manager completes with the
//! child's pipe ends.
//!
//! A child's `Stdio::inherit` is what this process has: the console, or
//! the pipe (or nothing) it was given; stdin from the console goes through
//! `sys::stdio::read_console`. `Stdio::from(File)` is `Unsupported`.

use super::env::{CommandEnv, CommandEnvs};
pub use crate::ffi::OsString as EnvKey;
use crate::ffi::{OsStr, OsString};
use crate::num::NonZero;
use crate::os::xous::ffi::lend_mut;
use crate::path::{Path, PathBuf};
use crate::process::StdioPipes;
use crate::sys::fs::File;
use crate::sys::pal::abi::services::proc::{self as proto, state, stdio as kind};
use crate::sys::pipe::{Pipe, ask, error, manager};
use crate::{fmt, io};

pub struct Command {
    program: OsString,
    args: Vec<OsString>,
    env: CommandEnv,
    cwd: Option<OsString>,
    stdin: Option<Stdio>,
    stdout: Option<Stdio>,
    stderr: Option<Stdio>,
}

pub enum Stdio {
    Inherit,
    Null,
    MakePipe,
    /// A pipe end of this process, given to the child (a `ChildStdout`,
    /// an `io::PipeWriter`...).
    End(Pipe),
    /// `Stdio::from(io::stdout())`: this process's stdout, or stderr.
    ParentStdout,
    ParentStderr,
    /// `Stdio::from(File)`: files are not a child's stdio here.
    File,
}

impl fmt::Debug for Stdio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stdio::Inherit => f.write_str("Inherit"),
            Stdio::Null => f.write_str("Null"),
            Stdio::MakePipe => f.write_str("MakePipe"),
            Stdio::End(p) => write!(f, "{p:?}"),
            Stdio::ParentStdout => f.write_str("ParentStdout"),
            Stdio::ParentStderr => f.write_str("ParentStderr"),
            Stdio::File => f.write_str("File"),
        }
    }
}

impl Command {
    pub fn new(program: &OsStr) -> Command {
        Command {
            program: program.to_owned(),
            args: vec![program.to_owned()],
            env: Default::default(),
            cwd: None,
            stdin: None,
            stdout: None,
            stderr: None,
        }
    }

    pub fn arg(&mut self, arg: &OsStr) {
        self.args.push(arg.to_owned());
    }

    pub fn env_mut(&mut self) -> &mut CommandEnv {
        &mut self.env
    }

    pub fn cwd(&mut self, dir: &OsStr) {
        self.cwd = Some(dir.to_owned());
    }

    pub fn stdin(&mut self, stdin: Stdio) {
        self.stdin = Some(stdin);
    }

    pub fn stdout(&mut self, stdout: Stdio) {
        self.stdout = Some(stdout);
    }

    pub fn stderr(&mut self, stderr: Stdio) {
        self.stderr = Some(stderr);
    }

    pub fn get_program(&self) -> &OsStr {
        &self.program
    }

    pub fn get_args(&self) -> CommandArgs<'_> {
        let mut iter = self.args.iter();
        iter.next();
        CommandArgs { iter }
    }

    pub fn get_envs(&self) -> CommandEnvs<'_> {
        self.env.iter()
    }

    pub fn get_env_clear(&self) -> bool {
        self.env.does_clear()
    }

    pub fn get_current_dir(&self) -> Option<&Path> {
        self.cwd.as_ref().map(|cs| Path::new(cs))
    }

    /// The child's working directory, absolute.
    fn child_cwd(&self) -> io::Result<PathBuf> {
        let here = crate::env::current_dir()?;
        Ok(match &self.cwd {
            Some(dir) => here.join(dir),
            None => here,
        })
    }

    /// The file to start: see the module's header.
    fn resolve(&self, cwd: &Path, env: &[(OsString, OsString)]) -> io::Result<PathBuf> {
        let program = Path::new(&self.program);
        if program.as_os_str().is_empty() {
            return Err(io::const_error!(io::ErrorKind::NotFound, "no program named"));
        }
        if program.as_os_str().as_encoded_bytes().contains(&b'/') {
            return Ok(cwd.join(program));
        }
        let path = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| OsString::from("/bin"));
        for dir in crate::env::split_paths(&path) {
            let candidate = cwd.join(dir).join(program);
            if crate::fs::metadata(&candidate).is_ok_and(|m| m.is_file()) {
                return Ok(candidate);
            }
        }
        Err(io::const_error!(io::ErrorKind::NotFound, "no such program in PATH"))
    }

    pub fn spawn(&mut self, default: Stdio, needs_stdin: bool) -> io::Result<(Process, StdioPipes)> {
        let has_nul = |s: &OsStr| s.as_encoded_bytes().contains(&0);
        let nul_in_env = self.env.iter().any(|(k, v)| has_nul(k) || v.is_some_and(has_nul));
        if has_nul(&self.program) || self.args.iter().any(|a| has_nul(a)) || self.cwd.as_deref().is_some_and(has_nul) || nul_in_env {
            return Err(io::const_error!(io::ErrorKind::InvalidInput, "nul byte found in provided data"));
        }
        let cwd = self.child_cwd()?;
        let env: Vec<(OsString, OsString)> = self.env.capture().into_iter().collect();
        let path = self.resolve(&cwd, &env)?;
        let args = self.args.iter().map(|a| utf8(a)).collect::<io::Result<Vec<&str>>>()?;
        let env = env.iter().map(|(k, v)| Ok((utf8(k)?, utf8(v)?))).collect::<io::Result<Vec<(&str, &str)>>>()?;
        let cwd = utf8(cwd.as_os_str())?;
        let path = path.as_os_str().as_encoded_bytes();

        let pick = |mine: &Option<Stdio>, fallback: &Stdio| -> io::Result<(u32, usize)> {
            let stdio = mine.as_ref().unwrap_or(fallback);
            Ok(match stdio {
                Stdio::Inherit => inherited(None),
                Stdio::ParentStdout => inherited(Some(1)),
                Stdio::ParentStderr => inherited(Some(2)),
                Stdio::Null => (kind::NULL, 0),
                Stdio::MakePipe => (kind::PIPE, 0),
                Stdio::End(pipe) => (kind::END, pipe.end()),
                Stdio::File => return Err(io::const_error!(io::ErrorKind::Unsupported, "a file as a child's stdio is not supported here")),
            })
        };
        let stdin_default = if needs_stdin { &default } else { &Stdio::Null };
        let mut streams = [pick(&self.stdin, stdin_default)?, pick(&self.stdout, &default)?, pick(&self.stderr, &default)?];
        // Inherit resolves per stream: stream i of this process.
        for (i, s) in streams.iter_mut().enumerate() {
            if s.0 == INHERIT {
                *s = inherited(Some(i));
            }
        }

        let mut proc_block = vec![0u8; proto::PROC_CWD_LEN_AT];
        for field in [cwd.as_bytes(), path] {
            proc_block.extend_from_slice(&(field.len() as u32).to_le_bytes());
            proc_block.extend_from_slice(field);
        }
        let params_len = crate::sys::pal::abi::params::encoded_len(&args, &env) + 8 + proc_block.len();
        let used = proto::PATH_AT + path.len() + params_len;
        if used > proto::REQUEST_MAX {
            return Err(io::const_error!(io::ErrorKind::ArgumentListTooLong, "arguments and environment too long"));
        }
        #[repr(C, align(4096))]
        struct Page([u8; 4096]);
        let mut pages: Vec<Page> = (0..used.div_ceil(4096)).map(|_| Page([0; 4096])).collect();
        // SAFETY: `pages` is a run of whole, 4096-aligned pages owned here.
        let req = unsafe { crate::slice::from_raw_parts_mut(pages.as_mut_ptr().cast::<u8>(), pages.len() * 4096) };
        let put = |req: &mut [u8], at: usize, v: usize| req[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes());
        for (i, (k, end)) in streams.iter().enumerate() {
            put(req, proto::KINDS_AT + 4 * i, *k as usize);
            put(req, proto::ENDS_AT + 4 * i, *end);
        }
        put(req, proto::PATH_LEN_AT, path.len());
        put(req, proto::PARAMS_LEN_AT, params_len);
        req[proto::PATH_AT..proto::PATH_AT + path.len()].copy_from_slice(path);
        let params = &mut req[proto::PATH_AT + path.len()..used];
        let len = crate::sys::pal::abi::params::encode(&args, &env, params)
            .map_err(|_| io::const_error!(io::ErrorKind::ArgumentListTooLong, "an argument or variable too long"))?;
        crate::sys::pal::abi::params::append_block(params, len, proto::PROC_BLOCK_MAGIC, &proc_block)
            .map_err(|_| io::const_error!(io::ErrorKind::InvalidInput, "bad parameter block"))?;
        lend_mut(manager()?, proto::SPAWN, req, 0, used)
            .map_err(|_| io::const_error!(io::ErrorKind::Other, "the process manager did not answer"))?;
        let word = |at: usize| u32::from_le_bytes(req[at..at + 4].try_into().unwrap()) as usize;
        if word(proto::STATUS_AT) != proto::status::OK {
            return Err(error(word(proto::STATUS_AT)));
        }
        let end = |i: usize| (streams[i].0 == kind::PIPE).then(|| Pipe::from_end(word(proto::ENDS_AT + 4 * i)));
        let pipes = StdioPipes { stdin: end(0), stdout: end(1), stderr: end(2) };
        Ok((Process { child: word(proto::PID_AT), status: None }, pipes))
    }
}

/// `s` as UTF-8, which the parameter block's strings are.
fn utf8(s: &OsStr) -> io::Result<&str> {
    s.to_str().ok_or(io::const_error!(io::ErrorKind::InvalidInput, "arguments and environment must be UTF-8 here"))
}

/// A marker while the streams are picked: inherit, resolved per stream.
const INHERIT: u32 = u32::MAX;

/// What a child inheriting this process's stream `stream` (0 stdin, 1
/// stdout, 2 stderr) gets; `None`: not known yet (see `spawn`).
fn inherited(stream: Option<usize>) -> (u32, usize) {
    match stream {
        None => (INHERIT, 0),
        Some(i) => match crate::sys::stdio::own_stream(i) {
            crate::sys::stdio::Target::Console => (kind::CONSOLE, 0),
            crate::sys::stdio::Target::Null => (kind::NULL, 0),
            crate::sys::stdio::Target::Pipe(end) => (kind::END, end),
        },
    }
}

impl From<Pipe> for Stdio {
    fn from(pipe: Pipe) -> Stdio {
        Stdio::End(pipe)
    }
}

impl From<io::Stdout> for Stdio {
    fn from(_: io::Stdout) -> Stdio {
        Stdio::ParentStdout
    }
}

impl From<io::Stderr> for Stdio {
    fn from(_: io::Stderr) -> Stdio {
        Stdio::ParentStderr
    }
}

impl From<File> for Stdio {
    fn from(_file: File) -> Stdio {
        Stdio::File
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            let mut d = f.debug_struct("Command");
            d.field("program", &self.program).field("args", &self.args);
            if !self.env.is_unchanged() {
                d.field("env", &self.env);
            }
            if let Some(cwd) = &self.cwd {
                d.field("cwd", cwd);
            }
            for (name, s) in [("stdin", &self.stdin), ("stdout", &self.stdout), ("stderr", &self.stderr)] {
                if let Some(s) = s {
                    d.field(name, s);
                }
            }
            d.finish()
        } else {
            if let Some(cwd) = &self.cwd {
                write!(f, "cd {cwd:?} && ")?;
            }
            for (key, value) in self.get_envs() {
                match value {
                    Some(v) => write!(f, "{}={v:?} ", key.to_string_lossy())?,
                    None => write!(f, "env -u {} ", key.to_string_lossy())?,
                }
            }
            if self.program != self.args[0] {
                write!(f, "[{:?}] ", self.program)?;
            }
            write!(f, "{:?}", self.args[0])?;
            for arg in &self.args[1..] {
                write!(f, " {arg:?}")?;
            }
            Ok(())
        }
    }
}

/// How a child ended: its exit code, or the kernel or its parent ended it.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum ExitStatus {
    Exited(i32),
    /// A fault it did not handle (or no memory for a page it touched).
    Faulted,
    Killed,
}

impl Default for ExitStatus {
    fn default() -> Self {
        ExitStatus::Exited(0)
    }
}

impl ExitStatus {
    pub fn exit_ok(&self) -> Result<(), ExitStatusError> {
        if *self == ExitStatus::Exited(0) { Ok(()) } else { Err(ExitStatusError(*self)) }
    }

    pub fn code(&self) -> Option<i32> {
        match self {
            ExitStatus::Exited(code) => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Exited(code) => write!(f, "exit status: {code}"),
            ExitStatus::Faulted => f.write_str("ended by the kernel (a fault)"),
            ExitStatus::Killed => f.write_str("killed"),
        }
    }
}

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct ExitStatusError(ExitStatus);

impl Into<ExitStatus> for ExitStatusError {
    fn into(self) -> ExitStatus {
        self.0
    }
}

impl ExitStatusError {
    pub fn code(self) -> Option<NonZero<i32>> {
        self.0.code().and_then(NonZero::new)
    }
}

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub struct ExitCode(u8);

impl ExitCode {
    pub const SUCCESS: ExitCode = ExitCode(0);
    pub const FAILURE: ExitCode = ExitCode(1);

    pub fn as_i32(&self) -> i32 {
        self.0 as i32
    }
}

impl From<u8> for ExitCode {
    fn from(code: u8) -> Self {
        Self(code)
    }
}

/// A child: as the manager names it (its pid and a serial, `proto::child_pid`),
/// and its end once known (the manager tells it once).
pub struct Process {
    child: usize,
    status: Option<ExitStatus>,
}

fn exit_status(answer: [usize; 5]) -> Option<ExitStatus> {
    match answer[1] {
        state::EXITED => Some(ExitStatus::Exited(answer[2] as u32 as i32)),
        state::FAULTED => Some(ExitStatus::Faulted),
        state::KILLED => Some(ExitStatus::Killed),
        _ => None,
    }
}

impl Process {
    pub fn id(&self) -> u32 {
        proto::child_pid(self.child) as u32
    }

    pub fn kill(&mut self) -> io::Result<()> {
        if self.status.is_some() {
            return Ok(());
        }
        ask(proto::KILL, self.child).map(drop)
    }

    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = exit_status(ask(proto::WAIT, self.child)?)
            .ok_or(io::const_error!(io::ErrorKind::Other, "the process manager gave no end"))?;
        self.status = Some(status);
        Ok(status)
    }

    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        self.status = exit_status(ask(proto::TRY_WAIT, self.child)?);
        Ok(self.status)
    }
}

pub struct CommandArgs<'a> {
    iter: crate::slice::Iter<'a, OsString>,
}

impl<'a> Iterator for CommandArgs<'a> {
    type Item = &'a OsStr;
    fn next(&mut self) -> Option<&'a OsStr> {
        self.iter.next().map(|os| &**os)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}

impl<'a> ExactSizeIterator for CommandArgs<'a> {
    fn len(&self) -> usize {
        self.iter.len()
    }
    fn is_empty(&self) -> bool {
        self.iter.is_empty()
    }
}

impl<'a> fmt::Debug for CommandArgs<'a> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter.clone()).finish()
    }
}

pub type ChildPipe = Pipe;

/// Both pipes read to their ends at once (a thread reads stderr), so a
/// child that fills one while we wait on the other cannot stall.
pub fn read_output(out: ChildPipe, stdout: &mut Vec<u8>, err: ChildPipe, stderr: &mut Vec<u8>) -> io::Result<()> {
    let reader = crate::thread::Builder::new().spawn(move || {
        let mut data = Vec::new();
        err.read_to_end(&mut data).map(|_| data)
    });
    match reader {
        Ok(handle) => {
            let first = out.read_to_end(stdout);
            let second = handle.join().unwrap_or_else(|_| Err(io::const_error!(io::ErrorKind::Other, "the reader panicked")));
            first?;
            stderr.extend(second?);
            Ok(())
        }
        Err(_) => Err(io::const_error!(io::ErrorKind::Other, "no thread to read stderr")),
    }
}

pub fn getpid() -> u32 {
    crate::sys::stdio::process_id()
}
