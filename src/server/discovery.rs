//! Answers LAN discovery queries (see `proto::discovery`): the UDP socket the
//! event loop registers, and a unicast reply to the asker with the room's
//! description, rate-limited per address.
//!
//! Contract:
//! 1. Only a well-formed query gets an answer, never larger than the query.
//! 2. Each address gets at most [`PER_SECOND`] answers a second; at most
//!    [`MAX_SOURCES`] addresses are tracked per second, the rest wait for
//!    the next second. Nothing here allocates per datagram beyond the reply.
//! 3. One readiness event answers at most [`QUERIES_PER_EVENT`] queries, so
//!    that a flood of them cannot hold the loop; a reply that would block is
//!    dropped (the asker asks again).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};

use mio::net::UdpSocket;
use mio::{Interest, Registry, Token};

use crate::proto::discovery::{self, RoomInfo, QUERY_LEN};

/// Answers per address per second.
pub const PER_SECOND: u32 = 4;
/// Addresses tracked in one second.
pub const MAX_SOURCES: usize = 1024;
/// Queries answered per readiness event (contract 3).
pub const QUERIES_PER_EVENT: usize = 1024;

/// The discovery socket, registered for reading, and its limiter.
#[derive(Debug)]
pub struct Discovery {
    socket: UdpSocket,
    responder: Responder,
    token: Token,
}

impl Discovery {
    /// Binds `addr` and registers the socket for reading under `token`.
    pub fn open(registry: &Registry, addr: SocketAddr, token: Token) -> io::Result<Discovery> {
        let mut socket = UdpSocket::bind(addr)?;
        registry.register(&mut socket, token, Interest::READABLE)?;
        Ok(Discovery {
            socket,
            responder: Responder::new(),
            token,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Answers every waiting query with `info` (edge-triggered: drain until
    /// `WouldBlock`, or up to the budget and re-arm the edge for the rest).
    pub fn on_readable(&mut self, registry: &Registry, now_secs: u64, info: &RoomInfo) {
        let mut buf = [0u8; 2048];
        for _ in 0..QUERIES_PER_EVENT {
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => {
                    let Some(reply) = self.responder.answer(&buf[..n], from.ip(), now_secs, info)
                    else {
                        continue;
                    };
                    if let Err(e) = self.socket.send_to(&reply, from) {
                        log::debug!("discovery reply to {from} not sent: {e}");
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // Interrupted, or an ICMP error left by an earlier send:
                // neither says anything about the next datagram.
                Err(e) => log::debug!("discovery: {e}"),
            }
        }
        // Re-registering re-arms the edge for the queries still waiting.
        if let Err(e) = registry.reregister(&mut self.socket, self.token, Interest::READABLE) {
            log::warn!("discovery: cannot re-arm the socket: {e}");
        }
    }
}

/// See the module contract.
#[derive(Debug, Default)]
pub struct Responder {
    second: u64,
    counts: HashMap<IpAddr, u32>,
}

impl Responder {
    pub fn new() -> Responder {
        Responder::default()
    }

    /// The reply to `datagram` from `from` at `now_secs`, if it deserves one.
    pub fn answer(
        &mut self,
        datagram: &[u8],
        from: IpAddr,
        now_secs: u64,
        info: &RoomInfo,
    ) -> Option<Vec<u8>> {
        if !discovery::is_query(datagram) {
            return None;
        }
        if now_secs != self.second {
            self.second = now_secs;
            self.counts.clear();
        }
        if !self.counts.contains_key(&from) && self.counts.len() >= MAX_SOURCES {
            return None;
        }
        let count = self.counts.entry(from).or_insert(0);
        if *count >= PER_SECOND {
            return None;
        }
        *count += 1;
        discovery::reply(info, QUERY_LEN.min(datagram.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_queries_only_and_limits_each_address() {
        let mut r = Responder::new();
        let info = RoomInfo {
            port: 6667,
            ..RoomInfo::default()
        };
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        assert!(r.answer(b"hello", a, 1, &info).is_none());
        let q = discovery::query();
        let answered = (0..10)
            .filter(|_| r.answer(&q, a, 1, &info).is_some())
            .count();
        assert_eq!(answered, PER_SECOND as usize);
        assert!(
            r.answer(&q, b, 1, &info).is_some(),
            "others are not affected"
        );
        assert!(r.answer(&q, a, 2, &info).is_some(), "a new second");
        let reply = r.answer(&q, b, 2, &info).expect("reply");
        assert!(reply.len() <= q.len());
    }
}
