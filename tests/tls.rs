//! TLS: a TLS client and a plain client in one room, the Banter client's
//! trust on first use, hostile handshakes that must not stall the loop, and
//! the self-signed certificate kept in the data directory. Loopback only.

mod common;

use std::io::{self, BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use banter::client::worker::{NetEvent, Options, Worker};
use banter::proto::{LineReader, Message};
use banter::server::tls::{CERT_FILE, KEY_FILE};
use banter::server::{TlsError, TlsSettings};
use common::{TempDir, TestServer, SERVER_BIN, WAIT};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A server with a plain port and a TLS port, its certificate made in `dir`.
fn tls_server(
    dir: &Path,
    tls_port: u16,
    adjust: impl FnOnce(&mut banter::server::Config),
) -> TestServer {
    let (settings, _) = TlsSettings::self_signed_in(loopback(tls_port), dir).expect("TLS settings");
    TestServer::with(|c| {
        c.tls = Some(settings);
        adjust(c);
    })
}

/// A test client speaking TLS through rustls, trusting only `cert`.
struct TlsClient {
    stream: StreamOwned<ClientConnection, TcpStream>,
    reader: LineReader,
    nick: String,
}

impl TlsClient {
    fn connect(addr: SocketAddr, cert: &Path) -> TlsClient {
        let mut roots = RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(cert).expect("read the certificate") {
            roots.add(c.expect("a certificate")).expect("a usable root");
        }
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
        let name = ServerName::try_from("localhost").expect("a name");
        let session = ClientConnection::new(Arc::new(config), name).expect("a session");
        let sock = TcpStream::connect(addr).expect("connect to the TLS port");
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("read timeout");
        TlsClient {
            stream: StreamOwned::new(session, sock),
            reader: LineReader::new(1 << 20),
            nick: String::new(),
        }
    }

    fn send(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("send over TLS");
        self.stream.flush().expect("flush");
    }

    /// The next message; `None` at a clean TLS close (close_notify).
    #[track_caller]
    fn recv(&mut self) -> Option<Message> {
        let deadline = Instant::now() + WAIT;
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(line) = self.reader.next_line().expect("line within 1 MiB") {
                if !line.is_empty() {
                    return Some(Message::parse(line).expect("a parsable line"));
                }
                continue;
            }
            assert!(
                Instant::now() < deadline,
                "{}: nothing within {WAIT:?}",
                self.nick
            );
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.reader.extend(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("{}: TLS read failed: {e}", self.nick),
            }
        }
    }

    #[track_caller]
    fn expect(&mut self, command: &str) -> Message {
        let mut seen = Vec::new();
        loop {
            match self.recv() {
                Some(m) if m.command.eq_ignore_ascii_case(command) => return m,
                Some(m) => seen.push(format!("{} {:?}", m.command, m.params)),
                None => panic!(
                    "{}: closed while expecting {command}; got {seen:?}",
                    self.nick
                ),
            }
        }
    }

    #[track_caller]
    fn register(&mut self, nick: &str) {
        self.nick = nick.to_owned();
        self.send(&format!("NICK {nick}"));
        self.send("USER tester 0 * :Test User");
        assert_eq!(self.expect("001").param(0), Some(nick));
        loop {
            let m = self.recv().expect("welcome burst");
            if m.command == "376" || m.command == "422" {
                return;
            }
        }
    }
}

#[test]
fn a_tls_client_and_a_plain_client_talk_in_one_room() {
    let dir = TempDir::new("chat");
    let server = tls_server(&dir.0, 0, |_| {});
    let tls_addr = server.tls_addr.expect("a TLS port");
    let mut plain = server.member("plain", "#lobby");
    let mut secure = TlsClient::connect(tls_addr, &dir.0.join(CERT_FILE));
    secure.register("secure");
    secure.send("JOIN #lobby");
    secure.expect("366");
    let join = plain.expect("JOIN");
    assert_eq!(join.source_nick(), Some("secure"));

    secure.send("PRIVMSG #lobby :hello from TLS");
    let got = plain.expect("PRIVMSG");
    assert_eq!(got.source_nick(), Some("secure"));
    assert_eq!(got.params, ["#lobby", "hello from TLS"]);

    plain.send("PRIVMSG #lobby :hello from plain");
    let got = secure.expect("PRIVMSG");
    assert_eq!(got.source_nick(), Some("plain"));
    assert_eq!(got.params, ["#lobby", "hello from plain"]);

    secure.send("PRIVMSG plain :private over TLS");
    assert_eq!(
        plain.expect("PRIVMSG").params,
        ["plain", "private over TLS"]
    );

    // The last words come through TLS, then close_notify: a clean close
    // (recv's None), not a truncated stream (which would fail the read).
    secure.send("QUIT :done");
    assert_eq!(secure.expect("ERROR").params, ["Quit: done"]);
    assert!(secure.recv().is_none(), "close_notify after ERROR");
    assert_eq!(plain.expect("QUIT").source_nick(), Some("secure"));
}

#[test]
fn a_tls_client_that_never_reads_hits_sendq_and_gets_its_error_through_tls() {
    let dir = TempDir::new("sendq");
    let server = tls_server(&dir.0, 0, |c| c.sendq = 64 * 1024);
    let mut sleeper = TlsClient::connect(server.tls_addr.expect("TLS"), &dir.0.join(CERT_FILE));
    sleeper.register("sleeper");
    sleeper.send("JOIN #lobby");
    sleeper.expect("366");
    let mut sender = server.member("sender", "#lobby");
    let mut watcher = server.member("watcher", "#lobby");
    let filler = "z".repeat(400);
    let mut quit_reason = None;
    // Kernel and rustls buffers absorb a few MB first; bounded at 40 MB.
    for batch in 0..1000 {
        for i in 0..100 {
            sender.send(&format!("PRIVMSG #lobby :{batch}-{i} {filler}"));
        }
        let mut relayed = 0;
        while relayed < 100 {
            let m = watcher.recv().expect("watcher open");
            match m.command.as_str() {
                "PRIVMSG" => relayed += 1,
                "QUIT" => {
                    assert_eq!(m.source_nick(), Some("sleeper"));
                    quit_reason = m.params.first().cloned();
                }
                other => panic!("unexpected {other}"),
            }
        }
        if quit_reason.is_some() {
            break;
        }
    }
    assert_eq!(quit_reason.as_deref(), Some("SendQ exceeded"));
    // Whole lines, then the ERROR, then close_notify.
    let mut last = None;
    while let Some(m) = sleeper.recv() {
        if m.command == "PRIVMSG" {
            let (_, rest) = m.params[1].split_once(' ').expect("whole line");
            assert_eq!(rest, filler, "whole line");
        }
        last = Some(m);
    }
    let last = last.expect("the sleeper got lines");
    assert_eq!(
        (last.command.as_str(), last.params.as_slice()),
        ("ERROR", &["SendQ exceeded".to_owned()][..])
    );
}

/// Connects a worker with `pins` and returns what it reported by the time it
/// connected or failed.
#[track_caller]
fn worker_connects(addr: &str, pins: &Path) -> Vec<NetEvent> {
    let (tx, rx) = mpsc::channel();
    let options = Options {
        pins: Some(pins.to_owned()),
    };
    let worker = Worker::spawn_with(addr, options, move |ev| {
        let _ = tx.send(ev);
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(ev) => {
                let done = matches!(ev, NetEvent::Connected | NetEvent::ConnectFailed(_));
                seen.push(ev);
                if done {
                    worker.stop();
                    return seen;
                }
            }
            Err(_) => panic!("the worker neither connected nor failed: {seen:?}"),
        }
    }
}

#[test]
fn the_client_pins_a_self_signed_certificate_and_refuses_a_changed_one() {
    let first_dir = TempDir::new("pin-first");
    let pins_dir = TempDir::new("pins");
    let pins = pins_dir.0.join("known_servers");
    let mut server = tls_server(&first_dir.0, 0, |_| {});
    let tls_addr = server.tls_addr.expect("a TLS port");
    let (first, _) = TlsSettings::self_signed_in(tls_addr, &first_dir.0).expect("same cert");
    let url = format!("ircs://127.0.0.1:{}", tls_addr.port());
    let key = format!("127.0.0.1:{}", tls_addr.port());

    // First use: accepted, remembered, and the fingerprint told.
    let events = worker_connects(&url, &pins);
    assert_eq!(
        events,
        [
            NetEvent::CertificatePinned {
                server: key.clone(),
                fingerprint: first.fingerprint.clone()
            },
            NetEvent::Connected
        ]
    );
    let stored = std::fs::read_to_string(&pins).expect("the pin file");
    assert!(
        stored
            .lines()
            .any(|l| l == format!("{key} {}", first.fingerprint)),
        "{stored}"
    );

    // The same certificate again: accepted without a word.
    assert_eq!(worker_connects(&url, &pins), [NetEvent::Connected]);

    // A new certificate on the same host and port: refused, and explained.
    server.stop();
    let second_dir = TempDir::new("pin-second");
    let _server = tls_server(&second_dir.0, tls_addr.port(), |_| {});
    let events = worker_connects(&url, &pins);
    let [NetEvent::ConnectFailed(reason)] = events.as_slice() else {
        panic!("expected a refusal: {events:?}");
    };
    assert!(reason.contains("certificate has changed"), "{reason}");
    assert!(reason.contains("intercepting"), "{reason}");
    assert!(reason.contains(&key), "{reason}");
    // The pin stays the first one: a changed certificate is never taken on.
    assert_eq!(
        std::fs::read_to_string(&pins).expect("the pin file"),
        stored
    );
}

/// Reads until the server closes `stream` (EOF or reset); false if still
/// open after `limit`.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("read timeout");
    let deadline = Instant::now() + limit;
    let mut sink = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn stalled_and_garbage_handshakes_do_not_block_the_loop() {
    let dir = TempDir::new("hostile");
    let server = tls_server(&dir.0, 0, |c| {
        c.registration_timeout = Duration::from_secs(1);
    });
    let tls_addr = server.tls_addr.expect("a TLS port");

    // Half a ClientHello: a handshake record announcing 512 bytes, 60 sent.
    let mut stalled = TcpStream::connect(tls_addr).expect("connect");
    let mut hello = vec![
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
    ];
    hello.resize(65, 0x42);
    stalled.write_all(&hello).expect("half a hello");

    // 64 KiB of garbage, written from its own thread: the server may close
    // long before it is all sent.
    let mut garbage = TcpStream::connect(tls_addr).expect("connect");
    let mut writer = garbage.try_clone().expect("clone");
    let sending = std::thread::spawn(move || {
        let mut x: u32 = 0x1234_5678;
        let bytes: Vec<u8> = std::iter::repeat_with(|| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .take(64 * 1024)
        .collect();
        let _ = writer.write_all(b"NICK garbage\r\n");
        let _ = writer.write_all(&bytes);
    });

    // Meanwhile the plain port serves as usual.
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("bob", "#lobby");
    a.sync();
    a.send("PRIVMSG #lobby :still here");
    assert_eq!(b.expect("PRIVMSG").params, ["#lobby", "still here"]);
    b.sync();

    assert!(
        closed_within(&mut garbage, WAIT),
        "garbage connection closed"
    );
    sending.join().expect("garbage sender");
    // The stalled handshake meets the registration timeout (1 s) and the
    // close grace (5 s) and is gone; the plain clients never noticed.
    assert!(
        closed_within(&mut stalled, WAIT),
        "stalled handshake closed"
    );
    a.send("PRIVMSG #lobby :and still");
    assert_eq!(b.expect("PRIVMSG").params, ["#lobby", "and still"]);
    assert!(a.sync().is_empty());
}

#[test]
fn the_self_signed_certificate_is_made_once_and_kept() {
    let dir = TempDir::new("datadir");
    let data = dir.0.join("banter");
    let (made, created) = TlsSettings::self_signed_in(loopback(0), &data).expect("make");
    assert!(created);
    assert!(data.join(CERT_FILE).is_file() && data.join(KEY_FILE).is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join(KEY_FILE))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is its owner's alone: {mode:o}");
    }
    let (again, created) = TlsSettings::self_signed_in(loopback(0), &data).expect("reuse");
    assert!(!created);
    assert_eq!(again.fingerprint, made.fingerprint);

    // The server binary prints the same fingerprint at start.
    let mut cmd = std::process::Command::new(SERVER_BIN);
    cmd.args([
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--tls-port",
        "0",
        "--data-dir",
    ])
    .arg(&data);
    let mut proc = common::ServerProcess::start(cmd);
    let mut line = String::new();
    proc.stderr.read_line(&mut line).expect("the TLS line");
    assert!(
        line.contains(&format!(
            "certificate SHA-256 fingerprint {}",
            made.fingerprint
        )),
        "{line}"
    );
    assert!(proc
        .startup_log
        .iter()
        .any(|l| l.contains("using the self-signed")));
    drop(proc);

    // Half a pair is not silently replaced.
    std::fs::remove_file(data.join(KEY_FILE)).expect("remove the key");
    let err = TlsSettings::self_signed_in(loopback(0), &data).expect_err("half a pair");
    assert!(matches!(err, TlsError::HalfPair { .. }), "{err}");
}
