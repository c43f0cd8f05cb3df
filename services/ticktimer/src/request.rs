//! What a received message asks the ticktimer for. Every opcode std sends
//! must arrive as the kind std sends it, and an exit notice from the kernel;
//! anything else is `Malformed`, which the service answers (if the sender
//! waits) and otherwise ignores.

use xous_abi::message::InvokeType;
use xous_abi::platform::ExitNotice;
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
    /// How much the ticktimer holds for a PID (a test's window on cleanup).
    HeldFor(usize),
    /// The rate of the counter user mode may read (std's Instant).
    TimeSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    Ticktimer(Request),
    /// The system-time service asks for the RTC's time (needs the hardware).
    RtcTimeNs,
    /// The alarm interrupt fired (or someone pretends it did).
    Alarm,
    /// The kernel's notice that this process ended.
    ProcessEnded(u8),
    Malformed,
}

/// Decodes a message from its envelope's sender word, kind (0..4), id and
/// four words. The sender matters only to PROCESS_ENDED, which must come
/// from the kernel.
pub fn decode(sender: usize, kind: usize, id: usize, args: [usize; 4]) -> Decoded {
    if let Some(notice) = ExitNotice::from_envelope(sender, kind, id, args, op::PROCESS_ENDED) {
        return Decoded::ProcessEnded(notice.pid);
    }
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
        op::HELD_FOR if blocking => Request::HeldFor(a),
        op::TIME_SOURCE if blocking => Request::TimeSource,
        op::RTC_TIME_NS if blocking => return Decoded::RtcTimeNs,
        op::ALARM if scalar => return Decoded::Alarm,
        _ => return Decoded::Malformed,
    };
    Decoded::Ticktimer(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use xous_abi::message::MessageSender;
    use xous_abi::platform::{Ending, KERNEL_PID};

    const BLOCKING: usize = 4;
    const SCALAR: usize = 3;
    const MUTABLE_BORROW: usize = 0;
    const MOVE: usize = 2;
    /// A message from process 5.
    const CLIENT: usize = 5 << 24;

    #[test]
    fn std_requests_as_std_sends_them() {
        assert_eq!(decode(CLIENT, BLOCKING, 0, [0; 4]), Decoded::Ticktimer(Request::ElapsedMs));
        assert_eq!(decode(CLIENT, BLOCKING, 1, [250, 0, 0, 0]), Decoded::Ticktimer(Request::SleepMs(250)));
        assert_eq!(decode(CLIENT, BLOCKING, 6, [0x1000, 0, 0, 0]), Decoded::Ticktimer(Request::LockMutex(0x1000)));
        assert_eq!(decode(CLIENT, BLOCKING, 7, [0x1000, 0, 0, 0]), Decoded::Ticktimer(Request::UnlockMutex(0x1000)));
        assert_eq!(
            decode(CLIENT, BLOCKING, 8, [0x2000, 15, 0, 0]),
            Decoded::Ticktimer(Request::WaitForCondition { condition: 0x2000, timeout_ms: 15 })
        );
        assert_eq!(
            decode(CLIENT, BLOCKING, 9, [0x2000, 3, 0, 0]),
            Decoded::Ticktimer(Request::NotifyCondition { condition: 0x2000, count: 3 })
        );
        assert_eq!(decode(CLIENT, BLOCKING, 10, [0x1000, 0, 0, 0]), Decoded::Ticktimer(Request::FreeMutex(0x1000)));
        assert_eq!(decode(CLIENT, SCALAR, 11, [0x2000, 0, 0, 0]), Decoded::Ticktimer(Request::FreeCondition(0x2000)));
        assert_eq!(decode(CLIENT, SCALAR, 10, [0x1000, 0, 0, 0]), Decoded::Ticktimer(Request::FreeMutex(0x1000)));
        assert_eq!(decode(CLIENT, BLOCKING, 11, [0x2000, 0, 0, 0]), Decoded::Ticktimer(Request::FreeCondition(0x2000)));
    }

    #[test]
    fn private_opcodes() {
        assert_eq!(decode(CLIENT, BLOCKING, 100, [0; 4]), Decoded::RtcTimeNs);
        assert_eq!(decode(CLIENT, SCALAR, 101, [0; 4]), Decoded::Alarm);
        assert_eq!(decode(CLIENT, SCALAR, 100, [0; 4]), Decoded::Malformed);
        assert_eq!(decode(CLIENT, BLOCKING, 103, [7, 0, 0, 0]), Decoded::Ticktimer(Request::HeldFor(7)));
        assert_eq!(decode(CLIENT, SCALAR, 103, [7, 0, 0, 0]), Decoded::Malformed);
        assert_eq!(decode(CLIENT, BLOCKING, 104, [0; 4]), Decoded::Ticktimer(Request::TimeSource));
        assert_eq!(decode(CLIENT, SCALAR, 104, [0; 4]), Decoded::Malformed);
    }

    #[test]
    fn exit_notices_only_from_the_kernel() {
        let kernel = MessageSender::new(KERNEL_PID, 3, 0).0;
        let notice = ExitNotice { pid: 9, code: 0xff, ending: Ending::Faulted }.words();
        assert_eq!(decode(kernel, SCALAR, op::PROCESS_ENDED, notice), Decoded::ProcessEnded(9));
        assert_eq!(decode(CLIENT, SCALAR, op::PROCESS_ENDED, notice), Decoded::Malformed, "forged by a process");
        assert_eq!(decode(CLIENT, BLOCKING, op::PROCESS_ENDED, notice), Decoded::Malformed, "forged, waiting for an answer");
    }

    #[test]
    fn wrong_kinds_and_unknown_opcodes_are_malformed() {
        for id in [0, 1, 6, 7, 8, 9] {
            assert_eq!(decode(CLIENT, SCALAR, id, [1; 4]), Decoded::Malformed, "opcode {id} as a Scalar");
            assert_eq!(decode(CLIENT, MUTABLE_BORROW, id, [1; 4]), Decoded::Malformed, "opcode {id} as memory");
        }
        assert_eq!(decode(CLIENT, MOVE, 10, [1; 4]), Decoded::Malformed);
        for id in [2, 3, 4, 5, 12, 99, 102, 105, usize::MAX] {
            assert_eq!(decode(CLIENT, BLOCKING, id, [0; 4]), Decoded::Malformed, "opcode {id}");
        }
        assert_eq!(decode(CLIENT, 7, 0, [0; 4]), Decoded::Malformed, "no such kind");
    }
}
