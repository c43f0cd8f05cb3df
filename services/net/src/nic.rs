//! The virtio-net driver (virtio 1.x, device ID 1), as smoltcp's `Device`.
//!
//! Two queues: 0 receives, 1 transmits. Every descriptor owns one 2 KiB
//! buffer (two to a page) for good, so nothing is allocated per frame and
//! a frame is copied once each way, between the buffer and smoltcp's
//! socket buffers (smoltcp builds and parses frames in the buffer itself).
//! Every buffer starts with the 12-byte virtio-net header, all zeros: we
//! ask for no offloads, so the device wants nothing there and tells us
//! nothing. Receive buffers go back to the device as soon as smoltcp has
//! read them. The device's interrupt is lowered by `acknowledge` (from
//! the service's interrupt handler); its meaning, "a queue moved", is all
//! the main loop needs to poll.
//!
//! Loopback: a frame for one of our own addresses (127.0.0.0/8, ::1, or
//! the interface's address) never reaches the device: it is queued here
//! and comes back as the next received frame, ARP and IPv6's neighbor
//! discovery included, so smoltcp talks to itself through the same
//! interface and sockets (std's tests connect to 127.0.0.1 and [::1]).
//! The queue is bounded; a frame beyond it is dropped, as on a wire.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::cell::RefCell;
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use virtio::{Queue, Transport, VirtioError};

/// VIRTIO_NET_F_MAC: the device has a MAC address for us in its configuration.
const FEATURE_MAC: u64 = 1 << 5;
const HEADER: usize = 12;
const BUFFER: usize = 2048;
/// The largest Ethernet frame without its FCS.
const MTU: usize = 1514;
const RX_COUNT: u16 = 32;
const TX_COUNT: u16 = 32;
const RX: u32 = 0;
const TX: u32 = 1;

/// A buffer the device can reach: where we see it, where it sees it.
#[derive(Clone, Copy)]
struct Buffer {
    virt: usize,
    phys: usize,
}

impl Buffer {
    fn bytes(&self) -> &mut [u8] {
        // SAFETY: each buffer is BUFFER bytes of a DMA page of ours, owned
        // by exactly one descriptor; the driver touches it only while the
        // device does not hold it, and hands out one slice at a time.
        unsafe { core::slice::from_raw_parts_mut(self.virt as *mut u8, BUFFER) }
    }
}

fn buffers<const N: usize>() -> Result<[Buffer; N], VirtioError> {
    let mut list = [Buffer { virt: 0, phys: 0 }; N];
    for pair in list.chunks_mut(4096 / BUFFER) {
        let (virt, phys) = virtio::dma_page()?;
        for (i, buffer) in pair.iter_mut().enumerate() {
            *buffer = Buffer { virt: virt + i * BUFFER, phys: phys + i * BUFFER };
        }
    }
    Ok(list)
}

struct Transmit {
    queue: Queue,
    /// Descriptors we hold (not given to the device).
    free: [bool; TX_COUNT as usize],
}

pub struct Nic {
    transport: Transport,
    rx: RefCell<Queue>,
    tx: RefCell<Transmit>,
    rx_buffers: [Buffer; RX_COUNT as usize],
    tx_buffers: [Buffer; TX_COUNT as usize],
    /// Where a frame goes when every transmit buffer is with the device:
    /// it is dropped (TCP sends it again; UDP may lose it, as on a wire).
    spare: Buffer,
    pub mac: [u8; 6],
    /// Frames sent to ourselves, oldest first.
    looped: RefCell<VecDeque<Vec<u8>>>,
    /// The interface's own IPv4 address (127.0.0.0/8 is ours as well).
    address: [u8; 4],
}

/// Frames the loopback queue holds at most.
const LOOPED_MAX: usize = 64;

impl Nic {
    pub fn find(address: [u8; 4]) -> Result<Nic, VirtioError> {
        let (transport, features) = Transport::find(virtio::NETWORK, FEATURE_MAC)?;
        let rx = Queue::new(RX_COUNT)?;
        let tx = Queue::new(TX_COUNT)?;
        transport.add_queue(RX, &rx)?;
        transport.add_queue(TX, &tx)?;
        let mut mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
        if features & FEATURE_MAC != 0 {
            for (i, byte) in mac.iter_mut().enumerate() {
                *byte = transport.config_byte(i);
            }
        }
        let nic = Nic {
            rx: RefCell::new(rx),
            tx: RefCell::new(Transmit { queue: tx, free: [true; TX_COUNT as usize] }),
            rx_buffers: buffers()?,
            tx_buffers: buffers()?,
            spare: buffers::<2>()?[0],
            transport,
            mac,
            looped: RefCell::new(VecDeque::new()),
            address,
        };
        for desc in 0..RX_COUNT {
            let buffer = nic.rx_buffers[desc as usize];
            nic.rx.borrow_mut().give(desc, buffer.phys, BUFFER as u32, true);
        }
        nic.transport.start();
        nic.transport.notify(RX);
        Ok(nic)
    }

    pub fn irq(&self) -> usize {
        self.transport.irq()
    }

    pub fn registers(&self) -> usize {
        self.transport.registers()
    }

    /// Whether `frame` is for one of our own addresses: IPv4 by its
    /// destination, ARP by the address asked or answered about, IPv6 by
    /// ::1 as its destination or source (neighbor discovery for ::1 goes
    /// from ::1 to a multicast group; nothing from ::1 belongs on a wire).
    fn is_ours(&self, frame: &[u8]) -> bool {
        const LOOPBACK6: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let target = match frame.get(12..14) {
            Some([0x08, 0x00]) => frame.get(30..34),
            Some([0x08, 0x06]) => frame.get(38..42),
            Some([0x86, 0xdd]) => return frame.get(22..38) == Some(&LOOPBACK6) || frame.get(38..54) == Some(&LOOPBACK6),
            _ => None,
        };
        target.is_some_and(|ip| ip[0] == 127 || ip == self.address)
    }

    /// Keeps `frame` for our own receive path, if it is for us.
    fn loop_back(&self, frame: &[u8]) -> bool {
        if !self.is_ours(frame) {
            return false;
        }
        let mut looped = self.looped.borrow_mut();
        if looped.len() < LOOPED_MAX {
            looped.push_back(frame.to_vec());
        }
        true
    }

    /// A free transmit descriptor, after taking back those the device sent.
    fn free_tx(&self) -> Option<u16> {
        let mut tx = self.tx.borrow_mut();
        while let Some((desc, _)) = tx.queue.take_used() {
            tx.free[desc as usize] = true;
        }
        tx.free.iter().position(|&free| free).map(|desc| desc as u16)
    }
}

pub enum RxToken<'a> {
    Device { nic: &'a Nic, desc: u16, len: usize },
    Looped(Vec<u8>),
}

pub struct TxToken<'a> {
    nic: &'a Nic,
}

impl phy::RxToken for RxToken<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        let (nic, desc, len) = match self {
            RxToken::Device { nic, desc, len } => (nic, desc, len),
            RxToken::Looped(frame) => return f(&frame),
        };
        let buffer = nic.rx_buffers[desc as usize];
        let end = len.clamp(HEADER, BUFFER);
        let result = f(&buffer.bytes()[HEADER..end]);
        nic.rx.borrow_mut().give(desc, buffer.phys, BUFFER as u32, true);
        nic.transport.notify(RX);
        result
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let len = len.min(BUFFER - HEADER);
        let Some(desc) = self.nic.free_tx() else {
            let frame = &mut self.nic.spare.bytes()[..len];
            let result = f(frame);
            self.nic.loop_back(frame);
            return result;
        };
        let buffer = self.nic.tx_buffers[desc as usize];
        let bytes = buffer.bytes();
        bytes[..HEADER].fill(0);
        let result = f(&mut bytes[HEADER..HEADER + len]);
        if self.nic.loop_back(&bytes[HEADER..HEADER + len]) {
            return result;
        }
        let mut tx = self.nic.tx.borrow_mut();
        tx.free[desc as usize] = false;
        tx.queue.give(desc, buffer.phys, (HEADER + len) as u32, false);
        drop(tx);
        self.nic.transport.notify(TX);
        result
    }
}

impl phy::Device for Nic {
    type RxToken<'a> = RxToken<'a>;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken<'_>, TxToken<'_>)> {
        if let Some(frame) = self.looped.borrow_mut().pop_front() {
            return Some((RxToken::Looped(frame), TxToken { nic: self }));
        }
        let (desc, len) = self.rx.borrow_mut().take_used()?;
        Some((RxToken::Device { nic: self, desc, len: len as usize }, TxToken { nic: self }))
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        self.free_tx()?;
        Some(TxToken { nic: self })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MTU;
        caps
    }
}
