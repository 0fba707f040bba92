//! Answers LAN discovery queries (see `proto::discovery`): the UDP socket the
//! event loop registers, and a unicast reply to the asker with the room's
//! description, rate-limited per address.
//!
//! Contract:
//! 1. Only a well-formed query gets an answer, never larger than the query,
//!    echoing the query's nonce; and only from this computer, a private
//!    network or a link-local address: a server with a public address does
//!    not tell the internet its room.
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
use crate::proto::names::fold;

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
        if !is_local_network(from) {
            return None;
        }
        let query = discovery::parse_query(datagram)?;
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
        discovery::reply(info, &query, QUERY_LEN.min(datagram.len()))
    }
}

/// Whether `ip` is on this computer or a network no one routes on the
/// internet: loopback, the private ranges (10/8, 172.16/12, 192.168/16,
/// and the 100.64/10 that carrier and some school networks share), link-local
/// (169.254/16, fe80::/10) and IPv6's unique local fc00::/7.
fn is_local_network(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local(),
    }
}

impl super::chat::Chat {
    /// How the room looks to someone looking for it on the network.
    pub fn room_info(&self, port: u16) -> RoomInfo {
        let room = self.channels.get(&fold(&self.config().room));
        RoomInfo {
            server: self.config().server_name.clone(),
            room: room.map(|r| r.name.clone()).unwrap_or_default(),
            topic: room
                .and_then(|r| r.topic.as_ref())
                .map(|t| t.text.clone())
                .unwrap_or_default(),
            users: self.registered_count,
            port,
            tls_port: None,
            password: self.config().password.is_some(),
            title: self.config().room_title.clone(),
            host: self.config().host_name.clone(),
        }
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
        let q = discovery::query("0123456789abcdef").expect("a nonce");
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

    #[test]
    fn only_this_computer_and_local_networks_are_answered() {
        let mut r = Responder::new();
        let info = RoomInfo {
            port: 6667,
            ..RoomInfo::default()
        };
        let q = discovery::query("0123456789abcdef").expect("a nonce");
        // Addresses as values only: nothing is sent anywhere.
        for local in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.5",
            "192.168.1.20",
            "169.254.7.7",
            "100.100.0.1",
            "::1",
            "fd12::5",
            "fe80::1",
            "::ffff:192.168.1.20",
        ] {
            let ip: IpAddr = local.parse().unwrap();
            assert!(r.answer(&q, ip, 1, &info).is_some(), "{local}");
        }
        for public in ["8.8.8.8", "172.32.0.1", "2001:db8::1", "::ffff:1.1.1.1"] {
            let ip: IpAddr = public.parse().unwrap();
            assert!(r.answer(&q, ip, 1, &info).is_none(), "{public}");
        }
    }
}
