//! Server settings and their defaults (modelled on ergo, InspIRCd and Solanum).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::history::Limits;

use super::tls::TlsSettings;
use crate::proto::names::DEFAULT_NICK_LEN;

/// Flood control: `burst` lines at once, then one line every `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodConfig {
    pub burst: u32,
    pub interval: Duration,
}

impl Default for FloodConfig {
    fn default() -> Self {
        FloodConfig {
            burst: 10,
            interval: Duration::from_millis(250),
        }
    }
}

/// Everything the server can be told at start.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    /// The name the server calls itself in replies (`:name 001 ...`).
    pub server_name: String,
    /// `NETWORK=` in ISUPPORT and the welcome text.
    pub network: String,
    /// One line about the server, shown by WHOIS (312) and LINKS.
    pub description: String,
    /// The permanent room, created at start and never destroyed; empty for none.
    /// Server operators are its operators.
    pub room: String,
    /// What people call the room ("7B Maths"), shown in the list of rooms
    /// on the network; empty for none.
    pub room_title: String,
    /// Who hosts the room (the teacher's name, when hosted from the
    /// client), shown in the list of rooms on the network; empty for none.
    pub host_name: String,
    /// Message of the day; `None` answers 422.
    pub motd: Option<String>,
    /// Connection password (`PASS`); `None` lets anyone in.
    pub password: Option<String>,
    /// Server operator credentials for `OPER`: (name, password).
    pub opers: Vec<(String, String)>,
    /// Most connections at once (refused beyond with `ERROR`).
    pub max_clients: usize,
    /// Most connections from one IP address; 0 for no limit.
    pub max_per_ip: usize,
    /// New connections one address (counted as `max_per_ip` counts) may
    /// open per minute, all at once or spread out; beyond that it is
    /// refused until the minute's allowance refills. 0 for no limit.
    pub connects_per_minute: u32,
    /// Most channels on the server.
    pub max_channels: usize,
    /// Most channels one client may be in (`CHANLIMIT`).
    pub max_joined: usize,
    /// Most characters in a nickname (`NICKLEN`).
    pub nick_len: usize,
    /// Most bytes a client may send without a line ending (`RecvQ exceeded`).
    pub recvq: usize,
    /// Most bytes queued for a client that is not reading (`SendQ exceeded`).
    pub sendq: usize,
    /// `None` turns flood control off.
    pub flood: Option<FloodConfig>,
    pub registration_timeout: Duration,
    /// Idle time after which the server sends a PING.
    pub ping_interval: Duration,
    /// Idle time after which the client is dropped (`Ping timeout`).
    pub ping_timeout: Duration,
    /// Log who said what in which room.
    pub message_log: bool,
    /// How much of each room's history to keep.
    pub history: Limits,
    /// The SQLite file that keeps room history across restarts; `None`
    /// keeps it in memory only.
    pub history_file: Option<PathBuf>,
    /// Lines of history replayed on JOIN to clients without `draft/chathistory`.
    pub replay_lines: usize,
    /// Most events one CHATHISTORY request returns (`CHATHISTORY=` in 005).
    pub chathistory_max: usize,
    /// How long a lost connection's name and rooms are held for it
    /// (`banter.chat/resume`); zero holds nothing.
    pub seat_grace: Duration,
    /// Where to answer LAN discovery queries (UDP); `None` answers none.
    pub discovery: Option<SocketAddr>,
    /// A second listener speaking TLS beside the plain one; `None` for none.
    pub tls: Option<TlsSettings>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 6667)),
            server_name: "banter.local".into(),
            network: "Banter".into(),
            description: "Banter chat room".into(),
            room: "#lobby".into(),
            room_title: String::new(),
            host_name: String::new(),
            motd: Some(
                "Welcome to Banter!\nType /join #lobby to enter the room, /msg <name> <text> to talk to one person."
                    .into(),
            ),
            password: None,
            opers: Vec::new(),
            max_clients: 4096,
            max_per_ip: 64,
            // As many as --max-per-ip lets in at once: a class behind one
            // NAT can all log in together.
            connects_per_minute: 64,
            max_channels: 1000,
            max_joined: 50,
            nick_len: DEFAULT_NICK_LEN,
            recvq: 8192,
            sendq: 1 << 20,
            flood: Some(FloodConfig::default()),
            registration_timeout: Duration::from_secs(60),
            ping_interval: Duration::from_secs(90),
            ping_timeout: Duration::from_secs(150),
            message_log: true,
            history: Limits::default(),
            history_file: None,
            replay_lines: 20,
            chathistory_max: 100,
            seat_grace: Duration::from_secs(120),
            discovery: None,
            tls: None,
        }
    }
}

impl Config {
    /// Defaults listening on an ephemeral loopback port: for tests and for
    /// hosting a room from the desktop client.
    pub fn loopback() -> Config {
        Config {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            ..Config::default()
        }
    }

    /// How often timeouts are checked: fine enough for the shortest timeout.
    pub(crate) fn tick(&self) -> Duration {
        let mut shortest = self
            .registration_timeout
            .min(self.ping_interval)
            .min(self.ping_timeout);
        if !self.seat_grace.is_zero() {
            shortest = shortest.min(self.seat_grace);
        }
        (shortest / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
    }
}
