//! What a received message asks the ticktimer for. Every opcode std sends
//! must arrive as the kind std sends it; anything else is `Malformed`, which
//! the service answers (if the sender waits) and otherwise ignores.

use xous_abi::message::InvokeType;
use xous_abi::services::ticktimer as op;

/// A request the ticktimer's logic ([`crate::Ticktimer`]) handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    ElapsedMs,
    SleepMs(usize),
    LockMutex(usize),
    UnlockMutex(usize),
    /// Timeout 0 waits forever.
    WaitForCondition { condition: usize, timeout_ms: usize },
    NotifyCondition { condition: usize, count: usize },
    FreeMutex(usize),
    FreeCondition(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    Ticktimer(Request),
    /// The system-time service asks for the RTC's time (needs the hardware).
    RtcTimeNs,
    /// The alarm interrupt fired (or someone pretends it did).
    Alarm,
    Malformed,
}

/// Decodes a message from its envelope kind (0..4), id and four words.
pub fn decode(kind: usize, id: usize, args: [usize; 4]) -> Decoded {
    let blocking = kind == InvokeType::BlockingScalar.envelope_kind();
    let scalar = blocking || kind == InvokeType::Scalar.envelope_kind();
    let [a, b, ..] = args;
    let request = match id {
        op::ELAPSED_MS if blocking => Request::ElapsedMs,
        op::SLEEP_MS if blocking => Request::SleepMs(a),
        op::LOCK_MUTEX if blocking => Request::LockMutex(a),
        op::UNLOCK_MUTEX if blocking => Request::UnlockMutex(a),
        op::WAIT_FOR_CONDITION if blocking => Request::WaitForCondition { condition: a, timeout_ms: b },
        op::NOTIFY_CONDITION if blocking => Request::NotifyCondition { condition: a, count: b },
        // std frees a condition with a Scalar and a mutex with a
        // BlockingScalar; either kind is fine, nothing waits on the answer.
        op::FREE_MUTEX if scalar => Request::FreeMutex(a),
        op::FREE_CONDITION if scalar => Request::FreeCondition(a),
        op::RTC_TIME_NS if blocking => return Decoded::RtcTimeNs,
        op::ALARM if scalar => return Decoded::Alarm,
        _ => return Decoded::Malformed,
    };
    Decoded::Ticktimer(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCKING: usize = 4;
    const SCALAR: usize = 3;
    const MUTABLE_BORROW: usize = 0;
    const MOVE: usize = 2;

    #[test]
    fn std_requests_as_std_sends_them() {
        assert_eq!(decode(BLOCKING, 0, [0; 4]), Decoded::Ticktimer(Request::ElapsedMs));
        assert_eq!(decode(BLOCKING, 1, [250, 0, 0, 0]), Decoded::Ticktimer(Request::SleepMs(250)));
        assert_eq!(decode(BLOCKING, 6, [0x1000, 0, 0, 0]), Decoded::Ticktimer(Request::LockMutex(0x1000)));
        assert_eq!(decode(BLOCKING, 7, [0x1000, 0, 0, 0]), Decoded::Ticktimer(Request::UnlockMutex(0x1000)));
        assert_eq!(
            decode(BLOCKING, 8, [0x2000, 15, 0, 0]),
            Decoded::Ticktimer(Request::WaitForCondition { condition: 0x2000, timeout_ms: 15 })
        );
        assert_eq!(
            decode(BLOCKING, 9, [0x2000, 3, 0, 0]),
            Decoded::Ticktimer(Request::NotifyCondition { condition: 0x2000, count: 3 })
        );
        assert_eq!(decode(BLOCKING, 10, [0x1000, 0, 0, 0]), Decoded::Ticktimer(Request::FreeMutex(0x1000)));
        assert_eq!(decode(SCALAR, 11, [0x2000, 0, 0, 0]), Decoded::Ticktimer(Request::FreeCondition(0x2000)));
        assert_eq!(decode(SCALAR, 10, [0x1000, 0, 0, 0]), Decoded::Ticktimer(Request::FreeMutex(0x1000)));
        assert_eq!(decode(BLOCKING, 11, [0x2000, 0, 0, 0]), Decoded::Ticktimer(Request::FreeCondition(0x2000)));
    }

    #[test]
    fn private_opcodes() {
        assert_eq!(decode(BLOCKING, 100, [0; 4]), Decoded::RtcTimeNs);
        assert_eq!(decode(SCALAR, 101, [0; 4]), Decoded::Alarm);
        assert_eq!(decode(SCALAR, 100, [0; 4]), Decoded::Malformed);
    }

    #[test]
    fn wrong_kinds_and_unknown_opcodes_are_malformed() {
        for id in [0, 1, 6, 7, 8, 9] {
            assert_eq!(decode(SCALAR, id, [1; 4]), Decoded::Malformed, "opcode {id} as a Scalar");
            assert_eq!(decode(MUTABLE_BORROW, id, [1; 4]), Decoded::Malformed, "opcode {id} as memory");
        }
        assert_eq!(decode(MOVE, 10, [1; 4]), Decoded::Malformed);
        for id in [2, 3, 4, 5, 12, 99, 102, usize::MAX] {
            assert_eq!(decode(BLOCKING, id, [0; 4]), Decoded::Malformed, "opcode {id}");
        }
        assert_eq!(decode(7, 0, [0; 4]), Decoded::Malformed, "no such kind");
    }
}
