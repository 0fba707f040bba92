//! Taking connections off the listeners: admitting them (or refusing them
//! with an `ERROR` line when the server or their address is full), refusing
//! them with the spare descriptor when none are left (contract 6), and
//! telling the backlog goodbye at shutdown.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv6Addr, Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Token};

use super::{Server, Side};
use crate::server::chat::Now;
use crate::server::config::FloodConfig;
use crate::server::connection::{discard_input, Connection, Phase};
use crate::server::outbox::ClientId;
use crate::server::sys::{open_spare_fd, out_of_fds};

/// Refused connections kept open to deliver their `ERROR` line; beyond this
/// they are told and dropped at once.
const MAX_REFUSED_LINGERING: usize = 256;
/// Addresses whose connection allowance is tracked at once. When the table
/// is full, those that owe nothing are forgotten; if it is still full, a
/// new address is let through unmetered (and still counts for
/// `max_per_ip`): a crowd of addresses must not lock everyone out.
pub(super) const MAX_RATE_ENTRIES: usize = 65_536;

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

impl Server {
    /// The last step of shutdown: connections that arrived during the
    /// goodbyes (the listeners were still open) are told at once rather
    /// than reset when the listeners close, which `run` does next.
    pub(super) fn close_backlog(&mut self) {
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

    fn listener(&self, side: Side) -> Option<&TcpListener> {
        match side {
            Side::Plain => Some(&self.listener),
            Side::Tls => self.tls.as_ref().map(|t| &t.listener),
        }
    }

    /// Accepts until `WouldBlock` (contract 1); an accept that fails for
    /// another reason leaves the listener pending, retried every tick.
    pub(super) fn accept_all(&mut self, side: Side, now: &Now) {
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

    /// Takes one new connection from `from`'s allowance of
    /// `connects_per_minute`; `false` when it is used up. The allowance is
    /// flood control's gate: the whole minute's worth at once, then one
    /// every `60 s / rate`. A refused attempt draws nothing, so a client
    /// that waits as told gets in.
    fn draw_connect_allowance(&mut self, from: IpAddr, now: &Now) -> bool {
        let rate = self.chat.config().connects_per_minute;
        if rate == 0 {
            return true;
        }
        let cfg = FloodConfig {
            burst: rate,
            interval: Duration::from_secs(60) / rate,
        };
        if !self.connect_rates.contains_key(&from) && self.connect_rates.len() >= MAX_RATE_ENTRIES {
            // Full: forget the addresses whose allowance has refilled (a
            // gate owing nothing is the same as a new one) before giving up.
            self.connect_rates
                .retain(|_, gate| gate.is_owed_at(now.instant));
            if self.connect_rates.len() >= MAX_RATE_ENTRIES {
                return true;
            }
        }
        let gate = self.connect_rates.entry(from).or_default();
        if gate.check(now.instant, &cfg).is_err() {
            return false;
        }
        gate.charge(now.instant, &cfg, 1);
        true
    }

    /// Registers a new connection: a client of the chat, or a refused one
    /// that only waits to deliver its `ERROR` line.
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
        let from = limit_key(addr.ip());
        let (max_clients, max_per_ip, recvq) = {
            let cfg = self.chat.config();
            (cfg.max_clients, cfg.max_per_ip, cfg.recvq)
        };
        let from_ip = self.per_ip.get(&from).copied().unwrap_or(0);
        let refusal = if self.chat.client_count() >= max_clients {
            Some("Too many connections: the server is full")
        } else if max_per_ip > 0 && from_ip >= max_per_ip {
            Some("Too many connections from your address")
        } else if !self.draw_connect_allowance(from, now) {
            Some("Too many new connections from your address: wait a minute and try again")
        } else {
            None
        };
        if let Err(e) = stream.set_nodelay(true) {
            log::debug!("{addr}: cannot set TCP_NODELAY: {e}");
        }
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
            *self.per_ip.entry(from).or_insert(0) += 1;
            self.chat.connect(ClientId::from_slab_key(key), addr, now);
            log::info!("{addr} connected; {} connected", self.chat.client_count());
        } else {
            self.refused_lingering += 1;
            self.mark_dirty(key);
        }
    }
}

/// What `--max-per-ip` counts under: an IPv4 address (also one that came as
/// `::ffff:a.b.c.d` on a dual-stack socket), or an IPv6 address's /64: one
/// home or school network is handed a whole /64 and could otherwise open a
/// connection from each of its addresses, as ergo, Solanum and UnrealIRCd
/// also assume.
pub(super) fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}
