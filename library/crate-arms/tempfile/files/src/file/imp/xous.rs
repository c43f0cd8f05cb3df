//! Temporary files on Xous, through std::fs and the filesystem service. A
//! file lives while it has a name or an open handle there, so an unnamed
//! temporary file is a new file whose name is removed at once.

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

use crate::util;

pub fn create_named(
    path: &Path,
    open_options: &mut OpenOptions,
    permissions: Option<&std::fs::Permissions>,
) -> io::Result<File> {
    let file = open_options.read(true).write(true).create_new(true).open(path)?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions.clone())?;
    }
    Ok(file)
}

fn create_unlinked(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new().read(true).write(true).create_new(true).open(path)?;
    fs::remove_file(path)?;
    Ok(file)
}

pub fn create(dir: &Path) -> io::Result<File> {
    util::create_helper(
        dir,
        OsStr::new(".tmp"),
        OsStr::new(""),
        crate::NUM_RAND_CHARS,
        |path| create_unlinked(&path),
    )
}

pub fn reopen(_file: &File, path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).write(true).open(path)
}

pub fn persist(old_path: &Path, new_path: &Path, overwrite: bool) -> io::Result<()> {
    if overwrite {
        return fs::rename(old_path, new_path);
    }
    // A new name that must not replace a file: a hard link fails with
    // AlreadyExists if `new_path` is taken.
    fs::hard_link(old_path, new_path)?;
    fs::remove_file(old_path)
}

pub fn keep(_: &Path) -> io::Result<()> {
    Ok(())
}
