use std::os::xous::net::{self as xnet, Interest as Wanted, PollFd, PollWaker, RawSocket};
#[cfg(debug_assertions)]
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::{fmt, io};

use crate::{Interest, Token};

#[cfg(debug_assertions)]
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

const READABLE: u8 = 1;
const WRITABLE: u8 = 2;

fn bits(interests: Interest) -> u8 {
    (interests.is_readable() as u8 * READABLE) | (interests.is_writable() as u8 * WRITABLE)
}

struct Registration {
    socket: RawSocket,
    token: Token,
    interests: u8,
    /// The interests not reported since the source last saw `WouldBlock`.
    armed: u8,
}

/// What a selector, its clones, its wakers and its sources share.
pub(crate) struct Shared {
    #[cfg(debug_assertions)]
    id: usize,
    registrations: Mutex<Vec<Registration>>,
    /// Tokens of `Waker`s woken since the last `select` returned.
    woken: Mutex<Vec<Token>>,
    /// Ends a wait in the service early.
    waker: PollWaker,
    /// A `select` is waiting in the service.
    polling: AtomicBool,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Shared {
    /// A change the waiting `select` must see: it starts again.
    fn changed(&self) -> io::Result<()> {
        if self.polling.load(Ordering::Acquire) {
            self.waker.wake()?;
        }
        Ok(())
    }

    pub(crate) fn register(&self, socket: RawSocket, token: Token, interests: Interest) -> io::Result<()> {
        let mut registrations = self.registrations.lock().unwrap();
        if registrations.iter().any(|r| r.socket == socket) {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        let interests = bits(interests);
        registrations.push(Registration { socket, token, interests, armed: interests });
        drop(registrations);
        self.changed()
    }

    pub(crate) fn reregister(&self, socket: RawSocket, token: Token, interests: Interest) -> io::Result<()> {
        let mut registrations = self.registrations.lock().unwrap();
        let registration = registrations
            .iter_mut()
            .find(|r| r.socket == socket)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        registration.token = token;
        registration.interests = bits(interests);
        registration.armed = registration.interests;
        drop(registrations);
        self.changed()
    }

    pub(crate) fn deregister(&self, socket: RawSocket) -> io::Result<()> {
        let mut registrations = self.registrations.lock().unwrap();
        let at = registrations
            .iter()
            .position(|r| r.socket == socket)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        registrations.swap_remove(at);
        Ok(())
    }

    /// The source saw `WouldBlock`: its interests are armed again.
    pub(crate) fn rearm(&self, socket: RawSocket) -> io::Result<()> {
        let mut registrations = self.registrations.lock().unwrap();
        let Some(registration) = registrations.iter_mut().find(|r| r.socket == socket) else {
            return Ok(());
        };
        let disarmed = registration.armed != registration.interests;
        registration.armed = registration.interests;
        drop(registrations);
        if disarmed {
            self.changed()?;
        }
        Ok(())
    }

    pub(crate) fn wake_with(&self, token: Token) -> io::Result<()> {
        let mut woken = self.woken.lock().unwrap();
        if !woken.contains(&token) {
            woken.push(token);
        }
        drop(woken);
        self.waker.wake()
    }
}

pub(crate) struct Selector {
    shared: Arc<Shared>,
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        Ok(Selector {
            shared: Arc::new(Shared {
                #[cfg(debug_assertions)]
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                registrations: Mutex::new(Vec::new()),
                woken: Mutex::new(Vec::new()),
                waker: PollWaker::new()?,
                polling: AtomicBool::new(false),
            }),
        })
    }

    pub(crate) fn try_clone(&self) -> io::Result<Selector> {
        Ok(Selector { shared: self.shared.clone() })
    }

    #[cfg(debug_assertions)]
    pub(crate) fn id(&self) -> usize {
        self.shared.id
    }

    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    pub(crate) fn select(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        let (mut fds, tokens): (Vec<PollFd>, Vec<Token>) = {
            let registrations = self.shared.registrations.lock().unwrap();
            registrations
                .iter()
                .filter(|r| r.armed != 0)
                .map(|r| {
                    let wanted = match r.armed {
                        READABLE => Wanted::READABLE,
                        WRITABLE => Wanted::WRITABLE,
                        _ => Wanted::BOTH,
                    };
                    (PollFd::new(r.socket, wanted), r.token)
                })
                .unzip()
        };
        let pending = !self.shared.woken.lock().unwrap().is_empty();
        let timeout = if pending { Some(Duration::ZERO) } else { timeout };
        self.shared.polling.store(true, Ordering::Release);
        let polled = xnet::poll(&mut fds, Some(&self.shared.waker), timeout);
        self.shared.polling.store(false, Ordering::Release);
        polled?;

        let mut registrations = self.shared.registrations.lock().unwrap();
        for (fd, token) in fds.iter().zip(tokens) {
            let found = fd.events();
            if found.is_empty() || events.len() == events.capacity() {
                continue;
            }
            // The source may have gone or changed while the poll waited.
            let Some(registration) = registrations.iter_mut().find(|r| r.socket == fd.socket() && r.token == token) else {
                continue;
            };
            let mut reported = 0;
            if found.is_readable() || found.is_read_closed() {
                reported |= READABLE;
            }
            if found.is_writable() || found.is_write_closed() {
                reported |= WRITABLE;
            }
            if found.is_error() || found.is_invalid() {
                reported = registration.interests;
            }
            registration.armed &= !reported;
            events.push(Event { token, found, waker: false });
        }
        drop(registrations);
        let mut woken = self.shared.woken.lock().unwrap();
        while events.len() < events.capacity() {
            let Some(token) = woken.pop() else { break };
            events.push(Event { token, found: xnet::Events::default(), waker: true });
        }
        Ok(())
    }
}

pub(crate) type Events = Vec<Event>;

#[derive(Clone, Copy)]
pub(crate) struct Event {
    token: Token,
    found: xnet::Events,
    /// A `Waker`'s wake: readable, as the other selectors report it.
    waker: bool,
}

pub(crate) mod event {
    use std::fmt;

    use super::Event;
    use crate::Token;

    pub(crate) fn token(event: &Event) -> Token {
        event.token
    }

    pub(crate) fn is_readable(event: &Event) -> bool {
        event.found.is_readable() || event.waker
    }

    pub(crate) fn is_writable(event: &Event) -> bool {
        event.found.is_writable()
    }

    pub(crate) fn is_error(event: &Event) -> bool {
        event.found.is_error() || event.found.is_invalid()
    }

    pub(crate) fn is_read_closed(event: &Event) -> bool {
        event.found.is_read_closed()
    }

    pub(crate) fn is_write_closed(event: &Event) -> bool {
        event.found.is_write_closed()
    }

    pub(crate) fn is_priority(_: &Event) -> bool {
        false
    }

    pub(crate) fn is_aio(_: &Event) -> bool {
        false
    }

    pub(crate) fn is_lio(_: &Event) -> bool {
        false
    }

    pub(crate) fn debug_details(f: &mut fmt::Formatter<'_>, event: &Event) -> fmt::Result {
        f.debug_struct("Event").field("token", &event.token).field("events", &event.found).finish()
    }
}
