//! The single-threaded mio event loop: accepts, reads, writes and timers; the
//! only server code that touches sockets or clocks. Accepting and refusing
//! are in `accept`, closing and a connection's phases in `lifecycle`.
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
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token, Waker};
use rustls::ServerConfig;
use slab::Slab;

use super::chat::{Chat, Now};
use super::config::Config;
use super::connection::{Connection, Flushed, Phase, Received};
use super::discovery::Discovery;
use super::flood::FloodGate;
use super::outbox::{ClientId, Outbox};
use super::store::{Store, StoreError};
use super::sys::{open_spare_fd, raise_fd_limit};
use crate::proto::discovery::RoomInfo;

mod accept;
mod lifecycle;
#[cfg(test)]
mod tests;

const TLS_LISTENER: Token = Token(usize::MAX - 2);
const LISTENER: Token = Token(usize::MAX - 1);
const DISCOVERY: Token = Token(usize::MAX - 3);
const WAKER: Token = Token(usize::MAX);
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
    /// Each address's allowance of new connections (`connects_per_minute`);
    /// at most `MAX_RATE_ENTRIES`, pruned only when full.
    connect_rates: HashMap<IpAddr, FloodGate>,
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
    /// The UDP socket that answers LAN discovery queries.
    discovery: Option<Discovery>,
    scratch: Vec<u8>,
    shutting_down: Option<Instant>,
    /// Held only to be closed when descriptors run out (contract 6).
    spare_fd: Option<File>,
    /// The listener (by [`Side`]) stopped short of `WouldBlock`: connections
    /// may be waiting that edge-triggered readiness will not report again.
    accept_pending: [bool; 2],
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
    Now {
        instant: Instant::now(),
        unix_ms: crate::clock::unix_ms(),
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
            Some(path) => Some(
                Store::open(path, config.history, now().unix_ms).map_err(StartError::History)?,
            ),
            None => None,
        };
        let discovery = match config.discovery {
            Some(addr) => match Discovery::open(poll.registry(), addr, DISCOVERY) {
                Ok(discovery) => Some(discovery),
                // The room works without it; people can still type the address.
                Err(e) => {
                    log::warn!("LAN discovery is off: cannot listen on UDP {addr}: {e}");
                    None
                }
            },
            None => None,
        };
        let mut chat = Chat::new(config, &now());
        let store = store.map(|(mut store, events)| {
            log::info!("history: {} events read back", events.len());
            chat.restore_history(events);
            chat.restore_room_settings(store.take_room_settings());
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
            connect_rates: HashMap::new(),
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
                DISCOVERY => {
                    let info = self.room_info();
                    if let Some(discovery) = &mut self.discovery {
                        discovery.on_readable(self.poll.registry(), now.unix_secs(), &info);
                    }
                }
                WAKER => {}
                Token(key) => {
                    if event.is_error() || event.is_read_closed() {
                        self.check_socket_error(key, &now);
                    }
                    if event.is_readable() || event.is_read_closed() || event.is_error() {
                        self.on_readable(key, &now);
                    }
                    if event.is_read_closed() {
                        self.drop_backlog_of_departed(key);
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

    fn next_wakeup(&self) -> Instant {
        match self.throttled.peek() {
            Some(Reverse((at, _))) => self.next_tick.min(*at),
            None => self.next_tick,
        }
    }

    /// What a discovery reply says about this room.
    fn room_info(&self) -> RoomInfo {
        let mut info = self.chat.room_info(self.local_addr.port());
        info.tls_port = self.tls_local_addr().map(|a| a.port());
        info
    }

    /// Where discovery queries are answered, if they are (for tests).
    pub fn discovery_addr(&self) -> Option<SocketAddr> {
        self.discovery.as_ref().and_then(|d| d.local_addr().ok())
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
            None => self.mark_dead(key, &reason),
        }
    }

    /// The peer closed its side while flood control still holds lines of
    /// its back: nobody is there to read the answers, and the backlog (a
    /// long paste, say) would otherwise go on "talking" to the room at the
    /// throttled rate, for hours, from someone who left. The close is known
    /// from the socket's state (`EPOLLRDHUP` and its equivalents), not by
    /// reading the backlog to its end; where the system reports it only
    /// after the data (Wine), the backlog drains first, as it always did.
    fn drop_backlog_of_departed(&mut self, key: usize) {
        if self
            .conns
            .get(key)
            .is_some_and(|c| c.phase == Phase::Open && c.throttled_until.is_some())
        {
            self.mark_dead(key, "Connection closed");
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
                    self.mark_dead(key, reason);
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
                    self.mark_dead(key, &read_error_reason(&e));
                    return;
                }
                Received::Tls(e) => {
                    log::debug!("{}: TLS error: {e}", conn.addr);
                    conn.send_tls_leftovers();
                    self.mark_dead(key, &format!("TLS error: {e}"));
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
            if conn.phase != Phase::Open
                || conn.dead
                || !self.chat.is_client(ClientId::from_slab_key(key))
            {
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
                        self.chat.handle_line(
                            ClientId::from_slab_key(key),
                            line,
                            now,
                            &mut self.out,
                        )
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

    fn mark_dirty(&mut self, key: usize) {
        if let Some(conn) = self.conns.get_mut(key) {
            if !conn.dirty {
                conn.dirty = true;
                self.dirty.push(key);
            }
        }
    }

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
            let key = to.slab_key();
            let Some(conn) = self.conns.get_mut(key) else {
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
                self.dirty.push(key);
            }
        }
        let closes = self.out.closes().to_vec();
        self.out.clear();
        for id in closes {
            self.begin_close(id.slab_key(), now);
        }
        for id in overflowed {
            self.chat
                .disconnect(id, "SendQ exceeded", now, &mut self.out);
            self.begin_close(id.slab_key(), now);
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
                    if matches!(conn.phase, Phase::Closing { .. }) {
                        self.linger(key, now);
                    }
                }
                Ok(Flushed::Blocked) => conn.writable = false,
                // Reading brings it back once the handshake is done; a
                // handshake that never finishes meets the close deadline.
                Ok(Flushed::AwaitingHandshake) => {}
                Err(e) => self.mark_dead(key, &format!("Write error: {e}")),
            }
        }
    }
}
