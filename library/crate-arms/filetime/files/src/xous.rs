//! File times on Xous: read from `std::fs::Metadata` and set through
//! `std::fs::File::set_times`, which the filesystem service implements.

use crate::FileTime;
use std::fs::{self, OpenOptions};
use std::io;
use std::path::Path;

pub fn open(path: &Path) -> io::Result<fs::File> {
    OpenOptions::new().write(true).open(path)
}

pub fn set_symlink_file_times(p: &Path, atime: FileTime, mtime: FileTime) -> io::Result<()> {
    if fs::symlink_metadata(p)?.file_type().is_symlink() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "setting a symbolic link's own times is not available through std on Xous",
        ));
    }
    let times = fs::FileTimes::new().set_accessed(atime.into()).set_modified(mtime.into());
    open(p)?.set_times(times)
}

pub fn from_last_modification_time(meta: &fs::Metadata) -> FileTime {
    meta.modified().map(FileTime::from).unwrap_or_else(|_| FileTime::zero())
}

pub fn from_last_access_time(meta: &fs::Metadata) -> FileTime {
    meta.accessed().map(FileTime::from).unwrap_or_else(|_| FileTime::zero())
}

pub fn from_creation_time(meta: &fs::Metadata) -> Option<FileTime> {
    meta.created().ok().map(FileTime::from)
}
