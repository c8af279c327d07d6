//! Slow and greedy clients against the real binary on 127.0.0.1 (Linux: the
//! server's open descriptors are counted in /proc): connections that never
//! start TLS, connections that finish TLS but never finish their headers,
//! a body that stalls, an idle keep-alive connection, HTTP/2's preface.
//! Each is closed within its configured timeout (plus a generous margin for
//! a loaded machine: these are not speed measurements), the per-address and
//! total caps hold while a normal request from another address still works,
//! and afterwards the descriptors are back where they started.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

const BIN: &str = env!("CARGO_BIN_EXE_ichie-server");
/// Every timeout of the test server, in seconds.
const TIMEOUT: u64 = 3;
/// How long past its timeout a connection may take to be closed here.
const MARGIN: Duration = Duration::from_secs(8);
const MAX_CONNECTIONS: usize = 40;
const PER_IP: usize = 15;

struct Server {
    child: Child,
    port: u16,
    tls: Arc<ClientConfig>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let init = Command::new(BIN)
            .args(["init", d, "--listen", "127.0.0.1:0", "--json"])
            .env_remove("ICHIE_SERVER_DATABASE_URL")
            .output()
            .unwrap();
        assert!(init.status.success());
        let config_path = dir.path().join("ichie-server.toml");
        let mut config = std::fs::read_to_string(&config_path).unwrap();
        for (key, value) in [
            ("max_connections", MAX_CONNECTIONS as u64),
            ("max_connections_per_ip", PER_IP as u64),
            ("tls_handshake_timeout_secs", TIMEOUT),
            ("header_timeout_secs", TIMEOUT),
            ("body_timeout_secs", TIMEOUT),
            ("request_timeout_secs", TIMEOUT + 2),
            ("idle_timeout_secs", TIMEOUT),
        ] {
            let line = config
                .lines()
                .find(|l| l.starts_with(&format!("{key} = ")))
                .unwrap_or_else(|| panic!("{key} not in the written configuration"))
                .to_owned();
            config = config.replace(&line, &format!("{key} = {value}"));
        }
        std::fs::write(&config_path, config).unwrap();
        let port_file = dir.path().join("port");
        let child = Command::new(BIN)
            .args(["serve", "--dir", d, "--port-file"])
            .arg(&port_file)
            .env_remove("ICHIE_SERVER_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file)
                && let Ok(port) = text.trim().parse()
            {
                break port;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no start");
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut roots = RootCertStore::empty();
        for cert in
            rustls::pki_types::CertificateDer::pem_file_iter(dir.path().join("tls/ca.pem")).unwrap()
        {
            roots.add(cert.unwrap()).unwrap();
        }
        let mut tls =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        Self {
            child,
            port,
            tls: Arc::new(tls),
            _dir: dir,
        }
    }

    /// The server process's open file descriptors.
    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .unwrap()
            .count()
    }

    /// A TCP connection from `from` (any 127.x.y.z address is loopback).
    fn tcp_from(&self, from: &str) -> TcpStream {
        let socket = socket_from(from);
        let target: SocketAddr = format!("127.0.0.1:{}", self.port).parse().unwrap();
        let stream = socket.connect_timeout(&target, Duration::from_secs(5));
        let stream = stream.unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        stream
    }

    /// A TLS connection from `from`, handshake done; `None` if the server
    /// closed it (over a cap).
    fn tls_from(&self, from: &str) -> Option<StreamOwned<ClientConnection, TcpStream>> {
        let mut tcp = self.tcp_from(from);
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let mut conn = ClientConnection::new(self.tls.clone(), name).unwrap();
        while conn.is_handshaking() {
            if conn.complete_io(&mut tcp).is_err() {
                return None;
            }
        }
        Some(StreamOwned::new(conn, tcp))
    }

    /// `GET /v1/time` from `from` on a new connection; the status line.
    fn get_time_from(&self, from: &str) -> String {
        let mut tls = self.tls_from(from).expect("a TLS connection");
        tls.write_all(b"GET /v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        let _ = tls.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

fn socket_from(from: &str) -> socket2::Socket {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{from}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    socket
}

trait ConnectFrom {
    fn connect_timeout(self, target: &SocketAddr, timeout: Duration) -> std::io::Result<TcpStream>;
}

impl ConnectFrom for socket2::Socket {
    fn connect_timeout(self, target: &SocketAddr, timeout: Duration) -> std::io::Result<TcpStream> {
        socket2::Socket::connect_timeout(&self, &(*target).into(), timeout)?;
        Ok(self.into())
    }
}

/// A client connection: plain TCP or TLS over it.
trait Conn: Read {
    fn tcp(&self) -> &TcpStream;
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for StreamOwned<ClientConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref()
    }
}

/// Whether the server has closed `stream` (EOF or reset), without waiting.
fn closed<S: Conn>(stream: &mut S) -> bool {
    stream.tcp().set_nonblocking(true).unwrap();
    let mut bytes = [0u8; 1024];
    let closed = loop {
        match stream.read(&mut bytes) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    stream.tcp().set_nonblocking(false).unwrap();
    closed
}

/// Waits until every stream is closed by the server; how long it took.
fn wait_all_closed<S: Conn>(streams: &mut [S], within: Duration) -> Duration {
    let start = Instant::now();
    let mut open: Vec<usize> = (0..streams.len()).collect();
    while !open.is_empty() {
        open.retain(|&i| !closed(&mut streams[i]));
        assert!(
            start.elapsed() <= within,
            "{} connection(s) still open after {within:?}",
            open.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    start.elapsed()
}

#[test]
fn slow_clients_are_closed_and_the_caps_hold() {
    let server = Server::start();
    assert!(
        server
            .get_time_from("127.0.0.2")
            .starts_with("HTTP/1.1 200")
    );
    std::thread::sleep(Duration::from_millis(300));
    let base = server.fds();

    // Attacker A: 30 TCP connections that never start TLS; 15 are kept.
    let mut raw: Vec<TcpStream> = (0..30).map(|_| server.tcp_from("127.0.0.1")).collect();
    // Attacker B: 30 TLS connections with a header never finished; the
    // handshake succeeds for 15, the other 15 are closed.
    let mut partial = Vec::new();
    let mut refused_b = 0;
    for _ in 0..30 {
        match server.tls_from("127.0.0.3") {
            Some(mut tls) => {
                tls.write_all(b"GET /v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                    .unwrap();
                tls.get_mut()
                    .set_read_timeout(Some(Duration::from_millis(200)))
                    .unwrap();
                partial.push(tls);
            }
            None => refused_b += 1,
        }
    }
    assert_eq!(
        partial.len(),
        PER_IP,
        "TLS connections kept for one address"
    );
    assert_eq!(refused_b, 30 - PER_IP);
    // A normal client elsewhere is served while both attackers hold their caps.
    assert!(
        server
            .get_time_from("127.0.0.2")
            .starts_with("HTTP/1.1 200")
    );
    // The normal connection is gone once the server has dropped it.
    let start = Instant::now();
    while server.fds() > base + 2 * PER_IP && start.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Attacker C: 30 more raw connections from a third address; only what is
    // left of the total cap (40 - 15 - 15 = 10) is kept.
    let mut raw_c: Vec<TcpStream> = (0..30).map(|_| server.tcp_from("127.0.0.4")).collect();
    std::thread::sleep(Duration::from_millis(500));
    let open_a = raw
        .iter_mut()
        .map(|s| usize::from(!closed(s)))
        .sum::<usize>();
    let open_c = raw_c
        .iter_mut()
        .map(|s| usize::from(!closed(s)))
        .sum::<usize>();
    let during = server.fds();
    eprintln!(
        "fds: {base} before; {during} with 90 attacking connections \
         (kept: A {open_a}, B {}, C {open_c})",
        partial.len()
    );
    assert_eq!(open_a, PER_IP);
    assert_eq!(open_a + partial.len() + open_c, MAX_CONNECTIONS);
    assert!(
        during <= base + MAX_CONNECTIONS + 2,
        "{during} descriptors with a cap of {MAX_CONNECTIONS} over {base}"
    );

    // Every kept connection is closed by its timeout.
    let within = Duration::from_secs(TIMEOUT) + MARGIN;
    let took_raw = wait_all_closed(&mut raw, within);
    let took_partial = wait_all_closed(&mut partial, within);
    wait_all_closed(&mut raw_c, within);
    std::thread::sleep(Duration::from_millis(300));
    let after = server.fds();
    eprintln!(
        "closed: no-TLS after {took_raw:?}, unfinished headers after {took_partial:?} \
         (timeouts {TIMEOUT} s); fds {after} after"
    );
    assert!(after <= base + 1, "{after} descriptors left (base {base})");
    // And the attacker's address is served again.
    assert!(
        server
            .get_time_from("127.0.0.1")
            .starts_with("HTTP/1.1 200")
    );
}

#[test]
fn stalled_bodies_idle_keep_alive_and_http2_are_refused() {
    let server = Server::start();
    let within = Duration::from_secs(TIMEOUT) + MARGIN;

    // A body that stops halfway: 408 request_timeout, then the connection closes.
    let mut tls = server.tls_from("127.0.0.5").unwrap();
    tls.write_all(
        b"POST /v1/activations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"user_id\":",
    )
    .unwrap();
    tls.get_mut()
        .set_read_timeout(Some(within + Duration::from_secs(1)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");

    // An idle keep-alive connection is closed after its timeout.
    let mut tls = server.tls_from("127.0.0.6").unwrap();
    tls.write_all(b"GET /v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = tls.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    tls.get_mut()
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let took = wait_all_closed(std::slice::from_mut(&mut tls), within);
    eprintln!("idle keep-alive closed after {took:?} (timeout {TIMEOUT} s)");

    // HTTP/2's preface is not answered with HTTP/2 frames.
    let mut tls = server.tls_from("127.0.0.7").unwrap();
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").unwrap();
    tls.get_mut().set_read_timeout(Some(within)).unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
}
