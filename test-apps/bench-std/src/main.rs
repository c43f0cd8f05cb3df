//! The std part of `./x bench`: what std's locks, sleep and clock cost on our
//! kernel and services, counted in retired instructions (`instret`, exact
//! under `xous-run --icount`) and, for sleep, in guest time. Prints
//! `bench: NAME=VALUE` lines for xtask.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Retired instructions so far (user mode may read the counter).
fn instret() -> u64 {
    loop {
        let (hi, lo, hi2): (u32, u32, u32);
        // SAFETY: reading the instret counters has no side effects.
        unsafe { std::arch::asm!("rdinstreth {0}", "rdinstret {1}", "rdinstreth {2}", out(reg) hi, out(reg) lo, out(reg) hi2) };
        if hi == hi2 {
            return ((hi as u64) << 32) | lo as u64;
        }
    }
}

/// The `time` counter (10 MHz on QEMU virt: 10 ticks a microsecond).
fn ticks() -> u64 {
    loop {
        let (hi, lo, hi2): (u32, u32, u32);
        // SAFETY: reading the time counters has no side effects.
        unsafe { std::arch::asm!("rdtimeh {0}", "rdtime {1}", "rdtimeh {2}", out(reg) hi, out(reg) lo, out(reg) hi2) };
        if hi == hi2 {
            return ((hi as u64) << 32) | lo as u64;
        }
    }
}

const ROUNDS: u64 = 200;

fn mutex_uncontended() -> u64 {
    let m = Mutex::new(0u64);
    for _ in 0..10 {
        *m.lock().unwrap() += 1;
    }
    let start = instret();
    for _ in 0..ROUNDS {
        *m.lock().unwrap() += 1;
    }
    (instret() - start) / ROUNDS
}

/// Two threads that each yield while holding the lock, so that every lock
/// finds it taken and goes through the ticktimer (LockMutex / UnlockMutex).
fn mutex_contended() -> u64 {
    let m = Arc::new(Mutex::new(0u64));
    let start = instret();
    let other = {
        let m = Arc::clone(&m);
        thread::spawn(move || {
            for _ in 0..ROUNDS {
                let mut g = m.lock().unwrap();
                thread::yield_now();
                *g += 1;
            }
        })
    };
    for _ in 0..ROUNDS {
        let mut g = m.lock().unwrap();
        thread::yield_now();
        *g += 1;
    }
    other.join().unwrap();
    assert_eq!(*m.lock().unwrap(), 2 * ROUNDS);
    (instret() - start) / (2 * ROUNDS)
}

/// One round trip: main notifies, the other thread answers, through a Condvar.
fn condvar_pingpong() -> u64 {
    let pair = Arc::new((Mutex::new(0u64), Condvar::new()));
    let other = {
        let pair = Arc::clone(&pair);
        thread::spawn(move || {
            let (m, cv) = &*pair;
            let mut turn = m.lock().unwrap();
            for i in 0..ROUNDS {
                while *turn != 2 * i + 1 {
                    turn = cv.wait(turn).unwrap();
                }
                *turn += 1;
                cv.notify_one();
            }
        })
    };
    let (m, cv) = &*pair;
    let start = instret();
    let mut turn = m.lock().unwrap();
    for i in 0..ROUNDS {
        *turn = 2 * i + 1;
        cv.notify_one();
        while *turn != 2 * i + 2 {
            turn = cv.wait(turn).unwrap();
        }
    }
    drop(turn);
    let per = (instret() - start) / ROUNDS;
    other.join().unwrap();
    per
}

/// One `Instant::now()`: what every timeout, every `elapsed()` and an async
/// runtime's every turn of its loop pays.
fn instant_now() -> u64 {
    let mut last = Instant::now();
    let start = instret();
    for _ in 0..ROUNDS {
        let now = Instant::now();
        assert!(now >= last, "Instant went back");
        last = now;
    }
    (instret() - start) / ROUNDS
}

/// How much later than asked `sleep(1 ms)` returns, in microseconds (the
/// worst of 20).
fn sleep_overshoot_us() -> u64 {
    (0..20)
        .map(|_| {
            let start = ticks();
            thread::sleep(Duration::from_millis(1));
            ((ticks() - start) / 10).saturating_sub(1000)
        })
        .max()
        .unwrap()
}

/// Waits until the filesystem and network services have started: each
/// answers its first request only once its own start-up is done (mounting
/// or formatting the disk, the network stack). Measured before that, a
/// thread that yields gives the processor to their start-up work, and
/// mutex_contended counted it: about 43,000 instructions a lock instead of
/// about 2,000 (seen 2026-12-03).
fn wait_for_services() {
    std::fs::metadata("/").expect("the filesystem service answers");
    std::net::UdpSocket::bind("127.0.0.1:0").expect("the network service answers");
}

fn main() {
    wait_for_services();
    println!("bench: mutex_uncontended={}", mutex_uncontended());
    println!("bench: mutex_contended={}", mutex_contended());
    println!("bench: condvar_pingpong={}", condvar_pingpong());
    println!("bench: sleep_1ms_overshoot_us={}", sleep_overshoot_us());
    println!("bench: instant_now={}", instant_now());
}
