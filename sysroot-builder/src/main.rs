//! sysroot-builder: turns the compiler's own library source, plus our overlay
//! (library/std-xous), into the `xous` toolchain: std for
//! riscv32imac-unknown-xous-elf and core+alloc for riscv32imac-unknown-none-elf,
//! built offline and without a C compiler, laid out for `rustup toolchain link`.
//!
//! Stages: check versions -> sync the overlaid source copy -> build both
//! targets -> assemble the toolchain (-> archive). A build whose inputs
//! (compiler, library release, overlay, this recipe) are unchanged is skipped.

mod archive;
mod c_compiler;
mod cargo_build;
mod crate_arms;
mod error;
#[cfg(test)]
mod fixture;
mod manifest;
mod modules;
mod overlay;
mod patch;
mod progress;
mod test_build;
mod toolchain;
mod tree;
mod vendor;
mod version;

use cargo_build::Workspace;
use error::{bail, Result};
use manifest::Manifest;
use overlay::Overlay;
use progress::Progress;
use std::path::{Path, PathBuf};
use version::Compiler;

const USAGE: &str = "\
usage: sysroot-builder build [options]     build (or confirm up to date) a toolchain
       sysroot-builder install ARCHIVE [options]
                                           install a prebuilt sysroot archive
       sysroot-builder tests [PACKAGE...] [options]
                                           build the library's own test programs for
                                           riscv32imac-unknown-xous-elf (default: std
                                           coretests alloctests test) from the same source;
                                           prints `package<TAB>kind<TAB>name<TAB>path` each
       sysroot-builder crate-arm ARMS RUSTC ARGS...
                                           (the toolchain's rustc wrapper calls this) run RUSTC
                                           on the crate cargo is compiling with its xous arm

options:
  --pristine             no overlay: the library source as shipped (toolchain `xous-upstream`)
  --library DIR          library source (default: <rustc sysroot>/lib/rustlib/src/rust/library)
  --overlay DIR          the overlay (default: this repository's library/std-xous)
  --crate-arms DIR       the crate arms (default: this repository's library/crate-arms;
                         not for --pristine)
  --rustc PATH           the compiler (default: /usr/bin/rustc; cargo is taken beside it)
  --toolchain-dir DIR    output (default: ~/.local/share/xous/toolchains/<name>)
  --work-dir DIR         scratch space (default: ~/.cache/xous/sysroot/<name>;
                         for tests ~/.cache/xous/std-tests/<name>, or <name>-<packages>
                         for fewer than all four)
  --archive FILE         also write a prebuilt sysroot FILE (.tar.gz) and FILE.sha256
  --print-toolchain-dir  print the toolchain directory on stdout when done
";

#[derive(Default)]
struct Options {
    pristine: bool,
    library: Option<PathBuf>,
    overlay: Option<PathBuf>,
    crate_arms: Option<PathBuf>,
    rustc: Option<PathBuf>,
    toolchain_dir: Option<PathBuf>,
    work_dir: Option<PathBuf>,
    archive: Option<PathBuf>,
    print_toolchain_dir: bool,
    positional: Vec<PathBuf>,
}

fn parse_options(args: impl Iterator<Item = String>) -> Result<Options> {
    let mut o = Options::default();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<PathBuf> {
            match args.next() {
                Some(v) => Ok(PathBuf::from(v)),
                None => bail!("{name} needs a value\n\n{USAGE}"),
            }
        };
        match arg.as_str() {
            "--pristine" => o.pristine = true,
            "--print-toolchain-dir" => o.print_toolchain_dir = true,
            "--library" => o.library = Some(value(&arg)?),
            "--overlay" => o.overlay = Some(value(&arg)?),
            "--crate-arms" => o.crate_arms = Some(value(&arg)?),
            "--rustc" => o.rustc = Some(value(&arg)?),
            "--toolchain-dir" => o.toolchain_dir = Some(value(&arg)?),
            "--work-dir" => o.work_dir = Some(value(&arg)?),
            "--archive" => o.archive = Some(value(&arg)?),
            "-h" | "--help" => bail!("{USAGE}"),
            flag if flag.starts_with('-') => bail!("unknown option {flag}\n\n{USAGE}"),
            _ => o.positional.push(PathBuf::from(arg)),
        }
    }
    Ok(o)
}

impl Options {
    fn name(&self) -> &'static str {
        if self.pristine { "xous-upstream" } else { "xous" }
    }

    fn compiler(&self) -> Result<Compiler> {
        Compiler::probe(self.rustc.as_deref().unwrap_or(Path::new("/usr/bin/rustc")))
    }

    fn toolchain_dir(&self) -> Result<PathBuf> {
        match &self.toolchain_dir {
            Some(dir) => absolute(dir),
            None => Ok(user_dir("XDG_DATA_HOME", ".local/share")?.join("toolchains").join(self.name())),
        }
    }

    fn work_dir(&self) -> Result<PathBuf> {
        match &self.work_dir {
            Some(dir) => absolute(dir),
            None => Ok(user_dir("XDG_CACHE_HOME", ".cache")?.join("sysroot").join(self.name())),
        }
    }
}

/// `$XDG_*/xous`, or `~/<fallback>/xous`.
fn user_dir(xdg: &str, fallback: &str) -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(xdg).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("xous"));
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(fallback).join("xous")),
        None => bail!("neither ${xdg} nor $HOME is set; pass --toolchain-dir and --work-dir"),
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    use error::Context;
    std::path::absolute(path).context(|| format!("cannot resolve {}", path.display()))
}

/// The compiler, the library source and the overlay (none if pristine),
/// checked to be one release.
fn inputs(o: &Options) -> Result<(Compiler, PathBuf, Option<Overlay>)> {
    let compiler = o.compiler()?;
    let library = absolute(&o.library.clone().unwrap_or_else(|| compiler.default_library_source()))?;
    let library_release = version::library_release(&library)?;
    let overlay = match o.pristine {
        true => None,
        false => {
            let dir =
                o.overlay.clone().unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../library/std-xous"));
            Some(Overlay::load(&dir)?)
        }
    };
    version::check_release(&compiler, &library_release, overlay.as_ref().map(|o| o.release.as_str()))?;
    Ok((compiler, library, overlay))
}

/// Copies `library` to `dest` with the overlay's changes applied.
fn sync_source(library: &Path, dest: &Path, overlay: Option<&Overlay>) -> Result<()> {
    let changes = match overlay {
        Some(overlay) => overlay.changes(library)?,
        None => Default::default(),
    };
    let report = tree::sync(library, dest, &changes)?;
    eprintln!(
        "  {} files changed by the overlay; copy: {} written, {} removed, {} unchanged",
        changes.len(),
        report.written,
        report.removed,
        report.unchanged
    );
    Ok(())
}

fn build(o: &Options) -> Result<()> {
    let dest = o.toolchain_dir()?;
    let mut progress = Progress::new(if o.archive.is_some() { 5 } else { 4 });
    let (compiler, library, overlay) = progress.stage("check compiler, library source and overlay", || inputs(o))?;
    let overlay_sha256 = overlay.as_ref().map_or("none".to_string(), |o| o.sha256.clone());
    let arms_dir = match o.pristine {
        true => None,
        false => Some(absolute(&o.crate_arms.clone().unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../library/crate-arms")
        }))?),
    };
    let arms = arms_dir.as_deref().map(crate_arms::Arms::load).transpose()?;
    let builds = cargo_build::builds(o.pristine);
    let mut targets: Vec<&str> = builds.iter().map(|b| b.target).collect();
    // The arms are part of what the toolchain's rustc does: a change to them
    // changes the key, and with it the version cargo keys its builds on.
    let arms_key = arms.as_ref().map(|a| format!("crate-arms {}", a.sha256));
    targets.extend(arms_key.as_deref());
    let key = manifest::cache_key(&compiler.verbose_version, &compiler.release, &overlay_sha256, &targets);

    if Manifest::is_up_to_date(&dest, &key) {
        eprintln!("sysroot-builder: toolchain `{}` is up to date: {}", o.name(), dest.display());
    } else {
        let work = o.work_dir()?;
        let ws = Workspace {
            library: work.join("library"),
            vendor: work.join("vendor"),
            work: work.clone(),
            rustc: compiler.path.clone(),
            cargo: compiler.path.with_file_name("cargo"),
        };
        progress.stage("copy the library source and apply the overlay", || {
            sync_source(&library, &ws.library, overlay.as_ref())?;
            vendor::link_shipped(&library.join("vendor"), &ws.vendor)
        })?;
        let built = progress.stage("build the target libraries", || {
            for b in builds {
                eprintln!("  {} for {} (package `{}`)", b.what, b.target, b.package);
            }
            ws.prepare()?;
            // Versioned as the library tests' builds are, which then reuse
            // this one (test_build.rs).
            let id = manifest::library_key(&compiler.verbose_version, &compiler.release, &overlay_sha256);
            ws.versioned("rustc-for-sysroot", None, &id, "the toolchain's build of the library")?.build_all(builds)
        })?;
        progress.stage("assemble the toolchain", || {
            let staging = toolchain::staging_dir(&dest)?;
            let rlibs = toolchain::add_rlibs(&staging, &built)?;
            let crates = arms.as_ref().map(|a| a.crates()).unwrap_or_default();
            toolchain::add_frame(&staging, &dest, &compiler, &key, arms_dir.as_deref().map(|d| (d, crates.as_slice())))?;
            let manifest = Manifest {
                name: o.name().to_string(),
                compiler: compiler.version_line.clone(),
                compiler_commit: compiler.commit_hash.clone(),
                library_release: compiler.release.clone(),
                overlay_sha256: overlay_sha256.clone(),
                cache_key: key.clone(),
                rlibs,
            };
            std::fs::write(staging.join(manifest::FILE_NAME), manifest.render())
                .map_err(|e| error::Error::msg(format!("cannot write the manifest: {e}")))?;
            toolchain::commit(&staging, &dest)
        })?;
        print_contents(&Manifest::read(&dest)?);
        eprintln!(
            "sysroot-builder: toolchain `{}` built in {:.1} s: {}",
            o.name(),
            progress.total_seconds(),
            dest.display()
        );
    }
    if let Some(archive) = &o.archive {
        let archive = absolute(archive)?;
        let sum = progress.stage("write the prebuilt sysroot archive", || {
            archive::write(&dest, &Manifest::read(&dest)?, &archive)
        })?;
        eprintln!("sysroot-builder: wrote {} (sha256 {sum})", archive.display());
    }
    if o.print_toolchain_dir {
        println!("{}", dest.display());
    }
    Ok(())
}

/// Lists, per target it was built for, the crates the toolchain holds.
fn print_contents(manifest: &Manifest) {
    for b in &cargo_build::BUILDS {
        let dir = toolchain::target_lib_dir(b.target);
        let crates: Vec<&str> = manifest
            .rlibs
            .iter()
            .filter_map(|r| r.strip_prefix(&dir)?.strip_prefix("/lib"))
            .filter_map(|name| name.strip_suffix(".rlib"))
            .map(|name| name.rsplit_once('-').map_or(name, |(krate, _)| krate))
            .collect();
        if !crates.is_empty() {
            eprintln!("  {}: {} crates: {}", b.target, crates.len(), crates.join(" "));
        }
    }
}

/// `tests`: the library's test programs, listed on stdout.
fn tests(o: &Options) -> Result<()> {
    let packages: Vec<String> = match o.positional.is_empty() {
        true => test_build::PACKAGES.iter().map(|p| p.to_string()).collect(),
        false => o.positional.iter().map(|p| p.display().to_string()).collect(),
    };
    if let Some(unknown) = packages.iter().find(|p| !test_build::PACKAGES.contains(&p.as_str())) {
        bail!("no test package `{unknown}`; there are: {}", test_build::PACKAGES.join(" "));
    }
    let mut progress = Progress::new(3);
    let (compiler, library, overlay) = progress.stage("check compiler, library source and overlay", || inputs(o))?;
    // By default the tests build from the toolchain's own copy of the source,
    // in a target directory that starts as a copy of the toolchain's, where
    // its build of the library is: only the test programs are new
    // (test_build.rs). With --work-dir, all in that directory.
    let (work, toolchain_work) = match &o.work_dir {
        Some(dir) => (absolute(dir)?, None),
        None => (user_dir("XDG_CACHE_HOME", ".cache")?.join("std-tests").join(test_work_name(o.name(), &packages)), Some(o.work_dir()?)),
    };
    let shared = toolchain_work.as_ref().unwrap_or(&work);
    let ws = Workspace {
        library: shared.join("library"),
        // The toolchain's own links, with the tests' crates added (vendor.rs).
        vendor: shared.join("vendor"),
        work: work.clone(),
        rustc: compiler.path.clone(),
        cargo: compiler.path.with_file_name("cargo"),
    };
    progress.stage("copy the library source, apply the overlay, gather the crates", || {
        sync_source(&library, &ws.library, overlay.as_ref())?;
        let lock = std::fs::read_to_string(ws.library.join("Cargo.lock"))
            .map_err(|e| error::Error::msg(format!("cannot read the library's Cargo.lock: {e}")))?;
        vendor::add_extras(&library.join("vendor"), &work.join("vendor-extra"), &ws.vendor, &ws.cargo, &lock)?;
        ws.prepare()
    })?;
    let host_rustlib = compiler.sysroot.join("lib/rustlib").join(&compiler.host);
    let overlay_sha256 = overlay.as_ref().map_or("none".to_string(), |o| o.sha256.clone());
    let key = manifest::library_key(&compiler.verbose_version, &compiler.release, &overlay_sha256);
    let target_dir = work.join("target");
    if let Some(toolchain_work) = &toolchain_work {
        test_build::seed(&toolchain_work.join(format!("target-{}", cargo_build::XOUS_TARGET)), &target_dir, &key)?;
        // The source copy and crate links each set of tests had of its own before.
        let _ = std::fs::remove_dir_all(work.join("library"));
        let _ = std::fs::remove_dir_all(work.join("vendor"));
    }
    let programs = progress.stage(&format!("build the sysroot and the test programs of {}", packages.join(" ")), || {
        test_build::build(&ws, &target_dir, &host_rustlib, &packages, &key)
    })?;
    for p in &programs {
        println!("{}\t{}\t{}\t{}", p.package, p.kind, p.name, p.path.display());
    }
    eprintln!("sysroot-builder: {} test programs built in {:.1} s", programs.len(), progress.total_seconds());
    Ok(())
}

/// The work directory's name for building `packages`' tests: the
/// toolchain's name for all of them, with the packages after it for fewer.
/// Cargo unifies features over the packages it builds, so building std's
/// tests alone and then all four in one target directory would rebuild
/// std's each time (a minute); `./x test` builds std's alone (a third of the
/// time of all four) and `./x std-tests` all four, each in its own.
fn test_work_name(name: &str, packages: &[String]) -> String {
    if packages.len() == test_build::PACKAGES.len() {
        name.to_string()
    } else {
        format!("{name}-{}", packages.join("-"))
    }
}

fn install(o: &Options) -> Result<()> {
    let [archive] = o.positional.as_slice() else {
        bail!("install takes exactly one archive\n\n{USAGE}");
    };
    let dest = o.toolchain_dir()?;
    let manifest = archive::install(archive, &dest, &o.compiler()?)?;
    eprintln!(
        "sysroot-builder: installed {} as toolchain `{}` ({} libraries, {}): {}",
        archive.display(),
        manifest.name,
        manifest.rlibs.len(),
        manifest.compiler,
        dest.display()
    );
    print_contents(&manifest);
    if o.print_toolchain_dir {
        println!("{}", dest.display());
    }
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    if command == "crate-arm" {
        let (Some(arms), Some(rustc)) = (args.next(), args.next()) else {
            eprintln!("sysroot-builder: error: crate-arm needs ARMS RUSTC ARGS...");
            std::process::exit(1);
        };
        if let Err(e) = crate_arms::run_rustc(Path::new(&arms), Path::new(&rustc), args.collect()) {
            eprintln!("sysroot-builder: error: {e}");
        }
        std::process::exit(1);
    }
    let result = parse_options(args).and_then(|o| match command.as_str() {
        "build" if o.positional.is_empty() => build(&o),
        "install" => install(&o),
        "tests" => tests(&o),
        _ => bail!("{USAGE}"),
    });
    if let Err(e) = result {
        eprintln!("sysroot-builder: error: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod work_name_tests {
    use super::*;

    #[test]
    fn fewer_test_packages_build_in_a_directory_of_their_own() {
        let all: Vec<String> = test_build::PACKAGES.iter().map(|p| p.to_string()).collect();
        assert_eq!(test_work_name("xous", &all), "xous");
        assert_eq!(test_work_name("xous", &["std".to_string()]), "xous-std");
        assert_eq!(test_work_name("xous-upstream", &["std".to_string(), "test".to_string()]), "xous-upstream-std-test");
    }
}
