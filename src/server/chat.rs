//! The chat state: clients, nicknames and rooms, driven purely by input.
//!
//! Contract:
//! 1. Nothing here touches a socket or reads a clock: each call takes the bytes
//!    of one line (or an event such as a disconnect) and the current [`Now`],
//!    and leaves what must be sent and closed in an [`Outbox`].
//! 2. A client that leaves, by QUIT, a timeout or a dead connection, is
//!    announced to the people it shared a room with exactly once: the first
//!    removal takes it out, later ones find nothing.
//! 3. Every collection is bounded by a [`Config`] limit.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::Instant;

use super::config::Config;
use super::outbox::{ClientId, LineRef, Outbox};
use crate::proto::message::{check_length, TooLong};
use crate::proto::names::fold;
use crate::proto::numeric::*;
use crate::proto::time::format_server_time;
use crate::proto::{Message, ParseError};

/// The time, passed in by the event loop.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// For timeouts.
    pub instant: Instant,
    /// Wall clock for `server-time` tags and topic times.
    pub unix_ms: u64,
}

impl Now {
    pub(crate) fn unix_secs(&self) -> u64 {
        self.unix_ms / 1000
    }
}

/// IRCv3 capabilities a client negotiated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps(u8);

impl Caps {
    pub const SERVER_TIME: Caps = Caps(1);
    pub const MESSAGE_TAGS: Caps = Caps(2);
    pub const ECHO_MESSAGE: Caps = Caps(4);

    pub fn has(self, other: Caps) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn insert(&mut self, other: Caps) {
        self.0 |= other.0;
    }
    pub fn remove(&mut self, other: Caps) {
        self.0 &= !other.0;
    }
}

/// The capabilities offered in `CAP LS`, in the order listed.
pub const SUPPORTED_CAPS: &[(&str, Caps)] = &[
    ("echo-message", Caps::ECHO_MESSAGE),
    ("message-tags", Caps::MESSAGE_TAGS),
    ("server-time", Caps::SERVER_TIME),
];

/// Most bytes of a topic or away message.
pub const TOPIC_LEN: usize = 390;
/// Most targets in one PRIVMSG or NOTICE.
pub const MAX_TARGETS: usize = 4;
/// The server's version, for 002/004.
pub const VERSION: &str = concat!("banter-", env!("CARGO_PKG_VERSION"));

#[derive(Debug)]
pub(crate) struct Client {
    pub addr: SocketAddr,
    pub nick: Option<String>,
    pub user: Option<String>,
    pub realname: String,
    /// `nick!user@host`, kept current once registered.
    pub mask: String,
    pub registered: bool,
    /// `CAP LS` or `REQ` before registration holds it until `CAP END`.
    pub cap_negotiating: bool,
    pub caps: Caps,
    pub password_ok: bool,
    pub invisible: bool,
    pub away: Option<String>,
    /// Folded names of the rooms this client is in.
    pub channels: BTreeSet<String>,
    pub connected_at: Instant,
    pub signon_unix: u64,
    pub last_active: Instant,
    pub last_spoke: Instant,
    pub ping_sent: bool,
}

impl Client {
    /// The nickname as replies address it (`*` before one is chosen).
    pub fn target(&self) -> &str {
        self.nick.as_deref().unwrap_or("*")
    }

    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }
}

#[derive(Debug)]
pub(crate) struct Topic {
    pub text: String,
    pub set_by: String,
    pub set_at_unix: u64,
}

#[derive(Debug)]
pub(crate) struct Channel {
    pub name: String,
    pub topic: Option<Topic>,
    pub members: BTreeSet<ClientId>,
    pub created_unix: u64,
    pub permanent: bool,
}

/// One message to relay, formatted lazily at most once per combination of the
/// recipients' `server-time` and `message-tags` capabilities.
pub(crate) struct Relay {
    unix_ms: u64,
    /// The `server-time` value, formatted the first time a recipient wants it.
    time: Option<String>,
    client_tags: Vec<(String, String)>,
    source: String,
    command: &'static str,
    pub params: Vec<String>,
    cache: [Option<Option<LineRef>>; 4],
}

impl Relay {
    pub fn new(now: &Now, source: &str, command: &'static str, params: Vec<String>) -> Relay {
        Relay {
            unix_ms: now.unix_ms,
            time: None,
            client_tags: Vec::new(),
            source: source.to_owned(),
            command,
            params,
            cache: [None; 4],
        }
    }

    /// Client-only tags (`+key`) from the sender, relayed to `message-tags` clients.
    pub fn with_client_tags(mut self, msg: &Message) -> Relay {
        self.client_tags = msg
            .tags
            .iter()
            .filter(|t| t.key.starts_with('+'))
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect();
        self
    }

    pub fn has_client_tags(&self) -> bool {
        !self.client_tags.is_empty()
    }

    pub fn line_for(&mut self, out: &mut Outbox, caps: Caps) -> Option<LineRef> {
        let with_time = caps.has(Caps::SERVER_TIME);
        let with_tags = caps.has(Caps::MESSAGE_TAGS) && !self.client_tags.is_empty();
        let variant = usize::from(with_time) | usize::from(with_tags) << 1;
        if let Some(line) = self.cache[variant] {
            return line;
        }
        if with_time && self.time.is_none() {
            self.time = Some(format_server_time(self.unix_ms));
        }
        let time = self
            .time
            .as_deref()
            .filter(|_| with_time)
            .map(|t| ("time", t));
        let tags = self
            .client_tags
            .iter()
            .filter(|_| with_tags)
            .map(|(k, v)| (k.as_str(), v.as_str()));
        let params: Vec<&str> = self.params.iter().map(String::as_str).collect();
        let line = out.format(
            time.into_iter().chain(tags),
            Some(&self.source),
            self.command,
            &params,
        );
        self.cache[variant] = Some(line);
        line
    }
}

/// See the module contract.
pub struct Chat {
    pub(crate) config: Config,
    pub(crate) clients: Vec<Option<Client>>,
    pub(crate) client_count: usize,
    pub(crate) registered_count: usize,
    pub(crate) max_registered: usize,
    /// Folded nickname to owner, claimed at NICK (also before registration).
    pub(crate) nicks: HashMap<String, ClientId>,
    /// Folded channel name to channel; ordered so LIST is stable.
    pub(crate) channels: BTreeMap<String, Channel>,
    pub(crate) created_unix: u64,
    motd: Vec<String>,
}

impl Chat {
    pub fn new(config: Config, now: &Now) -> Chat {
        let motd = config
            .motd
            .as_deref()
            .map(|text| {
                text.lines()
                    .take(100)
                    .map(|l| truncate(l, 400).to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mut chat = Chat {
            clients: Vec::new(),
            client_count: 0,
            registered_count: 0,
            max_registered: 0,
            nicks: HashMap::new(),
            channels: BTreeMap::new(),
            created_unix: now.unix_secs(),
            motd,
            config,
        };
        let room = chat.config.room.clone();
        chat.channels.insert(
            fold(&room),
            Channel {
                name: room,
                topic: None,
                members: BTreeSet::new(),
                created_unix: now.unix_secs(),
                permanent: true,
            },
        );
        chat
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Connections the chat knows, registered or not.
    pub fn client_count(&self) -> usize {
        self.client_count
    }

    pub fn is_client(&self, id: ClientId) -> bool {
        self.client(id).is_some()
    }

    pub(crate) fn client(&self, id: ClientId) -> Option<&Client> {
        self.clients.get(id).and_then(Option::as_ref)
    }

    pub(crate) fn client_mut(&mut self, id: ClientId) -> Option<&mut Client> {
        self.clients.get_mut(id).and_then(Option::as_mut)
    }

    pub(crate) fn caps_of(&self, id: ClientId) -> Caps {
        self.client(id).map_or(Caps::default(), |c| c.caps)
    }

    /// A new connection from `addr` under the event loop's key `id`.
    pub fn connect(&mut self, id: ClientId, addr: SocketAddr, now: &Now) {
        if self.clients.len() <= id {
            self.clients.resize_with(id + 1, || None);
        }
        self.clients[id] = Some(Client {
            addr,
            nick: None,
            user: None,
            realname: String::new(),
            mask: String::new(),
            registered: false,
            cap_negotiating: false,
            caps: Caps::default(),
            password_ok: self.config.password.is_none(),
            invisible: false,
            away: None,
            channels: BTreeSet::new(),
            connected_at: now.instant,
            signon_unix: now.unix_secs(),
            last_active: now.instant,
            last_spoke: now.instant,
            ping_sent: false,
        });
        self.client_count += 1;
    }

    /// One received line (without its ending) from client `id`.
    pub fn handle_line(&mut self, id: ClientId, line: &[u8], now: &Now, out: &mut Outbox) {
        let Some(client) = self.client_mut(id) else {
            return;
        };
        client.last_active = now.instant;
        client.ping_sent = false;
        if let Err(which) = check_length(line) {
            let what = match which {
                TooLong::Tags => "Input line was too long (message tags)",
                TooLong::Body => "Input line was too long",
            };
            self.reply(id, out, ERR_INPUTTOOLONG, &[what]);
            return;
        }
        match Message::parse(line) {
            Ok(msg) => self.dispatch(id, &msg, now, out),
            Err(ParseError::Empty) => {}
            Err(ParseError::InvalidUtf8 { command }) => {
                let command = command.unwrap_or_else(|| "*".into());
                self.server_line(
                    id,
                    out,
                    "FAIL",
                    &[
                        &command,
                        "INVALID_UTF8",
                        "Message rejected: it is not valid UTF-8",
                    ],
                );
            }
            Err(ParseError::ForbiddenByte { command }) => {
                let command = command.unwrap_or_else(|| "*".into());
                self.reply(
                    id,
                    out,
                    ERR_UNKNOWNERROR,
                    &[&command, "Message rejected: it contains a NUL or CR byte"],
                );
            }
            Err(ParseError::NoCommand) => {
                self.reply(
                    id,
                    out,
                    ERR_UNKNOWNERROR,
                    &["*", "Message rejected: it has no command"],
                );
            }
        }
    }

    /// The connection of client `id` is gone (or being closed by the loop):
    /// announce the quit once and forget the client.
    pub fn disconnect(&mut self, id: ClientId, reason: &str, now: &Now, out: &mut Outbox) {
        self.remove_client(id, reason, now, out);
    }

    /// Sends PINGs to idle clients and drops those past a timeout.
    pub fn tick(&mut self, now: &Now, out: &mut Outbox) {
        let mut expired = Vec::new();
        for (id, slot) in self.clients.iter_mut().enumerate() {
            let Some(client) = slot else { continue };
            if !client.registered {
                if now.instant.duration_since(client.connected_at)
                    >= self.config.registration_timeout
                {
                    expired.push((id, "Registration timed out".to_owned()));
                }
                continue;
            }
            let idle = now.instant.duration_since(client.last_active);
            if idle >= self.config.ping_timeout {
                expired.push((id, format!("Ping timeout: {} seconds", idle.as_secs())));
            } else if idle >= self.config.ping_interval && !client.ping_sent {
                client.ping_sent = true;
                let name = self.config.server_name.clone();
                if let Some(line) = out.format([], None, "PING", &[&name]) {
                    out.send(id, line);
                }
            }
        }
        for (id, reason) in expired {
            self.error_and_close(id, &reason, now, out);
        }
    }

    /// Tells every client the server is going away and forgets them all.
    pub fn shutdown(&mut self, _now: &Now, out: &mut Outbox) {
        // No QUIT is relayed: everyone is about to hear the same ERROR, and
        // relaying would cost n² deliveries in a full room.
        let error = out.format([], None, "ERROR", &["Server shutting down"]);
        for (id, slot) in self.clients.iter_mut().enumerate() {
            if slot.take().is_some() {
                if let Some(line) = error {
                    out.send(id, line);
                }
                out.close(id);
            }
        }
        self.clients.clear();
        self.client_count = 0;
        self.registered_count = 0;
        self.nicks.clear();
        self.channels.retain(|_, ch| ch.permanent);
        for ch in self.channels.values_mut() {
            ch.members.clear();
        }
    }

    /// Sends `ERROR :reason`, announces the quit and asks the loop to close.
    pub(crate) fn error_and_close(
        &mut self,
        id: ClientId,
        reason: &str,
        now: &Now,
        out: &mut Outbox,
    ) {
        if !self.is_client(id) {
            return;
        }
        if let Some(line) = out.format([], None, "ERROR", &[reason]) {
            out.send(id, line);
        }
        self.remove_client(id, reason, now, out);
        out.close(id);
    }

    fn remove_client(&mut self, id: ClientId, reason: &str, now: &Now, out: &mut Outbox) {
        let Some(client) = self.clients.get_mut(id).and_then(Option::take) else {
            return;
        };
        self.client_count -= 1;
        if let Some(nick) = &client.nick {
            let folded = fold(nick);
            if self.nicks.get(&folded) == Some(&id) {
                self.nicks.remove(&folded);
            }
        }
        if client.registered {
            self.registered_count -= 1;
            let peers = self.peers_of(&client.channels, id);
            let mut relay = Relay::new(now, &client.mask, "QUIT", vec![reason.to_owned()]);
            self.deliver(&mut relay, peers, out);
            for name in &client.channels {
                self.leave_channel(name, id);
            }
        }
        log::info!(
            "{} ({}) left: {}; {} connected",
            client.addr,
            client.target(),
            reason,
            self.client_count
        );
    }

    /// Everyone other than `except` who shares one of `channels`, each once.
    pub(crate) fn peers_of(
        &self,
        channels: &BTreeSet<String>,
        except: ClientId,
    ) -> BTreeSet<ClientId> {
        let mut peers = BTreeSet::new();
        for name in channels {
            if let Some(ch) = self.channels.get(name) {
                peers.extend(ch.members.iter().copied().filter(|&m| m != except));
            }
        }
        peers
    }

    /// Removes `id` from a channel, destroying it if it empties and is not permanent.
    pub(crate) fn leave_channel(&mut self, folded: &str, id: ClientId) {
        if let Some(ch) = self.channels.get_mut(folded) {
            ch.members.remove(&id);
            if ch.members.is_empty() && !ch.permanent {
                self.channels.remove(folded);
            }
        }
    }

    pub(crate) fn deliver(
        &self,
        relay: &mut Relay,
        to: impl IntoIterator<Item = ClientId>,
        out: &mut Outbox,
    ) {
        for id in to {
            if let Some(line) = relay.line_for(out, self.caps_of(id)) {
                out.send(id, line);
            }
        }
    }

    /// `:server <command> <params...>` to one client.
    pub(crate) fn server_line(
        &self,
        id: ClientId,
        out: &mut Outbox,
        command: &str,
        params: &[&str],
    ) {
        if let Some(line) = out.format([], Some(&self.config.server_name), command, params) {
            out.send(id, line);
        }
    }

    /// `:server <numeric> <nick> <params...>` to one client. A middle parameter
    /// that came from the user and cannot be sent as one becomes `*`.
    pub(crate) fn reply(&self, id: ClientId, out: &mut Outbox, numeric: &str, params: &[&str]) {
        let Some(client) = self.client(id) else {
            return;
        };
        let mut all: Vec<&str> = Vec::with_capacity(params.len() + 1);
        all.push(client.target());
        for (i, p) in params.iter().enumerate() {
            let middle = i + 1 < params.len();
            let bad = p.is_empty() || p.contains(' ') || p.starts_with(':');
            all.push(if middle && bad { "*" } else { p });
        }
        self.server_line(id, out, numeric, &all);
    }

    pub(crate) fn motd(&self) -> &[String] {
        &self.motd
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
