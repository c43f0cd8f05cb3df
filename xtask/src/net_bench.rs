//! `./x bench net`: std::net on the target against servers on the host's
//! loopback (net_host's command server and UDP echo, reached as 10.0.2.2),
//! and the network service's raw TCP throughput in the same run
//! (test-apps/bench-net, with the service built for benchmarks:
//! `bench::bench_service`). Guest-clock numbers (see GUEST_CLOCK), reported
//! rather than held to a limit, except the ratio of raw to std throughput
//! (goal: std::net at least 0.8 x raw, so raw/std at most 1.25).

use crate::bench::{parse_results, Goal, Metric};
use crate::net_host::{tcp_server, udp_echo};
use crate::project::Project;
use crate::runner;
use std::net::{TcpListener, UdpSocket};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

/// Guest time counts instructions while the guest runs (one per ns) and
/// follows the host's clock while it idles (`sleep=on`), waiting for the
/// host's side of the network. Plain wall-clock time measured this
/// machine's contention instead: QEMU's user network runs in QEMU's main
/// thread, which took a whole core during a transfer, and the guest's
/// thread, waiting for the other one, stretched each hand-over between a
/// client and the service from microseconds to milliseconds, which the
/// ratios below then charged to our IPC (docs/benchmarks.md). `sleep=off`
/// (`xous-run --icount`) would jump idle time to the next timer instead.
/// The RTC (the ticktimer's alarms) follows the same clock.
const GUEST_CLOCK: [&str; 8] = ["--qemu-arg", "-icount", "--qemu-arg", "shift=0,sleep=on", "--qemu-arg", "-rtc", "--qemu-arg", "clock=vm"];

/// What bench-net prints, with the unit each is in.
const MEASURED: &[(&str, &str)] = &[
    ("net_tcp_to_host_mbps", "MB/s"),
    ("net_tcp_from_host_mbps", "MB/s"),
    ("net_raw_tcp_to_host_mbps", "MB/s"),
    ("net_raw_tcp_from_host_mbps", "MB/s"),
    ("net_tcp_connections_per_s", "1/s"),
    ("net_udp_round_trip_us", "us"),
    // Raw over std, each the median of rounds that measure both back to
    // back (bench-net): goal at most 1.25, that is std::net >= 0.8 x raw.
    ("net_raw_over_std_to_host", "x"),
    ("net_raw_over_std_from_host", "x"),
];

pub fn measure(project: &Project) -> Result<Vec<Metric>, String> {
    let runner = runner::install(project)?;
    let program = project.build_test_app("bench-net")?;
    let service = crate::bench::bench_service(project, "net")?;
    let tcp = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let udp = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let (tcp_port, udp_port) = (tcp.local_addr().unwrap().port(), udp.local_addr().unwrap().port());
    let stop = Arc::new(AtomicBool::new(false));
    let servers = [{
        let s = stop.clone();
        thread::spawn(move || tcp_server(tcp, s))
    }, {
        let s = stop.clone();
        thread::spawn(move || udp_echo(udp, s))
    }];
    eprintln!("x bench: network benchmarks on QEMU (about a minute) ...");
    let out = Command::new(&runner.xous_run)
        .args(["--timeout", "300", "--memory", "64M"])
        .args(GUEST_CLOCK)
        .args(["--env", &format!("HOST_TCP_PORT={tcp_port}"), "--env", &format!("HOST_UDP_PORT={udp_port}")])
        .arg("--service")
        .arg(format!("net={}", service.display()))
        .arg(&program)
        .output()
        .map_err(|e| format!("cannot run xous-run: {e}"));
    stop.store(true, Ordering::SeqCst);
    for server in servers {
        let _ = server.join();
    }
    let out = out?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failed = |why: String| format!("the network benchmarks failed: {why}\n--- stdout\n{stdout}--- stderr\n{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(failed(format!("xous-run exited with {:?}", out.status.code())));
    }
    let values = parse_results::<f64, _>(&stdout, MEASURED).map_err(failed)?;
    let metrics: Vec<Metric> = MEASURED
        .iter()
        .zip(&values)
        .map(|((name, unit), &value)| {
            let goal = if *unit == "x" { Goal::AtMost(1.25) } else { Goal::Report };
            Metric { name: name.to_string(), value, unit, goal, repeatable: true }
        })
        .collect();
    Ok(metrics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_metric_or_says_which_is_missing() {
        let all: String = MEASURED.iter().enumerate().map(|(i, (n, _))| format!("bench: {n}={i}.5\n")).collect();
        let parse = |stdout: &str| parse_results::<f64, _>(stdout, MEASURED);
        assert_eq!(parse(&all).unwrap(), [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]);
        let short = all.replace("bench: net_udp_round_trip_us=5.5\n", "");
        assert_eq!(parse(&short).unwrap_err(), "no result for net_udp_round_trip_us");
        assert!(parse(&all.replace("=1.5", "=fast")).unwrap_err().contains("not a number"));
    }
}
