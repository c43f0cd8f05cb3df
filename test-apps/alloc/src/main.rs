//! Allocates and frees a few MiB in mixed sizes, ten rounds over, and checks
//! the contents and that the heap stays bounded: after the first round,
//! dlmalloc must reuse what was freed instead of growing the heap.

use std::collections::{BTreeMap, HashMap};

/// The heap's size, asked of the kernel (IncreaseHeap of 0 bytes).
fn heap_size() -> usize {
    let (mut a0, mut a1, mut a2) = (10usize, 0usize, 0usize);
    // SAFETY: IncreaseHeap(0) only reports the heap; it changes no memory.
    unsafe {
        core::arch::asm!("ecall", inlateout("a0") a0, inlateout("a1") a1, inlateout("a2") a2,
            out("a3") _, out("a4") _, out("a5") _, out("a6") _, out("a7") _);
    }
    assert_eq!(a0, 3, "IncreaseHeap answers with a MemoryRange");
    let _ = a1;
    a2
}

fn round(seed: u64) -> u64 {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut x = seed;
    for i in 0..400 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let size = match i % 4 {
            0 => 16 + (x >> 58) as usize,
            1 => 1000 + (x >> 52) as usize,
            2 => 8192 + (x >> 50) as usize,
            _ => 32,
        };
        blocks.push(vec![(i % 251) as u8; size]);
        if i % 3 == 0 {
            let victim = (x as usize) % blocks.len();
            blocks.swap_remove(victim);
        }
    }
    let mut map: HashMap<u64, String> = HashMap::new();
    let mut tree = BTreeMap::new();
    for k in 0..2000u64 {
        map.insert(k, format!("value {k}"));
        tree.insert(k.wrapping_mul(7919), k);
    }
    assert_eq!(map[&1999], "value 1999");
    assert_eq!(tree.len(), 2000);
    let big = vec![7u32; 512 * 1024];
    let checksum = blocks.iter().map(|b| b.iter().map(|v| *v as u64).sum::<u64>()).sum::<u64>() + big.iter().map(|v| *v as u64).sum::<u64>();
    checksum
}

fn main() {
    let first = round(1);
    let after_first = heap_size();
    for r in 0..10 {
        assert_eq!(round(1), first, "round {r} computed something else");
    }
    let after_all = heap_size();
    println!("alloc: heap {} KiB after one round, {} KiB after eleven", after_first / 1024, after_all / 1024);
    if after_all > after_first + after_first / 4 {
        eprintln!("alloc: the heap kept growing");
        std::process::exit(1);
    }
    println!("alloc: all checks passed");
}
