//! The working directory, the temporary and home directories, and `PATH`
//! lists on Xous. The
//! filesystem service has no notion of a working directory (it reads a
//! relative path from its root), so each process keeps its own here, in
//! std: `sys/fs/xous.rs` joins every relative path onto it before the
//! request goes out. It starts at `/`; `set_current_dir` accepts only an
//! existing directory and keeps its canonical (absolute) path. A process
//! started through `std::process` starts in the directory its parent gave
//! it (the parameter block's `Proc` block, `sys/stdio/xous/redirect.rs`).
//! `PATH`-style lists are split and joined at `:`, as on Unix; the home
//! is `HOME`, else `/home` (what the toolchain's crate arms for `home` and
//! `dirs` already answer).

use crate::borrow::Cow;
use crate::ffi::{OsStr, OsString};
use crate::path::{Path, PathBuf};
use crate::{fmt, io};
use crate::sync::Mutex;
use crate::sync::atomic::{Atomic, AtomicBool, Ordering};

static CWD: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Where `env::temp_dir` points; made on first use.
const TEMP: &str = "/tmp";

fn current() -> PathBuf {
    match &*CWD.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
        Some(dir) => dir.clone(),
        None => PathBuf::from(crate::sys::stdio::initial_cwd().unwrap_or("/")),
    }
}

/// The working directory, if it still exists: one removed under the
/// process is `NotFound`, as getcwd(3) says on Unix. `/` always exists and
/// is not asked about (a program booted without the filesystem service
/// would wait for it).
pub fn getcwd() -> io::Result<PathBuf> {
    let dir = current();
    if dir != Path::new("/") && !crate::fs::metadata(&dir).is_ok_and(|m| m.is_dir()) {
        return Err(io::const_error!(io::ErrorKind::NotFound, "the working directory was removed"));
    }
    Ok(dir)
}

pub fn chdir(p: &Path) -> io::Result<()> {
    let dir = crate::fs::canonicalize(p)?;
    if !crate::fs::metadata(&dir)?.is_dir() {
        return Err(io::const_error!(io::ErrorKind::NotADirectory, "not a directory"));
    }
    *CWD.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(dir);
    Ok(())
}

/// `/tmp`, made if it is missing (once per process; a failure to make it
/// shows when the caller uses the path). Like every `std::fs` call it
/// connects to the filesystem service, waiting for it to register.
pub fn temp_dir() -> PathBuf {
    static MADE: Atomic<bool> = AtomicBool::new(false);
    if !MADE.load(Ordering::Relaxed) {
        match crate::fs::create_dir(TEMP) {
            Ok(()) => MADE.store(true, Ordering::Relaxed),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => MADE.store(true, Ordering::Relaxed),
            Err(_) => {}
        }
    }
    PathBuf::from(TEMP)
}

/// `path` as the filesystem service must see it: absolute, the working
/// directory in front of a relative one. The empty path names nothing
/// (NotFound, as elsewhere), so it stays empty.
pub(crate) fn resolve(path: &Path) -> Cow<'_, Path> {
    if path.has_root() || path.as_os_str().is_empty() {
        return Cow::Borrowed(path);
    }
    let cwd = CWD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match (&*cwd, crate::sys::stdio::initial_cwd()) {
        (Some(dir), _) => Cow::Owned(dir.join(path)),
        (None, Some(dir)) => Cow::Owned(Path::new(dir).join(path)),
        (None, None) => Cow::Borrowed(path),
    }
}

/// The file this program was started from: the path the process manager
/// loaded it from, or for a program xous-run booted, the copy xous-run
/// put on the disk (`BOOT_EXE_DIR`/argv\[0\]); a path `Command` starts.
pub fn current_exe() -> io::Result<PathBuf> {
    use crate::sys::pal::abi::services::proc::BOOT_EXE_DIR;
    if let Some(exe) = crate::sys::stdio::own_exe() {
        return Ok(PathBuf::from(exe));
    }
    let name = crate::env::args_os().next().map(PathBuf::from);
    let booted = name.as_ref().and_then(|n| n.file_name()).map(|n| Path::new(BOOT_EXE_DIR).join(n));
    match booted {
        Some(path) if crate::fs::metadata(&path).is_ok_and(|m| m.is_file()) => Ok(path),
        _ => Err(io::const_error!(
            io::ErrorKind::NotFound,
            "this program's file is not on the filesystem (xous-run puts it there when the run has a writable disk)",
        )),
    }
}

/// `HOME`, else `/home`.
pub fn home_dir() -> Option<PathBuf> {
    Some(crate::env::var_os("HOME").filter(|h| !h.is_empty()).map_or_else(|| PathBuf::from("/home"), PathBuf::from))
}

pub struct SplitPaths<'a> {
    rest: Option<&'a [u8]>,
}

/// The paths of a `:`-separated list (an empty entry is an empty path).
pub fn split_paths(unparsed: &OsStr) -> SplitPaths<'_> {
    SplitPaths { rest: Some(unparsed.as_encoded_bytes()) }
}

impl<'a> Iterator for SplitPaths<'a> {
    type Item = PathBuf;
    fn next(&mut self) -> Option<PathBuf> {
        let rest = self.rest?;
        let (entry, next) = match rest.iter().position(|&b| b == b':') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        self.rest = next;
        // SAFETY: split at an ASCII byte of bytes that came from an OsStr.
        Some(PathBuf::from(unsafe { OsStr::from_encoded_bytes_unchecked(entry) }))
    }
}

#[derive(Debug)]
pub struct JoinPathsError;

/// The paths joined with `:`; a path holding `:` cannot be in the list.
pub fn join_paths<I, T>(paths: I) -> Result<OsString, JoinPathsError>
where
    I: Iterator<Item = T>,
    T: AsRef<OsStr>,
{
    let mut joined = OsString::new();
    for (i, path) in paths.enumerate() {
        let path = path.as_ref();
        if path.as_encoded_bytes().contains(&b':') {
            return Err(JoinPathsError);
        }
        if i > 0 {
            joined.push(":");
        }
        joined.push(path);
    }
    Ok(joined)
}

impl fmt::Display for JoinPathsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        "path segment contains separator `:`".fmt(f)
    }
}

impl crate::error::Error for JoinPathsError {}
