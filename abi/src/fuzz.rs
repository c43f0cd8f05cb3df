//! Fuzzing the ABI's decoders of outside input: the parameter block a
//! process receives (`params::blocks` and `params::strings`, which std
//! walks at start-up), the console stream `xous-run` splits
//! (`console::Decoder`: QEMU's serial output, stray bytes included) and
//! the exit notices servers accept (`ExitNotice::from_envelope`, on any
//! message any process sends). Each from valid input made by our own
//! writers, damaged by `fuzz_kit`: no panic, work and output bounded by the
//! input, the same answer twice, undamaged input read back exactly.

extern crate std;

use crate::console::{header, Channel, Decoder, SYNC};
use crate::message::{InvokeType, MessageSender};
use crate::params::{blocks, encode, encoded_len, strings};
use crate::platform::{Ending, ExitNotice, KERNEL_PID};
use fuzz_kit::{Field, Mutator, Rng, Verdict};
use std::string::String;
use std::vec::Vec;
use std::{format, vec};

fn text(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len).map(|_| *rng.pick(&['a', 'Z', ' ', '=', '\u{e9}', '\u{1f600}', '\0'])).collect()
}

/// Every block of `params` and every string in each, bounded by its size.
fn walk(params: &[u8]) -> Option<Vec<([u8; 4], Vec<String>)>> {
    let mut out = Vec::new();
    for block in blocks(params)? {
        assert!(out.len() <= params.len() / 8, "each block takes 8 bytes at least");
        let words: Vec<String> = strings(block.data).map(String::from).collect();
        assert!(words.len() <= block.data.len() / 2, "each string takes 2 bytes at least");
        out.push((block.magic, words));
    }
    Some(out)
}

#[test]
fn parameter_blocks_walk_bounded_and_read_back() {
    fuzz_kit::run("abi-params", 20_000, |rng| {
        let args: Vec<String> = (0..rng.below(4)).map(|_| text(rng)).collect();
        let env: Vec<(String, String)> = (0..rng.below(3)).map(|_| (text(rng), text(rng))).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut params = vec![0u8; encoded_len(&args, &env)];
        encode(&args, &env, &mut params).expect("fits");
        let pristine = walk(&params).expect("our own block");
        assert_eq!(pristine[2].1, args, "the arguments read back");
        let mut fields = vec![Field::le32(4), Field::le32(8), Field::le32(12), Field::le32(20), Field::le16(24)];
        let args_at = 24 + Field::le32(20).get(&params).unwrap() as usize;
        fields.extend([Field::le32(args_at + 4), Field::le16(args_at + 8), Field::le16(26), Field::le16(args_at + 10)]);
        Mutator { fields: &fields, block: 8, max_len: params.len() + 64 }.mutate_some(&mut params, rng, 3);
        let walked = walk(&params);
        assert_eq!(walked, walk(&params), "the same block, the same walk");
        if walked.is_some() { Verdict::Accepted } else { Verdict::Refused }
    });
}

#[test]
fn the_console_stream_splits_back_into_its_frames() {
    fuzz_kit::run("abi-console", 3000, |rng| {
        let mut stream = Vec::new();
        let mut sent: [Vec<u8>; 4] = Default::default();
        for _ in 0..rng.range(1, 6) {
            if rng.one_in(4) {
                let len = rng.range(1, 8);
                let stray: Vec<u8> = rng.bytes(len).into_iter().filter(|&b| b != SYNC).collect();
                sent[Channel::Kernel as usize].extend(&stray);
                stream.extend(stray);
            }
            let channel = *rng.pick(&[Channel::Kernel, Channel::Stdout, Channel::Stderr, Channel::Crash]);
            let len = rng.below(300);
            let payload = rng.bytes(len);
            stream.extend(header(channel, payload.len()));
            stream.extend(&payload);
            sent[channel as usize].extend(payload);
        }
        let decode = |stream: &[u8]| {
            let mut decoder = Decoder::default();
            let mut got: [Vec<u8>; 4] = Default::default();
            for &byte in stream {
                if let Some((channel, byte)) = decoder.push(byte) {
                    got[channel as usize].push(byte);
                }
            }
            got
        };
        assert_eq!(decode(&stream), sent, "an undamaged stream splits exactly");
        let frames = [Field::u8(0), Field::u8(1), Field::le16(2)];
        Mutator { fields: &frames, block: 4, max_len: stream.len() + 64 }.mutate_some(&mut stream, rng, 4);
        let got = decode(&stream);
        assert!(got.iter().map(Vec::len).sum::<usize>() <= stream.len(), "no byte out that did not come in");
        assert_eq!(got, decode(&stream));
        // "Accepted": the damage left what each channel carries unchanged.
        if got == sent { Verdict::Accepted } else { Verdict::Refused }
    });
}

#[test]
fn only_the_kernel_sends_exit_notices() {
    let scalar = InvokeType::Scalar.envelope_kind();
    fuzz_kit::run("abi-exit-notice", 50_000, |rng| {
        let watched = *rng.pick(&[0, 1, 100, usize::MAX]);
        let pid = *rng.pick(&[0, KERNEL_PID, KERNEL_PID, 2, 255]);
        let sender = MessageSender::new(pid, rng.next_u32() as u8, rng.next_u32() as u16).0;
        let kind = *rng.pick(&[0, 2, scalar, scalar, scalar + 1, usize::MAX]);
        let id = if rng.one_in(2) { watched } else { rng.next_u64() as usize };
        let args = [0, 1, 2, 3].map(|_| {
            let any = rng.next_u64() as usize;
            *rng.pick(&[0, 0, 1, 1, 2, 255, 256, usize::MAX, any])
        });
        let notice = ExitNotice::from_envelope(sender, kind, id, args, watched);
        let genuine = pid == KERNEL_PID && kind == scalar && id == watched && args[0] <= 255 && args[2] <= 2;
        assert_eq!(notice.is_some(), genuine, "{}", format!("{sender:#x} {kind} {id} {args:?}"));
        match notice {
            Some(n) => {
                assert_eq!((n.pid as usize, n.code, n.ending as usize), (args[0], args[1] as u32, args[2]));
                assert_eq!(ExitNotice::from_envelope(sender, kind, id, n.words(), watched), Some(n));
                assert!(matches!(n.ending, Ending::Exited | Ending::Faulted | Ending::Killed));
                Verdict::Accepted
            }
            None => Verdict::Refused,
        }
    });
}
