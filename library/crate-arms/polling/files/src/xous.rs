//! Bindings to the network service's poll on Xous (`std::os::xous::net::poll`).
//!
//! The service reports levels: a socket is ready while its condition holds.
//! That is `PollMode::Level` as it is; `Oneshot` takes a source's interest away
//! once it has reported, until `modify` gives it back, as the `poll(2)` backend
//! does. Edge-triggered modes are not supported, as with `poll(2)`.
//!
//! Only one thread waits in the service at a time (the `Poller` above takes a
//! lock around `wait`). A change to the sources while it waits (`add`,
//! `modify`, `delete`) and `notify` both wake it through the poller's
//! `PollWaker`: after a change the wait starts again with the new set, after a
//! notification it returns.

use std::io;
use std::os::xous::net::{self as xnet, Interest, PollFd, PollWaker, RawSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::{Event, PollMode};

/// The most sockets one poll of the service may name.
const MAX_SOURCES: usize = 1024;

/// A registered socket.
struct Source {
    socket: RawSocket,
    key: usize,
    readable: bool,
    writable: bool,
    oneshot: bool,
}

/// Interface to the network service's poll.
pub struct Poller {
    sources: Mutex<Vec<Source>>,
    /// Counts the changes to `sources`.
    changes: AtomicUsize,
    /// Ends the service's wait early.
    waker: PollWaker,
    /// `notify` was called and the wait it ends has not returned yet.
    notified: AtomicBool,
    /// A thread waits in the service.
    waiting: AtomicBool,
}

impl std::fmt::Debug for Poller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller")
            .field("sources", &*self.sources.lock().unwrap())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("socket", &self.socket)
            .field("key", &self.key)
            .finish()
    }
}

fn oneshot(mode: PollMode) -> io::Result<bool> {
    match mode {
        PollMode::Oneshot => Ok(true),
        PollMode::Level => Ok(false),
        _ => Err(crate::unsupported_error(
            "edge-triggered I/O events are not supported on Xous",
        )),
    }
}

impl Poller {
    /// Creates a new poller.
    pub fn new() -> io::Result<Poller> {
        Ok(Poller {
            sources: Mutex::new(Vec::new()),
            changes: AtomicUsize::new(0),
            waker: PollWaker::new()?,
            notified: AtomicBool::new(false),
            waiting: AtomicBool::new(false),
        })
    }

    /// Whether the poller supports level-triggered events.
    pub fn supports_level(&self) -> bool {
        true
    }

    /// Whether the poller supports edge-triggered events.
    pub fn supports_edge(&self) -> bool {
        false
    }

    /// The waiting thread must see a change: its wait starts again.
    fn changed(&self) -> io::Result<()> {
        self.changes.fetch_add(1, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) {
            self.waker.wake()?;
        }
        Ok(())
    }

    /// Adds a new socket.
    pub fn add(&self, socket: RawSocket, ev: Event, mode: PollMode) -> io::Result<()> {
        let oneshot = oneshot(mode)?;
        let mut sources = self.sources.lock().unwrap();
        if sources.iter().any(|s| s.socket == socket) {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        if sources.len() == MAX_SOURCES {
            return Err(io::Error::new(
                io::ErrorKind::QuotaExceeded,
                "the network service polls at most 1024 sockets at once",
            ));
        }
        sources.push(Source {
            socket,
            key: ev.key,
            readable: ev.readable,
            writable: ev.writable,
            oneshot,
        });
        drop(sources);
        self.changed().inspect_err(|_| {
            // Not added after all: the waiting thread could not be told.
            self.sources.lock().unwrap().retain(|s| s.socket != socket);
        })
    }

    /// Modifies an existing socket.
    pub fn modify(&self, socket: RawSocket, ev: Event, mode: PollMode) -> io::Result<()> {
        let oneshot = oneshot(mode)?;
        let mut sources = self.sources.lock().unwrap();
        let source = sources
            .iter_mut()
            .find(|s| s.socket == socket)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        source.key = ev.key;
        source.readable = ev.readable;
        source.writable = ev.writable;
        source.oneshot = oneshot;
        drop(sources);
        self.changed()
    }

    /// Deletes a socket.
    pub fn delete(&self, socket: RawSocket) -> io::Result<()> {
        let mut sources = self.sources.lock().unwrap();
        let at = sources
            .iter()
            .position(|s| s.socket == socket)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        sources.swap_remove(at);
        drop(sources);
        self.changed()
    }

    /// Waits for I/O events with an optional deadline.
    pub fn wait_deadline(&self, events: &mut Events, deadline: Option<Instant>) -> io::Result<()> {
        let had = events.inner.len();
        loop {
            if self.notified.swap(false, Ordering::SeqCst) {
                return Ok(());
            }
            let seen = self.changes.load(Ordering::SeqCst);
            let (mut fds, keys): (Vec<PollFd>, Vec<usize>) = {
                let sources = self.sources.lock().unwrap();
                sources
                    .iter()
                    .filter(|s| s.readable || s.writable)
                    .map(|s| {
                        let interest = match (s.readable, s.writable) {
                            (true, true) => Interest::BOTH,
                            (true, false) => Interest::READABLE,
                            _ => Interest::WRITABLE,
                        };
                        (PollFd::new(s.socket, interest), s.key)
                    })
                    .unzip()
            };
            let timeout =
                deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));

            self.waiting.store(true, Ordering::SeqCst);
            // A change or notification made since the set was built may have
            // found no one waiting to wake: look again before waiting.
            let polled = if self.notified.load(Ordering::SeqCst)
                || self.changes.load(Ordering::SeqCst) != seen
            {
                Ok(None)
            } else {
                xnet::poll(&mut fds, Some(&self.waker), timeout).map(Some)
            };
            self.waiting.store(false, Ordering::SeqCst);
            let Some(polled) = polled? else { continue };

            let mut sources = self.sources.lock().unwrap();
            for (fd, key) in fds.iter().zip(keys) {
                let found = fd.events();
                if found.is_empty() {
                    continue;
                }
                // The source may have gone or changed while the poll waited.
                let Some(source) = sources
                    .iter_mut()
                    .find(|s| s.socket == fd.socket() && s.key == key)
                else {
                    continue;
                };
                let failed = found.is_error() || found.is_invalid();
                let readable = source.readable && (found.is_readable() || found.is_read_closed() || failed);
                let writable = source.writable && (found.is_writable() || found.is_write_closed() || failed);
                if !readable && !writable {
                    continue;
                }
                if source.oneshot {
                    source.readable = false;
                    source.writable = false;
                }
                events.inner.push(Event {
                    key,
                    readable,
                    writable,
                    extra: EventExtra {
                        hup: found.is_read_closed() && found.is_write_closed(),
                        err: failed,
                        pri: false,
                    },
                });
            }
            drop(sources);

            // Woken with nothing to report and no notification: a source
            // changed, so poll again with the new set (and the time left).
            if events.inner.len() == had
                && polled.woken()
                && !self.notified.load(Ordering::SeqCst)
                && deadline.map_or(true, |deadline| Instant::now() < deadline)
            {
                continue;
            }
            self.notified.store(false, Ordering::SeqCst);
            return Ok(());
        }
    }

    /// Sends a notification to wake up the current or next `wait()` call.
    pub fn notify(&self) -> io::Result<()> {
        self.notified.store(true, Ordering::SeqCst);
        self.waker.wake()
    }
}

/// A list of reported I/O events.
pub struct Events {
    inner: Vec<Event>,
}

impl Events {
    /// Creates an empty list.
    pub fn with_capacity(cap: usize) -> Events {
        Events {
            inner: Vec::with_capacity(cap),
        }
    }

    /// Iterates over I/O events.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.inner.iter().copied()
    }

    /// Clears the list.
    pub fn clear(&mut self) {
        self.inner.clear();
    }

    /// The capacity of the list.
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }
}

/// Extra information associated with an event.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub struct EventExtra {
    /// Both directions are closed.
    hup: bool,
    /// The connection failed or was reset, or the socket was closed.
    err: bool,
    /// Priority data: the service has none, so this is only ever set by hand.
    pri: bool,
}

impl EventExtra {
    /// Creates an empty set of extra information.
    #[inline]
    pub const fn empty() -> EventExtra {
        EventExtra {
            hup: false,
            err: false,
            pri: false,
        }
    }

    /// Sets the hang-up flag.
    #[inline]
    pub fn set_hup(&mut self, value: bool) {
        self.hup = value;
    }

    /// Sets the priority flag.
    #[inline]
    pub fn set_pri(&mut self, value: bool) {
        self.pri = value;
    }

    /// Is this a hang-up event?
    #[inline]
    pub fn is_hup(&self) -> bool {
        self.hup
    }

    /// Is this a priority event?
    #[inline]
    pub fn is_pri(&self) -> bool {
        self.pri
    }

    #[inline]
    pub fn is_connect_failed(&self) -> Option<bool> {
        Some(self.err || self.hup)
    }

    #[inline]
    pub fn is_err(&self) -> Option<bool> {
        Some(self.err)
    }
}
