//! time: std's clocks and sleeping, through the ticktimer and system-time
//! services. Instant never goes back; `thread::sleep(100 ms)` takes 100 to
//! 110 ms by Instant; sleepers wake in deadline order; a Condvar wait times
//! out on time; SystemTime is within a few seconds of the host's clock,
//! which the caller passes as `HOST_UNIX_TIME_MS` (milliseconds since the
//! epoch; without it only a plausibility check is made). Prints one line
//! per check and exits 1 if any failed.

use checks::Checks;
use std::sync::{mpsc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn millis(d: Duration) -> u128 {
    d.as_millis()
}

fn main() {
    let mut c = Checks::new("time");
    if std::env::args().nth(1).as_deref() == Some("std-xous") {
        overlay_fixes(&mut c);
        c.finish();
        return;
    }

    let start = Instant::now();
    let mut last = start;
    let mut went_back = 0;
    for _ in 0..2000 {
        let now = Instant::now();
        if now < last {
            went_back += 1;
        }
        last = now;
    }
    c.check(went_back == 0, format!("Instant is monotonic over 2000 reads ({went_back} went back)"));

    for round in 1..=3 {
        let before = Instant::now();
        thread::sleep(Duration::from_millis(100));
        let took = millis(before.elapsed());
        c.check((100..=110).contains(&took), format!("sleep(100 ms) #{round} took {took} ms (100..=110)"));
    }

    let before = Instant::now();
    thread::sleep(Duration::from_millis(7));
    let took = millis(before.elapsed());
    c.check((7..=12).contains(&took), format!("sleep(7 ms) took {took} ms (7..=12)"));

    let before = Instant::now();
    thread::sleep(Duration::ZERO);
    let took = millis(before.elapsed());
    c.check(took <= 2, format!("sleep(0) returned at once ({took} ms)"));

    // Three threads sleep different lengths; they must wake shortest first.
    let (tx, rx) = mpsc::channel();
    let sleepers: Vec<_> = [60u64, 20, 40]
        .into_iter()
        .map(|ms| {
            let tx = tx.clone();
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(ms));
                tx.send(ms).unwrap();
            })
        })
        .collect();
    drop(tx);
    let order: Vec<u64> = rx.iter().collect();
    for s in sleepers {
        s.join().unwrap();
    }
    c.check(order == [20, 40, 60], format!("sleepers woke in deadline order: {order:?}"));

    // A Condvar wait that nobody notifies times out after its timeout.
    let pair = (Mutex::new(()), Condvar::new());
    let guard = pair.0.lock().unwrap();
    let before = Instant::now();
    let (_guard, result) = pair.1.wait_timeout(guard, Duration::from_millis(50)).unwrap();
    let took = millis(before.elapsed());
    c.check(result.timed_out() && (50..=60).contains(&took), format!("Condvar::wait_timeout(50 ms) timed out after {took} ms"));

    // park_timeout without an unpark also ends on time.
    let before = Instant::now();
    thread::park_timeout(Duration::from_millis(30));
    let took = millis(before.elapsed());
    c.check((30..=40).contains(&took), format!("park_timeout(30 ms) took {took} ms"));

    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("after the epoch");
    match std::env::var("HOST_UNIX_TIME_MS").ok().and_then(|v| v.parse::<u128>().ok()) {
        Some(host) => {
            let ours = now.as_millis();
            let apart = ours.abs_diff(host);
            c.check(apart <= 5000, format!("SystemTime is within 5 s of the host clock ({apart} ms apart)"));
        }
        None => {
            let year_2024 = Duration::from_secs(1_704_067_200);
            c.check(now > year_2024, format!("SystemTime is after 2024 ({} s since the epoch; HOST_UNIX_TIME_MS not given)", now.as_secs()));
        }
    }

    // SystemTime moves with Instant.
    let (sys_before, before) = (SystemTime::now(), Instant::now());
    thread::sleep(Duration::from_millis(200));
    let by_instant = millis(before.elapsed());
    let by_system = millis(SystemTime::now().duration_since(sys_before).unwrap_or_default());
    c.check(by_system.abs_diff(by_instant) <= 20, format!("200 ms of sleep: {by_instant} ms by Instant, {by_system} ms by SystemTime"));

    let total = millis(start.elapsed());
    c.check(total >= 300 + 7 + 60 + 50 + 30 + 200, format!("Instant counted {total} ms in all"));

    c.finish();
}

/// What std-xous fixed in the std as shipped (`time std-xous`, run on our
/// std only): timeouts round up (0018), times before 1970 (0019).
fn overlay_fixes(c: &mut Checks) {
    // Never less than asked, fractions of a millisecond included (whole
    // milliseconds were truncated: sleep(300 us) did not sleep, sleep(7.9
    // ms) slept 7; crossbeam-channel's tick test caught it).
    for asked in [Duration::from_micros(300), Duration::from_micros(7_900), Duration::from_nanos(1_000_001)] {
        let shortest = (0..5)
            .map(|_| {
                let before = Instant::now();
                thread::sleep(asked);
                before.elapsed()
            })
            .min()
            .unwrap_or_default();
        c.check(shortest >= asked, format!("sleep({asked:?}) lasted at least that: shortest of 5 {shortest:?}"));
    }
    let pair = (Mutex::new(()), Condvar::new());
    let before = Instant::now();
    let (_guard, result) = pair.1.wait_timeout(pair.0.lock().unwrap(), Duration::from_micros(2_500)).unwrap();
    let took = before.elapsed();
    c.check(!result.timed_out() || took >= Duration::from_micros(2_500), format!("Condvar::wait_timeout(2.5 ms) timed out after {took:?}, not before"));

    // Times before 1970 exist (chrono's tests make one), as on Unix.
    let before_1970 = UNIX_EPOCH.checked_sub(Duration::new(1_000_000_000, 500));
    let back = before_1970.map(|t| (UNIX_EPOCH.duration_since(t).ok(), t.duration_since(UNIX_EPOCH).map_err(|e| e.duration()), t < UNIX_EPOCH));
    c.check(
        back == Some((Some(Duration::new(1_000_000_000, 500)), Err(Duration::new(1_000_000_000, 500)), true)),
        format!("UNIX_EPOCH - 1e9 s exists, 1e9 s before the epoch: {back:?}"),
    );
}
