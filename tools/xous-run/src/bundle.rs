//! What runs besides the program: the kernel and the core services, from the
//! runner bundle (`$XOUS_RUNNER_HOME`, else `$XDG_DATA_HOME/xous/runner`,
//! else `~/.local/share/xous/runner`)
//! or from `--kernel` / `--service`, less those `--without` names; and the process list of a run, in boot
//! order: the services, then the program as MAIN.

use crate::args::{Board, Options};
use boot_image::layout::NAME_MAX;
use std::fs;
use std::path::{Path, PathBuf};
use xous_image::ProcessSpec;

/// The bundle directory: `kernel.elf`, `services/order`, `services/NAME`.
#[derive(Debug, PartialEq, Eq)]
pub struct Bundle {
    pub dir: PathBuf,
}

impl Bundle {
    /// From `$XOUS_RUNNER_HOME` (`runner_home`), else under `$XDG_DATA_HOME`
    /// (`data_home`, where `./x setup` installs it when that is set), else
    /// under `$HOME`.
    pub fn locate(
        runner_home: Option<PathBuf>,
        data_home: Option<PathBuf>,
        home: Option<PathBuf>,
    ) -> Result<Bundle, String> {
        match (runner_home, data_home, home) {
            (Some(dir), _, _) => Ok(Bundle { dir }),
            (None, Some(data), _) => Ok(Bundle { dir: data.join("xous/runner") }),
            (None, None, Some(home)) => Ok(Bundle { dir: home.join(".local/share/xous/runner") }),
            (None, None, None) => {
                Err("none of XOUS_RUNNER_HOME, XDG_DATA_HOME, HOME is set: cannot find the runner bundle".into())
            }
        }
    }

    /// The bundle built for `board`: for a board of the Baochip-1x the
    /// directory of the same name with the board's added (`runner-dabao`,
    /// `runner-baosec`), beside it.
    pub fn for_board(self, board: Board) -> Bundle {
        if !board.is_bao1x() {
            return self;
        }
        let mut name = self.dir.file_name().unwrap_or_default().to_os_string();
        name.push("-");
        name.push(board.name());
        Bundle { dir: self.dir.with_file_name(name) }
    }

    /// The kernel to boot: `--kernel`, else the bundle's; it must exist.
    pub fn kernel(&self, chosen: Option<&Path>) -> Result<PathBuf, String> {
        if let Some(path) = chosen {
            return match path.is_file() {
                true => Ok(path.to_path_buf()),
                false => Err(format!("--kernel {}: no such file", path.display())),
            };
        }
        let path = self.dir.join("kernel.elf");
        match path.is_file() {
            true => Ok(path),
            false => Err(format!(
                "no kernel at {}: `./x setup` installs the runner bundle (or pass --kernel PATH)",
                path.display()
            )),
        }
    }

    /// The bundle's services in boot order, as `services/order` lists them;
    /// none when there is no such file.
    pub fn services(&self) -> Result<Vec<(String, PathBuf)>, String> {
        let dir = self.dir.join("services");
        let order = dir.join("order");
        let text = match fs::read_to_string(&order) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", order.display())),
        };
        let names = text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'));
        names
            .map(|name| {
                let path = dir.join(name);
                if name.contains('/') || !path.is_file() {
                    return Err(format!(
                        "{} lists service `{name}`, but there is no file {}",
                        order.display(),
                        path.display()
                    ));
                }
                Ok((name.to_string(), path))
            })
            .collect()
    }
}

/// `--without NAME` takes the bundle's service NAME out of the run; naming
/// one the bundle does not have is an error (a misspelt name would
/// otherwise leave the service running).
pub fn leave_out(services: Vec<(String, PathBuf)>, without: &[String]) -> Result<Vec<(String, PathBuf)>, String> {
    if let Some(unknown) = without.iter().find(|name| !services.iter().any(|(service, _)| service == *name)) {
        let names: Vec<&str> = services.iter().map(|(name, _)| name.as_str()).collect();
        return Err(format!("--without {unknown}: the bundle has no such service (it has {})", names.join(", ")));
    }
    Ok(services.into_iter().filter(|(name, _)| !without.contains(name)).collect())
}

/// `--service NAME=PATH` replaces the service NAME, or adds it at the end.
pub fn apply_overrides(
    mut services: Vec<(String, PathBuf)>,
    overrides: &[(String, PathBuf)],
) -> Vec<(String, PathBuf)> {
    for (name, path) in overrides {
        match services.iter_mut().find(|(existing, _)| existing == name) {
            Some(service) => service.1 = path.clone(),
            None => services.push((name.clone(), path.clone())),
        }
    }
    services
}

/// The network service's name: `--dns IP` becomes its arguments `--dns IP`.
pub const NET_SERVICE: &str = "net";
/// The system-time service's name: on a board without a real-time clock
/// (dabao) it is told the host's time at boot, `--unix-ms-at-boot MS`.
pub const TIME_SERVICE: &str = "systime";

/// Every process of the run: each service (argv = its name, and for the
/// network service `--dns IP` if asked), then the program, MAIN, named and
/// argv\[0\]-ed after its file name.
pub fn processes(services: &[(String, PathBuf)], options: &Options) -> Result<Vec<ProcessSpec>, String> {
    let file_name = options.program.file_name().and_then(|name| name.to_str());
    let file_name = file_name.ok_or_else(|| format!("{}: not a UTF-8 file name", options.program.display()))?;
    let mut list: Vec<ProcessSpec> = services
        .iter()
        .map(|(name, path)| ProcessSpec {
            name: name.clone(),
            path: path.clone(),
            args: match (name.as_str(), options.dns, options.board) {
                (NET_SERVICE, Some(dns), _) => vec![name.clone(), "--dns".to_string(), dns.to_string()],
                (TIME_SERVICE, _, Board::Dabao | Board::Baosec) => vec![name.clone(), "--unix-ms-at-boot".to_string(), unix_ms_now().to_string()],
                _ => vec![name.clone()],
            },
            env: Vec::new(),
            main: false,
            on_demand: xous_abi::services::is_on_demand(name),
            cwd: None,
            in_store: false,
        })
        .collect();
    let mut args = vec![file_name.to_string()];
    args.extend(options.args.iter().cloned());
    list.push(ProcessSpec {
        name: truncate(file_name, NAME_MAX).to_string(),
        path: options.program.clone(),
        args,
        env: options.env.clone(),
        main: true,
        on_demand: false,
        cwd: options.guest_cwd.clone(),
        in_store: false,
    });
    Ok(list)
}

/// The host's clock, in milliseconds since the Unix epoch (0 before it).
fn unix_ms_now() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

/// The longest prefix of `text` of at most `max` bytes that ends on a
/// character boundary: a process name is only a label.
fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{parse, Invocation};

    fn options(line: &str) -> Options {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        match parse(&args).unwrap() {
            Invocation::Run(options) => *options,
            Invocation::Help => panic!("help"),
        }
    }

    #[test]
    fn the_bundle_is_found_from_the_environment() {
        let explicit = Bundle::locate(Some("/opt/runner".into()), Some("/d".into()), Some("/home/u".into())).unwrap();
        assert_eq!(explicit.dir, PathBuf::from("/opt/runner"));
        let xdg = Bundle::locate(None, Some("/d".into()), Some("/home/u".into())).unwrap();
        assert_eq!(xdg.dir, PathBuf::from("/d/xous/runner"));
        let default = Bundle::locate(None, None, Some("/home/u".into())).unwrap();
        assert_eq!(default.dir, PathBuf::from("/home/u/.local/share/xous/runner"));
        assert!(Bundle::locate(None, None, None).is_err());
    }

    #[test]
    fn the_dabao_bundle_sits_beside_the_qemu_one() {
        let bundle = Bundle { dir: PathBuf::from("/d/xous/runner") };
        assert_eq!(bundle.for_board(Board::Dabao).dir, PathBuf::from("/d/xous/runner-dabao"));
        let bundle = Bundle { dir: PathBuf::from("/d/xous/runner") };
        assert_eq!(bundle.for_board(Board::Baosec).dir, PathBuf::from("/d/xous/runner-baosec"));
        let bundle = Bundle { dir: PathBuf::from("/d/xous/runner") };
        assert_eq!(bundle.for_board(Board::QemuVirt).dir, PathBuf::from("/d/xous/runner"));
    }

    #[test]
    fn kernel_and_services_come_from_the_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = Bundle { dir: dir.path().to_path_buf() };
        let missing = bundle.kernel(None).unwrap_err();
        assert!(missing.contains("kernel.elf") && missing.contains("`./x setup` installs"), "{missing}");
        assert!(bundle.kernel(Some(Path::new("/no/such/kernel"))).unwrap_err().contains("--kernel /no/such/kernel"));
        fs::write(dir.path().join("kernel.elf"), b"k").unwrap();
        assert_eq!(bundle.kernel(None).unwrap(), dir.path().join("kernel.elf"));

        assert_eq!(bundle.services().unwrap(), [], "no services/ at all is fine");
        let services = dir.path().join("services");
        fs::create_dir(&services).unwrap();
        fs::write(services.join("order"), "# boot order\nlog\n\n  ticktimer  \n").unwrap();
        fs::write(services.join("log"), b"l").unwrap();
        let error = bundle.services().unwrap_err();
        assert!(error.contains("lists service `ticktimer`, but there is no file"), "{error}");
        fs::write(services.join("ticktimer"), b"t").unwrap();
        let names: Vec<String> = bundle.services().unwrap().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["log", "ticktimer"]);
    }

    #[test]
    fn overrides_replace_or_append() {
        let bundle = vec![("log".to_string(), PathBuf::from("b/log")), ("tt".to_string(), PathBuf::from("b/tt"))];
        let overrides = [("tt".to_string(), PathBuf::from("my/tt")), ("net".to_string(), PathBuf::from("my/net"))];
        let services = apply_overrides(bundle, &overrides);
        let expected = [("log", "b/log"), ("tt", "my/tt"), ("net", "my/net")];
        assert_eq!(services, expected.map(|(n, p)| (n.to_string(), PathBuf::from(p))));
    }

    #[test]
    fn without_leaves_bundle_services_out() {
        let bundle = || vec![("log".to_string(), PathBuf::from("b/log")), ("tt".to_string(), PathBuf::from("b/tt")), ("net".to_string(), PathBuf::from("b/net"))];
        let kept = leave_out(bundle(), &options("--without tt --without=net app").without).unwrap();
        assert_eq!(kept, [("log".to_string(), PathBuf::from("b/log"))]);
        assert_eq!(leave_out(bundle(), &[]).unwrap(), bundle());
        let error = leave_out(bundle(), &["fs".to_string()]).unwrap_err();
        assert_eq!(error, "--without fs: the bundle has no such service (it has log, tt, net)");
    }

    #[test]
    fn the_program_comes_last_as_main_with_its_arguments() {
        let services = [("log".to_string(), PathBuf::from("b/log"))];
        let list = processes(&services, &options("--env K=V target/release/hello a b")).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].name.as_str(), list[0].main, list[0].args.clone()),
            ("log", false, vec!["log".to_string()])
        );
        let program = &list[1];
        assert_eq!((program.name.as_str(), program.main), ("hello", true));
        assert_eq!(program.path, PathBuf::from("target/release/hello"));
        assert_eq!(program.args, ["hello", "a", "b"]);
        assert_eq!(program.env, [("K".to_string(), "V".to_string())]);
        let long = format!("{}é", "x".repeat(63));
        let list = processes(&[], &options(&long)).unwrap();
        assert_eq!(list[0].name, "x".repeat(63), "cut at a character boundary");
        assert_eq!(list[0].args[0], long, "argv[0] keeps the whole name");
    }

    #[test]
    fn the_dns_server_goes_to_the_network_service() {
        let services = [("log".to_string(), PathBuf::from("b/log")), ("net".to_string(), PathBuf::from("b/net"))];
        let list = processes(&services, &options("--dns 10.0.2.2 app")).unwrap();
        assert_eq!(list[0].args, ["log"]);
        assert_eq!(list[1].args, ["net", "--dns", "10.0.2.2"]);
        assert_eq!(processes(&services, &options("app")).unwrap()[1].args, ["net"]);
    }

    #[test]
    fn on_the_dabao_board_the_time_service_is_told_the_hosts_clock() {
        let services = [("systime".to_string(), PathBuf::from("b/systime"))];
        assert_eq!(processes(&services, &options("app")).unwrap()[0].args, ["systime"], "QEMU has an RTC");
        let before = unix_ms_now();
        let args = processes(&services, &options("--board dabao app")).unwrap()[0].args.clone();
        assert_eq!(args[..2], ["systime", "--unix-ms-at-boot"]);
        let told: u128 = args[2].parse().unwrap();
        assert!(before <= told && told <= unix_ms_now(), "{told}");
    }
}
