//! The filesystem part of `./x bench`: std::fs against the block device
//! under it, in guest microseconds (the `time` counter; xtask runs this
//! without `--icount`, because with it the waits for the disk become
//! jumps of guest time, so these are wall-clock numbers that vary from
//! run to run). Run on a fresh `--disk` image. Prints `bench: NAME=VALUE`
//! lines for xtask: 4 MiB written (64 KiB writes, then sync_all) and read
//! back through `std::fs`; the same amount for the raw device (the
//! service's RAW_BENCH: free blocks, one request a block, no filesystem);
//! and the time per small file created, stat'ed and removed; and per file
//! of one directory of 100, 1,000 and 10,000 files, each created, then
//! each stat'ed, then each removed (the directory index keeps these flat).

use std::fs::{self, File};
use std::io::{Read, Write};
use checks::raw::ecall;
use xous_abi::message::InvokeType;
use xous_abi::services::fs as proto;
use xous_abi::{Syscall, SyscallResult};

/// The `time` counter (10 MHz on QEMU virt), in microseconds. Without
/// `--icount` it follows the host's clock, so these are wall-clock times.
fn micros() -> u64 {
    loop {
        let (hi, lo, hi2): (u32, u32, u32);
        // SAFETY: reading the time counters has no side effects.
        unsafe { std::arch::asm!("rdtimeh {0}", "rdtime {1}", "rdtimeh {2}", out(reg) hi, out(reg) lo, out(reg) hi2) };
        if hi == hi2 {
            return (((hi as u64) << 32) | lo as u64) / 10;
        }
    }
}

const TOTAL: usize = 4 << 20;
const CHUNK: usize = 64 << 10;
const SMALL_FILES: u64 = 100;

#[repr(C, align(4096))]
struct Page([u8; 4096]);

/// RAW_BENCH of `blocks` blocks; the number the service moved.
fn raw(blocks: u64, write: bool) -> u64 {
    // By name, as std connects (it starts the service on demand).
    let cid: u32 = std::os::xous::services::connect(proto::NAME).expect("connect by name").into();
    let mut page = Page([0; 4096]);
    page.0[proto::A_AT..][..8].copy_from_slice(&blocks.to_le_bytes());
    page.0[proto::B_AT..][..8].copy_from_slice(&(write as u64).to_le_bytes());
    let r = ecall([Syscall::SendMessage as usize, cid as usize, InvokeType::LendMut as usize, proto::RAW_BENCH, page.0.as_mut_ptr() as usize, 4096, 0, 0]);
    assert_eq!(r[0], SyscallResult::MemoryReturned as usize, "RAW_BENCH: {r:?}");
    let status = u32::from_le_bytes(page.0[proto::STATUS_AT..][..4].try_into().unwrap());
    assert_eq!(status, 0, "RAW_BENCH failed");
    u64::from_le_bytes(page.0[proto::VALUE_AT..][..8].try_into().unwrap())
}

fn main() {
    let blocks = (TOTAL / 4096) as u64;
    let start = micros();
    assert_eq!(raw(blocks, true), blocks, "the disk has room for 4 MiB of scratch blocks");
    let raw_write = micros() - start;
    let start = micros();
    assert_eq!(raw(blocks, false), blocks);
    let raw_read = micros() - start;

    let data: Vec<u8> = (0..CHUNK).map(|i| (i * 7 + i / 4096) as u8).collect();
    let start = micros();
    let mut file = File::create("/bench.bin").expect("create /bench.bin");
    for _ in 0..TOTAL / CHUNK {
        file.write_all(&data).expect("write");
    }
    file.sync_all().expect("sync_all");
    drop(file);
    let fs_write = micros() - start;

    let mut back = vec![0u8; CHUNK];
    let start = micros();
    let mut file = File::open("/bench.bin").expect("open");
    for _ in 0..TOTAL / CHUNK {
        file.read_exact(&mut back).expect("read");
        assert!(back == data, "read back what was written");
    }
    drop(file);
    let fs_read = micros() - start;
    fs::remove_file("/bench.bin").expect("remove");

    fs::create_dir("/small").expect("create /small");
    let start = micros();
    for i in 0..SMALL_FILES {
        let path = format!("/small/{i}");
        File::create(&path).expect("create").write_all(b"small").expect("write");
        assert_eq!(fs::metadata(&path).expect("stat").len(), 5);
        fs::remove_file(&path).expect("remove");
    }
    let small = (micros() - start) / SMALL_FILES;

    let mut per_file = Vec::new();
    for n in [100u64, 1_000, 10_000] {
        let dir = format!("/dir{n}");
        fs::create_dir(&dir).expect("create the directory");
        let start = micros();
        for i in 0..n {
            File::create(format!("{dir}/file-{i}")).expect("create");
        }
        for i in 0..n {
            assert_eq!(fs::metadata(format!("{dir}/file-{i}")).expect("stat").len(), 0);
        }
        for i in 0..n {
            fs::remove_file(format!("{dir}/file-{i}")).expect("remove");
        }
        per_file.push((n, (micros() - start) / n));
        fs::remove_dir(&dir).expect("remove the directory, empty again");
    }

    println!("bench: raw_write_4mib_us={raw_write}");
    println!("bench: raw_read_4mib_us={raw_read}");
    println!("bench: fs_write_4mib_us={fs_write}");
    println!("bench: fs_read_4mib_us={fs_read}");
    println!("bench: fs_small_file_us={small}");
    for (n, us) in per_file {
        println!("bench: fs_dir_{n}_files_us={us}");
    }
}
