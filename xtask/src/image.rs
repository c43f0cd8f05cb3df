//! `./x image --board dabao|baosec PROGRAM.elf`: the board's kernel (the
//! one the model runs; the image's header leaves its MODEL flag clear, so
//! it uses no model-only device and prints plain text), the dabao board's
//! services and a program in one boot image (tools/xous-image, for the
//! chip's SRAM, where the kernel copies its head from RRAM), signed into a
//! UF2 file the Baochip-1x's boot1 accepts (tools/bao1x-image), then
//! checked as boot1 checks it. On the baosec board a program too large for
//! the RRAM goes to the board's NOR flash (the program store, docs/swap.md):
//! the same file carries its bytes in blocks at 0x7000_0000, which boot1
//! writes to the external flash. docs/bao1x.md says what of it is untested
//! on silicon.

use crate::project::{output, Project};
use crate::runner::{self, DABAO_SERVICES};
use std::path::{Path, PathBuf};

pub const USAGE: &str = "usage: ./x image --board dabao|baosec PROGRAM.elf [--key KEY.pem] [-o OUT.uf2]";

/// The boards `./x image` makes images for: both carry the Baochip-1x.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Board {
    Dabao,
    Baosec,
}

/// What `./x image` was asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub board: Board,
    pub program: PathBuf,
    pub key: Option<PathBuf>,
    pub output: Option<PathBuf>,
}

pub fn parse(args: &[String]) -> Result<Request, String> {
    let (mut board, mut program, mut key, mut out) = (None, None, None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().cloned().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--board" => board = Some(value()?),
            "--key" => key = Some(PathBuf::from(value()?)),
            "-o" | "--output" => out = Some(PathBuf::from(value()?)),
            other if other.starts_with('-') => return Err(format!("unknown option `{other}`\n{USAGE}")),
            other if program.is_none() => program = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument `{other}`\n{USAGE}")),
        }
    }
    let board = match board.as_deref() {
        Some("dabao") => Board::Dabao,
        Some("baosec") => Board::Baosec,
        Some(other) => return Err(format!("no images for board `{other}`: only `dabao` and `baosec` (QEMU virt boots through xous-run)")),
        None => return Err(format!("--board is required (dabao or baosec)\n{USAGE}")),
    };
    let program = program.ok_or(format!("PROGRAM.elf is required\n{USAGE}"))?;
    Ok(Request { board, program, key, output: out })
}

pub fn command(project: &Project, args: &[String]) -> Result<(), String> {
    let request = parse(args)?;
    let uf2 = build(project, &request)?;
    println!("{}", verify(project, &uf2, request.key.as_deref())?.trim_end());
    match (request.board, &request.key) {
        (Board::Baosec, None) => println!(
            "note: signed with the developer key (no --key), which baosec boards have revoked at the factory: \
             a baosec refuses this file (the model of the chip takes it). Sign with a key the board holds (--key)."
        ),
        _ => println!(
            "note: README.md (\"Running on a dabao\") says how to flash it. Signed with the developer key \
             (no --key), its first boot switches the chip to developer mode for good and erases the chip's secrets."
        ),
    }
    Ok(())
}

/// Builds the UF2 file and returns its path (default `target/bao1x/NAME.uf2`).
pub fn build(project: &Project, request: &Request) -> Result<PathBuf, String> {
    let (kernel, bundle) = match request.board {
        Board::Dabao => {
            let runner = runner::install_dabao(project)?;
            (runner.dabao_kernel, runner.dabao_bundle)
        }
        Board::Baosec => {
            let runner = runner::install_baosec(project)?;
            (runner.baosec_kernel, runner.baosec_bundle)
        }
    };
    let tools = tools(project)?;
    let name = request.program.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        format!("{}: not a UTF-8 file name", request.program.display())
    })?;
    let dir = project.root.join("target/bao1x");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let payload = dir.join(format!("{name}.payload"));
    let store = dir.join(format!("{name}.store"));
    let image = |in_store: bool| -> Result<usize, String> {
        let mut image = std::process::Command::new(tools.join("xous-image"));
        image.arg("--kernel").arg(&kernel).arg("--load-address").arg(format!("{:#x}", board::dabao::IMAGE_LOAD_ADDRESS));
        for service in DABAO_SERVICES {
            image.arg("--process").arg(format!("{service}={}", bundle.join("services").join(service).display()));
            if xous_abi::services::is_on_demand(service) {
                image.arg("--on-demand");
            }
        }
        image.arg("--process").arg(format!("{name}={}", request.program.display())).arg("--main").arg("-o").arg(&payload);
        if in_store {
            image.arg("--in-store").arg("--store-out").arg(&store);
        }
        output(&mut image)?;
        Ok(std::fs::metadata(&payload).map_err(|e| format!("cannot read {}: {e}", payload.display()))?.len() as usize)
    };
    let room = board::dabao::IMAGE_ROOM;
    let mut len = image(false)?;
    // The baosec board keeps a program the RRAM cannot hold in its flash.
    let in_store = len > room && request.board == Board::Baosec;
    if in_store {
        len = image(true)?;
    }
    if len > room {
        let elsewhere = match request.board {
            Board::Baosec => ", with the program in the board's flash",
            Board::Dabao => " (the baosec board keeps a larger program in its flash)",
        };
        return Err(format!("the boot image ({} KiB{elsewhere}) is larger than the RRAM before the filesystem's disk ({} KiB)", len / 1024, room / 1024));
    }
    let uf2 = request.output.clone().unwrap_or_else(|| dir.join(format!("{name}.uf2")));
    let mut sign = std::process::Command::new(tools.join("bao1x-image"));
    // On the page after the signature block (board::dabao::BOOT_IMAGE),
    // where the processes' code runs in place.
    sign.arg("sign").arg(&payload).arg("--page-aligned").arg("-o").arg(&uf2);
    if in_store {
        sign.arg("--flash").arg(&store);
    }
    if let Some(key) = &request.key {
        sign.arg("--key").arg(key);
    }
    print!("{}", output(&mut sign)?);
    Ok(uf2)
}

/// `bao1x-image verify`: boot1's checks, with the developer key or `key`.
pub fn verify(project: &Project, uf2: &Path, key: Option<&Path>) -> Result<String, String> {
    let mut cmd = std::process::Command::new(tools(project)?.join("bao1x-image"));
    cmd.arg("verify").arg(uf2);
    if let Some(key) = key {
        cmd.arg("--key").arg(key);
    }
    output(&mut cmd)
}

/// Builds xous-image and bao1x-image (once per command); where they are.
fn tools(project: &Project) -> Result<PathBuf, String> {
    project.once("xous-image and bao1x-image", || {
        crate::project::run(project.cargo().current_dir(&project.root).args([
            "build", "--release", "--locked", "--quiet", "-p", "xous-image", "-p", "bao1x-image",
        ]))
    })?;
    Ok(project.root.join("target/release"))
}

/// `./x image --board BOARD` of test-apps/`app` into target/test/bao1x/`file`,
/// for a check: the file, and what `bao1x-image verify` says of it.
fn image_for_check(project: &Project, board: Board, app: &str, file: &str) -> Result<(PathBuf, String), String> {
    let program = project.build_test_app(app)?;
    let dir = project.root.join("target/test/bao1x");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let uf2 = dir.join(file);
    build(project, &Request { board, program, key: None, output: Some(uf2.clone()) })?;
    let accepted = verify(project, &uf2, None)?;
    Ok((uf2, accepted))
}

/// The model of the chip on `board` booting `uf2` for `limit` instructions
/// (an image for silicon never writes the model's exit device, so a run
/// ends at the limit, status 124): stdout, stderr, status.
fn run_on_model(project: &Project, board: &str, uf2: &Path, limit: &str) -> Result<(String, String, Option<i32>), String> {
    let emulator = runner::install_dabao(project)?.emulator;
    let out = std::process::Command::new(&emulator).args(["--board", board, "--limit", limit]).arg(uf2).output();
    let out = out.map_err(|e| format!("cannot run {}: {e}", emulator.display()))?;
    Ok((String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.status.code()))
}

/// The check of `./x test`: a UF2 of test-apps/hello signed with the
/// developer key passes boot1's checks, and the model of the chip boots it
/// as boot1 would and runs hello (which then sleeps for good: the image is
/// for silicon, so the kernel never writes the model's exit device); the same file with one
/// payload byte flipped, or its last block cut off, is refused.
pub fn check(project: &Project) -> Result<crate::checks::Passed, crate::checks::Failed> {
    let (uf2, accepted) = image_for_check(project, Board::Dabao, "hello", "hello.uf2")?;
    let dir = uf2.parent().expect("in target/test/bao1x");
    let file = std::fs::read(&uf2).map_err(|e| format!("cannot read {}: {e}", uf2.display()))?;
    let damaged = |name: &str, bytes: &[u8], expected: &str| -> Result<(), String> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        match verify(project, &path, None) {
            Ok(out) => Err(format!("{name} was accepted: {out}")),
            Err(why) if why.contains(expected) => Ok(()),
            Err(why) => Err(format!("{name} was refused, but not with `{expected}`: {why}")),
        }
    };
    let mut flipped = file.clone();
    // Block 8's data: image bytes 2048.., inside the payload.
    flipped[8 * 512 + 32 + 100] ^= 0x20;
    damaged("hello-flipped.uf2", &flipped, "bad signature: the Ed25519ph signature")?;
    damaged("hello-truncated.uf2", &file[..file.len() - 512], "truncated")?;
    // hello must print its lines in plain text (no console frames).
    const LIMIT: &str = "50000000";
    let (stdout, stderr, status) = run_on_model(project, "dabao", &uf2, LIMIT)?;
    let said = stdout.contains("Hello from Rust std on Xous!\nargs: [\"hello\"]");
    if !said || status != Some(124) {
        return Err(format!("on the model: hello's lines in plain text {}, status {status:?} (124 expected)\nstdout:\n{stdout}\nstderr:\n{stderr}", if said { "printed" } else { "missing" }).into());
    }
    let ran = format!("the model booted it: hello printed plain text, then the kernel slept ({LIMIT} instructions)");
    Ok(format!("{} blocks; {}; {ran}", file.len() / 512, accepted.trim()).into())
}

/// The check of `./x test` for the baosec board: a UF2 of test-apps/big
/// (3 MiB of data, more than the RRAM's room for the boot image) carries
/// the program in blocks for the board's NOR flash after the signed image;
/// boot1's checks pass, and the model boots the file alone (no `--flash`:
/// the flash's bytes come from the file, as boot1 writes them) and big
/// reads its data twice as built, each page of it from the flash checked
/// against its digest in the signed image.
pub fn check_baosec(project: &Project) -> Result<crate::checks::Passed, crate::checks::Failed> {
    let (uf2, accepted) = image_for_check(project, Board::Baosec, "big", "big-baosec.uf2")?;
    if !accepted.contains("bytes for the external flash at 0x7000_0000") {
        return Err(format!("the file carries nothing for the flash: {accepted}").into());
    }
    let (stdout, stderr, status) = run_on_model(project, "baosec", &uf2, "800000000")?;
    let said = stdout.contains("big: 3 MiB of read-only data read twice, as built");
    let store = stdout.lines().chain(stderr.lines()).find(|l| l.starts_with("kernel: program store on, ")).unwrap_or("");
    if !said || store.is_empty() || status != Some(124) {
        return Err(format!(
            "on the model: big's line {}, the kernel's program store line {}, status {status:?} (124 expected: an image for silicon never ends the run)\nstdout:\n{stdout}\nstderr:\n{stderr}",
            if said { "printed" } else { "missing" },
            if store.is_empty() { "missing" } else { "printed" },
        )
        .into());
    }
    Ok(format!("{}; the model booted the file alone: {store}; big read its 3 MiB twice as built", accepted.trim()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn takes_a_board_a_program_a_key_and_an_output() {
        let request = parse(&args("--board dabao hello --key k.pem -o out.uf2")).unwrap();
        assert_eq!(request, Request { board: Board::Dabao, program: "hello".into(), key: Some("k.pem".into()), output: Some("out.uf2".into()) });
        assert_eq!(parse(&args("--board baosec big")).unwrap().board, Board::Baosec);
        assert!(parse(&args("hello")).unwrap_err().starts_with("--board is required"));
        assert!(parse(&args("--board qemu hello")).unwrap_err().contains("only `dabao` and `baosec`"));
        assert!(parse(&args("--board dabao")).unwrap_err().starts_with("PROGRAM.elf is required"));
        assert!(parse(&args("--board dabao a b")).unwrap_err().starts_with("unexpected argument `b`"));
        assert!(parse(&args("--board dabao a --bogus")).unwrap_err().starts_with("unknown option"));
    }
}
