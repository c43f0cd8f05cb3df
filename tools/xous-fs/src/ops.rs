//! The commands' work on a mounted image: listing, reading out, putting
//! in, making and removing, and the check's report. Each change is synced
//! before it returns, so the image holds it whole; putting a file writes
//! it under a temporary name and renames it into place, so a failure (a
//! full image) leaves the old file, or none, never a part.

use crate::image::Image;
use fs::{Fs, FsError, Report, KIND_DIR, KIND_FILE, KIND_SYMLINK};
use std::io::{Read, Write};
use std::path::Path;

/// Bytes moved at a time between the host and the image.
const CHUNK: usize = 1 << 20;
/// The name a file is put under until it is whole.
const PUTTING: &[u8] = b".xous-fs-put.partial";

/// What an operation's error means, for a person.
pub fn describe(e: FsError) -> &'static str {
    match e {
        FsError::NotFound => "no such file or directory",
        FsError::AlreadyExists => "it exists already",
        FsError::NotADirectory => "not a directory",
        FsError::IsADirectory => "is a directory",
        FsError::DirectoryNotEmpty => "the directory is not empty (rm -r removes it with everything in it)",
        FsError::StorageFull => "no space left in the image",
        FsError::InvalidFilename => "not a valid name (1 to 255 bytes, no NUL)",
        FsError::ReadOnly => "the file is read-only",
        FsError::InvalidInput => "invalid argument",
        FsError::Io => "the image cannot be read or written, or holds damaged data (xous-fs check says which)",
        FsError::FileTooLarge => "too large for the format",
        FsError::Busy => "the root directory cannot be removed",
        FsError::FilesystemLoop => "too many levels of symbolic links",
        FsError::TooManyLinks => "too many links",
        FsError::NotPermitted => "not permitted",
    }
}

fn fail(path: &[u8], e: FsError) -> String {
    format!("{}: {}", String::from_utf8_lossy(path), describe(e))
}

/// One entry of a listing.
pub struct Listed {
    pub kind: u8,
    pub size: u64,
    pub name: Vec<u8>,
    /// A symbolic link's target.
    pub target: Option<Vec<u8>>,
}

impl Listed {
    /// `d`, `-` or `l`, the size, the name (a directory's with `/`, a
    /// link's with its target).
    pub fn line(&self) -> String {
        let name = String::from_utf8_lossy(&self.name);
        match (self.kind, &self.target) {
            (KIND_DIR, _) => format!("d {:>12}  {name}/", ""),
            (KIND_SYMLINK, Some(target)) => format!("l {:>12}  {name} -> {}", self.size, String::from_utf8_lossy(target)),
            _ => format!("- {:>12}  {name}", self.size),
        }
    }
}

/// The entries of directory `path` (links at its end followed), sorted
/// by name; or, if `path` names a file or link, that one alone.
pub fn list(fs: &mut Fs<Image>, path: &[u8]) -> Result<Vec<Listed>, String> {
    let n = fs.lookup(path, false).map_err(|e| fail(path, e))?;
    let attr = fs.attr(n).map_err(|e| fail(path, e))?;
    if attr.kind != KIND_DIR {
        let target = fs.read_link(path).ok().filter(|_| attr.kind == KIND_SYMLINK);
        // A link to a directory lists the directory, as `ls` does; one to
        // anything else (or to nothing) is listed as itself.
        let to_dir = target.is_some() && fs.resolve(path).ok().and_then(|n| fs.attr(n).ok()).is_some_and(|a| a.kind == KIND_DIR);
        if !to_dir || path.ends_with(b"/") {
            let name = path.rsplit(|&b| b == b'/').find(|n| !n.is_empty()).unwrap_or(path).to_vec();
            return Ok(vec![Listed { kind: attr.kind, size: attr.size, name, target }]);
        }
    }
    let dir = fs.resolve(path).map_err(|e| fail(path, e))?;
    let mut out = Vec::new();
    for (_, name) in entries(fs, dir).map_err(|e| fail(path, e))? {
        let full = join(path, &name);
        let n = fs.lookup(&full, false).map_err(|e| fail(&full, e))?;
        let attr = fs.attr(n).map_err(|e| fail(&full, e))?;
        let target = if attr.kind == KIND_SYMLINK { Some(fs.read_link(&full).map_err(|e| fail(&full, e))?) } else { None };
        out.push(Listed { kind: attr.kind, size: attr.size, name, target });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Every (kind, name) of directory inode `dir`.
fn entries(fs: &mut Fs<Image>, dir: u32) -> Result<Vec<(u8, Vec<u8>)>, FsError> {
    let mut out = Vec::new();
    fs.read_dir(dir, 0, |kind, name| {
        out.push((kind, name.to_vec()));
        true
    })?;
    Ok(out)
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = dir.to_vec();
    if !path.ends_with(b"/") {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// Writes the content of file `path` (links followed) to `out`.
pub fn copy_out(fs: &mut Fs<Image>, path: &[u8], out: &mut dyn Write) -> Result<u64, String> {
    let n = fs.resolve(path).map_err(|e| fail(path, e))?;
    let attr = fs.attr(n).map_err(|e| fail(path, e))?;
    if attr.kind != KIND_FILE {
        return Err(fail(path, FsError::IsADirectory));
    }
    let mut buffer = vec![0u8; CHUNK];
    let mut at = 0;
    while at < attr.size {
        let got = fs.read(n, at, &mut buffer).map_err(|e| fail(path, e))?;
        if got == 0 {
            return Err(format!("{}: ended at {at} bytes of {}", String::from_utf8_lossy(path), attr.size));
        }
        out.write_all(&buffer[..got]).map_err(|e| format!("cannot write out {}: {e}", String::from_utf8_lossy(path)))?;
        at += got as u64;
    }
    out.flush().map_err(|e| format!("cannot write out {}: {e}", String::from_utf8_lossy(path)))?;
    Ok(at)
}

/// Where `put` puts `name`: into `path` if it is a directory (or ends in
/// `/`), else at `path` itself. (directory, name).
fn destination(fs: &mut Fs<Image>, path: &[u8], host_name: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let is_dir = fs.resolve(path).ok().and_then(|n| fs.attr(n).ok()).is_some_and(|a| a.kind == KIND_DIR);
    if is_dir || path.ends_with(b"/") {
        if !is_dir {
            return Err(fail(path, FsError::NotFound));
        }
        return Ok((path.to_vec(), host_name.to_vec()));
    }
    match path.iter().rposition(|&b| b == b'/') {
        Some(at) => Ok((path[..at.max(1)].to_vec(), path[at + 1..].to_vec())),
        None => Ok((b"/".to_vec(), path.to_vec())),
    }
}

/// Copies host file `host` into the image at `path` (into it, if it is a
/// directory), replacing a file there, keeping the host file's time of
/// change. The path it took.
pub fn put(fs: &mut Fs<Image>, host: &Path, path: &[u8]) -> Result<Vec<u8>, String> {
    let mut file = std::fs::File::open(host).map_err(|e| format!("cannot open {}: {e}", host.display()))?;
    let meta = file.metadata().map_err(|e| format!("cannot read {}: {e}", host.display()))?;
    if meta.is_dir() {
        return Err(format!("{} is a directory (put copies one file)", host.display()));
    }
    let host_name = host.file_name().map(|n| n.as_encoded_bytes().to_vec()).unwrap_or_default();
    let (dir, name) = destination(fs, path, &host_name)?;
    let target = join(&dir, &name);
    let partial = join(&dir, PUTTING);
    let now = crate::now();
    let _ = fs.remove_file(&partial, now);
    let n = fs.open(&partial, true, true, false, true, now).map_err(|e| fail(&target, e))?;
    let written = fill(fs, n, &mut file, host).and_then(|written| {
        let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos() as u64);
        fs.set_times(n, None, modified).map_err(|e| fail(&target, e))?;
        fs.rename(&partial, &target, now).map_err(|e| fail(&target, e))?;
        Ok(written)
    });
    if written.is_err() {
        let _ = fs.remove_file(&partial, now);
    }
    let synced = fs.sync().map_err(|e| fail(&target, e));
    let written = written?;
    synced?;
    if written != meta.len() {
        return Err(format!("{} changed while being put: {written} bytes read, {} expected", host.display(), meta.len()));
    }
    Ok(target)
}

/// Writes all of `file` into inode `n`; the bytes written.
fn fill(fs: &mut Fs<Image>, n: u32, file: &mut std::fs::File, host: &Path) -> Result<u64, String> {
    let mut buffer = vec![0u8; CHUNK];
    let mut at = 0u64;
    loop {
        let got = file.read(&mut buffer).map_err(|e| format!("cannot read {}: {e}", host.display()))?;
        if got == 0 {
            return Ok(at);
        }
        let mut done = 0;
        while done < got {
            match fs.write(n, at, &buffer[done..got], crate::now()) {
                Ok(count) => {
                    done += count;
                    at += count as u64;
                }
                Err(FsError::StorageFull) => {
                    let free = fs.free_blocks() as u64 * 4;
                    return Err(format!("{}: no space left in the image ({at} bytes written, about {free} KiB free); nothing was put", host.display()));
                }
                Err(e) => return Err(format!("{}: {}", host.display(), describe(e))),
            }
        }
    }
}

/// Gives the file `target` the name `path` too (a hard link: one file,
/// two names), or with `symbolic` makes `path` a symbolic link to
/// `target` (which need not exist).
pub fn link(fs: &mut Fs<Image>, target: &[u8], path: &[u8], symbolic: bool) -> Result<(), String> {
    let now = crate::now();
    let made = match symbolic {
        true => fs.symlink(target, path, now),
        false => fs.hard_link(target, path, now),
    };
    let made = made.map_err(|e| fail(path, e));
    let synced = fs.sync().map_err(|e| fail(path, e));
    made.and(synced)
}

/// Makes directory `path`; with `parents`, the missing ones above it too,
/// and one that exists already is fine.
pub fn mkdir(fs: &mut Fs<Image>, path: &[u8], parents: bool) -> Result<(), String> {
    let now = crate::now();
    let made = if parents {
        let mut at = Vec::new();
        let mut result = Ok(());
        for name in path.split(|&b| b == b'/').filter(|n| !n.is_empty()) {
            at.push(b'/');
            at.extend_from_slice(name);
            match fs.create_dir(&at, now) {
                Err(FsError::AlreadyExists) if fs.resolve(&at).ok().and_then(|n| fs.attr(n).ok()).is_some_and(|a| a.kind == KIND_DIR) => {}
                Err(e) => {
                    result = Err(fail(&at, e));
                    break;
                }
                Ok(()) => {}
            }
        }
        result
    } else {
        fs.create_dir(path, now).map_err(|e| fail(path, e))
    };
    let synced = fs.sync().map_err(|e| fail(path, e));
    made.and(synced)
}

/// Removes the file, link or empty directory `path` (a link itself, not
/// what it leads to); with `recursive`, a directory and all it holds.
pub fn remove(fs: &mut Fs<Image>, path: &[u8], recursive: bool) -> Result<(), String> {
    let removed = remove_one(fs, path, recursive);
    let synced = fs.sync().map_err(|e| fail(path, e));
    removed.and(synced)
}

fn remove_one(fs: &mut Fs<Image>, path: &[u8], recursive: bool) -> Result<(), String> {
    let now = crate::now();
    let n = fs.lookup(path, false).map_err(|e| fail(path, e))?;
    if fs.attr(n).map_err(|e| fail(path, e))?.kind != KIND_DIR {
        return fs.remove_file(path, now).map_err(|e| fail(path, e));
    }
    if recursive {
        for (_, name) in entries(fs, n).map_err(|e| fail(path, e))? {
            remove_one(fs, &join(path, &name), true)?;
        }
    }
    fs.remove_dir(path, now).map_err(|e| fail(path, e))
}

/// The check's report, as lines; and whether it found damage (or
/// anything else the filesystem service would refuse).
pub fn report(image: &Path, report: &Report) -> (Vec<String>, bool) {
    let mut lines = Vec::new();
    let kib = report.device_blocks as u64 * 4;
    lines.push(format!("{}: {} blocks of 4 KiB ({})", image.display(), report.device_blocks, size_text(kib)));
    let slot = |i: usize| match report.superblocks[i] {
        Some(sequence) => format!("block {i}: sequence {sequence}"),
        None => format!("block {i}: not a whole superblock"),
    };
    lines.push(format!("superblocks: {}; {}", slot(0), slot(1)));
    if report.blank && report.refusal.is_none() {
        lines.push("blank (all zeros): no filesystem yet; the first mount, `xous-fs format` or a `put` makes one".to_string());
    }
    if let Some(refusal) = &report.refusal {
        lines.push(format!("refused: {refusal}"));
        return (lines, true);
    }
    if report.blank {
        return (lines, false);
    }
    if let Some(current) = report.current {
        let other = 1 - current as usize;
        let older = if report.superblocks[other].is_some() { "the other holds the commit before" } else { "the other is not whole (the next commit rewrites it)" };
        lines.push(format!("in use: block {current}'s; {older}"));
    }
    let w = &report.walked;
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    lines.push(format!(
        "tree: {}, {}, {}",
        plural(w.directories, "directory", "directories"),
        plural(w.files, "file", "files"),
        plural(w.symlinks, "symbolic link", "symbolic links")
    ));
    if w.nameless > 0 {
        let why = match w.damage.is_empty() {
            true => "files removed while open when the power was cut: the next mount drops them",
            false => "files removed while open when the power was cut, or behind the damage below",
        };
        lines.push(format!("{} in use that no name reaches ({why})", plural(w.nameless, "inode", "inodes")));
    }
    lines.push(format!("space: {} blocks used, {} free ({} free)", report.used, report.free, size_text(report.free as u64 * 4)));
    for damage in &w.damage {
        lines.push(format!("damage: {damage}"));
    }
    match w.damage.len() {
        0 => lines.push("no damage found".to_string()),
        n => lines.push(format!("{} found: the filesystem service refuses this image", plural(n as u32, "damage", "damages"))),
    }
    (lines, !w.damage.is_empty())
}

fn size_text(kib: u64) -> String {
    match kib {
        k if k >= 1 << 20 && k % (1 << 20) == 0 => format!("{} GiB", k >> 20),
        k if k >= 1 << 10 && k % (1 << 10) == 0 => format!("{} MiB", k >> 10),
        k => format!("{k} KiB"),
    }
}
