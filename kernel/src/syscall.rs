//! The one way into the kernel from a syscall: `ecall` takes a0..a7 of the
//! calling thread, answers the identity calls, offers the call to the fast
//! path (ipc/fast.rs), and otherwise decodes the words once, into each
//! handler's typed arguments, and calls the handler, which lives with the
//! kernel object it acts on (thread, process, ipc, interrupt, mem, exits).
//! Every handler has one shape: it says what became of its caller
//! (`Outcome`: answered by the handler, answered Ok, waiting, ...), or fails
//! with an ABI error; a plain Ok and an error are written here. A bad argument is an error result, never a kernel panic; each
//! handler says which errors it returns (shared/xous-abi.md is the contract).

use crate::ipc::{self, fast};
use crate::kernel::{Kernel, Platform};
use crate::process::create;
use crate::sched::{Move, ThreadRef};
use crate::thread::{reg, ThreadState};
use crate::{console, exits, interrupt, mem, thread};
use xous_abi::platform;
use xous_abi::services::Sid;
use xous_abi::{Error, Syscall, SyscallResult};

/// What a syscall did to its caller. Small, so it comes back in registers.
pub enum Outcome {
    /// Resume the caller, whose a0..a7 hold its answer already.
    Answered,
    /// Resume the caller with the answer Ok (written here, once for all).
    Ok,
    /// The caller waits and then repeats this syscall (see ThreadState::Retry).
    Retry,
    /// The caller gives the processor away (to the back of the run queue)
    /// and then repeats this syscall.
    GiveWay,
    /// The caller waits (the handler blocked it); whoever wakes it writes its result.
    Waiting,
    /// The caller no longer exists (it ended itself).
    Gone,
}

/// What every handler returns.
pub type Handled = Result<Outcome, Error>;

impl<P: Platform> Kernel<P> {
    /// Answers `t` with `tag` and `payload`: a handler's usual last step
    /// (one copy for all of them).
    #[inline(never)]
    pub fn answered(&mut self, t: ThreadRef, tag: SyscallResult, payload: &[usize]) -> Handled {
        self.answer(t, tag, payload);
        Ok(Outcome::Answered)
    }
}

/// What became of a syscall's caller, for the trap path.
#[derive(Copy, Clone, PartialEq, Eq)]
pub enum Next {
    /// It was answered and goes on.
    Goes,
    /// It waits; its process lives.
    Waits,
    /// Anything may have happened (the general path): look.
    Look,
}

/// Syscall `a` (a0..a7) of thread `t`, which is running and whose saved pc
/// is past its `ecall` already. (The trap path answers the identity calls
/// into the caller's slot itself, which it has at hand, and calls `offered`.)
#[inline(always)]
pub fn ecall<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: [usize; 8]) -> Next {
    if let Some(answer) = identity(t, a[0]) {
        k.context(t)[reg::A0..reg::A0 + 8].copy_from_slice(&answer);
        return Next::Goes;
    }
    offered(k, t, a)
}

/// The answer to an identity call (GetProcessId, GetThreadId), which needs
/// nothing but the caller: a0..a7; None for any other call.
#[inline(always)]
pub fn identity(t: ThreadRef, call: usize) -> Option<[u32; 8]> {
    let (tag, value) = match call {
        n if n == Syscall::GetProcessId as usize => (SyscallResult::ProcessId, t.pid),
        n if n == Syscall::GetThreadId as usize => (SyscallResult::ThreadId, t.tid),
        _ => return None,
    };
    Some([tag as u32, value as u32, 0, 0, 0, 0, 0, 0])
}

/// Any syscall but the identity calls: the fast path takes it, else the
/// general path.
#[inline(always)]
pub fn offered<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, a: [usize; 8]) -> Next {
    let fast = fast::call(k, t, a);
    or_general(k, t, fast)
}

/// What the fast path made of `t`'s call (`fast`), or if it did not take
/// it, the general path's. The trap path sends a round trip's calls to
/// functions of their own (arch/riscv/fast_trap.rs) and the rest here with
/// `fast::other`.
#[inline(always)]
pub fn or_general<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, fast: Option<Next>) -> Next {
    fast.unwrap_or_else(|| {
        general(k, t);
        Next::Look
    })
}

/// Every other syscall, read from `t`'s saved a0..a7 (so the words need
/// not be kept in registers through the fast path). Each handler is a
/// function of its own, never inlined here, so a call pays only for the
/// registers its own handler needs.
#[inline(never)]
pub fn general<P: Platform>(k: &mut Kernel<P>, t: ThreadRef) {
    let regs = k.context(t);
    let a: [usize; 8] = core::array::from_fn(|i| regs[reg::A0 + i] as usize);
    let sid = |i: usize| -> Sid { [a[i] as u32, a[i + 1] as u32, a[i + 2] as u32, a[i + 3] as u32] };
    let Some(call) = Syscall::from_usize(a[0]) else {
        k.answer(t, SyscallResult::Error, &[Error::UnhandledSyscall as usize]);
        return;
    };
    let handled = match call {
        Syscall::Yield => {
            k.preempt();
            Ok(Outcome::Ok)
        }
        Syscall::TerminateProcess => {
            k.terminate(t.pid, a[1] as u32);
            Ok(Outcome::Gone)
        }
        Syscall::Shutdown => {
            k.halted = Some(0);
            Ok(Outcome::Ok)
        }
        Syscall::MapMemory => mem::map::map_memory(k, t, a[1], a[2], a[3], a[4]),
        Syscall::UnmapMemory => mem::map::unmap_memory(k, t, a[1], a[2]),
        Syscall::UpdateMemoryFlags => mem::map::update_memory_flags(k, t, a[1], a[2], a[3], a[4]),
        Syscall::IncreaseHeap => mem::map::increase_heap(k, t, a[1], a[2]),
        Syscall::DecreaseHeap => mem::map::decrease_heap(k, t, a[1]),
        Syscall::AdjustProcessLimit => mem::map::adjust_limit(k, t, a[1], a[2], a[3]),
        Syscall::VirtToPhys => mem::map::virt_to_phys(k, t, a[1]),
        Syscall::CreateThread => thread::create_thread(k, t, a[1], a[2], a[3], [a[4], a[5], a[6], a[7]]),
        Syscall::JoinThread => thread::join_thread(k, t, a[1]),
        Syscall::SetExceptionHandler => crate::fault::set_exception_handler(k, t, a[1], a[2]),
        Syscall::ClaimInterrupt => interrupt::claim_interrupt(k, t, a[1], a[2], a[3]),
        Syscall::FreeInterrupt => interrupt::free_interrupt(k, t, a[1]),
        Syscall::CreateProcess => create::create_process(k, t, &a),
        Syscall::SetMemRegion => create::set_mem_region(k, t, a[1], a[2], a[3], a[4]),
        Syscall::CreateServerWithAddress => ipc::server::create_server(k, t, Some(sid(1))),
        Syscall::CreateServer => ipc::server::create_server(k, t, None),
        Syscall::CreateServerId => ipc::server::new_server_id(k, t),
        Syscall::DestroyServer => ipc::server::destroy_server(k, t, sid(1)),
        Syscall::Connect => ipc::server::connect(k, t, t.pid, sid(1), true),
        Syscall::TryConnect => ipc::server::connect(k, t, t.pid, sid(1), false),
        Syscall::ConnectForProcess => match u8::try_from(a[1]) {
            // Only for itself, or for a client waiting on it (the name
            // server connecting one that asked): else anyone could fill
            // anyone's connection table.
            Ok(pid) if k.procs.get(pid).is_some() && pid != t.pid && !k.ipc.waits_on(pid, t.pid) => Err(Error::AccessDenied),
            Ok(pid) if k.procs.get(pid).is_some() => ipc::server::connect(k, t, pid, sid(2), false),
            _ => Err(Error::ProcessNotFound),
        },
        Syscall::Disconnect => ipc::server::disconnect(k, t, a[1]),
        Syscall::SendMessage => ipc::message::send(k, t, &a, true),
        Syscall::TrySendMessage => ipc::message::send(k, t, &a, false),
        Syscall::ReceiveMessage => ipc::message::receive(k, t, sid(1), true),
        Syscall::TryReceiveMessage => ipc::message::receive(k, t, sid(1), false),
        Syscall::ReturnMemory => ipc::message::return_memory(k, t, a[1], a[2], a[3], a[4], a[5]),
        Syscall::ReturnScalar1 => ipc::message::return_scalar(k, t, a[1], &a[2..3]),
        Syscall::ReturnScalar2 => ipc::message::return_scalar(k, t, a[1], &a[2..4]),
        Syscall::ReturnScalar5 => ipc::message::return_scalar(k, t, a[1], &a[2..7]),
        Syscall::ReplyAndReceiveNext => ipc::message::reply_and_receive_next(k, t, &a),
        Syscall::PlatformSpecific => match a[1] {
            platform::DETACH_THREAD => thread::detach_thread(k, t, a[2]),
            platform::WATCH_EXITS => exits::watch(k, t, sid(2), a[6]),
            platform::DRAIN_AT_POWER_OFF => ipc::server::drain_at_power_off(k, t, sid(2)),
            platform::CONSOLE_WRITE => console::console_write(k, t, a[2], a[3], a[4]),
            platform::KILL_CHILD => crate::process::kill_child(k, t, a[2]),
            platform::NAME_CHILD => crate::process::name_child(k, t, a[2], a[3], a[4]),
            platform::CONSOLE_INPUT => console::console_input(k, t, a[2], a[3]),
            platform::ROM_WRITE => crate::mem::rom::rom_write(k, t, a[2], a[3], a[4]),
            platform::PIN => crate::swap::syscalls::pin(k, t, a[2], a[3], a[4]),
            platform::START_SERVICE => crate::loader::on_demand::start_service(k, t, a[2], a[3]),
            _ => Err(Error::InvalidArgument),
        },
        _ => Err(Error::UnhandledSyscall),
    };
    match handled {
        Ok(Outcome::Answered | Outcome::Waiting | Outcome::Gone) => {}
        Ok(Outcome::Ok) => k.answer(t, SyscallResult::Ok, &[]),
        // (Unless the caller ended meanwhile: a page of its that came back
        // from swap forged ends it.)
        Err(e) if k.procs.get(t.pid).is_some() => k.answer(t, SyscallResult::Error, &[e as usize]),
        Err(_) => {}
        Ok(again @ (Outcome::Retry | Outcome::GiveWay)) => {
            // Back to the `ecall`, to make it again.
            let pc = k.reg(t, reg::PC).wrapping_sub(4);
            k.set_reg(t, reg::PC, pc);
            if let Outcome::GiveWay = again {
                k.preempt();
            } else {
                k.retries_waiting = true;
                k.set_state(t, ThreadState::Retry, Move::Off);
            }
        }
    }
}
