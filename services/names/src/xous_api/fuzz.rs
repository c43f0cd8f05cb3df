//! Fuzzing the hand-written rkyv reading: a Register or Lookup request is
//! a page any process can lend the name server, so its archive is outside
//! input. The seeds are archives rkyv itself writes (names inline and out
//! of line, up to 64 bytes and over, with and without a connection limit);
//! mutations aim at the string's representation (its first byte, length
//! and relative offset), the option's tag and value, and at `used`, the
//! archive's length the client claims. Our reader must never panic, give
//! the same answer twice, return only names inside the archive, and agree
//! with rkyv's own validating reader: what rkyv accepts (with a name of
//! at most 64 bytes) we accept, with the same name and limit.

use super::tests::{ArchivedClientRegistration, ClientRegistration};
use super::{read_lookup, read_registration, Registration};
use fuzz_kit::{Field, Mutator, Rng, Verdict};
use rkyv::rancor::Error;
use xous_abi::services::names::NAME_MAX_LENGTH;

/// A lent page: aligned as xous-ipc's buffers are, so rkyv reads it too.
#[repr(C, align(16))]
struct Page([u8; 4096]);

const NAMES: [&str; 7] = ["", "a", "exactly8", "ticktimer-server", "\u{e9}\u{e8} unicode names", "n-64", "n-65"];

fn name(pick: &str) -> String {
    match pick {
        "n-64" => "n".repeat(64),
        "n-65" => "n".repeat(65),
        other => other.to_string(),
    }
}

/// A seed archive, its length, and whether it is a registration.
fn seed(rng: &mut Rng) -> (Vec<u8>, bool) {
    let text = name(rng.pick(&NAMES));
    if rng.one_in(2) {
        let conn_limit = *rng.pick(&[None, Some(0), Some(1), Some(u32::MAX)]);
        (rkyv::to_bytes::<Error>(&ClientRegistration { name: text, conn_limit }).unwrap().to_vec(), true)
    } else {
        (rkyv::to_bytes::<Error>(&text).unwrap().to_vec(), false)
    }
}

/// The fields of an archive whose root (`root_size` bytes) ends it.
fn fields(len: usize, registration: bool) -> Vec<Field> {
    let root = len.saturating_sub(if registration { 16 } else { 8 });
    let mut fields = vec![Field::u8(root), Field::le32(root), Field::le32(root + 4), Field::u8(root + 3)];
    if registration {
        fields.extend([Field::u8(root + 8), Field::le32(root + 12)]);
    }
    fields
}

/// Whether `inner` lies inside `outer`'s first `used` bytes.
fn inside(inner: &str, outer: &[u8], used: usize) -> bool {
    let (start, base) = (inner.as_ptr() as usize, outer.as_ptr() as usize);
    inner.is_empty() || (start >= base && start + inner.len() <= base + used)
}

#[test]
fn archives_from_any_process_are_read_safely_and_as_rkyv_reads_them() {
    fuzz_kit::run("names-rkyv", 20_000, |rng| {
        let (mut archive, registration) = seed(rng);
        let fields = fields(archive.len(), registration);
        Mutator { fields: &fields, block: 4, max_len: 512 }.mutate_some(&mut archive, rng, 3);
        let mut page = Page([0; 4096]);
        if rng.one_in(4) {
            page.0.copy_from_slice(&rng.bytes(4096));
        }
        page.0[..archive.len()].copy_from_slice(&archive);
        let used = match rng.below(8) {
            0 => *rng.pick(&[0, 1, 7, 8, 15, 16, 4095, 4096, 4097, usize::MAX]),
            1 => archive.len().wrapping_add(rng.range(1, 8)).wrapping_sub(4),
            _ => archive.len(),
        };
        let page = &page.0;
        let accepted = if registration {
            let ours = read_registration(page, used);
            assert_eq!(ours, read_registration(page, used), "the same page, the same answer");
            if let Some(Registration { name, .. }) = &ours {
                assert!(name.len() <= NAME_MAX_LENGTH && inside(name, page, used));
            }
            if let Some(theirs) = page.get(..used).and_then(|a| rkyv::access::<ArchivedClientRegistration, Error>(a).ok()) {
                if theirs.name.len() <= NAME_MAX_LENGTH {
                    let limit = theirs.conn_limit.as_ref().map(|l| l.to_native());
                    assert_eq!(ours, Some(Registration { name: theirs.name.as_str(), conn_limit: limit }), "as rkyv reads it");
                }
            }
            ours.is_some()
        } else {
            let ours = read_lookup(page, used);
            assert_eq!(ours, read_lookup(page, used), "the same page, the same answer");
            if let Some(name) = ours {
                assert!(name.len() <= NAME_MAX_LENGTH && inside(name, page, used));
            }
            if let Some(theirs) = page.get(..used).and_then(|a| rkyv::access::<rkyv::string::ArchivedString, Error>(a).ok()) {
                if theirs.len() <= NAME_MAX_LENGTH {
                    assert_eq!(ours, Some(theirs.as_str()), "as rkyv reads it");
                }
            }
            ours.is_some()
        };
        if accepted { Verdict::Accepted } else { Verdict::Refused }
    });
}
