//! The filesystem's operations on the RAM device: what std's calls need,
//! their errors, persistence across mounts, a full device, big files.

use crate::{Damage, Fs, FsError, Problem, Refusal, KIND_DIR, KIND_FILE, KIND_SYMLINK};
use alloc::vec;
use alloc::vec::Vec;
use crate::RamDevice;

const NOW: u64 = 1_700_000_000_000_000_000;

fn fresh(blocks: u32) -> Fs<RamDevice> {
    Fs::mount(RamDevice::new(blocks), NOW).expect("formats")
}

fn remount(mut fs: Fs<RamDevice>) -> Fs<RamDevice> {
    let disk = fs.device().clone();
    Fs::mount(disk, NOW + 1).expect("mounts")
}

fn write_file(fs: &mut Fs<RamDevice>, path: &[u8], data: &[u8]) -> u32 {
    let n = fs.open(path, true, false, true, true, NOW).unwrap();
    assert_eq!(fs.write(n, 0, data, NOW), Ok(data.len()));
    n
}

fn read_file(fs: &mut Fs<RamDevice>, path: &[u8]) -> Vec<u8> {
    let n = fs.resolve(path).unwrap();
    let mut out = vec![0; fs.attr(n).unwrap().size as usize];
    assert_eq!(fs.read(n, 0, &mut out), Ok(out.len()));
    out
}

fn names(fs: &mut Fs<RamDevice>, dir: &[u8]) -> Vec<Vec<u8>> {
    let n = fs.resolve(dir).unwrap();
    let mut out = Vec::new();
    assert_eq!(fs.read_dir(n, 0, |_, name| {
        out.push(name.to_vec());
        true
    }), Ok(None));
    out.sort();
    out
}

fn kind_of(fs: &mut Fs<RamDevice>, path: &[u8], follow: bool) -> u8 {
    let n = fs.lookup(path, follow).unwrap();
    fs.attr(n).unwrap().kind
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

#[test]
fn files_and_directories_survive_a_remount() {
    let mut fs = fresh(256);
    fs.create_dir(b"/a", NOW).unwrap();
    fs.create_dir(b"/a/b", NOW).unwrap();
    write_file(&mut fs, b"/a/b/f", &pattern(10_000, 1));
    write_file(&mut fs, b"/top", b"hello");
    fs.sync().unwrap();
    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, b"/a/b/f"), pattern(10_000, 1));
    assert_eq!(read_file(&mut fs, b"top"), b"hello");
    assert_eq!(names(&mut fs, b"/"), [b"a".to_vec(), b"top".to_vec()]);
    let a = fs.resolve(b"/a").unwrap();
    let attr = fs.attr(a).unwrap();
    assert_eq!((attr.kind, attr.created), (KIND_DIR, NOW));
}

#[test]
fn unsynced_changes_are_not_on_the_disk() {
    let mut fs = fresh(64);
    write_file(&mut fs, b"/kept", b"1");
    fs.sync().unwrap();
    write_file(&mut fs, b"/lost", b"2");
    let mut fs = remount(fs);
    assert_eq!(fs.resolve(b"/lost"), Err(FsError::NotFound));
    assert_eq!(read_file(&mut fs, b"/kept"), b"1");
}

#[test]
fn errors() {
    let mut fs = fresh(64);
    write_file(&mut fs, b"/f", b"x");
    fs.create_dir(b"/d", NOW).unwrap();
    fs.create_dir(b"/d/sub", NOW).unwrap();
    write_file(&mut fs, b"/d/inner", b"y");
    assert_eq!(fs.open(b"/none", false, false, false, false, NOW), Err(FsError::NotFound));
    assert_eq!(fs.open(b"/f", false, true, false, true, NOW), Err(FsError::AlreadyExists));
    assert_eq!(fs.open(b"/f/x", true, false, false, true, NOW), Err(FsError::NotADirectory));
    assert_eq!(fs.open(b"/f/", false, false, false, false, NOW), Err(FsError::NotADirectory));
    assert_eq!(fs.open(b"/d", false, false, false, true, NOW), Err(FsError::IsADirectory));
    assert_eq!(fs.open(b"/no/x", true, false, false, true, NOW), Err(FsError::NotFound));
    assert_eq!(fs.create_dir(b"/d", NOW), Err(FsError::AlreadyExists));
    assert_eq!(fs.create_dir(b"/", NOW), Err(FsError::AlreadyExists));
    assert_eq!(fs.remove_file(b"/d", NOW), Err(FsError::IsADirectory));
    assert_eq!(fs.remove_dir(b"/f", NOW), Err(FsError::NotADirectory));
    assert_eq!(fs.remove_dir(b"/d", NOW), Err(FsError::DirectoryNotEmpty));
    assert_eq!(fs.remove_dir(b"/", NOW), Err(FsError::Busy));
    assert_eq!(fs.rename(b"/d", b"/d/sub/x", NOW), Err(FsError::InvalidInput));
    assert_eq!(fs.rename(b"/d", b"/d/inner/x", NOW), Err(FsError::NotADirectory));
    assert_eq!(fs.rename(b"/d", b"/f", NOW), Err(FsError::NotADirectory));
    assert_eq!(fs.rename(b"/f", b"/d", NOW), Err(FsError::IsADirectory));
    assert_eq!(fs.open(b"/bad\0name", true, false, false, true, NOW), Err(FsError::InvalidFilename));
    assert_eq!(fs.create_dir(&[b'n'; 256], NOW), Err(FsError::InvalidFilename));
    let n = fs.resolve(b"/f").unwrap();
    fs.set_readonly(n, true).unwrap();
    assert_eq!(fs.open(b"/f", false, false, false, true, NOW), Err(FsError::ReadOnly));
    assert!(fs.open(b"/f", false, false, false, false, NOW).is_ok());
    let d = fs.resolve(b"/d").unwrap();
    assert_eq!(fs.read(d, 0, &mut [0; 4]), Err(FsError::IsADirectory));
    assert_eq!(fs.write(n, u64::MAX - 2, b"abc", NOW), Err(FsError::FileTooLarge));
}

#[test]
fn rename_replaces_atomically_and_moves_directories() {
    let mut fs = fresh(128);
    write_file(&mut fs, b"/old", b"new content");
    write_file(&mut fs, b"/target", b"old content");
    fs.rename(b"/old", b"/target", NOW).unwrap();
    assert_eq!(read_file(&mut fs, b"/target"), b"new content");
    assert_eq!(fs.resolve(b"/old"), Err(FsError::NotFound));
    fs.create_dir(b"/x", NOW).unwrap();
    fs.create_dir(b"/x/y", NOW).unwrap();
    write_file(&mut fs, b"/x/y/z", b"deep");
    fs.create_dir(b"/empty", NOW).unwrap();
    fs.rename(b"/x", b"/empty", NOW).unwrap();
    assert_eq!(read_file(&mut fs, b"/empty/y/z"), b"deep");
    fs.rename(b"/empty/y", b"/y", NOW).unwrap();
    assert_eq!(fs.canonicalize(b"y/../y/./z"), Ok(b"/y/z".to_vec()));
    assert_eq!(fs.canonicalize(b"y/z/../z"), Err(FsError::NotADirectory), "`..` after a file is not a step back");
    fs.rename(b"/y/z", b"/y/z", NOW).unwrap();
    fs.sync().unwrap();
    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, b"/y/z"), b"deep");
    assert_eq!(names(&mut fs, b"/"), [b"empty".to_vec(), b"target".to_vec(), b"y".to_vec()]);
}

#[test]
fn lengths_holes_and_big_files() {
    let mut fs = fresh(512);
    let n = write_file(&mut fs, b"/f", &pattern(9000, 3));
    fs.set_len(n, 5000, NOW).unwrap();
    fs.set_len(n, 9000, NOW).unwrap();
    let data = read_file(&mut fs, b"/f");
    assert_eq!(&data[..5000], &pattern(9000, 3)[..5000]);
    assert!(data[5000..].iter().all(|&b| b == 0), "a file grown again reads zeros");
    // Past 1022 blocks the tree is two levels high.
    let far = 5 * 1024 * 1024;
    assert_eq!(fs.write(n, far, b"end", NOW), Ok(3));
    fs.sync().unwrap();
    let mut fs = remount(fs);
    let n = fs.resolve(b"/f").unwrap();
    assert_eq!(fs.attr(n).unwrap().size, far + 3);
    let mut tail = [0u8; 6];
    assert_eq!(fs.read(n, far - 3, &mut tail), Ok(6));
    assert_eq!(&tail, b"\0\0\0end");
    fs.set_len(n, 0, NOW).unwrap();
    assert_eq!(fs.attr(n).unwrap().kind, KIND_FILE);
}

#[test]
fn a_full_device_is_an_error_and_space_comes_back() {
    let mut fs = fresh(64);
    let n = fs.open(b"/big", true, false, false, true, NOW).unwrap();
    let chunk = pattern(4096, 9);
    let mut written = 0u64;
    loop {
        match fs.write(n, written, &chunk, NOW) {
            Ok(len) => written += len as u64,
            Err(e) => {
                assert_eq!(e, FsError::StorageFull);
                break;
            }
        }
    }
    assert!(written > 20 * 4096, "most of the device was usable: {written}");
    assert_eq!(fs.create_dir(b"/more", NOW).err().filter(|e| *e != FsError::StorageFull), None);
    fs.sync().unwrap();
    let mut fs = remount(fs);
    let data = read_file(&mut fs, b"/big");
    assert!(data.chunks(4096).all(|c| c == &chunk[..c.len()]));
    fs.remove_file(b"/big", NOW).unwrap();
    write_file(&mut fs, b"/again", &pattern(40_000, 2));
    assert_eq!(read_file(&mut fs, b"/again"), pattern(40_000, 2));
}

#[test]
fn an_open_file_lives_on_without_a_name_until_closed() {
    let mut fs = fresh(64);
    let n = write_file(&mut fs, b"/f", b"still here");
    fs.open_ref(n);
    fs.remove_file(b"/f", NOW).unwrap();
    let mut out = [0u8; 10];
    assert_eq!(fs.read(n, 0, &mut out), Ok(10));
    assert_eq!(&out, b"still here");
    let before = fs.free_blocks();
    fs.close_ref(n).unwrap();
    fs.sync().unwrap();
    assert!(fs.free_blocks() > before);
    assert_eq!(fs.attr(n), Err(FsError::NotFound));
}

#[test]
fn many_entries_and_read_dir_in_pieces() {
    let mut fs = fresh(256);
    fs.create_dir(b"/d", NOW).unwrap();
    for i in 0..100u32 {
        write_file(&mut fs, alloc::format!("/d/file{i}").as_bytes(), &i.to_le_bytes());
    }
    for i in (0..100u32).step_by(3) {
        fs.remove_file(alloc::format!("/d/file{i}").as_bytes(), NOW).unwrap();
    }
    let d = fs.resolve(b"/d").unwrap();
    let (mut cursor, mut seen) = (0, 0);
    loop {
        let mut room = 7;
        let next = fs.read_dir(d, cursor, |_, _| {
            if room == 0 {
                return false;
            }
            room -= 1;
            seen += 1;
            true
        }).unwrap();
        match next {
            Some(c) => cursor = c,
            None => break,
        }
    }
    assert_eq!(seen, 66);
    fs.sync().unwrap();
    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, b"/d/file98"), 98u32.to_le_bytes());
    assert_eq!(names(&mut fs, b"/d").len(), 66);
}

/// A directory of thousands of names through its index (dir_index.rs):
/// creates, removals that leave holes, names made again in the holes,
/// renames within and across directories, hard links, a directory removed
/// and its inode given out again; after each step every name is found as
/// the model says, the listing is the model, and every index agrees with
/// the blocks it mirrors (rebuilt and compared); then the same after a
/// remount, whose indexes are built afresh from the blocks.
#[test]
fn a_large_directory_is_indexed_and_agrees_with_its_blocks() {
    use alloc::collections::BTreeSet;
    use alloc::format;
    let mut fs = fresh(4096);
    fs.create_dir(b"/big", NOW).unwrap();
    fs.create_dir(b"/other", NOW).unwrap();
    let mut model: BTreeSet<Vec<u8>> = BTreeSet::new();
    let check = |fs: &mut Fs<RamDevice>, model: &BTreeSet<Vec<u8>>, when: &str| {
        for name in model.iter().step_by(7) {
            let path = [b"/big/".as_slice(), name].concat();
            assert_eq!(kind_of(fs, &path, false), KIND_FILE, "{when}: {}", alloc::string::String::from_utf8_lossy(name));
        }
        assert_eq!(names(fs, b"/big"), model.iter().cloned().collect::<Vec<_>>(), "{when}: the listing");
        let (agree, count) = fs.indexes_agree();
        assert!(agree, "{when}: an index says what its blocks do not");
        assert!(count >= 1, "{when}: /big is indexed");
    };
    for i in 0..1500u32 {
        let name = format!("f{i}").into_bytes();
        fs.open(&[b"/big/".as_slice(), &name].concat(), true, true, false, true, NOW).unwrap();
        model.insert(name);
    }
    check(&mut fs, &model, "created");
    for i in (0..1500u32).step_by(3) {
        let name = format!("f{i}").into_bytes();
        fs.remove_file(&[b"/big/".as_slice(), &name].concat(), NOW).unwrap();
        model.remove(&name);
    }
    assert_eq!(fs.lookup(b"/big/f3", false), Err(FsError::NotFound));
    check(&mut fs, &model, "holes");
    for i in 0..200u32 {
        let name = format!("again{i}").into_bytes();
        fs.open(&[b"/big/".as_slice(), &name].concat(), true, true, false, true, NOW).unwrap();
        model.insert(name);
    }
    check(&mut fs, &model, "holes filled");
    for i in (1..300u32).step_by(3) {
        let (from, to) = (format!("f{i}").into_bytes(), format!("moved{i}").into_bytes());
        fs.rename(&[b"/big/".as_slice(), &from].concat(), &[b"/big/".as_slice(), &to].concat(), NOW).unwrap();
        model.remove(&from);
        model.insert(to);
    }
    fs.rename(b"/big/f2", b"/other/f2", NOW).unwrap();
    model.remove(b"f2".as_slice());
    // Onto an existing name (f5 and f8 were neither removed nor moved).
    fs.rename(b"/big/f5", b"/big/f8", NOW).unwrap();
    model.remove(b"f5".as_slice());
    fs.hard_link(b"/big/f8", b"/big/link8", NOW).unwrap();
    model.insert(b"link8".to_vec());
    check(&mut fs, &model, "renamed and linked");
    fs.create_dir(b"/big/sub", NOW).unwrap();
    fs.open(b"/big/sub/x", true, true, false, true, NOW).unwrap();
    fs.remove_file(b"/big/sub/x", NOW).unwrap();
    fs.remove_dir(b"/big/sub", NOW).unwrap();
    fs.create_dir(b"/fresh", NOW).unwrap();
    assert_eq!(names(&mut fs, b"/fresh"), Vec::<Vec<u8>>::new(), "a directory on a reused inode starts empty");
    check(&mut fs, &model, "a directory gone, its inode reused");
    fs.sync().unwrap();
    let mut fs = remount(fs);
    check(&mut fs, &model, "remounted");
    for name in core::mem::take(&mut model) {
        fs.remove_file(&[b"/big/".as_slice(), &name].concat(), NOW).unwrap();
    }
    check(&mut fs, &model, "emptied");
    let big = fs.resolve(b"/big").unwrap();
    assert_eq!(fs.read_inode(big).unwrap().size, 0, "an emptied directory is cut to nothing");
    fs.remove_dir(b"/big", NOW).unwrap();
}

#[test]
fn a_corrupted_metadata_block_is_an_error_not_a_crash() {
    use block::BlockDevice;
    let mut fs = fresh(64);
    fs.create_dir(b"/d", NOW).unwrap();
    write_file(&mut fs, b"/d/f", b"x");
    fs.sync().unwrap();
    let mut disk = fs.device().clone();
    for block in 2..64 {
        let mut b = [0u8; 4096];
        disk.read(block, &mut b).unwrap();
        b[100] ^= 0xff;
        let mut copy = disk.clone();
        copy.write(block, &b).unwrap();
        if let Ok(mut fs) = Fs::mount(copy, NOW) {
            let _ = fs.resolve(b"/d/f").and_then(|n| fs.read(n, 0, &mut [0; 8]));
        }
    }
}

#[test]
fn raw_bench_touches_only_free_blocks_and_clamps_its_count() {
    let mut fs = fresh(256);
    write_file(&mut fs, b"/synced", &pattern(50_000, 3));
    fs.sync().unwrap();
    // Written but not committed: its blocks are used, not durable.
    write_file(&mut fs, b"/pending", &pattern(20_000, 4));
    let free = fs.free_blocks();
    assert_eq!(fs.raw_bench(u32::MAX, false), Ok(free), "a read of every free block, once each");
    assert_eq!(fs.raw_bench(u32::MAX, true), Ok(free), "a write of every free block, once each");
    assert_eq!(fs.raw_bench(3, true), Ok(3));
    assert_eq!(read_file(&mut fs, b"/synced"), pattern(50_000, 3));
    assert_eq!(read_file(&mut fs, b"/pending"), pattern(20_000, 4));
    fs.sync().unwrap();
    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, b"/synced"), pattern(50_000, 3));
    assert_eq!(read_file(&mut fs, b"/pending"), pattern(20_000, 4));
}

#[test]
fn symbolic_links_are_followed_and_read_back() {
    let mut fs = fresh(256);
    fs.create_dir(b"/a", NOW).unwrap();
    fs.create_dir(b"/a/b", NOW).unwrap();
    write_file(&mut fs, b"/a/f", b"content");
    fs.symlink(b"/a/f", b"/abs", NOW).unwrap();
    fs.symlink(b"../f", b"/a/b/rel", NOW).unwrap();
    fs.symlink(b"a/b", b"/dirlink", NOW).unwrap();
    fs.symlink(b"nowhere", b"/dangling", NOW).unwrap();
    assert_eq!(read_file(&mut fs, b"/abs"), b"content");
    assert_eq!(read_file(&mut fs, b"/a/b/rel"), b"content", "a relative target starts at the link's directory");
    assert_eq!(read_file(&mut fs, b"/dirlink/rel"), b"content", "links inside the path are followed");
    // `..` is the parent of where the link led (/a), not of /dirlink's directory.
    assert_eq!(read_file(&mut fs, b"/dirlink/../f"), b"content");
    assert_eq!(fs.canonicalize(b"/dirlink/rel"), Ok(b"/a/f".to_vec()));
    assert_eq!(fs.canonicalize(b"/dirlink/"), Ok(b"/a/b".to_vec()));
    assert_eq!(fs.read_link(b"/a/b/rel"), Ok(b"../f".to_vec()));
    assert_eq!(fs.read_link(b"/a/f"), Err(FsError::InvalidInput));
    assert_eq!(fs.read_link(b"/none"), Err(FsError::NotFound));
    // Not following the last link: the link itself.
    let link = fs.lookup(b"/abs", false).unwrap();
    let attr = fs.attr(link).unwrap();
    assert_eq!((attr.kind, attr.size, attr.links), (KIND_SYMLINK, 4, 1), "a link's size is its target's length");
    assert_eq!(kind_of(&mut fs, b"/abs", true), KIND_FILE);
    assert_eq!(kind_of(&mut fs, b"/dirlink", true), KIND_DIR);
    // Dangling: no target, but the link is there; opening to create makes the target.
    assert_eq!(fs.resolve(b"/dangling"), Err(FsError::NotFound));
    assert_eq!(kind_of(&mut fs, b"/dangling", false), KIND_SYMLINK);
    assert_eq!(fs.open(b"/dangling", true, true, false, true, NOW), Err(FsError::AlreadyExists));
    let made = fs.open(b"/dangling", true, false, false, true, NOW).unwrap();
    fs.write(made, 0, b"made", NOW).unwrap();
    assert_eq!(read_file(&mut fs, b"/nowhere"), b"made");
    // Errors.
    assert_eq!(fs.symlink(b"x", b"/abs", NOW), Err(FsError::AlreadyExists));
    assert_eq!(fs.symlink(b"", b"/empty", NOW), Err(FsError::NotFound));
    assert_eq!(fs.symlink(b"a\0b", b"/nul", NOW), Err(FsError::InvalidFilename));
    assert_eq!(fs.symlink(&[b'x'; 5000], b"/long", NOW), Err(FsError::InvalidFilename));
    assert_eq!(fs.symlink(b"x", b"/no/such", NOW), Err(FsError::NotFound));
    assert_eq!(fs.remove_dir(b"/dirlink", NOW), Err(FsError::NotADirectory));
    // Removing a link removes the link, never what it names.
    fs.remove_file(b"/abs", NOW).unwrap();
    assert_eq!(read_file(&mut fs, b"/a/f"), b"content");
    // Renaming a link moves the link; its relative target now reads from elsewhere.
    fs.rename(b"/a/b/rel", b"/moved", NOW).unwrap();
    assert_eq!(fs.read_link(b"/moved"), Ok(b"../f".to_vec()));
    assert_eq!(fs.resolve(b"/moved"), Err(FsError::NotFound), "from the root, ../f is /f (the root's .. is the root), which is not there");
    fs.sync().unwrap();
    let mut fs = remount(fs);
    assert_eq!(fs.read_link(b"/dirlink"), Ok(b"a/b".to_vec()));
    assert_eq!(names(&mut fs, b"/"), [b"a".to_vec(), b"dangling".to_vec(), b"dirlink".to_vec(), b"moved".to_vec(), b"nowhere".to_vec()]);
}

#[test]
fn link_loops_are_an_error() {
    let mut fs = fresh(128);
    fs.symlink(b"/loop2", b"/loop1", NOW).unwrap();
    fs.symlink(b"loop1", b"/loop2", NOW).unwrap();
    fs.symlink(b"self/x", b"/self", NOW).unwrap();
    assert_eq!(fs.resolve(b"/loop1"), Err(FsError::FilesystemLoop));
    assert_eq!(fs.resolve(b"/self"), Err(FsError::FilesystemLoop));
    assert_eq!(fs.open(b"/loop1", true, false, false, true, NOW), Err(FsError::FilesystemLoop));
    assert_eq!(fs.canonicalize(b"/loop2/x"), Err(FsError::FilesystemLoop));
    // Not following the last one is fine.
    assert_eq!(fs.read_link(b"/loop1"), Ok(b"/loop2".to_vec()));
    fs.remove_file(b"/loop1", NOW).unwrap();
    // A chain of 40 is followed; 41 is a loop as far as anyone can tell.
    write_file(&mut fs, b"/end", b"e");
    let mut prev = alloc::string::String::from("end");
    for i in 0..41 {
        let name = alloc::format!("c{i}");
        fs.symlink(prev.as_bytes(), alloc::format!("/{name}").as_bytes(), NOW).unwrap();
        prev = name;
    }
    assert_eq!(read_file(&mut fs, b"/c39"), b"e");
    assert_eq!(fs.resolve(b"/c40"), Err(FsError::FilesystemLoop));
}

#[test]
fn hard_links_share_an_inode_until_the_last_name_goes() {
    let mut fs = fresh(128);
    fs.create_dir(b"/d", NOW).unwrap();
    let n = write_file(&mut fs, b"/f", b"shared");
    fs.hard_link(b"/f", b"/d/g", NOW).unwrap();
    assert_eq!(fs.resolve(b"/d/g"), Ok(n));
    assert_eq!(fs.attr(n).unwrap().links, 2);
    fs.write(n, 6, b"!", NOW).unwrap();
    assert_eq!(read_file(&mut fs, b"/d/g"), b"shared!");
    assert_eq!(fs.hard_link(b"/f", b"/f", NOW), Err(FsError::AlreadyExists));
    assert_eq!(fs.hard_link(b"/none", b"/x", NOW), Err(FsError::NotFound));
    assert_eq!(fs.hard_link(b"/d", b"/x", NOW), Err(FsError::NotPermitted));
    assert_eq!(fs.hard_link(b"/", b"/x", NOW), Err(FsError::NotPermitted));
    // Renaming one name over another of the same inode changes nothing.
    fs.rename(b"/f", b"/d/g", NOW).unwrap();
    assert_eq!(fs.attr(n).unwrap().links, 2);
    fs.sync().unwrap();
    let mut fs = remount(fs);
    assert_eq!(fs.attr(n).unwrap().links, 2, "the count is on the disk");
    fs.remove_file(b"/f", NOW).unwrap();
    assert_eq!(read_file(&mut fs, b"/d/g"), b"shared!", "one name gone, the data stays");
    assert_eq!(fs.attr(n).unwrap().links, 1);
    // A hard link to a symbolic link is a second name of the link.
    fs.symlink(b"d/g", b"/s", NOW).unwrap();
    fs.hard_link(b"/s", b"/s2", NOW).unwrap();
    assert_eq!(fs.read_link(b"/s2"), Ok(b"d/g".to_vec()));
    assert_eq!(read_file(&mut fs, b"/s2"), b"shared!");
    // The last name goes while a handle holds it: nameless until closed.
    fs.open_ref(n);
    let free = fs.free_blocks();
    fs.remove_file(b"/d/g", NOW).unwrap();
    assert_eq!(fs.attr(n).unwrap().links, 0);
    assert_eq!(fs.read(n, 0, &mut [0; 6]), Ok(6));
    fs.close_ref(n).unwrap();
    fs.sync().unwrap();
    assert!(fs.free_blocks() > free);
    assert_eq!(fs.attr(n), Err(FsError::NotFound));
    assert_eq!(fs.resolve(b"/s"), Err(FsError::NotFound), "dangling now");
    let mut fs = remount(fs);
    assert_eq!(names(&mut fs, b"/"), [b"d".to_vec(), b"s".to_vec(), b"s2".to_vec()]);
}

#[test]
fn a_wrong_link_count_on_the_disk_does_not_mount() {
    use block::BlockDevice;
    let mut fs = fresh(64);
    write_file(&mut fs, b"/f", b"x");
    fs.hard_link(b"/f", b"/g", NOW).unwrap();
    fs.sync().unwrap();
    let mut disk = fs.device().clone();
    // f's inode says 1 name where the directory holds 2 (resealed: the checksum is right).
    let mut changed = false;
    for block in 2..64 {
        let mut b = [0u8; 4096];
        disk.read(block, &mut b).unwrap();
        if crate::layout::check(&b, crate::layout::META_INODES) {
            // Older copies (copy-on-write) hold other counts; the live one, 2.
            let (_, at) = crate::layout::inode_place(fs.resolve(b"/f").unwrap());
            if crate::layout::u32_at(&b, at + 44) != 2 {
                continue;
            }
            crate::layout::put_u32(&mut b, at + 44, 1);
            crate::layout::seal(&mut b);
            disk.write(block, &b).unwrap();
            changed = true;
        }
    }
    assert!(changed);
    let f = fs.resolve(b"/f").unwrap();
    match Fs::mount(disk, NOW).err() {
        Some(Refusal::Damaged(Damage { inode: Some(n), problem: Problem::LinkCount { stored: 1, counted: 2 }, .. })) if n == f => {}
        other => panic!("{other:?}"),
    }
}

/// A write larger than the cache (32 blocks on a 256-block device, the
/// Baochip-1x's RRAM disk): it commits as it goes instead of piling its
/// blocks up in memory; changed again, all of it survives a remount.
#[test]
fn a_write_larger_than_the_cache_keeps_the_cache_bounded() {
    let mut fs = fresh(256);
    let mut data = pattern(600_000, 7);
    let n = fs.open(b"/big", true, false, true, true, NOW).unwrap();
    assert_eq!(fs.write(n, 0, &data, NOW), Ok(data.len()));
    assert!(fs.cached_blocks() <= 40, "{} blocks cached after a 600 KB write", fs.cached_blocks());
    let middle = pattern(50_000, 9);
    assert_eq!(fs.write(n, 100_000, &middle, NOW), Ok(middle.len()));
    data[100_000..150_000].copy_from_slice(&middle);
    fs.sync().unwrap();
    let mut fs = remount(fs);
    assert_eq!(read_file(&mut fs, b"/big"), data);
}


/// The RAM device, counting the FLUSHes asked of it; the one numbered
/// `fail_at` (counting from 1) fails.
#[derive(Clone)]
struct Flushes {
    disk: RamDevice,
    flushes: usize,
    fail_at: usize,
}

impl block::BlockDevice for Flushes {
    fn block_count(&self) -> u32 {
        self.disk.block_count()
    }
    fn read(&mut self, block: u32, into: &mut block::Block) -> Result<(), block::BlockError> {
        self.disk.read(block, into)
    }
    fn write(&mut self, block: u32, from: &block::Block) -> Result<(), block::BlockError> {
        self.disk.write(block, from)
    }
    fn flush(&mut self) -> Result<(), block::BlockError> {
        self.flushes += 1;
        if self.flushes == self.fail_at { Err(block::BlockError::Device) } else { Ok(()) }
    }
}

#[test]
fn a_sync_with_nothing_new_asks_nothing_of_the_device_unless_a_flush_failed() {
    let mut fs = Fs::mount(Flushes { disk: RamDevice::new(256), flushes: 0, fail_at: 0 }, NOW).expect("formats");
    fs.create_dir(b"/a", NOW).unwrap();
    fs.sync().unwrap();
    let after_change = fs.device().flushes;
    // Nothing changed since: no FLUSH (each is a round trip to the medium).
    fs.sync().unwrap();
    fs.lookup(b"/a", true).unwrap();
    fs.sync().unwrap();
    assert_eq!(fs.device().flushes, after_change, "syncs with nothing to commit flushed");
    // A commit whose last FLUSH (the one after the superblock's write)
    // failed is not known durable: the next sync flushes again, though
    // nothing changed in between.
    fs.create_dir(b"/b", NOW).unwrap();
    fs.device().fail_at = after_change + 2;
    assert_eq!(fs.sync(), Err(FsError::Io));
    assert_eq!(fs.device().flushes, after_change + 2, "the data's flush, then the superblock's");
    fs.sync().unwrap();
    assert_eq!(fs.device().flushes, after_change + 3, "the failed flush was not tried again");
    fs.sync().unwrap();
    assert_eq!(fs.device().flushes, after_change + 3);
}
