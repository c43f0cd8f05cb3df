//! Keeps the build's copy of the library source in step with the pristine
//! source plus the overlay's changes, touching only files whose contents
//! differ. Cargo decides what to rebuild from file times, so an unchanged
//! file must keep its time: then an overlay edit to one module recompiles
//! std alone, not core and alloc too.

use crate::error::{Context, Result};
use crate::overlay::list_files;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Directories of the library source that are not copied: the vendored
/// crates are read in place, and a stray build directory is not source.
const NOT_COPIED: [&str; 2] = ["vendor/", "target/"];

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub written: usize,
    pub removed: usize,
    pub unchanged: usize,
}

/// Makes `dest` equal to `source` with `changes` (relative path -> contents) applied.
pub fn sync(source: &Path, dest: &Path, changes: &BTreeMap<String, Vec<u8>>) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let mut wanted = BTreeSet::new();
    for (relative, from) in list_files(source)? {
        if NOT_COPIED.iter().any(|dir| relative.starts_with(dir)) {
            continue;
        }
        let to = dest.join(&relative);
        wanted.insert(relative.clone());
        if let Some(contents) = changes.get(&relative) {
            write_if_different(&to, contents, &mut report)?;
        } else if same_size_and_time(&from, &to) {
            report.unchanged += 1;
        } else {
            copy_with_time(&from, &to)?;
            report.written += 1;
        }
    }
    for (relative, contents) in changes {
        if wanted.insert(relative.clone()) {
            write_if_different(&dest.join(relative), contents, &mut report)?;
        }
    }
    if dest.exists() {
        for (relative, path) in list_files(dest)? {
            if !wanted.contains(&relative) {
                fs::remove_file(&path).context(|| format!("cannot remove {}", path.display()))?;
                report.removed += 1;
            }
        }
    }
    Ok(report)
}

fn same_size_and_time(from: &Path, to: &Path) -> bool {
    match (fs::metadata(from), fs::metadata(to)) {
        (Ok(a), Ok(b)) => a.len() == b.len() && a.modified().ok() == b.modified().ok(),
        _ => false,
    }
}

fn copy_with_time(from: &Path, to: &Path) -> Result<()> {
    create_parent(to)?;
    // Copy into a fresh file, so a read-only source mode never blocks the next sync.
    let _ = fs::remove_file(to);
    let bytes = fs::read(from).context(|| format!("cannot read {}", from.display()))?;
    fs::write(to, bytes).context(|| format!("cannot write {}", to.display()))?;
    let time = fs::metadata(from)
        .and_then(|m| m.modified())
        .context(|| format!("cannot stat {}", from.display()))?;
    fs::File::options()
        .write(true)
        .open(to)
        .and_then(|f| f.set_modified(time))
        .context(|| format!("cannot set the time of {}", to.display()))
}

fn write_if_different(to: &Path, contents: &[u8], report: &mut SyncReport) -> Result<()> {
    if fs::read(to).ok().as_deref() == Some(contents) {
        report.unchanged += 1;
        return Ok(());
    }
    create_parent(to)?;
    fs::write(to, contents).context(|| format!("cannot write {}", to.display()))?;
    report.written += 1;
    Ok(())
}

fn create_parent(path: &Path) -> Result<()> {
    let parent = path.parent().expect("a file has a parent");
    fs::create_dir_all(parent).context(|| format!("cannot create {}", parent.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_then_touches_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let (src, dst) = (dir.path().join("src"), dir.path().join("dst"));
        for (path, text) in [("core/a.rs", "a"), ("std/b.rs", "b"), ("vendor/x/c.rs", "c")] {
            fs::create_dir_all(src.join(path).parent().unwrap()).unwrap();
            fs::write(src.join(path), text).unwrap();
        }
        let mut changes = BTreeMap::new();
        changes.insert("std/b.rs".to_string(), b"B".to_vec());
        changes.insert("std/new.rs".to_string(), b"new".to_vec());

        let first = sync(&src, &dst, &changes).unwrap();
        assert_eq!(first, SyncReport { written: 3, removed: 0, unchanged: 0 });
        assert_eq!(fs::read(dst.join("std/b.rs")).unwrap(), b"B");
        assert!(!dst.join("vendor").exists());
        let a_time = fs::metadata(dst.join("core/a.rs")).unwrap().modified().unwrap();
        assert_eq!(a_time, fs::metadata(src.join("core/a.rs")).unwrap().modified().unwrap());

        let again = sync(&src, &dst, &changes).unwrap();
        assert_eq!(again, SyncReport { written: 0, removed: 0, unchanged: 3 });

        changes.remove("std/new.rs");
        let dropped = sync(&src, &dst, &changes).unwrap();
        assert_eq!(dropped, SyncReport { written: 0, removed: 1, unchanged: 2 });
        assert!(!dst.join("std/new.rs").exists());
    }
}
