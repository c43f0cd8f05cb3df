//! xous-run: the cargo runner for riscv32imac-unknown-xous-elf. It builds a
//! boot image of the kernel, the core services and the program, boots it in
//! QEMU from the board's flash (or, `--board dabao`, signs it into a UF2 file and boots that on the
//! model of the Baochip-1x), streams the console, and exits with the
//! program's exit code (or one of its own, see `exit.rs`).

mod args;
mod bundle;
mod console;
mod disk;
mod exit;
mod flash;
mod qemu;
mod stdin;
mod swap;
mod symbols;

use args::{Board, Invocation, Options, USAGE};
use bundle::Bundle;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tempfile::NamedTempFile;

fn main() -> ExitCode {
    ExitCode::from(run())
}

fn run() -> u8 {
    let args: Result<Vec<String>, _> = std::env::args_os().skip(1).map(|arg| arg.into_string()).collect();
    let args = match args {
        Ok(args) => args,
        Err(arg) => return fail(exit::NOT_PREPARED, &format!("argument {arg:?} is not UTF-8")),
    };
    let mut options = match args::parse(&args) {
        Ok(Invocation::Run(options)) => options,
        Ok(Invocation::Help) => {
            print!("{USAGE}");
            return 0;
        }
        Err(why) => return fail(exit::NOT_PREPARED, &format!("{why} (xous-run --help shows the usage)")),
    };
    // Kept until the run ends: a temporary disk is removed when dropped.
    let mirrored = match options.mirror_cwd.then(|| mirror_plan(&mut options)).transpose() {
        Ok(plan) => plan,
        Err(why) => return fail(exit::NOT_PREPARED, &why),
    };
    let (image, flash, kernel, processes) = match prepare(&options) {
        Ok(prepared) => prepared,
        Err(why) => return fail(exit::NOT_PREPARED, &why),
    };
    // On the dabao board the disk is the chip's RRAM in a file, which the
    // model keeps itself (bao1x-emu --rram).
    if let Some(disk) = options.disk.as_ref().filter(|_| options.board == Board::QemuVirt) {
        if let Err(why) = disk::prepare(disk, options.format) {
            return fail(exit::NOT_PREPARED, &why);
        }
        if !options.disk_readonly {
            disk::put_program(disk, &options.program);
        }
        if let Some(plan) = &mirrored {
            if let Err(why) = disk::mirror(disk, &plan.dir, &plan.files) {
                return fail(exit::NOT_PREPARED, &why);
            }
        }
    }
    // Kept until the run ends: a temporary swap file is removed when dropped.
    let swap = match options.swap.map(|bytes| swap::prepare(bytes, options.swap_file.as_deref())).transpose() {
        Ok(swap) => swap,
        Err(why) => return fail(exit::NOT_PREPARED, &why),
    };
    if options.gdb {
        explain_gdb(&kernel, &options.program);
    }
    let (program, arguments) = match options.board {
        Board::QemuVirt => {
            let machine = qemu::Machine {
                memory: &options.memory.text,
                icount: options.icount,
                gdb: options.gdb,
                hostfwd: &options.hostfwd,
                isolated: options.isolated,
                disk: options.disk.as_deref(),
                disk_readonly: options.disk_readonly,
                swap: swap.as_ref().map(swap::SwapFile::path),
                extra: &options.qemu_args,
            };
            (PathBuf::from(qemu::QEMU), qemu::arguments(&machine, image.path()))
        }
        Board::Dabao | Board::Baosec => {
            let flash = flash.as_ref().map(|f| f.path());
            (emulator(), qemu::emulator_arguments(options.board, image.path(), options.disk.as_deref(), flash))
        }
    };
    let machine_name = match options.board {
        Board::QemuVirt => "QEMU",
        Board::Dabao | Board::Baosec => "bao1x-emu",
    };
    let symbols = symbols::Symbols::new(options.program.clone(), processes);
    let (end, crash) = match qemu::run(&program, &arguments, options.timeout, symbols) {
        Ok(ended) => ended,
        Err(qemu::StartError(why)) => return fail(exit::QEMU_NOT_STARTED, &why),
    };
    let (code, messages) = exit::outcome(end, crash.as_deref(), machine_name);
    for message in messages {
        eprintln!("{message}");
    }
    code
}

/// What `--mirror-cwd` copies (the host's working directory and its files),
/// and the temporary disk it made when no `--disk` was named.
struct MirrorPlan {
    dir: PathBuf,
    files: Vec<(PathBuf, u64)>,
    _temporary_disk: Option<NamedTempFile>,
}

/// Lists the working directory's files, makes a temporary disk sized to
/// fit them and the program unless `--disk` names one, and starts the
/// program in that directory.
fn mirror_plan(options: &mut Options) -> Result<MirrorPlan, String> {
    let dir = std::env::current_dir().map_err(|e| format!("--mirror-cwd: cannot read the working directory: {e}"))?;
    let files = disk::mirrored_files(&dir)?;
    let cwd = dir.to_str().ok_or_else(|| format!("--mirror-cwd: {} is not UTF-8", dir.display()))?;
    options.guest_cwd = Some(cwd.to_string());
    let mut temporary = None;
    if options.disk.is_none() {
        let file = tempfile::Builder::new().prefix("xous-run-disk-").suffix(".img").tempfile();
        let file = file.map_err(|e| format!("--mirror-cwd: cannot create a temporary disk: {e}"))?;
        let program = std::fs::metadata(&options.program).map(|m| m.len()).unwrap_or(0);
        file.as_file().set_len(disk::size_for(&files, program)).map_err(|e| format!("--mirror-cwd: cannot size the disk: {e}"))?;
        options.disk = Some(file.path().to_path_buf());
        temporary = Some(file);
    }
    Ok(MirrorPlan { dir, files, _temporary_disk: temporary })
}

/// The model of the Baochip-1x: installed beside xous-run (`./x setup`),
/// else found on PATH.
fn emulator() -> PathBuf {
    let beside = std::env::current_exe().ok().map(|exe| exe.with_file_name("bao1x-emu"));
    beside.filter(|path| path.is_file()).unwrap_or_else(|| PathBuf::from("bao1x-emu"))
}

fn fail(code: u8, why: &str) -> u8 {
    eprintln!("xous-run: {why}");
    code
}

/// The file the machine boots: kept at `--image-out`, or a temporary file
/// that is removed when the run ends.
enum ImageFile {
    Kept(PathBuf),
    Temporary(NamedTempFile),
}

impl ImageFile {
    fn path(&self) -> &Path {
        match self {
            ImageFile::Kept(path) => path,
            ImageFile::Temporary(file) => file.path(),
        }
    }
}

/// What `prepare` made: the file the machine boots, the baosec board's
/// flash (a temporary file) when the program is kept there, the kernel,
/// and each process's name and ELF.
type Prepared = (ImageFile, Option<NamedTempFile>, PathBuf, Vec<(String, PathBuf)>);

/// Finds the kernel and services, builds the image and writes out the
/// file the machine boots.
fn prepare(options: &Options) -> Result<Prepared, String> {
    let from_env = |name| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from);
    let bundle = Bundle::locate(from_env("XOUS_RUNNER_HOME"), from_env("XDG_DATA_HOME"), from_env("HOME"))?.for_board(options.board);
    let kernel = bundle.kernel(options.kernel.as_deref())?;
    let services = bundle::apply_overrides(bundle::leave_out(bundle.services()?, &options.without)?, &options.services);
    let mut processes = bundle::processes(&services, options)?;
    let (bytes, store) = match options.board {
        // Built to run at RAM_BASE, where the kernel copies its head; stored
        // in flash (flash.rs).
        Board::QemuVirt => (xous_image::build_image(board::qemu_virt::IMAGE_LOAD_ADDRESS as u32, &kernel, &processes).map_err(|e| e.to_string())?, Vec::new()),
        Board::Dabao | Board::Baosec => dabao_uf2(&kernel, &mut processes, options.board == Board::Baosec)?,
    };
    let flash = match store.is_empty() {
        true => None,
        false => Some(flash_file(&store, options.image_out.as_deref())?),
    };
    if let Some(path) = &options.image_out {
        std::fs::write(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let image = match (&options.image_out, options.board) {
        // QEMU boots a flash bank with the image in it, a file of its own.
        (_, Board::QemuVirt) => ImageFile::Temporary(flash::with_image(&bytes)?),
        (Some(path), Board::Dabao | Board::Baosec) => ImageFile::Kept(path.clone()),
        (None, Board::Dabao | Board::Baosec) => {
            let file = tempfile::Builder::new().prefix("xous-run-").suffix(".uf2").tempfile();
            let mut file = file.map_err(|e| format!("cannot create a temporary file for the image: {e}"))?;
            std::io::Write::write_all(&mut file, &bytes).map_err(|e| format!("cannot write the image: {e}"))?;
            ImageFile::Temporary(file)
        }
    };
    let named = processes.into_iter().map(|p| (p.name, p.path)).collect();
    Ok((image, flash, kernel, named))
}

/// The baosec board's NOR flash holding the program store, for the model
/// (`bao1x-emu --flash`); with `--image-out PATH`, kept beside it too,
/// with the extension `.flash`.
fn flash_file(store: &[u8], image_out: Option<&Path>) -> Result<NamedTempFile, String> {
    let file = tempfile::Builder::new().prefix("xous-run-flash-").suffix(".bin").tempfile();
    let mut file = file.map_err(|e| format!("cannot create a temporary file for the board's flash: {e}"))?;
    std::io::Write::write_all(&mut file, store).map_err(|e| format!("cannot write the board's flash: {e}"))?;
    if let Some(path) = image_out {
        let kept = path.with_extension("flash");
        std::fs::write(&kept, store).map_err(|e| format!("cannot write {}: {e}", kept.display()))?;
    }
    Ok(file)
}

// page_aligned puts the image where the board says it starts in RRAM; on
// QEMU it starts at the flash's first byte, as flash.rs writes it.
const _: () = assert!(bao1x_image::layout::PAGE_ALIGNED_PAYLOAD == board::dabao::BOOT_IMAGE);
const _: () = assert!(board::qemu_virt::BOOT_IMAGE == board::qemu_virt::FLASH_BASE);

/// The boot image for the dabao board (flagged as run on the model), signed with the developer key into
/// the UF2 file the chip's boot1, and the model, accept. The image is built
/// for SRAM, where the kernel copies its head, and placed on a page of RRAM
/// (board::dabao::BOOT_IMAGE), where the processes' code runs in place.
/// With `store` (the baosec board), a program too large for the RRAM goes
/// to the board's NOR flash instead (the program store, which the image
/// holds the digests of): the image, and the flash's bytes (none if the
/// program fits).
fn dabao_uf2(kernel: &Path, processes: &mut [xous_image::ProcessSpec], store: bool) -> Result<(Vec<u8>, Vec<u8>), String> {
    // MODEL: the kernel ends the run through the model's exit device and
    // frames its console for us (an image for silicon does neither).
    let model = boot_image::layout::flags::MODEL;
    let build = |processes: &[xous_image::ProcessSpec]| {
        xous_image::build_image_split(board::dabao::IMAGE_LOAD_ADDRESS as u32, model, kernel, processes).map_err(|e| e.to_string())
    };
    let room = board::dabao::IMAGE_ROOM;
    let mut written = build(processes)?;
    if written.image.len() > room && store {
        if let Some(program) = processes.iter_mut().find(|p| p.main) {
            program.in_store = true;
        }
        written = build(processes)?;
        let flash = board::baosec::nor::SIZE;
        if written.store.len() > flash {
            return Err(format!("the program ({} KiB) is larger than the board's flash ({} KiB)", written.store.len() / 1024, flash / 1024));
        }
    }
    let (image, flash) = (written.image, written.store);
    if image.len() > room {
        let elsewhere = if store { ", with the program in the board's flash" } else { " (the baosec board keeps a larger program in its flash)" };
        return Err(format!("the boot image ({} KiB{elsewhere}) is larger than the RRAM before the filesystem's disk ({} KiB)", image.len() / 1024, room / 1024));
    }
    let payload = bao1x_image::page_aligned(&image);
    let options = bao1x_image::SignOptions::default();
    let uf2 = bao1x_image::build_uf2(&payload, &bao1x_image::developer_key(), options).map_err(|e| format!("cannot sign the image: {e}"))?;
    Ok((uf2, flash))
}

fn explain_gdb(kernel: &Path, program: &Path) {
    eprintln!(
        "xous-run: QEMU is halted, waiting for a debugger on localhost:1234. Attach with\n\
         \x20   gdb-multiarch -ex 'target remote :1234' {}\n\
         (or riscv64-unknown-elf-gdb), and load the program's symbols with\n\
         \x20   add-symbol-file {}",
        kernel.display(),
        program.display()
    );
}
