//! Xous: readiness from the network service's poll, which std offers as
//! `std::os::xous::net::{poll, PollWaker}`.
//!
//! The service reports readiness level-triggered (an entry is ready while
//! its condition holds); mio promises edges. So, as the `poll(2)` selector
//! does, each registration keeps which of its interests are *armed*: an
//! event disarms what it reports, and the source's next `WouldBlock`
//! (seen by `IoSourceState::do_io`) arms its interests again. A
//! registration change while a thread waits in `select` wakes it, so the
//! wait starts again with the new set.

mod selector;
pub(crate) use self::selector::{event, Event, Events, Selector};

mod waker;
pub(crate) use self::waker::Waker;

cfg_net! {
    pub(crate) mod tcp;
    pub(crate) mod udp;
}

cfg_io_source! {
    mod io_source;
    pub(crate) use self::io_source::IoSourceState;
}
