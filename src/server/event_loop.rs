//! The single-threaded mio event loop: accepts, reads, writes and timers; the
//! only server code that touches sockets or clocks.
//!
//! Loop contract:
//! 1. Accept until `WouldBlock`; read until `WouldBlock` or the read budget
//!    (3); `Ok(0)` is the peer closing.
//! 2. Lines go to the chat state one at a time, as flood control admits them
//!    (empty lines too, since they cost a turn of the loop as well); a
//!    throttled connection is not read until its time comes, so TCP pushes
//!    back on the sender and nothing is dropped. It has one timer entry.
//! 3. One readiness event reads at most [`READ_BUDGET`] bytes; a connection
//!    with more waiting is served again next turn, after the others, because
//!    edge-triggered readiness will not report it again.
//! 4. Deliveries are appended to write queues and flushed once per loop turn,
//!    so many lines leave in one write. A connection is registered once for
//!    READABLE and WRITABLE, edge-triggered, and remembers whether its socket
//!    took everything last time: a queue is written while that holds, and a
//!    WRITABLE edge resumes it after `WouldBlock`. No `epoll_ctl` per write.
//! 5. Connections are removed only after the event batch, because the slab
//!    reuses keys and the key is the mio token.
//! 6. Running out of file descriptors refuses newcomers with `ERROR`, using
//!    a spare descriptor kept for that, instead of leaving them queued; an
//!    accept that failed otherwise is retried every tick.
//! 7. With TLS on, a second listener's connections carry a rustls engine in
//!    the same loop, no threads (rustls' `tlsserver-mio` example): reads go
//!    through it to the same line reader, queued lines through it to the
//!    socket. Its output (handshake, alerts, records) counts as queued output
//!    for contract 4. A peer that breaks the protocol gets an alert and is
//!    closed; a handshake that stalls is closed by the registration timeout.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::net::{IpAddr, Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mio::net::{TcpListener, TcpStream, UdpSocket};
use mio::{Events, Interest, Poll, Token, Waker};
use rustls::ServerConfig;
use slab::Slab;

use super::chat::{Chat, Now};
use super::config::Config;
use super::connection::{discard_input, Connection, Flushed, Phase, Received};
use super::discovery::Responder;
use super::outbox::Outbox;
use super::store::{Store, StoreError};

const TLS_LISTENER: Token = Token(usize::MAX - 2);
const LISTENER: Token = Token(usize::MAX - 1);
const DISCOVERY: Token = Token(usize::MAX - 3);
const WAKER: Token = Token(usize::MAX);
/// How long a closing connection gets to take its last words.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// Refused connections kept open to deliver their `ERROR` line; beyond this
/// they are told and dropped at once.
const MAX_REFUSED_LINGERING: usize = 256;
const READ_CHUNK: usize = 16 * 1024;
/// Most bytes read from one connection per readiness event (contract 3).
const READ_BUDGET: usize = 64 * 1024;
/// Descriptors left for the server itself (stdio, epoll, waker, listener,
/// log file, the spare, the signal handler) when fitting `max_clients` to the
/// open-file limit.
const FD_RESERVE: u64 = 32;

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    Bind { addr: SocketAddr, source: io::Error },
    Setup(io::Error),
    History(StoreError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Bind { addr, source } if source.kind() == io::ErrorKind::AddrInUse => {
                write!(f, "cannot listen on {addr}: the port is already in use (is another server running?)")
            }
            StartError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            StartError::Setup(e) => write!(f, "cannot set up the event loop: {e}"),
            StartError::History(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind { source, .. } | StartError::Setup(source) => Some(source),
            StartError::History(e) => Some(e),
        }
    }
}

/// Stops a running server from any thread.
#[derive(Debug, Clone)]
pub struct ServerHandle {
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
}

impl ServerHandle {
    /// Asks the loop to say goodbye to everyone and return from `run`.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Err(e) = self.waker.wake() {
            log::error!("cannot wake the server loop: {e}");
        }
    }
}

/// Which listener: an index into [`Server::accept_pending`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Plain = 0,
    Tls = 1,
}

/// The TLS port.
struct TlsListener {
    listener: TcpListener,
    local_addr: SocketAddr,
    config: Arc<ServerConfig>,
    fingerprint: String,
}

/// A bound server, ready to [`run`](Server::run).
pub struct Server {
    poll: Poll,
    listener: TcpListener,
    local_addr: SocketAddr,
    tls: Option<TlsListener>,
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
    conns: Slab<Connection>,
    chat: Chat,
    per_ip: HashMap<IpAddr, usize>,
    refused_lingering: usize,
    /// When connections held back by flood control may go on, soonest
    /// first. An entry is live while it matches the connection's
    /// `throttled_until`; others (the connection closed) are skipped.
    throttled: BinaryHeap<Reverse<(Instant, usize)>>,
    /// Connections that used up their read budget, served next turn.
    ready_again: Vec<usize>,
    read_budget: usize,
    next_tick: Instant,
    /// Connections with output queued this turn.
    dirty: Vec<usize>,
    /// Connections found dead this turn, with the reason.
    dead: Vec<(usize, String)>,
    out: Outbox,
    /// Where room history is written, if it is kept on disk.
    store: Option<Store>,
    /// The UDP socket that answers LAN discovery queries, and its limiter.
    discovery: Option<(UdpSocket, Responder)>,
    scratch: Vec<u8>,
    shutting_down: Option<Instant>,
    /// Held only to be closed when descriptors run out (contract 6).
    spare_fd: Option<File>,
    /// The listener (by [`Side`]) stopped short of `WouldBlock`: connections
    /// may be waiting that edge-triggered readiness will not report again.
    accept_pending: [bool; 2],
}

/// Best effort, holding no state for the connection (no descriptor may be
/// spare, or the loop is about to return): one non-blocking write of the
/// `ERROR` line, and the connection is closed. A TLS peer gets no line: it
/// could not read plaintext, and a handshake could block.
fn close_at_once(mut stream: TcpStream, side: Side, error: &[u8]) {
    if side == Side::Plain {
        let _ = stream.write(error);
    }
    let _ = stream.shutdown(Shutdown::Write);
    discard_input(&mut stream);
}

/// The descriptor given up to refuse a connection when none are left.
fn open_spare_fd() -> Option<File> {
    if cfg!(unix) {
        File::open("/dev/null").ok()
    } else {
        None
    }
}

#[cfg_attr(not(unix), allow(unused_variables))]
fn out_of_fds(e: &io::Error) -> bool {
    #[cfg(unix)]
    return matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
    #[cfg(not(unix))]
    return false;
}

/// Raises the open-file limit to the hard limit (unix) and lowers
/// `max_clients` to what the limit holds after [`FD_RESERVE`].
fn fit_clients_to_fd_limit(config: &mut Config) {
    let Some(limit) = raise_fd_limit() else {
        return;
    };
    let fit = usize::try_from(limit.saturating_sub(FD_RESERVE))
        .unwrap_or(usize::MAX)
        .max(1);
    if config.max_clients > fit {
        log::warn!(
            "max clients lowered from {} to {fit}: the open-file limit is {limit} \
             (raise it with ulimit -n)",
            config.max_clients
        );
        config.max_clients = fit;
    }
}

/// The open-file limit after raising the soft limit to the hard one, where
/// the OS allows; `None` when unlimited or unknown.
#[cfg(unix)]
fn raise_fd_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return None;
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct we pass. It fails where the
        // hard limit is beyond what the OS takes (macOS); the old one stays.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim = raised;
        }
    }
    if lim.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    // rlim_t is u64 on Linux but not on every unix.
    #[allow(clippy::useless_conversion)]
    u64::try_from(lim.rlim_cur).ok()
}

#[cfg(not(unix))]
fn raise_fd_limit() -> Option<u64> {
    None
}

/// The quit reason others see for a broken connection: kept plain.
fn read_error_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionReset => "Connection reset".to_owned(),
        io::ErrorKind::ConnectionAborted => "Connection aborted".to_owned(),
        io::ErrorKind::TimedOut => "Connection timed out".to_owned(),
        _ => format!("Connection error: {e}"),
    }
}

fn now() -> Now {
    let unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Now {
        instant: Instant::now(),
        unix_ms,
    }
}

impl Server {
    /// Binds the listener; nothing is accepted until [`run`](Server::run).
    ///
    /// On unix it raises the open-file limit to the hard limit and lowers
    /// `max_clients` (with a warning) to what that limit can hold.
    pub fn bind(mut config: Config) -> Result<Server, StartError> {
        let poll = Poll::new().map_err(StartError::Setup)?;
        let mut listener = TcpListener::bind(config.bind).map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
        // After the bind, so that a server that cannot start says only why.
        fit_clients_to_fd_limit(&mut config);
        let local_addr = listener.local_addr().map_err(StartError::Setup)?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)
            .map_err(StartError::Setup)?;
        let tls = match &config.tls {
            Some(settings) => {
                let mut listener =
                    TcpListener::bind(settings.bind).map_err(|source| StartError::Bind {
                        addr: settings.bind,
                        source,
                    })?;
                let local_addr = listener.local_addr().map_err(StartError::Setup)?;
                poll.registry()
                    .register(&mut listener, TLS_LISTENER, Interest::READABLE)
                    .map_err(StartError::Setup)?;
                Some(TlsListener {
                    listener,
                    local_addr,
                    config: Arc::clone(&settings.config),
                    fingerprint: settings.fingerprint.clone(),
                })
            }
            None => None,
        };
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).map_err(StartError::Setup)?);
        let store = match &config.history_file {
            Some(path) => {
                Some(Store::open(path, config.history.lines).map_err(StartError::History)?)
            }
            None => None,
        };
        let discovery = match config.discovery {
            Some(addr) => match open_discovery(&poll, addr) {
                Ok(socket) => Some((socket, Responder::new())),
                // The room works without it; people can still type the address.
                Err(e) => {
                    log::warn!("LAN discovery is off: cannot listen on UDP {addr}: {e}");
                    None
                }
            },
            None => None,
        };
        let mut chat = Chat::new(config, &now());
        let store = store.map(|(store, events)| {
            log::info!("history: {} events read back", events.len());
            chat.restore_history(events);
            store
        });
        Ok(Server {
            poll,
            listener,
            local_addr,
            tls,
            waker,
            stop: Arc::new(AtomicBool::new(false)),
            conns: Slab::new(),
            chat,
            per_ip: HashMap::new(),
            refused_lingering: 0,
            throttled: BinaryHeap::new(),
            ready_again: Vec::new(),
            read_budget: READ_BUDGET,
            next_tick: Instant::now(),
            dirty: Vec::new(),
            dead: Vec::new(),
            out: Outbox::new(),
            store,
            discovery,
            scratch: vec![0; READ_CHUNK],
            shutting_down: None,
            spare_fd: open_spare_fd(),
            accept_pending: [false; 2],
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where the TLS port listens, when TLS is on.
    pub fn tls_local_addr(&self) -> Option<SocketAddr> {
        self.tls.as_ref().map(|t| t.local_addr)
    }

    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            waker: Arc::clone(&self.waker),
            stop: Arc::clone(&self.stop),
        }
    }

    /// Serves until [`ServerHandle::shutdown`], then flushes goodbyes (for at
    /// most a few seconds) and returns.
    pub fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        self.next_tick = Instant::now() + self.chat.config().tick();
        log::info!(
            "listening on {}; room {}",
            self.local_addr,
            self.chat.config().room
        );
        if let Some(tls) = &self.tls {
            log::info!(
                "TLS on port {} ({}); certificate SHA-256 fingerprint {}",
                tls.local_addr.port(),
                tls.local_addr,
                tls.fingerprint
            );
        }
        while !self.turn(&mut events)? {}
        // Closed before the history is written out, which can take a while:
        // a connection attempt meanwhile is refused, not left waiting.
        drop(self.listener);
        self.tls = None;
        if let Some(store) = self.store.take() {
            store.close();
        }
        log::info!("server stopped");
        Ok(())
    }

    /// One turn of the loop: wait for events or the next timer, handle them,
    /// and flush. `true` once shutdown has finished.
    fn turn(&mut self, events: &mut Events) -> io::Result<bool> {
        // Output marked this turn after its flush (a TLS handshake's reply
        // found while lingering, say) goes out next turn without waiting.
        let timeout = if self.ready_again.is_empty() && self.dirty.is_empty() {
            self.next_wakeup().saturating_duration_since(Instant::now())
        } else {
            Duration::ZERO
        };
        if let Err(e) = self.poll.poll(events, Some(timeout)) {
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(false);
            }
            return Err(e);
        }
        let now = now();
        // Taken first: connections that use up their budget during this
        // turn's events wait for the next turn.
        let ready = std::mem::take(&mut self.ready_again);
        for event in events.iter() {
            match event.token() {
                LISTENER => self.accept_all(Side::Plain, &now),
                TLS_LISTENER => self.accept_all(Side::Tls, &now),
                DISCOVERY => self.answer_discovery(&now),
                WAKER => {}
                Token(key) => {
                    if event.is_error() || event.is_read_closed() {
                        self.check_socket_error(key, &now);
                    }
                    if event.is_readable() || event.is_read_closed() || event.is_error() {
                        self.on_readable(key, &now);
                    }
                    if event.is_writable() {
                        self.on_writable(key);
                    }
                }
            }
        }
        for key in ready {
            if let Some(conn) = self.conns.get_mut(key) {
                conn.ready_again = false;
                self.on_readable(key, &now);
            }
        }
        self.resume_throttled(&now);
        if now.instant >= self.next_tick {
            self.next_tick = now.instant + self.chat.config().tick();
            self.chat.tick(&now, &mut self.out);
            self.expire_closing(&now);
            for side in [Side::Plain, Side::Tls] {
                if self.accept_pending[side as usize] {
                    if self.spare_fd.is_none() {
                        self.spare_fd = open_spare_fd();
                    }
                    self.accept_all(side, &now);
                }
            }
        }
        if self.stop.load(Ordering::SeqCst) && self.shutting_down.is_none() {
            self.begin_shutdown(&now);
        }
        self.settle(&now);
        if let Some(deadline) = self.shutting_down {
            let all_flushed = self
                .conns
                .iter()
                .all(|(_, c)| matches!(c.phase, Phase::Lingering { .. }));
            if all_flushed || now.instant >= deadline {
                for (_, conn) in self.conns.iter_mut() {
                    conn.discard_input();
                }
                self.close_backlog();
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The last step of shutdown: connections that arrived during the
    /// goodbyes (the listeners were still open) are told at once rather
    /// than reset when the listeners close, which `run` does next.
    fn close_backlog(&mut self) {
        for side in [Side::Plain, Side::Tls] {
            let Some(listener) = self.listener(side) else {
                continue;
            };
            // Bounded: a connect storm cannot hold the shutdown.
            for _ in 0..1024 {
                match listener.accept() {
                    Ok((stream, _)) => {
                        close_at_once(stream, side, b"ERROR :Server shutting down\r\n");
                    }
                    Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
                    Err(_) => break,
                }
            }
        }
    }

    fn next_wakeup(&self) -> Instant {
        match self.throttled.peek() {
            Some(Reverse((at, _))) => self.next_tick.min(*at),
            None => self.next_tick,
        }
    }

    fn begin_shutdown(&mut self, now: &Now) {
        // A connection the kernel has completed but the loop has not yet
        // accepted (its readiness may trail the stop, as under Wine) is
        // told goodbye too, rather than reset when the listener closes.
        self.accept_all(Side::Plain, now);
        self.accept_all(Side::Tls, now);
        log::info!(
            "shutting down; saying goodbye to {} connections",
            self.conns.len()
        );
        self.shutting_down = Some(now.instant + Duration::from_secs(2));
        if let Err(e) = self.poll.registry().deregister(&mut self.listener) {
            log::warn!("cannot stop listening: {e}");
        }
        if let Some(tls) = &mut self.tls {
            if let Err(e) = self.poll.registry().deregister(&mut tls.listener) {
                log::warn!("cannot stop listening for TLS: {e}");
            }
        }
        self.chat.shutdown(now, &mut self.out);
    }

    /// Where discovery queries are answered, if they are (for tests).
    pub fn discovery_addr(&self) -> Option<SocketAddr> {
        self.discovery
            .as_ref()
            .and_then(|(s, _)| s.local_addr().ok())
    }

    /// Answers every waiting discovery query (edge-triggered: drain until
    /// WouldBlock). A reply that would block is dropped: the asker asks again.
    fn answer_discovery(&mut self, now: &Now) {
        let port = self.local_addr.port();
        let mut info = self.chat.room_info(port);
        info.tls_port = self.tls_local_addr().map(|a| a.port());
        let Some((socket, responder)) = self.discovery.as_mut() else {
            return;
        };
        let mut buf = [0u8; 2048];
        // A budget per readiness event, so that a flood of queries cannot
        // hold the loop; re-registering re-arms the edge for the rest.
        for _ in 0..1024 {
            match socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let Some(reply) =
                        responder.answer(&buf[..n], from.ip(), now.unix_secs(), &info)
                    else {
                        continue;
                    };
                    if let Err(e) = socket.send_to(&reply, from) {
                        log::debug!("discovery reply to {from} not sent: {e}");
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // Interrupted, or an ICMP error left by an earlier send:
                // neither says anything about the next datagram.
                Err(e) => log::debug!("discovery: {e}"),
            }
        }
        if let Err(e) = self
            .poll
            .registry()
            .reregister(socket, DISCOVERY, Interest::READABLE)
        {
            log::warn!("discovery: cannot re-arm the socket: {e}");
        }
    }

    fn listener(&self, side: Side) -> Option<&TcpListener> {
        match side {
            Side::Plain => Some(&self.listener),
            Side::Tls => self.tls.as_ref().map(|t| &t.listener),
        }
    }

    fn accept_all(&mut self, side: Side, now: &Now) {
        if self.shutting_down.is_some() {
            return;
        }
        loop {
            let Some(listener) = self.listener(side) else {
                return;
            };
            let error = match listener.accept() {
                Ok((stream, addr)) => {
                    self.admit(stream, addr, side, now);
                    continue;
                }
                Err(e) => e,
            };
            match error.kind() {
                io::ErrorKind::WouldBlock => {
                    self.accept_pending[side as usize] = false;
                    return;
                }
                // The peer gave up while it waited in the backlog.
                io::ErrorKind::Interrupted
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset => {}
                _ if out_of_fds(&error) && self.spare_fd.is_some() => {
                    if !self.refuse_with_spare_fd(side) {
                        return;
                    }
                }
                _ => {
                    if !self.accept_pending[side as usize] {
                        log::error!("accept failed: {error}; retrying every tick");
                    }
                    self.accept_pending[side as usize] = true;
                    return;
                }
            }
        }
    }

    /// Out of descriptors with connections waiting: closes the spare so that
    /// one can be accepted, told and closed, then takes the spare back.
    /// `false` when accepting should stop (the backlog is empty, or the
    /// accept failed again and is left to the tick).
    fn refuse_with_spare_fd(&mut self, side: Side) -> bool {
        self.spare_fd = None;
        let Some(listener) = self.listener(side) else {
            return false;
        };
        let accepted = listener.accept();
        let pending = &mut self.accept_pending[side as usize];
        let go_on = match accepted {
            Ok((stream, addr)) => {
                log::warn!("{addr} refused: out of file descriptors");
                close_at_once(stream, side, b"ERROR :Server is full\r\n");
                true
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                *pending = false;
                false
            }
            Err(e) => {
                log::error!("accept failed even with a descriptor to spare: {e}");
                *pending = true;
                false
            }
        };
        self.spare_fd = open_spare_fd();
        if self.spare_fd.is_none() {
            // Without it the next EMFILE can only be retried from the tick.
            self.accept_pending[side as usize] = true;
        }
        go_on
    }

    fn admit(&mut self, stream: TcpStream, addr: SocketAddr, side: Side, now: &Now) {
        let tls = match (side, &self.tls) {
            (Side::Tls, Some(tls)) => {
                match rustls::ServerConnection::new(Arc::clone(&tls.config)) {
                    Ok(engine) => Some(engine),
                    Err(e) => {
                        log::error!("{addr}: cannot start TLS: {e}");
                        return;
                    }
                }
            }
            _ => None,
        };
        let cfg = self.chat.config();
        let from_ip = self.per_ip.get(&addr.ip()).copied().unwrap_or(0);
        let refusal = if self.chat.client_count() >= cfg.max_clients {
            Some("Too many connections: the server is full")
        } else if cfg.max_per_ip > 0 && from_ip >= cfg.max_per_ip {
            Some("Too many connections from your address")
        } else {
            None
        };
        if let Err(e) = stream.set_nodelay(true) {
            log::debug!("{addr}: cannot set TCP_NODELAY: {e}");
        }
        let recvq = cfg.recvq;
        let entry = self.conns.vacant_entry();
        let key = entry.key();
        let mut conn = Connection::new(stream, addr, recvq, refusal.is_none());
        if let Some(engine) = tls {
            conn = conn.with_tls(engine);
        }
        if let Some(reason) = refusal {
            log::warn!("{addr} refused: {reason}");
            conn.out
                .replace_unsent_with(format!("ERROR :{reason}\r\n").as_bytes());
            if self.refused_lingering >= MAX_REFUSED_LINGERING {
                // Over TLS nothing can be said before a handshake.
                let _ = conn.flush();
                return;
            }
            conn.phase = Phase::Closing {
                deadline: now.instant + Duration::from_secs(1),
            };
        }
        if let Err(e) = self.poll.registry().register(
            &mut conn.stream,
            Token(key),
            Interest::READABLE | Interest::WRITABLE,
        ) {
            log::error!("{addr}: cannot register the connection: {e}");
            return;
        }
        let is_client = conn.is_client;
        entry.insert(conn);
        if is_client {
            *self.per_ip.entry(addr.ip()).or_insert(0) += 1;
            self.chat.connect(key, addr, now);
            log::info!("{addr} connected; {} connected", self.chat.client_count());
        } else {
            self.refused_lingering += 1;
            self.mark_dirty(key);
        }
    }

    /// A peer that reset or otherwise broke the connection is dead at once,
    /// even while flood control holds its lines back: what it had not yet
    /// been allowed to say is dropped rather than relayed for minutes after
    /// it left. What flood control admits right now (a last QUIT, say) is
    /// still handled. After a plain close (FIN) everything it sent counts.
    fn check_socket_error(&mut self, key: usize, now: &Now) {
        let Some(conn) = self.conns.get(key) else {
            return;
        };
        let error = match conn.stream.take_error() {
            Ok(Some(e)) | Err(e) => e,
            Ok(None) => return,
        };
        if conn.phase == Phase::Open && conn.throttled_until.is_none() {
            // Stops at the first line flood control holds back; it may also
            // find the end of the stream and call that a plain close.
            self.on_readable(key, now);
        }
        let reason = read_error_reason(&error);
        match self.dead.iter_mut().find(|(k, _)| *k == key) {
            Some((_, why)) => *why = reason,
            None => self.kill(key, &reason),
        }
    }

    /// Reads until `WouldBlock` or the read budget is spent, feeding complete
    /// lines to the chat as flood control allows.
    fn on_readable(&mut self, key: usize, now: &Now) {
        if self
            .conns
            .get(key)
            .is_some_and(|c| c.dead || c.throttled_until.is_some())
        {
            // A throttled one is resumed by its timer; reading now would only
            // buffer more.
            return;
        }
        let mut budget = self.read_budget;
        loop {
            let Some(conn) = self.conns.get_mut(key) else {
                return;
            };
            if conn.phase == Phase::Open && !self.process_lines(key, now) {
                return;
            }
            let Some(conn) = self.conns.get_mut(key) else {
                return;
            };
            if budget == 0 {
                if !conn.ready_again {
                    conn.ready_again = true;
                    self.ready_again.push(key);
                }
                return;
            }
            let chunk = budget.min(self.scratch.len());
            match conn.receive(&mut self.scratch[..chunk]) {
                Received::Closed => {
                    let reason = if conn.reader.pending() > 0 {
                        "Connection closed mid-line"
                    } else {
                        "Connection closed"
                    };
                    self.kill(key, reason);
                    return;
                }
                Received::Bytes(n) => {
                    budget -= n.min(budget);
                    // A handshake flight to answer, or lines queued while
                    // the handshake was under way.
                    if conn.tls.is_some() && conn.has_output() {
                        self.mark_dirty(key);
                    }
                }
                Received::WouldBlock => return,
                Received::Failed(e) => {
                    self.kill(key, &read_error_reason(&e));
                    return;
                }
                Received::Tls(e) => {
                    log::debug!("{}: TLS error: {e}", conn.addr);
                    conn.send_tls_leftovers();
                    self.kill(key, &format!("TLS error: {e}"));
                    return;
                }
            }
        }
    }

    /// Hands buffered lines to the chat. `false` when reading should stop:
    /// throttled, closed, or over the receive limit.
    fn process_lines(&mut self, key: usize, now: &Now) -> bool {
        let flood = self.chat.config().flood;
        loop {
            let Some(conn) = self.conns.get_mut(key) else {
                return false;
            };
            if conn.phase != Phase::Open || conn.dead || !self.chat.is_client(key) {
                return false;
            }
            if let Some(cfg) = &flood {
                if let Err(at) = conn.flood.check(now.instant, cfg) {
                    if conn.reader.pending() > 0 {
                        if conn.throttled_until.is_none() {
                            self.throttled.push(Reverse((at, key)));
                        }
                        conn.throttled_until = Some(at);
                        return false;
                    }
                }
            }
            match conn.reader.next_line() {
                Ok(Some(line)) => {
                    // An empty line is charged too: a stream of bare line
                    // endings costs the loop as much as any other line.
                    let cost = if line.is_empty() {
                        1
                    } else {
                        self.chat.handle_line(key, line, now, &mut self.out)
                    };
                    if let (Some(cfg), Some(conn)) = (&flood, self.conns.get_mut(key)) {
                        conn.flood.charge(now.instant, cfg, cost);
                    }
                }
                Ok(None) => return true,
                Err(_) => {
                    self.close_with_error(key, "RecvQ exceeded", now);
                    return false;
                }
            }
        }
    }

    fn resume_throttled(&mut self, now: &Now) {
        while let Some(&Reverse((at, key))) = self.throttled.peek() {
            if at > now.instant {
                return;
            }
            self.throttled.pop();
            let Some(conn) = self.conns.get_mut(key) else {
                continue;
            };
            if conn.throttled_until == Some(at) {
                conn.throttled_until = None;
                self.on_readable(key, now);
            }
        }
    }

    /// Announces the departure, queues `ERROR :reason` and closes after flushing.
    fn close_with_error(&mut self, key: usize, reason: &str, now: &Now) {
        self.chat.disconnect(key, reason, now, &mut self.out);
        let Some(conn) = self.conns.get_mut(key) else {
            return;
        };
        if conn.phase == Phase::Open {
            // Lines queued this turn for this client still go out first.
            let _ = conn
                .out
                .push(format!("ERROR :{reason}\r\n").as_bytes(), usize::MAX);
        }
        self.begin_close(key, now);
    }

    fn begin_close(&mut self, key: usize, now: &Now) {
        let Some(conn) = self.conns.get_mut(key) else {
            return;
        };
        if conn.phase == Phase::Open {
            conn.phase = Phase::Closing {
                deadline: now.instant + CLOSE_GRACE,
            };
            // Its input is now only read to see the peer close.
            conn.throttled_until = None;
            conn.reader = crate::proto::LineReader::new(0);
            self.mark_dirty(key);
        }
    }

    /// Records that the connection is dead, the first reason winning; it is
    /// removed after the event batch and handles no more input meanwhile.
    fn kill(&mut self, key: usize, reason: &str) {
        if let Some(conn) = self.conns.get_mut(key) {
            if !conn.dead {
                conn.dead = true;
                self.dead.push((key, reason.to_owned()));
            }
        }
    }

    fn mark_dirty(&mut self, key: usize) {
        if let Some(conn) = self.conns.get_mut(key) {
            if !conn.dirty {
                conn.dirty = true;
                self.dirty.push(key);
            }
        }
    }

    fn expire_closing(&mut self, now: &Now) {
        let expired: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| match c.phase {
                Phase::Open => false,
                Phase::Closing { deadline } | Phase::Lingering { deadline } => {
                    now.instant >= deadline
                }
            })
            .map(|(k, _)| k)
            .collect();
        for key in expired {
            self.kill(key, "Closed");
        }
    }

    /// Applies what the chat produced, flushes, and removes dead connections,
    /// until nothing more follows (a death can produce QUIT lines to others).
    fn settle(&mut self, now: &Now) {
        loop {
            self.apply_outbox(now);
            self.flush_dirty(now);
            if self.dead.is_empty() {
                return;
            }
            for (key, reason) in std::mem::take(&mut self.dead) {
                self.remove(key, &reason, now);
            }
        }
    }

    fn apply_outbox(&mut self, now: &Now) {
        if self.out.is_empty() {
            return;
        }
        // One batch per turn for the history writer: it never blocks the loop.
        let events = self.out.take_history();
        if let Some(store) = self.store.as_ref().filter(|_| !events.is_empty()) {
            store.save(events);
        }
        let sendq = self.chat.config().sendq;
        let mut overflowed = Vec::new();
        for (to, bytes) in self.out.sends() {
            let Some(conn) = self.conns.get_mut(to) else {
                continue;
            };
            if conn.sendq_exceeded {
                // Its last words are queued; anything after them would be
                // dropped with the rest of what it never read.
                continue;
            }
            if conn.out.push(bytes, sendq).is_err() && conn.phase == Phase::Open {
                conn.sendq_exceeded = true;
                conn.out.replace_unsent_with(b"ERROR :SendQ exceeded\r\n");
                overflowed.push(to);
            }
            if !conn.dirty {
                conn.dirty = true;
                self.dirty.push(to);
            }
        }
        let closes = self.out.closes().to_vec();
        self.out.clear();
        for key in closes {
            self.begin_close(key, now);
        }
        for key in overflowed {
            self.chat
                .disconnect(key, "SendQ exceeded", now, &mut self.out);
            self.begin_close(key, now);
        }
        // The QUITs of those just dropped can overflow someone else in turn.
        if !self.out.is_empty() {
            self.apply_outbox(now);
        }
    }

    /// The socket has room again (or had it all along: edges for other
    /// reasons report writability too).
    fn on_writable(&mut self, key: usize) {
        let Some(conn) = self.conns.get_mut(key) else {
            return;
        };
        conn.writable = true;
        if conn.has_output() {
            self.mark_dirty(key);
        }
    }

    fn flush_dirty(&mut self, now: &Now) {
        for key in std::mem::take(&mut self.dirty) {
            let Some(conn) = self.conns.get_mut(key) else {
                continue;
            };
            conn.dirty = false;
            if !conn.writable && conn.has_output() {
                // Its WRITABLE edge brings it back.
                continue;
            }
            match conn.flush() {
                Ok(Flushed::All) => {
                    if let Phase::Closing { deadline } = conn.phase {
                        let _ = conn.stream.shutdown(Shutdown::Write);
                        conn.phase = Phase::Lingering {
                            deadline: deadline.min(now.instant + Duration::from_secs(2)),
                        };
                        // Input may already be waiting; edge-triggered readiness
                        // will not report it again.
                        self.on_readable(key, now);
                    }
                }
                Ok(Flushed::Blocked) => conn.writable = false,
                // Reading brings it back once the handshake is done; a
                // handshake that never finishes meets the close deadline.
                Ok(Flushed::AwaitingHandshake) => {}
                Err(e) => self.kill(key, &format!("Write error: {e}")),
            }
        }
    }

    fn remove(&mut self, key: usize, reason: &str, now: &Now) {
        if !self.conns.contains(key) {
            return;
        }
        let mut conn = self.conns.remove(key);
        let _ = self.poll.registry().deregister(&mut conn.stream);
        if matches!(conn.phase, Phase::Lingering { .. }) {
            // Its goodbye is sent: a reset must not overtake it.
            conn.discard_input();
        }
        // Its timer entry, if any, no longer matches and is skipped.
        self.dirty.retain(|&k| k != key);
        self.ready_again.retain(|&k| k != key);
        if conn.is_client {
            if let Some(n) = self.per_ip.get_mut(&conn.addr.ip()) {
                *n -= 1;
                if *n == 0 {
                    self.per_ip.remove(&conn.addr.ip());
                }
            }
            self.chat.disconnect(key, reason, now, &mut self.out);
        } else {
            self.refused_lingering -= 1;
        }
        log::debug!("{} closed: {reason}", conn.addr);
    }
}

/// The discovery socket, registered for reading.
fn open_discovery(poll: &Poll, addr: SocketAddr) -> io::Result<UdpSocket> {
    let mut socket = UdpSocket::bind(addr)?;
    poll.registry()
        .register(&mut socket, DISCOVERY, Interest::READABLE)?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    //! Loop internals no client can see, driven turn by turn over real
    //! loopback sockets.
    use super::*;
    use crate::server::FloodConfig;
    use std::io::{Read, Write};
    use std::net::TcpStream as StdStream;

    fn server(adjust: impl FnOnce(&mut Config)) -> Server {
        let mut config = Config {
            max_per_ip: 0,
            message_log: false,
            ..Config::loopback()
        };
        adjust(&mut config);
        let mut server = Server::bind(config).expect("bind a loopback server");
        server.next_tick = Instant::now() + server.chat.config().tick();
        server
    }

    /// Flood control with `burst` lines and no refill within a test.
    fn server_with_burst(burst: u32) -> Server {
        server(|c| {
            c.flood = Some(FloodConfig {
                burst,
                interval: Duration::from_secs(600),
            });
        })
    }

    /// Turns the loop until `done` holds; fails after a bounded number of turns.
    #[track_caller]
    fn turn_until(server: &mut Server, events: &mut Events, done: impl Fn(&Server) -> bool) {
        for _ in 0..1000 {
            if done(server) {
                return;
            }
            server.turn(events).expect("turn");
        }
        panic!("condition not reached");
    }

    fn connect(server: &mut Server, events: &mut Events) -> (StdStream, usize) {
        let before = server.conns.len();
        let client = StdStream::connect(server.local_addr()).expect("connect");
        client.set_nodelay(true).expect("nodelay");
        turn_until(server, events, |s| s.conns.len() > before);
        let key = server.conns.iter().map(|(k, _)| k).max().expect("a key");
        (client, key)
    }

    #[test]
    fn a_throttled_connection_has_one_timer_entry_however_often_it_sends() {
        let mut server = server_with_burst(1);
        let mut events = Events::with_capacity(64);
        let (mut client, key) = connect(&mut server, &mut events);
        client.write_all(b"PING a\r\nPING b\r\n").expect("send");
        turn_until(&mut server, &mut events, |s| {
            s.conns[key].throttled_until.is_some()
        });
        // Each write arrives as its own segment and raises its own readable
        // edge; one turn handles each.
        for _ in 0..20 {
            client.write_all(b"PING c\r\n").expect("send");
            server.turn(&mut events).expect("turn");
        }
        assert_eq!(server.throttled.len(), 1);
    }

    /// Heavy commands use up the burst sooner: ten lines of burst take
    /// registration and seven PINGs, but registration, three LISTs (weight 3)
    /// and a PING hold the PING back.
    #[test]
    fn a_heavy_command_costs_more_of_the_burst() {
        let throttled_after = |lines: &str| {
            let mut server = server_with_burst(10);
            let mut events = Events::with_capacity(64);
            let (mut client, key) = connect(&mut server, &mut events);
            let all = format!("NICK w\r\nUSER u 0 * :r\r\n{lines}PING end\r\n");
            client.write_all(all.as_bytes()).expect("send");
            // The lines arrive as one segment: once registered with nothing
            // left in the reader, every line was handled.
            turn_until(&mut server, &mut events, |s| {
                let registered = s.chat.client(key).is_some_and(|c| c.registered);
                s.conns[key].throttled_until.is_some()
                    || (registered && s.conns[key].reader.pending() == 0)
            });
            server.conns[key].throttled_until.is_some()
        };
        assert!(!throttled_after(&"PING x\r\n".repeat(7)));
        assert!(throttled_after(&"LIST\r\n".repeat(3)));
    }

    #[test]
    fn a_connection_past_its_read_budget_is_served_again_next_turn() {
        let mut server = server(|c| c.flood = None);
        server.read_budget = 1024;
        let mut events = Events::with_capacity(64);
        let (mut client, key) = connect(&mut server, &mut events);
        const LINES: usize = 2048;
        // 16 KiB, which loopback buffers take at once.
        client
            .write_all(&b"PING x\r\n".repeat(LINES))
            .expect("send");
        turn_until(&mut server, &mut events, |s| s.conns[key].ready_again);
        let mut turns = 1;
        while server.conns[key].ready_again {
            server.turn(&mut events).expect("turn");
            turns += 1;
        }
        assert!(turns >= 16, "1 KiB per turn: {turns} turns");
        // Every line was handled all the same: read the replies while the
        // loop flushes them.
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let reader = std::thread::spawn(move || {
            let mut replies = Vec::new();
            let mut chunk = [0u8; 4096];
            while replies.iter().filter(|&&b| b == b'\n').count() < LINES {
                let n = client.read(&mut chunk).expect("read the replies");
                assert!(n > 0, "closed early");
                replies.extend_from_slice(&chunk[..n]);
            }
            replies
        });
        for _ in 0..1000 {
            if reader.is_finished() {
                break;
            }
            server.turn(&mut events).expect("turn");
        }
        let replies = reader.join().expect("reader");
        assert!(replies
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .all(|l| l.starts_with(b":banter.local PONG ")));
    }

    /// A queue the socket would not take is written again after the WRITABLE
    /// edge, with nothing lost or reordered.
    #[cfg(unix)]
    #[test]
    fn a_blocked_queue_resumes_on_the_writable_edge() {
        use std::os::fd::AsRawFd;
        let mut server = server(|c| c.flood = None);
        let mut events = Events::with_capacity(64);
        let (mut client, key) = connect(&mut server, &mut events);
        // The smallest send buffer, so that a few replies fill it.
        let size: libc::c_int = 4096;
        // SAFETY: setsockopt reads `size`, which outlives the call, on a
        // socket the server owns.
        let rc = unsafe {
            libc::setsockopt(
                server.conns[key].stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDBUF,
                std::ptr::addr_of!(size).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0);
        const LINES: usize = 1000;
        let token = "t".repeat(200);
        let pings: String = (0..LINES).map(|i| format!("PING {i}{token}\r\n")).collect();
        let writer = client.try_clone().expect("clone");
        let sending = std::thread::spawn(move || {
            let mut writer = writer;
            writer.write_all(pings.as_bytes()).expect("send");
        });
        // Nobody reads yet: the socket fills and the queue waits.
        turn_until(&mut server, &mut events, |s| !s.conns[key].writable);
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let reader = std::thread::spawn(move || {
            let mut replies = Vec::new();
            let mut chunk = [0u8; 4096];
            while replies.iter().filter(|&&b| b == b'\n').count() < LINES {
                let n = client.read(&mut chunk).expect("read the replies");
                assert!(n > 0, "closed early");
                replies.extend_from_slice(&chunk[..n]);
            }
            replies
        });
        for _ in 0..10_000 {
            if reader.is_finished() {
                break;
            }
            server.turn(&mut events).expect("turn");
        }
        sending.join().expect("sender");
        let replies = reader.join().expect("reader");
        let tokens: Vec<String> = replies
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let l = std::str::from_utf8(l).expect("utf-8");
                l.trim_end().rsplit(' ').next().expect("token").to_owned()
            })
            .collect();
        let expected: Vec<String> = (0..LINES).map(|i| format!("{i}{token}")).collect();
        assert_eq!(tokens, expected, "every reply, in order");
    }

    /// A connection the kernel completed before the stop, whose readiness
    /// the loop had not yet seen (the order Wine's socket emulation can
    /// deliver), still gets the goodbye rather than a reset; so does one
    /// that arrives while the goodbyes are going out.
    #[test]
    fn connections_in_the_backlog_at_shutdown_are_told_goodbye() {
        let mut server = server(|_| {});
        let mut events = Events::with_capacity(64);
        let early = StdStream::connect(server.local_addr()).expect("connect");
        server.begin_shutdown(&now());
        assert_eq!(server.conns.len(), 1, "accepted at the stop");
        let late = StdStream::connect(server.local_addr()).expect("connect");
        let mut done = false;
        for _ in 0..1000 {
            if server.turn(&mut events).expect("turn") {
                done = true;
                break;
            }
        }
        assert!(done, "shutdown finished");
        drop(server);
        for mut client in [early, late] {
            client
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let mut all = Vec::new();
            client.read_to_end(&mut all).expect("a clean close");
            assert_eq!(all, b"ERROR :Server shutting down\r\n");
        }
    }
}
