//! The working directory and the temporary directory on Xous. The
//! filesystem service has no notion of a working directory (it reads a
//! relative path from its root), so each process keeps its own here, in
//! std: `sys/fs/xous.rs` joins every relative path onto it before the
//! request goes out. It starts at `/`; `set_current_dir` accepts only an
//! existing directory and keeps its canonical (absolute) path.

use crate::borrow::Cow;
use crate::io;
use crate::path::{Path, PathBuf};
use crate::sync::Mutex;
use crate::sync::atomic::{Atomic, AtomicBool, Ordering};

static CWD: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Where `env::temp_dir` points; made on first use.
const TEMP: &str = "/tmp";

fn current() -> PathBuf {
    match &*CWD.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
        Some(dir) => dir.clone(),
        None => PathBuf::from("/"),
    }
}

pub fn getcwd() -> io::Result<PathBuf> {
    Ok(current())
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
    match &*cwd {
        None => Cow::Borrowed(path),
        Some(dir) => Cow::Owned(dir.join(path)),
    }
}
