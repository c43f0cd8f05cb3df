//! xous-fs's command line: one command and its image, paths and flags,
//! parsed by hand as xous-run does; the work is the library's (`ops.rs`).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use xous_fs::ops;

const USAGE: &str = "\
usage: xous-fs COMMAND IMAGE [ARGUMENTS]

The disk images of `xous-run --disk IMAGE`: raw images holding the
filesystem of the filesystem service (std::fs on the target), read and
written here with the service's own format library. Paths in the image are
`/`-separated, from its root.

commands:
  format IMAGE [--size SIZE]   make an empty filesystem on IMAGE, whatever it holds
                               (created if missing; SIZE such as 64M or 1G, a multiple of
                               4 KiB, at least 64K; default: IMAGE's size, 16M for a new one)
  check IMAGE                  verify both superblocks, every metadata block's checksum
                               and the whole tree; list each damage: block, inode, path, what
  ls IMAGE [PATH]              list a directory (default /): kind (d, -, l), size, name
  cat IMAGE PATH               write a file's content to stdout
  get IMAGE PATH HOSTFILE      copy a file out of the image (HOSTFILE a directory: into it;
                               `-`: stdout)
  put IMAGE HOSTFILE PATH      copy a host file into the image, replacing a file at PATH
                               (PATH a directory or ending in /: into it)
  ln [-s] IMAGE TARGET PATH    give the file TARGET a second name PATH (a hard link: one
                               file, its bytes stored once); -s: PATH a symbolic link to TARGET
  mkdir [-p] IMAGE PATH        make a directory (-p: and its missing parents; one that
                               exists is fine)
  rm [-r] IMAGE PATH           remove a file, a symbolic link or an empty directory
                               (-r: a directory and everything in it)
  -h, --help                   this text

An image is used as it is. A blank one (all zeros, as xous-run creates it)
is formatted by the first command that writes (put, mkdir), as the
filesystem service formats it at boot. One that holds anything else that is
not a filesystem of ours, or ours damaged beyond repair, is refused and
left as it is: `check` says what is wrong, `format` starts it anew.

exit status: 0 done (check: no damage, the image is ours or blank), 1 failed
(why, on stderr) or check found damage or an image the service refuses (on
stdout), 2 bad usage
";

/// Exit codes.
const FAILED: u8 = 1;
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let code = match run(&args) {
        Ok(code) => code,
        Err(Failure::Usage(why)) => {
            eprintln!("xous-fs: {why} (xous-fs --help shows the usage)");
            USAGE_ERROR
        }
        Err(Failure::Failed(why)) => {
            eprintln!("xous-fs: {why}");
            FAILED
        }
    };
    ExitCode::from(code)
}

enum Failure {
    Usage(String),
    Failed(String),
}

impl From<String> for Failure {
    fn from(why: String) -> Failure {
        Failure::Failed(why)
    }
}

/// The command's words apart from its flags (`-p`, `-r`, `--size N`).
struct Words {
    positional: Vec<OsString>,
    flags: Vec<String>,
    size: Option<u64>,
}

fn split(args: &[OsString], allowed: &[&str]) -> Result<Words, Failure> {
    let mut words = Words { positional: Vec::new(), flags: Vec::new(), size: None };
    let mut rest = args.iter();
    let mut options_done = false;
    while let Some(arg) = rest.next() {
        let text = arg.to_str().unwrap_or("");
        if options_done || !text.starts_with('-') || text == "-" {
            words.positional.push(arg.clone());
            continue;
        }
        match text {
            "--" => options_done = true,
            "--size" if allowed.contains(&"--size") => {
                let value = rest.next().and_then(|v| v.to_str()).ok_or(Failure::Usage("--size needs a value".into()))?;
                words.size = Some(parse_size(value).map_err(Failure::Usage)?);
            }
            _ if text.starts_with("--size=") && allowed.contains(&"--size") => {
                words.size = Some(parse_size(&text["--size=".len()..]).map_err(Failure::Usage)?);
            }
            flag if allowed.contains(&flag) => words.flags.push(flag.to_string()),
            _ => return Err(Failure::Usage(format!("unknown option `{text}`"))),
        }
    }
    Ok(words)
}

/// A size in bytes: a number with an optional K, M, G or T (powers of
/// 1024); whole 4 KiB blocks, 64 KiB at least.
fn parse_size(text: &str) -> Result<u64, String> {
    let bad = || format!("--size takes a size such as 64M or 1G, not `{text}`");
    let (digits, unit) = match text.char_indices().last().ok_or_else(bad)? {
        (at, 'K' | 'k') => (&text[..at], 1u64 << 10),
        (at, 'M' | 'm') => (&text[..at], 1 << 20),
        (at, 'G' | 'g') => (&text[..at], 1 << 30),
        (at, 'T' | 't') => (&text[..at], 1 << 40),
        _ => (text, 1),
    };
    let bytes = digits.parse::<u64>().ok().and_then(|n| n.checked_mul(unit)).ok_or_else(bad)?;
    if bytes % 4096 != 0 || bytes < fs::MIN_BLOCKS as u64 * 4096 {
        return Err(format!("--size {text}: an image is whole 4 KiB blocks, at least {} KiB", fs::MIN_BLOCKS * 4));
    }
    if bytes / 4096 > u32::MAX as u64 {
        return Err(format!("--size {text}: more blocks than the format numbers (2^32)"));
    }
    Ok(bytes)
}

/// Exactly `count` positional words, or between `min` and `count`.
fn positional(words: &Words, min: usize, count: usize, shape: &str) -> Result<Vec<OsString>, Failure> {
    if words.positional.len() < min || words.positional.len() > count {
        return Err(Failure::Usage(format!("usage: xous-fs {shape}")));
    }
    Ok(words.positional.clone())
}

fn bytes(path: &OsString) -> Vec<u8> {
    path.as_encoded_bytes().to_vec()
}

fn run(args: &[OsString]) -> Result<u8, Failure> {
    let Some(command) = args.first() else {
        return Err(Failure::Usage("no command".into()));
    };
    let rest = &args[1..];
    match command.to_str().unwrap_or("") {
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(0)
        }
        "format" => {
            let words = split(rest, &["--size"])?;
            let p = positional(&words, 1, 1, "format IMAGE [--size SIZE]")?;
            let image = Path::new(&p[0]);
            let blocks = xous_fs::format_image(image, words.size)?;
            println!("formatted {}: an empty filesystem of {blocks} blocks of 4 KiB", image.display());
            Ok(0)
        }
        "check" => {
            let words = split(rest, &[])?;
            let p = positional(&words, 1, 1, "check IMAGE")?;
            let image = Path::new(&p[0]);
            let device = xous_fs::image::Image::open(image, false).map_err(|e| format!("cannot open {}: {e}", image.display()))?;
            let (mut lines, damaged) = ops::report(image, &fs::check(device));
            let tail = std::fs::metadata(image).map_or(0, |m| m.len() % 4096);
            if tail != 0 {
                lines.insert(1, format!("its last {tail} bytes are not a whole block of 4 KiB: not part of the disk (as the guest sees it)"));
            }
            for line in lines {
                println!("{line}");
            }
            Ok(if damaged { FAILED } else { 0 })
        }
        "ls" => {
            let words = split(rest, &[])?;
            let p = positional(&words, 1, 2, "ls IMAGE [PATH]")?;
            let mut fs = xous_fs::mount(Path::new(&p[0]), false)?;
            let path = p.get(1).map_or(b"/".to_vec(), bytes);
            let mut out = std::io::stdout().lock();
            for entry in ops::list(&mut fs, &path)? {
                let _ = writeln!(out, "{}", entry.line());
            }
            Ok(0)
        }
        "cat" => {
            let words = split(rest, &[])?;
            let p = positional(&words, 2, 2, "cat IMAGE PATH")?;
            let mut fs = xous_fs::mount(Path::new(&p[0]), false)?;
            ops::copy_out(&mut fs, &bytes(&p[1]), &mut std::io::stdout().lock())?;
            Ok(0)
        }
        "get" => {
            let words = split(rest, &[])?;
            let p = positional(&words, 3, 3, "get IMAGE PATH HOSTFILE")?;
            let mut fs = xous_fs::mount(Path::new(&p[0]), false)?;
            let path = bytes(&p[1]);
            if p[2] == "-" {
                ops::copy_out(&mut fs, &path, &mut std::io::stdout().lock())?;
                return Ok(0);
            }
            let mut host = PathBuf::from(&p[2]);
            if host.is_dir() {
                let name = path.rsplit(|&b| b == b'/').find(|n| !n.is_empty()).unwrap_or(b"");
                host.push(String::from_utf8_lossy(name).as_ref());
            }
            // Read first into a file beside it, so a failure leaves no part.
            let partial = host.with_file_name(format!(".{}.xous-fs-get", host.file_name().unwrap_or_default().to_string_lossy()));
            let mut file = std::fs::File::create(&partial).map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
            let copied = ops::copy_out(&mut fs, &path, &mut file).and_then(|_| {
                std::fs::rename(&partial, &host).map_err(|e| format!("cannot write {}: {e}", host.display()))
            });
            if copied.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            copied?;
            Ok(0)
        }
        "put" => {
            let words = split(rest, &[])?;
            let p = positional(&words, 3, 3, "put IMAGE HOSTFILE PATH")?;
            let mut fs = xous_fs::mount(Path::new(&p[0]), true)?;
            ops::put(&mut fs, Path::new(&p[1]), &bytes(&p[2]))?;
            Ok(0)
        }
        "ln" => {
            let words = split(rest, &["-s"])?;
            let p = positional(&words, 3, 3, "ln [-s] IMAGE TARGET PATH")?;
            let mut fs = xous_fs::mount(Path::new(&p[0]), true)?;
            ops::link(&mut fs, &bytes(&p[1]), &bytes(&p[2]), words.flags.iter().any(|f| f == "-s"))?;
            Ok(0)
        }
        "mkdir" => {
            let words = split(rest, &["-p"])?;
            let p = positional(&words, 2, 2, "mkdir [-p] IMAGE PATH")?;
            let mut fs = xous_fs::mount(Path::new(&p[0]), true)?;
            ops::mkdir(&mut fs, &bytes(&p[1]), words.flags.iter().any(|f| f == "-p"))?;
            Ok(0)
        }
        "rm" => {
            let words = split(rest, &["-r"])?;
            let p = positional(&words, 2, 2, "rm [-r] IMAGE PATH")?;
            let mut fs = xous_fs::mount(Path::new(&p[0]), true)?;
            ops::remove(&mut fs, &bytes(&p[1]), words.flags.iter().any(|f| f == "-r"))?;
            Ok(0)
        }
        other => Err(Failure::Usage(format!("unknown command `{}`", other))),
    }
}
