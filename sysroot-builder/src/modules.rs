//! Crates of this repository that std includes as modules, so std-xous
//! takes its numbers from the crate the kernel and the services use (the
//! abi crate) instead of a copy that could drift from it.
//!
//! The overlay's `MODULES` file lists them, one a line: the crate's source
//! directory (relative to the overlay) and the module's directory under
//! `library/`. `#` starts a comment. A diff of the overlay declares the
//! module where std wants it.
//!
//! What is copied: the crate's `lib.rs`, as the module's `mod.rs`, and
//! every file declared with `mod NAME;`, recursively, at the same place
//! relative to it, each without its host tests. Such a crate therefore
//! keeps its tests last in each file, from a line `#[cfg(test)]` (they use
//! the host's std and the crate's dev-dependencies, which a std build has
//! not, and std's own unit-test build sets `cfg(test)` too). `#![no_std]`
//! lines are dropped: a module is not a crate. Refused, since they would
//! mean something else inside std: `crate::` in the copied code (it would
//! name std; the crate says `super::`), `#[path]`, `extern crate`, and any
//! item after the first `#[cfg(test)]` that is not a test.

use crate::error::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file in the overlay that lists the included crates.
pub const LIST: &str = "MODULES";

/// Every file the crates of `overlay/MODULES` add to the library (path
/// under `library/` -> contents); none when the overlay has no list.
pub fn load(overlay: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let list = overlay.join(LIST);
    let mut files = BTreeMap::new();
    if !list.exists() {
        return Ok(files);
    }
    let text = std::fs::read_to_string(&list).context(|| format!("cannot read {}", list.display()))?;
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [source, module] = fields[..] else {
            bail!("{LIST}:{}: expected `SOURCE-DIR MODULE-DIR`, found `{line}`", number + 1);
        };
        if module.contains("..") || module.starts_with('/') {
            bail!("{LIST}:{}: module directory {module} leaves the library tree", number + 1);
        }
        include_crate(&overlay.join(source), module, &mut files)?;
    }
    Ok(files)
}

/// Adds the crate at `source` (its `src` directory) as the module `module`.
fn include_crate(source: &Path, module: &str, files: &mut BTreeMap<String, Vec<u8>>) -> Result<()> {
    let mut pending = vec![PathBuf::from("lib.rs")];
    while let Some(relative) = pending.pop() {
        let full = source.join(&relative);
        let text = std::fs::read_to_string(&full).context(|| format!("cannot read {}", full.display()))?;
        let kept = without_tests(&full.display().to_string(), &text)?;
        let children = match relative.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs" | "mod.rs") => relative.parent().map(Path::to_path_buf).unwrap_or_default(),
            _ => relative.with_extension(""),
        };
        for name in kept.lines().filter_map(declared_module) {
            let file = children.join(format!("{name}.rs"));
            pending.push(if source.join(&file).exists() { file } else { children.join(name).join("mod.rs") });
        }
        let Some(relative) = relative.to_str() else {
            bail!("{} has a non-UTF-8 name", full.display());
        };
        let target = match relative {
            "lib.rs" => "mod.rs",
            other => other,
        };
        let target = format!("{module}/{}", target.replace('\\', "/"));
        if files.insert(target.clone(), kept.into_bytes()).is_some() {
            bail!("{LIST}: {target} comes from two crates");
        }
    }
    Ok(())
}

/// `NAME` of a line `mod NAME;` (with any visibility), a module in a file of its own.
fn declared_module(line: &str) -> Option<&str> {
    let mut rest = line.trim();
    if let Some(after) = rest.strip_prefix("pub") {
        rest = after.trim_start();
        if rest.starts_with('(') {
            rest = rest[rest.find(')')? + 1..].trim_start();
        }
    }
    let name = rest.strip_prefix("mod ")?.strip_suffix(';')?.trim();
    name.chars().all(|c| c.is_alphanumeric() || c == '_').then_some(name)
}

/// The file up to its host tests, checked to mean the same inside std.
fn without_tests(file: &str, text: &str) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines.iter().position(|l| *l == "#[cfg(test)]").unwrap_or(lines.len());
    for (i, line) in lines.iter().enumerate().skip(cut + 1) {
        let item = !line.is_empty() && !line.starts_with(char::is_whitespace) && !line.starts_with(['}', ')', ']', '#', '/']);
        if item && lines[i - 1] != "#[cfg(test)]" {
            bail!("{file}:{}: code after the host tests (an included crate keeps them last, each item under #[cfg(test)])", i + 1);
        }
    }
    let mut kept = String::new();
    for (i, line) in lines[..cut].iter().enumerate() {
        if *line == "#![no_std]" {
            continue;
        }
        let code = !line.trim_start().starts_with("//");
        for refused in ["crate::", "#[path", "extern crate"] {
            if code && line.contains(refused) {
                bail!("{file}:{}: `{refused}` means something else inside std", i + 1);
            }
        }
        kept.push_str(line);
        kept.push('\n');
    }
    Ok(kept.trim_end().to_string() + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::write;
    use std::fs;

    /// An overlay listing a crate `lib` beside it.
    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("overlay/MODULES"), "# included\n../lib/src  std/src/sys/pal/xous/abi  # the abi\n");
        let src = dir.path().join("lib/src");
        write(&src.join("lib.rs"), "//! The crate.\n#![no_std]\n#![forbid(unsafe_code)]\npub mod a;\nmod b;\npub(crate) mod c;\n\n#[cfg(test)]\nmod fuzz;\n");
        write(&src.join("a.rs"), "pub mod inner;\npub const A: u8 = 1;\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n");
        write(&src.join("a/inner.rs"), "pub const I: u8 = super::A;\n");
        write(&src.join("b.rs"), "// crate::x in a comment is fine\npub const B: u8 = 2;\n");
        write(&src.join("c/mod.rs"), "pub const C: u8 = 3;\n");
        write(&src.join("fuzz.rs"), "extern crate std;\n");
        dir
    }

    #[test]
    fn copies_the_crate_as_a_module_without_its_tests() {
        let dir = fixture();
        let files = load(&dir.path().join("overlay")).unwrap();
        let at = |p: &str| String::from_utf8(files[&format!("std/src/sys/pal/xous/abi/{p}")].clone()).unwrap();
        assert_eq!(files.len(), 5, "{:?}", files.keys());
        assert_eq!(at("mod.rs"), "//! The crate.\n#![forbid(unsafe_code)]\npub mod a;\nmod b;\npub(crate) mod c;\n");
        assert_eq!(at("a.rs"), "pub mod inner;\npub const A: u8 = 1;\n");
        assert_eq!(at("a/inner.rs"), "pub const I: u8 = super::A;\n");
        assert_eq!(at("c/mod.rs"), "pub const C: u8 = 3;\n");
        assert!(!files.keys().any(|k| k.contains("fuzz")), "a test-only module is not copied");
    }

    #[test]
    fn refuses_what_would_mean_something_else_in_std() {
        let dir = fixture();
        let src = dir.path().join("lib/src");
        write(&src.join("b.rs"), "pub const B: u8 = crate::a::A;\n");
        let e = load(&dir.path().join("overlay")).unwrap_err().to_string();
        assert!(e.contains("b.rs:1: `crate::`"), "{e}");
        write(&src.join("b.rs"), "#[cfg(test)]\nmod tests {}\npub const B: u8 = 2;\n");
        let e = load(&dir.path().join("overlay")).unwrap_err().to_string();
        assert!(e.contains("b.rs:3: code after the host tests"), "{e}");
    }

    #[test]
    fn an_overlay_without_a_list_includes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path()).unwrap().is_empty());
    }

    /// This repository's list: the abi crate, whose numbers std-xous uses.
    #[test]
    fn the_overlay_includes_the_abi_crate() {
        let overlay = Path::new(env!("CARGO_MANIFEST_DIR")).join("../library/std-xous");
        let files = load(&overlay).unwrap();
        let fs = String::from_utf8(files["std/src/sys/pal/xous/abi/services/fs.rs"].clone()).unwrap();
        let abi = fs::read_to_string(overlay.join("../../abi/src/services/fs.rs")).unwrap();
        assert!(abi.starts_with(&fs), "the module is the crate's file up to its tests");
        assert!(files.contains_key("std/src/sys/pal/xous/abi/mod.rs"));
    }
}
