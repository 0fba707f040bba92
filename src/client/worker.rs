//! The client's socket worker: the only client code that touches the network.
//!
//! Two threads per worker: a reader that connects (and reconnects with
//! backoff), reads lines and parses them, and a writer that sends what the UI
//! queued. Sending and receiving never wait on each other, and the UI never
//! blocks: it queues lines on a channel and hears back through `notify`.
//!
//! Over TLS (`ircs://`) both threads share one rustls session behind a
//! mutex, held only to encrypt or decrypt, never while writing: the reader
//! blocks in the socket's `read` without it, and only the writer thread
//! writes records, in the order they were made (`TlsLink`). A write blocked
//! by a slow server never stops incoming lines from being decrypted. The handshake runs before either thread uses
//! the session; certificates are checked as [`super::tls`] describes.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::ClientConnection;

use super::tls::{self, PinStore, Target, Verdict};
use super::tr;
use crate::proto::{LineReader, Message};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Lines waiting for the socket before the connection counts as stuck.
const WRITE_QUEUE: usize = 1024;
/// Longest line accepted from a server (tags included).
const MAX_LINE: usize = 64 * 1024;

/// What the worker tells the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    Connected,
    /// Lines received in one read, parsed.
    Messages(Vec<Message>),
    Disconnected(String),
    /// Waiting before reconnect attempt `attempt`.
    Reconnecting {
        attempt: u32,
        delay: Duration,
    },
    /// The first connection failed, or a server's certificate changed; the
    /// worker has stopped.
    ConnectFailed(String),
    /// First TLS connection to `server` (`host:port`), whose self-signed
    /// certificate is now remembered: show `fingerprint` so the person can
    /// compare it with the one the host reads out. Comes before `Connected`.
    CertificatePinned {
        server: String,
        fingerprint: String,
    },
}

/// How a worker connects, beyond the address.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The pin file for self-signed certificates; `None` for
    /// [`PinStore::default_path`].
    pub pins: Option<PathBuf>,
}

/// A TLS session shared by the reader and writer threads (see the module doc).
struct TlsLink {
    state: Mutex<TlsState>,
    sock: TcpStream,
    /// Wakes the writer thread, the only one that writes to the socket, for
    /// records the reader made (an empty line flushes).
    wake_writer: SyncSender<WriterCmd>,
}

struct TlsState {
    conn: ClientConnection,
    /// Records made but not yet on the socket, in the order they were made.
    unsent: Vec<u8>,
}

impl TlsState {
    /// Moves every record the session has made into `unsent`.
    fn collect(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.unsent)?;
        }
        Ok(())
    }
}

impl TlsLink {
    fn new(conn: ClientConnection, sock: TcpStream, wake_writer: SyncSender<WriterCmd>) -> TlsLink {
        TlsLink {
            state: Mutex::new(TlsState {
                conn,
                unsent: Vec::new(),
            }),
            sock,
            wake_writer,
        }
    }

    fn lock(&self) -> io::Result<MutexGuard<'_, TlsState>> {
        self.state
            .lock()
            .map_err(|_| io::Error::other("TLS session poisoned"))
    }

    /// Writes what is unsent, on the writer thread only (so records leave
    /// in the order they were made), without the session's lock: a write
    /// that blocks for seconds on a server reading slowly (its flood
    /// control) never keeps the reader from decrypting.
    fn flush<'a>(&'a self, mut state: MutexGuard<'a, TlsState>) -> io::Result<()> {
        loop {
            let bytes = std::mem::take(&mut state.unsent);
            if bytes.is_empty() {
                return Ok(());
            }
            drop(state);
            (&self.sock).write_all(&bytes)?;
            state = self.lock()?;
        }
    }

    /// Encrypts `bytes` and writes them (the writer thread).
    fn send(&self, mut bytes: &[u8]) -> io::Result<()> {
        let mut state = self.lock()?;
        while !bytes.is_empty() {
            // rustls takes less than all only at its buffer limit, which
            // collecting the records frees again.
            let n = state.conn.writer().write(bytes)?;
            bytes = &bytes[n..];
            state.collect()?;
        }
        self.flush(state)
    }

    /// The writer thread's goodbye.
    fn close(&self) {
        if let Ok(mut state) = self.lock() {
            state.conn.send_close_notify();
            if state.collect().is_ok() {
                let _ = self.flush(state);
            }
        }
        let _ = self.sock.shutdown(Shutdown::Both);
    }

    /// Records the reader made (a key update's answer, an alert) wait for
    /// the writer, woken for them: the reader never writes.
    fn hand_to_writer(&self, mut state: MutexGuard<'_, TlsState>) -> io::Result<()> {
        state.collect()?;
        if !state.unsent.is_empty() {
            // A full queue means the writer is busy: it flushes them next.
            let _ = self.wake_writer.try_send(WriterCmd::Line(Vec::new()));
        }
        Ok(())
    }

    /// Decrypts `input` into `lines`. `Ok(true)` once the server has closed
    /// the session cleanly.
    fn receive(&self, mut input: &[u8], lines: &mut LineReader) -> Result<bool, String> {
        let failed = |e: io::Error| tr::CONNECTION_ERROR.fill(&[("error", &e)]);
        let mut state = self.lock().map_err(failed)?;
        let mut plain = [0u8; 4096];
        let mut closed = false;
        while !input.is_empty() {
            state.conn.read_tls(&mut input).map_err(failed)?;
            if let Err(e) = state.conn.process_new_packets() {
                // The alert that says why, if the writer gets to it.
                let _ = self.hand_to_writer(state);
                return Err(tr::TLS_ERROR.fill(&[("error", &e)]));
            }
            loop {
                match state.conn.reader().read(&mut plain) {
                    Ok(0) => {
                        closed = true;
                        break;
                    }
                    Ok(n) => lines.extend(&plain[..n]),
                    Err(_) => break,
                }
            }
        }
        // Key updates and the like.
        self.hand_to_writer(state).map_err(failed)?;
        Ok(closed)
    }
}

/// Where the reader thread gets its bytes.
enum Source {
    Plain(TcpStream),
    Tls(Arc<TlsLink>),
}

/// Where the writer thread puts its bytes.
enum Sink {
    Plain(TcpStream),
    Tls(Arc<TlsLink>),
}

impl Sink {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(s) => s.write_all(bytes),
            Sink::Tls(link) => link.send(bytes),
        }
    }

    fn close(self) {
        match self {
            Sink::Plain(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
            Sink::Tls(link) => link.close(),
        }
    }
}

enum WriterCmd {
    Attach(Sink),
    Detach,
    Line(Vec<u8>),
    Close,
}

/// A running connection; dropping it closes the connection.
pub struct Worker {
    writer_tx: SyncSender<WriterCmd>,
    stop_tx: Sender<()>,
    stopping: Arc<AtomicBool>,
    reconnect: Arc<AtomicBool>,
    current: Arc<Mutex<Option<TcpStream>>>,
    dropping: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

/// Why a connection attempt failed.
struct ConnectError {
    reason: String,
    /// Trying again cannot help (a changed certificate): stop.
    fatal: bool,
}

impl From<String> for ConnectError {
    fn from(reason: String) -> ConnectError {
        ConnectError {
            reason,
            fatal: false,
        }
    }
}

fn connect_tcp(target: &Target) -> Result<TcpStream, String> {
    let addr = target.host_port();
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| tr::CANNOT_FIND_BECAUSE.fill(&[("address", &addr), ("error", &e)]))?
        .collect();
    let mut last = tr::CANNOT_FIND.fill(&[("address", &addr)]);
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                last = tr::NOTHING_LISTENING.fill(&[("address", &a)]);
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                last = tr::NO_ANSWER.fill(&[("address", &a)]);
            }
            Err(e) => last = tr::CANNOT_REACH.fill(&[("address", &a), ("error", &e)]),
        }
    }
    Err(last)
}

/// A connected source and sink, and the socket to shut to wake the reader.
struct Link {
    source: Source,
    sink: Sink,
    waker: TcpStream,
}

/// Connects to `target`, with the TLS handshake when it asks for TLS;
/// `notify` hears of a newly pinned certificate.
fn connect(
    target: &Target,
    pins: &Option<PinStore>,
    wake_writer: &SyncSender<WriterCmd>,
    notify: &dyn Fn(NetEvent),
) -> Result<Link, ConnectError> {
    let stream = connect_tcp(target)?;
    let _ = stream.set_nodelay(true);
    // The kernel notices a peer that vanished (Wi-Fi gone, host asleep)
    // even when we have nothing to send; the session's PING covers the rest.
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(30))
        .with_interval(Duration::from_secs(10));
    if let Err(e) = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive) {
        log::debug!("no TCP keepalive: {e}");
    }
    let clone = || {
        stream
            .try_clone()
            .map_err(|e| format!("{}: {e}", tr::CANNOT_SET_UP))
    };
    if !target.tls {
        return Ok(Link {
            source: Source::Plain(clone()?),
            sink: Sink::Plain(clone()?),
            waker: stream,
        });
    }
    let key = target.pin_key();
    let pin_error = |e: tls::PinError| ConnectError {
        reason: tr::CERT_CANNOT_CHECK.fill(&[("error", &e)]),
        fatal: true,
    };
    let pinned = match pins {
        Some(store) => store.get(&key).map_err(pin_error)?,
        None => None,
    };
    let (config, verifier) = tls::client_config(pinned)?;
    let name = ServerName::try_from(target.host.clone())
        .map_err(|_| tr::TLS_BAD_NAME.fill(&[("host", &target.host)]))?;
    let mut session = ClientConnection::new(config, name)
        .map_err(|e| tr::TLS_CANNOT_START.fill(&[("error", &e)]))?;
    // The handshake is bounded like the connect; reads block freely after.
    let _ = stream.set_read_timeout(Some(CONNECT_TIMEOUT));
    let mut io_stream = &stream;
    let handshake = session.complete_io(&mut io_stream);
    if let Err(e) = handshake {
        if let (Some(Verdict::Changed { pinned, presented }), Some(store)) =
            (verifier.verdict(), pins)
        {
            return Err(ConnectError {
                reason: tls::changed_message(&key, &pinned, &presented, store.path()),
                fatal: true,
            });
        }
        return Err(handshake_failure(&key, &e).into());
    }
    let _ = stream.set_read_timeout(None);
    if let Some(Verdict::New { fingerprint }) = verifier.verdict() {
        if let Some(store) = pins {
            if let Err(e) = store.remember(&key, &fingerprint) {
                log::warn!("the certificate of {key} will not be remembered: {e}");
            }
        }
        notify(NetEvent::CertificatePinned {
            server: key,
            fingerprint,
        });
    }
    let link = Arc::new(TlsLink::new(session, clone()?, wake_writer.clone()));
    Ok(Link {
        source: Source::Tls(link.clone()),
        sink: Sink::Tls(link),
        waker: stream,
    })
}

/// A failed handshake in words, with a hint for the usual mistakes.
fn handshake_failure(key: &str, e: &io::Error) -> String {
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::InvalidMessage(_)) => tr::TLS_NOT_TLS.fill(&[("server", &key)]),
        Some(rustls::Error::InvalidCertificate(c)) => {
            tr::TLS_BAD_CERTIFICATE.fill(&[("server", &key), ("error", &format!("{c:?}"))])
        }
        Some(other) => tr::TLS_FAILED.fill(&[("server", &key), ("error", other)]),
        None if matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) =>
        {
            tr::TLS_NO_HANDSHAKE.fill(&[("server", &key)])
        }
        None => tr::TLS_FAILED.fill(&[("server", &key), ("error", e)]),
    }
}

impl Worker {
    /// Connects to `addr` in the background; everything that happens is
    /// passed to `notify`. `host:port` (port 6667 if left out) or
    /// `irc://host:port` is plain IRC, `ircs://host:port` (6697) is TLS.
    pub fn spawn(addr: &str, notify: impl Fn(NetEvent) + Send + 'static) -> Worker {
        Worker::spawn_with(addr, Options::default(), notify)
    }

    /// [`spawn`](Worker::spawn) with [`Options`].
    pub fn spawn_with(
        addr: &str,
        options: Options,
        notify: impl Fn(NetEvent) + Send + 'static,
    ) -> Worker {
        // Bounded: lines the socket is not taking do not pile up in memory.
        let (writer_tx, writer_rx) = mpsc::sync_channel(WRITE_QUEUE);
        let (stop_tx, stop_rx) = mpsc::channel();
        let stopping = Arc::new(AtomicBool::new(false));
        let reconnect = Arc::new(AtomicBool::new(false));
        let current = Arc::new(Mutex::new(None));
        let dropping = Arc::new(AtomicBool::new(false));
        let writer = std::thread::Builder::new()
            .name("banter-writer".into())
            .spawn(move || write_loop(writer_rx))
            .expect("spawn the writer thread");
        let reader = {
            let (addr, writer_tx) = (addr.to_owned(), writer_tx.clone());
            let (stopping, reconnect, current, dropping) = (
                stopping.clone(),
                reconnect.clone(),
                current.clone(),
                dropping.clone(),
            );
            std::thread::Builder::new()
                .name("banter-reader".into())
                .spawn(move || {
                    let links = Links {
                        writer_tx,
                        stop_rx,
                        stopping,
                        dropping,
                        reconnect,
                        current,
                    };
                    connection_loop(&addr, &options, &links, &notify);
                })
                .expect("spawn the reader thread")
        };
        Worker {
            writer_tx,
            stop_tx,
            stopping,
            reconnect,
            current,
            dropping,
            threads: vec![writer, reader],
        }
    }

    /// Queues a message; formatting errors are dropped (they cannot come from
    /// the session, which builds only valid messages).
    pub fn send(&self, msg: &Message) {
        match msg.to_bytes() {
            Ok(bytes) => {
                if let Err(TrySendError::Full(_)) = self.writer_tx.try_send(WriterCmd::Line(bytes))
                {
                    // The connection has stopped taking what we send: treat it
                    // as dead; the session sends again what was not echoed.
                    log::warn!("the connection is not taking what is sent: reconnecting");
                    self.drop_connection();
                }
            }
            Err(e) => log::warn!("not sending {}: {e}", msg.command),
        }
    }

    /// Reconnect automatically when the connection drops (once logged in).
    pub fn set_reconnect(&self, on: bool) {
        self.reconnect.store(on, Ordering::SeqCst);
    }

    /// Drops the current connection (the session found it dead); the worker
    /// reconnects as after any other loss, if reconnecting is on.
    pub fn drop_connection(&self) {
        self.dropping.store(true, Ordering::SeqCst);
        if let Ok(guard) = self.current.lock() {
            if let Some(s) = guard.as_ref() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    /// Sends what is queued (a QUIT, say), closes and waits for the threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.stop_tx.send(());
        let _ = self.writer_tx.try_send(WriterCmd::Close);
        // The reader may be blocked in read(): closing our side wakes it.
        if let Ok(guard) = self.current.lock() {
            if let Some(s) = guard.as_ref() {
                let _ = s.shutdown(Shutdown::Read);
            }
        }
        // Wait a moment for the goodbye (QUIT) to go out, but never hang the
        // caller (the UI thread): a reader inside a 5 s connect, or a writer
        // stuck behind a server that stopped reading, is left to end alone.
        wait_or_detach(std::mem::take(&mut self.threads), Duration::from_secs(1));
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.shutdown();
        }
    }
}

struct Links {
    writer_tx: SyncSender<WriterCmd>,
    stop_rx: Receiver<()>,
    stopping: Arc<AtomicBool>,
    /// The session found the connection dead: the reader gives it up.
    dropping: Arc<AtomicBool>,
    reconnect: Arc<AtomicBool>,
    current: Arc<Mutex<Option<TcpStream>>>,
}

fn connection_loop(addr: &str, options: &Options, links: &Links, notify: &dyn Fn(NetEvent)) {
    let target = match tls::parse_target(addr) {
        Ok(t) => t,
        Err(reason) => return notify(NetEvent::ConnectFailed(reason)),
    };
    let pins = options
        .pins
        .clone()
        .or_else(PinStore::default_path)
        .map(PinStore::new);
    if target.tls && pins.is_none() {
        log::warn!("no home directory: self-signed certificates cannot be remembered");
    }
    let mut attempt = 0u32;
    loop {
        if links.stopping.load(Ordering::SeqCst) {
            return;
        }
        match connect(&target, &pins, &links.writer_tx, notify) {
            Ok(Link {
                source,
                sink,
                waker,
            }) => {
                attempt = 0;
                let _ = links.writer_tx.send(WriterCmd::Attach(sink));
                if let Ok(mut current) = links.current.lock() {
                    *current = Some(waker);
                }
                notify(NetEvent::Connected);
                links.dropping.store(false, Ordering::SeqCst);
                let reason = read_loop(source, notify, links);
                let _ = links.writer_tx.send(WriterCmd::Detach);
                if let Ok(mut current) = links.current.lock() {
                    *current = None;
                }
                if links.stopping.load(Ordering::SeqCst) {
                    return;
                }
                notify(NetEvent::Disconnected(reason));
            }
            Err(ConnectError { reason, fatal })
                if fatal || (attempt == 0 && !links.reconnect.load(Ordering::SeqCst)) =>
            {
                notify(NetEvent::ConnectFailed(reason));
                return;
            }
            Err(ConnectError { reason, .. }) => {
                log::info!("reconnect attempt {attempt} failed: {reason}")
            }
        }
        if !links.reconnect.load(Ordering::SeqCst) {
            return;
        }
        attempt += 1;
        let delay = Duration::from_secs(1 << (attempt - 1).min(5)).min(MAX_BACKOFF);
        notify(NetEvent::Reconnecting { attempt, delay });
        match links.stop_rx.recv_timeout(delay) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Reads until the connection ends; returns why it ended.
fn read_loop(source: Source, notify: &dyn Fn(NetEvent), links: &Links) -> String {
    // A short read timeout, so that dropping or stopping is noticed even
    // where shutting the socket from another thread does not wake a blocked
    // read (Windows, Wine).
    let sock = match &source {
        Source::Plain(stream) => stream,
        Source::Tls(link) => &link.sock,
    };
    let _ = sock.set_read_timeout(Some(Duration::from_millis(250)));
    let mut reader = LineReader::new(MAX_LINE);
    let mut chunk = vec![0u8; 16 * 1024];
    let mut closed = false;
    loop {
        if closed {
            return tr::SERVER_CLOSED.to_string();
        }
        let read = match &source {
            Source::Plain(stream) => (&*stream).read(&mut chunk),
            Source::Tls(link) => (&link.sock).read(&mut chunk),
        };
        match read {
            Ok(0) => return tr::SERVER_CLOSED.to_string(),
            Ok(n) => match &source {
                Source::Plain(_) => reader.extend(&chunk[..n]),
                Source::Tls(link) => match link.receive(&chunk[..n], &mut reader) {
                    Ok(done) => closed = done,
                    Err(reason) => return reason,
                },
            },
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if links.dropping.swap(false, Ordering::SeqCst) {
                    return tr::STOPPED_ANSWERING.to_string();
                }
                if links.stopping.load(Ordering::SeqCst) {
                    return tr::SERVER_CLOSED.to_string();
                }
                continue;
            }
            // After drop_connection shut the socket, this is no surprise.
            Err(_) if links.dropping.swap(false, Ordering::SeqCst) => {
                return tr::STOPPED_ANSWERING.to_string()
            }
            Err(e) => return tr::CONNECTION_ERROR.fill(&[("error", &e)]),
        }
        let mut batch = Vec::new();
        loop {
            match reader.next_line() {
                Ok(Some(line)) => match Message::parse(line) {
                    Ok(m) => batch.push(m),
                    Err(e) => log::debug!("ignoring a line from the server: {e}"),
                },
                Ok(None) => break,
                Err(_) => return tr::OVERLONG_LINE.to_string(),
            }
        }
        if !batch.is_empty() {
            notify(NetEvent::Messages(batch));
        }
    }
}

fn write_loop(rx: Receiver<WriterCmd>) {
    let mut stream: Option<Sink> = None;
    for cmd in rx {
        match cmd {
            WriterCmd::Attach(s) => stream = Some(s),
            WriterCmd::Detach => stream = None,
            WriterCmd::Line(bytes) => {
                if let Some(s) = stream.as_mut() {
                    if let Err(e) = s.send(&bytes) {
                        // Shut the socket both ways, so that the reader ends
                        // too and reconnecting starts: a connection that cannot
                        // be written to must not look connected.
                        log::info!("write failed: {e}");
                        if let Some(s) = stream.take() {
                            s.close();
                        }
                    }
                }
            }
            WriterCmd::Close => {
                if let Some(s) = stream.take() {
                    s.close();
                }
                return;
            }
        }
    }
}

/// Joins the threads that finish within `budget`; the others are detached
/// (they end by themselves once their socket is shut).
pub(crate) fn wait_or_detach<T>(threads: Vec<JoinHandle<T>>, budget: Duration) {
    let deadline = std::time::Instant::now() + budget;
    let mut left = threads;
    while !left.is_empty() && std::time::Instant::now() < deadline {
        let (done, running): (Vec<_>, Vec<_>) = left.into_iter().partition(|t| t.is_finished());
        for t in done {
            let _ = t.join();
        }
        left = running;
        if !left.is_empty() {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    if !left.is_empty() {
        log::debug!("{} worker threads left to finish on their own", left.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::tls::{generate_self_signed, TlsSettings};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::net::TcpListener;

    /// N3: a write the server does not take (its flood control reads a
    /// pasting client slowly) must not stop incoming lines from being
    /// decrypted. The writer's one send is far bigger than the sockets
    /// hold, so it blocks for as long as the server does not read.
    #[test]
    fn reading_never_waits_on_a_blocked_write() {
        let (cert, key) = generate_self_signed().expect("certificate");
        let settings = TlsSettings::new(
            "127.0.0.1:0".parse().unwrap(),
            vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
            PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
        )
        .expect("server settings");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client_sock = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server_sock, _) = listener.accept().unwrap();
        let _ = socket2::SockRef::from(&client_sock).set_send_buffer_size(16 * 1024);
        let _ = socket2::SockRef::from(&server_sock).set_recv_buffer_size(16 * 1024);

        let server = std::thread::spawn(move || {
            let mut conn = rustls::ServerConnection::new(settings.config).unwrap();
            while conn.is_handshaking() {
                conn.complete_io(&mut &server_sock).unwrap();
            }
            (conn, server_sock)
        });
        let (config, _) = tls::client_config(None).unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let mut conn = ClientConnection::new(config, name).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut &client_sock).unwrap();
        }
        let (mut server_conn, server_sock) = server.join().unwrap();

        let (wake, _woken) = mpsc::sync_channel(4);
        let link = Arc::new(TlsLink::new(conn, client_sock.try_clone().unwrap(), wake));
        let writer = {
            let link = link.clone();
            std::thread::spawn(move || link.send(&vec![b'x'; 16 << 20]))
        };
        // The writer is writing once the server sees its first byte; the
        // server reads no more.
        (&server_sock).read_exact(&mut [0u8; 1]).unwrap();

        // The server says something; the client's reader decrypts it.
        server_conn
            .writer()
            .write_all(b"PING :still here\r\n")
            .unwrap();
        while server_conn.wants_write() {
            server_conn.write_tls(&mut &server_sock).unwrap();
        }
        let (got_tx, got) = mpsc::channel();
        {
            let (link, sock) = (link.clone(), client_sock.try_clone().unwrap());
            std::thread::spawn(move || {
                let mut lines = LineReader::new(MAX_LINE);
                let mut chunk = vec![0u8; 16 * 1024];
                loop {
                    let n = (&sock).read(&mut chunk).unwrap_or(0);
                    if n == 0 || link.receive(&chunk[..n], &mut lines).is_err() {
                        return;
                    }
                    if let Ok(Some(line)) = lines.next_line() {
                        let _ = got_tx.send(String::from_utf8_lossy(line).into_owned());
                        return;
                    }
                }
            });
        }
        let line = got.recv_timeout(Duration::from_secs(10));
        // Then the server reads again, and the write finishes. (Shutting
        // the socket would not wake a blocked write under Wine.)
        let drain = std::thread::spawn(move || {
            let mut sink = [0u8; 64 * 1024];
            while (&server_sock).read(&mut sink).is_ok_and(|n| n > 0) {}
        });
        assert!(writer.join().unwrap().is_ok(), "the write finished");
        let _ = client_sock.shutdown(Shutdown::Both);
        let _ = drain.join();
        assert_eq!(line.as_deref(), Ok("PING :still here"));
    }
}
