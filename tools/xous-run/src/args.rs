//! The command line: options first, then the program, then the program's
//! own arguments, untouched (so `cargo run -- --help` reaches the program,
//! not the runner). Also the `--help` text, which documents the exit codes.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
usage: xous-run [OPTIONS] PROGRAM.elf [ARGS...]

Boots the kernel, the core services and PROGRAM in QEMU (riscv32 `virt`),
or on the model of the Baochip-1x (`--board dabao`, `--board baosec`), and streams the console: the program's stdout to stdout; its stderr and the
kernel's messages to stderr. Everything after PROGRAM is its arguments
(argv[0] is PROGRAM's file name). Meant as cargo's runner for
riscv32imac-unknown-xous-elf.

options:
  --board BOARD         qemu-virt (default: $XOUS_RUN_BOARD, else qemu-virt) or dabao: the
                        Baochip-1x's dabao board, run on its model (bao1x-emu, installed
                        beside xous-run) from a UF2 image signed with the developer key,
                        as the chip's boot1 starts it; 2 MiB of SRAM, no network, so
                        --memory, --hostfwd, --icount, --gdb and --qemu-arg are refused
                        there; --disk PATH is the chip's whole RRAM (4 MiB) kept in PATH
                        (created if missing), whose last MiB is the filesystem's (every
                        boot writes the image into it too, as boot1 would); --format,
                        --disk-readonly, --mirror-cwd, --swap and --swap-file are not
                        available there yet
                        or baosec: the Baochip-1x's baosec board, run as dabao is, plus
                        the board's 8 MiB SPI PSRAM (on the model's UDMA SPI master),
                        which the kernel always swaps to, encrypted: swap is the
                        board's fixed 8 MiB, so --swap and --swap-file are refused
                        there too; a PROGRAM too large for the RRAM is kept in the
                        board's 8 MiB NOR flash and read a page at a time, each
                        page checked against its digest in the image
  --env KEY=VALUE       set an environment variable for the program (repeatable)
  --timeout SECONDS     stop QEMU after this long
  --memory SIZE         guest RAM, as QEMU's -m takes it, at least 1M (default
                        $XOUS_RUN_MEMORY, else 256M: what a test suite written for a host
                        expects; the host gives QEMU only the pages the guest touches).
                        All of it is the kernel's to manage: the boot image stays in flash
  --icount              -icount shift=0,sleep=off -rtc clock=vm: guest time counts instructions (deterministic)
  --gdb                 start QEMU halted, waiting for a debugger on :1234
  --hostfwd RULE        forward a host port on 127.0.0.1 to the guest, QEMU's syntax
                        tcp:127.0.0.1:HOSTPORT-:GUESTPORT or udp:... (repeatable;
                        the host address may be left out, and only 127.0.0.1 is taken)
  --dns IP              the DNS server the network service asks (default 10.0.2.3,
                        QEMU's; 10.0.2.2 is the host's loopback, port 53)
  --isolated            no packet of the guest leaves it (QEMU's restrict=on): neither
                        the host nor the outside is reachable; --hostfwd still works
  --disk PATH           a virtio-blk disk backed by the raw image PATH (created, 16 MiB,
                        if missing; kept across runs): the filesystem service's disk
  --disk-readonly       make the --disk write-protected (virtio-blk's RO feature): the
                        filesystem mounts it read-only and refuses every change
  --format              format the --disk image on the host before booting: an empty
                        filesystem, whatever the image held (it is lost). Without it the
                        filesystem service formats only a blank image (all zeros); one
                        holding anything else it refuses, writes nothing to, and says why
                        in one line on stderr (`xous-fs check IMAGE` tells more)
  --swap SIZE           a disk of SIZE (as --memory takes it: 64M, 1G) that the kernel swaps
                        pages to, encrypted, when RAM runs short (default $XOUS_RUN_SWAP,
                        else none): a virtio-blk device with the serial xous-swap, which
                        the kernel keeps for itself, on a sparse temporary file removed
                        after the run
  --swap-file PATH      the --swap disk's file is PATH, kept after the run (made empty, SIZE
                        long, as the run starts): to look at what the kernel wrote there,
                        or change it under the running guest
  --mirror-cwd          copy the host's working directory (its files, without `target/`
                        and dot-directories) onto the --disk (or onto a fresh temporary
                        disk sized to fit) at the same absolute path, and start the
                        program there: a test suite that reads its files relative to
                        its package, as `cargo test` runs it on a host, finds them
  --qemu-arg ARG        pass ARG to QEMU (repeatable)
  --kernel PATH         the kernel ELF (default: the runner bundle's kernel.elf)
  --service NAME=PATH   use PATH for service NAME, or add it after the others (repeatable)
  --without NAME        leave the bundle's service NAME out of this run, for a program
                        that drives a device NAME would own (repeatable)
  --image-out PATH      keep the boot image at PATH (on baosec, a program kept in the
                        board's flash: that too, beside it, with the extension .flash)
  -h, --help            this text

The runner bundle is $XOUS_RUNNER_HOME, else $XDG_DATA_HOME/xous/runner,
else ~/.local/share/xous/runner (for --board dabao: runner-dabao beside it;
for --board baosec: runner-baosec):
kernel.elf, and services/ with one ELF per service and services/order
listing their names in boot order.

exit status:
  the program's exit code (QEMU's exit status), or:
  124  --timeout expired; QEMU was killed
  125  the kernel or a service crashed
  126  xous-run could not prepare the run (bad arguments, missing kernel, bad ELF)
  127  QEMU (or bao1x-emu) could not be started
";

/// The machine a run boots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Board {
    /// QEMU's riscv32 `virt`.
    QemuVirt,
    /// The Baochip-1x's dabao board, on the model of the chip.
    Dabao,
    /// The Baochip-1x's baosec board (the chip and an SPI PSRAM, which the
    /// kernel swaps to), on the model of the chip.
    Baosec,
}

impl Board {
    pub fn parse(text: &str) -> Result<Board, String> {
        match text {
            t if t == board::qemu_virt::NAME => Ok(Board::QemuVirt),
            t if t == board::dabao::NAME => Ok(Board::Dabao),
            t if t == board::baosec::NAME => Ok(Board::Baosec),
            other => Err(format!("no board `{other}`: qemu-virt, dabao or baosec")),
        }
    }

    /// A board of the Baochip-1x, run on the model of the chip.
    pub fn is_bao1x(self) -> bool {
        matches!(self, Board::Dabao | Board::Baosec)
    }

    pub fn name(self) -> &'static str {
        match self {
            Board::QemuVirt => board::qemu_virt::NAME,
            Board::Dabao => board::dabao::NAME,
            Board::Baosec => board::baosec::NAME,
        }
    }
}

/// Guest RAM: as the user wrote it (QEMU parses that) and in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memory {
    pub text: String,
    pub bytes: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub board: Board,
    pub env: Vec<(String, String)>,
    pub timeout: Option<Duration>,
    pub memory: Memory,
    pub icount: bool,
    pub gdb: bool,
    pub qemu_args: Vec<String>,
    /// `--hostfwd` rules, normalised to `PROTO:127.0.0.1:HOSTPORT-:GUESTPORT`.
    pub hostfwd: Vec<String>,
    pub dns: Option<Ipv4Addr>,
    /// `--isolated`: the user network lets no packet out.
    pub isolated: bool,
    pub disk: Option<PathBuf>,
    /// `--disk-readonly`: the disk is write-protected.
    pub disk_readonly: bool,
    /// `--format`: format the disk image before booting.
    pub format: bool,
    /// `--mirror-cwd`: the host's working directory copied onto the disk,
    /// the program started in it.
    pub mirror_cwd: bool,
    /// `--swap`: the swap disk's size in bytes, if there is one.
    pub swap: Option<u64>,
    /// `--swap-file`: the swap disk's file, kept (else a temporary one).
    pub swap_file: Option<PathBuf>,
    /// The program's working directory in the guest (`/` if none); set by
    /// xous-run from `--mirror-cwd`, not an option.
    pub guest_cwd: Option<String>,
    pub kernel: Option<PathBuf>,
    pub services: Vec<(String, PathBuf)>,
    /// `--without`: the bundle's services left out of this run.
    pub without: Vec<String>,
    pub image_out: Option<PathBuf>,
    pub program: PathBuf,
    pub args: Vec<String>,
}

#[derive(Debug, PartialEq)]
pub enum Invocation {
    Run(Box<Options>),
    Help,
}

/// Guest RAM when neither `--memory` nor `XOUS_RUN_MEMORY` says: test
/// suites written for a host allocate freely (bytes' needed more than 32M),
/// and QEMU backs only the guest pages that are touched.
pub const DEFAULT_MEMORY: &str = "256M";

/// What the environment sets when the command line does not.
#[derive(Clone, Copy, Debug)]
pub struct Defaults<'a> {
    /// `$XOUS_RUN_MEMORY` (None: DEFAULT_MEMORY).
    pub memory: Option<&'a str>,
    /// `$XOUS_RUN_SWAP` (None: no swap disk).
    pub swap: Option<&'a str>,
    /// `$XOUS_RUN_BOARD` (else QEMU virt).
    pub board: Board,
}

/// Parses xous-run's arguments (without argv\[0\]), with the default guest
/// RAM from `$XOUS_RUN_MEMORY` and swap disk from `$XOUS_RUN_SWAP` (so a
/// crate's `.cargo/config.toml` `[env]`, or the shell, can set them
/// without editing code).
pub fn parse(args: &[String]) -> Result<Invocation, String> {
    let variable = |name| std::env::var(name).ok().filter(|value: &String| !value.is_empty());
    let board = match variable("XOUS_RUN_BOARD") {
        Some(text) => Board::parse(&text).map_err(|e| format!("XOUS_RUN_BOARD: {e}"))?,
        None => Board::QemuVirt,
    };
    let (memory, swap) = (variable("XOUS_RUN_MEMORY"), variable("XOUS_RUN_SWAP"));
    parse_with(args, Defaults { memory: memory.as_deref(), swap: swap.as_deref(), board })
}

/// `parse`, with what the environment sets given.
pub fn parse_with(args: &[String], defaults: Defaults) -> Result<Invocation, String> {
    let mut board = defaults.board;
    let mut memory_given = false;
    let mut env = Vec::new();
    let mut timeout = None;
    let mut memory = match defaults.memory {
        Some(text) => parse_memory(text).map_err(|e| format!("XOUS_RUN_MEMORY: {e}"))?,
        None => parse_memory(DEFAULT_MEMORY)?,
    };
    let mut swap = defaults.swap.map(|text| parse_size("--swap", "64M", text).map_err(|e| format!("XOUS_RUN_SWAP: {e}"))).transpose()?;
    let mut swap_given = false;
    let mut swap_file = None;
    let (mut icount, mut gdb) = (false, false);
    let mut qemu_args = Vec::new();
    let mut hostfwd = Vec::new();
    let mut dns = None;
    let mut isolated = false;
    let mut disk = None;
    let mut disk_readonly = false;
    let mut format = false;
    let mut mirror_cwd = false;
    let mut kernel = None;
    let mut services = Vec::new();
    let mut without = Vec::new();
    let mut image_out = None;

    let mut rest = args.iter();
    let program = loop {
        let Some(arg) = rest.next() else {
            return Err("no program to run".into());
        };
        if arg == "--" {
            break rest.next().ok_or("no program after `--`")?;
        }
        if !arg.starts_with('-') {
            break arg;
        }
        // `--name value` or `--name=value`.
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| rest.next().cloned()).ok_or(format!("{name} needs a value"));
        match name {
            "-h" | "--help" => return Ok(Invocation::Help),
            "--env" => env.push(split_pair(&value()?, "--env", "KEY=VALUE")?),
            "--timeout" => timeout = Some(parse_timeout(&value()?)?),
            "--board" => board = Board::parse(&value()?)?,
            "--memory" => {
                memory = parse_memory(&value()?)?;
                memory_given = true;
            }
            "--icount" => icount = true,
            "--gdb" => gdb = true,
            "--qemu-arg" => qemu_args.push(value()?),
            "--hostfwd" => hostfwd.push(parse_hostfwd(&value()?)?),
            "--dns" => {
                let text = value()?;
                dns = Some(text.parse().map_err(|_| format!("--dns takes an IPv4 address, not `{text}`"))?);
            }
            "--isolated" => isolated = true,
            "--disk" => disk = Some(PathBuf::from(value()?)),
            "--disk-readonly" => disk_readonly = true,
            "--format" => format = true,
            "--mirror-cwd" => mirror_cwd = true,
            "--swap" => {
                swap = Some(parse_size("--swap", "64M", &value()?)?);
                swap_given = true;
            }
            "--swap-file" => swap_file = Some(PathBuf::from(value()?)),
            "--kernel" => kernel = Some(PathBuf::from(value()?)),
            "--service" => {
                let (name, path) = split_pair(&value()?, "--service", "NAME=PATH")?;
                services.push((name, PathBuf::from(path)));
            }
            "--without" => without.push(value()?),
            "--image-out" => image_out = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown option `{arg}`")),
        }
        if inline.is_some() && matches!(name, "--icount" | "--gdb" | "--isolated" | "--disk-readonly" | "--format" | "--mirror-cwd") {
            return Err(format!("{name} takes no value"));
        }
    };
    if disk_readonly && disk.is_none() {
        return Err("--disk-readonly needs a --disk".to_string());
    }
    if format && disk.is_none() {
        return Err("--format needs a --disk".to_string());
    }
    if format && disk_readonly {
        return Err("--format writes the disk, which --disk-readonly forbids".to_string());
    }
    if mirror_cwd && disk_readonly {
        return Err("--mirror-cwd writes the disk, which --disk-readonly forbids".to_string());
    }
    if swap_file.is_some() && swap.is_none() {
        return Err("--swap-file needs a size: --swap SIZE (or $XOUS_RUN_SWAP)".to_string());
    }
    if swap_file.is_some() && swap_file == disk {
        return Err("--swap-file cannot be the --disk".to_string());
    }
    if board.is_bao1x() {
        let qemu_only = [
            ("--memory (the chip has 2 MiB of SRAM)", memory_given),
            ("--format", format),
            ("--disk-readonly", disk_readonly),
            ("--mirror-cwd", mirror_cwd),
            ("--swap (baosec: its swap is the board's 8 MiB of PSRAM, always on)", swap_given),
            ("--swap-file", swap_file.is_some()),
            ("--hostfwd (no network)", !hostfwd.is_empty()),
            ("--icount (the model counts instructions always)", icount),
            ("--gdb", gdb),
            ("--qemu-arg", !qemu_args.is_empty()),
        ];
        if let Some((option, _)) = qemu_only.iter().find(|(_, given)| *given) {
            return Err(format!("{option} is for QEMU: not available with --board {}", board.name()));
        }
        // $XOUS_RUN_SWAP, like $XOUS_RUN_MEMORY, is for QEMU only.
        swap = None;
    }
    Ok(Invocation::Run(Box::new(Options {
        board,
        env,
        timeout,
        memory,
        icount,
        gdb,
        qemu_args,
        hostfwd,
        dns,
        isolated,
        disk,
        disk_readonly,
        format,
        mirror_cwd,
        swap,
        swap_file,
        guest_cwd: None,
        kernel,
        services,
        without,
        image_out,
        program: PathBuf::from(program),
        args: rest.cloned().collect(),
    })))
}

fn split_pair(text: &str, option: &str, shape: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("{option} takes {shape}, not `{text}`")),
    }
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(Duration::from_secs_f64(seconds)),
        _ => Err(format!("--timeout takes a positive number of seconds, not `{text}`")),
    }
}

/// A port forward in QEMU's syntax, `PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT`,
/// bound on the host's loopback only: an empty host address (which QEMU
/// would bind on every interface) becomes 127.0.0.1, any other is refused.
fn parse_hostfwd(text: &str) -> Result<String, String> {
    let bad = |why: &str| format!("--hostfwd takes tcp:127.0.0.1:HOSTPORT-:GUESTPORT (or udp:...), not `{text}`: {why}");
    let (host, guest) = text.split_once('-').ok_or_else(|| bad("no `-` between host and guest"))?;
    let mut host_parts = host.split(':');
    let (proto, address, host_port) = match (host_parts.next(), host_parts.next(), host_parts.next(), host_parts.next()) {
        (Some(proto), Some(address), Some(port), None) => (proto, address, port),
        (Some(proto), Some(port), None, None) => (proto, "", port),
        _ => return Err(bad("the host side is PROTO:ADDRESS:PORT")),
    };
    if proto != "tcp" && proto != "udp" {
        return Err(bad("the protocol is tcp or udp"));
    }
    if !address.is_empty() && address != "127.0.0.1" {
        return Err(bad("forwards are bound on 127.0.0.1 only"));
    }
    let (guest_address, guest_port) = guest.rsplit_once(':').ok_or_else(|| bad("the guest side is [ADDRESS]:PORT"))?;
    if !guest_address.is_empty() && guest_address.parse::<Ipv4Addr>().is_err() {
        return Err(bad("the guest address is an IPv4 address"));
    }
    for port in [host_port, guest_port] {
        if port.parse::<u16>().ok().filter(|&p| p != 0).is_none() {
            return Err(bad("ports are 1..=65535"));
        }
    }
    Ok(format!("{proto}:127.0.0.1:{host_port}-{guest_address}:{guest_port}"))
}

/// The least guest RAM: QEMU virt puts its device tree, from which the
/// kernel learns how much RAM there is, in a 1 MiB block ending at most at
/// RAM's end (on a 2 MiB boundary); with less RAM the block starts below
/// RAM, and the tree is lost.
const MEMORY_MIN: u64 = 1 << 20;

/// Guest RAM as QEMU's `-m` takes it (see `parse_size`), at least MEMORY_MIN.
fn parse_memory(text: &str) -> Result<Memory, String> {
    let bytes = parse_size("--memory", "32M", text)?;
    if bytes < MEMORY_MIN {
        return Err(format!("--memory {text}: QEMU needs at least 1M (its device tree takes a MiB of RAM)"));
    }
    Ok(Memory { text: text.to_string(), bytes })
}

/// A size for `option` as QEMU's `-m` takes it, in bytes: a number of MiB,
/// or a number with a K, M or G suffix; `example` is one for the error.
fn parse_size(option: &str, example: &str, text: &str) -> Result<u64, String> {
    let bad = || format!("{option} takes a size such as {example} or 1G, not `{text}`");
    let (digits, unit) = match text.char_indices().last().ok_or_else(bad)? {
        (at, 'K' | 'k') => (&text[..at], 1u64 << 10),
        (at, 'M' | 'm') => (&text[..at], 1 << 20),
        (at, 'G' | 'g') => (&text[..at], 1 << 30),
        _ => (text, 1 << 20),
    };
    let count: u64 = digits.parse().map_err(|_| bad())?;
    count.checked_mul(unit).filter(|&bytes| bytes > 0).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing set in the environment.
    const NOTHING_SET: Defaults = Defaults { memory: None, swap: None, board: Board::QemuVirt };

    fn run(line: &str) -> Options {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        match parse_with(&args, NOTHING_SET) {
            Ok(Invocation::Run(options)) => *options,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn error(line: &str) -> String {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse_with(&args, NOTHING_SET).unwrap_err()
    }

    #[test]
    fn options_before_the_program_are_ours_the_rest_is_the_programs() {
        let o = run("--env A=1 --timeout 2.5 --memory 64M --gdb app.elf --env B=2 --help -- x");
        assert_eq!(o.env, [("A".to_string(), "1".to_string())]);
        assert_eq!(o.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(o.memory, Memory { text: "64M".into(), bytes: 64 << 20 });
        assert!(o.gdb && !o.icount);
        assert_eq!(o.program, PathBuf::from("app.elf"));
        assert_eq!(o.args, ["--env", "B=2", "--help", "--", "x"]);
    }

    #[test]
    fn defaults_and_every_option() {
        let o = run("app");
        assert_eq!((o.memory.bytes, o.timeout, o.icount, o.gdb), (256 << 20, None, false, false));
        assert!(o.args.is_empty() && o.env.is_empty() && o.kernel.is_none() && o.services.is_empty());
        let o = run("--icount --qemu-arg -d --qemu-arg=int --kernel k.elf --service log=l.elf --service=x=y --image-out i.bin --env=K=V=W -- -app");
        assert!(o.icount);
        assert_eq!(o.qemu_args, ["-d", "int"]);
        assert_eq!(o.kernel, Some(PathBuf::from("k.elf")));
        assert_eq!(o.services, [("log".to_string(), PathBuf::from("l.elf")), ("x".to_string(), PathBuf::from("y"))]);
        assert_eq!(o.image_out, Some(PathBuf::from("i.bin")));
        assert_eq!(o.env, [("K".to_string(), "V=W".to_string())]);
        assert_eq!(o.program, PathBuf::from("-app"), "after --, even a dash starts the program");
    }

    #[test]
    fn the_default_memory_comes_from_the_environment_and_the_option_wins() {
        let args = |line: &str| line.split_whitespace().map(String::from).collect::<Vec<_>>();
        let memory = |line: &str, default| match parse_with(&args(line), Defaults { memory: default, ..NOTHING_SET }) {
            Ok(Invocation::Run(o)) => o.memory.bytes,
            other => panic!("{other:?}"),
        };
        assert_eq!(memory("app", Some("1G")), 1 << 30);
        assert_eq!(memory("--memory 64M app", Some("1G")), 64 << 20, "the option wins");
        let e = parse_with(&args("app"), Defaults { memory: Some("lots"), ..NOTHING_SET }).unwrap_err();
        assert!(e.starts_with("XOUS_RUN_MEMORY: ") && e.contains("such as 32M"), "{e}");
    }

    #[test]
    fn the_board_is_qemu_virt_unless_dabao_is_asked_for() {
        assert_eq!(run("app").board, Board::QemuVirt);
        assert_eq!(run("--board dabao app").board, Board::Dabao);
        assert_eq!(run("--board baosec app").board, Board::Baosec);
        assert_eq!(run("--board=qemu-virt app").board, Board::QemuVirt);
        assert_eq!(error("--board bao app"), "no board `bao`: qemu-virt, dabao or baosec");
        let args: Vec<String> = ["app"].map(String::from).to_vec();
        let Ok(Invocation::Run(o)) = parse_with(&args, Defaults { memory: Some("1G"), swap: Some("64M"), board: Board::Dabao }) else { panic!() };
        assert_eq!(o.board, Board::Dabao, "XOUS_RUN_BOARD's default; XOUS_RUN_MEMORY's and XOUS_RUN_SWAP's do not count as asked");
        assert_eq!(o.swap, None, "and no swap disk comes of the variable there");
        assert_eq!(run("--board dabao --board qemu-virt --memory 64M app").board, Board::QemuVirt, "the last one wins");
        assert_eq!(run("--board dabao --disk rram.bin app").disk, Some(PathBuf::from("rram.bin")), "the chip's RRAM in a file");
        for (line, option) in [
            ("--board dabao --memory 64M app", "--memory"),
            ("--disk d.img --format --board dabao app", "--format"),
            ("--disk d.img --disk-readonly --board dabao app", "--disk-readonly"),
            ("--board dabao --hostfwd tcp:5555-:7 app", "--hostfwd"),
            ("--board dabao --icount app", "--icount"),
            ("--board dabao --gdb app", "--gdb"),
            ("--board dabao --qemu-arg -s app", "--qemu-arg"),
            ("--board dabao --swap 64M app", "--swap"),
            ("--board dabao --swap 64M --swap-file s.img app", "--swap"),
        ] {
            let e = error(line);
            assert!(e.starts_with(option) && e.ends_with("is for QEMU: not available with --board dabao"), "{line}: {e}");
        }
        // baosec's swap is the board's PSRAM: a swap disk is refused, saying so.
        let e = error("--board baosec --swap 64M app");
        assert!(e.contains("its swap is the board's 8 MiB of PSRAM") && e.ends_with("--board baosec"), "{e}");
        assert!(error("--board baosec --memory 4M app").ends_with("not available with --board baosec"));
    }

    #[test]
    fn sizes_as_qemu_takes_them() {
        assert_eq!(run("--memory 3M app").memory.bytes, 3 << 20);
        assert_eq!(run("--memory 1G app").memory.bytes, 1 << 30);
        assert_eq!(run("--memory 65536K app").memory.bytes, 64 << 20);
        assert_eq!(run("--memory 48 app").memory.bytes, 48 << 20, "plain numbers are MiB");
    }

    #[test]
    fn refusals() {
        assert_eq!(error(""), "no program to run");
        assert_eq!(error("--env A=1"), "no program to run");
        assert_eq!(error("--"), "no program after `--`");
        assert_eq!(error("--timeout"), "--timeout needs a value");
        assert!(error("--timeout 0 app").contains("positive number of seconds"));
        assert!(error("--timeout soon app").contains("not `soon`"));
        assert!(error("--memory lots app").contains("such as 32M"));
        assert!(error("--memory 0M app").contains("such as 32M"));
        assert!(error("--memory 1023K app").contains("at least 1M"));
        assert_eq!(run("--memory 1024K app").memory.bytes, 1 << 20);
        assert!(error("--env novalue app").contains("--env takes KEY=VALUE"));
        assert!(error("--service =x app").contains("--service takes NAME=PATH"));
        assert_eq!(error("--frobnicate app"), "unknown option `--frobnicate`");
        assert_eq!(error("--gdb=yes app"), "--gdb takes no value");
        assert_eq!(parse(&["--help".to_string(), "app".to_string()]), Ok(Invocation::Help));
        assert!(error("--dns example.org app").contains("--dns takes an IPv4 address"));
    }

    #[test]
    fn port_forwards_stay_on_loopback() {
        let o = run("--hostfwd tcp:127.0.0.1:5555-:7 --hostfwd udp::6000-10.0.2.15:6001 --dns 10.0.2.2 app");
        assert_eq!(o.hostfwd, ["tcp:127.0.0.1:5555-:7", "udp:127.0.0.1:6000-10.0.2.15:6001"]);
        assert_eq!(o.dns, Some(Ipv4Addr::new(10, 0, 2, 2)));
        assert!(!o.isolated && run("--isolated app").isolated);
        assert!(error("--isolated=yes app").contains("takes no value"));
        assert_eq!(run("--disk d.img app").disk, Some(PathBuf::from("d.img")));
        assert_eq!(run("app").disk, None);
        assert!(run("--disk d.img --disk-readonly app").disk_readonly);
        assert!(!run("--disk d.img app").disk_readonly);
        assert!(run("--disk d.img --format app").format && !run("--disk d.img app").format);
        assert_eq!(error("--format app"), "--format needs a --disk");
        assert!(run("--mirror-cwd app").mirror_cwd && !run("app").mirror_cwd);
        assert!(error("--disk d.img --disk-readonly --mirror-cwd app").contains("--disk-readonly forbids"));
        assert_eq!(error("--mirror-cwd=1 app"), "--mirror-cwd takes no value");
        assert!(error("--disk d.img --format --disk-readonly app").contains("--disk-readonly forbids"));
        assert_eq!(error("--disk d.img --format=yes app"), "--format takes no value");
        assert_eq!(run("--hostfwd tcp:80-:8080 app").hostfwd, ["tcp:127.0.0.1:80-:8080"]);
        assert!(error("--hostfwd tcp:0.0.0.0:80-:80 app").contains("127.0.0.1 only"));
        assert!(error("--hostfwd tcp:192.168.1.2:80-:80 app").contains("127.0.0.1 only"));
        assert!(error("--hostfwd sctp:127.0.0.1:80-:80 app").contains("tcp or udp"));
        assert!(error("--hostfwd tcp:127.0.0.1:80 app").contains("no `-`"));
        assert!(error("--hostfwd tcp:127.0.0.1:0-:80 app").contains("1..=65535"));
        assert!(error("--hostfwd tcp:127.0.0.1:80-:http app").contains("1..=65535"));
        assert!(error("--hostfwd tcp:127.0.0.1:80-host:80 app").contains("IPv4"));
    }

    #[test]
    fn a_swap_disk_of_a_size_in_a_temporary_or_a_named_file() {
        assert_eq!((run("app").swap, run("app").swap_file), (None, None), "no swap disk unless asked");
        assert_eq!(run("--swap 64M app").swap, Some(64 << 20));
        assert_eq!(run("--swap=512K app").swap, Some(512 << 10));
        assert_eq!(run("--swap 2 app").swap, Some(2 << 20), "plain numbers are MiB");
        let o = run("--swap 1M --swap-file /tmp/s.img app");
        assert_eq!((o.swap, o.swap_file), (Some(1 << 20), Some(PathBuf::from("/tmp/s.img"))));
        assert_eq!(error("--swap lots app"), "--swap takes a size such as 64M or 1G, not `lots`");
        assert!(error("--swap 0 app").contains("such as 64M"));
        assert_eq!(error("--swap-file s.img app"), "--swap-file needs a size: --swap SIZE (or $XOUS_RUN_SWAP)");
        assert_eq!(error("--disk d.img --swap 1M --swap-file d.img app"), "--swap-file cannot be the --disk");
        assert_eq!(error("--swap"), "--swap needs a value");
        let args: Vec<String> = "--swap-file s.img app".split_whitespace().map(String::from).collect();
        let with = |swap| parse_with(&args, Defaults { swap, ..NOTHING_SET });
        let Ok(Invocation::Run(o)) = with(Some("8M")) else { panic!() };
        assert_eq!((o.swap, o.swap_file), (Some(8 << 20), Some(PathBuf::from("s.img"))), "the size from XOUS_RUN_SWAP");
        let Ok(Invocation::Run(o)) = parse_with(&["--swap".into(), "2M".into(), "app".into()], Defaults { swap: Some("8M"), ..NOTHING_SET }) else { panic!() };
        assert_eq!(o.swap, Some(2 << 20), "the option wins");
        assert_eq!(with(Some("big")).unwrap_err(), "XOUS_RUN_SWAP: --swap takes a size such as 64M or 1G, not `big`");
    }
}
