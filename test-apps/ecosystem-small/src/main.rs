//! Small crates.io crates that stop at `compile_error!` or a missing
//! function for a target they do not know, used unmodified: the toolchain's
//! crate arms (library/crate-arms, docs/ecosystem.md) give each a xous arm.
//! Every check asserts what the arm promises; the last line says all passed,
//! and `fingerprint` (random bytes from every source) must differ between
//! boots, which `./x test` checks.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

fn check(what: &str, ok: bool) {
    if !ok {
        eprintln!("ecosystem-small: FAILED: {what}");
        std::process::exit(1);
    }
    println!("ecosystem-small: ok: {what}");
}

fn random_sources() -> Vec<u8> {
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    getrandom01::getrandom(&mut a).expect("getrandom 0.1");
    getrandom01::getrandom(&mut b).expect("getrandom 0.1");
    check("getrandom 0.1 fills, and twice differently", a != [0; 32] && a != b);
    getrandom02::getrandom(&mut a).expect("getrandom 0.2");
    getrandom02::getrandom(&mut b).expect("getrandom 0.2");
    check("getrandom 0.2 fills, and twice differently", a != [0; 32] && a != b);
    let mut all = a.to_vec();
    getrandom03::fill(&mut a).expect("getrandom 0.3");
    getrandom03::fill(&mut b).expect("getrandom 0.3");
    check("getrandom 0.3 fills, and twice differently", a != [0; 32] && a != b);
    all.extend(a);
    getrandom04::fill(&mut a).expect("getrandom 0.4");
    getrandom04::fill(&mut b).expect("getrandom 0.4");
    check("getrandom 0.4 fills, and twice differently", a != [0; 32] && a != b);
    all.extend(a);

    use rand08::Rng as _;
    let (x, y): (u64, u64) = (rand08::thread_rng().gen(), rand08::random());
    check("rand 0.8: thread_rng and random", x != y);
    all.extend(x.to_le_bytes());
    use rand09::Rng as _;
    let (x, y): (u64, u64) = (rand09::rng().random(), rand09::random());
    check("rand 0.9: rng and random", x != y);
    all.extend(x.to_le_bytes());

    let (u, v) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    check("uuid v4: version 4, RFC 4122 variant, two differ", u.get_version_num() == 4 && u.get_variant() == uuid::Variant::RFC4122 && u != v);
    all.extend(u.as_bytes());
    let hash = ahash::RandomState::new().hash_one(42u32);
    all.extend(hash.to_le_bytes());
    all
}

fn files() {
    let mut file = tempfile::NamedTempFile::new().expect("a named temporary file");
    let path = file.path().to_path_buf();
    check("tempfile: a named file in /tmp", path.starts_with("/tmp") && path.is_file());
    file.write_all(b"kept on the filesystem").unwrap();
    file.as_file_mut().rewind().unwrap();
    let mut text = String::new();
    std::fs::File::open(&path).unwrap().read_to_string(&mut text).unwrap();
    check("tempfile: what was written reads back through its path", text == "kept on the filesystem");
    drop(file);
    check("tempfile: the file goes when dropped", !path.exists());
    let mut unnamed = tempfile::tempfile().expect("an unnamed temporary file");
    unnamed.write_all(b"no name").unwrap();
    unnamed.rewind().unwrap();
    let mut text = String::new();
    unnamed.read_to_string(&mut text).unwrap();
    check("tempfile: an unnamed file reads back", text == "no name");
    let kept = Path::new("/tmp/kept");
    let mut named = tempfile::NamedTempFile::new().unwrap();
    named.write_all(b"persisted").unwrap();
    named.persist(kept).expect("persist");
    let second = tempfile::NamedTempFile::new().unwrap();
    let refused = second.persist_noclobber(kept).map(drop).map_err(|e| e.error.kind());
    check("tempfile: persist keeps the file, persist_noclobber refuses to replace it",
        std::fs::read(kept).unwrap() == b"persisted" && refused == Err(std::io::ErrorKind::AlreadyExists));
    std::fs::remove_file(kept).unwrap();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let inner = dir.path().join("inner");
    std::fs::write(&inner, b"x").unwrap();
    let dir_path = dir.path().to_path_buf();
    drop(dir);
    check("tempfile: a directory with a file, removed whole", !inner.exists() && !dir_path.exists());

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("dated");
    std::fs::write(&target, b"x").unwrap();
    let mtime = filetime::FileTime::from_unix_time(1_000_000_000, 0);
    let atime = filetime::FileTime::from_unix_time(1_100_000_000, 0);
    filetime::set_file_times(&target, atime, mtime).expect("filetime::set_file_times");
    let meta = std::fs::metadata(&target).unwrap();
    check("filetime: set times read back through std and filetime", filetime::FileTime::from_last_modification_time(&meta) == mtime
        && meta.modified().unwrap() == std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000));
    filetime::set_file_mtime(&target, atime).unwrap();
    check("filetime: set_file_mtime", filetime::FileTime::from_last_modification_time(&std::fs::metadata(&target).unwrap()) == atime);
}

fn system() {
    check("page_size: 4096, granularity 4096", page_size::get() == 4096 && page_size::get_granularity() == 4096);
    check("atty: stdout and stderr are the console, stdin is not a terminal (xous-run's stdin is not one here)",
        atty::is(atty::Stream::Stdout) && atty::is(atty::Stream::Stderr) && !atty::is(atty::Stream::Stdin));
    use is_terminal::IsTerminal;
    check("is-terminal: stdout and stderr yes, stdin and files no",
        std::io::stdout().is_terminal() && std::io::stderr().lock().is_terminal() && !std::io::stdin().is_terminal()
            && !tempfile::tempfile().unwrap().is_terminal());

    errno::set_errno(errno::Errno(42));
    let other = std::thread::spawn(|| {
        let before = errno::errno().0;
        errno::set_errno(errno::Errno(7));
        (before, errno::errno().0)
    })
    .join()
    .unwrap();
    check("errno: per thread (42 here; 0 then 7 in another thread)", errno::errno().0 == 42 && other == (0, 7));

    let home = Path::new("/home");
    check("home: /home without HOME", std::env::var_os("HOME").is_none() && home::home_dir().as_deref() == Some(home));
    check("dirs: home, config, cache, data under /home",
        dirs::home_dir().as_deref() == Some(home)
            && dirs::config_dir() == Some(home.join(".config"))
            && dirs::cache_dir() == Some(home.join(".cache"))
            && dirs::data_dir() == Some(home.join(".local/share")));
    std::env::set_var("HOME", "/data/me");
    check("home and dirs: HOME when set", home::home_dir() == Some(PathBuf::from("/data/me"))
        && dirs::config_dir() == Some(PathBuf::from("/data/me/.config")));

    check("ctrlc: a handler is accepted (no signal will call it)", ctrlc::set_handler(|| std::process::exit(2)).is_ok());
    check("ctrlc: a second handler is refused", matches!(ctrlc::set_handler(|| {}), Err(ctrlc::Error::MultipleHandlers)));
}

fn signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    check("signal-hook: SIGHUP, SIGINT, SIGQUIT, SIGTERM are 1, 2, 3, 15; TERM_SIGNALS has them",
        (SIGHUP, SIGINT, SIGQUIT, SIGTERM) == (1, 2, 3, 15)
            && [SIGTERM, SIGQUIT, SIGINT].iter().all(|s| signal_hook::consts::TERM_SIGNALS.contains(s)));
    let flag = Arc::new(AtomicBool::new(false));
    let int = signal_hook::flag::register(SIGINT, Arc::clone(&flag));
    let term = signal_hook::flag::register(SIGTERM, Arc::clone(&flag));
    check("signal-hook: flag::register of SIGINT and SIGTERM succeeds", int.is_ok() && term.is_ok());
    std::thread::sleep(Duration::from_millis(100));
    check("signal-hook: the flag is still false after 100 ms (no signal came)", !flag.load(Ordering::SeqCst));
    let int = int.unwrap();
    check("signal-hook: unregister removes the action once",
        signal_hook::low_level::unregister(int) && !signal_hook::low_level::unregister(int));

    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGHUP]).expect("Signals::new");
    check("signal-hook: Signals::new; nothing pending", signals.pending().next().is_none());
    let handle = signals.handle();
    let waiter = std::thread::spawn(move || signals.forever().count());
    std::thread::sleep(Duration::from_millis(100));
    let still_waiting = !waiter.is_finished();
    handle.close();
    let yielded = waiter.join().unwrap();
    check("signal-hook: Signals::forever waits, yields nothing, and ends when its handle closes it",
        still_waiting && yielded == 0 && handle.is_closed());

    #[cfg(target_os = "xous")]
    {
        use std::io::ErrorKind::{InvalidInput, Unsupported};
        let kind = |r: std::io::Result<()>| r.map_err(|e| e.kind());
        check("signal-hook: raise is Unsupported (Xous delivers no signals), and the flag stays false",
            kind(signal_hook::low_level::raise(SIGTERM)) == Err(Unsupported) && !flag.load(Ordering::SeqCst));
        use signal_hook::low_level::emulate_default_handler as default;
        check("signal-hook: emulate_default_handler: SIGTERM and SIGSTOP Unsupported, SIGCHLD (ignored) Ok, 99 InvalidInput",
            kind(default(SIGTERM)) == Err(Unsupported)
                && kind(default(signal_hook::consts::SIGSTOP)) == Err(Unsupported)
                && kind(default(signal_hook::consts::SIGCHLD)) == Ok(())
                && kind(default(99)) == Err(InvalidInput));
    }
    #[cfg(not(target_os = "xous"))]
    {
        let usr1 = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGUSR1, Arc::clone(&usr1)).unwrap();
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        check("signal-hook: raise delivers SIGUSR1 to its flag (a host with signals)", usr1.load(Ordering::SeqCst));
    }
}

fn terminal() {
    let width = console::measure_text_width("\x1b[31mh\u{e9}llo\x1b[0m \u{65e5}\u{672c}");
    check("console: measure_text_width counts columns, not escapes or bytes (10)", width == 10);
    let forced = console::style("hi").red().bold().force_styling(true).to_string();
    check("console: style forced: ANSI escapes around the text", forced == "\x1b[31m\x1b[1mhi\x1b[0m");
    let plain = console::style("hi").red().to_string();
    check("console: style follows colors_enabled",
        if console::colors_enabled() { plain == forced.replace("\x1b[1m", "") } else { plain == "hi" });
    #[cfg(target_os = "xous")]
    {
        let term = console::Term::stdout();
        check("console: stdout and stderr are terminals (the console), of the ANSI (Unix) family",
            term.is_term() && console::Term::stderr().is_term()
                && term.features().family() == console::TermFamily::UnixTerm);
        check("console: the size is unknown: the defaults, 24 x 80", term.size_checked().is_none() && term.size() == (24, 80));
        check("console: no colors without TERM", std::env::var_os("TERM").is_none() && !console::colors_enabled());
        check("console: keys cannot be read one at a time: Unsupported",
            term.read_key().map_err(|e| e.kind()).err() == Some(std::io::ErrorKind::Unsupported));
    }
}

/// parking_lot, whose parking_lot_core parks threads through its arm's
/// parker (std's park and unpark) instead of spinning.
fn parking() {
    use parking_lot::{Condvar, Mutex};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    // A timed wait nobody ends takes at least its time, and says it timed out.
    let pair = (Mutex::new(false), Condvar::new());
    let mut flag = pair.0.lock();
    let start = Instant::now();
    let result = pair.1.wait_for(&mut flag, Duration::from_millis(50));
    let waited = start.elapsed();
    drop(flag);
    check(&format!("parking_lot: a Condvar wait_for of 50 ms nobody ends times out after {} ms (>= 50)", waited.as_millis()),
        result.timed_out() && waited >= Duration::from_millis(50));

    // A notify ends a long timed wait at once; one sent before the wait
    // starts is not lost (the waiter checks the flag under the lock).
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let other = Arc::clone(&pair);
    let start = Instant::now();
    let notifier = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        *other.0.lock() = true;
        other.1.notify_one();
    });
    let mut ready = pair.0.lock();
    let mut timed_out = false;
    while !*ready && !timed_out {
        timed_out = pair.1.wait_for(&mut ready, Duration::from_secs(10)).timed_out();
    }
    drop(ready);
    notifier.join().unwrap();
    let took = start.elapsed();
    check(&format!("parking_lot: a notify ends a 10 s wait_for early ({} ms)", took.as_millis()),
        !timed_out && took < Duration::from_secs(5));

    // Producers and consumers through a queue of one slot: every hand-over
    // parks one side on a Condvar; all finish and every item arrives once.
    const PRODUCERS: u64 = 4;
    const CONSUMERS: u64 = 4;
    const ITEMS: u64 = 2_000;
    struct Slot {
        item: Option<u64>,
        produced: u64,
    }
    let shared = Arc::new((Mutex::new(Slot { item: None, produced: 0 }), Condvar::new(), Condvar::new()));
    let start = Instant::now();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let (slot, not_full, not_empty) = &*shared;
                for i in 0..ITEMS {
                    let mut slot = slot.lock();
                    while slot.item.is_some() {
                        not_full.wait(&mut slot);
                    }
                    slot.item = Some(p * ITEMS + i);
                    slot.produced += 1;
                    not_empty.notify_one();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let (slot, not_full, not_empty) = &*shared;
                let (mut count, mut sum) = (0u64, 0u64);
                loop {
                    let mut slot = slot.lock();
                    while slot.item.is_none() && slot.produced < PRODUCERS * ITEMS {
                        not_empty.wait(&mut slot);
                    }
                    let Some(item) = slot.item.take() else {
                        // All produced and taken: wake the other consumers.
                        not_empty.notify_all();
                        return (count, sum);
                    };
                    count += 1;
                    sum += item;
                    not_full.notify_one();
                }
            })
        })
        .collect();
    for producer in producers {
        producer.join().unwrap();
    }
    // The last item may be taken after the producers end; wake any consumer
    // still waiting so it sees that everything was produced.
    shared.2.notify_all();
    let (count, sum) = consumers.into_iter().map(|c| c.join().unwrap()).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let total = PRODUCERS * ITEMS;
    check(&format!("parking_lot: {PRODUCERS} producers and {CONSUMERS} consumers hand {total} items through one slot, each once ({} ms)",
        start.elapsed().as_millis()), count == total && sum == total * (total - 1) / 2);

    // Threads contending for one Mutex: none loses an increment.
    let counter = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || {
                for _ in 0..1_000 {
                    let mut value = counter.lock();
                    *value += 1;
                    if *value % 64 == 0 {
                        std::thread::yield_now(); // hold the lock across a switch now and then
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    check("parking_lot: 8 threads, 1,000 increments each under a contended Mutex", *counter.lock() == 8_000);
}

fn main() {
    let all = random_sources();
    files();
    system();
    signals();
    terminal();
    parking();
    let fingerprint: String = all.iter().take(24).map(|b| format!("{b:02x}")).collect();
    println!("ecosystem-small: fingerprint {fingerprint}");
    println!("ecosystem-small: all checks passed");
}
