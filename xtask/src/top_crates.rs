//! `./x ecosystem --builds`: does a program on our target build when it
//! depends on one of the crates programs depend on most? For each crate in
//! `CRATES` (the most downloaded crates of crates.io that a std program
//! links, below), a one-line program `extern crate`s it with the features
//! a user would name, and `cargo +xous build --target
//! riscv32imac-unknown-xous-elf` builds it, as a user's build would: the
//! newest version, its dependencies resolved fresh, our crate arms applied
//! by the toolchain where a crate has one. The results go into
//! docs/ecosystem.md, each failure with its first error and, where looked
//! into, why.
//!
//! The programs are members of one workspace in
//! `~/.cache/xous/ecosystem/builds/` (one lock file, one target directory,
//! so a crate many depend on is built once), each built alone (`-p`), so
//! one crate's failure is its own row and no other's.

use crate::project::{Project, XOUS_TARGET};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The crates, one a line: `name [features,...] [=lib_name]`. The most
/// downloaded crates of crates.io (all-time ranking, read by hand on
/// 2026-12-03: the crates.io API cannot be reached from this machine),
/// leaving out what a program for this target does not link: build-time
/// helpers (cc, autocfg, version_check, pkg-config, rustc_version, shlex,
/// jobserver), procedural macros and their `-impl`/`-derive` crates
/// (built for the host, so they say nothing of our target), and crates for
/// one other system alone (windows-sys and the windows_* and winapi
/// families, wasm-bindgen, js-sys, web-sys, linux-raw-sys, hermit-abi,
/// core-foundation, nix). Features where a crate without them is an empty
/// shell (tokio, hyper, serde's derive).
const CRATES: &str = "
syn full
bitflags
hashbrown
proc-macro2
quote
libc
cfg-if
base64
rand_core
serde derive
itoa
rand
memchr
getrandom
regex-syntax
unicode-ident
indexmap
log
once_cell
lazy_static
regex
aho-corasick
rand_chacha
smallvec
ppv-lite86
serde_json
ryu
scopeguard
lock_api
parking_lot_core
parking_lot
heck
thiserror
either
bytes
strsim
byteorder
socket2
mio os-poll,net
tokio rt-multi-thread,net,time,io-util,macros,sync,fs
pin-project-lite
futures-core
futures-util
futures-channel
futures
slab
pin-utils
time formatting,parsing,macros
clap derive
num-traits
percent-encoding
url
idna
form_urlencoded
tinyvec
unicode-normalization
unicode-bidi
generic-array
typenum
digest
sha2
anyhow
tracing
tracing-core
http
httparse
hyper server,client,http1,http2
h2
tokio-util codec,io
fnv
crossbeam-utils
crossbeam-epoch
crossbeam-deque
crossbeam-channel
rayon
memoffset
num_cpus
semver
toml
chrono
num-integer
textwrap
unicode-width
termcolor
env_logger
humantime
hex
miniz_oxide
crc32fast
flate2
tempfile
fastrand
rustix std,fs
errno
zerocopy
ahash
mime
nom
arrayvec
itertools
";

/// Failures looked into: (crate, why).
const KNOWN: &[(&str, &str)] = &[];

/// What a "yes" means for a crate that builds as less than it is elsewhere.
const BUILDS_AS: &[(&str, &str)] = &[(
    "rustix",
    "with no backend: Xous has no POSIX system calls, so its modules that make them are left out (docs/ecosystem.md)",
)];

/// One crate's line of `CRATES`.
struct Entry<'a> {
    name: &'a str,
    features: Vec<&'a str>,
    lib: String,
}

fn entries() -> Vec<Entry<'static>> {
    CRATES
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next().expect("a line has a name");
            let mut entry = Entry { name, features: Vec::new(), lib: name.replace('-', "_") };
            for word in words {
                match word.strip_prefix('=') {
                    Some(lib) => entry.lib = lib.to_string(),
                    None => entry.features.extend(word.split(',')),
                }
            }
            entry
        })
        .collect()
}

/// The member package of `name`.
fn member(name: &str) -> String {
    format!("uses-{name}")
}

/// Writes the workspace: one program a crate.
fn write_workspace(dir: &Path, entries: &[Entry]) -> Result<(), String> {
    let io = |e: std::io::Error| format!("cannot write the build-check workspace in {}: {e}", dir.display());
    let members: Vec<String> = entries.iter().map(|e| format!("{:?}", member(e.name))).collect();
    let root = format!(
        "# Written by ./x ecosystem --builds: one program a crate.\n[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
        members.join(", ")
    );
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(dir.join("Cargo.toml"), root).map_err(io)?;
    for e in entries {
        let pkg = dir.join(member(e.name));
        std::fs::create_dir_all(pkg.join("src")).map_err(io)?;
        let features = match e.features.is_empty() {
            true => String::new(),
            false => format!(", features = [{}]", e.features.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", ")),
        };
        let manifest = format!(
            "[package]\nname = {:?}\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{} = {{ version = \"*\"{features} }}\n",
            member(e.name),
            e.name
        );
        std::fs::write(pkg.join("Cargo.toml"), manifest).map_err(io)?;
        let main = format!("// Builds and links {}, as a program using it would.\nextern crate {};\n\nfn main() {{}}\n", e.name, e.lib);
        std::fs::write(pkg.join("src/main.rs"), main).map_err(io)?;
    }
    Ok(())
}

/// What one build did.
struct Row {
    name: String,
    version: String,
    /// The first error, and why if known; None when it built.
    error: Option<String>,
}

/// `./x ecosystem --builds`: builds every program, prints a line each and
/// a summary, and writes docs/ecosystem.md's build table.
pub fn command(project: &Project, cache: &Path) -> Result<(), String> {
    let entries = entries();
    let dir = cache.join("builds");
    write_workspace(&dir, &entries)?;
    // A fresh resolution: the newest versions, as a new user's build gets.
    let _ = std::fs::remove_file(dir.join("Cargo.lock"));
    let lock = project.cargo().current_dir(&dir).args(["generate-lockfile"]).output();
    let lock = lock.map_err(|e| format!("cannot run cargo: {e}"))?;
    if !lock.status.success() {
        return Err(format!("cargo cannot resolve the crates: {}", String::from_utf8_lossy(&lock.stderr)));
    }
    let lockfile = std::fs::read_to_string(dir.join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let start = Instant::now();
    let mut rows = Vec::new();
    for e in &entries {
        let out = project
            .cargo()
            .current_dir(&dir)
            .args(["build", "--locked", "--target", XOUS_TARGET, "-p", &member(e.name)])
            .output()
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let error = (!out.status.success()).then(|| first_error(&stderr));
        let error = error.map(|err| match KNOWN.iter().find(|(k, _)| *k == e.name) {
            Some((_, why)) => format!("{why} (seen: {err})"),
            None => err,
        });
        let version = direct_version(&lockfile, &member(e.name), e.name).unwrap_or_else(|| "?".to_string());
        println!("builds {} {}: {}", e.name, version, if error.is_none() { "ok" } else { "FAILED" });
        rows.push(Row { name: e.name.to_string(), version, error });
    }
    let ok = rows.iter().filter(|r| r.error.is_none()).count();
    println!("builds: {ok} of {} crates build for {XOUS_TARGET} ({:.0} s)", rows.len(), start.elapsed().as_secs_f64());
    write_table(project, &rows)
}

/// The first error of a cargo build (its line and the `-->` line after it).
fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(at) = lines.iter().position(|l| l.starts_with("error")) else {
        return "cargo failed without an error line".to_string();
    };
    let place = lines[at + 1..].iter().take(2).find(|l| l.trim_start().starts_with("-->")).map(|l| l.trim());
    let text = match place {
        Some(place) => format!("{} {place}", lines[at]),
        None => lines[at].to_string(),
    };
    text.replace('`', "'").replace('|', "\\|")
}

/// The version of `dep` that package `member` depends on, from Cargo.lock.
fn direct_version(lockfile: &str, member: &str, dep: &str) -> Option<String> {
    let packages: Vec<&str> = lockfile.split("[[package]]").skip(1).collect();
    let field = |block: &str, key: &str| {
        block.lines().find_map(|l| l.strip_prefix(&format!("{key} = \""))).map(|v| v.trim_end_matches('"').to_string())
    };
    let own = packages.iter().find(|b| field(b, "name").as_deref() == Some(member))?;
    // `"dep"` alone when one version is locked, `"dep 1.2.3"` when several are.
    let named = own.lines().map(|l| l.trim().trim_end_matches(',').trim_matches('"')).find(|l| *l == dep || l.starts_with(&format!("{dep} ")))?;
    match named.split_once(' ') {
        Some((_, version)) => Some(version.to_string()),
        None => packages.iter().find(|b| field(b, "name").as_deref() == Some(dep)).and_then(|b| field(b, "version")),
    }
}

const BEGIN: &str = "<!-- build check: written by ./x ecosystem --builds -->";
const END: &str = "<!-- end of build check -->";

fn write_table(project: &Project, rows: &[Row]) -> Result<(), String> {
    let path: PathBuf = project.root.join("docs/ecosystem.md");
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (Some(begin), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        return Err(format!("{} lacks the build-check markers", path.display()));
    };
    let ok = rows.iter().filter(|r| r.error.is_none()).count();
    let mut text = format!(
        "{BEGIN}\n\n**{ok} of {} crates build** for `{XOUS_TARGET}` with {} (debug, default features plus those named in \
         `xtask/src/top_crates.rs`, the newest versions on the day of the run).\n\n| crate | version | builds |\n|---|---|---|\n",
        rows.len(),
        project.rust_version()?
    );
    for r in rows {
        let builds = match (&r.error, BUILDS_AS.iter().find(|(k, _)| *k == r.name)) {
            (None, Some((_, note))) => format!("yes, {note}"),
            (None, None) => "yes".to_string(),
            (Some(_), _) => "**no**".to_string(),
        };
        text.push_str(&format!("| {} | {} | {builds} |\n", r.name, r.version));
    }
    if ok < rows.len() {
        text.push_str("\nWhy each that does not:\n\n");
        for r in rows {
            if let Some(error) = &r.error {
                text.push_str(&format!("- **{} {}**: {error}\n", r.name, r.version));
            }
        }
    }
    let new = format!("{}{text}\n{}", &doc[..begin], &doc[end..]);
    std::fs::write(&path, new).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_a_hundred_crates_each_once() {
        let entries = entries();
        assert_eq!(entries.len(), 100);
        let mut names: Vec<&str> = entries.iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 100, "a crate named twice");
        let tokio = entries.iter().find(|e| e.name == "tokio").unwrap();
        assert!(tokio.features.contains(&"net") && tokio.lib == "tokio");
        assert_eq!(entries.iter().find(|e| e.name == "cfg-if").unwrap().lib, "cfg_if");
    }

    #[test]
    fn versions_come_from_the_lock_file() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.2.0\"\n\n\
                    [[package]]\nname = \"a\"\nversion = \"0.9.1\"\n\n\
                    [[package]]\nname = \"b\"\nversion = \"3.0.0\"\n\n\
                    [[package]]\nname = \"uses-a\"\nversion = \"0.0.0\"\ndependencies = [\n \"a 1.2.0\",\n]\n\n\
                    [[package]]\nname = \"uses-b\"\nversion = \"0.0.0\"\ndependencies = [\n \"b\",\n]\n";
        assert_eq!(direct_version(lock, "uses-a", "a").as_deref(), Some("1.2.0"));
        assert_eq!(direct_version(lock, "uses-b", "b").as_deref(), Some("3.0.0"));
        assert_eq!(direct_version(lock, "uses-c", "c"), None);
    }

    #[test]
    fn a_failure_is_its_first_error_and_where() {
        let stderr = "   Compiling x v1.0.0\nerror[E0432]: unresolved import `libc::sigaction`\n  --> /src/lib.rs:83:27\n   |\nerror: could not compile\n";
        assert_eq!(first_error(stderr), "error[E0432]: unresolved import 'libc::sigaction' --> /src/lib.rs:83:27");
    }
}
