//! The crate sources cargo reads instead of crates.io. The library source
//! ships a `vendor/` with every crate the standard library needs, but not
//! the few its tests need besides (std's dev-dependencies `rand` and
//! `rand_xorshift`, and the crates `compiler_builtins`' optional C build
//! names, which cargo must resolve even unused). Both builds read one
//! directory of links in the toolchain's work directory: the toolchain's
//! build links the shipped crates there, and the tests add those few,
//! fetched once from crates.io by `cargo vendor` at exactly the versions of
//! the library's `Cargo.lock` (cargo checks their checksums against it).
//!
//! One directory, because cargo keys a crate's build on the path it was
//! read from: the tests' build, in a copy of the toolchain's target
//! directory (test_build.rs), then finds the toolchain's build of every
//! shipped crate, and of std, fresh; from a second directory it built them
//! all again (40 s of CPU, std on the way to every test program).

use crate::error::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// The crates the tests need that the shipped `vendor/` lacks.
pub const EXTRA_CRATES: [&str; 5] = ["rand", "rand_core", "rand_xorshift", "cc", "shlex"];

/// `name-version` of each of `EXTRA_CRATES` as the lock file pins it.
pub fn pinned_extras(cargo_lock: &str) -> Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for package in cargo_lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package.lines().find_map(|l| l.strip_prefix(&format!("{key} = \""))?.strip_suffix('"').map(str::to_string))
        };
        if let (Some(name), Some(version)) = (field("name"), field("version")) {
            if EXTRA_CRATES.contains(&name.as_str()) && package.contains("source = \"registry+") {
                found.push((name, version));
            }
        }
    }
    for name in EXTRA_CRATES {
        if !found.iter().any(|(n, _)| n == name) {
            bail!("the library's Cargo.lock does not pin `{name}` from crates.io; the recipe needs updating");
        }
    }
    Ok(found)
}

/// Makes `dir` hold a link to each crate of `shipped`, and nothing else
/// (the toolchain's build, which starts from scratch).
pub fn link_shipped(shipped: &Path, dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).context(|| format!("cannot clear {}", dir.display()))?;
    }
    link_missing(shipped, dir)
}

/// Adds to `dir` the shipped crates it lacks, then the extras (fetched into
/// `fetched` by `cargo` once, and kept there). A crate already in `dir`
/// keeps its link: the shipped one wins over a fetched one of that name.
pub fn add_extras(shipped: &Path, fetched: &Path, dir: &Path, cargo: &Path, cargo_lock: &str) -> Result<()> {
    let extras = pinned_extras(cargo_lock)?;
    let have_all = extras.iter().all(|(n, v)| fetched.join(format!("{n}-{v}")).is_dir());
    if !have_all {
        fetch(fetched, cargo, &extras)?;
    }
    link_missing(shipped, dir)?;
    link_missing(fetched, dir)
}

/// Links each crate directory of `from` into `dir` that `dir` lacks.
fn link_missing(from: &Path, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).context(|| format!("cannot create {}", dir.display()))?;
    for entry in std::fs::read_dir(from).context(|| format!("cannot list {}", from.display()))? {
        let entry = entry.context(|| format!("cannot list {}", from.display()))?;
        let link = dir.join(entry.file_name());
        if entry.path().is_dir() && std::fs::symlink_metadata(&link).is_err() {
            // Another build of tests (./x test's and ./x std-tests' share
            // this directory) may make the same link meanwhile: keep theirs.
            if let Err(e) = std::os::unix::fs::symlink(entry.path(), &link) {
                if e.kind() != std::io::ErrorKind::AlreadyExists {
                    return Err::<(), _>(e).context(|| format!("cannot link {}", link.display()));
                }
            }
        }
    }
    Ok(())
}

/// `cargo vendor` of a scratch crate that depends on exactly `extras`.
fn fetch(fetched: &Path, cargo: &Path, extras: &[(String, String)]) -> Result<()> {
    let scratch = fetched.with_extension("scratch");
    std::fs::create_dir_all(scratch.join("src")).context(|| format!("cannot create {}", scratch.display()))?;
    let mut manifest = String::from(
        "# Written by sysroot-builder: the crates the library's tests need beyond its vendor/.\n\
         [package]\nname = \"library-test-extras\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    );
    for (name, version) in extras {
        manifest.push_str(&format!("{name} = {{ version = \"={version}\", default-features = false }}\n"));
    }
    std::fs::write(scratch.join("Cargo.toml"), manifest).context(|| "cannot write the scratch manifest".to_string())?;
    std::fs::write(scratch.join("src/lib.rs"), "").context(|| "cannot write the scratch crate".to_string())?;
    eprintln!("  fetching {} crates from crates.io for the tests: {:?}", extras.len(), extras);
    let out = Command::new(cargo)
        .current_dir(&scratch)
        .args(["vendor", "--versioned-dirs", "--quiet"])
        .arg(fetched)
        .env_remove("CARGO_HOME")
        .output()
        .context(|| format!("cannot run {}", cargo.display()))?;
    if !out.status.success() {
        bail!("cargo vendor failed (crates.io unreachable?): {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
[[package]]
name = "rand"
version = "0.9.2"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "aa"

[[package]]
name = "rand_core"
version = "0.9.3"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "rand_xorshift"
version = "0.4.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "std"
version = "0.0.0"

[[package]]
name = "cc"
version = "1.2.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "shlex"
version = "1.3.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn reads_the_pinned_versions() {
        let extras = pinned_extras(LOCK).unwrap();
        assert!(extras.contains(&("rand".into(), "0.9.2".into())));
        assert!(extras.contains(&("shlex".into(), "1.3.0".into())));
        assert_eq!(extras.len(), 5);
    }

    #[test]
    fn a_lock_without_one_of_them_is_an_error() {
        let e = pinned_extras(&LOCK.replace("name = \"cc\"", "name = \"cc2\"")).unwrap_err().to_string();
        assert!(e.contains("`cc`"), "{e}");
    }

    #[test]
    fn the_tests_add_their_crates_to_the_toolchains_links() {
        let dir = tempfile::tempdir().unwrap();
        let (shipped, fetched, links) = (dir.path().join("s"), dir.path().join("f"), dir.path().join("m"));
        for d in ["s/libc-0.2.1", "s/rand-0.9.2", "f/rand-0.9.2", "f/rand_core-0.9.3", "f/rand_xorshift-0.4.0", "f/cc-1.2.0", "f/shlex-1.3.0", "m/stale-1.0.0"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        link_shipped(&shipped, &links).unwrap();
        assert!(!links.join("stale-1.0.0").exists(), "the toolchain's build starts the directory afresh");
        assert!(!links.join("shlex-1.3.0").exists());
        let libc = std::fs::symlink_metadata(links.join("libc-0.2.1")).unwrap().modified().unwrap();
        add_extras(&shipped, &fetched, &links, Path::new("/nonexistent/cargo"), LOCK).unwrap();
        assert_eq!(std::fs::read_link(links.join("libc-0.2.1")).unwrap(), shipped.join("libc-0.2.1"));
        assert_eq!(std::fs::symlink_metadata(links.join("libc-0.2.1")).unwrap().modified().unwrap(), libc, "the toolchain's link is kept as it was");
        assert_eq!(std::fs::read_link(links.join("rand-0.9.2")).unwrap(), shipped.join("rand-0.9.2"), "shipped first");
        assert_eq!(std::fs::read_link(links.join("shlex-1.3.0")).unwrap(), fetched.join("shlex-1.3.0"));
        // Without the toolchain's directory (a --work-dir of its own), the tests make it whole.
        let own = dir.path().join("own");
        add_extras(&shipped, &fetched, &own, Path::new("/nonexistent/cargo"), LOCK).unwrap();
        assert_eq!(std::fs::read_link(own.join("libc-0.2.1")).unwrap(), shipped.join("libc-0.2.1"));
        assert_eq!(std::fs::read_link(own.join("cc-1.2.0")).unwrap(), fetched.join("cc-1.2.0"));
    }
}
