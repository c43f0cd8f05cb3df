//! tokio on 127.0.0.1, on the multi-threaded runtime: an echo server and
//! four concurrent clients (48 KiB each); a `TcpSocket` (socket2 under it)
//! with options set before it listens and before it connects; socket2's own
//! `Socket`; UDP shared between tasks; tokio's timers; and hyper serving
//! HTTP/1.1 requests to a hyper client and to hyper-util's pooled client
//! (`client::legacy`, what reqwest builds on: its connector makes a socket2
//! socket and passes it through std's `TcpStream` before it connects). The
//! same program runs on the host
//! (epoll) and on the target (the network service's poll). With
//! `serve-http PORT` it serves one connection from outside instead (the
//! host, through xous-run's `--hostfwd`).

use std::convert::Infallible;
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream, UdpSocket};

const CLIENTS: usize = 4;
const BYTES: usize = 48 * 1024;

struct Checks(usize);

impl Checks {
    fn check(&mut self, ok: bool, what: String) {
        println!("tokio-echo: {}: {what}", if ok { "ok" } else { "FAILED" });
        self.0 += !ok as usize;
    }
}

/// Echoes every connection on its own task until the listener is dropped.
async fn echo_server(listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { return };
        tokio::spawn(async move {
            let (mut reader, mut writer) = stream.split();
            let _ = tokio::io::copy(&mut reader, &mut writer).await;
        });
    }
}

/// Sends `BYTES` and reads them back at the same time; the bytes it got.
async fn echo_client(address: SocketAddr, seed: u8) -> std::io::Result<bool> {
    let stream = TcpStream::connect(address).await?;
    let data: Vec<u8> = (0..BYTES).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
    let (mut reader, mut writer) = stream.into_split();
    let sent = data.clone();
    let send = tokio::spawn(async move {
        writer.write_all(&sent).await?;
        writer.shutdown().await
    });
    let mut back = Vec::new();
    reader.read_to_end(&mut back).await?;
    send.await.map_err(std::io::Error::other)??;
    Ok(back == data)
}

async fn echo(c: &mut Checks) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local_addr");
    let server = tokio::spawn(echo_server(listener));
    let clients: Vec<_> = (0..CLIENTS).map(|i| tokio::spawn(echo_client(address, i as u8))).collect();
    let mut results = Vec::new();
    for client in clients {
        results.push(client.await.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())));
    }
    c.check(results.iter().all(|r| matches!(r, Ok(true))),
        format!("echo server: {CLIENTS} clients at once on the multi-threaded runtime, {BYTES} bytes each echoed back whole: {results:?}"));
    server.abort();
}

/// `TcpSocket` is socket2's `Socket`: options set before `listen` and
/// before `connect` (kept in the process until the real socket exists).
async fn tcp_socket(c: &mut Checks) {
    let socket = TcpSocket::new_v4().expect("TcpSocket::new_v4");
    let reuse = socket.set_reuseaddr(true).and_then(|_| socket.reuseaddr());
    let bound = socket.bind("127.0.0.1:0".parse().unwrap()).and_then(|_| socket.local_addr());
    c.check(matches!(reuse, Ok(true)) && matches!(bound, Ok(a) if a.port() != 0),
        format!("TcpSocket: SO_REUSEADDR set and read back before bind ({reuse:?}); bound to 127.0.0.1:0, local_addr has the port chosen: {bound:?}"));
    let listener = socket.listen(16).expect("listen");
    let address = listener.local_addr().unwrap();

    let client = TcpSocket::new_v4().expect("TcpSocket::new_v4");
    let nodelay_before = client.set_nodelay(true).and_then(|_| client.nodelay());
    let (connected, accepted) = tokio::join!(client.connect(address), listener.accept());
    let (mut stream, (mut peer, _)) = (connected.expect("connect"), accepted.expect("accept"));
    c.check(matches!(nodelay_before, Ok(true)) && matches!(stream.nodelay(), Ok(true)),
        format!("TcpSocket: TCP_NODELAY set before connect ({nodelay_before:?}) is on the connected stream: {:?}", stream.nodelay()));
    stream.write_all(b"through socket2").await.unwrap();
    stream.shutdown().await.unwrap();
    let mut got = String::new();
    peer.read_to_string(&mut got).await.unwrap();
    c.check(got == "through socket2" && stream.peer_addr().ok() == Some(address),
        format!("TcpSocket: listen and connect make working sockets: {got:?}, peer {:?}", stream.peer_addr()));

    // A client bound to any port of 127.0.0.1 before it connects.
    let bound_client = TcpSocket::new_v4().unwrap();
    let bound = bound_client.bind("127.0.0.1:0".parse().unwrap());
    let (connected, accepted) = tokio::join!(bound_client.connect(address), listener.accept());
    let local = connected.as_ref().map(|s| s.local_addr());
    let peer = accepted.as_ref().map(|(_, from)| *from);
    c.check(bound.is_ok() && matches!((&local, &peer), (Ok(Ok(l)), Ok(p)) if l == p && l.ip().is_loopback()),
        format!("TcpSocket: bound to 127.0.0.1:0, then connected ({bound:?}): local {local:?}, seen by the listener as {peer:?}"));

    let keepalive = TcpSocket::new_v4().unwrap().set_keepalive(true);
    c.check(matches!(&keepalive, Err(e) if e.kind() == ErrorKind::Unsupported) || (cfg!(not(target_os = "xous")) && keepalive.is_ok()),
        format!("TcpSocket: SO_KEEPALIVE, which the network service does not have, is Unsupported on xous: {keepalive:?}"));
}

/// socket2 itself, blocking, with std's types on the other side.
fn socket2_direct(c: &mut Checks) {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("Socket::new");
    let options = socket.set_tcp_nodelay(true).and_then(|_| socket.set_read_timeout(Some(Duration::from_secs(30))));
    let unconnected_peer = socket.peer_addr().map(|a| a.as_socket());
    let connected = socket.connect(&SockAddr::from(address));
    c.check(options.is_ok() && unconnected_peer.is_err() && connected.is_ok()
            && matches!(socket.tcp_nodelay(), Ok(true)) && matches!(socket.read_timeout(), Ok(Some(d)) if d == Duration::from_secs(30)),
        format!("socket2::Socket: options before connect ({options:?}), no peer before ({unconnected_peer:?}), connect {connected:?}, TCP_NODELAY {:?} and read timeout {:?} after", socket.tcp_nodelay(), socket.read_timeout()));
    let (mut accepted, _) = listener.accept().unwrap();
    let mut stream: std::net::TcpStream = socket.into();
    stream.write_all(b"ping").unwrap();
    let mut buffer = [0u8; 4];
    accepted.read_exact(&mut buffer).unwrap();
    let sockref_nodelay = socket2::SockRef::from(&stream).tcp_nodelay();
    c.check(&buffer == b"ping", format!("socket2::Socket into std::net::TcpStream carries the connection: {:?}; a SockRef of it: {sockref_nodelay:?}", String::from_utf8_lossy(&buffer)));

    let udp = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let sent = udp.send_to(b"datagram", &SockAddr::from(receiver.local_addr().unwrap()));
    let mut buffer = [0u8; 16];
    let got = receiver.recv_from(&mut buffer).map(|(n, from)| (buffer[..n].to_vec(), from));
    let local = udp.local_addr().ok().and_then(|a| a.as_socket());
    c.check(matches!(sent, Ok(8)) && matches!(&got, Ok((d, from)) if d == b"datagram" && Some(from.port()) == local.map(|a| a.port())),
        format!("socket2::Socket UDP: send_to binds a new socket first ({sent:?}), the datagram arrives from its port ({local:?}): {got:?}"));

    let unix = Socket::new(Domain::UNIX, Type::STREAM, None);
    c.check(unix.is_ok() == cfg!(unix), format!("socket2::Socket in the Unix domain: {:?}", unix.map(|_| ())));
}

async fn udp(c: &mut Checks) {
    let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let address = server.local_addr().unwrap();
    let shared = server.clone();
    // An Arc<UdpSocket> on another task: tokio's UdpSocket is Sync.
    let echo = tokio::spawn(async move {
        let mut buffer = [0u8; 64];
        for _ in 0..3 {
            let (n, from) = shared.recv_from(&mut buffer).await?;
            shared.send_to(&buffer[..n], from).await?;
        }
        Ok::<_, std::io::Error>(())
    });
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    client.connect(address).await.unwrap();
    let mut got = Vec::new();
    for round in 0..3u8 {
        client.send(&[round; 7]).await.unwrap();
        let mut buffer = [0u8; 64];
        let n = client.recv(&mut buffer).await.unwrap();
        got.push(buffer[..n].to_vec());
    }
    let served = echo.await.unwrap();
    c.check(served.is_ok() && got == [[0u8; 7], [1; 7], [2; 7]], format!("UDP: three datagrams echoed by a task sharing the socket: {got:?}, {served:?}"));
}

async fn timers(c: &mut Checks) {
    let start = Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let slept = start.elapsed();
    c.check(slept >= Duration::from_millis(100), format!("tokio::time::sleep(100 ms) ends after at least 100 ms: {slept:?}"));

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut quiet = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (_peer, _) = listener.accept().await.unwrap();
    let start = Instant::now();
    let mut buffer = [0u8; 1];
    let r = tokio::time::timeout(Duration::from_millis(200), quiet.read(&mut buffer)).await;
    let waited = start.elapsed();
    c.check(r.is_err() && waited >= Duration::from_millis(200),
        format!("tokio::time::timeout: a read with nothing to read ends by its 200 ms timeout ({waited:?}): {:?}", r.map_err(|_| "elapsed")));
}

async fn hello(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let text = format!("{method} {path}: {} bytes: {}", body.len(), String::from_utf8_lossy(&body));
    Ok(Response::builder().header("x-served-by", "hyper on tokio").body(Full::new(Bytes::from(text))).unwrap())
}

async fn http(c: &mut Checks) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), hyper::service::service_fn(hello))
            .await
            .map_err(std::io::Error::other)
    });

    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    let driver = tokio::spawn(connection);
    let mut answers = Vec::new();
    for (method, path, body) in [("GET", "/hello", ""), ("POST", "/echo", "a body of 24 bytes, sent")] {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", address.to_string())
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        sender.ready().await.expect("the connection takes the next request");
        let response = sender.send_request(request).await.expect("send_request");
        let status = response.status();
        let header = response.headers().get("x-served-by").map(|v| v.to_str().unwrap_or("").to_string());
        let text = response.into_body().collect().await.map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned());
        answers.push((status.as_u16(), header, text.unwrap_or_else(|e| e.to_string())));
    }
    drop(sender);
    let served = server.await.unwrap();
    let _ = driver.await;
    let expected = [
        (200, Some("hyper on tokio".to_string()), "GET /hello: 0 bytes: ".to_string()),
        (200, Some("hyper on tokio".to_string()), "POST /echo: 24 bytes: a body of 24 bytes, sent".to_string()),
    ];
    c.check(answers == expected && served.is_ok(),
        format!("hyper: an HTTP/1.1 server and client, two requests on one keep-alive connection: {answers:?}; the server's connection ended {served:?}"));
}

/// hyper-util's pooled client (`client::legacy::Client` with its
/// `HttpConnector`) against a hyper server: two GETs. Its connector sets the socket's options through
/// socket2 and converts it into std's `TcpStream` and tokio's `TcpSocket`
/// before it connects.
async fn http_client_legacy(c: &mut Checks) {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut connections = 0;
        while let Ok(Ok((stream, _))) = tokio::time::timeout(Duration::from_secs(2), listener.accept()).await {
            connections += 1;
            tokio::spawn(hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), hyper::service::service_fn(hello)));
        }
        connections
    });
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut answers = Vec::new();
    for path in ["/first", "/second"] {
        let uri: hyper::Uri = format!("http://{address}{path}").parse().unwrap();
        let answer = match client.get(uri).await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.into_body().collect().await.map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned());
                format!("{status} {}", body.unwrap_or_else(|e| e.to_string()))
            }
            Err(e) => format!("error: {e:?}"),
        };
        answers.push(answer);
    }
    drop(client);
    let connections = server.await.unwrap();
    // The pool may or may not have the first connection back when the
    // second GET starts (it returns once the first response's end is seen
    // by the connection's task), so one or two connections are made.
    c.check(answers == ["200 GET /first: 0 bytes: ", "200 GET /second: 0 bytes: "] && (1..=2).contains(&connections),
        format!("hyper-util's legacy Client (HttpConnector): two GETs {answers:?} over {connections} connection(s)"));
}

/// socket2's new stream socket through std's `TcpStream` and back, as
/// hyper-util's connector and tokio's `TcpSocket::from_std_stream` take it
/// before connecting: the options survive, the stand-in is not connected.
fn socket2_through_std(c: &mut Checks) {
    use socket2::{Domain, Protocol, SockAddr, Socket, Type};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
    socket.set_tcp_nodelay(true).unwrap();
    let mut stream: std::net::TcpStream = socket.into();
    let read = stream.read(&mut [0u8; 4]).map_err(|e| e.kind());
    let peer = stream.peer_addr().map_err(|e| e.kind());
    let socket = Socket::from(stream);
    let connected = socket.connect(&SockAddr::from(listener.local_addr().unwrap()));
    let accepted = listener.accept().map(|_| ());
    let nodelay = socket.tcp_nodelay();
    let unconnected = cfg!(target_os = "xous") && read == Err(ErrorKind::NotConnected) && peer == Err(ErrorKind::NotConnected)
        || cfg!(not(target_os = "xous")) && read.is_err() && peer.is_err();
    c.check(unconnected && connected.is_ok() && accepted.is_ok() && matches!(nodelay, Ok(true)),
        format!("socket2: a new socket into std's TcpStream (read {read:?}, peer {peer:?}) and back connects ({connected:?}, accepted {accepted:?}) with its TCP_NODELAY kept ({nodelay:?})"));
}

/// `serve-http PORT`: hyper answers one connection from outside the guest
/// (the host, through xous-run's `--hostfwd`), then the program ends.
async fn serve_http(port: u16) {
    let listener = TcpListener::bind(("0.0.0.0", port)).await.expect("bind");
    println!("tokio-echo: serving HTTP on port {port}");
    let (stream, peer) = listener.accept().await.expect("accept");
    let served = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), hyper::service::service_fn(hello))
        .await;
    let mut c = Checks(0);
    c.check(served.is_ok(), format!("hyper: a connection from {peer} served, ended {served:?}"));
    finish(c);
}

fn finish(c: Checks) {
    if c.0 == 0 {
        println!("tokio-echo: all checks passed");
    } else {
        println!("tokio-echo: {} checks FAILED", c.0);
        std::process::exit(1);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, port] = &args[..] {
        if mode == "serve-http" {
            return serve_http(port.parse().expect("a port")).await;
        }
    }
    let mut c = Checks(0);
    echo(&mut c).await;
    tcp_socket(&mut c).await;
    tokio::task::spawn_blocking(|| {
        let mut c = Checks(0);
        socket2_direct(&mut c);
        socket2_through_std(&mut c);
        c.0
    })
    .await
    .map(|failed| c.0 += failed)
    .expect("socket2 checks");
    udp(&mut c).await;
    timers(&mut c).await;
    http(&mut c).await;
    http_client_legacy(&mut c).await;
    finish(c);
}
