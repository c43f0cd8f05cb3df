//! The name server, at SID `xous-name-server`: services register a name
//! for their SID; clients (std's `os::xous::services::connect`, and our
//! services) connect by name. The name server makes the connection for the
//! client with ConnectForProcess and hands back only the connection id, so
//! clients never see SIDs.
//!
//! Two dialects, both one lent page per request:
//! - ours and std's (see `xous_abi::services::names`): REGISTER with a
//!   SID, BLOCKING_CONNECT and TRY_CONNECT. TryConnect to an unknown name
//!   answers NOT_FOUND at once; BlockingConnect holds the request until the
//!   name is registered. Malformed requests (a length over 64 or beyond
//!   `valid`, invalid UTF-8) get BAD_REQUEST.
//! - the published Xous client's (`xous-api-names`, see `xous_api`):
//!   Register, where the name server picks a fresh SID (CreateServerId) and
//!   the client then creates its server there, and Lookup, which connects
//!   at once or fails. Undecodable archives get `Return::Failure`.
//!
//! Between a Xous Register and the client creating its server, a name is
//! known but has no server yet. A blocking connect that arrives then stays
//! waiting, and the name server retries it between messages, yielding the
//! CPU, for a bounded number of rounds (the client creates its server right
//! after the answer, so this is short); it never blocks on a client.
//!
//! Each process has a share of the names and of the waiting room (a
//! quarter of each; TABLE_FULL beyond), so one that registers or waits
//! without end does not keep the others from it; a process's names and
//! waiting connects go when it ends (the kernel's exit notices). The names
//! of the system's services (the filesystem's, the network's) are only for
//! their own SIDs, whoever registers them: no process can take one over.
//!
//! The boot image's on-demand services (the filesystem, the process
//! manager, the network) start when a client first connects to one of
//! their names (`starts.rs`).
//!
//! no_std: std's connect-by-name is a client of this service.
#![no_std]
#![no_main]

use ::names::xous_api;
use xous_abi::error::Error;
use xous_abi::services::names;
use xous_rt::{reply, syscall, Envelope, Server, Syscall, SyscallResult};

use ::names::starts::{Starts, Unregistered};
use ::names::table::{Names, Waiters};
use xous_abi::message::{kind, MessageSender};
use xous_abi::platform::ExitNotice;

/// The tables' entries (table.rs), a page at a time as they are needed.
#[global_allocator]
static HEAP: service_heap::Heap = service_heap::Heap::growing_by(4096);

/// How many times the name server yields while a connect waits for a
/// registered name's server to be created.
const SERVER_WAIT_ROUNDS: u32 = 10_000;

struct NameServer {
    registry: Names,
    waiting: Waiters<Envelope>,
    /// Rounds left to retry waiters whose name is registered but whose
    /// server is not there yet.
    retry_rounds: u32,
    starts: Starts,
}

fn main(_params: usize) -> usize {
    let server = Server::create(names::SID);
    if xous_rt::watch_exits(names::SID, names::PROCESS_ENDED).is_err() {
        xous_rt::write(xous_abi::console::Channel::Stderr, b"names: cannot watch for process exits; dead processes' names stay\n");
    }
    let mut state = NameServer { registry: Names::new(), waiting: Waiters::new(), retry_rounds: 0, starts: Starts::new() };
    loop {
        let message = if state.retry_rounds > 0 {
            match server.try_receive() {
                Some(message) => message,
                None => {
                    syscall(Syscall::Yield, &[]);
                    state.retry_rounds -= 1;
                    state.serve_waiters();
                    continue;
                }
            }
        } else {
            server.receive()
        };
        state.handle(message);
    }
}

/// Why a connection could not be made now.
enum NotConnected {
    /// The name is registered but its server does not exist yet.
    NoServerYet,
    /// A result code for the client (NOT_FOUND, LIMIT_REACHED).
    Refused(u32),
}

impl NameServer {
    fn handle(&mut self, mut message: Envelope) {
        if let Some(notice) = ExitNotice::from_envelope(message.sender, message.kind, message.id, message.args, names::PROCESS_ENDED) {
            return self.process_ended(notice.pid);
        }
        if message.kind != kind::MUTABLE_BORROW || message.args[1] < 4096 {
            reply(&message, 0, 0, 0);
            return;
        }
        if message.id == names::XOUS_REGISTER || message.id == names::XOUS_LOOKUP {
            return self.handle_xous(message);
        }
        let mut name_buf = [0u8; names::NAME_MAX_LENGTH];
        let Some(length) = request_name(&message, &mut name_buf) else {
            return answer(&mut message, names::BAD_REQUEST, 0);
        };
        let name = &name_buf[..length];
        match message.id {
            names::REGISTER => {
                let owner = MessageSender(message.sender).pid();
                let result = self.registry.add(name, read_sid(message.bytes()), None, owner);
                answer(&mut message, result, 0);
                if result == names::OK {
                    self.serve_waiters();
                }
            }
            names::BLOCKING_CONNECT | names::TRY_CONNECT => {
                let blocking = message.id == names::BLOCKING_CONNECT;
                match self.connect(name, message.sender) {
                    Ok(cid) => answer(&mut message, names::OK, cid),
                    // Registered, no server yet: a service registers just
                    // after it creates its server, so it comes soon; an
                    // on-demand service's name (registered by anyone, for
                    // its own SID) may be there before the service is
                    // started, which it now is.
                    Err(NotConnected::NoServerYet)
                        if self.starts.unregistered(name, xous_rt::start_service) == Unregistered::Wait || blocking =>
                    {
                        self.retry_rounds = SERVER_WAIT_ROUNDS;
                        self.wait(name, message);
                    }
                    Err(NotConnected::Refused(names::NOT_FOUND)) => match self.starts.unregistered(name, xous_rt::start_service) {
                        Unregistered::Wait => self.wait(name, message),
                        Unregistered::AsUsual if blocking => self.wait(name, message),
                        Unregistered::AsUsual | Unregistered::Refused => answer(&mut message, names::NOT_FOUND, 0),
                    },
                    Err(NotConnected::NoServerYet) => answer(&mut message, names::NOT_FOUND, 0),
                    Err(NotConnected::Refused(code)) => answer(&mut message, code, 0),
                }
            }
            _ => answer(&mut message, names::BAD_REQUEST, 0),
        }
    }

    /// A process ended: its names go, and its waiting connects are
    /// answered (so the kernel can let go of them) and dropped.
    fn process_ended(&mut self, pid: u8) {
        self.registry.remove_all_of(pid);
        while let Some(mut waiter) = self.waiting.take_of(pid) {
            answer(&mut waiter, names::NOT_FOUND, 0);
        }
        // An on-demand service that ended before it registered its names:
        // no one waits for them in vain.
        if let Some(service) = self.starts.ended(pid) {
            let registry = &self.registry;
            while let Some(mut waiter) = self.waiting.take_where(|name| service.names.iter().any(|n| n.as_bytes() == name) && !registry.contains(name)) {
                answer(&mut waiter, names::NOT_FOUND, 0);
            }
        }
    }

    /// Holds a blocking connect until its name (and server) appear.
    fn wait(&mut self, name: &[u8], message: Envelope) {
        let pid = MessageSender(message.sender).pid();
        if let Err(mut refused) = self.waiting.add(name, message, pid) {
            answer(&mut refused, names::TABLE_FULL, 0);
        }
    }

    /// Register and Lookup as the published `xous-api-names` sends them.
    fn handle_xous(&mut self, mut message: Envelope) {
        let (id, sender, used) = (message.id, message.sender, message.args[2]);
        let page = message.bytes_mut();
        let used = if id == names::XOUS_REGISTER {
            match xous_api::read_registration(page, used) {
                Some(registration) if !registration.name.is_empty() => {
                    let sid = new_sid();
                    let name = registration.name.as_bytes();
                    match sid.map(|sid| (sid, self.registry.add(name, sid, registration.conn_limit, MessageSender(sender).pid()))) {
                        Some((sid, names::OK)) => xous_api::write_sid(page, sid),
                        _ => xous_api::write_failure(page),
                    }
                }
                _ => xous_api::write_failure(page),
            }
        } else {
            let mut name_buf = [0u8; names::NAME_MAX_LENGTH];
            let name = xous_api::read_lookup(page, used).map(|name| {
                name_buf[..name.len()].copy_from_slice(name.as_bytes());
                &name_buf[..name.len()]
            });
            match name.map(|name| (self.connect(name, sender), name)) {
                Some((Ok(cid), _)) => xous_api::write_cid(page, cid),
                Some((Err(NotConnected::Refused(names::NOT_FOUND)), name)) => {
                    // Fails now (a Lookup never waits); the client's next
                    // try finds the service if it is on demand.
                    self.starts.unregistered(name, xous_rt::start_service);
                    xous_api::write_failure(page)
                }
                _ => xous_api::write_failure(page),
            }
        };
        reply(&message, used, 0, 0);
        // A new name may be what someone is waiting for.
        self.serve_waiters();
    }

    /// Connects `sender`'s process to the server registered as `name`.
    fn connect(&mut self, name: &[u8], sender: usize) -> Result<u32, NotConnected> {
        let sid = self.registry.admit(name).map_err(NotConnected::Refused)?;
        let pid = xous_abi::message::MessageSender(sender).pid() as usize;
        let r = syscall(Syscall::ConnectForProcess, &[pid, sid[0] as usize, sid[1] as usize, sid[2] as usize, sid[3] as usize]);
        if r[0] == SyscallResult::ConnectionId as usize {
            self.registry.connected(name);
            Ok(r[1] as u32)
        } else if r[0] == SyscallResult::Error as usize && r[1] == Error::ServerNotFound as usize {
            Err(NotConnected::NoServerYet)
        } else {
            // The client's connection table is full, or it has gone.
            Err(NotConnected::Refused(names::TABLE_FULL))
        }
    }

    /// Answers every waiting connect whose name is now registered; those
    /// whose server is not there yet wait on (and keep the retries going).
    fn serve_waiters(&mut self) {
        let mut ready = [None; ::names::table::MAX_WAITERS];
        let registry = &self.registry;
        for slot in ready.iter_mut() {
            *slot = self.waiting.take_where(|name| registry.contains(name));
        }
        let mut server_missing = false;
        for mut waiter in ready.into_iter().flatten() {
            let mut name_buf = [0u8; names::NAME_MAX_LENGTH];
            let Some(length) = request_name(&waiter, &mut name_buf) else {
                answer(&mut waiter, names::BAD_REQUEST, 0);
                continue;
            };
            let name = &name_buf[..length];
            match self.connect(name, waiter.sender) {
                Ok(cid) => answer(&mut waiter, names::OK, cid),
                Err(NotConnected::Refused(code)) => answer(&mut waiter, code, 0),
                Err(NotConnected::NoServerYet) => {
                    server_missing = true;
                    // Room is certain: it came out of the same table.
                    self.wait(name, waiter);
                }
            }
        }
        if !server_missing {
            self.retry_rounds = 0;
        }
    }
}

/// A fresh random SID from the kernel, for a Xous Register.
fn new_sid() -> Option<[u32; 4]> {
    let r = syscall(Syscall::CreateServerId, &[]);
    (r[0] == SyscallResult::ServerId as usize).then(|| [r[1] as u32, r[2] as u32, r[3] as u32, r[4] as u32])
}

/// Copies the name of a well-formed request into `name`; returns its length.
fn request_name(message: &Envelope, name: &mut [u8; names::NAME_MAX_LENGTH]) -> Option<usize> {
    let page = message.bytes();
    let length = u32::from_le_bytes(page[names::LENGTH_AT..names::LENGTH_AT + 4].try_into().ok()?) as usize;
    if length == 0 || length > names::NAME_MAX_LENGTH || length > message.args[3] {
        return None;
    }
    core::str::from_utf8(&page[..length]).ok()?;
    name[..length].copy_from_slice(&page[..length]);
    Some(length)
}

fn read_sid(page: &[u8]) -> [u32; 4] {
    let word = |i: usize| u32::from_le_bytes(page[names::SID_AT + 4 * i..names::SID_AT + 4 * i + 4].try_into().expect("4 bytes"));
    [word(0), word(1), word(2), word(3)]
}

/// Writes the result (and connection id) into the page and gives it back.
fn answer(message: &mut Envelope, result: u32, cid: u32) {
    let page = message.bytes_mut();
    page[..4].copy_from_slice(&result.to_le_bytes());
    page[names::CID_AT..names::CID_AT + 4].copy_from_slice(&cid.to_le_bytes());
    reply(message, 0, 0, 0);
}

xous_rt::entry!(main);
