//! The wire format of the published `xous-api-names` client (crates.io),
//! so that programs written for Xous register and look up names here
//! unchanged. Its Register and Lookup requests are rkyv 0.8 archives
//! (little-endian, aligned, 32-bit relative pointers: rkyv's default
//! format) in a lent page, whose `offset` is the archive's length; the
//! archive's root object ends there. The answer is an archived `Return`
//! written from the start of the same page, its length going back as the
//! `offset` of ReturnMemory.
//!
//! We read and write the few archived shapes involved by hand instead of
//! depending on rkyv: the name server stays no_std without a heap, and every
//! offset taken from the client is checked against the page. The layouts,
//! as rkyv derives them for the client's types:
//!
//! - `ArchivedString`, 8 bytes: inline (first byte not `0b10xx_xxxx`): up
//!   to 8 bytes of text, ended by the first 0xFF; out of line: a u32 length
//!   with `0b10` in bits 6..8 (length bits 0..6 stay, the rest moves up by
//!   2), then an i32 offset of the text from the string's own position.
//! - `ArchivedOption<T>`: a u8 tag (0 None, 1 Some) and `T` at its alignment.
//! - `Registration { name: String, conn_limit: Option<u32> }`: name at 0,
//!   option at 8; 16 bytes.
//! - `Return`, 48 bytes: a u8 tag, then the variant's fields from byte 4.
//!   Tags: 0 AuthenticateRequest, 1 Failure, 2 SID([u32; 4]),
//!   3 CID((u32, Option<[u32; 4]>)), 4 Success.
//!
//! `tests` checks all of this against rkyv itself, on the host.

use xous_abi::services::names::NAME_MAX_LENGTH;

const STRING_SIZE: usize = 8;
const REGISTRATION_SIZE: usize = 16;
/// The size of an archived `Return`, whatever its variant.
pub const RETURN_SIZE: usize = 48;

const RETURN_FAILURE: u8 = 1;
const RETURN_SID: u8 = 2;
const RETURN_CID: u8 = 3;

/// A Register request: the name, and how many connections may be made to
/// it (None: any number).
#[derive(Debug, PartialEq, Eq)]
pub struct Registration<'a> {
    pub name: &'a str,
    pub conn_limit: Option<u32>,
}

/// Reads a Register request from the first `used` bytes of `page`.
pub fn read_registration(page: &[u8], used: usize) -> Option<Registration<'_>> {
    let archive = page.get(..used)?;
    let root = root_of(archive, REGISTRATION_SIZE)?;
    let name = read_string(archive, root)?;
    let conn_limit = match archive[root + 8] {
        0 => None,
        1 => Some(u32_at(archive, root + 12)?),
        _ => return None,
    };
    Some(Registration { name, conn_limit })
}

/// Reads a Lookup request (an archived `String`) from the first `used`
/// bytes of `page`.
pub fn read_lookup(page: &[u8], used: usize) -> Option<&str> {
    let archive = page.get(..used)?;
    let root = root_of(archive, STRING_SIZE)?;
    read_string(archive, root)
}

/// Writes `Return::SID(sid)` at the start of `page`; the archive's length.
pub fn write_sid(page: &mut [u8], sid: [u32; 4]) -> usize {
    let out = start_return(page, RETURN_SID);
    put_words(&mut out[4..20], &sid);
    RETURN_SIZE
}

/// Writes `Return::CID((cid, None))`: connected, no disconnect token.
pub fn write_cid(page: &mut [u8], cid: u32) -> usize {
    let out = start_return(page, RETURN_CID);
    out[4..8].copy_from_slice(&cid.to_le_bytes());
    out[8] = 0;
    RETURN_SIZE
}

/// Writes `Return::Failure`.
pub fn write_failure(page: &mut [u8]) -> usize {
    start_return(page, RETURN_FAILURE);
    RETURN_SIZE
}

fn start_return(page: &mut [u8], tag: u8) -> &mut [u8] {
    let out = &mut page[..RETURN_SIZE];
    out.fill(0);
    out[0] = tag;
    out
}

fn put_words(out: &mut [u8], words: &[u32]) {
    for (chunk, word) in out.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
}

/// Where a root object of `size` bytes (4-aligned) sits: it ends the archive.
fn root_of(archive: &[u8], size: usize) -> Option<usize> {
    let root = archive.len().checked_sub(size)?;
    (root % 4 == 0).then_some(root)
}

fn u32_at(archive: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(archive.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// The text of the archived string at `at`, if it lies inside the archive,
/// is at most a name long and is UTF-8.
fn read_string(archive: &[u8], at: usize) -> Option<&str> {
    let repr = archive.get(at..at.checked_add(STRING_SIZE)?)?;
    let bytes = if repr[0] & 0xc0 != 0x80 {
        let len = repr.iter().position(|&b| b == 0xff).unwrap_or(STRING_SIZE);
        &repr[..len]
    } else {
        let raw = u32_at(archive, at)?;
        let len = ((raw & 0x3f) | ((raw & !0xff) >> 2)) as usize;
        let offset = u32_at(archive, at + 4)? as i32;
        let start = (at as isize).checked_add(offset as isize)?;
        let start = usize::try_from(start).ok()?;
        archive.get(start..start.checked_add(len)?)?
    };
    if bytes.len() > NAME_MAX_LENGTH {
        return None;
    }
    core::str::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rkyv::rancor::Error;

    // The client's types, as `xous-api-names` 0.9.72 declares them.
    #[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
    pub(super) struct ClientRegistration {
        pub(super) name: String,
        pub(super) conn_limit: Option<u32>,
    }

    #[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
    #[repr(C)]
    struct AuthenticateRequest {
        name: String,
        pubkey_id: [u8; 20],
        challenge: [u32; 4],
    }

    #[derive(rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
    #[repr(C)]
    #[allow(dead_code)]
    enum Return {
        AuthenticateRequest(AuthenticateRequest),
        Failure,
        SID([u32; 4]),
        CID((u32, Option<[u32; 4]>)),
        Success,
    }

    /// The archive as xous-ipc's Buffer would lend it: in a page, `used` long.
    fn page_of(bytes: &[u8]) -> ([u8; 4096], usize) {
        let mut page = [0u8; 4096];
        page[..bytes.len()].copy_from_slice(bytes);
        (page, bytes.len())
    }

    #[test]
    fn reads_registrations_as_rkyv_writes_them() {
        for name in ["", "a", "echo", "exactly8", "a longer name, out of line", &"n".repeat(64)] {
            for conn_limit in [None, Some(0), Some(3), Some(u32::MAX)] {
                let bytes = rkyv::to_bytes::<Error>(&ClientRegistration { name: name.into(), conn_limit }).unwrap();
                let (page, used) = page_of(&bytes);
                assert_eq!(read_registration(&page, used), Some(Registration { name, conn_limit }), "{name:?}");
            }
        }
    }

    #[test]
    fn reads_lookups_as_rkyv_writes_them() {
        for name in ["", "x", "ticktime", "ticktimer-server", "\u{e9}\u{e8} unicode names"] {
            let bytes = rkyv::to_bytes::<Error>(&String::from(name)).unwrap();
            let (page, used) = page_of(&bytes);
            assert_eq!(read_lookup(&page, used), Some(name));
        }
    }

    #[test]
    fn our_answers_are_what_rkyv_reads() {
        assert_eq!(core::mem::size_of::<ArchivedReturn>(), RETURN_SIZE);
        let mut page = [0xa5u8; 4096];
        let used = write_sid(&mut page, [1, 2, 3, 0xdead_beef]);
        let back = rkyv::from_bytes::<Return, Error>(&page[..used]).unwrap();
        assert!(matches!(back, Return::SID([1, 2, 3, 0xdead_beef])));
        let used = write_cid(&mut page, 17);
        let back = rkyv::from_bytes::<Return, Error>(&page[..used]).unwrap();
        assert!(matches!(back, Return::CID((17, None))));
        let used = write_failure(&mut page);
        let back = rkyv::from_bytes::<Return, Error>(&page[..used]).unwrap();
        assert!(matches!(back, Return::Failure));
    }

    #[test]
    fn refuses_archives_that_point_outside_or_are_too_long() {
        let bytes = rkyv::to_bytes::<Error>(&String::from("a name that is stored out of line")).unwrap();
        let (mut page, used) = page_of(&bytes);
        assert!(read_lookup(&page, used).is_some());
        assert_eq!(read_lookup(&page, used - 1), None, "root misaligned");
        assert_eq!(read_lookup(&page, 4), None, "shorter than a string");
        assert_eq!(read_lookup(&page, 5000), None, "longer than the page");
        let root = used - 8;
        for offset in [i32::MIN, -(root as i32) - 1, 8, 4096, i32::MAX] {
            page[root + 4..root + 8].copy_from_slice(&offset.to_le_bytes());
            assert_eq!(read_lookup(&page, used), None, "offset {offset}");
        }
        let long = rkyv::to_bytes::<Error>(&"n".repeat(65)).unwrap();
        let (page, used) = page_of(&long);
        assert_eq!(read_lookup(&page, used), None, "over 64 bytes");
        let bad_utf8 = [0xc3, 0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(read_lookup(&bad_utf8, 8), None);
        let mut registration = rkyv::to_bytes::<Error>(&ClientRegistration { name: "n".into(), conn_limit: None }).unwrap().to_vec();
        let tag = registration.len() - 8;
        registration[tag] = 2;
        assert_eq!(read_registration(&registration, registration.len()), None, "option tag 2");
    }

    #[test]
    fn survives_every_short_or_garbled_archive() {
        // Every length and a walk of byte values over a real request: no panic.
        let bytes = rkyv::to_bytes::<Error>(&ClientRegistration { name: "a name stored out of line".into(), conn_limit: Some(2) }).unwrap();
        let (mut page, used) = page_of(&bytes);
        for cut in 0..=used {
            let _ = read_registration(&page, cut);
            let _ = read_lookup(&page, cut);
        }
        for at in 0..used {
            for value in [0u8, 0x7f, 0x80, 0xbf, 0xff] {
                let keep = page[at];
                page[at] = value;
                let _ = read_registration(&page, used);
                let _ = read_lookup(&page, used);
                page[at] = keep;
            }
        }
    }
}

#[cfg(test)]
mod fuzz;
