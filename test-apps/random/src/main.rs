//! random: std's random source on the target (std-xous: the entropy
//! service). Prints a fingerprint, the hash of a fixed value under a fresh
//! `RandomState`: xtask runs the program twice and the two must differ,
//! which they cannot if the keys come from addresses (upstream's fallback;
//! addresses are the same on every run here). Also: maps work with those
//! keys, and every thread gets keys of its own.

use checks::Checks;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};

fn main() {
    let mut c = Checks::new("random");
    let fingerprint = RandomState::new().hash_one("xous");
    println!("random: fingerprint {fingerprint:016x}");

    let map: HashMap<u32, u32> = (0..10_000u32).map(|i| (i, i.wrapping_mul(2_654_435_761))).collect();
    c.check(
        map.len() == 10_000 && (0..10_000u32).all(|i| map[&i] == i.wrapping_mul(2_654_435_761)),
        "a HashMap of 10,000 entries with the service's keys".into(),
    );

    let threads: Vec<u64> = (0..4)
        .map(|_| std::thread::spawn(|| RandomState::new().hash_one("xous")))
        .map(|t| t.join().unwrap())
        .collect();
    let distinct: HashSet<u64> = threads.iter().copied().chain([fingerprint]).collect();
    c.check(distinct.len() == 5, format!("five threads' keys hash alike nowhere: {fingerprint:x} {threads:x?}"));
    c.finish();
}
