//! std::fs on the target, through the filesystem service. With no
//! argument: every call of the API once, each error kind it can give,
//! and threads writing distinct files at once. With `persist-write` /
//! `persist-check` (then optionally the big file's length, default
//! 5,000,000 bytes: a smaller one for the Baochip-1x's MiB of RRAM): the
//! first boot of a two-boot check on one disk image writes and syncs
//! files, the second finds them byte for byte. Booted
//! as a second process named `fs-peer`, it writes files of its own while
//! the first one's threads write theirs. `read-only`: the persistence
//! image again, write-protected (every change is ReadOnlyFilesystem).
//! With `crash-write FIRST` / `crash-check LAST`: a power-cut run (the
//! host kills QEMU at a random moment of crash-write, then boots
//! crash-check). `refused not-ours|damaged`: a disk the service refused,
//! every call's error names why; `host-files`: files moved in and out by
//! xous-fs on the host. Throughput is measured by test-apps/bench-fs.

use checks::Checks;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The byte at `i` of file `seed`, so a reader can tell what it should get.
fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| pattern_byte(seed, i)).collect()
}

/// Byte `i` of `pattern(seed, ..)`.
fn pattern_byte(seed: u8, i: usize) -> u8 {
    (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 12) as u8
}

fn kind<T>(result: std::io::Result<T>) -> Option<ErrorKind> {
    result.err().map(|e| e.kind())
}

fn files_and_content(c: &mut Checks) {
    let _ = fs::remove_dir_all("/walk");
    c.check(fs::create_dir("/walk").is_ok(), "create_dir".into());
    let data = pattern(1, 100_000);
    c.check(fs::write("/walk/a.bin", &data).is_ok(), "fs::write 100 kB".into());
    c.check(fs::read("/walk/a.bin").ok() == Some(data.clone()), "fs::read gives it back".into());
    let meta = fs::metadata("/walk/a.bin");
    c.check(meta.as_ref().is_ok_and(|m| m.is_file() && !m.is_dir() && m.len() == 100_000), format!("metadata: {meta:?}"));
    let modified = meta.as_ref().ok().and_then(|m| m.modified().ok());
    let near_now = modified.and_then(|t| SystemTime::now().duration_since(t).ok()).is_some_and(|d| d < Duration::from_secs(60));
    c.check(near_now, format!("modified is the system clock's now: {modified:?}"));
    c.check(fs::symlink_metadata("/walk").is_ok_and(|m| m.is_dir() && !m.file_type().is_symlink()), "symlink_metadata of a directory".into());

    let mut f = OpenOptions::new().read(true).write(true).open("/walk/a.bin").unwrap();
    c.check(f.seek(SeekFrom::Start(99_990)).ok() == Some(99_990), "seek from the start".into());
    let mut tail = Vec::new();
    c.check(f.read_to_end(&mut tail).is_ok() && tail == data[99_990..], "read_to_end after a seek".into());
    c.check(f.seek(SeekFrom::End(-100_001)).map_err(|e| e.kind()) == Err(ErrorKind::InvalidInput), "a seek before 0 is InvalidInput".into());
    c.check(f.seek(SeekFrom::Current(-10)).ok() == Some(99_990), "seek from the current position".into());
    c.check(f.write_all(b"0123456789ABC").is_ok() && f.stream_position().ok() == Some(100_003), "write past the end extends".into());
    c.check(f.set_len(50).is_ok() && f.metadata().is_ok_and(|m| m.len() == 50), "set_len shrinks".into());
    c.check(f.set_len(4096 * 3).is_ok() && fs::read("/walk/a.bin").is_ok_and(|d| d[..50] == data[..50] && d[50..].iter().all(|&b| b == 0)), "set_len grows with zeros".into());
    c.check(f.flush().is_ok() && f.sync_all().is_ok() && f.sync_data().is_ok(), "flush, sync_all, sync_data".into());
    let copy = f.try_clone();
    c.check(copy.is_ok_and(|mut g| g.seek(SeekFrom::Start(0)).is_ok()), "try_clone".into());
    drop(f);

    let mut a = OpenOptions::new().append(true).open("/walk/a.bin").unwrap();
    c.check(a.write_all(b"end").is_ok() && fs::metadata("/walk/a.bin").is_ok_and(|m| m.len() == 4096 * 3 + 3), "append writes at the end".into());
    drop(a);
    c.check(File::create("/walk/a.bin").is_ok() && fs::metadata("/walk/a.bin").is_ok_and(|m| m.len() == 0), "create truncates".into());
    c.check(kind(File::create_new("/walk/a.bin")) == Some(ErrorKind::AlreadyExists), "create_new on an existing file: AlreadyExists".into());
    c.check(File::create_new("/walk/new").is_ok(), "create_new".into());
    c.check(kind(OpenOptions::new().open("/walk/new")) == Some(ErrorKind::InvalidInput), "no access mode: InvalidInput".into());
    c.check(kind(OpenOptions::new().read(true).truncate(true).open("/walk/new")) == Some(ErrorKind::InvalidInput), "truncate without write: InvalidInput".into());
    let ro = File::open("/walk/new").unwrap();
    c.check(kind(ro.try_clone().and_then(|mut f| f.write(b"x"))).is_some(), "writing a file opened for reading fails".into());
}

fn directories(c: &mut Checks) {
    c.check(fs::create_dir_all("/walk/d/e/f").is_ok() && Path::new("/walk/d/e/f").is_dir(), "create_dir_all".into());
    for name in ["x", "y", "z"] {
        fs::write(format!("/walk/d/{name}"), name).unwrap();
    }
    let mut names: Vec<String> = fs::read_dir("/walk/d").unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    c.check(names == ["e", "x", "y", "z"], format!("read_dir: {names:?}"));
    let typed = fs::read_dir("/walk/d").unwrap().all(|e| {
        let e = e.unwrap();
        let dir = e.file_name() == "e";
        e.file_type().is_ok_and(|t| t.is_dir() == dir) && e.metadata().is_ok_and(|m| m.is_dir() == dir) && e.path().starts_with("/walk/d")
    });
    c.check(typed, "read_dir's file types, metadata and paths".into());
    c.check(fs::canonicalize("/walk/d/e/../x").ok().as_deref() == Some(Path::new("/walk/d/x")), "canonicalize".into());
    c.check(fs::exists("/walk/d/x").ok() == Some(true) && fs::exists("/walk/none").ok() == Some(false), "exists".into());
    c.check(fs::copy("/walk/d/x", "/walk/d/copy").ok() == Some(1) && fs::read("/walk/d/copy").ok().as_deref() == Some(&b"x"[..]), "copy".into());
    c.check(fs::rename("/walk/d/y", "/walk/d/z").is_ok() && fs::read("/walk/d/z").ok().as_deref() == Some(&b"y"[..]) && !Path::new("/walk/d/y").exists(), "rename replaces a file".into());
    c.check(fs::rename("/walk/d/e", "/walk/moved").is_ok() && Path::new("/walk/moved/f").is_dir(), "rename moves a directory".into());
    c.check(fs::remove_file("/walk/d/copy").is_ok(), "remove_file".into());
    c.check(fs::remove_dir("/walk/moved/f").is_ok(), "remove_dir".into());
    c.check(fs::remove_dir_all("/walk/d").is_ok() && !Path::new("/walk/d").exists(), "remove_dir_all".into());

    let mut perms = fs::metadata("/walk/new").unwrap().permissions();
    perms.set_readonly(true);
    c.check(fs::set_permissions("/walk/new", perms.clone()).is_ok() && fs::metadata("/walk/new").is_ok_and(|m| m.permissions().readonly()), "set_permissions readonly".into());
    c.check(kind(OpenOptions::new().write(true).open("/walk/new")) == Some(ErrorKind::PermissionDenied), "writing a read-only file: PermissionDenied".into());
    perms.set_readonly(false);
    let f = File::open("/walk/new").unwrap();
    c.check(f.set_permissions(perms).is_ok() && OpenOptions::new().write(true).open("/walk/new").is_ok(), "File::set_permissions writable again".into());
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let times = fs::FileTimes::new().set_modified(when).set_accessed(when);
    c.check(f.set_times(times).is_ok() && fs::metadata("/walk/new").is_ok_and(|m| m.modified().ok() == Some(when) && m.accessed().ok() == Some(when)), "set_times".into());
}

/// Symbolic and hard links: made, followed (inside a path too, a relative
/// target from the link's directory), read back, not followed where std
/// says so (symlink_metadata, read_dir's entries, remove_file,
/// remove_dir_all), dangling, in a loop; a hard link's second name shares
/// the file and keeps it when the first goes.
#[allow(deprecated)] // fs::soft_link: std::os has no xous symlink call
fn links(c: &mut Checks) {
    let linked = Some(b"linked".to_vec());
    c.check(fs::create_dir_all("/walk/l/sub").is_ok() && fs::write("/walk/l/target", b"linked").is_ok(), "a directory for links".into());
    c.check(fs::soft_link("/walk/l/target", "/walk/l/abs").is_ok(), "soft_link, absolute target".into());
    c.check(fs::soft_link("../target", "/walk/l/sub/rel").is_ok(), "soft_link, relative target".into());
    c.check(fs::soft_link("sub", "/walk/l/dirlink").is_ok(), "soft_link to a directory".into());
    c.check(fs::read("/walk/l/abs").ok() == linked && fs::read("/walk/l/sub/rel").ok() == linked, "reading follows a link (a relative one from its directory)".into());
    c.check(fs::read("/walk/l/dirlink/rel").ok() == linked, "a link inside a path is followed".into());
    c.check(fs::read_link("/walk/l/sub/rel").ok().as_deref() == Some(Path::new("../target")), "read_link gives the target as it was made".into());
    let own = fs::symlink_metadata("/walk/l/abs");
    c.check(own.as_ref().is_ok_and(|m| m.file_type().is_symlink() && !m.is_file() && m.len() == "/walk/l/target".len() as u64), format!("symlink_metadata: the link itself: {own:?}"));
    let followed = fs::metadata("/walk/l/abs");
    c.check(followed.as_ref().is_ok_and(|m| m.is_file() && !m.file_type().is_symlink() && m.len() == 6), format!("metadata follows: {followed:?}"));
    let dirlink = Path::new("/walk/l/dirlink");
    c.check(dirlink.is_dir() && dirlink.is_symlink(), "a link to a directory: is_dir and is_symlink".into());
    c.check(fs::canonicalize("/walk/l/dirlink/rel").ok().as_deref() == Some(Path::new("/walk/l/target")), "canonicalize resolves every link".into());
    let entry = fs::read_dir("/walk/l").ok().and_then(|d| d.filter_map(Result::ok).find(|e| e.file_name() == "abs"));
    c.check(entry.is_some_and(|e| e.file_type().is_ok_and(|t| t.is_symlink()) && e.metadata().is_ok_and(|m| m.file_type().is_symlink())), "read_dir's entry of a link: a symlink, its metadata too".into());

    c.check(fs::soft_link("nothing", "/walk/l/dangling").is_ok(), "soft_link to nothing".into());
    let dangling = Path::new("/walk/l/dangling");
    c.check(kind(fs::metadata(dangling)) == Some(ErrorKind::NotFound) && !dangling.exists() && dangling.is_symlink(), "a dangling link: NotFound when followed, there when not".into());
    c.check(kind(fs::soft_link("x", "/walk/l/abs")) == Some(ErrorKind::AlreadyExists), "soft_link over a name: AlreadyExists".into());
    c.check(fs::soft_link("loop2", "/walk/l/loop1").is_ok() && fs::soft_link("loop1", "/walk/l/loop2").is_ok(), "two links naming each other".into());
    let looped = File::open("/walk/l/loop1").map(drop);
    c.check(looped.as_ref().is_err_and(|e| format!("{:?}", e.kind()) == "FilesystemLoop"), format!("a loop of links: FilesystemLoop: {looped:?}"));
    c.check(fs::remove_file("/walk/l/abs").is_ok() && fs::read("/walk/l/target").ok() == linked, "remove_file of a link leaves its target".into());

    c.check(fs::hard_link("/walk/l/target", "/walk/l/hard").is_ok(), "hard_link".into());
    c.check(fs::read("/walk/l/hard").ok() == linked, "a hard link reads the same file".into());
    c.check(fs::write("/walk/l/hard", b"changed").is_ok() && fs::read("/walk/l/target").ok() == Some(b"changed".to_vec()), "writing one name changes the other".into());
    let (one, two) = (fs::metadata("/walk/l/target"), fs::metadata("/walk/l/hard"));
    let same = |m: &fs::Metadata| (m.len(), m.modified().ok(), m.created().ok());
    c.check(one.as_ref().is_ok_and(|a| two.as_ref().is_ok_and(|b| same(a) == same(b) && !b.file_type().is_symlink())), "both names give one file's metadata".into());
    c.check(kind(fs::hard_link("/walk/l/target", "/walk/l/target")) == Some(ErrorKind::AlreadyExists), "hard_link onto itself: AlreadyExists".into());
    c.check(kind(fs::hard_link("/walk/l/none", "/walk/l/h2")) == Some(ErrorKind::NotFound), "hard_link of nothing: NotFound".into());
    c.check(fs::remove_file("/walk/l/target").is_ok() && fs::read("/walk/l/hard").ok() == Some(b"changed".to_vec()), "removing one name keeps the data".into());
    c.check(kind(fs::read("/walk/l/sub/rel")) == Some(ErrorKind::NotFound), "a link to the removed name dangles".into());

    c.check(fs::create_dir("/walk/keep").is_ok() && fs::write("/walk/keep/canary", b"c").is_ok() && fs::soft_link("/walk/keep", "/walk/l/sub/out").is_ok(), "a link out of the tree".into());
    c.check(fs::remove_dir_all("/walk/l").is_ok() && !Path::new("/walk/l").exists(), "remove_dir_all of a tree with links".into());
    c.check(fs::read("/walk/keep/canary").ok() == Some(b"c".to_vec()), "remove_dir_all did not follow a link".into());
    c.check(fs::remove_dir_all("/walk/keep").is_ok(), "and the link's target goes on its own".into());
}

fn errors(c: &mut Checks) {
    c.check(kind(File::open("/walk/none")) == Some(ErrorKind::NotFound), "open of nothing: NotFound".into());
    c.check(kind(fs::metadata("")) == Some(ErrorKind::NotFound), "metadata of an empty path: NotFound".into());
    c.check(kind(fs::create_dir("/walk")) == Some(ErrorKind::AlreadyExists), "create_dir of an existing one: AlreadyExists".into());
    c.check(kind(File::create("/walk/new/x")) == Some(ErrorKind::NotADirectory), "a file as a directory: NotADirectory".into());
    c.check(kind(fs::read_dir("/walk/new")) == Some(ErrorKind::NotADirectory), "read_dir of a file: NotADirectory".into());
    c.check(kind(fs::remove_dir("/walk/new")) == Some(ErrorKind::NotADirectory), "remove_dir of a file: NotADirectory".into());
    c.check(kind(OpenOptions::new().write(true).open("/walk")) == Some(ErrorKind::IsADirectory), "writing a directory: IsADirectory".into());
    c.check(kind(fs::read("/walk")) == Some(ErrorKind::IsADirectory), "reading a directory: IsADirectory".into());
    c.check(kind(fs::remove_file("/walk")) == Some(ErrorKind::IsADirectory), "remove_file of a directory: IsADirectory".into());
    c.check(kind(fs::remove_dir("/walk")) == Some(ErrorKind::DirectoryNotEmpty), "remove_dir of a full one: DirectoryNotEmpty".into());
    c.check(kind(fs::write("/walk/bad\0name", "x")) == Some(ErrorKind::InvalidFilename), "a NUL in a name: InvalidFilename".into());
    c.check(kind(fs::write(format!("/walk/{}", "n".repeat(256)), "x")) == Some(ErrorKind::InvalidFilename), "a 256-byte name: InvalidFilename".into());
    c.check(kind(fs::write(format!("/walk/{}", "n/".repeat(3000)), "x")) == Some(ErrorKind::InvalidFilename), "a path longer than a page: InvalidFilename".into());
    c.check(kind(fs::rename("/walk", "/walk/inside")) == Some(ErrorKind::InvalidInput), "a directory into itself: InvalidInput".into());
    c.check(kind(fs::read_link("/walk/new")) == Some(ErrorKind::InvalidInput), "read_link of a file: InvalidInput".into());
    c.check(kind(fs::hard_link("/walk", "/walk/dirlink")) == Some(ErrorKind::PermissionDenied), "hard_link of a directory: PermissionDenied".into());
    c.check(kind(fs::remove_dir("/")) == Some(ErrorKind::ResourceBusy), "remove_dir of the root: ResourceBusy".into());
}

fn storage_full(c: &mut Checks) {
    let mut f = File::create("/walk/huge").unwrap();
    let block = vec![0x5au8; 64 * 1024];
    let mut written = 0u64;
    let error = loop {
        match f.write(&block) {
            Ok(n) => written += n as u64,
            Err(e) => break e,
        }
    };
    c.check(error.kind() == ErrorKind::StorageFull, format!("a full device: StorageFull after {written} bytes ({error})"));
    c.check(f.sync_all().is_ok() && fs::metadata("/walk/huge").is_ok_and(|m| m.len() == written), "what fitted is kept".into());
    drop(f);
    c.check(fs::remove_file("/walk/huge").is_ok() && fs::write("/walk/after", pattern(3, 300_000)).is_ok(), "removing frees the space".into());
    c.check(same_as_pattern("/walk/after", 3, 300_000).unwrap_or(false), "and the device still works".into());
}

/// The second process (booted as the service `fs-peer`): writes, syncs
/// and reads back files of its own, then says how it went in /peer/done.
fn peer() {
    let result: std::io::Result<bool> = (|| {
        fs::create_dir_all("/peer")?;
        let mut all = true;
        for round in 0..3u8 {
            for n in 0..4u8 {
                let path = format!("/peer/p{n}");
                let data = pattern(100 + n + round, 40_000 + n as usize * 1000);
                let mut f = File::create(&path)?;
                for piece in data.chunks(3000) {
                    f.write_all(piece)?;
                }
                f.sync_all()?;
                all &= fs::read(&path)? == data;
            }
        }
        Ok(all)
    })();
    let _ = fs::write("/peer/done.tmp", format!("{result:?}"));
    let _ = fs::rename("/peer/done.tmp", "/peer/done");
}

fn wait_for_peer(c: &mut Checks) {
    let start = std::time::Instant::now();
    while !Path::new("/peer/done").exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let said = fs::read_to_string("/peer/done");
    c.check(said.as_deref().ok() == Some("Ok(true)"), format!("another process wrote its files meanwhile: {said:?}"));
}

fn threads(c: &mut Checks) {
    let workers: Vec<_> = (0..4u8)
        .map(|t| {
            std::thread::spawn(move || {
                let path = format!("/walk/thread{t}");
                let data = pattern(t, 50_000 + t as usize * 3000);
                let mut f = File::create(&path)?;
                for chunk in data.chunks(5000) {
                    f.write_all(chunk)?;
                }
                f.sync_all()?;
                Ok::<bool, std::io::Error>(fs::read(&path)? == data)
            })
        })
        .collect();
    let results: Vec<_> = workers.into_iter().map(|w| w.join().map(|r| r.ok())).collect();
    c.check(results.iter().all(|r| matches!(r, Ok(Some(true)))), format!("four threads writing at once: {results:?}"));
}

/// Whether the file holds `pattern(seed, len)`, read a piece at a time
/// (a big file and its pattern would not both fit in the heap).
/// Whether the file at `path` is `pattern(seed, len)`, read 64 KiB at a
/// time and compared byte by byte with the formula: no copy of the whole
/// (the Baochip-1x has 2 MiB for everything).
fn same_as_pattern(path: &str, seed: u8, len: usize) -> std::io::Result<bool> {
    let mut f = File::open(path)?;
    let mut piece = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let n = f.read(&mut piece)?;
        if n == 0 {
            return Ok(at == len);
        }
        if at + n > len || piece[..n].iter().enumerate().any(|(k, &b)| b != pattern_byte(seed, at + k)) {
            return Ok(false);
        }
        at += n;
    }
}

fn persist(c: &mut Checks, write: bool) {
    let big = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(5_000_000);
    let files = [("/persist/a", 1u8, 10usize), ("/persist/sub/b", 2, 70_000), ("/persist/sub/c", 3, big)];
    if write {
        let _ = fs::remove_dir_all("/persist");
        fs::create_dir_all("/persist/sub").unwrap();
        for (path, seed, len) in files {
            let mut f = File::create(path).unwrap();
            f.write_all(&pattern(seed, len)).unwrap();
            f.sync_all().unwrap();
        }
        c.check(true, "written and synced".into());
    } else {
        for (path, seed, len) in files {
            c.check(same_as_pattern(path, seed, len).unwrap_or(false), format!("{path} ({len} bytes) came back"));
        }
    }
}

/// The working directory (kept in std) and the temporary directory.
fn working_directory(c: &mut Checks) {
    use std::env;
    c.check(env::current_dir().ok().as_deref() == Some(Path::new("/")), "the working directory starts at /".into());
    fs::create_dir_all("/cwd/inner").unwrap();
    c.check(env::set_current_dir("/cwd").is_ok(), "set_current_dir(/cwd)".into());
    c.check(env::current_dir().ok().as_deref() == Some(Path::new("/cwd")), "current_dir is /cwd".into());
    fs::write("rel.txt", b"relative").unwrap();
    c.check(fs::read("/cwd/rel.txt").ok().as_deref() == Some(&b"relative"[..]), "a relative path lands in the working directory".into());
    c.check(env::set_current_dir("inner/../inner").is_ok(), "set_current_dir with a relative path and ..".into());
    c.check(env::current_dir().ok().as_deref() == Some(Path::new("/cwd/inner")), "current_dir is canonical: /cwd/inner".into());
    c.check(fs::read("../rel.txt").ok().as_deref() == Some(&b"relative"[..]), ".. from the working directory".into());
    c.check(std::path::absolute("x").ok().as_deref() == Some(Path::new("/cwd/inner/x")), "path::absolute uses it".into());
    c.check(kind(env::set_current_dir("/cwd/rel.txt")) == Some(ErrorKind::NotADirectory), "set_current_dir to a file: NotADirectory".into());
    c.check(kind(env::set_current_dir("/nowhere")) == Some(ErrorKind::NotFound), "set_current_dir to nothing: NotFound".into());
    c.check(env::current_dir().ok().as_deref() == Some(Path::new("/cwd/inner")), "a failed set_current_dir changes nothing".into());
    // A working directory removed under the process: current_dir fails
    // NotFound, as getcwd(3) does on Linux (tempfile's
    // test_temp_path_resolve_missing_cwd counts on it), until it moves.
    fs::create_dir("/cwd/gone").unwrap();
    env::set_current_dir("/cwd/gone").unwrap();
    fs::remove_dir("/cwd/gone").unwrap();
    c.check(kind(env::current_dir().map(|_| ())) == Some(ErrorKind::NotFound), "current_dir of a removed directory: NotFound".into());
    env::set_current_dir("/").unwrap();
    c.check(env::current_dir().ok().as_deref() == Some(Path::new("/")), "and / again after set_current_dir(/)".into());
    fs::remove_dir_all("/cwd").unwrap();
    let tmp = env::temp_dir();
    c.check(tmp == Path::new("/tmp") && fs::metadata(&tmp).is_ok_and(|m| m.is_dir()), "temp_dir is /tmp and exists".into());
    fs::write(tmp.join("t"), b"t").unwrap();
    c.check(fs::remove_file(tmp.join("t")).is_ok(), "a file in temp_dir".into());
}

/// The persistence disk again, write-protected (`xous-run --disk-readonly`):
/// everything reads as before, every change is ReadOnlyFilesystem, and
/// nothing changed (the files are checked again after the attempts).
fn read_only(c: &mut Checks) {
    use std::io::ErrorKind::ReadOnlyFilesystem;
    let is_ro = |r: std::io::Result<()>| matches!(r, Err(e) if e.kind() == ReadOnlyFilesystem);
    c.check(same_as_pattern("/persist/a", 1, 10).unwrap_or(false), "read-only: /persist/a reads back".into());
    c.check(fs::read_dir("/persist").map(|d| d.count()).ok() == Some(2), "read-only: read_dir lists a and sub".into());
    c.check(is_ro(File::create("/persist/new").map(drop)), "read-only: File::create".into());
    c.check(is_ro(File::create("/persist/a").map(drop)), "read-only: File::create truncating an existing file".into());
    c.check(is_ro(OpenOptions::new().append(true).open("/persist/a").map(drop)), "read-only: open for append".into());
    c.check(is_ro(OpenOptions::new().write(true).open("/persist/a").map(drop)), "read-only: open for write".into());
    c.check(is_ro(fs::create_dir("/persist/d")), "read-only: create_dir".into());
    c.check(is_ro(fs::remove_file("/persist/a")), "read-only: remove_file".into());
    #[allow(deprecated)]
    let soft = fs::soft_link("a", "/persist/link");
    c.check(is_ro(soft) && is_ro(fs::hard_link("/persist/a", "/persist/hard")), "read-only: soft_link, hard_link".into());
    c.check(is_ro(fs::remove_dir_all("/persist/sub")), "read-only: remove_dir_all".into());
    c.check(is_ro(fs::rename("/persist/a", "/persist/z")), "read-only: rename".into());
    let mut perm = fs::metadata("/persist/a").unwrap().permissions();
    perm.set_readonly(true);
    c.check(is_ro(fs::set_permissions("/persist/a", perm)), "read-only: set_permissions".into());
    let f = File::open("/persist/a").unwrap();
    let times = fs::FileTimes::new().set_modified(std::time::SystemTime::UNIX_EPOCH);
    c.check(is_ro(f.set_times(times)), "read-only: File::set_times".into());
    c.check(f.sync_all().is_ok(), "read-only: sync_all of a file opened for reading".into());
    for (path, seed, len) in [("/persist/a", 1u8, 10usize), ("/persist/sub/b", 2, 70_000), ("/persist/sub/c", 3, 5_000_000)] {
        c.check(same_as_pattern(path, seed, len).unwrap_or(false), format!("read-only: {path} unchanged"));
    }
    c.check(!fs::metadata("/persist/a").unwrap().permissions().readonly(), "read-only: the attempts changed nothing".into());
}

/// A disk the filesystem service refused (`reason`: `not-ours`, someone
/// else's data; `damaged`, ours beyond repair): every call fails with
/// `InvalidData` and a message naming the reason, printed for the host.
fn refused(c: &mut Checks, reason: &str) {
    let expected = match reason {
        "not-ours" => "the disk holds no filesystem of ours (refused, not formatted: xous-run --format formats it)",
        _ => "the filesystem on the disk is damaged beyond repair (refused, left as it is; xous-fs check tells more)",
    };
    let calls: [(&str, std::io::Result<()>); 6] = [
        ("fs::metadata(/)", fs::metadata("/").map(drop)),
        ("fs::read_dir(/)", fs::read_dir("/").map(drop)),
        ("File::open", File::open("/kept").map(drop)),
        ("File::create", File::create("/new").map(drop)),
        ("fs::write", fs::write("/w", b"x")),
        ("fs::create_dir", fs::create_dir("/d")),
    ];
    for (what, result) in calls {
        match result {
            Err(e) => c.check(e.kind() == ErrorKind::InvalidData && e.to_string() == expected, format!("refused: {what}: {e} ({:?})", e.kind())),
            Ok(()) => c.check(false, format!("refused: {what} succeeded")),
        }
    }
}

/// Files across the host: `/host/in.bin` (put by xous-fs on the host)
/// reads back as pattern 7; `/guest/out.bin` is written (pattern 9) for
/// the host to get with xous-fs.
fn host_files(c: &mut Checks) {
    c.check(same_as_pattern("/host/in.bin", 7, 300_000).unwrap_or(false), "host-files: /host/in.bin, put by xous-fs, reads back".into());
    let written = fs::create_dir_all("/guest").and_then(|_| {
        let mut f = File::create("/guest/out.bin")?;
        f.write_all(&pattern(9, 200_000))?;
        f.sync_all()
    });
    c.check(written.is_ok(), format!("host-files: /guest/out.bin written and synced: {written:?}"));
}

/// Generation `n` of the power-cut workload: its file and its content.
fn generation(n: u64) -> (String, Vec<u8>) {
    (format!("/crash/g{n}"), pattern(n as u8, (n as usize * 7919) % 300_000 + 1))
}

/// Keeps the last this many generations; older ones are removed.
const KEPT: u64 = 10;

/// From generation `first` on, forever: remove the one `KEPT` back, write
/// this one in pieces, sync it, say "synced N" (only then: what the host
/// reads as synced is on the disk).
fn crash_write(first: u64) {
    fs::create_dir_all("/crash").unwrap();
    for n in first.. {
        if n >= KEPT {
            let _ = fs::remove_file(generation(n - KEPT).0);
        }
        let (path, data) = generation(n);
        let mut f = File::create(&path).unwrap();
        for piece in data.chunks(10_000) {
            f.write_all(piece).unwrap();
        }
        f.sync_all().unwrap();
        println!("synced {n}");
    }
}

/// After a cut: every generation kept at `last` is whole, the older gone.
/// (The oldest kept one may be gone too: the run after `last` removes it
/// before its first sync.)
fn crash_check(c: &mut Checks, last: u64) {
    for n in (last + 2).saturating_sub(KEPT)..=last {
        let (path, data) = generation(n);
        c.check(same_as_pattern(&path, n as u8, data.len()).unwrap_or(false), format!("{path} ({} bytes) is whole", data.len()));
    }
    if last >= KEPT {
        let gone = generation(last - KEPT).0;
        c.check(!Path::new(&gone).exists(), format!("{gone} was removed"));
    }
}

fn main() {
    if std::env::args().next().is_some_and(|a| a.ends_with("fs-peer")) {
        return peer();
    }
    let mut c = Checks::new("fs");
    match std::env::args().nth(1).as_deref() {
        Some("persist-write") => persist(&mut c, true),
        Some("persist-check") => persist(&mut c, false),
        Some("read-only") => read_only(&mut c),
        Some("refused") => refused(&mut c, &std::env::args().nth(2).unwrap_or_default()),
        Some("host-files") => host_files(&mut c),
        Some("crash-write") => crash_write(std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(0)),
        Some("crash-check") => match std::env::args().nth(2).and_then(|n| n.parse().ok()) {
            Some(last) => crash_check(&mut c, last),
            None => c.check(true, "nothing was synced before the cut".into()),
        },
        _ => {
            files_and_content(&mut c);
            directories(&mut c);
            links(&mut c);
            working_directory(&mut c);
            errors(&mut c);
            threads(&mut c);
            wait_for_peer(&mut c);
            storage_full(&mut c);
        }
    }
    c.finish();
}
