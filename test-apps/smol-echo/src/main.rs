//! smol on 127.0.0.1: an echo server task and four concurrent clients (48 KiB
//! each, writing and reading at once), a timer and a timeout, UDP echoed by a
//! task, a child process fed and read through async pipes (async-process),
//! files through async-fs; and polling, the poller under async-io, used
//! directly. The same program runs on the host (epoll) and on
//! the target (the network service's poll; `xous-run --disk`, for the child's
//! program file and the files).
//!
//! `smol-echo child` is the child: its stdin, upper-cased, to stdout, a line
//! to stderr, exit code 7.

use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::{TcpListener, TcpStream, UdpSocket};
use smol::process::{Command, Stdio};
use smol::{future, Timer};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const CLIENTS: usize = 4;
const BYTES: usize = 48 * 1024;
const CHILD_BYTES: usize = 64 * 1024;

struct Checks(usize);

impl Checks {
    fn check(&mut self, ok: bool, what: String) {
        println!("smol-echo: {}: {what}", if ok { "ok" } else { "FAILED" });
        self.0 += !ok as usize;
    }
}

fn pattern(seed: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + seed * 7 + i / 251) as u8).collect()
}

async fn echo(mut stream: TcpStream) -> std::io::Result<usize> {
    let mut buf = vec![0; 4096];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n;
    }
}

/// One client: sends its bytes while reading the echo, then compares.
async fn client(addr: std::net::SocketAddr, seed: usize) -> std::io::Result<bool> {
    let stream = TcpStream::connect(addr).await?;
    let sent = pattern(seed, BYTES);
    let (mut reader, mut writer) = (stream.clone(), stream);
    let send = async {
        for chunk in sent.chunks(1500) {
            writer.write_all(chunk).await?;
        }
        writer.close().await?;
        std::io::Result::Ok(())
    };
    let receive = async {
        let mut back = Vec::new();
        reader.read_to_end(&mut back).await?;
        std::io::Result::Ok(back)
    };
    let (sent_result, back) = future::zip(send, receive).await;
    sent_result?;
    Ok(back? == sent)
}

async fn network(checks: &mut Checks) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = smol::spawn(async move {
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let (stream, _) = listener.accept().await?;
            tasks.push(smol::spawn(echo(stream)));
        }
        let mut echoed = 0;
        for task in tasks {
            echoed += task.await?;
        }
        std::io::Result::Ok(echoed)
    });
    let clients: Vec<_> = (0..CLIENTS).map(|seed| smol::spawn(client(addr, seed))).collect();
    let mut right = 0;
    for task in clients {
        right += task.await? as usize;
    }
    let echoed = server.await?;
    checks.check(
        right == CLIENTS && echoed == CLIENTS * BYTES,
        format!("{right} of {CLIENTS} clients got their {BYTES} bytes back at once; the server echoed {echoed}"),
    );

    // A read that nothing answers loses to a timer.
    let quiet = TcpListener::bind("127.0.0.1:0").await?;
    let mut idle = TcpStream::connect(quiet.local_addr()?).await?;
    let (_kept, _) = quiet.accept().await?;
    let start = Instant::now();
    let mut byte = [0u8];
    let raced = future::or(async { Some(idle.read(&mut byte).await) }, async {
        Timer::after(Duration::from_millis(200)).await;
        None
    })
    .await;
    let waited = start.elapsed();
    checks.check(
        raced.is_none() && waited >= Duration::from_millis(200),
        format!("a read with nothing to read lost to a 200 ms timer after {waited:?}"),
    );

    // UDP, echoed by a task.
    let echo_socket = UdpSocket::bind("127.0.0.1:0").await?;
    let echo_addr = echo_socket.local_addr()?;
    let udp_echo = smol::spawn(async move {
        let mut buf = [0u8; 1500];
        for _ in 0..3 {
            let (n, from) = echo_socket.recv_from(&mut buf).await?;
            echo_socket.send_to(&buf[..n], from).await?;
        }
        std::io::Result::Ok(())
    });
    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    let mut all = true;
    for i in 0..3 {
        let datagram = pattern(i, 100 + i * 400);
        socket.send_to(&datagram, echo_addr).await?;
        let mut buf = [0u8; 1500];
        let (n, from) = socket.recv_from(&mut buf).await?;
        all &= buf[..n] == datagram[..] && from == echo_addr;
    }
    udp_echo.await?;
    checks.check(all, "3 UDP datagrams echoed by a task".into());
    Ok(())
}

async fn timers(checks: &mut Checks) {
    let start = Instant::now();
    Timer::after(Duration::from_millis(50)).await;
    let slept = start.elapsed();
    checks.check(slept >= Duration::from_millis(50), format!("Timer::after(50 ms) ended after {slept:?}"));
    let start = Instant::now();
    let mut ticks = Timer::interval(Duration::from_millis(20));
    for _ in 0..3 {
        smol::stream::StreamExt::next(&mut ticks).await;
    }
    let took = start.elapsed();
    checks.check(took >= Duration::from_millis(60), format!("3 ticks of a 20 ms interval took {took:?}"));
}

async fn processes(checks: &mut Checks) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(&exe)
        .arg("child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let sent: Vec<u8> = pattern(9, CHILD_BYTES).iter().map(|b| b'a' + b % 26).collect();
    let sent_copy = sent.clone();
    let feed = async move {
        stdin.write_all(&sent_copy).await?;
        stdin.flush().await?;
        // The child sees the end of its input when the pipe is dropped.
        drop(stdin);
        std::io::Result::Ok(())
    };
    let read_out = async {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).await?;
        std::io::Result::Ok(out)
    };
    let read_err = async {
        let mut err = String::new();
        stderr.read_to_string(&mut err).await?;
        std::io::Result::Ok(err)
    };
    let ((fed, out), err) = future::zip(future::zip(feed, read_out), read_err).await;
    fed?;
    let (out, err) = (out?, err?);
    let status = child.status().await?;
    checks.check(
        out == sent.to_ascii_uppercase() && err == "child: done\n" && status.code() == Some(7),
        format!(
            "a child fed {} bytes through an async pipe gave them back upper-cased ({} bytes), said {err:?} on stderr, ended with {:?}",
            sent.len(),
            out.len(),
            status.code()
        ),
    );

    // child | child: the first one's stdout, never read here, becomes the
    // second one's stdin (`into_stdio`).
    let mut first = Command::new(&exe).arg("child").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let between = first.stdout.take().unwrap().into_stdio().await?;
    let second = Command::new(&exe).arg("child").stdin(between).stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
    let mut input = first.stdin.take().unwrap();
    input.write_all(b"two children, one pipe").await?;
    input.flush().await?;
    drop(input);
    let piped = second.output().await?;
    let first_status = first.status().await?;
    checks.check(
        piped.stdout == b"TWO CHILDREN, ONE PIPE" && piped.status.code() == Some(7) && first_status.code() == Some(7),
        format!("child | child through into_stdio: {:?}", String::from_utf8_lossy(&piped.stdout)),
    );

    let output = Command::new(&exe).arg("child").output().await?;
    checks.check(
        output.stdout.is_empty() && output.stderr == b"child: done\n" && output.status.code() == Some(7),
        format!("Command::output(): {} bytes out, {:?} on stderr, {:?}", output.stdout.len(), String::from_utf8_lossy(&output.stderr), output.status.code()),
    );
    Ok(())
}

async fn files(checks: &mut Checks) -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("smol-echo-{}", std::process::id()));
    smol::fs::create_dir_all(&dir).await?;
    let path = dir.join("data");
    let data = pattern(3, 20_000);
    smol::fs::write(&path, &data).await?;
    let back = smol::fs::read(&path).await?;
    let len = smol::fs::metadata(&path).await?.len();
    smol::fs::remove_dir_all(&dir).await?;
    checks.check(
        back == data && len == data.len() as u64 && !path.exists(),
        format!("async-fs wrote, read back and removed {} bytes", data.len()),
    );
    Ok(())
}

/// polling directly: oneshot events, `modify` to re-arm, `delete`, a
/// `notify` from another thread ending a wait without a timeout, and edge
/// mode where the system has it.
fn polling_direct(checks: &mut Checks) -> std::io::Result<()> {
    use polling::{Event, Events, PollMode, Poller};
    let poller = Poller::new()?;
    // Shared, as a program hands a socket to several owners: what polling
    // takes reaches the socket through the Arc.
    let listener = std::sync::Arc::new(std::net::TcpListener::bind("127.0.0.1:0")?);
    listener.set_nonblocking(true)?;
    // SAFETY: the listener is deleted from the poller before it is dropped.
    unsafe { poller.add(&listener, Event::readable(7))? };
    let mut events = Events::new();
    let quiet = poller.wait(&mut events, Some(Duration::from_millis(50)))?;
    let client = std::net::TcpStream::connect(listener.local_addr()?)?;
    events.clear();
    poller.wait(&mut events, Some(Duration::from_secs(10)))?;
    let first = events.iter().any(|e| e.key == 7 && e.readable);
    events.clear();
    let disarmed = poller.wait(&mut events, Some(Duration::from_millis(50)))?;
    poller.modify(&listener, Event::readable(8))?;
    events.clear();
    poller.wait(&mut events, Some(Duration::from_secs(10)))?;
    let rearmed = events.iter().any(|e| e.key == 8 && e.readable);
    poller.delete(&listener)?;
    checks.check(
        quiet == 0 && first && disarmed == 0 && rearmed,
        format!("polling: a pending connection reported once (oneshot: {first}, then {disarmed} events), again after modify ({rearmed})"),
    );

    let start = Instant::now();
    let woken = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            poller.notify()
        });
        events.clear();
        poller.wait(&mut events, None)
    })?;
    let waited = start.elapsed();
    checks.check(
        woken == 0 && waited >= Duration::from_millis(100),
        format!("polling: notify from another thread ended a wait with no timeout after {waited:?}"),
    );

    // SAFETY: deleted below if it was added.
    let edge = unsafe { poller.add_with_mode(&client, Event::readable(9), PollMode::Edge) };
    let edge_ok = match &edge {
        Ok(()) => poller.supports_edge() && poller.delete(&client).is_ok(),
        Err(e) => !poller.supports_edge() && e.kind() == std::io::ErrorKind::Unsupported,
    };
    checks.check(edge_ok, format!("polling: edge mode {:?}, as supports_edge() = {} says", edge.as_ref().map_err(|e| e.kind()), poller.supports_edge()));
    Ok(())
}

fn child() {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).expect("stdin");
    std::io::stdout().write_all(&input.to_ascii_uppercase()).expect("stdout");
    eprintln!("child: done");
    std::process::exit(7);
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("child") {
        return child();
    }
    let mut checks = Checks(0);
    let result = smol::block_on(async {
        network(&mut checks).await?;
        timers(&mut checks).await;
        processes(&mut checks).await?;
        files(&mut checks).await
    });
    if let Err(e) = result {
        checks.check(false, format!("an operation failed: {e}"));
    }
    if let Err(e) = polling_direct(&mut checks) {
        checks.check(false, format!("a polling operation failed: {e}"));
    }
    if checks.0 == 0 {
        println!("smol-echo: all checks passed");
    } else {
        println!("smol-echo: {} checks FAILED", checks.0);
        std::process::exit(1);
    }
}
