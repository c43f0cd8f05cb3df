//! The filesystem's operations on the RAM device: what std's calls need,
//! their errors, persistence across mounts, a full device, big files.

use crate::{Fs, FsError, KIND_DIR, KIND_FILE};
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
    assert_eq!(fs.canonicalize(b"y/z/../z"), Ok(b"/y/z".to_vec()));
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
