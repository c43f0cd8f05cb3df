//! The crate sources the library's own tests build from. The library source
//! ships a `vendor/` with every crate the standard library needs, but not
//! the few its tests need besides (std's dev-dependencies `rand` and
//! `rand_xorshift`, and the crates `compiler_builtins`' optional C build
//! names, which cargo must resolve even unused). For the tests we build
//! from a merged directory: a link to each shipped crate, plus those few,
//! fetched once from crates.io by `cargo vendor` at exactly the versions of
//! the library's `Cargo.lock` (cargo checks their checksums against it).
//!
//! The sysroot the tests link against is built from this same directory,
//! so both see identical sources (a crate built from two places would be
//! two crates to rustc).

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

/// Makes `merged` hold every crate of `shipped` (as links) and the extras
/// (fetched into `fetched` by `cargo` once, and kept there).
pub fn merge(shipped: &Path, fetched: &Path, merged: &Path, cargo: &Path, cargo_lock: &str) -> Result<()> {
    let extras = pinned_extras(cargo_lock)?;
    let have_all = extras.iter().all(|(n, v)| fetched.join(format!("{n}-{v}")).is_dir());
    if !have_all {
        fetch(fetched, cargo, &extras)?;
    }
    if merged.exists() {
        std::fs::remove_dir_all(merged).context(|| format!("cannot clear {}", merged.display()))?;
    }
    std::fs::create_dir_all(merged).context(|| format!("cannot create {}", merged.display()))?;
    for dir in [shipped, fetched] {
        for entry in std::fs::read_dir(dir).context(|| format!("cannot list {}", dir.display()))? {
            let entry = entry.context(|| format!("cannot list {}", dir.display()))?;
            let link = merged.join(entry.file_name());
            if entry.path().is_dir() && !link.exists() {
                std::os::unix::fs::symlink(entry.path(), &link)
                    .context(|| format!("cannot link {}", link.display()))?;
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
    fn merges_shipped_and_fetched_crates_as_links() {
        let dir = tempfile::tempdir().unwrap();
        let (shipped, fetched, merged) = (dir.path().join("s"), dir.path().join("f"), dir.path().join("m"));
        for d in ["s/libc-0.2.1", "s/rand-0.9.2", "f/rand-0.9.2", "f/rand_core-0.9.3", "f/rand_xorshift-0.4.0", "f/cc-1.2.0", "f/shlex-1.3.0"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        merge(&shipped, &fetched, &merged, Path::new("/nonexistent/cargo"), LOCK).unwrap();
        assert_eq!(std::fs::read_link(merged.join("libc-0.2.1")).unwrap(), shipped.join("libc-0.2.1"));
        assert_eq!(std::fs::read_link(merged.join("rand-0.9.2")).unwrap(), shipped.join("rand-0.9.2"), "shipped first");
        assert_eq!(std::fs::read_link(merged.join("shlex-1.3.0")).unwrap(), fetched.join("shlex-1.3.0"));
    }
}
