//! The innocent program of `./x fuzz`: booted as the main program beside
//! the hostile process (kernel/target-tests/src/bin/hostile), it keeps
//! using what an ordinary std program uses (files, sleep, both clocks,
//! locks, threads, channels, stdout, HashMap's random keys) for the given
//! number of seconds, and checks every result. Anything wrong ends it at
//! once with exit code 1 and a line saying what. Then it waits for the
//! hostile process to finish (its file `/h/done`), prints what it said,
//! and exits 0 (or 3 if the hostile never finished).
//!
//! `innocent SECONDS [net]`: with `net`, each round also sends bytes to
//! itself over TCP and UDP on 127.0.0.1 (the network service loops them
//! back; nothing leaves the machine).

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::{mpsc, Arc, Barrier, Condvar, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const DIR: &str = "/innocent-files";

fn fail(what: String) -> ! {
    println!("innocent: FAILED: {what}");
    eprintln!("innocent: FAILED: {what}");
    std::process::exit(1);
}

macro_rules! check {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            fail(format!($($arg)*));
        }
    };
}

/// Unwraps an io result, or fails saying what was being done.
fn ok<T, E: std::fmt::Debug>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| fail(format!("{what}: {e:?}")))
}

#[derive(Default)]
struct Counts {
    rounds: u64,
    files: u64,
    sleeps: u64,
    threads: u64,
    locks: u64,
    lines: u64,
    sockets: u64,
}

/// Bytes for file `n` of round `round`: their length and content depend on both.
fn content(round: u64, n: u64) -> Vec<u8> {
    let len = ((round * 7919 + n * 104_729) % 20_000) as usize + 1;
    (0..len).map(|i| (i as u64 ^ round ^ (n << 3)) as u8).collect()
}

fn files(round: u64, c: &mut Counts) {
    let n = round % 8;
    let path = format!("{DIR}/f{n}");
    let bytes = content(round, n);
    ok(fs::write(&path, &bytes), "write");
    check!(ok(fs::read(&path), "read") == bytes, "{path} read back differs");
    let mut f = ok(fs::OpenOptions::new().append(true).read(true).open(&path), "open to append");
    ok(f.write_all(b"tail"), "append");
    ok(f.sync_all(), "sync");
    let len = ok(f.metadata(), "metadata").len();
    check!(len == bytes.len() as u64 + 4, "{path} is {len} bytes, expected {}", bytes.len() + 4);
    ok(f.seek(SeekFrom::Start(bytes.len() as u64)), "seek");
    let mut tail = String::new();
    ok(f.read_to_string(&mut tail), "read the tail");
    check!(tail == "tail", "{path} ends with {tail:?}");
    drop(f);
    let moved = format!("{DIR}/g{n}");
    ok(fs::rename(&path, &moved), "rename");
    check!(fs::metadata(&path).is_err(), "{path} still there after rename");
    let names: Vec<_> = ok(fs::read_dir(DIR), "read_dir").map(|e| ok(e, "entry").file_name()).collect();
    check!(names.iter().any(|name| name.to_str() == Some(&format!("g{n}"))), "g{n} not listed: {names:?}");
    if round % 3 == 0 {
        ok(fs::remove_file(&moved), "remove");
        check!(fs::metadata(&moved).is_err(), "{moved} still there after remove");
    }
    if round % 5 == 0 {
        let sub = format!("{DIR}/d{n}/e");
        ok(fs::create_dir_all(&sub), "create_dir_all");
        ok(fs::write(format!("{sub}/x"), b"x"), "write in a directory");
        ok(fs::remove_dir_all(format!("{DIR}/d{n}")), "remove_dir_all");
    }
    c.files += 1;
}

fn clocks_and_sleep(round: u64, c: &mut Counts, last: &mut (Instant, SystemTime)) {
    let ms = 1 + round % 5;
    let before = Instant::now();
    check!(before >= last.0, "Instant went back");
    thread::sleep(Duration::from_millis(ms));
    let slept = before.elapsed();
    check!(slept >= Duration::from_millis(ms), "slept {slept:?} for {ms} ms");
    let now = SystemTime::now();
    let since = ok(now.duration_since(UNIX_EPOCH), "SystemTime before the epoch");
    check!(since > Duration::from_secs(1_577_836_800), "SystemTime {since:?} is before 2020");
    check!(now + Duration::from_secs(1) >= last.1, "SystemTime went back by more than a second");
    *last = (Instant::now(), now);
    c.sleeps += 1;
}

fn threads_and_locks(round: u64, c: &mut Counts) {
    let workers = 3;
    let count = Arc::new(Mutex::new(0u64));
    let ready = Arc::new((Mutex::new(0usize), Condvar::new()));
    let table = Arc::new(RwLock::new(Vec::new()));
    let barrier = Arc::new(Barrier::new(workers));
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for t in 0..workers {
        let (count, ready, table, barrier, tx) = (count.clone(), ready.clone(), table.clone(), barrier.clone(), tx.clone());
        let spawned = thread::Builder::new().spawn(move || {
            barrier.wait();
            for _ in 0..100 {
                *count.lock().unwrap() += 1;
            }
            table.write().unwrap().push(t);
            let _ = table.read().unwrap().len();
            let (lock, cv) = &*ready;
            *lock.lock().unwrap() += 1;
            cv.notify_all();
            tx.send(round * 10 + t as u64).unwrap();
        });
        handles.push(ok(spawned, "spawn"));
    }
    drop(tx);
    {
        let (lock, cv) = &*ready;
        let mut n = lock.lock().unwrap();
        while *n < workers {
            let (next, _) = cv.wait_timeout(n, Duration::from_millis(50)).unwrap();
            n = next;
        }
    }
    let mut got: Vec<u64> = rx.iter().collect();
    got.sort();
    let want: Vec<u64> = (0..workers as u64).map(|t| round * 10 + t).collect();
    check!(got == want, "channel gave {got:?}, expected {want:?}");
    for h in handles {
        check!(h.join().is_ok(), "a thread panicked");
    }
    check!(*count.lock().unwrap() == 100 * workers as u64, "the mutex count is {}", count.lock().unwrap());
    check!(table.read().unwrap().len() == workers, "the RwLock table has {:?}", table.read().unwrap());
    c.threads += workers as u64;
    c.locks += 100 * workers as u64 + 3 * workers as u64;
}

/// Bytes to ourselves and back over TCP and UDP on the loopback.
fn loopback(round: u64, c: &mut Counts) {
    let listener = ok(TcpListener::bind("127.0.0.1:0"), "TCP bind");
    let address = ok(listener.local_addr(), "local_addr");
    let echo = thread::Builder::new().spawn(move || -> std::io::Result<()> {
        let (mut stream, _) = listener.accept()?;
        let mut buffer = vec![0u8; 3000];
        stream.read_exact(&mut buffer)?;
        stream.write_all(&buffer)
    });
    let echo = ok(echo, "spawn the echo");
    let sent: Vec<u8> = (0..3000u32).map(|i| (i as u64 ^ round) as u8).collect();
    let mut stream = ok(TcpStream::connect(address), "TCP connect");
    ok(stream.write_all(&sent), "TCP write");
    let mut back = vec![0u8; sent.len()];
    ok(stream.read_exact(&mut back), "TCP read");
    check!(back == sent, "TCP echo differs");
    ok(ok(echo.join().map_err(|_| "panicked"), "join the echo"), "the echo");
    let (a, b) = (ok(UdpSocket::bind("127.0.0.1:0"), "UDP bind"), ok(UdpSocket::bind("127.0.0.1:0"), "UDP bind"));
    ok(a.send_to(&sent[..500], ok(b.local_addr(), "local_addr")), "UDP send");
    let mut datagram = [0u8; 600];
    ok(b.set_read_timeout(Some(Duration::from_secs(10))), "UDP timeout");
    let (n, from) = ok(b.recv_from(&mut datagram), "UDP receive");
    check!(datagram[..n] == sent[..500] && from == ok(a.local_addr(), "local_addr"), "UDP datagram differs");
    c.sockets += 3;
}

fn hashing(round: u64) {
    let map: HashMap<u64, u64> = (0..64).map(|i| (i, i * round)).collect();
    check!((0..64).all(|i| map.get(&i) == Some(&(i * round))), "a HashMap lost a value");
}

fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let net = std::env::args().nth(2).as_deref() == Some("net");
    let start = Instant::now();
    println!("innocent: working for {seconds} s");
    ok(fs::create_dir_all(DIR), "create the directory");
    let mut c = Counts::default();
    let mut last = (Instant::now(), SystemTime::now());
    while start.elapsed() < Duration::from_secs(seconds) {
        let round = c.rounds;
        files(round, &mut c);
        clocks_and_sleep(round, &mut c, &mut last);
        threads_and_locks(round, &mut c);
        hashing(round);
        if net {
            loopback(round, &mut c);
        }
        if round % 10 == 0 {
            println!("innocent: round {round} at {:.1} s", start.elapsed().as_secs_f64());
            c.lines += 1;
        }
        c.rounds += 1;
    }
    println!(
        "innocent: {} rounds in {:.1} s: {} file rounds, {} sleeps, {} threads, {} lock operations, {} sockets, {} lines; all checks passed",
        c.rounds,
        start.elapsed().as_secs_f64(),
        c.files,
        c.sleeps,
        c.threads,
        c.locks,
        c.sockets,
        c.lines + 1
    );
    let waited = Instant::now();
    while waited.elapsed() < Duration::from_secs(120) {
        if let Ok(said) = fs::read_to_string("/h/done") {
            println!("innocent: the hostile process finished: {said}");
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    println!("innocent: the hostile process did not finish");
    std::process::exit(3);
}
