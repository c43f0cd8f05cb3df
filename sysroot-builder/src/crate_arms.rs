//! Crate arms: what gives crates.io crates that know nothing of
//! `target_os = "xous"` an arm for it, with nothing changed in the user's crate
//! (design and alternatives: docs/ecosystem.md).
//!
//! `library/crate-arms/<arm>/` holds one arm: an `ARM` file (`crate = NAME`,
//! `versions = >=A, <B`, `checked = V`, and any number of `cfg = ...` to pass
//! to rustc, for crates with an official hook such as getrandom's, and
//! `files = OTHER` to take the new files of the sibling arm OTHER: an arm
//! for older versions whose diffs differ and whose new files do not), and, as in
//! the std overlay, `files/` (new files, at the same path in the crate) and
//! `patches/*.diff` (strict unified diffs against the published crate).
//!
//! The toolchain's `rustc` wrapper hands a compile to `sysroot-builder
//! crate-arm` only for our target and a crate that has an arm. That applies
//! the arm to a copy of the exact source cargo downloaded (cached, keyed by
//! crate, version and the arm's hash), points rustc at the copy, and runs it.
//! A version outside every arm's range, a source that is not a published
//! crate, or a diff that does not match builds the crate as published and
//! says so on stderr (once: cargo compiles a dependency once).

use crate::error::{bail, Context, Result};
use crate::overlay::{hex, list_files};
use crate::patch;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

pub const TARGET: &str = crate::cargo_build::XOUS_TARGET;
/// Where a toolchain keeps its arms and the program that applies them.
pub const TOOLCHAIN_DIR: &str = "lib/xous";

pub struct Arm {
    /// Directory name, for messages.
    pub name: String,
    pub krate: String,
    pub from: Version,
    pub below: Version,
    pub checked: String,
    pub cfgs: Vec<String>,
    pub new_files: BTreeMap<String, Vec<u8>>,
    pub patches: Vec<(String, String)>,
    pub sha256: String,
}

pub struct Arms {
    pub arms: Vec<Arm>,
    pub sha256: String,
}

/// A release version `major.minor.patch` (a missing part is 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(u64, u64, u64);

impl Version {
    /// None for a pre-release or anything that is not `N[.N[.N]]`.
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
        let major = parts.next()??;
        let minor = parts.next().unwrap_or(Some(0))?;
        let patch = parts.next().unwrap_or(Some(0))?;
        parts.next().is_none().then_some(Version(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The bytes of an arm's file `full`, its name in the arm (`relative`) and
/// its bytes counted into the arm's hash.
fn read_hashed(hasher: &mut Sha256, relative: &str, full: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(full).context(|| format!("cannot read {}", full.display()))?;
    hasher.update((relative.len() as u64).to_le_bytes());
    hasher.update(relative.as_bytes());
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(&bytes);
    Ok(bytes)
}

impl Arm {
    fn load(dir: &Path) -> Result<Arm> {
        let name = dir.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let mut hasher = Sha256::new();
        let (mut krate, mut range, mut checked, mut cfgs, mut files_of) = (None, None, None, Vec::new(), None);
        let (mut new_files, mut patches) = (BTreeMap::new(), Vec::new());
        for (relative, full) in list_files(dir)? {
            let bytes = read_hashed(&mut hasher, &relative, &full)?;
            if relative == "ARM" {
                let text = String::from_utf8(bytes).context(|| format!("{name}/ARM is not UTF-8"))?;
                for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                    let Some((key, value)) = line.split_once(" = ") else {
                        bail!("{name}/ARM: `{line}` is not `key = value`");
                    };
                    match key {
                        "crate" => krate = Some(value.to_string()),
                        "versions" => range = Some(parse_range(value).context(|| format!("{name}/ARM"))?),
                        "checked" => checked = Some(value.to_string()),
                        "cfg" => cfgs.push(value.to_string()),
                        "files" => files_of = Some(value.to_string()),
                        _ => bail!("{name}/ARM: unknown key `{key}`"),
                    }
                }
            } else if let Some(path) = relative.strip_prefix("files/") {
                new_files.insert(path.to_string(), bytes);
            } else if let Some(diff) = relative.strip_prefix("patches/") {
                let text = String::from_utf8(bytes).context(|| format!("{name}/{relative} is not UTF-8"))?;
                patches.push((format!("{name}/patches/{diff}"), text));
            }
        }
        if let Some(other) = files_of {
            if other.contains('/') || other == name {
                bail!("{name}/ARM: `files = {other}` must name another arm beside it");
            }
            let other_dir = dir.with_file_name(&other);
            let shared: Vec<_> = list_files(&other_dir)?.into_iter().filter(|(relative, _)| relative.starts_with("files/")).collect();
            if shared.is_empty() {
                bail!("{name}/ARM: `files = {other}`, and {other} has no files/");
            }
            for (relative, full) in shared {
                let bytes = read_hashed(&mut hasher, &relative, &full)?;
                if new_files.insert(relative["files/".len()..].to_string(), bytes).is_some() {
                    bail!("{name}: {relative} is both its own and {other}'s");
                }
            }
        }
        let (Some(krate), Some((from, below)), Some(checked)) = (krate, range, checked) else {
            bail!("{name}/ARM needs `crate`, `versions` and `checked`");
        };
        Ok(Arm { name, krate, from, below, checked, cfgs, new_files, patches, sha256: hex(&hasher.finalize()) })
    }

    pub fn covers(&self, version: &str) -> bool {
        Version::parse(version).is_some_and(|v| self.from <= v && v < self.below)
    }

    pub fn range(&self) -> String {
        format!(">={}, <{}", self.from, self.below)
    }

    /// The crate's files this arm adds or changes, against its source in `root`.
    pub fn changes(&self, root: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
        patch::changes(root, &format!("the crate {}", self.name), &self.new_files, &self.patches)
    }
}

fn parse_range(text: &str) -> Result<(Version, Version)> {
    let parsed = text.split_once(',').and_then(|(from, below)| {
        let from = Version::parse(from.trim().strip_prefix(">=")?)?;
        let below = Version::parse(below.trim().strip_prefix('<')?)?;
        (from < below).then_some((from, below))
    });
    match parsed {
        Some(range) => Ok(range),
        None => bail!("versions must be `>=A, <B` with A below B, not `{text}`"),
    }
}

impl Arms {
    pub fn load(dir: &Path) -> Result<Arms> {
        let mut arms = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .context(|| format!("cannot list the crate arms in {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        let mut hasher = Sha256::new();
        for entry in entries {
            let arm = Arm::load(&entry)?;
            hasher.update(arm.name.as_bytes());
            hasher.update(arm.sha256.as_bytes());
            arms.push(arm);
        }
        Ok(Arms { arms, sha256: hex(&hasher.finalize()) })
    }

    /// The crate names that have an arm, sorted, without repeats.
    pub fn crates(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.arms.iter().map(|a| a.krate.as_str()).collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Copies the arms and this program into `staging/lib/xous`, for the wrapper.
pub fn install(staging: &Path, arms_dir: &Path) -> Result<()> {
    let dest = staging.join(TOOLCHAIN_DIR);
    for (relative, full) in list_files(arms_dir)? {
        let to = dest.join("crate-arms").join(&relative);
        std::fs::create_dir_all(to.parent().expect("a file has a parent"))
            .context(|| format!("cannot create the directory of {}", to.display()))?;
        std::fs::copy(&full, &to).context(|| format!("cannot copy {}", full.display()))?;
    }
    let me = std::env::current_exe().context(|| "cannot find sysroot-builder's own executable".to_string())?;
    std::fs::copy(&me, dest.join("sysroot-builder")).context(|| format!("cannot copy {}", me.display()))?;
    Ok(())
}

/// `sysroot-builder crate-arm ARMS RUSTC ARGS...`: runs RUSTC with ARGS, for
/// the crate cargo is compiling (CARGO_PKG_NAME/VERSION/MANIFEST_DIR), with
/// its arm applied when it has one for this version. Never returns on success.
pub fn run_rustc(arms_dir: &Path, rustc: &Path, mut args: Vec<String>) -> Result<()> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let (krate, version, manifest_dir) = (var("CARGO_PKG_NAME"), var("CARGO_PKG_VERSION"), var("CARGO_MANIFEST_DIR"));
    let mut command = std::process::Command::new(rustc);
    match arm_for(arms_dir, &krate, &version) {
        Err(why) => eprintln!("warning: xous: {krate} {version} built as published: {why}"),
        Ok(arm) => {
            for cfg in &arm.cfgs {
                if !chosen_already(&args, cfg) {
                    args.extend(["--cfg".to_string(), cfg.clone()]);
                }
            }
            if !arm.new_files.is_empty() || !arm.patches.is_empty() {
                match armed_source(&arm, &krate, &version, Path::new(&manifest_dir), &cache_dir()) {
                    Ok(copy) => {
                        redirect(&mut args, Path::new(&manifest_dir), &copy);
                        command.env("CARGO_MANIFEST_DIR", &copy);
                    }
                    Err(why) => eprintln!("warning: xous: {krate} {version} built as published: {why}"),
                }
            }
        }
    }
    let error = command.args(&args).exec();
    bail!("cannot run {}: {error}", rustc.display())
}

/// Whether the build already sets `cfg`, or (for a key other than `feature`)
/// another value of its key: a backend the user chose is left alone.
fn chosen_already(args: &[String], cfg: &str) -> bool {
    let key = cfg.split('=').next().unwrap_or(cfg);
    args.iter().any(|a| a == cfg || (key != "feature" && a.split('=').next() == Some(key)))
}

fn arm_for(arms_dir: &Path, krate: &str, version: &str) -> Result<Arm> {
    let arms = Arms::load(arms_dir)?;
    let ranges: Vec<String> =
        arms.arms.iter().filter(|a| a.krate == krate).map(|a| format!("{} (checked: {})", a.range(), a.checked)).collect();
    match arms.arms.into_iter().find(|a| a.krate == krate && a.covers(version)) {
        Some(arm) => Ok(arm),
        None => bail!("the toolchain's xous arm covers {} only", ranges.join(" and ")),
    }
}

/// The crate's source with the arm applied: a cached copy, made once.
fn armed_source(arm: &Arm, krate: &str, version: &str, source: &Path, cache: &Path) -> Result<PathBuf> {
    if !source.join("Cargo.toml.orig").is_file() {
        bail!("{} is not a crate as published (no Cargo.toml.orig)", source.display());
    }
    let dest = cache.join(format!("{krate}-{version}-{}", &arm.sha256[..16]));
    if dest.join(".armed").is_file() {
        return Ok(dest);
    }
    let changes = arm.changes(source)?;
    let staging = dest.with_extension(format!("staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    for (relative, full) in list_files(source)? {
        let to = staging.join(&relative);
        std::fs::create_dir_all(to.parent().expect("a file has a parent"))
            .context(|| format!("cannot create the directory of {}", to.display()))?;
        match changes.get(&relative) {
            Some(bytes) => std::fs::write(&to, bytes),
            None => std::fs::copy(&full, &to).map(drop),
        }
        .context(|| format!("cannot write {}", to.display()))?;
    }
    for (relative, bytes) in changes.iter().filter(|(r, _)| !source.join(r).exists()) {
        let to = staging.join(relative);
        std::fs::create_dir_all(to.parent().expect("a file has a parent"))
            .context(|| format!("cannot create the directory of {}", to.display()))?;
        std::fs::write(&to, bytes).context(|| format!("cannot write {}", to.display()))?;
    }
    backdate(&staging, source)?;
    std::fs::write(staging.join(".armed"), format!("{}\n", arm.name)).context(|| "cannot mark the copy".to_string())?;
    // Another compile may have made it meanwhile: then keep theirs.
    if std::fs::rename(&staging, &dest).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
        if !dest.join(".armed").is_file() {
            bail!("cannot make {}", dest.display());
        }
    }
    Ok(dest)
}

/// Gives every file of the copy at `staging` the time the crate as
/// downloaded at `source` was written. The copy is made inside the first
/// compile that needs it, after cargo noted when that compile began; files
/// newer than that would make cargo find the crate stale at the next build
/// and compile it and all that depends on it again, once.
fn backdate(staging: &Path, source: &Path) -> Result<()> {
    let downloaded = source.join("Cargo.toml.orig");
    let time = std::fs::metadata(&downloaded)
        .and_then(|m| m.modified())
        .context(|| format!("cannot read the time of {}", downloaded.display()))?;
    for (relative, full) in list_files(staging)? {
        std::fs::File::options()
            .write(true)
            .open(&full)
            .and_then(|f| f.set_modified(time))
            .context(|| format!("cannot set the time of {relative}"))?;
    }
    Ok(())
}

/// `$XDG_CACHE_HOME/xous/crate-arms` (or under `~/.cache`).
fn cache_dir() -> PathBuf {
    let cache = match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"),
    };
    cache.join("xous/crate-arms")
}

/// Points every source-file argument inside `from` at the same file in `to`.
fn redirect(args: &mut [String], from: &Path, to: &Path) {
    let cwd = std::env::current_dir().unwrap_or_default();
    for arg in args.iter_mut().filter(|a| a.ends_with(".rs")) {
        if let Ok(relative) = cwd.join(&*arg).strip_prefix(from) {
            *arg = to.join(relative).display().to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_compared_as_releases() {
        let (from, below) = parse_range(">=0.2.15, <0.3").unwrap();
        let arm = |v: &str| Version::parse(v).is_some_and(|v| from <= v && v < below);
        assert!(arm("0.2.15") && arm("0.2.99"));
        assert!(!arm("0.2.14") && !arm("0.3.0") && !arm("0.2.16-rc.1"));
        assert!(parse_range("0.2").is_err() && parse_range(">=1.0.0, <0.9").is_err());
    }

    #[test]
    fn a_cfg_the_user_chose_is_kept() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!chosen_already(&args(&["--cfg", "feature=\"std\""]), "feature=\"custom\""));
        assert!(chosen_already(&args(&["--cfg", "feature=\"custom\""]), "feature=\"custom\""));
        assert!(chosen_already(&args(&["--cfg", "getrandom_backend=\"rdrand\""]), "getrandom_backend=\"custom\""));
    }

    #[test]
    fn every_arm_in_the_repository_loads_and_says_what_it_covers() {
        let arms = Arms::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../library/crate-arms")).unwrap();
        assert!(arms.crates().contains(&"getrandom"));
        for arm in &arms.arms {
            for version in arm.checked.split_whitespace() {
                assert!(arm.covers(version), "{} covers its checked version {version}", arm.name);
            }
            for (name, text) in &arm.patches {
                patch::parse(name, text).unwrap();
            }
        }
    }

    #[test]
    fn an_arm_can_take_its_siblings_files() {
        let dir = tempfile::tempdir().unwrap();
        let (new, old) = (dir.path().join("demo"), dir.path().join("demo-0.1"));
        std::fs::create_dir_all(new.join("files/src")).unwrap();
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(new.join("ARM"), "crate = demo\nversions = >=0.2.0, <1\nchecked = 0.2.0\n").unwrap();
        std::fs::write(new.join("files/src/xous.rs"), "// xous\n").unwrap();
        std::fs::write(old.join("ARM"), "crate = demo\nversions = >=0.1.0, <0.2\nchecked = 0.1.0\nfiles = demo\n").unwrap();
        let arm = Arm::load(&old).unwrap();
        assert_eq!(arm.new_files.get("src/xous.rs").map(Vec::as_slice), Some(&b"// xous\n"[..]));
        let before = arm.sha256.clone();
        std::fs::write(new.join("files/src/xous.rs"), "// changed\n").unwrap();
        assert_ne!(Arm::load(&old).unwrap().sha256, before, "the shared files are part of its hash");
        std::fs::write(old.join("ARM"), "crate = demo\nversions = >=0.1.0, <0.2\nchecked = 0.1.0\nfiles = nothing\n").unwrap();
        assert!(Arm::load(&old).is_err(), "an arm that is not there");
    }

    /// A directory holding `arms/demo` (an arm for demo 1.x: a new file
    /// src/xous.rs and a diff adding `mod xous;` to src/lib.rs) and the
    /// published crate `demo-1.0.0`; the directory and the crate's path.
    fn demo_arm_and_crate() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let arm_dir = dir.path().join("arms/demo");
        std::fs::create_dir_all(arm_dir.join("patches")).unwrap();
        std::fs::create_dir_all(arm_dir.join("files/src")).unwrap();
        std::fs::write(arm_dir.join("ARM"), "crate = demo\nversions = >=1.0.0, <2\nchecked = 1.0.0\n").unwrap();
        std::fs::write(arm_dir.join("files/src/xous.rs"), "// xous\n").unwrap();
        std::fs::write(
            arm_dir.join("patches/0001.diff"),
            "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,1 +1,2 @@\n fn a() {}\n+mod xous;\n",
        )
        .unwrap();
        let source = dir.path().join("demo-1.0.0");
        std::fs::create_dir_all(source.join("src")).unwrap();
        std::fs::write(source.join("src/lib.rs"), "fn a() {}\n").unwrap();
        std::fs::write(source.join("Cargo.toml.orig"), "").unwrap();
        (dir, source)
    }

    #[test]
    fn an_arm_applies_to_a_published_copy_and_leaves_the_source_alone() {
        let (dir, source) = demo_arm_and_crate();
        let arm = arm_for(&dir.path().join("arms"), "demo", "1.0.0").unwrap();
        let copy = armed_source(&arm, "demo", "1.0.0", &source, &dir.path().join("cache")).unwrap();
        assert_eq!(std::fs::read_to_string(copy.join("src/lib.rs")).unwrap(), "fn a() {}\nmod xous;\n");
        assert_eq!(std::fs::read_to_string(copy.join("src/xous.rs")).unwrap(), "// xous\n");
        assert_eq!(std::fs::read_to_string(source.join("src/lib.rs")).unwrap(), "fn a() {}\n");
        let mut args = vec!["--crate-name".to_string(), source.join("src/lib.rs").display().to_string()];
        redirect(&mut args, &source, &copy);
        assert_eq!(args[1], copy.join("src/lib.rs").display().to_string());
        assert!(arm_for(&dir.path().join("arms"), "demo", "2.0.0").is_err());
        std::fs::write(source.join("src/lib.rs"), "fn b() {}\n").unwrap();
        assert!(arm.changes(&source).is_err(), "a diff that does not match is refused");
    }

    #[test]
    fn the_copy_is_no_newer_than_the_crate_as_downloaded() {
        let (dir, source) = demo_arm_and_crate();
        let downloaded = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
        std::fs::File::options().write(true).open(source.join("Cargo.toml.orig")).unwrap().set_modified(downloaded).unwrap();
        let arm = arm_for(&dir.path().join("arms"), "demo", "1.0.0").unwrap();
        let copy = armed_source(&arm, "demo", "1.0.0", &source, &dir.path().join("cache")).unwrap();
        for file in ["src/lib.rs", "src/xous.rs", "Cargo.toml.orig"] {
            let time = std::fs::metadata(copy.join(file)).unwrap().modified().unwrap();
            assert_eq!(time, downloaded, "{file}: copied, patched and new files all dated as the download");
        }
    }
}
