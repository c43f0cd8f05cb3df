//! threads: std's threads and synchronisation, whose slow paths go through
//! the ticktimer service. Each check forces the contended path (a thread
//! yields while it holds a lock, so the others must queue in the
//! ticktimer) and verifies the result: counts, exclusion, order, wakeups.
//! Prints one line per check and exits 1 if any failed.

use checks::Checks;
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier, Condvar, Mutex, Once, OnceLock, RwLock};
use std::thread;
use std::time::{Duration, Instant};

const THREADS: usize = 8;

/// Eight threads increment one Mutex-guarded counter; each yields while
/// holding it, so the others pile up in LockMutex. A flag catches any two
/// inside at once.
fn mutex_counter(c: &mut Checks) {
    const ROUNDS: usize = 200;
    let counter = Arc::new(Mutex::new(0usize));
    let inside = Arc::new(AtomicBool::new(false));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (counter, inside, overlaps) = (counter.clone(), inside.clone(), overlaps.clone());
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    let mut n = counter.lock().unwrap();
                    if inside.swap(true, Ordering::SeqCst) {
                        overlaps.fetch_add(1, Ordering::SeqCst);
                    }
                    let seen = *n;
                    thread::yield_now();
                    *n = seen + 1;
                    inside.store(false, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let total = *counter.lock().unwrap();
    let overlaps = overlaps.load(Ordering::SeqCst);
    c.check(
        total == THREADS * ROUNDS && overlaps == 0,
        format!("Mutex: {THREADS} threads x {ROUNDS} increments = {total}, {overlaps} overlaps"),
    );
}

/// A bounded queue on a Mutex and two Condvars: one producer, three
/// consumers; every item arrives exactly once.
fn condvar_queue(c: &mut Checks) {
    const ITEMS: usize = 300;
    const CAPACITY: usize = 4;
    struct Queue {
        items: Mutex<(VecDeque<usize>, bool)>,
        not_empty: Condvar,
        not_full: Condvar,
    }
    let q = Arc::new(Queue { items: Mutex::new((VecDeque::new(), false)), not_empty: Condvar::new(), not_full: Condvar::new() });
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                let mut items = q.items.lock().unwrap();
                loop {
                    if let Some(item) = items.0.pop_front() {
                        got.push(item);
                        q.not_full.notify_one();
                    } else if items.1 {
                        return got;
                    } else {
                        items = q.not_empty.wait(items).unwrap();
                    }
                }
            })
        })
        .collect();
    for i in 0..ITEMS {
        let mut items = q.items.lock().unwrap();
        while items.0.len() == CAPACITY {
            items = q.not_full.wait(items).unwrap();
        }
        items.0.push_back(i);
        q.not_empty.notify_one();
    }
    q.items.lock().unwrap().1 = true;
    q.not_empty.notify_all();
    let mut all: Vec<usize> = consumers.into_iter().flat_map(|t| t.join().unwrap()).collect();
    all.sort();
    c.check(all == (0..ITEMS).collect::<Vec<_>>(), format!("Condvar: {ITEMS} items through a queue of {CAPACITY}, 3 consumers, each item once"));
}

/// notify_all releases every waiter at once; none is lost.
fn condvar_gate(c: &mut Checks) {
    let gate = Arc::new((Mutex::new((false, 0usize)), Condvar::new()));
    let waiters: Vec<_> = (0..THREADS)
        .map(|_| {
            let gate = gate.clone();
            thread::spawn(move || {
                let (lock, cv) = &*gate;
                let mut state = lock.lock().unwrap();
                state.1 += 1;
                while !state.0 {
                    state = cv.wait(state).unwrap();
                }
            })
        })
        .collect();
    // Wait until all have arrived, then open the gate for all.
    loop {
        let mut state = gate.0.lock().unwrap();
        if state.1 == THREADS {
            state.0 = true;
            gate.1.notify_all();
            break;
        }
        drop(state);
        thread::sleep(Duration::from_millis(1));
    }
    for w in waiters {
        w.join().unwrap();
    }
    c.check(true, format!("Condvar: notify_all released {THREADS} waiters"));
}

/// Four producers on one channel, a rendezvous channel, and a receive
/// timeout.
fn channels(c: &mut Checks) {
    const EACH: usize = 250;
    let (tx, rx) = mpsc::channel();
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..EACH {
                    tx.send(p * EACH + i).unwrap();
                    if i % 50 == 0 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let mut got: Vec<usize> = rx.iter().collect();
    for p in producers {
        p.join().unwrap();
    }
    got.sort();
    c.check(got == (0..4 * EACH).collect::<Vec<_>>(), format!("mpsc: 4 producers x {EACH} messages, each received once"));

    let (tx, rx) = mpsc::sync_channel::<usize>(0);
    let sender = thread::spawn(move || (0..50).map(|i| tx.send(i).is_ok() as usize).sum::<usize>());
    let received: usize = rx.iter().sum();
    let sent = sender.join().unwrap();
    c.check(sent == 50 && received == (0..50).sum(), format!("mpsc: rendezvous channel passed {sent} messages, sum {received}"));

    let (_tx, rx) = mpsc::channel::<()>();
    let before = Instant::now();
    let timed_out = rx.recv_timeout(Duration::from_millis(20)) == Err(mpsc::RecvTimeoutError::Timeout);
    let took = before.elapsed().as_millis();
    c.check(timed_out && (20..=30).contains(&took), format!("mpsc: recv_timeout(20 ms) timed out after {took} ms"));
}

/// Eight threads meet at a barrier twice; nobody passes before all arrive,
/// and each time exactly one is the leader.
fn barrier(c: &mut Checks) {
    let barrier = Arc::new(Barrier::new(THREADS));
    let arrived = Arc::new(AtomicUsize::new(0));
    let early = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let (barrier, arrived, early) = (barrier.clone(), arrived.clone(), early.clone());
            thread::spawn(move || {
                let mut leaders = 0;
                for round in 1..=2 {
                    if i % 3 == 0 {
                        thread::sleep(Duration::from_millis(2));
                    }
                    arrived.fetch_add(1, Ordering::SeqCst);
                    leaders += barrier.wait().is_leader() as usize;
                    if arrived.load(Ordering::SeqCst) < round * THREADS {
                        early.fetch_add(1, Ordering::SeqCst);
                    }
                    // Nobody may start the next round before all saw this one.
                    barrier.wait();
                }
                leaders
            })
        })
        .collect();
    let leaders: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let early = early.load(Ordering::SeqCst);
    c.check(leaders == 2 && early == 0, format!("Barrier: {THREADS} threads, 2 rounds, {leaders} leaders, {early} passed early"));
}

/// Writers keep two numbers equal under the write lock; readers (several at
/// once) must never see them differ.
fn rwlock(c: &mut Checks) {
    let pair = Arc::new(RwLock::new((0usize, 0usize)));
    let torn = Arc::new(AtomicUsize::new(0));
    let reading = Arc::new(AtomicUsize::new(0));
    let most_readers = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let pair = pair.clone();
            thread::spawn(move || {
                for _ in 0..100 {
                    let mut p = pair.write().unwrap();
                    p.0 += 1;
                    thread::yield_now();
                    p.1 += 1;
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (pair, torn, reading, most) = (pair.clone(), torn.clone(), reading.clone(), most_readers.clone());
            thread::spawn(move || {
                for _ in 0..100 {
                    let p = pair.read().unwrap();
                    let now = reading.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    if p.0 != p.1 {
                        torn.fetch_add(1, Ordering::SeqCst);
                    }
                    thread::yield_now();
                    reading.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in writers.into_iter().chain(readers) {
        t.join().unwrap();
    }
    let end = *pair.read().unwrap();
    let torn = torn.load(Ordering::SeqCst);
    let most = most_readers.load(Ordering::SeqCst);
    c.check(
        end == (200, 200) && torn == 0 && most >= 2,
        format!("RwLock: 2 writers, 4 readers: end {end:?}, {torn} torn reads, up to {most} readers at once"),
    );
}

/// Once and OnceLock run their initialiser once however many threads race.
fn once(c: &mut Checks) {
    static INIT: Once = Once::new();
    static CELL: OnceLock<usize> = OnceLock::new();
    let runs = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let runs = runs.clone();
            thread::spawn(move || {
                INIT.call_once(|| {
                    thread::sleep(Duration::from_millis(5));
                    runs.fetch_add(1, Ordering::SeqCst);
                });
                *CELL.get_or_init(|| {
                    thread::yield_now();
                    i + 100
                })
            })
        })
        .collect();
    let values: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let runs = runs.load(Ordering::SeqCst);
    let one_value = values.iter().all(|v| *v == values[0]);
    c.check(runs == 1 && INIT.is_completed() && one_value, format!("Once ran {runs} time(s); OnceLock gave every thread {}", values[0]));
}

struct CountsDrops;

static TLS_DROPS: AtomicUsize = AtomicUsize::new(0);

impl Drop for CountsDrops {
    fn drop(&mut self) {
        TLS_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    static MINE: Cell<usize> = const { Cell::new(0) };
    static DROPPED_AT_EXIT: CountsDrops = const { CountsDrops };
}

/// Each thread's thread_local! is its own, and its destructors run when the
/// thread ends.
fn thread_locals(c: &mut Checks) {
    MINE.with(|m| m.set(999));
    let threads: Vec<_> = (1..=THREADS)
        .map(|i| {
            thread::spawn(move || {
                DROPPED_AT_EXIT.with(|_| ());
                MINE.with(|m| m.set(i));
                for _ in 0..10 {
                    thread::yield_now();
                    if MINE.with(Cell::get) != i {
                        return false;
                    }
                }
                true
            })
        })
        .collect();
    let all_kept = threads.into_iter().all(|t| t.join().unwrap());
    let main_kept = MINE.with(Cell::get) == 999;
    let drops = TLS_DROPS.load(Ordering::SeqCst);
    c.check(
        all_kept && main_kept && drops == THREADS,
        format!("thread_local!: {THREADS} threads kept their own values, main kept its own; {drops} destructors ran"),
    );
}

/// Scoped threads borrow the caller's data; named threads know their names.
fn scoped_and_named(c: &mut Checks) {
    let numbers: Vec<u64> = (1..=1000).collect();
    let mut sums = [0u64; 4];
    thread::scope(|s| {
        for (chunk, sum) in numbers.chunks(250).zip(sums.iter_mut()) {
            s.spawn(move || *sum = chunk.iter().sum());
        }
    });
    let total: u64 = sums.iter().sum();
    c.check(total == 500_500, format!("scoped threads: four borrowed chunks sum to {total}"));

    let name = thread::Builder::new()
        .name("worker-7".into())
        .spawn(|| thread::current().name().map(str::to_string))
        .unwrap()
        .join()
        .unwrap();
    c.check(name.as_deref() == Some("worker-7"), format!("thread name: {name:?}"));
}

/// park/unpark hand a token back and forth.
fn park_unpark(c: &mut Checks) {
    const ROUNDS: usize = 100;
    let turn = Arc::new(AtomicUsize::new(0));
    let main_thread = thread::current();
    let t2 = turn.clone();
    let other = thread::spawn(move || {
        for i in 0..ROUNDS {
            while t2.load(Ordering::SeqCst) != 2 * i + 1 {
                thread::park();
            }
            t2.store(2 * i + 2, Ordering::SeqCst);
            main_thread.unpark();
        }
    });
    for i in 0..ROUNDS {
        turn.store(2 * i + 1, Ordering::SeqCst);
        other.thread().unpark();
        while turn.load(Ordering::SeqCst) != 2 * i + 2 {
            thread::park();
        }
    }
    other.join().unwrap();
    c.check(turn.load(Ordering::SeqCst) == 2 * ROUNDS, format!("park/unpark: {ROUNDS} round trips"));
}

fn main() {
    let mut c = Checks::new("threads");
    mutex_counter(&mut c);
    condvar_queue(&mut c);
    condvar_gate(&mut c);
    channels(&mut c);
    barrier(&mut c);
    rwlock(&mut c);
    once(&mut c);
    thread_locals(&mut c);
    scoped_and_named(&mut c);
    park_unpark(&mut c);
    c.finish();
}
