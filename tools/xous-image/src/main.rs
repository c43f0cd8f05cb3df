//! `xous-image`: builds a boot image from a kernel and process ELFs by hand
//! (xous-run does the same for every run), or shows what an image holds.

use std::path::PathBuf;
use std::process::ExitCode;
use xous_image::{build_image_split, ProcessSpec, BOARD_LOAD_ADDRESS};

/// The help text; `{LOAD}` stands for the board's load address.
const USAGE: &str = "\
usage: xous-image --kernel KERNEL.elf [--process NAME=PATH [--arg ARG]... [--env KEY=VALUE]... [--main | --on-demand] [--in-store]]... -o IMAGE [--store-out STORE]
       xous-image --show IMAGE

  --kernel PATH         the kernel ELF, linked to load at the load address + 0x1000
  --process NAME=PATH   an initial process, in boot order; its argv[0] is NAME
  --arg ARG             one more argument for the process named last
  --env KEY=VALUE       an environment variable for the process named last
  --main                the process named last is MAIN: its exit code ends the run
  --on-demand           the process named last (a service) starts when first asked
                        for (by the name server), not at boot
  --in-store            the segments of the process named last go to the program
                        store (the baosec board's NOR flash: docs/swap.md), the
                        image keeps the SHA-256 of each of their pages
  --load-address ADDR   where the image is loaded (default {LOAD}: the board's RAM)
  -o, --output PATH     where to write the image
  --store-out PATH      where to write the program store's bytes (with --in-store)
  --show IMAGE          check an image and print what it holds
";

fn usage() -> String {
    USAGE.replace("{LOAD}", &format!("{BOARD_LOAD_ADDRESS:#x}"))
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Build { kernel: PathBuf, processes: Vec<ProcessSpec>, load_address: u32, output: PathBuf, store: Option<PathBuf> },
    Show(PathBuf),
    Help,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse_args(&args) {
        Ok(command) => command,
        Err(why) => {
            eprintln!("xous-image: {why}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{}", usage());
            Ok(())
        }
        Command::Show(path) => show(&path),
        Command::Build { kernel, processes, load_address, output, store } => {
            build_image_split(load_address, 0, &kernel, &processes).map_err(|e| e.to_string()).and_then(|written| {
                let write = |path: &PathBuf, bytes: &[u8]| std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()));
                write(&output, &written.image)?;
                match &store {
                    Some(path) => write(path, &written.store),
                    None => Ok(()),
                }
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("xous-image: {why}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Command, String> {
    let (mut kernel, mut output, mut show, mut store) = (None, None, None, None);
    let mut load_address = BOARD_LOAD_ADDRESS;
    let mut processes: Vec<ProcessSpec> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--kernel" => kernel = Some(PathBuf::from(value()?)),
            "-o" | "--output" => output = Some(PathBuf::from(value()?)),
            "--store-out" => store = Some(PathBuf::from(value()?)),
            "--show" => show = Some(PathBuf::from(value()?)),
            "--load-address" => load_address = parse_address(value()?)?,
            "--process" => {
                let (name, path) = value()?.split_once('=').ok_or("--process takes NAME=PATH")?;
                let args = vec![name.to_string()];
                processes.push(ProcessSpec { name: name.into(), path: path.into(), args, env: vec![], main: false, on_demand: false, cwd: None, in_store: false });
            }
            "--arg" => {
                let value = value()?.clone();
                last(&mut processes, arg)?.args.push(value);
            }
            "--env" => {
                let (key, val) = value()?.split_once('=').ok_or("--env takes KEY=VALUE")?;
                let pair = (key.to_string(), val.to_string());
                last(&mut processes, arg)?.env.push(pair);
            }
            "--main" => last(&mut processes, arg)?.main = true,
            "--on-demand" => last(&mut processes, arg)?.on_demand = true,
            "--in-store" => last(&mut processes, arg)?.in_store = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let in_store = processes.iter().any(|p| p.in_store);
    if in_store != store.is_some() {
        return Err(match in_store {
            true => "--in-store needs --store-out STORE: where the program store's bytes go".into(),
            false => "--store-out: no process is --in-store".into(),
        });
    }
    match (show, kernel, output) {
        (Some(image), None, None) if processes.is_empty() => Ok(Command::Show(image)),
        (Some(_), _, _) => Err("--show takes no other option".into()),
        (None, Some(kernel), Some(output)) => Ok(Command::Build { kernel, processes, load_address, output, store }),
        (None, None, _) => Err("--kernel is required".into()),
        (None, Some(_), None) => Err("-o IMAGE is required".into()),
    }
}

/// The process the option `option` applies to: the one named last.
fn last<'a>(processes: &'a mut [ProcessSpec], option: &str) -> Result<&'a mut ProcessSpec, String> {
    let last = processes.last_mut();
    last.ok_or_else(|| format!("{option} applies to a process: give --process NAME=PATH first"))
}

/// `0x8000_0000`, `0x80000000` or decimal.
fn parse_address(text: &str) -> Result<u32, String> {
    let digits = text.replace('_', "");
    let parsed = match digits.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => digits.parse(),
    };
    parsed.map_err(|_| format!("`{text}` is not a 32-bit address"))
}

fn show(path: &PathBuf) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let image = boot_image::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    boot_image::verify_data(&image).map_err(|e| format!("{}: {e}", path.display()))?;
    let h = image.header();
    println!(
        "{}: boot image version {}, {} bytes, load address {:#x}",
        path.display(),
        h.version,
        h.image_len,
        h.load_address
    );
    println!(
        "kernel: {:#x} bytes stored at offset {:#x}, {:#x} bytes of memory; directory at {:#x}",
        h.kernel_file_size, h.kernel_offset, h.kernel_memory_size, h.directory_offset
    );
    for process in image.processes() {
        let main = match (process.is_main(), process.is_on_demand()) {
            (true, _) => " (MAIN)",
            (_, true) => " (on demand)",
            _ => "",
        };
        let argv = arguments(process.params);
        println!(
            "process {} `{}`{main}: entry {:#x}, eh_frame {:#x}, argv {argv:?}",
            process.index, process.name, process.entry, process.eh_frame
        );
        for (index, s) in process.segments().enumerate() {
            let flag = |bit, c| if s.flags & bit != 0 { c } else { '-' };
            use boot_image::layout::segment::{FLAG_R, FLAG_W, FLAG_X};
            let rwx: String = [flag(FLAG_R, 'r'), flag(FLAG_W, 'w'), flag(FLAG_X, 'x')].iter().collect();
            let end = s.vaddr as u64 + s.mem_size as u64;
            println!(
                "  segment {index}: {:#010x}..{end:#010x} {rwx}, {:#x} bytes at offset {:#x}",
                s.vaddr, s.file_size, s.offset
            );
        }
    }
    Ok(())
}

/// The argv of a parameter block (which `parse` has checked).
fn arguments(params: &[u8]) -> Vec<&str> {
    xous_abi::params::arguments(params).map(Iterator::collect).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options_attach_to_the_process_named_last() {
        let command = parse_args(&args(
            "--kernel k.elf --process log=l.elf --process app=a.elf --arg x --env K=V=W --main -o i.bin",
        ))
        .unwrap();
        let Command::Build { kernel, processes, load_address, output, store } = command else { panic!("{command:?}") };
        assert_eq!((kernel, output, load_address, store), ("k.elf".into(), "i.bin".into(), 0x8000_0000, None));
        assert_eq!(
            processes[0],
            ProcessSpec {
                name: "log".into(),
                path: "l.elf".into(),
                args: vec!["log".into()],
                env: vec![],
                main: false,
                on_demand: false,
                cwd: None,
                in_store: false
            }
        );
        assert_eq!(processes[1].args, ["app", "x"]);
        assert_eq!(processes[1].env, [("K".to_string(), "V=W".to_string())]);
        assert!(processes[1].main);
        let stored = parse_args(&args("--kernel k --process app=a.elf --main --in-store -o i --store-out s")).unwrap();
        let Command::Build { processes, store, .. } = stored else { panic!("{stored:?}") };
        assert!(processes[0].in_store && processes[0].main);
        assert_eq!(store, Some("s".into()));
        assert!(parse_args(&args("--kernel k --process app=a.elf --in-store -o i")).unwrap_err().contains("--in-store needs --store-out"));
        assert!(parse_args(&args("--kernel k --process app=a.elf -o i --store-out s")).unwrap_err().contains("no process is --in-store"));
        assert!(parse_args(&args("--in-store")).unwrap_err().contains("give --process NAME=PATH first"));
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        assert!(parse_args(&args("--arg x")).unwrap_err().contains("give --process NAME=PATH first"));
        assert_eq!(parse_args(&args("-o i.bin")).unwrap_err(), "--kernel is required");
        assert_eq!(parse_args(&args("--kernel k")).unwrap_err(), "-o IMAGE is required");
        assert_eq!(parse_args(&args("--kernel")).unwrap_err(), "--kernel needs a value");
        assert!(parse_args(&args("--bogus")).unwrap_err().contains("unknown argument"));
        assert_eq!(parse_args(&args("--show i.bin")).unwrap(), Command::Show("i.bin".into()));
        let other = parse_args(&args("--kernel k --load-address 0x4000_0000 -o i"));
        assert!(matches!(other, Ok(Command::Build { load_address: 0x4000_0000, .. })));
        assert!(parse_args(&args("--kernel k --load-address 0x1_0000_0000 -o i")).is_err());
    }
}
