//! Finding rooms on the local network: send a discovery query, collect the
//! servers' unicast answers (see `proto::discovery`). Clients need no
//! inbound firewall rule, because every answer replies to their own query.
//!
//! `BANTER_DISCOVERY=off|loopback|lan` says where queries may go: nowhere,
//! 127.0.0.1 only, or the broadcast address of every IPv4 interface (and
//! 255.255.255.255 and this computer). The default is `lan`.

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::proto::discovery::{self, Mode, RoomInfo, QUERY_LEN};

/// Rooms listed from one scan at most: a machine that floods the network
/// with answers cannot bury the real rooms under a list nobody can read.
pub const MAX_ROOMS: usize = 32;

/// A room found on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where to connect: the answering address and the room's port.
    pub addr: SocketAddr,
    pub info: RoomInfo,
}

/// Where queries go in `mode`, to `port`.
pub fn targets(mode: Mode, port: u16) -> Vec<SocketAddr> {
    let mut to: Vec<Ipv4Addr> = match mode {
        Mode::Off => Vec::new(),
        Mode::Loopback => vec![Ipv4Addr::LOCALHOST],
        Mode::Lan => {
            let mut v = vec![Ipv4Addr::LOCALHOST, Ipv4Addr::BROADCAST];
            for iface in if_addrs::get_if_addrs().unwrap_or_default() {
                if let if_addrs::IfAddr::V4(v4) = iface.addr {
                    if let Some(b) = v4.broadcast.filter(|_| !v4.ip.is_loopback()) {
                        v.push(b);
                    }
                }
            }
            v
        }
    };
    to.sort();
    to.dedup();
    to.into_iter()
        .map(|ip| SocketAddr::from((ip, port)))
        .collect()
}

/// Asks every target once and gathers the answers to this query (its nonce
/// echoed) that arrive within `wait`, one per room (address and port), at
/// most [`MAX_ROOMS`], sorted by room name.
pub fn scan(mode: Mode, port: u16, wait: Duration) -> io::Result<Vec<Found>> {
    let to = targets(mode, port);
    if to.is_empty() {
        return Ok(Vec::new());
    }
    let bind = if mode == Mode::Loopback {
        Ipv4Addr::LOCALHOST
    } else {
        Ipv4Addr::UNSPECIFIED
    };
    let socket = UdpSocket::bind((bind, 0))?;
    socket.set_broadcast(mode == Mode::Lan)?;
    // Fresh for every scan: a reply must have seen this query to be listed.
    let nonce = crate::secret::hex128()
        .ok_or_else(|| io::Error::other("the operating system's random source failed"))?;
    let query =
        discovery::query(&nonce).ok_or_else(|| io::Error::other("not a discovery nonce"))?;
    for addr in &to {
        // One unreachable network (a down interface) must not stop the rest.
        if let Err(e) = socket.send_to(&query, addr) {
            log::debug!("discovery query to {addr} not sent: {e}");
        }
    }
    let deadline = Instant::now() + wait;
    let mut found: BTreeMap<SocketAddr, RoomInfo> = BTreeMap::new();
    let mut buf = [0u8; QUERY_LEN + 1];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                if let Some(info) = discovery::parse_reply(&buf[..n], &nonce) {
                    let ip: IpAddr = from.ip();
                    let at = SocketAddr::new(ip, info.port);
                    if found.len() < MAX_ROOMS || found.contains_key(&at) {
                        found.insert(at, info);
                    }
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                break;
            }
            // An ICMP "unreachable" left by one of the queries: keep listening.
            Err(e) => log::debug!("discovery: {e}"),
        }
    }
    let mut rooms: Vec<Found> = found
        .into_iter()
        .map(|(addr, info)| Found { addr, info })
        .collect();
    rooms.sort_by(|a, b| (&a.info.room, a.addr).cmp(&(&b.info.room, b.addr)));
    Ok(rooms)
}
