//! rustls on ring: a server and a client in this process, over 127.0.0.1
//! only. A certificate made here with rcgen (a fresh ECDSA P-256 key from
//! ring's random source, which is getrandom's xous arm and the entropy
//! service), a full handshake for TLS 1.3 and for TLS 1.2 with the client
//! verifying the server's certificate and name, then 64 KiB of application
//! data each way and a clean close. A client that trusts another certificate
//! must refuse the server.

use crate::check;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;

const NAME: &str = "localhost";
const DATA_BYTES: usize = 64 * 1024;

struct Identity {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn new_identity() -> Identity {
    let made = rcgen::generate_simple_self_signed(vec![NAME.to_string()]).expect("rcgen makes a certificate");
    Identity {
        cert: made.cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(made.key_pair.serialize_der()).into(),
    }
}

fn client_trusting(cert: &CertificateDer<'static>, version: &'static rustls::SupportedProtocolVersion) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    roots.add(cert.clone()).expect("the certificate is a trust anchor");
    ClientConfig::builder_with_protocol_versions(&[version]).with_root_certificates(roots).with_no_client_auth()
}

/// What the server answers: each byte it read, turned, so the client knows
/// the server decrypted what it sent.
fn answer(data: &[u8]) -> Vec<u8> {
    data.iter().rev().map(|b| b ^ 0x5a).collect()
}

/// One connection: the server thread echoes `answer`; returns what the
/// client saw (version and suite negotiated, the reply, a clean close).
fn session(server_config: Arc<ServerConfig>, client_config: ClientConfig, data: &[u8]) -> Result<(String, String, Vec<u8>, bool), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("local_addr: {e}"))?;
    let server = thread::spawn(move || -> Result<(), String> {
        let (socket, _) = listener.accept().map_err(|e| format!("accept: {e}"))?;
        let conn = ServerConnection::new(server_config).map_err(|e| format!("server: {e}"))?;
        let mut tls = StreamOwned::new(conn, socket);
        let mut got = vec![0; DATA_BYTES];
        tls.read_exact(&mut got).map_err(|e| format!("server read: {e}"))?;
        tls.write_all(&answer(&got)).map_err(|e| format!("server write: {e}"))?;
        tls.conn.send_close_notify();
        tls.flush().map_err(|e| format!("server close: {e}"))
    });
    let socket = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    let name = ServerName::try_from(NAME).expect("a DNS name");
    let conn = ClientConnection::new(Arc::new(client_config), name).map_err(|e| format!("client: {e}"))?;
    let mut tls = StreamOwned::new(conn, socket);
    let client: Result<_, String> = (|| {
        tls.write_all(data).map_err(|e| format!("client write: {e}"))?;
        let mut reply = vec![0; data.len()];
        tls.read_exact(&mut reply).map_err(|e| format!("client read: {e}"))?;
        let mut rest = Vec::new();
        let closed = matches!(tls.read_to_end(&mut rest), Ok(0));
        let version = format!("{:?}", tls.conn.protocol_version().expect("negotiated"));
        let suite = format!("{:?}", tls.conn.negotiated_cipher_suite().expect("negotiated").suite());
        Ok((version, suite, reply, closed))
    })();
    if client.is_err() {
        drop(tls);
    }
    let served = server.join().expect("the server thread does not panic");
    let client = client?;
    served?;
    Ok(client)
}

pub fn handshakes() {
    let server_id = new_identity();
    let stranger = new_identity();
    check("rcgen: two self-signed certificates, each with a fresh key", server_id.cert != stranger.cert);
    let data: Vec<u8> = (0..DATA_BYTES).map(|i| (i * 7 + i / 256) as u8).collect();

    for (version, expected) in [(&rustls::version::TLS13, "TLSv1_3"), (&rustls::version::TLS12, "TLSv1_2")] {
        let server = ServerConfig::builder_with_protocol_versions(&[version])
            .with_no_client_auth()
            .with_single_cert(vec![server_id.cert.clone()], server_id.key.clone_key())
            .expect("the server takes its certificate and key");
        let client = client_trusting(&server_id.cert, version);
        match session(Arc::new(server), client, &data) {
            Ok((got, suite, reply, closed)) => {
                println!("c-parts: {got} with {suite} over 127.0.0.1");
                check(&format!("rustls (ring): {expected} handshake, the server's certificate verified for {NAME}"), got == expected);
                check(&format!("rustls (ring): {expected}: 64 KiB each way, what the server decrypted comes back"), reply == answer(&data));
                check(&format!("rustls (ring): {expected}: the server's close_notify ends the stream cleanly"), closed);
            }
            Err(e) => check(&format!("rustls (ring): {expected} session: {e}"), false),
        }
    }

    let server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![server_id.cert.clone()], server_id.key.clone_key())
        .expect("the server takes its certificate and key");
    let client = client_trusting(&stranger.cert, &rustls::version::TLS13);
    match session(Arc::new(server), client, &data) {
        Ok(_) => check("rustls (ring): a client trusting another certificate refuses the server", false),
        // Both certificates carry rcgen's default subject, so the client
        // takes the stranger for the issuer and finds its signature wrong
        // (BadSignature); either way it must be the certificate it refuses.
        Err(e) => check(
            &format!("rustls (ring): a client trusting another certificate refuses the server ({e})"),
            e.contains("invalid peer certificate"),
        ),
    }
}
