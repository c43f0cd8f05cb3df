//! std's request and reply layouts (`sys/net/connection/xous/*.rs`), read
//! and written in the lent page. Every reader checks bounds and answers
//! `None` for what std would never send, so a malformed request gets an
//! error reply. Integers are little-endian; addresses are a version byte
//! (4 or 6) and then the address's bytes (4 or 16, in network order).

use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address, Ipv6Address};
use xous_abi::services::net;

/// An address after a version byte at `at`: IPv4, or IPv6 (of which only
/// ::1 and the unspecified address are ours).
pub fn address(page: &[u8], at: usize) -> Option<IpAddress> {
    match page.get(at)? {
        4 => {
            let b: [u8; 4] = page.get(at + 1..at + 5)?.try_into().ok()?;
            Some(IpAddress::Ipv4(Ipv4Address::from(b)))
        }
        6 => {
            let b: [u8; 16] = page.get(at + 1..at + 17)?.try_into().ok()?;
            Some(IpAddress::Ipv6(Ipv6Address::from(b)))
        }
        _ => None,
    }
}

/// `address` as a version byte and its bytes at the start of `out`; how
/// many bytes that took.
pub fn write_address(out: &mut [u8], address: IpAddress) -> usize {
    match address {
        IpAddress::Ipv4(v4) => {
            out[0] = 4;
            out[1..5].copy_from_slice(&v4.octets());
            5
        }
        IpAddress::Ipv6(v6) => {
            out[0] = 6;
            out[1..17].copy_from_slice(&v6.octets());
            17
        }
    }
}

pub fn u16_at(page: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(page.get(at..at + 2)?.try_into().ok()?))
}

pub fn u64_at(page: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(page.get(at..at + 8)?.try_into().ok()?))
}

/// TCP connect: port at 0, timeout (ms, u64) at 2, address at 10.
pub fn connect(page: &[u8]) -> Option<(IpEndpoint, u64)> {
    Some((IpEndpoint::new(address(page, 10)?, u16_at(page, 0)?), u64_at(page, 2)?))
}

/// TCP listen and UDP bind: port at 0, address at 2.
pub fn bind(page: &[u8]) -> Option<(IpAddress, u16)> {
    Some((address(page, 2)?, u16_at(page, 0)?))
}

/// UDP send: port at 0, address at 2 (up to 17 bytes), length (u16) at
/// 19, data at 21.
pub fn udp_send(page: &[u8]) -> Option<(IpEndpoint, core::ops::Range<usize>)> {
    let len = u16_at(page, 19)? as usize;
    page.get(21..21 + len)?;
    Some((IpEndpoint::new(address(page, 2)?, u16_at(page, 0)?), 21..21 + len))
}

/// A listen's or UDP bind's answer: 0 at 0, the socket number's low byte
/// at 1 (all the upstream client reads) and its high byte at 4
/// (std-xous), the port at 2.
pub fn write_bound(page: &mut [u8], number: u16, port: u16) {
    let [low, high] = number.to_le_bytes();
    (page[1], page[net::SOCKET_HIGH_AT]) = (low, high);
    page[2..4].copy_from_slice(&port.to_le_bytes());
}

/// Where a received datagram's data starts in a UDP receive reply.
pub const UDP_DATA_AT: usize = 22;

/// The peer of an accept or a UDP receive: version at 3, address at 4,
/// port at 20 (room for IPv6's 16 bytes in between).
pub fn write_peer(page: &mut [u8], peer: IpEndpoint) {
    write_address(&mut page[3..20], peer.addr);
    page[20..22].copy_from_slice(&peer.port.to_le_bytes());
}

/// A DNS answer: 0 at 0, the count at 1, then per address 4 and its four
/// bytes; a byte that is neither 4 nor 6 ends the list for std.
pub fn write_dns_answer(page: &mut [u8], addresses: &[Ipv4Address]) {
    page.fill(0);
    let count = addresses.len().min((page.len() - 3) / 5).min(255);
    page[1] = count as u8;
    for (i, address) in addresses[..count].iter().enumerate() {
        page[2 + 5 * i] = 4;
        page[3 + 5 * i..7 + 5 * i].copy_from_slice(&address.octets());
    }
}
