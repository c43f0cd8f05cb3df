//! The overlay (library/std-xous): what it contains, its content hash, and the
//! changes it makes to a library source tree.
//!
//! Layout of an overlay directory:
//! - `VERSION`: the Rust release whose library source it was written for.
//! - `files/`: new files, placed at the same path under `library/`. They must
//!   not exist upstream: changing an upstream file is a diff's job, so every
//!   change to upstream code stays a small, reviewable hunk.
//! - `patches/*.diff`: unified diffs against `library/`, applied in name order.
//! - `MODULES`: crates of this repository copied in as modules (`modules.rs`);
//!   their copied source is hashed with the rest, so a change to it rebuilds std.
//! - anything else (the README) is documentation; it is hashed but not applied.

use crate::error::{bail, Context, Result};
use crate::{modules, patch};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Overlay {
    pub release: String,
    /// Relative path under `library/` -> contents.
    pub new_files: BTreeMap<String, Vec<u8>>,
    /// Diff file name -> its text, in application order.
    pub patches: Vec<(String, String)>,
    /// SHA-256 over every file of the overlay (path and contents).
    pub sha256: String,
}

impl Overlay {
    pub fn load(dir: &Path) -> Result<Overlay> {
        let version_file = dir.join("VERSION");
        let release = std::fs::read_to_string(&version_file)
            .context(|| format!("cannot read the overlay's {}", version_file.display()))?
            .trim()
            .to_string();
        let mut hasher = Sha256::new();
        let mut new_files = BTreeMap::new();
        let mut patches = Vec::new();
        for (relative, full) in list_files(dir)? {
            let bytes = std::fs::read(&full).context(|| format!("cannot read {}", full.display()))?;
            hasher.update((relative.len() as u64).to_le_bytes());
            hasher.update(relative.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
            if let Some(target) = relative.strip_prefix("files/") {
                new_files.insert(target.to_string(), bytes);
            } else if let Some(name) = relative.strip_prefix("patches/") {
                if !name.ends_with(".diff") {
                    bail!("overlay patch {relative} must be a unified diff named *.diff");
                }
                let text = String::from_utf8(bytes).context(|| format!("{relative} is not UTF-8"))?;
                patches.push((name.to_string(), text));
            }
        }
        for (target, bytes) in modules::load(dir)? {
            let marked = format!("{}:{target}", modules::LIST);
            hasher.update((marked.len() as u64).to_le_bytes());
            hasher.update(marked.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
            if new_files.insert(target.clone(), bytes).is_some() {
                bail!("{target} is both an overlay file and part of a crate in {}", modules::LIST);
            }
        }
        Ok(Overlay { release, new_files, patches, sha256: hex(&hasher.finalize()) })
    }

    /// The full contents of every library file the overlay adds or changes,
    /// computed against `library` without touching it.
    pub fn changes(&self, library: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
        patch::changes(library, "the library source", &self.new_files, &self.patches)
    }
}

/// Every regular file under `dir`, as (path relative to `dir` with `/`, full path), sorted.
pub fn list_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries =
            std::fs::read_dir(&current).context(|| format!("cannot list {}", current.display()))?;
        for entry in entries {
            let entry = entry.context(|| format!("cannot list {}", current.display()))?;
            let path = entry.path();
            let kind = entry.file_type().context(|| format!("cannot stat {}", path.display()))?;
            if kind.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("listed under dir");
                let Some(relative) = relative.to_str() else {
                    bail!("{} has a non-UTF-8 name", path.display());
                };
                out.push((relative.replace('\\', "/"), path));
            }
        }
    }
    out.sort();
    Ok(out)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::write;
    use std::fs;

    /// A fixture library tree and an overlay that adds one file and edits another.
    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("library");
        write(&lib.join("std/src/sys/mod.rs"), "mod a;\nmod b;\n\nfn pick() {}\n");
        let ov = dir.path().join("overlay");
        write(&ov.join("VERSION"), "1.96.0\n");
        write(&ov.join("README.md"), "about\n");
        write(&ov.join("files/std/src/sys/ours.rs"), "// ours\n");
        write(
            &ov.join("patches/0001-select.diff"),
            "--- a/std/src/sys/mod.rs\n+++ b/std/src/sys/mod.rs\n@@ -1,2 +1,3 @@\n mod a;\n mod b;\n+mod ours;\n",
        );
        dir
    }

    #[test]
    fn applies_new_files_and_patches_to_a_fixture_tree() {
        let dir = fixture();
        let overlay = Overlay::load(&dir.path().join("overlay")).unwrap();
        assert_eq!(overlay.release, "1.96.0");
        let changes = overlay.changes(&dir.path().join("library")).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes["std/src/sys/ours.rs"], b"// ours\n");
        assert_eq!(changes["std/src/sys/mod.rs"], b"mod a;\nmod b;\nmod ours;\n\nfn pick() {}\n");
        // The library tree itself is untouched.
        assert!(!dir.path().join("library/std/src/sys/ours.rs").exists());
    }

    #[test]
    fn conflicting_edit_names_the_file_and_hunk() {
        let dir = fixture();
        write(&dir.path().join("library/std/src/sys/mod.rs"), "mod a;\nmod c;\n");
        let overlay = Overlay::load(&dir.path().join("overlay")).unwrap();
        let e = overlay.changes(&dir.path().join("library")).unwrap_err().to_string();
        assert!(e.contains("0001-select.diff: hunk 1 of std/src/sys/mod.rs"), "{e}");
    }

    #[test]
    fn new_file_may_not_replace_an_upstream_file() {
        let dir = fixture();
        write(&dir.path().join("library/std/src/sys/ours.rs"), "upstream\n");
        let overlay = Overlay::load(&dir.path().join("overlay")).unwrap();
        let e = overlay.changes(&dir.path().join("library")).unwrap_err().to_string();
        assert!(e.contains("files/std/src/sys/ours.rs already exists"), "{e}");
    }

    #[test]
    fn hash_follows_every_byte_of_the_overlay() {
        let dir = fixture();
        let ov = dir.path().join("overlay");
        let first = Overlay::load(&ov).unwrap().sha256;
        assert_eq!(first, Overlay::load(&ov).unwrap().sha256);
        write(&ov.join("files/std/src/sys/ours.rs"), "// ours, changed\n");
        let second = Overlay::load(&ov).unwrap().sha256;
        assert_ne!(first, second);
        write(&ov.join("README.md"), "about, changed\n");
        assert_ne!(second, Overlay::load(&ov).unwrap().sha256);
    }

    /// A number changed in an included crate changes the overlay's hash,
    /// and with it the toolchain's key: std is rebuilt with the new number.
    #[test]
    fn hash_follows_the_included_crates_but_not_their_tests() {
        let dir = fixture();
        let ov = dir.path().join("overlay");
        write(&ov.join("MODULES"), "../abi std/src/sys/pal/xous/abi\n");
        let lib = dir.path().join("abi/lib.rs");
        write(&lib, "pub const SYSCALL: usize = 46;\n\n#[cfg(test)]\nmod tests {}\n");
        let first = Overlay::load(&ov).unwrap();
        assert_eq!(first.new_files["std/src/sys/pal/xous/abi/mod.rs"], b"pub const SYSCALL: usize = 46;\n");
        write(&lib, "pub const SYSCALL: usize = 46;\n\n#[cfg(test)]\nmod tests {\n    fn more() {}\n}\n");
        assert_eq!(first.sha256, Overlay::load(&ov).unwrap().sha256, "a test does not rebuild std");
        write(&lib, "pub const SYSCALL: usize = 47;\n");
        assert_ne!(first.sha256, Overlay::load(&ov).unwrap().sha256);
    }

    #[test]
    fn overlay_without_version_is_refused() {
        let dir = fixture();
        fs::remove_file(dir.path().join("overlay/VERSION")).unwrap();
        let e = Overlay::load(&dir.path().join("overlay")).err().unwrap().to_string();
        assert!(e.contains("VERSION"), "{e}");
    }
}
