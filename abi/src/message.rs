//! Messages: the five kinds, as `SendMessage` takes them and as a received
//! envelope reports them, and the envelope's register layout.
//!
//! A received message is in registers a0..a7 after `ReceiveMessage`:
//! `[MessageEnvelope, sender, kind (0..4), id, a, b, c, d]`; for memory
//! kinds a = buffer address, b = length, c = offset, d = valid.

/// The `kind` argument of `SendMessage` / `TrySendMessage`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum InvokeType {
    LendMut = 1,
    Lend = 2,
    Move = 3,
    Scalar = 4,
    BlockingScalar = 5,
}

impl InvokeType {
    pub fn from_usize(n: usize) -> Option<InvokeType> {
        use InvokeType::*;
        Some(match n {
            1 => LendMut,
            2 => Lend,
            3 => Move,
            4 => Scalar,
            5 => BlockingScalar,
            _ => return None,
        })
    }

    /// The same kind as a received envelope numbers it (one less).
    pub const fn envelope_kind(self) -> usize {
        self as usize - 1
    }

    pub fn is_memory(self) -> bool {
        matches!(self, InvokeType::LendMut | InvokeType::Lend | InvokeType::Move)
    }

    /// Whether the sender waits for the server's reply.
    pub fn blocks_sender(self) -> bool {
        matches!(self, InvokeType::LendMut | InvokeType::Lend | InvokeType::BlockingScalar)
    }
}

/// The kinds as a received envelope numbers them (`InvokeType::envelope_kind`),
/// by name, for matching on a received message's kind word.
pub mod kind {
    use super::InvokeType;
    pub const MUTABLE_BORROW: usize = InvokeType::LendMut.envelope_kind();
    pub const BORROW: usize = InvokeType::Lend.envelope_kind();
    pub const MOVE: usize = InvokeType::Move.envelope_kind();
    pub const SCALAR: usize = InvokeType::Scalar.envelope_kind();
    pub const BLOCKING_SCALAR: usize = InvokeType::BlockingScalar.envelope_kind();
}

/// Identifies a sender to reply to. Opaque to user space; the kernel packs
/// (pid << 24) | (server index << 16) | queue slot, as Xous does.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MessageSender(pub usize);

impl MessageSender {
    pub fn new(pid: u8, server: u8, slot: u16) -> MessageSender {
        MessageSender(((pid as usize) << 24) | ((server as usize) << 16) | slot as usize)
    }
    pub fn pid(self) -> u8 {
        (self.0 >> 24) as u8
    }
    pub fn server(self) -> u8 {
        (self.0 >> 16) as u8
    }
    pub fn slot(self) -> u16 {
        self.0 as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(InvokeType::from_usize(1), Some(InvokeType::LendMut));
        assert_eq!(InvokeType::from_usize(0), None);
        assert_eq!(InvokeType::from_usize(6), None);
        assert_eq!(InvokeType::Scalar.envelope_kind(), 3);
        assert!(InvokeType::Lend.blocks_sender() && !InvokeType::Move.blocks_sender());
    }

    #[test]
    fn sender_packs_its_parts() {
        let s = MessageSender::new(5, 17, 300);
        assert_eq!((s.pid(), s.server(), s.slot()), (5, 17, 300));
    }
}
