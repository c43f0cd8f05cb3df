//! The distributable prebuilt sysroot: a `.tar.gz` of the target libraries and
//! the manifest, with a `.sha256` beside it; and `install`, which checks both
//! the checksum and the compiler before it turns an archive into a toolchain.
//! The wrappers in `bin/` hold absolute paths, so they are written at install
//! time rather than shipped.

use crate::error::{bail, Context, Result};
use crate::manifest::{Manifest, FILE_NAME};
use crate::overlay::hex;
use crate::toolchain;
use crate::version::Compiler;
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

pub fn checksum_path(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// Writes `archive` (and `archive.sha256`) from a finished toolchain directory.
pub fn write(toolchain_dir: &Path, manifest: &Manifest, archive: &Path) -> Result<String> {
    if let Some(parent) = archive.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).context(|| format!("cannot create {}", parent.display()))?;
    }
    let file = File::create(archive).context(|| format!("cannot create {}", archive.display()))?;
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    tar.follow_symlinks(false);
    for entry in [FILE_NAME, "RUST_VERSION"].iter().map(|s| s.to_string()).chain(manifest.rlibs.iter().cloned()) {
        tar.append_path_with_name(toolchain_dir.join(&entry), &entry)
            .context(|| format!("cannot add {entry} to {}", archive.display()))?;
    }
    tar.into_inner()
        .and_then(|gz| gz.finish())
        .context(|| format!("cannot finish {}", archive.display()))?;
    let sum = sha256_file(archive)?;
    let name = archive.file_name().expect("archive has a name").to_string_lossy();
    std::fs::write(checksum_path(archive), format!("{sum}  {name}\n"))
        .context(|| format!("cannot write {}", checksum_path(archive).display()))?;
    Ok(sum)
}

/// Installs `archive` as the toolchain at `dest`, for `compiler`.
pub fn install(archive: &Path, dest: &Path, compiler: &Compiler) -> Result<Manifest> {
    verify_checksum(archive)?;
    let staging = toolchain::staging_dir(dest)?;
    let result = unpack(archive, &staging).and_then(|()| {
        let manifest = Manifest::read(&staging)?;
        if manifest.compiler_commit != compiler.commit_hash {
            bail!(
                "{} was built for {} but this compiler is {}; \
                 build the sysroot with this compiler instead",
                archive.display(),
                manifest.compiler,
                compiler.version_line
            );
        }
        if let Some(missing) = manifest.rlibs.iter().find(|r| !staging.join(r).is_file()) {
            bail!("{} lacks {missing}, which its manifest lists", archive.display());
        }
        toolchain::add_frame(&staging, dest, compiler, &manifest.cache_key, None)?;
        Ok(manifest)
    });
    match result {
        Ok(manifest) => {
            toolchain::commit(&staging, dest)?;
            Ok(manifest)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn verify_checksum(archive: &Path) -> Result<()> {
    let sum_file = checksum_path(archive);
    let text = std::fs::read_to_string(&sum_file).context(|| {
        format!("cannot read {} (an archive is installed only with its checksum)", sum_file.display())
    })?;
    let Some(expected) = text.split_whitespace().next().filter(|s| s.len() == 64) else {
        bail!("{} does not hold a SHA-256 checksum", sum_file.display());
    };
    let actual = sha256_file(archive)?;
    if !actual.eq_ignore_ascii_case(expected) {
        bail!(
            "checksum mismatch: {} has SHA-256 {actual}, but {} says {expected}; \
             the archive is corrupt or not the one the checksum was made for",
            archive.display(),
            sum_file.display()
        );
    }
    Ok(())
}

fn unpack(archive: &Path, into: &Path) -> Result<()> {
    let file = File::open(archive).context(|| format!("cannot open {}", archive.display()))?;
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    let entries = tar.entries().context(|| format!("cannot read {}", archive.display()))?;
    for entry in entries {
        let mut entry = entry.context(|| format!("cannot read {}", archive.display()))?;
        let path = entry.path().context(|| "bad entry name".to_string())?.display().to_string();
        let allowed = path == FILE_NAME
            || path == "RUST_VERSION"
            || (path.starts_with("lib/rustlib/") && path.ends_with(".rlib") && !path.contains(".."));
        if !allowed || !entry.header().entry_type().is_file() {
            bail!("{} holds an unexpected entry {path:?}", archive.display());
        }
        entry.unpack_in(into).context(|| format!("cannot unpack {path}"))?;
    }
    Ok(())
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer).context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::parse_verbose_version;

    fn compiler(commit: &str) -> Compiler {
        let mut c = parse_verbose_version(&format!(
            "rustc 1.96.0 (ac68faa20 2026-05-25)\ncommit-hash: {commit}\nhost: x86_64-unknown-linux-gnu\nrelease: 1.96.0\n"
        ))
        .unwrap();
        c.path = "/usr/bin/rustc".into();
        c.sysroot = "/usr".into();
        c
    }

    /// A toolchain directory with one fake rlib, as a build would leave it.
    fn toolchain_dir(root: &Path, c: &Compiler) -> (PathBuf, Manifest) {
        let dir = root.join("built");
        let rlib = "lib/rustlib/riscv32imac-unknown-xous-elf/lib/libstd-1.rlib".to_string();
        std::fs::create_dir_all(dir.join("lib/rustlib/riscv32imac-unknown-xous-elf/lib")).unwrap();
        std::fs::write(dir.join(&rlib), b"not really an rlib").unwrap();
        std::fs::write(dir.join("RUST_VERSION"), "rustc 1.96.0\n").unwrap();
        let manifest = Manifest {
            name: "xous".into(),
            compiler: c.version_line.clone(),
            compiler_commit: c.commit_hash.clone(),
            library_release: "1.96.0".into(),
            overlay_sha256: "none".into(),
            cache_key: "k".repeat(64),
            rlibs: vec![rlib],
        };
        std::fs::write(dir.join(FILE_NAME), manifest.render()).unwrap();
        (dir, manifest)
    }

    #[test]
    fn round_trip_installs_a_working_layout() {
        let root = tempfile::tempdir().unwrap();
        let c = compiler("abc");
        let (built, manifest) = toolchain_dir(root.path(), &c);
        let archive = root.path().join("out/sysroot.tar.gz");
        write(&built, &manifest, &archive).unwrap();
        let dest = root.path().join("installed");
        let installed = install(&archive, &dest, &c).unwrap();
        assert_eq!(installed, manifest);
        assert_eq!(std::fs::read(dest.join(&manifest.rlibs[0])).unwrap(), b"not really an rlib");
        let wrapper = std::fs::read_to_string(dest.join("bin/rustc")).unwrap();
        assert!(wrapper.contains("--sysroot") && wrapper.contains(&dest.display().to_string()), "{wrapper}");
        assert!(Manifest::is_up_to_date(&dest, &manifest.cache_key));
    }

    #[test]
    fn corrupted_archive_is_rejected() {
        let root = tempfile::tempdir().unwrap();
        let c = compiler("abc");
        let (built, manifest) = toolchain_dir(root.path(), &c);
        let archive = root.path().join("sysroot.tar.gz");
        write(&built, &manifest, &archive).unwrap();
        let mut bytes = std::fs::read(&archive).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x40;
        std::fs::write(&archive, bytes).unwrap();
        let dest = root.path().join("installed");
        let e = install(&archive, &dest, &c).unwrap_err().to_string();
        assert!(e.contains("checksum mismatch"), "{e}");
        assert!(!dest.exists());
    }

    #[test]
    fn missing_checksum_file_is_rejected() {
        let root = tempfile::tempdir().unwrap();
        let c = compiler("abc");
        let (built, manifest) = toolchain_dir(root.path(), &c);
        let archive = root.path().join("sysroot.tar.gz");
        write(&built, &manifest, &archive).unwrap();
        std::fs::remove_file(checksum_path(&archive)).unwrap();
        let e = install(&archive, &root.path().join("i"), &c).unwrap_err().to_string();
        assert!(e.contains(".sha256"), "{e}");
    }

    #[test]
    fn archive_for_another_compiler_is_rejected() {
        let root = tempfile::tempdir().unwrap();
        let (built, manifest) = toolchain_dir(root.path(), &compiler("abc"));
        let archive = root.path().join("sysroot.tar.gz");
        write(&built, &manifest, &archive).unwrap();
        let dest = root.path().join("installed");
        let e = install(&archive, &dest, &compiler("def")).unwrap_err().to_string();
        assert!(e.contains("was built for"), "{e}");
        assert!(!dest.exists());
    }
}
