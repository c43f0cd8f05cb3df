//! The reaper on Xous.
//!
//! Xous sends no SIGCHLD and has no process handle to wait on asynchronously,
//! so while someone waits for a child (a `status()`, or a dropped child left
//! to reap), the driver looks at the children with `try_wait` on a timer:
//! 1 ms after something changed, then less and less often, up to every 32 ms.
//! With nothing to watch it sleeps until there is. `mod.rs` takes this file
//! in place of the signal reaper, with the same interface.

use event_listener::Event;
use futures_lite::future;

use std::io;
use std::mem;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The first look after a change.
const FIRST: Duration = Duration::from_millis(1);
/// The longest time between two looks.
const LONGEST: Duration = Duration::from_millis(32);

pub(crate) type Lock = Driver;

/// The zombie process reaper.
pub(crate) struct Reaper {
    /// Delivered after every look at the children.
    tick: Event,
    /// Something new to watch: a `status()` began or a zombie was left.
    work: Event,
    /// The list of zombie processes.
    zombies: Mutex<Vec<std::process::Child>>,
    /// The number of `status()` calls waiting.
    watchers: AtomicUsize,
    /// Someone drives the reaper (holds the `Driver`).
    driving: AtomicBool,
    /// The driver was let go.
    released: Event,
}

/// The right to drive the reaper: only one at a time.
pub(crate) struct Driver(&'static Reaper);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.driving.store(false, Ordering::SeqCst);
        self.0.released.notify(1);
    }
}

/// A `status()` waiting, counted while it lives.
struct Watching(&'static Reaper);

impl Drop for Watching {
    fn drop(&mut self) {
        self.0.watchers.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Reaper {
    /// Create a new reaper.
    pub(crate) fn new() -> Self {
        Reaper {
            tick: Event::new(),
            work: Event::new(),
            zombies: Mutex::new(Vec::new()),
            watchers: AtomicUsize::new(0),
            driving: AtomicBool::new(false),
            released: Event::new(),
        }
    }

    /// Lock the driver.
    pub(crate) async fn lock(&'static self) -> Driver {
        loop {
            if self.take_driver() {
                return Driver(self);
            }
            event_listener::listener!(self.released => listener);
            if self.take_driver() {
                return Driver(self);
            }
            listener.await;
        }
    }

    fn take_driver(&self) -> bool {
        self.driving
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    fn idle(&self) -> bool {
        self.watchers.load(Ordering::SeqCst) == 0 && self.zombies.lock().unwrap().is_empty()
    }

    /// Reap zombie processes forever.
    pub(crate) async fn reap(&'static self, _driver: Driver) -> ! {
        let mut wait = FIRST;
        loop {
            event_listener::listener!(self.work => changed);
            if self.idle() {
                changed.await;
                wait = FIRST;
                continue;
            }

            // Wait for the next look, or for something new to watch.
            let timer = async {
                async_io::Timer::after(wait).await;
                false
            };
            let news = async {
                changed.await;
                true
            };
            if future::or(timer, news).await {
                wait = FIRST;
            } else {
                wait = (wait * 2).min(LONGEST);
            }

            // Wake the `status()` calls, and reap the zombies that have ended.
            self.tick.notify(usize::MAX);
            let mut zombies = mem::take(&mut *self.zombies.lock().unwrap());
            #[allow(clippy::zombie_processes)] // removed only when done or failed
            zombies.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
            self.zombies.lock().unwrap().append(&mut zombies);
        }
    }

    /// Register a process with this reaper.
    pub(crate) fn register(&'static self, child: std::process::Child) -> io::Result<ChildGuard> {
        Ok(ChildGuard { inner: Some(child) })
    }

    /// Wait for the child process to end.
    pub(crate) async fn status(
        &'static self,
        child: &Mutex<crate::ChildGuard>,
    ) -> io::Result<std::process::ExitStatus> {
        self.watchers.fetch_add(1, Ordering::SeqCst);
        let _watching = Watching(self);
        self.work.notify(usize::MAX);
        loop {
            if let Some(status) = child.lock().unwrap().get_mut().try_wait()? {
                return Ok(status);
            }
            event_listener::listener!(self.tick => listener);
            if let Some(status) = child.lock().unwrap().get_mut().try_wait()? {
                return Ok(status);
            }
            listener.await;
        }
    }

    /// Do we have any registered zombie processes?
    pub(crate) fn has_zombies(&'static self) -> bool {
        !self
            .zombies
            .lock()
            .unwrap_or_else(|x| x.into_inner())
            .is_empty()
    }
}

/// The wrapper around the child.
pub(crate) struct ChildGuard {
    inner: Option<std::process::Child>,
}

impl ChildGuard {
    /// Get a mutable reference to the inner child.
    pub(crate) fn get_mut(&mut self) -> &mut std::process::Child {
        self.inner.as_mut().unwrap()
    }

    /// Begin the reaping process for this child.
    pub(crate) fn reap(&mut self, reaper: &'static Reaper) {
        if let Ok(None) = self.get_mut().try_wait() {
            reaper
                .zombies
                .lock()
                .unwrap()
                .push(self.inner.take().unwrap());
            reaper.work.notify(usize::MAX);
        }
    }
}
