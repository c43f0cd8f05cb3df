//! The boot image's on-demand services (`xous_abi::services::ON_DEMAND`):
//! the name server starts one when a client first connects to one of its
//! names, and holds the connect (a TryConnect too: the service is on its
//! way) until the service registers. If it ends before it registers, the
//! connects waiting for its names are answered NOT_FOUND, so a program
//! gets an error (std: "the filesystem service is not running") instead of
//! waiting for ever; so is a connect when the kernel had no memory to start
//! the service (it is asked again at the next connect), and every connect,
//! blocking too, to the names of a service the image does not have (no
//! network on the Baochip-1x's boards: std's sockets get an error instead
//! of a connect that waits for ever).

use xous_abi::services::{OnDemand, ON_DEMAND};
use xous_abi::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Not asked for yet.
    NotAsked,
    /// Started by us, as PID `pid`; its names are not all registered yet,
    /// or it runs.
    Starting(u8),
    /// Asked for, and not (or no longer) ours to wait for: someone else
    /// started it, or it ended.
    Done,
    /// The image has no such process: its names will not come.
    Absent,
}

/// What a connect to a name no one has registered does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unregistered {
    /// Wait for the name: its service is starting (blocking or not).
    Wait,
    /// As for any unknown name: a TryConnect is answered NOT_FOUND, a
    /// BlockingConnect waits.
    AsUsual,
    /// Answered NOT_FOUND, blocking or not: the service could not start
    /// now (no memory), and may at a later connect; or the image has no
    /// such service.
    Refused,
}

const MAX: usize = 8;
const _: () = assert!(ON_DEMAND.len() <= MAX);

pub struct Starts {
    state: [State; MAX],
}

impl Default for Starts {
    fn default() -> Self {
        Self::new()
    }
}

impl Starts {
    pub const fn new() -> Starts {
        Starts { state: [State::NotAsked; MAX] }
    }

    /// A connect to `name` found no server for it (the name unregistered,
    /// or registered for the service's own SID before the service was
    /// started): starts its service the first time (`start(process)` gives the new PID, 0 if it was started
    /// before, or the kernel's error) and says what the connect does.
    pub fn unregistered(&mut self, name: &[u8], start: impl FnOnce(&str) -> Result<u8, Error>) -> Unregistered {
        let Some(i) = ON_DEMAND.iter().position(|s| s.names.iter().any(|n| n.as_bytes() == name)) else {
            return Unregistered::AsUsual;
        };
        if self.state[i] == State::NotAsked {
            self.state[i] = match start(ON_DEMAND[i].process) {
                Ok(pid) if pid != 0 => State::Starting(pid),
                Err(Error::OutOfMemory) => return Unregistered::Refused,
                Err(Error::ProcessNotFound) => State::Absent,
                _ => State::Done,
            };
        }
        match self.state[i] {
            State::Starting(_) => Unregistered::Wait,
            State::Absent => Unregistered::Refused,
            _ => Unregistered::AsUsual,
        }
    }

    /// Process `pid` ended: if it was a service we started, its names,
    /// whose waiting connects must now be answered NOT_FOUND (those it
    /// registered went with it).
    pub fn ended(&mut self, pid: u8) -> Option<&'static OnDemand> {
        let i = self.state.iter().position(|&s| s == State::Starting(pid))?;
        self.state[i] = State::Done;
        ON_DEMAND.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::string::{String, ToString};
    use std::vec::Vec;
    use xous_abi::services::{fs, net, proc};

    #[test]
    fn a_service_is_started_once_and_its_names_waited_for() {
        let mut starts = Starts::new();
        let asked: RefCell<Vec<String>> = RefCell::new(Vec::new());
        let start = |pid: u8| {
            let asked = &asked;
            move |process: &str| {
                asked.borrow_mut().push(process.to_string());
                Ok(pid)
            }
        };
        assert_eq!(starts.unregistered(b"some other name", start(9)), Unregistered::AsUsual);
        assert_eq!(starts.unregistered(net::DNS_NAME.as_bytes(), start(7)), Unregistered::Wait);
        assert_eq!(starts.unregistered(net::NAME.as_bytes(), start(8)), Unregistered::Wait, "the same service, by its other name");
        assert_eq!(starts.unregistered(fs::NAME.as_bytes(), start(0)), Unregistered::AsUsual, "started by someone else");
        assert_eq!(starts.unregistered(fs::NAME.as_bytes(), start(5)), Unregistered::AsUsual, "not asked twice");
        assert_eq!(*asked.borrow(), ["net", "fs"]);
        assert!(starts.ended(8).is_none(), "not a service we started");
        assert_eq!(starts.ended(7).map(|s| s.process), Some("net"));
        assert!(starts.ended(7).is_none(), "once");
        assert_eq!(starts.unregistered(net::NAME.as_bytes(), start(9)), Unregistered::AsUsual, "ended: not started again");
        let short = starts.unregistered(proc::NAME.as_bytes(), |_| Err(Error::OutOfMemory));
        assert_eq!(short, Unregistered::Refused, "no memory to start it: an error now");
        let later = starts.unregistered(proc::NAME.as_bytes(), |_| Err(Error::ProcessNotFound));
        assert_eq!(later, Unregistered::Refused, "asked again; the image has no such process");
        assert_eq!(asked.borrow().len(), 2);
    }

    #[test]
    fn the_names_of_a_service_the_image_lacks_are_refused_for_good() {
        let mut starts = Starts::new();
        let mut asked = 0;
        let absent = |asked: &mut u32| {
            *asked += 1;
            Err(Error::ProcessNotFound)
        };
        assert_eq!(starts.unregistered(net::NAME.as_bytes(), |_| absent(&mut asked)), Unregistered::Refused);
        assert_eq!(starts.unregistered(net::DNS_NAME.as_bytes(), |_| absent(&mut asked)), Unregistered::Refused, "its other name too");
        assert_eq!(starts.unregistered(net::NAME.as_bytes(), |_| absent(&mut asked)), Unregistered::Refused, "and again");
        assert_eq!(asked, 1, "the kernel is asked once");
    }
}
