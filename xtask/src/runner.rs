//! The runner bundle: the kernel and the core services built for the
//! target, installed where `xous-run` finds them, and `xous-run` itself
//! installed beside cargo's binaries so it is on PATH, with `xous-fs` (the
//! host tool for its disk images). Every `./x` command refreshes it once,
//! the first time it needs it (a no-op when nothing changed); asking again
//! in the same command costs nothing.

use crate::project::{run, Project};
use std::path::{Path, PathBuf};

/// The core services, in boot order.
pub const SERVICES: &[&str] = &["log", "names", "ticktimer", "systime", "rng", "net", "fs", "proc"];
/// The core services of the dabao board (the Baochip-1x), in boot order:
/// no network (the board has none); the filesystem on the last MiB of RRAM.
pub const DABAO_SERVICES: &[&str] = &["log", "names", "ticktimer", "systime", "rng", "fs", "proc"];
/// The services with a `dabao` feature of their own (their hardware differs).
const DABAO_FEATURES: &str = "log/dabao,ticktimer/dabao,rng/dabao,fs/dabao";

#[derive(Clone)]
pub struct Runner {
    /// `$XDG_DATA_HOME/xous/runner`, else `~/.local/share/xous/runner`
    /// (where `xous-run` looks, and where the toolchains live beside it).
    pub bundle: PathBuf,
    /// The installed `xous-run`.
    pub xous_run: PathBuf,
    /// The installed `xous-fs`.
    pub xous_fs: PathBuf,
    /// Built kernel ELF (in the repository's target dir).
    pub kernel: PathBuf,
    /// The bundle for the dabao board (`runner-dabao` beside `bundle`),
    /// which `xous-run --board dabao` boots on the model of the chip.
    pub dabao_bundle: PathBuf,
    /// The kernel built for the dabao board.
    pub dabao_kernel: PathBuf,
    /// The bundle for the baosec board (`runner-baosec`: its kernel, which
    /// swaps to the board's PSRAM, and the dabao's services).
    pub baosec_bundle: PathBuf,
    /// The kernel built for the baosec board.
    pub baosec_kernel: PathBuf,
    /// The installed model of the chip, beside xous-run.
    pub emulator: PathBuf,
}

fn home() -> Result<PathBuf, String> {
    std::env::var_os("HOME").map(PathBuf::from).ok_or_else(|| "$HOME is not set".to_string())
}

/// Where `cargo install` would put binaries (on PATH wherever cargo is).
fn cargo_bin() -> Result<PathBuf, String> {
    match std::env::var_os("CARGO_HOME") {
        Some(dir) => Ok(PathBuf::from(dir).join("bin")),
        None => Ok(home()?.join(".cargo/bin")),
    }
}

fn copy_if_changed(from: &Path, to: &Path) -> Result<(), String> {
    let same = match (std::fs::read(from), std::fs::read(to)) {
        (Ok(a), Ok(b)) => a == b,
        (Err(e), _) => return Err(format!("cannot read {}: {e}", from.display())),
        _ => false,
    };
    if !same {
        std::fs::create_dir_all(to.parent().expect("has a parent")).map_err(|e| e.to_string())?;
        // Replace rather than overwrite: the old file may be running.
        let temp = to.with_extension("new");
        std::fs::copy(from, &temp).map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
        std::fs::rename(&temp, to).map_err(|e| format!("cannot install {}: {e}", to.display()))?;
    }
    Ok(())
}

/// Builds the kernel, the services, xous-run and xous-fs, and installs
/// them: once per command. The dabao board's part is `install_dabao`'s.
pub fn install(project: &Project) -> Result<Runner, String> {
    let bundle = match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        Some(data) => PathBuf::from(data).join("xous/runner"),
        None => home()?.join(".local/share/xous/runner"),
    };
    let runner = Runner {
        xous_run: cargo_bin()?.join("xous-run"),
        xous_fs: cargo_bin()?.join("xous-fs"),
        kernel: project.root.join("kernel/target/riscv32imac-unknown-none-elf/release/xous-kernel"),
        dabao_bundle: bundle.with_file_name("runner-dabao"),
        dabao_kernel: project.root.join("kernel/target/dabao/riscv32imac-unknown-none-elf/release/xous-kernel"),
        baosec_bundle: bundle.with_file_name("runner-baosec"),
        baosec_kernel: project.root.join("kernel/target/baosec/riscv32imac-unknown-none-elf/release/xous-kernel"),
        emulator: cargo_bin()?.join("bao1x-emu"),
        bundle,
    };
    project.once("the runner bundle", || build_and_copy(project, &runner))?;
    Ok(runner)
}

/// `install`, and the dabao board's bundle (`runner-dabao`: its kernel and
/// services) and the model of the chip beside xous-run: once per command,
/// for what boots on the dabao board. `./x run` on QEMU builds none of it.
pub fn install_dabao(project: &Project) -> Result<Runner, String> {
    let runner = install(project)?;
    project.once("the dabao runner bundle", || build_and_copy_dabao(project, &runner))?;
    Ok(runner)
}

/// `install_dabao`, and the baosec board's bundle (`runner-baosec`): its
/// kernel (feature `baosec`) with the dabao's services.
pub fn install_baosec(project: &Project) -> Result<Runner, String> {
    let runner = install_dabao(project)?;
    project.once("the baosec runner bundle", || {
        run(project.cargo().current_dir(project.root.join("kernel")).args([
            "build", "--release", "--locked", "--quiet", "--features", "baosec", "--target-dir", "target/baosec",
        ]))?;
        fill_bundle(&runner.baosec_bundle, &runner.baosec_kernel, &dabao_services_built(project), DABAO_SERVICES)
    })?;
    Ok(runner)
}

/// Where the dabao board's services are built.
fn dabao_services_built(project: &Project) -> PathBuf {
    project.root.join("services/target/dabao").join(crate::project::XOUS_TARGET).join("release")
}

fn build_and_copy(project: &Project, runner: &Runner) -> Result<(), String> {
    let quiet_build = |dir: &Path| {
        run(project.cargo().current_dir(dir).args(["build", "--release", "--locked", "--quiet"]))
    };
    // The host tools and the target's kernel and services need nothing of
    // each other: built side by side, the two cores stay busy through each
    // build's stretches of one crate (the kernel is one codegen unit; the
    // tools end in links), 30 s sooner on a fresh machine.
    let tools = || {
        run(project.cargo().current_dir(&project.root).args([
            "build", "--release", "--locked", "--quiet", "-p", "xous-run", "-p", "xous-image", "-p", "xous-fs",
        ]))
    };
    let target = || {
        quiet_build(&project.root.join("kernel"))?;
        quiet_build(&project.root.join("services"))
    };
    crate::project::both(tools, target)?;
    let built = project.root.join("services/target").join(crate::project::XOUS_TARGET).join("release");
    fill_bundle(&runner.bundle, &runner.kernel, &built, SERVICES)?;
    copy_if_changed(&project.root.join("target/release/xous-run"), &runner.xous_run)?;
    copy_if_changed(&project.root.join("target/release/xous-fs"), &runner.xous_fs)
}

fn build_and_copy_dabao(project: &Project, runner: &Runner) -> Result<(), String> {
    // The dabao board's kernel and services, each in a target dir of its
    // own (the board is a feature: sharing one would rebuild both ways).
    run(project.cargo().current_dir(project.root.join("kernel")).args([
        "build", "--release", "--locked", "--quiet", "--features", "dabao", "--target-dir", "target/dabao",
    ]))?;
    let mut services = project.cargo();
    services.current_dir(project.root.join("services")).args([
        "build", "--release", "--locked", "--quiet", "--target-dir", "target/dabao", "--no-default-features", "--features", DABAO_FEATURES,
    ]);
    for name in DABAO_SERVICES {
        services.args(["-p", name]);
    }
    run(&mut services)?;
    run(project.cargo().current_dir(&project.root).args(["build", "--release", "--locked", "--quiet", "-p", "bao1x-emu"]))?;
    fill_bundle(&runner.dabao_bundle, &runner.dabao_kernel, &dabao_services_built(project), DABAO_SERVICES)?;
    copy_if_changed(&project.root.join("target/release/bao1x-emu"), &runner.emulator)
}

/// Puts `kernel` and the `services` built in `built` into `bundle`, with
/// their boot order.
fn fill_bundle(bundle: &Path, kernel: &Path, built: &Path, services: &[&str]) -> Result<(), String> {
    copy_if_changed(kernel, &bundle.join("kernel.elf"))?;
    for name in services {
        copy_if_changed(&built.join(name), &bundle.join("services").join(name))?;
    }
    let order = services.join("\n") + "\n";
    if std::fs::read_to_string(bundle.join("services/order")).ok().as_deref() != Some(order.as_str()) {
        std::fs::write(bundle.join("services/order"), order).map_err(|e| e.to_string())?;
    }
    Ok(())
}
