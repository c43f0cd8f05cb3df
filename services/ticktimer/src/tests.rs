//! The ticktimer's logic on the host: each request alone, then std's mutex
//! and thread-parking protocols run by simulated threads in random
//! interleavings, messages in flight included.

use super::*;
use xous_abi::message::MessageSender;

const MS: Ticks = TICKS_PER_MS;

/// Records answers; senders in `gone` cannot be answered (they died).
#[derive(Default)]
struct Out {
    sent: Vec<(usize, Reply)>,
    gone: Vec<usize>,
}

impl Replies for Out {
    fn send(&mut self, sender: usize, reply: Reply) -> bool {
        if self.gone.contains(&sender) {
            return false;
        }
        self.sent.push((sender, reply));
        true
    }
}

impl Out {
    fn take(&mut self) -> Vec<(usize, Reply)> {
        std::mem::take(&mut self.sent)
    }
}

/// The reply word of message `n` from process `pid`.
fn sender(pid: u8, n: u16) -> usize {
    MessageSender::new(pid, 1, n).0
}

fn ok() -> Option<Reply> {
    Some(Reply::Scalar1(OK))
}

fn boxed() -> Box<Ticktimer> {
    Box::new(Ticktimer::new())
}

fn holds_nothing(t: &Ticktimer) -> bool {
    t.table.is_empty() && t.next_deadline().is_none()
}

#[test]
fn time_source_names_the_counter_elapsed_ms_counts() {
    let mut t = boxed();
    let mut out = Out::default();
    let answer = t.handle(7 * MS, sender(2, 0), Request::TimeSource, &mut out);
    let tag = xous_abi::services::ticktimer::TIME_SOURCE_TAG;
    assert_eq!(answer, Some(Reply::Scalar2(board::TIMEBASE_HZ as usize, tag)));
    // One millisecond of that rate is what ElapsedMs counts as one.
    assert_eq!(board::TIMEBASE_HZ / 1000, MS);
    assert!(holds_nothing(&t) && out.sent.is_empty());
}

#[test]
fn elapsed_ms_is_low_then_high_word() {
    let mut t = boxed();
    let mut out = Out::default();
    assert_eq!(t.handle(12_345 * MS + MS - 1, sender(2, 0), Request::ElapsedMs, &mut out), Some(Reply::Scalar2(12_345, 0)));
    let ms: Ticks = (1 << 32) + 5;
    assert_eq!(t.handle(ms * MS, sender(2, 0), Request::ElapsedMs, &mut out), Some(Reply::Scalar2(5, 1)));
    assert!(out.sent.is_empty());
}

#[test]
fn sleep_zero_answers_at_once() {
    let mut t = boxed();
    let mut out = Out::default();
    assert_eq!(t.handle(0, sender(2, 0), Request::SleepMs(0), &mut out), ok());
    assert!(holds_nothing(&t));
}

#[test]
fn a_sleep_ends_at_its_deadline_not_before() {
    let mut t = boxed();
    let mut out = Out::default();
    let start = 7 * MS + 3;
    assert_eq!(t.handle(start, sender(2, 0), Request::SleepMs(100), &mut out), None);
    assert_eq!(t.next_deadline(), Some(start + 100 * MS));
    t.expire(start + 100 * MS - 1, &mut out);
    assert!(out.sent.is_empty(), "woke early");
    t.expire(start + 100 * MS, &mut out);
    assert_eq!(out.take(), [(sender(2, 0), Reply::Scalar1(OK))]);
    assert!(holds_nothing(&t));
}

#[test]
fn sleepers_wake_in_deadline_order_across_processes() {
    let mut t = boxed();
    let mut out = Out::default();
    for (s, ms) in [(sender(2, 0), 50), (sender(3, 1), 10), (sender(2, 2), 30), (sender(4, 3), 10)] {
        assert_eq!(t.handle(0, s, Request::SleepMs(ms), &mut out), None);
    }
    assert_eq!(t.next_deadline(), Some(10 * MS));
    t.expire(10 * MS, &mut out);
    assert_eq!(out.take(), [(sender(3, 1), Reply::Scalar1(OK)), (sender(4, 3), Reply::Scalar1(OK))]);
    assert_eq!(t.next_deadline(), Some(30 * MS));
    t.expire(60 * MS, &mut out);
    assert_eq!(out.take(), [(sender(2, 2), Reply::Scalar1(OK)), (sender(2, 0), Reply::Scalar1(OK))]);
    assert!(holds_nothing(&t));
}

#[test]
fn the_longest_sleep_std_can_ask_for_does_not_overflow() {
    let mut t = boxed();
    let mut out = Out::default();
    assert_eq!(t.handle(Ticks::MAX - 5, sender(2, 0), Request::SleepMs(usize::MAX), &mut out), None);
    assert_eq!(t.next_deadline(), Some(Ticks::MAX));
}

#[test]
fn unlock_hands_the_mutex_to_the_longest_waiter() {
    let mut t = boxed();
    let mut out = Out::default();
    for n in 0..3 {
        assert_eq!(t.handle(0, sender(2, n), Request::LockMutex(0x100), &mut out), None);
    }
    assert_eq!(t.handle(0, sender(2, 9), Request::UnlockMutex(0x100), &mut out), ok());
    assert_eq!(out.take(), [(sender(2, 0), Reply::Scalar1(OK))]);
    assert_eq!(t.handle(0, sender(2, 8), Request::UnlockMutex(0x100), &mut out), ok());
    assert_eq!(out.take(), [(sender(2, 1), Reply::Scalar1(OK))]);
    assert_eq!(t.handle(0, sender(2, 7), Request::UnlockMutex(0x100), &mut out), ok());
    assert_eq!(out.take(), [(sender(2, 2), Reply::Scalar1(OK))]);
    assert!(holds_nothing(&t));
}

#[test]
fn an_unlock_before_its_lock_is_remembered_for_the_next_lock() {
    let mut t = boxed();
    let mut out = Out::default();
    assert_eq!(t.handle(0, sender(2, 0), Request::UnlockMutex(0x100), &mut out), ok());
    assert!(out.sent.is_empty());
    assert_eq!(t.handle(0, sender(2, 1), Request::LockMutex(0x100), &mut out), ok(), "takes the remembered unlock");
    assert_eq!(t.handle(0, sender(2, 2), Request::LockMutex(0x100), &mut out), None, "that unlock is spent");
    assert_eq!(t.handle(0, sender(2, 3), Request::UnlockMutex(0x100), &mut out), ok());
    assert_eq!(out.take(), [(sender(2, 2), Reply::Scalar1(OK))]);
    assert!(holds_nothing(&t));
}

#[test]
fn remembered_unlocks_add_up() {
    let mut t = boxed();
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::UnlockMutex(0x100), &mut out);
    t.handle(0, sender(2, 1), Request::UnlockMutex(0x100), &mut out);
    assert_eq!(t.table.oldest(2, |_| true).and_then(|s| t.table.get(2, s)), Some(Entry::Unlocked { mutex: 0x100, count: 2 }));
    assert_eq!(t.handle(0, sender(2, 2), Request::LockMutex(0x100), &mut out), ok());
    assert_eq!(t.handle(0, sender(2, 3), Request::LockMutex(0x100), &mut out), ok());
    assert_eq!(t.handle(0, sender(2, 4), Request::LockMutex(0x100), &mut out), None);
}

#[test]
fn mutexes_are_per_process_and_per_address() {
    let mut t = boxed();
    let mut out = Out::default();
    assert_eq!(t.handle(0, sender(2, 0), Request::LockMutex(0x100), &mut out), None);
    assert_eq!(t.handle(0, sender(3, 1), Request::LockMutex(0x100), &mut out), None);
    assert_eq!(t.handle(0, sender(2, 2), Request::LockMutex(0x200), &mut out), None);
    // Process 3's unlock of 0x100 is for its own waiter only.
    t.handle(0, sender(3, 3), Request::UnlockMutex(0x100), &mut out);
    assert_eq!(out.take(), [(sender(3, 1), Reply::Scalar1(OK))]);
    t.handle(0, sender(2, 4), Request::UnlockMutex(0x200), &mut out);
    assert_eq!(out.take(), [(sender(2, 2), Reply::Scalar1(OK))]);
    // And an unlock remembered in process 3 does not let process 2 in.
    t.handle(0, sender(3, 5), Request::UnlockMutex(0x300), &mut out);
    assert_eq!(t.handle(0, sender(2, 6), Request::LockMutex(0x300), &mut out), None);
}

#[test]
fn an_unlock_skips_waiters_that_are_gone() {
    let mut t = boxed();
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::LockMutex(0x100), &mut out);
    t.handle(0, sender(2, 1), Request::LockMutex(0x100), &mut out);
    out.gone.push(sender(2, 0));
    t.handle(0, sender(2, 2), Request::UnlockMutex(0x100), &mut out);
    assert_eq!(out.take(), [(sender(2, 1), Reply::Scalar1(OK))]);
    // With only dead waiters, the unlock is remembered.
    t.handle(0, sender(2, 3), Request::LockMutex(0x100), &mut out);
    out.gone.push(sender(2, 3));
    t.handle(0, sender(2, 4), Request::UnlockMutex(0x100), &mut out);
    assert!(out.sent.is_empty());
    assert_eq!(t.handle(0, sender(2, 5), Request::LockMutex(0x100), &mut out), ok());
    assert!(holds_nothing(&t));
}

#[test]
fn notify_wakes_the_longest_waiters_and_says_how_many() {
    let mut t = boxed();
    let mut out = Out::default();
    for n in 0..3 {
        let wait = Request::WaitForCondition { condition: 0x500, timeout_ms: 0 };
        assert_eq!(t.handle(0, sender(2, n), wait, &mut out), None);
    }
    let notify = |count| Request::NotifyCondition { condition: 0x500, count };
    assert_eq!(t.handle(0, sender(2, 9), notify(2), &mut out), Some(Reply::Scalar1(2)));
    assert_eq!(out.take(), [(sender(2, 0), Reply::Scalar1(OK)), (sender(2, 1), Reply::Scalar1(OK))]);
    assert_eq!(t.handle(0, sender(2, 9), notify(5), &mut out), Some(Reply::Scalar1(1)), "only one was left");
    assert_eq!(out.take(), [(sender(2, 2), Reply::Scalar1(OK))]);
    assert_eq!(t.handle(0, sender(2, 9), notify(1), &mut out), Some(Reply::Scalar1(0)), "nobody waits");
    assert_eq!(t.handle(0, sender(2, 9), notify(0), &mut out), Some(Reply::Scalar1(0)));
    assert!(holds_nothing(&t), "a notification nobody waited for is not kept");
}

#[test]
fn notify_counts_only_the_living() {
    let mut t = boxed();
    let mut out = Out::default();
    for n in 0..3 {
        t.handle(0, sender(2, n), Request::WaitForCondition { condition: 0x500, timeout_ms: 0 }, &mut out);
    }
    out.gone.push(sender(2, 0));
    let notify = Request::NotifyCondition { condition: 0x500, count: 1 };
    assert_eq!(t.handle(0, sender(2, 9), notify, &mut out), Some(Reply::Scalar1(1)));
    assert_eq!(out.take(), [(sender(2, 1), Reply::Scalar1(OK))]);
}

#[test]
fn a_wait_times_out_with_a_nonzero_answer() {
    let mut t = boxed();
    let mut out = Out::default();
    let wait = Request::WaitForCondition { condition: 0x500, timeout_ms: 15 };
    assert_eq!(t.handle(MS, sender(2, 0), wait, &mut out), None);
    assert_eq!(t.next_deadline(), Some(16 * MS));
    t.expire(16 * MS - 1, &mut out);
    assert!(out.sent.is_empty());
    t.expire(16 * MS, &mut out);
    assert_eq!(out.take(), [(sender(2, 0), Reply::Scalar1(TIMED_OUT))]);
    assert_ne!(TIMED_OUT, OK);
    let notify = Request::NotifyCondition { condition: 0x500, count: 1 };
    assert_eq!(t.handle(20 * MS, sender(2, 1), notify, &mut out), Some(Reply::Scalar1(0)), "it is no longer waiting");
    assert!(holds_nothing(&t));
}

#[test]
fn a_notified_wait_leaves_the_deadline_queue() {
    let mut t = boxed();
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::WaitForCondition { condition: 0x500, timeout_ms: 10 }, &mut out);
    t.handle(0, sender(2, 1), Request::SleepMs(20), &mut out);
    assert_eq!(t.handle(MS, sender(2, 2), Request::NotifyCondition { condition: 0x500, count: 1 }, &mut out), Some(Reply::Scalar1(1)));
    assert_eq!(out.take(), [(sender(2, 0), Reply::Scalar1(OK))]);
    assert_eq!(t.next_deadline(), Some(20 * MS), "the notified wait's deadline is gone");
    t.expire(20 * MS, &mut out);
    assert_eq!(out.take(), [(sender(2, 1), Reply::Scalar1(OK))], "answered once, by the notify");
    assert!(holds_nothing(&t));
}

#[test]
fn conditions_are_per_process() {
    let mut t = boxed();
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::WaitForCondition { condition: 0x500, timeout_ms: 0 }, &mut out);
    let notify = Request::NotifyCondition { condition: 0x500, count: 1 };
    assert_eq!(t.handle(0, sender(3, 1), notify, &mut out), Some(Reply::Scalar1(0)));
    assert!(out.sent.is_empty());
}

#[test]
fn a_full_table_refuses_with_an_answer_and_only_for_that_process() {
    let mut t = boxed();
    let mut out = Out::default();
    for n in 0..table::PER_PROCESS as u16 {
        assert_eq!(t.handle(0, sender(2, n), Request::SleepMs(5), &mut out), None);
    }
    let full = Some(Reply::Scalar1(TABLE_FULL));
    assert_eq!(t.handle(0, sender(2, 1000), Request::SleepMs(5), &mut out), full);
    assert_eq!(t.handle(0, sender(2, 1001), Request::LockMutex(0x100), &mut out), full);
    let wait = t.handle(0, sender(2, 1002), Request::WaitForCondition { condition: 0x500, timeout_ms: 0 }, &mut out);
    assert_eq!(wait, full);
    assert_ne!(TABLE_FULL, OK, "std reads a nonzero wait answer as a timeout");
    assert_eq!(t.handle(0, sender(2, 1003), Request::UnlockMutex(0x100), &mut out), full, "nothing to remember it in");
    // Requests that keep nothing still work.
    assert_eq!(t.handle(0, sender(2, 1004), Request::ElapsedMs, &mut out), Some(Reply::Scalar2(0, 0)));
    assert_eq!(t.handle(0, sender(2, 1005), Request::NotifyCondition { condition: 0x500, count: 1 }, &mut out), Some(Reply::Scalar1(0)));
    // Another process is not affected.
    assert_eq!(t.handle(0, sender(3, 0), Request::SleepMs(5), &mut out), None);
    // Once the sleeps end there is room again.
    t.expire(5 * MS, &mut out);
    assert_eq!(out.take().len(), table::PER_PROCESS + 1);
    assert_eq!(t.handle(5 * MS, sender(2, 1006), Request::LockMutex(0x100), &mut out), None);
}

#[test]
fn senders_the_kernel_cannot_have_sent_are_refused() {
    let mut t = boxed();
    let mut out = Out::default();
    let bad = Some(Reply::Scalar1(BAD_REQUEST));
    assert_eq!(t.handle(0, sender(0, 0), Request::SleepMs(5), &mut out), bad);
    assert_eq!(t.handle(0, sender(MAX_PROCESSES as u8 + 1, 0), Request::LockMutex(1), &mut out), bad);
    assert_eq!(t.handle(0, sender(255, 0), Request::ElapsedMs, &mut out), bad);
    assert_eq!(t.handle(0, sender(MAX_PROCESSES as u8, 0), Request::SleepMs(5), &mut out), None, "the highest PID is fine");
}

#[test]
fn free_mutex_forgets_a_remembered_unlock_and_releases_stragglers() {
    let mut t = boxed();
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::UnlockMutex(0x100), &mut out);
    assert_eq!(t.handle(0, sender(2, 1), Request::FreeMutex(0x100), &mut out), ok());
    assert_eq!(t.handle(0, sender(2, 2), Request::LockMutex(0x100), &mut out), None, "a new mutex at that address starts clean");
    t.handle(0, sender(2, 3), Request::FreeMutex(0x100), &mut out);
    assert_eq!(out.take(), [(sender(2, 2), Reply::Scalar1(OK))], "no thread is left hanging");
    assert!(holds_nothing(&t));
}

#[test]
fn free_condition_answers_its_waiters_as_not_notified() {
    let mut t = boxed();
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::WaitForCondition { condition: 0x500, timeout_ms: 30 }, &mut out);
    t.handle(0, sender(2, 1), Request::WaitForCondition { condition: 0x600, timeout_ms: 0 }, &mut out);
    assert_eq!(t.handle(0, sender(2, 2), Request::FreeCondition(0x500), &mut out), ok());
    assert_eq!(out.take(), [(sender(2, 0), Reply::Scalar1(TIMED_OUT))]);
    assert_eq!(t.next_deadline(), None);
    t.handle(0, sender(2, 3), Request::FreeCondition(0x600), &mut out);
    assert!(holds_nothing(&t));
}

#[test]
fn a_sleeper_that_died_is_dropped_at_its_deadline() {
    let mut t = boxed();
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::SleepMs(1), &mut out);
    out.gone.push(sender(2, 0));
    t.expire(MS, &mut out);
    assert!(out.sent.is_empty());
    assert!(holds_nothing(&t));
}

#[test]
fn an_ended_process_leaves_nothing_and_each_held_request_is_answered_once() {
    let mut t = boxed();
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::LockMutex(0x100), &mut out);
    t.handle(0, sender(2, 1), Request::UnlockMutex(0x200), &mut out);
    t.handle(0, sender(2, 2), Request::SleepMs(100), &mut out);
    t.handle(0, sender(2, 3), Request::WaitForCondition { condition: 0x300, timeout_ms: 50 }, &mut out);
    t.handle(0, sender(2, 4), Request::WaitForCondition { condition: 0x300, timeout_ms: 0 }, &mut out);
    t.handle(0, sender(3, 0), Request::SleepMs(70), &mut out);
    t.handle(0, sender(3, 1), Request::LockMutex(0x100), &mut out);
    let held = |t: &mut Ticktimer, pid: usize| t.handle(0, sender(3, 9), Request::HeldFor(pid), &mut Out::default());
    assert_eq!(held(&mut t, 2), Some(Reply::Scalar2(5, 2)), "four requests and an unlock; two with deadlines");
    out.take();
    t.process_ended(2, &mut out);
    let mut answered: Vec<usize> = out.take().into_iter().map(|(s, _)| s).collect();
    answered.sort();
    assert_eq!(answered, [sender(2, 0), sender(2, 2), sender(2, 3), sender(2, 4)], "answered, so the kernel frees each message");
    assert_eq!(held(&mut t, 2), Some(Reply::Scalar2(0, 0)));
    assert_eq!(held(&mut t, 3), Some(Reply::Scalar2(2, 1)), "another process keeps its own");
    assert_eq!(t.next_deadline(), Some(70 * MS), "the dead process's deadlines left the queue");
    t.expire(100 * MS, &mut out);
    assert_eq!(out.take(), [(sender(3, 0), Reply::Scalar1(OK))]);
}

#[test]
fn a_later_process_with_the_same_pid_starts_clean() {
    let mut t = boxed();
    // This kernel takes the answer to a dead sender's message (it goes
    // nowhere), so without the notice its waiter would take an unlock.
    let mut out = Out::default();
    t.handle(0, sender(2, 0), Request::LockMutex(0x100), &mut out);
    t.handle(0, sender(2, 1), Request::UnlockMutex(0x200), &mut out);
    t.process_ended(2, &mut out);
    out.take();
    assert_eq!(t.handle(0, sender(2, 7), Request::LockMutex(0x200), &mut out), None, "no unlock of the dead process is taken");
    assert_eq!(t.handle(0, sender(2, 8), Request::UnlockMutex(0x100), &mut out), ok());
    assert!(out.take().is_empty(), "the unlock reaches no dead waiter");
    assert_eq!(t.handle(0, sender(2, 9), Request::LockMutex(0x100), &mut out), ok(), "it was remembered for the new process");
}

#[test]
fn held_for_answers_any_pid_and_ends_of_impossible_pids_are_ignored() {
    let mut t = boxed();
    let mut out = Out::default();
    for pid in [0, 1, MAX_PROCESSES + 1, 255, 256, usize::MAX] {
        assert_eq!(t.handle(0, sender(2, 0), Request::HeldFor(pid), &mut out), Some(Reply::Scalar2(0, 0)), "pid {pid}");
    }
    t.handle(0, sender(2, 0), Request::SleepMs(5), &mut out);
    for pid in [0, 1, 200, 255] {
        t.process_ended(pid, &mut out);
    }
    assert_eq!(t.handle(0, sender(3, 0), Request::HeldFor(2), &mut out), Some(Reply::Scalar2(1, 1)));
}

// ---- std's protocols, simulated -------------------------------------------

/// A small deterministic random source for interleavings.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Wakes recorded by sender word, for the simulations.
#[derive(Default)]
struct Wakes(Vec<(usize, Reply)>);

impl Replies for Wakes {
    fn send(&mut self, sender: usize, reply: Reply) -> bool {
        self.0.push((sender, reply));
        true
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Step {
    Idle,
    /// Counted itself into the mutex; its LockMutex not sent yet.
    Counted,
    /// LockMutex is in flight.
    Locking,
    /// The ticktimer holds its LockMutex.
    Blocked,
    Holding,
    /// UnlockMutex is in flight (its thread waits for the answer).
    Unlocking,
    Done,
}

/// std's xous Mutex, step by step: `locked` counts holder and waiters;
/// lock tries a compare-exchange, then counts itself in and (a step later,
/// so an unlock can overtake it) asks the ticktimer; unlock counts itself out and, if someone else counted in,
/// sends UnlockMutex. Threads and the ticktimer (taking the oldest message
/// in flight) run in a random order; no two threads may ever hold it.
fn simulate_mutex(seed: u64, threads: usize, rounds: usize) {
    const MUTEX: usize = 0x8000;
    let mut t = boxed();
    let mut rng = Lcg(seed);
    let mut locked = 0usize;
    let mut steps = vec![Step::Idle; threads];
    let mut left = vec![rounds; threads];
    let mut in_flight: std::collections::VecDeque<(usize, Request)> = Default::default();
    let word = |i: usize| sender(5, i as u16);
    let mut now = 0;
    for _ in 0..1_000_000 {
        if steps.iter().all(|s| *s == Step::Done) {
            assert!(in_flight.is_empty() && holds_nothing(&t), "seed {seed}: leftovers");
            assert_eq!(locked, 0);
            return;
        }
        now += 1;
        let pick = rng.below(threads + 1);
        if pick == threads {
            let Some((i, request)) = in_flight.pop_front() else { continue };
            let mut wakes = Wakes::default();
            let answer = t.handle(now, word(i), request, &mut wakes);
            for (s, reply) in wakes.0 {
                let woken = (0..threads).find(|&j| word(j) == s).expect("a simulated thread");
                assert_eq!((steps[woken], reply), (Step::Blocked, Reply::Scalar1(OK)), "seed {seed}: woke a thread that was not waiting");
                steps[woken] = Step::Holding;
            }
            steps[i] = match (request, answer) {
                (Request::LockMutex(_), None) => Step::Blocked,
                (Request::LockMutex(_), Some(Reply::Scalar1(OK))) => Step::Holding,
                (Request::UnlockMutex(_), Some(Reply::Scalar1(OK))) => Step::Idle,
                other => panic!("seed {seed}: unexpected {other:?}"),
            };
        } else {
            let i = pick;
            match steps[i] {
                Step::Idle if left[i] == 0 => steps[i] = Step::Done,
                Step::Idle if locked == 0 => {
                    locked = 1;
                    steps[i] = Step::Holding;
                }
                Step::Idle => {
                    let before = locked;
                    locked += 1;
                    steps[i] = if before == 0 { Step::Holding } else { Step::Counted };
                }
                Step::Counted => {
                    in_flight.push_back((i, Request::LockMutex(MUTEX)));
                    steps[i] = Step::Locking;
                }
                Step::Holding => {
                    left[i] -= 1;
                    let before = locked;
                    locked -= 1;
                    if before == 1 {
                        steps[i] = Step::Idle;
                    } else {
                        in_flight.push_back((i, Request::UnlockMutex(MUTEX)));
                        steps[i] = Step::Unlocking;
                    }
                }
                _ => {}
            }
        }
        let holders = steps.iter().filter(|s| **s == Step::Holding).count();
        assert!(holders <= 1, "seed {seed}: {holders} threads hold the mutex: {steps:?}");
    }
    panic!("seed {seed}: stuck: {steps:?}, {} in flight", in_flight.len());
}

#[test]
fn std_mutex_protocol_keeps_exclusion_and_never_stalls() {
    for seed in 0..300 {
        simulate_mutex(seed, 1 + (seed as usize % 8), 20);
    }
}

/// std's xous Parker with a consumer that parks until a producer has handed
/// it a token (the way mpsc and `thread::park` use it): `state` is
/// EMPTY (0), NOTIFIED (1) or PARKED (-1); park moves EMPTY to PARKED and
/// then sends WaitForCondition; unpark, finding PARKED, sends
/// NotifyCondition until one thread was woken or the state is EMPTY again.
/// Every token must be consumed and neither side may hang.
fn simulate_parker(seed: u64, tokens: usize, timeout_ms: usize) {
    const PARKER: usize = 0x9000;
    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Consumer {
        Running,
        /// PARKED; its WaitForCondition not sent yet.
        Parked,
        InFlight,
        Held,
        /// Answered; not yet back from park.
        Woken,
    }
    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Producer {
        Running,
        InFlight,
        /// Its NotifyCondition was answered with this many woken.
        Answered(usize),
    }
    let mut t = boxed();
    let mut rng = Lcg(seed);
    let (consumer, producer) = (sender(6, 0), sender(6, 1));
    let mut state: i8 = 0;
    let (mut given, mut taken) = (0, 0);
    let (mut c, mut p) = (Consumer::Running, Producer::Running);
    let mut in_flight: std::collections::VecDeque<(usize, Request)> = Default::default();
    let mut now: Ticks = 0;
    for _ in 0..1_000_000 {
        if taken == tokens && p == Producer::Running && c == Consumer::Running {
            assert!(in_flight.is_empty() && holds_nothing(&t), "seed {seed}: leftovers");
            return;
        }
        now += MS / 4;
        let mut wakes = Wakes::default();
        match rng.below(4) {
            0 => match c {
                Consumer::Running if taken < given => taken += 1,
                Consumer::Running if taken < tokens => {
                    // park(): NOTIFIED -> EMPTY returns at once.
                    let before = state;
                    state -= 1;
                    if before == 0 {
                        c = Consumer::Parked;
                    } else {
                        assert_eq!(before, 1, "seed {seed}");
                    }
                }
                Consumer::Parked => {
                    in_flight.push_back((consumer, Request::WaitForCondition { condition: PARKER, timeout_ms }));
                    c = Consumer::InFlight;
                }
                Consumer::Woken => {
                    let before = std::mem::replace(&mut state, 0);
                    assert!(before == 1 || before == -1, "seed {seed}: state {before} after park");
                    c = Consumer::Running;
                }
                _ => {}
            },
            1 => match p {
                Producer::Running if given < tokens => {
                    given += 1;
                    // unpark(): only a PARKED thread needs the ticktimer.
                    if std::mem::replace(&mut state, 1) == -1 {
                        in_flight.push_back((producer, Request::NotifyCondition { condition: PARKER, count: 1 }));
                        p = Producer::InFlight;
                    }
                }
                Producer::Answered(0) if state != 0 => {
                    in_flight.push_back((producer, Request::NotifyCondition { condition: PARKER, count: 1 }));
                    p = Producer::InFlight;
                }
                Producer::Answered(_) => p = Producer::Running,
                _ => {}
            },
            2 => {
                if let Some((s, request)) = in_flight.pop_front() {
                    match (t.handle(now, s, request, &mut wakes), request) {
                        (None, Request::WaitForCondition { .. }) => c = Consumer::Held,
                        (Some(Reply::Scalar1(n)), Request::NotifyCondition { .. }) => {
                            assert!(n <= 1, "seed {seed}: woke {n} for a count of 1");
                            p = Producer::Answered(n);
                        }
                        other => panic!("seed {seed}: {other:?}"),
                    }
                }
            }
            _ => t.expire(now, &mut wakes),
        }
        for (s, _) in wakes.0 {
            assert_eq!((s, c), (consumer, Consumer::Held), "seed {seed}: only a parked consumer is ever woken");
            c = Consumer::Woken;
        }
    }
    panic!("seed {seed}: stuck: consumer {c:?}, producer {p:?}, given {given}, taken {taken}, state {state}");
}

#[test]
fn std_parker_protocol_delivers_every_wakeup() {
    for seed in 0..200 {
        simulate_parker(seed, 30, 0);
        simulate_parker(seed, 30, 1 + seed as usize % 3);
    }
}
