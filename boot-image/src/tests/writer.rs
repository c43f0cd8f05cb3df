//! What the writer refuses before it writes: kernel segments outside their
//! range, names and parameters that do not fit; and that what the parser
//! would refuse comes back as `WriteError::Invalid`.

use super::*;
use crate::error::{ImageError, ProcessError, SegmentError};
use crate::write::WriteError;
use std::string::ToString;
use xous_abi::params::ParamsError;

fn one_process<'a>(name: &'a str, args: &'a [&'a str], segments: &'a [ProcessSegment<'a>]) -> [ProcessInput<'a>; 1] {
    [ProcessInput { name, main: true, on_demand: false, entry: 0x1_0000, eh_frame: 0, args, env: &[], blocks: &[], in_store: false, segments }]
}

#[test]
fn kernel_segments_must_lie_after_the_header_page_within_4_mib() {
    let text = kernel_text();
    let at = |paddr: u32| [KernelSegment { paddr, mem_size: 0x2000, bytes: &text }];
    assert!(write(LOAD, &at(LOAD + 0x1000), &[]).is_ok());
    for paddr in [LOAD, LOAD + 0xfff, 0xffc0_1000, LOAD + 0x3f_f000] {
        match write(LOAD, &at(paddr), &[]) {
            Err(WriteError::KernelSegmentOutOfRange { index: 0, start, end, .. }) => {
                assert_eq!((start, end), (0x8000_1000, 0x8040_0000));
            }
            other => panic!("{paddr:#x}: {other:?}"),
        }
    }
    // Elsewhere in memory (another board): the same kernel, linked for there.
    let image = write(0x4000_0000, &at(0x4000_1000), &[]).unwrap();
    assert_eq!(crate::parse(&image).unwrap().header().load_address, 0x4000_0000);
    let message = write(LOAD, &at(LOAD), &[]).unwrap_err().to_string();
    assert!(message.contains("kernel segment 0 (physical 0x80000000"), "{message}");
}

#[test]
fn on_demand_is_written_as_its_flag() {
    let text = kernel_text();
    let code = [ProcessSegment { vaddr: 0x1_0000, mem_size: 0x2000, flags: crate::layout::segment::FLAG_R | crate::layout::segment::FLAG_X, bytes: &text }];
    let mut processes = [one_process("fs", &["fs"], &code)[0], one_process("app", &["app"], &code)[0]];
    processes[0].main = false;
    processes[0].on_demand = true;
    let image = write(LOAD, &sample_kernel(&text), &processes).unwrap();
    let parsed = crate::parse(&image).unwrap();
    let flags: std::vec::Vec<(&str, bool)> = parsed.processes().map(|p| (p.name, p.is_on_demand())).collect();
    assert_eq!(flags, [("fs", true), ("app", false)]);
    processes[1].on_demand = true;
    let refused = write(LOAD, &sample_kernel(&text), &processes).unwrap_err().to_string();
    assert!(refused.contains("never both"), "MAIN and on demand: {refused}");
}

#[test]
fn kernel_segment_refusals() {
    let text = kernel_text();
    let big = [KernelSegment { paddr: LOAD + 0x1000, mem_size: 0x10, bytes: &text }];
    assert!(matches!(write(LOAD, &big, &[]), Err(WriteError::KernelSegmentFileLargerThanMemory { index: 0, .. })));
    let overlapping = [
        KernelSegment { paddr: LOAD + 0x3000, mem_size: 0x1000, bytes: &[] },
        KernelSegment { paddr: LOAD + 0x1000, mem_size: 0x2001, bytes: &text },
    ];
    assert_eq!(write(LOAD, &overlapping, &[]), Err(WriteError::KernelSegmentsOverlap { first: 1, second: 0 }));
    assert_eq!(write(LOAD, &[], &[]), Err(WriteError::NoKernel));
    let empty = [KernelSegment { paddr: 0, mem_size: 0, bytes: &[] }];
    assert_eq!(write(LOAD, &empty, &[]), Err(WriteError::NoKernel), "empty segments are skipped");
    let kernel = sample_kernel(&text);
    assert_eq!(write(LOAD + 0x800, &kernel, &[]), Err(WriteError::LoadAddressUnaligned { address: LOAD + 0x800 }));
}

#[test]
fn names_and_parameters_must_fit() {
    let text = kernel_text();
    let kernel = sample_kernel(&text);
    let code = [ProcessSegment { vaddr: 0x1_0000, mem_size: 4, flags: R | X, bytes: &[0x6f, 0, 0, 0] }];
    let long_name = "n".repeat(65);
    assert!(matches!(write(LOAD, &kernel, &one_process(&long_name, &[], &code)), Err(WriteError::NameLength { .. })));
    assert!(matches!(write(LOAD, &kernel, &one_process("", &[], &code)), Err(WriteError::NameLength { .. })));
    assert!(write(LOAD, &kernel, &one_process(&"n".repeat(64), &[], &code)).is_ok());
    let long_arg = "a".repeat(70_000);
    let args = [long_arg.as_str()];
    let refused = write(LOAD, &kernel, &one_process("app", &args, &code));
    assert!(matches!(refused, Err(WriteError::Params { index: 0, error: ParamsError::TooLong, .. })));
    // Every string fits, the block does not: the kernel would have no room
    // for it at the top of the main stack.
    let strings: std::vec::Vec<std::string::String> = (0..5).map(|i| std::format!("{i}").repeat(60_000)).collect();
    let args: std::vec::Vec<&str> = strings.iter().map(|s| s.as_str()).collect();
    let refused = write(LOAD, &kernel, &one_process("app", &args, &code)).unwrap_err();
    assert!(matches!(refused, WriteError::ParamsTooLarge { index: 0, len, .. } if len > xous_abi::params::BOOT_BLOCK_MAX), "{refused:?}");
    assert!(refused.to_string().contains("more than the 262144 a process starts with"), "{refused}");
    assert!(write(LOAD, &kernel, &one_process("app", &args[..4], &code)).is_ok(), "240 KB fit");
}

#[test]
fn what_the_parser_refuses_comes_back_as_invalid() {
    let text = kernel_text();
    let kernel = sample_kernel(&text);
    let high = [ProcessSegment { vaddr: 0xff00_0000, mem_size: 0x1000, flags: R | X, bytes: &[1] }];
    let error = write(LOAD, &kernel, &one_process("high", &[], &high)).unwrap_err();
    let WriteError::Invalid(ImageError::Process { index: 0, error: ProcessError::Segment { index: 0, error }, .. }) =
        error
    else {
        panic!("{error:?}");
    };
    assert!(matches!(error, SegmentError::NotUserSpace { .. }));
    let shared = [
        ProcessSegment { vaddr: 0x1_0000, mem_size: 0x100, flags: R | X, bytes: &[1; 0x100] },
        ProcessSegment { vaddr: 0x1_0800, mem_size: 0x100, flags: R | W, bytes: &[2; 0x10] },
    ];
    let message = write(LOAD, &kernel, &one_process("shared", &[], &shared)).unwrap_err().to_string();
    assert!(message.starts_with("process 0 (`shared`): segment 1: shares a page with segment 0"), "{message}");
}

#[test]
fn more_parameter_blocks_follow_args_and_env() {
    let text = kernel_text();
    let kernel = sample_kernel(&text);
    let code = [ProcessSegment { vaddr: 0x1_0000, mem_size: 4, flags: R | X, bytes: &[0x6f, 0, 0, 0] }];
    let blocks = [(*b"Proc", &b"a working directory"[..]), (*b"Xtra", &[][..])];
    let process = [ProcessInput { name: "app", main: true, on_demand: false, entry: 0x1_0000, eh_frame: 0, args: &["app", "x"], env: &[("K", "v")], blocks: &blocks, in_store: false, segments: &code }];
    let image = write(LOAD, &kernel, &process).expect("written");
    let parsed = crate::parse(&image).expect("parsed");
    let params = parsed.processes().next().expect("one process").params;
    assert_eq!(xous_abi::params::block(params, *b"Proc"), Some(&b"a working directory"[..]));
    assert_eq!(xous_abi::params::block(params, *b"Xtra"), Some(&[][..]));
    assert_eq!(xous_abi::params::arguments(params).map(|a| a.collect::<std::vec::Vec<_>>()), Some(std::vec!["app", "x"]));
}
