//! The toolchain's manifest: what it was built from (compiler, library source,
//! overlay) and which files it holds. Its cache key decides whether a build
//! is needed at all; an archive carries it so `install` can check the compiler.
//!
//! Format: one `key = "value"` per line (a TOML subset); `rlib` repeats.

use crate::error::{bail, Context, Result};
use crate::overlay::hex;
use sha2::{Digest, Sha256};
use std::path::Path;

pub const FILE_NAME: &str = "manifest.toml";

/// The parts of the builder that decide what a build produces. Any edit to
/// them changes every cache key, so a changed recipe never reuses old output.
const RECIPE: [&str; 4] = [
    include_str!("cargo_build.rs"),
    include_str!("toolchain.rs"),
    include_str!("crate_arms.rs"),
    include_str!("c_compiler.rs"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// `xous` or `xous-upstream`.
    pub name: String,
    pub compiler: String,
    pub compiler_commit: String,
    pub library_release: String,
    /// `none` for a pristine (no-overlay) toolchain.
    pub overlay_sha256: String,
    pub cache_key: String,
    /// Target libraries, relative to the toolchain directory.
    pub rlibs: Vec<String>,
}

/// Everything that, if it changed, requires a rebuild.
pub fn cache_key(verbose_version: &str, library_release: &str, overlay_sha256: &str, targets: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in [verbose_version, library_release, overlay_sha256].into_iter().chain(targets.iter().copied()).chain(RECIPE) {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// What a build of the library from one source with one compiler is
/// versioned as (the id its rustc adds to `-vV`, which cargo keys every
/// build on): the toolchain's build and the library tests' builds share
/// it, so the tests reuse the toolchain's build of the library.
pub fn library_key(verbose_version: &str, library_release: &str, overlay_sha256: &str) -> String {
    cache_key(verbose_version, library_release, overlay_sha256, &[crate::cargo_build::XOUS_TARGET])
}

impl Manifest {
    pub fn render(&self) -> String {
        let mut out = String::from("# Written by sysroot-builder; describes this toolchain.\n");
        for (key, value) in [
            ("name", &self.name),
            ("compiler", &self.compiler),
            ("compiler-commit", &self.compiler_commit),
            ("library-release", &self.library_release),
            ("overlay-sha256", &self.overlay_sha256),
            ("cache-key", &self.cache_key),
        ] {
            out.push_str(&format!("{key} = {value:?}\n"));
        }
        for rlib in &self.rlibs {
            out.push_str(&format!("rlib = {rlib:?}\n"));
        }
        out
    }

    pub fn parse(text: &str) -> Result<Manifest> {
        let mut m = Manifest {
            name: String::new(),
            compiler: String::new(),
            compiler_commit: String::new(),
            library_release: String::new(),
            overlay_sha256: String::new(),
            cache_key: String::new(),
            rlibs: Vec::new(),
        };
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parsed = line.split_once(" = ").and_then(|(key, value)| {
                let value = value.strip_prefix('"')?.strip_suffix('"')?;
                (!value.contains(['"', '\\'])).then(|| (key, value.to_string()))
            });
            let Some((key, value)) = parsed else {
                bail!("manifest line {}: expected key = \"value\", found {line:?}", number + 1);
            };
            match key {
                "name" => m.name = value,
                "compiler" => m.compiler = value,
                "compiler-commit" => m.compiler_commit = value,
                "library-release" => m.library_release = value,
                "overlay-sha256" => m.overlay_sha256 = value,
                "cache-key" => m.cache_key = value,
                "rlib" => {
                    if value.starts_with('/') || value.contains("..") {
                        bail!("manifest line {}: rlib path {value:?} leaves the toolchain", number + 1);
                    }
                    m.rlibs.push(value)
                }
                _ => bail!("manifest line {}: unknown key {key:?}", number + 1),
            }
        }
        if m.compiler_commit.is_empty() || m.cache_key.is_empty() || m.rlibs.is_empty() {
            bail!("manifest is incomplete (no compiler-commit, cache-key or rlib)");
        }
        Ok(m)
    }

    pub fn read(toolchain: &Path) -> Result<Manifest> {
        let path = toolchain.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).context(|| format!("cannot read {}", path.display()))?;
        Manifest::parse(&text).context(|| path.display().to_string())
    }

    /// True when `toolchain` was built with `key` and still holds all its files.
    pub fn is_up_to_date(toolchain: &Path, key: &str) -> bool {
        match Manifest::read(toolchain) {
            Ok(m) => {
                m.cache_key == key
                    && m.rlibs.iter().all(|rlib| toolchain.join(rlib).is_file())
                    && toolchain.join("bin/rustc").is_file()
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> Manifest {
        Manifest {
            name: "xous".into(),
            compiler: "rustc 1.96.0 (ac68faa20 2026-05-25)".into(),
            compiler_commit: "ac68faa20c58cbccd01ee7208bf3b6e93a7d7f96".into(),
            library_release: "1.96.0".into(),
            overlay_sha256: "ab".repeat(32),
            cache_key: "cd".repeat(32),
            rlibs: vec!["lib/rustlib/riscv32imac-unknown-xous-elf/lib/libstd-1.rlib".into()],
        }
    }

    #[test]
    fn round_trips() {
        let m = sample();
        assert_eq!(Manifest::parse(&m.render()).unwrap(), m);
    }

    #[test]
    fn rejects_paths_out_of_the_toolchain() {
        let bad = sample().render().replace("lib/rustlib", "../../etc");
        assert!(Manifest::parse(&bad).unwrap_err().to_string().contains("leaves the toolchain"));
    }

    #[test]
    fn cache_key_changes_with_each_input() {
        let t = ["riscv32imac-unknown-xous-elf"];
        let base = cache_key("rustc 1.96.0", "1.96.0", "aa", &t);
        assert_eq!(base, cache_key("rustc 1.96.0", "1.96.0", "aa", &t));
        assert_ne!(base, cache_key("rustc 1.96.1", "1.96.0", "aa", &t));
        assert_ne!(base, cache_key("rustc 1.96.0", "1.96.0", "ab", &t));
        assert_ne!(base, cache_key("rustc 1.96.0", "1.96.0", "none", &t));
        assert_ne!(base, cache_key("rustc 1.96.0", "1.96.0", "aa", &[]));
    }

    #[test]
    fn cache_hit_needs_same_key_and_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let m = sample();
        assert!(!Manifest::is_up_to_date(dir.path(), &m.cache_key), "no manifest: miss");
        std::fs::write(dir.path().join(FILE_NAME), m.render()).unwrap();
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        std::fs::write(dir.path().join("bin/rustc"), "").unwrap();
        assert!(!Manifest::is_up_to_date(dir.path(), &m.cache_key), "rlib missing: miss");
        let rlib = dir.path().join(&m.rlibs[0]);
        std::fs::create_dir_all(rlib.parent().unwrap()).unwrap();
        std::fs::write(&rlib, "").unwrap();
        assert!(Manifest::is_up_to_date(dir.path(), &m.cache_key), "all there: hit");
        assert!(!Manifest::is_up_to_date(dir.path(), &"ef".repeat(32)), "other key: miss");
    }
}
