//! xous-fs as a user runs it: the binary, its output and exit codes, on
//! image files. Round trips of files of several sizes, directories,
//! removal; check finding damage precisely; images that are not ours (or
//! ours, damaged) refused by every command and left byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xous_fs(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xous-fs"));
    for arg in args {
        cmd.arg(arg);
    }
    cmd.output().expect("xous-fs runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs xous-fs expecting exit `code`; its stdout.
fn expect(code: i32, args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let out = xous_fs(args);
    assert_eq!(out.status.code(), Some(code), "xous-fs {:?}\nstdout: {}\nstderr: {}", args.iter().map(|a| a.as_ref().to_owned()).collect::<Vec<_>>(), text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

/// Runs xous-fs expecting failure (exit 1); its stderr.
fn refused(args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    let out = xous_fs(args);
    assert_eq!(out.status.code(), Some(1), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    text(&out.stderr)
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 12) as u8).collect()
}

fn random_bytes(len: usize, mut x: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().unwrap() }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn host_file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }
}

#[test]
fn files_of_every_size_go_in_and_come_back() {
    let s = Scratch::new();
    let img = s.path("disk.img");
    let out = expect(0, &[&"format", &img]);
    assert!(out.contains("4096 blocks"), "{out}");
    assert_eq!(std::fs::metadata(&img).unwrap().len(), 16 << 20);
    assert_eq!(expect(0, &[&"ls", &img]), "");
    let sizes = [0, 1, 4095, 4096, 4097, 100_000, 3_000_000];
    for (i, &len) in sizes.iter().enumerate() {
        let host = s.host_file(&format!("f{i}"), &pattern(len, i as u8));
        expect(0, &[&"put", &img, &host, &format!("/f{i}")]);
    }
    for (i, &len) in sizes.iter().enumerate() {
        let back = s.path(&format!("back{i}"));
        expect(0, &[&"get", &img, &format!("/f{i}"), &back]);
        assert!(std::fs::read(&back).unwrap() == pattern(len, i as u8), "f{i} ({len} bytes) came back whole");
        let cat = xous_fs(&[&"cat", &img, &format!("f{i}")]);
        assert!(cat.status.success() && cat.stdout == pattern(len, i as u8), "cat f{i}");
    }
    let listing = expect(0, &[&"ls", &img, &"/"]);
    assert!(listing.contains(&format!("- {:>12}  f6\n", 3_000_000)), "{listing}");
    assert_eq!(listing.lines().count(), sizes.len());
    // Replacing a file, and putting into a directory under the host name.
    let host = s.host_file("f1", b"new content");
    expect(0, &[&"put", &img, &host, &"/f1"]);
    expect(0, &[&"mkdir", &img, &"/dir"]);
    expect(0, &[&"put", &img, &host, &"/dir"]);
    assert_eq!(expect(0, &[&"cat", &img, &"/f1"]), "new content");
    assert_eq!(expect(0, &[&"cat", &img, &"/dir/f1"]), "new content");
    assert!(!expect(0, &[&"ls", &img]).contains(".xous-fs-put"), "no partial file left");
    let out = expect(0, &[&"check", &img]);
    assert!(out.contains("tree: 2 directories, 8 files, 0 symbolic links") && out.contains("no damage found"), "{out}");
}

#[test]
fn directories_are_made_listed_and_removed() {
    let s = Scratch::new();
    let img = s.path("disk.img");
    expect(0, &[&"format", &img, &"--size", &"1M"]);
    assert_eq!(std::fs::metadata(&img).unwrap().len(), 1 << 20);
    expect(0, &[&"mkdir", &img, &"/a"]);
    assert!(refused(&[&"mkdir", &img, &"/a"]).contains("/a: it exists already"));
    assert!(refused(&[&"mkdir", &img, &"/x/y/z"]).contains("no such file or directory"));
    expect(0, &[&"mkdir", &"-p", &img, &"/x/y/z"]);
    expect(0, &[&"mkdir", &img, &"-p", &"/x/y/z"]);
    let host = s.host_file("h", b"hello");
    expect(0, &[&"put", &img, &host, &"/x/y/z/h"]);
    assert_eq!(expect(0, &[&"ls", &img, &"/x/y"]), format!("d {:>12}  z/\n", ""));
    assert_eq!(expect(0, &[&"ls", &img, &"/x/y/z/h"]), format!("- {:>12}  h\n", 5));
    assert!(refused(&[&"rm", &img, &"/x"]).contains("not empty"));
    assert!(refused(&[&"get", &img, &"/x", &s.path("out")]).contains("is a directory"));
    assert!(!s.path("out").exists() && !s.path(".out.xous-fs-get").exists(), "a failed get leaves nothing");
    expect(0, &[&"rm", &"-r", &img, &"/x"]);
    expect(0, &[&"rm", &img, &"/a"]);
    assert_eq!(expect(0, &[&"ls", &img]), "");
    assert!(refused(&[&"rm", &img, &"/a"]).contains("no such file"));
    assert!(expect(0, &[&"check", &img]).contains("tree: 1 directory, 0 files"));
}

#[test]
fn a_full_image_refuses_a_put_and_keeps_the_old_file() {
    let s = Scratch::new();
    let img = s.path("small.img");
    expect(0, &[&"format", &img, &"--size", &"512K"]);
    let small = s.host_file("small", b"the old content");
    expect(0, &[&"put", &img, &small, &"/f"]);
    let big = s.host_file("big", &pattern(600_000, 3));
    let why = refused(&[&"put", &img, &big, &"/f"]);
    assert!(why.contains("no space left in the image") && why.contains("nothing was put"), "{why}");
    assert_eq!(expect(0, &[&"cat", &img, &"/f"]), "the old content");
    assert_eq!(expect(0, &[&"ls", &img]), format!("- {:>12}  f\n", 15), "no partial file left");
    assert!(expect(0, &[&"check", &img]).contains("no damage found"));
}

/// The blocks of `image` holding `needle` (the live one among them).
fn blocks_holding(image: &[u8], needle: &[u8]) -> Vec<usize> {
    image.chunks(4096).enumerate().filter(|(_, b)| b.windows(needle.len()).any(|w| w == needle)).map(|(n, _)| n).collect()
}

#[test]
fn check_names_the_damaged_block_and_path_and_every_command_refuses_it() {
    let s = Scratch::new();
    let img = s.path("disk.img");
    expect(0, &[&"format", &img, &"--size", &"1M"]);
    expect(0, &[&"mkdir", &img, &"/dir"]);
    let host = s.host_file("h", b"x");
    expect(0, &[&"put", &img, &host, &"/dir/needle-file"]);
    let mut bytes = std::fs::read(&img).unwrap();
    let blocks = blocks_holding(&bytes, b"needle-file");
    assert!(!blocks.is_empty());
    for &b in &blocks {
        bytes[b * 4096 + 3000] ^= 0x40;
    }
    std::fs::write(&img, &bytes).unwrap();
    let out = xous_fs(&[&"check", &img]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let damage: Vec<&str> = report.lines().filter(|l| l.starts_with("damage: ")).collect();
    assert_eq!(damage.len(), 1, "{report}");
    assert!(damage[0].contains("(/dir): metadata whose checksum does not match"), "{report}");
    assert!(blocks.iter().any(|b| damage[0].starts_with(&format!("damage: block {b}, inode "))), "{report}");
    assert!(report.contains("1 damage found"), "{report}");
    for args in [&[&"ls" as &dyn AsRef<std::ffi::OsStr>, &img][..], &[&"put", &img, &host, &"/y"], &[&"mkdir", &img, &"/d"], &[&"rm", &img, &"/dir"]] {
        let why = refused(args);
        assert!(why.contains("refused and left as it is: its filesystem is damaged beyond repair: block") && why.contains("xous-fs check"), "{why}");
    }
    assert!(std::fs::read(&img).unwrap() == bytes, "the damaged image was not written");
}

#[test]
fn both_superblocks_damaged_is_refused_and_left_alone() {
    let s = Scratch::new();
    let img = s.path("disk.img");
    expect(0, &[&"format", &img, &"--size", &"1M"]);
    let host = s.host_file("h", &pattern(50_000, 1));
    expect(0, &[&"put", &img, &host, &"/kept"]);
    let mut bytes = std::fs::read(&img).unwrap();
    bytes[20] ^= 1;
    bytes[4096 + 20] ^= 1;
    std::fs::write(&img, &bytes).unwrap();
    let out = xous_fs(&[&"check", &img]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("superblocks: block 0: not a whole superblock; block 1: not a whole superblock"), "{report}");
    assert!(report.contains("refused: its filesystem is damaged beyond repair: neither superblock"), "{report}");
    for args in [&[&"ls" as &dyn AsRef<std::ffi::OsStr>, &img][..], &[&"put", &img, &host, &"/y"], &[&"get", &img, &"/kept", &s.path("o")]] {
        assert!(refused(args).contains("damaged beyond repair: neither superblock (blocks 0 and 1) is whole"));
    }
    assert!(std::fs::read(&img).unwrap() == bytes);
}

#[test]
fn someone_elses_image_is_refused_until_formatted() {
    let s = Scratch::new();
    let noise = random_bytes(1 << 20, 17);
    let img = s.host_file("noise.img", &noise);
    let host = s.host_file("h", b"data");
    for args in [&[&"ls" as &dyn AsRef<std::ffi::OsStr>, &img][..], &[&"put", &img, &host, &"/h"], &[&"mkdir", &img, &"/d"], &[&"rm", &"-r", &img, &"/"]] {
        let why = refused(args);
        assert!(why.contains("refused and left as it is: it holds no filesystem of ours and is not blank (block 0 holds data") && why.contains("xous-fs format"), "{why}");
    }
    let report = text(&xous_fs(&[&"check", &img]).stdout);
    assert!(report.contains("refused: it holds no filesystem of ours"), "{report}");
    assert!(std::fs::read(&img).unwrap() == noise, "byte for byte as it was");
    expect(0, &[&"format", &img]);
    expect(0, &[&"put", &img, &host, &"/h"]);
    assert_eq!(expect(0, &[&"cat", &img, &"/h"]), "data");
}

#[test]
fn a_blank_image_is_formatted_by_the_first_change() {
    let s = Scratch::new();
    let img = s.path("blank.img");
    std::fs::File::create(&img).unwrap().set_len(16 << 20).unwrap();
    assert!(refused(&[&"ls", &img]).contains("blank (all zeros): no filesystem yet"));
    let report = expect(0, &[&"check", &img]);
    assert!(report.contains("blank (all zeros)"), "{report}");
    expect(0, &[&"mkdir", &img, &"/first"]);
    assert_eq!(expect(0, &[&"ls", &img]), format!("d {:>12}  first/\n", ""));
    assert!(expect(0, &[&"check", &img]).contains("no damage found"));
}

#[test]
fn usage_errors_and_help() {
    assert!(expect(0, &[&"--help"]).contains("usage: xous-fs COMMAND IMAGE"));
    for args in [&[][..], &[&"frobnicate" as &dyn AsRef<std::ffi::OsStr>]] {
        assert_eq!(xous_fs(args).status.code(), Some(2));
    }
    let s = Scratch::new();
    let img = s.path("x.img");
    for (args, why) in [
        (&[&"ls" as &dyn AsRef<std::ffi::OsStr>][..], "usage: xous-fs ls IMAGE [PATH]"),
        (&[&"put", &img, &"a"], "usage: xous-fs put IMAGE HOSTFILE PATH"),
        (&[&"rm", &"-f", &img, &"/a"], "unknown option `-f`"),
        (&[&"format", &img, &"--size", &"1000"], "whole 4 KiB blocks"),
        (&[&"format", &img, &"--size", &"lots"], "such as 64M"),
    ] {
        let out = xous_fs(args);
        assert_eq!(out.status.code(), Some(2), "{:?}", text(&out.stderr));
        assert!(text(&out.stderr).contains(why), "{}", text(&out.stderr));
    }
    assert!(!img.exists(), "bad usage touches nothing");
    assert!(refused(&[&"ls", &Path::new("/no/such/image")]).contains("cannot open /no/such/image"));
}

#[test]
fn a_file_takes_second_names_without_a_second_copy_and_symbolic_links_point_at_names() {
    let s = Scratch::new();
    let img = s.path("disk.img");
    expect(0, &[&"format", &img, &"--size", &"1M"]);
    expect(0, &[&"mkdir", &img, &"/bin"]);
    // 600 KiB into a 1 MiB image: a second copy would not fit, a second name does.
    let program = s.host_file("toolbox", &pattern(600 * 1024, 9));
    expect(0, &[&"put", &img, &program, &"/bin/sh"]);
    for name in ["echo", "cat", "env"] {
        expect(0, &[&"ln", &img, &"/bin/sh", &format!("/bin/{name}")]);
    }
    expect(0, &[&"ln", &"-s", &img, &"/bin/sh", &"/sh"]);
    let out = s.path("out");
    expect(0, &[&"get", &img, &"/bin/cat", &out]);
    assert_eq!(std::fs::read(&out).unwrap(), pattern(600 * 1024, 9), "the second name reads the same bytes");
    assert_eq!(expect(0, &[&"ls", &img, &"/"]), format!("d {:>12}  bin/\nl {:>12}  sh -> /bin/sh\n", "", 7));
    assert_eq!(expect(0, &[&"ls", &img, &"/sh"]), format!("l {:>12}  sh -> /bin/sh\n", 7), "a link to a file is listed as itself");
    expect(0, &[&"ln", &"-s", &img, &"/bin", &"/d"]);
    assert!(expect(0, &[&"ls", &img, &"/d"]).contains("  cat\n"), "a link to a directory lists the directory");
    assert!(refused(&[&"ln", &img, &"/bin/sh", &"/bin/echo"]).contains("/bin/echo: it exists already"));
    assert!(refused(&[&"ln", &img, &"/bin/none", &"/bin/x"]).contains("no such file"));
    assert!(refused(&[&"ln", &img, &"/bin", &"/b"]).contains("/b:"), "a directory takes no second name");
    assert!(refused(&[&"put", &img, &program, &"/bin/copy"]).contains("no space left in the image"), "no room for the bytes twice");
    let checked = expect(0, &[&"check", &img]);
    assert!(checked.contains("no damage found") && checked.contains("2 symbolic links"), "{checked}");
}
