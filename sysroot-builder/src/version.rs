//! Which compiler and which library source we are building from, and the rule
//! that they, and the overlay, must all be the same Rust release.

use crate::error::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `rustc -vV` says about a compiler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compiler {
    pub path: PathBuf,
    /// The whole `rustc -vV` output; part of the cache key.
    pub verbose_version: String,
    /// First line, e.g. `rustc 1.96.0 (ac68faa20 2026-05-25)`.
    pub version_line: String,
    /// `1.96.0`.
    pub release: String,
    pub commit_hash: String,
    /// The host triple, whose libraries the toolchain borrows from the compiler.
    pub host: String,
    /// `rustc --print sysroot`.
    pub sysroot: PathBuf,
}

impl Compiler {
    pub fn probe(path: &Path) -> Result<Compiler> {
        let verbose = run_stdout(Command::new(path).arg("-vV"))?;
        let sysroot = run_stdout(Command::new(path).args(["--print", "sysroot"]))?;
        let mut compiler = parse_verbose_version(&verbose)?;
        compiler.path = path.to_path_buf();
        compiler.sysroot = PathBuf::from(sysroot.trim());
        Ok(compiler)
    }

    /// Where this compiler keeps its own copy of the library source.
    pub fn default_library_source(&self) -> PathBuf {
        self.sysroot.join("lib/rustlib/src/rust/library")
    }
}

fn run_stdout(command: &mut Command) -> Result<String> {
    let shown = format!("{command:?}");
    let output = command.output().context(|| format!("cannot run {shown}"))?;
    if !output.status.success() {
        bail!(
            "{shown} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).context(|| format!("{shown} printed non-UTF-8"))
}

/// Parses `rustc -vV`; `path` and `sysroot` are left empty.
pub fn parse_verbose_version(text: &str) -> Result<Compiler> {
    let version_line = text.lines().next().unwrap_or("").trim().to_string();
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key).map(|v| v.trim().to_string()))
            .ok_or_else(|| crate::error::Error::msg(format!("`rustc -vV` has no `{key}` line")))
    };
    if !version_line.starts_with("rustc ") {
        bail!("`rustc -vV` output does not start with `rustc `: {version_line:?}");
    }
    Ok(Compiler {
        path: PathBuf::new(),
        verbose_version: text.to_string(),
        version_line,
        release: field("release:")?,
        commit_hash: field("commit-hash:")?,
        host: field("host:")?,
        sysroot: PathBuf::new(),
    })
}

/// The release a library source tree belongs to. A rust source tree records it
/// in `src/version` beside `library/`.
pub fn library_release(library: &Path) -> Result<String> {
    if !library.join("std/Cargo.toml").is_file() {
        bail!("{} is not a Rust library source tree (no std/Cargo.toml)", library.display());
    }
    let version_file = library.join("../src/version");
    let text = std::fs::read_to_string(&version_file).context(|| {
        format!(
            "cannot read the library source's version from {}",
            version_file.display()
        )
    })?;
    Ok(text.trim().to_string())
}

/// All three must agree: a std built from another release's source does not
/// compile, and an overlay written for another release would edit the wrong code.
pub fn check_release(compiler: &Compiler, library: &str, overlay: Option<&str>) -> Result<()> {
    if library != compiler.release {
        bail!(
            "version mismatch: the library source is Rust {library} but the compiler is {}; \
             point --library at the compiler's own library source",
            compiler.version_line
        );
    }
    if let Some(overlay) = overlay {
        if overlay != library {
            bail!(
                "version mismatch: library/std-xous was written for Rust {overlay}, \
                 but the library source is Rust {library}; port the overlay first"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = "rustc 1.96.0 (ac68faa20 2026-05-25) (built from a source tarball)\n\
        binary: rustc\ncommit-hash: ac68faa20c58cbccd01ee7208bf3b6e93a7d7f96\n\
        commit-date: 2026-05-25\nhost: x86_64-unknown-linux-gnu\nrelease: 1.96.0\n\
        LLVM version: 22.1.8\n";

    #[test]
    fn parses_rustc_verbose_version() {
        let c = parse_verbose_version(DEBIAN).unwrap();
        assert_eq!(c.release, "1.96.0");
        assert_eq!(c.host, "x86_64-unknown-linux-gnu");
        assert_eq!(c.commit_hash, "ac68faa20c58cbccd01ee7208bf3b6e93a7d7f96");
        assert!(c.version_line.starts_with("rustc 1.96.0 (ac68faa20"));
    }

    #[test]
    fn rejects_garbage_version_output() {
        assert!(parse_verbose_version("cargo 1.96.0\n").is_err());
        assert!(parse_verbose_version("rustc 1.96.0\nhost: x\n").is_err());
    }

    #[test]
    fn library_source_of_another_release_is_refused() {
        let c = parse_verbose_version(DEBIAN).unwrap();
        let e = check_release(&c, "1.95.0", Some("1.96.0")).unwrap_err().to_string();
        assert!(e.contains("version mismatch") && e.contains("1.95.0") && e.contains("1.96.0"), "{e}");
    }

    #[test]
    fn overlay_for_another_release_is_refused() {
        let c = parse_verbose_version(DEBIAN).unwrap();
        let e = check_release(&c, "1.96.0", Some("1.97.0")).unwrap_err().to_string();
        assert!(e.contains("written for Rust 1.97.0") && e.contains("1.96.0"), "{e}");
        check_release(&c, "1.96.0", Some("1.96.0")).unwrap();
        check_release(&c, "1.96.0", None).unwrap();
    }

    #[test]
    fn reads_release_from_fixture_tree() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("library");
        std::fs::create_dir_all(library.join("std")).unwrap();
        std::fs::write(library.join("std/Cargo.toml"), "").unwrap();
        assert!(library_release(&library).unwrap_err().to_string().contains("src/version"));
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/version"), "1.95.0\n").unwrap();
        assert_eq!(library_release(&library).unwrap(), "1.95.0");
        assert!(library_release(dir.path()).is_err());
    }
}
