//! Shared helpers: a real server on 127.0.0.1:0 in-process, and a blocking test
//! client that reads parsed messages with bounded waits.
#![allow(dead_code)]

pub mod harness;
pub mod proxy;
#[cfg(feature = "gui")]
pub mod ui;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use banter::proto::{LineReader, Message};
use banter::server::{Config, Server, ServerHandle};

/// How long any single expectation may wait before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// A running server, stopped (and joined) on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The TLS port, when the config turned TLS on.
    pub tls_addr: Option<SocketAddr>,
    handle: ServerHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

/// Test defaults: loopback, no flood control, no per-IP limit (every test
/// client comes from 127.0.0.1).
pub fn test_config() -> Config {
    Config {
        flood: None,
        max_per_ip: 0,
        connects_per_minute: 0,
        message_log: false,
        ..Config::loopback()
    }
}

impl TestServer {
    pub fn start() -> TestServer {
        TestServer::with(|_| {})
    }

    pub fn with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = test_config();
        adjust(&mut config);
        let server = Server::bind(config).expect("bind a loopback server");
        let addr = server.local_addr();
        let tls_addr = server.tls_local_addr();
        let handle = server.handle();
        let thread = std::thread::spawn(move || server.run());
        TestServer {
            addr,
            tls_addr,
            handle,
            thread: Some(thread),
        }
    }

    /// A connected, unregistered client.
    pub fn connect(&self) -> TestClient {
        TestClient::connect(self.addr)
    }

    /// A registered client (welcome burst consumed).
    pub fn client(&self, nick: &str) -> TestClient {
        let mut c = self.connect();
        c.register(nick);
        c
    }

    /// A registered client that has joined `channel` (its join replies consumed).
    pub fn member(&self, nick: &str, channel: &str) -> TestClient {
        let mut c = self.client(nick);
        c.join(channel);
        c
    }

    /// A client that negotiated `caps` (space-separated), registered and
    /// joined `channel`.
    pub fn member_with_caps(&self, nick: &str, caps: &str, channel: &str) -> TestClient {
        let mut c = self.connect();
        c.nick = nick.to_owned();
        c.send(&format!("CAP REQ :{caps}"));
        let ack = c.expect("CAP");
        assert_eq!(ack.param(1), Some("ACK"), "caps {caps:?} acknowledged");
        c.send("CAP END");
        c.register(nick);
        c.join(channel);
        c
    }

    /// Stops the server and waits for `run` to return.
    pub fn stop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread").expect("server run");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub struct TestClient {
    pub stream: TcpStream,
    reader: LineReader,
    pub nick: String,
    sync: u32,
    eof: bool,
    /// The longest line received so far, in bytes after its tags, CR LF included.
    pub longest_line: usize,
}

impl TestClient {
    pub fn connect(addr: SocketAddr) -> TestClient {
        let stream = TcpStream::connect(addr).expect("connect to the test server");
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("set read timeout");
        TestClient {
            stream,
            reader: LineReader::new(1 << 20),
            nick: String::new(),
            sync: 0,
            eof: false,
            longest_line: 0,
        }
    }

    pub fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\r\n").as_bytes());
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send to the server");
    }

    /// The next message, or `None` at end of stream. Panics after [`WAIT`].
    #[track_caller]
    pub fn recv(&mut self) -> Option<Message> {
        self.recv_within(WAIT)
            .unwrap_or_else(|| panic!("{}: no message within {WAIT:?}", self.nick))
    }

    /// `Some(None)` at end of stream, `None` when nothing came within `limit`.
    pub fn recv_within(&mut self, limit: Duration) -> Option<Option<Message>> {
        let deadline = Instant::now() + limit;
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(line) = self.reader.next_line().expect("line within 1 MiB") {
                if line.is_empty() {
                    continue;
                }
                let body = match line.first() {
                    Some(b'@') => line
                        .iter()
                        .position(|&b| b == b' ')
                        .map_or(line.len(), |space| line.len() - space - 1),
                    _ => line.len(),
                };
                // The reader strips the line ending; count it as sent.
                self.longest_line = self.longest_line.max(body + 2);
                let msg = Message::parse(line)
                    .unwrap_or_else(|e| panic!("server sent an unparsable line {line:?}: {e}"));
                return Some(Some(msg));
            }
            if self.eof {
                return Some(None);
            }
            if Instant::now() >= deadline {
                return None;
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => self.reader.extend(&chunk[..n]),
                // A signal to the test process (a child exiting) interrupts
                // a read; it is simply read again.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => self.eof = true,
                Err(e) => panic!("{}: read failed: {e}", self.nick),
            }
        }
    }

    /// Reads until a message with `command` arrives; panics on timeout or EOF,
    /// listing what came instead.
    #[track_caller]
    pub fn expect(&mut self, command: &str) -> Message {
        let mut seen = Vec::new();
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            match self.recv_within(deadline - Instant::now()) {
                Some(Some(m)) if m.command.eq_ignore_ascii_case(command) => return m,
                Some(Some(m)) => seen.push(format!("{} {:?}", m.command, m.params)),
                Some(None) => panic!(
                    "{}: connection closed while expecting {command}; got {seen:?}",
                    self.nick
                ),
                None => break,
            }
        }
        panic!("{}: no {command} within {WAIT:?}; got {seen:?}", self.nick)
    }

    /// Reads until the server closes the connection, returning what came.
    #[track_caller]
    pub fn expect_closed(&mut self) -> Vec<Message> {
        let mut seen = Vec::new();
        loop {
            match self.recv_within(WAIT) {
                Some(Some(m)) => seen.push(m),
                Some(None) => return seen,
                None => panic!("{}: still open after {WAIT:?}; got {seen:?}", self.nick),
            }
        }
    }

    /// Everything the server sends before it answers a fresh PING: since the
    /// server handles events in order, this is all it had for us so far.
    #[track_caller]
    pub fn sync(&mut self) -> Vec<Message> {
        self.sync += 1;
        let token = format!("sync-{}", self.sync);
        self.send(&format!("PING {token}"));
        let mut seen = Vec::new();
        loop {
            let msg = self
                .recv()
                .unwrap_or_else(|| panic!("{}: closed during sync", self.nick));
            if msg.command == "PONG" && msg.param(1) == Some(token.as_str()) {
                return seen;
            }
            seen.push(msg);
        }
    }

    /// NICK + USER and the welcome burst through the end of the MOTD.
    #[track_caller]
    pub fn register(&mut self, nick: &str) {
        self.nick = nick.to_owned();
        self.send(&format!("NICK {nick}"));
        self.send("USER tester 0 * :Test User");
        let welcome = self.expect("001");
        assert_eq!(welcome.param(0), Some(nick));
        loop {
            let m = self.recv().expect("welcome burst");
            if m.command == "376" || m.command == "422" {
                return;
            }
        }
    }

    /// JOIN and its replies through 366.
    #[track_caller]
    pub fn join(&mut self, channel: &str) {
        self.send(&format!("JOIN {channel}"));
        let join = self.expect("JOIN");
        assert_eq!(join.source_nick(), Some(self.nick.as_str()));
        self.expect("366");
    }

    /// The entries of a NAMES reply for `room` (prefixes included), sorted.
    #[track_caller]
    pub fn names(&mut self, room: &str) -> Vec<String> {
        self.send(&format!("NAMES {room}"));
        let mut all: Vec<String> = Vec::new();
        loop {
            let m = self.recv().expect("NAMES reply");
            match m.command.as_str() {
                "353" => all.extend(m.params[3].split(' ').map(str::to_owned)),
                "366" => break,
                _ => {}
            }
        }
        all.sort();
        all
    }

    pub fn close_write(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// The messages with `command`.
pub fn only<'a>(msgs: &'a [Message], command: &str) -> Vec<&'a Message> {
    msgs.iter().filter(|m| m.command == command).collect()
}

/// The `banter-server` binary.
pub const SERVER_BIN: &str = env!("CARGO_BIN_EXE_banter-server");

/// `banter-server` as a child process on a loopback port it picked itself;
/// killed on drop. Its stderr is read up to the "listening on" line and then
/// left alone unless the test reads [`ServerProcess::stderr`].
pub struct ServerProcess {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    /// What it logged up to and including "listening on".
    pub startup_log: Vec<String>,
    pub stderr: io::BufReader<std::process::ChildStderr>,
}

impl ServerProcess {
    /// Runs `command` (the server binary, or a shell that execs it), which
    /// must listen on 127.0.0.1 port 0 and log at info or more.
    #[track_caller]
    pub fn start(mut command: std::process::Command) -> ServerProcess {
        use io::BufRead;
        use std::process::Stdio;
        // History stays in memory unless the test names a file, so that test
        // servers never share a history file or leave one in $HOME.
        if !command
            .get_args()
            .any(|a| a == "--history-file" || a == "--data-dir")
        {
            command.arg("--no-history-file");
        }
        // Test servers never answer discovery; the tests that need it ask.
        command.env("BANTER_DISCOVERY", "off");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start banter-server");
        let mut stderr = io::BufReader::new(child.stderr.take().expect("piped stderr"));
        let mut startup_log = Vec::new();
        loop {
            let mut line = String::new();
            match stderr.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("banter-server ended before listening: {startup_log:?}");
                }
                Ok(_) => {}
            }
            let listening = line
                .split_once("listening on ")
                .and_then(|(_, rest)| rest.split(';').next())
                .and_then(|addr| addr.trim().parse::<SocketAddr>().ok());
            startup_log.push(line.trim_end().to_owned());
            if let Some(addr) = listening {
                assert!(addr.ip().is_loopback(), "tests only use loopback: {addr}");
                return ServerProcess {
                    child,
                    addr,
                    startup_log,
                    stderr,
                };
            }
        }
    }

    /// A connected, unregistered client.
    pub fn connect(&self) -> TestClient {
        TestClient::connect(self.addr)
    }

    /// A registered client that has joined `channel`.
    pub fn member(&self, nick: &str, channel: &str) -> TestClient {
        let mut c = self.connect();
        c.register(nick);
        c.join(channel);
        c
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Closes `stream` with a reset (SO_LINGER 0) rather than a FIN, as a crashed
/// or hostile peer would.
#[cfg(unix)]
pub fn reset(stream: TcpStream) {
    banter::server::sys::reset_on_close(&stream).expect("set SO_LINGER");
    drop(stream);
}

/// A loopback port nothing listens on right now: bound, noted and closed
/// again, so another process could take it before the caller does.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A fresh, empty folder under the system's temp folder for one test
/// (its name, the process and a counter keep runs apart), removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("banter-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make a temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The history file a test server keeps here.
    pub fn file(&self) -> PathBuf {
        self.0.join("history.sqlite3")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
