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

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use super::config::Config;
use super::history::{dm_key, Event, History};
use super::outbox::{ClientId, LineRef, Outbox};
use crate::proto::message::{check_length, line_len, TooLong, MAX_BODY_LEN};
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
pub struct Caps(u16);

impl Caps {
    pub const SERVER_TIME: Caps = Caps(1);
    pub const MESSAGE_TAGS: Caps = Caps(1 << 1);
    pub const ECHO_MESSAGE: Caps = Caps(1 << 2);
    pub const MULTI_PREFIX: Caps = Caps(1 << 3);
    pub const AWAY_NOTIFY: Caps = Caps(1 << 4);
    pub const BATCH: Caps = Caps(1 << 5);
    pub const LABELED_RESPONSE: Caps = Caps(1 << 6);
    pub const SETNAME: Caps = Caps(1 << 7);
    pub const INVITE_NOTIFY: Caps = Caps(1 << 8);
    pub const EXTENDED_MONITOR: Caps = Caps(1 << 9);
    pub const USERHOST_IN_NAMES: Caps = Caps(1 << 10);
    pub const CAP_NOTIFY: Caps = Caps(1 << 11);
    pub const CHATHISTORY: Caps = Caps(1 << 12);
    pub const EVENT_PLAYBACK: Caps = Caps(1 << 13);
    /// Banter's own: a seat held after a lost connection (see `commands/resume.rs`).
    pub const RESUME: Caps = Caps(1 << 14);

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
    ("away-notify", Caps::AWAY_NOTIFY),
    ("banter.chat/resume", Caps::RESUME),
    ("batch", Caps::BATCH),
    ("cap-notify", Caps::CAP_NOTIFY),
    ("draft/chathistory", Caps::CHATHISTORY),
    ("draft/event-playback", Caps::EVENT_PLAYBACK),
    ("echo-message", Caps::ECHO_MESSAGE),
    ("extended-monitor", Caps::EXTENDED_MONITOR),
    ("invite-notify", Caps::INVITE_NOTIFY),
    ("labeled-response", Caps::LABELED_RESPONSE),
    ("message-tags", Caps::MESSAGE_TAGS),
    ("multi-prefix", Caps::MULTI_PREFIX),
    ("server-time", Caps::SERVER_TIME),
    ("setname", Caps::SETNAME),
    ("userhost-in-names", Caps::USERHOST_IN_NAMES),
];

/// Most bytes of a topic or away message.
pub const TOPIC_LEN: usize = 390;
/// Most bytes of a kick reason (`KICKLEN`).
pub const KICK_LEN: usize = 390;
/// Most bytes of a realname (`USER`, `SETNAME`).
pub const REALNAME_LEN: usize = 100;
/// Most targets in one PRIVMSG or NOTICE.
pub const MAX_TARGETS: usize = 4;
/// Most entries in each of a channel's ban, exception, invite-exception and
/// quiet lists.
pub const MAX_LIST: usize = 100;
/// Most nicknames one client may MONITOR.
pub const MAX_MONITOR: usize = 100;
/// Most channels a client may hold invitations to at once (the oldest goes).
pub const MAX_INVITES: usize = 32;
/// Most entries kept for WHOWAS, over all nicknames.
pub const WHOWAS_LEN: usize = 1000;
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
    /// Server operator (`OPER`), user mode `+o`.
    pub oper: bool,
    /// Receives `WALLOPS` (user mode `+w`).
    pub wallops: bool,
    /// Marked as a bot (user mode `+B`).
    pub bot: bool,
    pub away: Option<String>,
    /// Folded names of the rooms this client is in.
    pub channels: BTreeSet<String>,
    /// Folded names of invite-only rooms this client was invited to.
    pub invites: Vec<String>,
    /// Folded nicknames this client watches with MONITOR.
    pub monitoring: BTreeSet<String>,
    pub connected_at: Instant,
    pub signon_unix: u64,
    pub last_active: Instant,
    pub last_spoke: Instant,
    pub ping_sent: bool,
    /// The secret that takes this client's seat back after a lost connection
    /// (clients with `banter.chat/resume`).
    pub resume_token: Option<String>,
    /// A held seat this (unregistered) connection proved it owns with `RESUME`.
    pub resuming: Option<String>,
}

impl Client {
    /// The nickname as replies address it (`*` before one is chosen).
    pub fn target(&self) -> &str {
        self.nick.as_deref().unwrap_or("*")
    }

    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    pub fn username(&self) -> &str {
        self.user.as_deref().unwrap_or("user")
    }

    /// `+` and the user mode letters, as RPL_UMODEIS shows them.
    pub fn umodes(&self) -> String {
        let mut m = String::from("+");
        for (on, c) in [
            (self.bot, 'B'),
            (self.invisible, 'i'),
            (self.oper, 'o'),
            (self.wallops, 'w'),
        ] {
            if on {
                m.push(c);
            }
        }
        m
    }
}

#[derive(Debug)]
pub(crate) struct Topic {
    pub text: String,
    pub set_by: String,
    pub set_at_unix: u64,
}

/// A member's status in a channel: a bit set of [`Status::OP`] and [`Status::VOICE`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Status(u8);

impl Status {
    pub const OP: Status = Status(1);
    pub const VOICE: Status = Status(2);

    pub fn has(self, other: Status) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
    pub fn set(&mut self, other: Status, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }
    /// Operators and voiced members may talk in a moderated room.
    pub fn may_speak(self) -> bool {
        self.0 != 0
    }
    /// The prefixes NAMES and WHO show: the highest only, or all with `multi-prefix`.
    pub fn prefixes(self, all: bool) -> &'static str {
        match (self.has(Status::OP), self.has(Status::VOICE), all) {
            (true, true, true) => "@+",
            (true, _, _) => "@",
            (false, true, _) => "+",
            (false, false, _) => "",
        }
    }
}

/// An entry of a channel's `+b`, `+e`, `+I` or `+q` list.
#[derive(Debug, Clone)]
pub(crate) struct ListEntry {
    pub mask: String,
    /// The mask folded, for matching.
    pub folded: String,
    pub set_by: String,
    pub set_at_unix: u64,
}

/// A channel's flag and parameter modes.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChannelModes {
    /// `+C`: no CTCP requests other than ACTION (`/me`).
    pub no_ctcp: bool,
    pub invite_only: bool,
    pub moderated: bool,
    pub no_external: bool,
    pub secret: bool,
    pub topic_lock: bool,
    pub key: Option<String>,
    pub limit: Option<usize>,
}

impl ChannelModes {
    /// A new channel's modes: `+nt`, as on most networks.
    pub fn new_channel() -> ChannelModes {
        ChannelModes {
            no_external: true,
            topic_lock: true,
            ..ChannelModes::default()
        }
    }

    /// `+flags` and the parameters of `+k`/`+l` (the key only when `show_key`).
    pub fn describe(&self, show_key: bool) -> Vec<String> {
        let mut flags = String::from("+");
        for (on, c) in [
            (self.no_ctcp, 'C'),
            (self.invite_only, 'i'),
            (self.moderated, 'm'),
            (self.no_external, 'n'),
            (self.secret, 's'),
            (self.topic_lock, 't'),
        ] {
            if on {
                flags.push(c);
            }
        }
        let mut params = Vec::new();
        if let Some(key) = &self.key {
            flags.push('k');
            params.push(if show_key { key.clone() } else { "*".into() });
        }
        if let Some(limit) = self.limit {
            flags.push('l');
            params.push(limit.to_string());
        }
        let mut all = vec![flags];
        all.extend(params);
        all
    }
}

#[derive(Debug)]
pub(crate) struct Channel {
    pub name: String,
    pub topic: Option<Topic>,
    pub members: BTreeMap<ClientId, Status>,
    pub created_unix: u64,
    pub permanent: bool,
    pub modes: ChannelModes,
    pub bans: Vec<ListEntry>,
    pub excepts: Vec<ListEntry>,
    pub invex: Vec<ListEntry>,
    /// `+q`: members who may stay and read but not talk (unless voiced or
    /// excepted by `+e`).
    pub quiets: Vec<ListEntry>,
}

impl Channel {
    pub fn new(name: &str, now: &Now, permanent: bool) -> Channel {
        Channel {
            name: name.to_owned(),
            topic: None,
            members: BTreeMap::new(),
            created_unix: now.unix_secs(),
            permanent,
            modes: ChannelModes::new_channel(),
            bans: Vec::new(),
            excepts: Vec::new(),
            invex: Vec::new(),
            quiets: Vec::new(),
        }
    }

    pub fn status(&self, id: ClientId) -> Option<Status> {
        self.members.get(&id).copied()
    }

    pub fn is_op(&self, id: ClientId) -> bool {
        self.status(id).is_some_and(|s| s.has(Status::OP))
    }

    /// Banned by `+b` and not excepted by `+e`; `mask` is the client's
    /// folded `nick!user@host`.
    pub fn is_banned(&self, mask: &str) -> bool {
        listed(&self.bans, mask) && !listed(&self.excepts, mask)
    }

    /// Quieted by `+q` and not excepted by `+e`: an exception lets someone
    /// past a quiet as it does past a ban (as on Solanum).
    pub fn is_quieted(&self, mask: &str) -> bool {
        listed(&self.quiets, mask) && !listed(&self.excepts, mask)
    }

    /// The list (`'b'` or `'q'`) that keeps member `id` from talking here,
    /// unless voice or operator status lets them past it (voice outranks a
    /// ban or a quiet, so a host can let one person talk without lifting a
    /// mask that may cover others). `mask` is the folded `nick!user@host`,
    /// made only when a list could apply.
    pub fn silenced_by(&self, id: ClientId, mask: impl FnOnce() -> String) -> Option<char> {
        if (self.bans.is_empty() && self.quiets.is_empty())
            || self.status(id).is_some_and(Status::may_speak)
        {
            return None;
        }
        let mask = mask();
        if self.is_banned(&mask) {
            Some('b')
        } else if self.is_quieted(&mask) {
            Some('q')
        } else {
            None
        }
    }

    pub fn is_invex(&self, mask: &str) -> bool {
        listed(&self.invex, mask)
    }
}

/// Whether an entry of `list` matches the folded `mask`.
fn listed(list: &[ListEntry], mask: &str) -> bool {
    list.iter().any(|e| mask_matches(&e.folded, mask))
}

/// Whether `text` matches the glob `pattern` (`*` any run, `?` one
/// character); both already folded. Iterative, so no input can make it
/// recurse deeply or take more than O(len(pattern) * len(text)).
pub(crate) fn mask_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A mask in the form list entries are matched in.
pub(crate) fn fold_mask(mask: &str) -> String {
    fold(mask)
}

/// A ban-style mask completed to `nick!user@host` (`bob` is `bob!*@*`,
/// `*@host` is `*!*@host`).
pub(crate) fn normalize_mask(mask: &str) -> String {
    let (nick, rest) = match mask.split_once('!') {
        Some((n, r)) => (n, Some(r)),
        None => (mask, None),
    };
    let (nick, user, host) = match rest {
        Some(r) => match r.split_once('@') {
            Some((u, h)) => (nick, u, h),
            None => (nick, r, "*"),
        },
        None => match nick.split_once('@') {
            Some((u, h)) => ("*", u, h),
            None => (nick, "*", "*"),
        },
    };
    let or_star = |s: &str| {
        if s.is_empty() {
            "*".to_owned()
        } else {
            s.to_owned()
        }
    };
    format!("{}!{}@{}", or_star(nick), or_star(user), or_star(host))
}

/// One message to relay, formatted lazily at most once per combination of the
/// recipients' `server-time` and `message-tags` capabilities.
///
/// The line is cut (at a character boundary of its last parameter) so that
/// it stays within 512 bytes once the sender's mask is in front of it.
pub(crate) struct Relay {
    unix_ms: u64,
    /// The `server-time` value, formatted the first time a recipient wants it.
    time: Option<String>,
    /// Tags for `message-tags` clients: `msgid`, `bot`, then the sender's `+` tags.
    tags: Vec<(String, String)>,
    msgid: Option<String>,
    source: String,
    command: &'static str,
    pub params: Vec<String>,
    cache: [Option<Option<LineRef>>; 4],
}

impl Relay {
    pub fn new(now: &Now, source: &str, command: &'static str, params: Vec<String>) -> Relay {
        let mut relay = Relay {
            unix_ms: now.unix_ms,
            time: None,
            tags: Vec::new(),
            msgid: None,
            source: source.to_owned(),
            command,
            params,
            cache: [None; 4],
        };
        relay.fit();
        relay
    }

    /// Cuts the last parameter so that `:source COMMAND params\r\n` fits 512 bytes.
    fn fit(&mut self) {
        let Some((last, middle)) = self.params.split_last_mut() else {
            return;
        };
        let len = line_len(&self.source, self.command, middle, last.len());
        if len > MAX_BODY_LEN {
            let excess = len - MAX_BODY_LEN;
            let keep = truncate(last, last.len().saturating_sub(excess)).len();
            last.truncate(keep);
        }
    }

    /// Adds the `msgid` tag (and `bot` when the sender is one).
    pub fn with_msgid(mut self, msgid: String, bot: bool) -> Relay {
        self.tags.push(("msgid".into(), msgid.clone()));
        self.msgid = Some(msgid);
        if bot {
            self.tags.push(("bot".into(), String::new()));
        }
        self
    }

    /// Client-only tags (`+key`) from the sender, relayed to `message-tags` clients.
    pub fn with_client_tags(mut self, msg: &Message) -> Relay {
        self.tags.extend(
            msg.tags
                .iter()
                .filter(|t| t.key.starts_with('+'))
                .map(|t| (t.key.clone(), t.value.clone())),
        );
        self
    }

    /// The history event for this relay in conversation `target` (it needs a msgid).
    pub fn event(&self, target: &str) -> Option<Event> {
        Some(Event {
            target: target.to_owned(),
            msgid: self.msgid.clone()?,
            time_ms: self.unix_ms,
            source: self.source.clone(),
            command: self.command.to_owned(),
            params: self.params.clone(),
        })
    }

    pub fn has_client_tags(&self) -> bool {
        self.tags.iter().any(|(k, _)| k.starts_with('+'))
    }

    pub fn line_for(&mut self, out: &mut Outbox, caps: Caps) -> Option<LineRef> {
        let with_time = caps.has(Caps::SERVER_TIME);
        let with_tags = caps.has(Caps::MESSAGE_TAGS) && !self.tags.is_empty();
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
            .tags
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

/// A nickname that was in use, for WHOWAS.
#[derive(Debug)]
pub(crate) struct Whowas {
    pub folded: String,
    pub nick: String,
    pub user: String,
    pub host: String,
    pub realname: String,
    pub left_unix: u64,
}

impl Whowas {
    pub fn of(client: &Client, nick: &str, now: &Now) -> Whowas {
        Whowas {
            folded: fold(nick),
            nick: nick.to_owned(),
            user: client.username().to_owned(),
            host: client.host(),
            realname: client.realname.clone(),
            left_unix: now.unix_secs(),
        }
    }
}

/// A registered client's place, kept for a while after its connection was
/// lost, so that it can come back as itself (`banter.chat/resume`).
#[derive(Debug)]
pub(crate) struct Seat {
    pub nick: String,
    pub token: String,
    pub realname: String,
    pub away: Option<String>,
    pub invisible: bool,
    pub bot: bool,
    pub oper: bool,
    /// Rooms (folded) and the status held in each.
    pub rooms: Vec<(String, Status)>,
    pub until: Instant,
}

/// See the module contract.
pub struct Chat {
    pub(crate) config: Config,
    pub(crate) clients: Vec<Option<Client>>,
    pub(crate) client_count: usize,
    pub(crate) registered_count: usize,
    pub(crate) max_registered: usize,
    /// Registered clients with `+i`, for LUSERS without a walk over everyone.
    pub(crate) invisible_count: usize,
    /// Registered server operators.
    pub(crate) oper_count: usize,
    /// Folded nickname to owner, claimed at NICK (also before registration).
    pub(crate) nicks: HashMap<String, ClientId>,
    /// Folded channel name to channel; ordered so LIST is stable.
    pub(crate) channels: BTreeMap<String, Channel>,
    /// Folded nickname to the clients that MONITOR it.
    pub(crate) monitors: HashMap<String, BTreeSet<ClientId>>,
    /// Recently used nicknames, oldest first.
    pub(crate) whowas: VecDeque<Whowas>,
    /// Seats held after a lost connection, by folded nickname.
    pub(crate) seats: HashMap<String, Seat>,
    /// Keys the resume tokens are made from: random per process.
    token_keys: std::collections::hash_map::RandomState,
    /// What was said and done in each room (and in private, while both stay).
    pub(crate) history: History,
    pub(crate) created_unix: u64,
    /// Makes message ids unique across restarts: the start time in base 36.
    msgid_base: String,
    next_msgid: u64,
    next_batch: u64,
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
            invisible_count: 0,
            oper_count: 0,
            nicks: HashMap::new(),
            channels: BTreeMap::new(),
            monitors: HashMap::new(),
            whowas: VecDeque::new(),
            seats: HashMap::new(),
            token_keys: std::collections::hash_map::RandomState::new(),
            history: History::new(config.history),
            created_unix: now.unix_secs(),
            msgid_base: base36(now.unix_ms),
            next_msgid: 0,
            next_batch: 0,
            motd,
            config,
        };
        let room = chat.config.room.clone();
        if !room.is_empty() {
            let mut lobby = Channel::new(&room, now, true);
            // Nobody creates the permanent room, so until a host (a server
            // operator) locks it with +t, anyone in it may set the topic.
            lobby.modes.topic_lock = false;
            chat.channels.insert(fold(&room), lobby);
        }
        chat
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How the room looks to someone looking for it on the network.
    pub fn room_info(&self, port: u16) -> crate::proto::discovery::RoomInfo {
        let room = self.channels.get(&fold(&self.config.room));
        crate::proto::discovery::RoomInfo {
            server: self.config.server_name.clone(),
            room: room.map(|r| r.name.clone()).unwrap_or_default(),
            topic: room
                .and_then(|r| r.topic.as_ref())
                .map(|t| t.text.clone())
                .unwrap_or_default(),
            users: self.registered_count,
            port,
            tls_port: None,
            password: self.config.password.is_some(),
        }
    }

    /// Takes back history read from the disk at start (oldest first).
    pub fn restore_history(&mut self, events: Vec<Event>) {
        for e in events {
            self.history.push(e);
        }
    }

    /// Remembers what `relay` carried in conversation `key` (a folded room
    /// name or a [`dm_key`]); room events also go to the disk.
    pub(crate) fn record(&mut self, key: &str, relay: &Relay, out: &mut Outbox) {
        let Some(event) = relay.event(key) else {
            return;
        };
        let private = super::history::is_dm_key(key);
        if let Some(stored) = self.history.push(event) {
            if !private && self.config.history_file.is_some() {
                out.store(stored.clone());
            }
        }
    }

    /// Remembers a private message between two nicknames.
    pub(crate) fn record_private(&mut self, a: &str, b: &str, relay: &Relay, out: &mut Outbox) {
        self.record(&dm_key(&fold(a), &fold(b)), relay, out);
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

    /// The registered client using `nick`, if any.
    pub(crate) fn find_nick(&self, nick: &str) -> Option<ClientId> {
        let id = *self.nicks.get(&fold(nick))?;
        self.client(id).filter(|c| c.registered).map(|_| id)
    }

    /// A fresh message id (`msgid` tag): unique on this server, across restarts.
    pub(crate) fn msgid(&mut self) -> String {
        self.next_msgid += 1;
        format!("{}-{}", self.msgid_base, base36(self.next_msgid))
    }

    /// A fresh resume token: 128 bits from SipHash under this process's
    /// random keys, over a counter, so it cannot be guessed from outside.
    pub(crate) fn new_token(&mut self) -> String {
        use std::hash::{BuildHasher, Hasher};
        self.next_msgid += 1;
        let mut words = [0u64; 2];
        for (i, w) in words.iter_mut().enumerate() {
            let mut h = self.token_keys.build_hasher();
            h.write_u64(self.next_msgid);
            h.write_usize(i);
            *w = h.finish();
        }
        format!("{:016x}{:016x}", words[0], words[1])
    }

    /// A fresh `BATCH` reference.
    pub(crate) fn batch_ref(&mut self) -> String {
        self.next_batch += 1;
        format!("b{}", base36(self.next_batch))
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
            oper: false,
            wallops: false,
            bot: false,
            away: None,
            channels: BTreeSet::new(),
            invites: Vec::new(),
            monitoring: BTreeSet::new(),
            connected_at: now.instant,
            signon_unix: now.unix_secs(),
            last_active: now.instant,
            last_spoke: now.instant,
            ping_sent: false,
            resume_token: None,
            resuming: None,
        });
        self.client_count += 1;
    }

    /// One received line (without its ending) from client `id`. Returns what
    /// it costs in flood-control tokens: one for most lines, more for commands
    /// that scan or answer at length (see `commands/mod.rs`).
    pub fn handle_line(&mut self, id: ClientId, line: &[u8], now: &Now, out: &mut Outbox) -> u32 {
        let Some(client) = self.client_mut(id) else {
            return 1;
        };
        client.last_active = now.instant;
        client.ping_sent = false;
        if let Err(which) = check_length(line) {
            let what = match which {
                TooLong::Tags => "Input line was too long (message tags)",
                TooLong::Body => "Input line was too long",
            };
            self.reply(id, out, ERR_INPUTTOOLONG, &[what]);
            return 1;
        }
        match Message::parse(line) {
            Ok(msg) => return self.dispatch(id, &msg, now, out),
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
        1
    }

    /// The connection of client `id` is gone (or being closed by the loop):
    /// announce the quit once and forget the client.
    pub fn disconnect(&mut self, id: ClientId, reason: &str, now: &Now, out: &mut Outbox) {
        self.hold_seat(id, now);
        self.remove_client(id, reason, now, out);
    }

    /// Keeps the place of a client whose connection was lost (not one that
    /// said QUIT or was removed), if it asked for `banter.chat/resume`.
    pub(crate) fn hold_seat(&mut self, id: ClientId, now: &Now) {
        let grace = self.config.seat_grace;
        let Some(c) = self.client(id) else { return };
        let (Some(nick), Some(token), true) = (&c.nick, &c.resume_token, c.registered) else {
            return;
        };
        if grace.is_zero() {
            return;
        }
        let rooms = c
            .channels
            .iter()
            .filter_map(|f| {
                let status = self.channels.get(f)?.status(id)?;
                Some((f.clone(), status))
            })
            .collect();
        let seat = Seat {
            nick: nick.clone(),
            token: token.clone(),
            realname: c.realname.clone(),
            away: c.away.clone(),
            invisible: c.invisible,
            bot: c.bot,
            oper: c.oper,
            rooms,
            until: now.instant + grace,
        };
        // Bounded by the clients that can exist: one seat per dropped client,
        // and at most max_clients of them.
        if self.seats.len() < self.config.max_clients {
            self.seats.insert(fold(nick), seat);
        }
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
                // A silent connection is a lost one: hold its seat too.
            } else if idle >= self.config.ping_interval && !client.ping_sent {
                client.ping_sent = true;
                let name = self.config.server_name.clone();
                if let Some(line) = out.format([], None, "PING", &[&name]) {
                    out.send(id, line);
                }
            }
        }
        for (id, reason) in expired {
            if self.client(id).is_some_and(|c| c.registered) {
                self.hold_seat(id, now);
            }
            self.error_and_close(id, &reason, now, out);
        }
        let gone: Vec<String> = self
            .seats
            .iter()
            .filter(|(_, s)| s.until <= now.instant)
            .map(|(k, _)| k.clone())
            .collect();
        for folded in gone {
            self.seats.remove(&folded);
            // Private history lives while both are here or holding a seat.
            self.history.forget_dms_of(&folded);
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
        // Every count and map keyed by clients goes with them: stale MONITOR
        // entries would tell whoever gets a watcher's key next about nicknames
        // it never asked for, and stale counts would be wrong in LUSERS.
        self.invisible_count = 0;
        self.oper_count = 0;
        self.monitors.clear();
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
        self.error_and_close_as(id, reason, reason, now, out);
    }

    /// As [`Chat::error_and_close`], with a different text for the `ERROR`
    /// line than for the `QUIT` the others see.
    pub(crate) fn error_and_close_as(
        &mut self,
        id: ClientId,
        error: &str,
        quit: &str,
        now: &Now,
        out: &mut Outbox,
    ) {
        if !self.is_client(id) {
            return;
        }
        if let Some(line) = out.format([], None, "ERROR", &[error]) {
            out.send(id, line);
        }
        self.remove_client(id, quit, now, out);
        out.close(id);
    }

    fn remove_client(&mut self, id: ClientId, reason: &str, now: &Now, out: &mut Outbox) {
        let Some(client) = self.clients.get_mut(id).and_then(Option::take) else {
            return;
        };
        self.client_count -= 1;
        for watched in &client.monitoring {
            self.unwatch(watched, id);
        }
        if let Some(nick) = &client.nick {
            let folded = fold(nick);
            if self.nicks.get(&folded) == Some(&id) {
                self.nicks.remove(&folded);
            }
        }
        if client.registered {
            self.registered_count -= 1;
            self.invisible_count -= usize::from(client.invisible);
            self.oper_count -= usize::from(client.oper);
            let peers = self.peers_of(&client.channels, id);
            let msgid = self.msgid();
            let mut relay = Relay::new(now, &client.mask, "QUIT", vec![reason.to_owned()])
                .with_msgid(msgid, client.bot);
            self.deliver(&mut relay, peers, out);
            for name in &client.channels {
                self.record(name, &relay, out);
                self.leave_channel(name, id);
            }
            // Private history lives only while both people are here (or
            // the one who left holds a seat).
            let folded = fold(client.target());
            if !self.seats.contains_key(&folded) {
                self.history.forget_dms_of(&folded);
            }
            if let Some(nick) = &client.nick {
                self.remember(Whowas::of(&client, nick, now));
            }
            self.notify_monitors(client.target(), None, out);
        }
        log::info!(
            "{} ({}) left: {}; {} connected",
            client.addr,
            client.target(),
            reason,
            self.client_count
        );
    }

    /// Keeps a nickname's last owner for WHOWAS.
    pub(crate) fn remember(&mut self, entry: Whowas) {
        if self.whowas.len() >= WHOWAS_LEN {
            self.whowas.pop_front();
        }
        self.whowas.push_back(entry);
    }

    /// Everyone other than `except` who shares one of `channels`, each once.
    pub(crate) fn peers_of(&self, channels: &BTreeSet<String>, except: ClientId) -> Vec<ClientId> {
        let mut peers: Vec<ClientId> = channels
            .iter()
            .filter_map(|name| self.channels.get(name))
            .flat_map(|ch| ch.members.keys().copied())
            .filter(|&m| m != except)
            .collect();
        if channels.len() > 1 {
            peers.sort_unstable();
            peers.dedup();
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
    /// that came from the user and cannot be sent as one becomes `*`, and so
    /// does one too long to fit the line.
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
        // Outbox::format can shorten only the last parameter, so a long name
        // echoed in the middle (a 480-byte channel in 403, a NAMES list in
        // 366) would take the line past 512 bytes: the longest go first.
        let last = all.len() - 1;
        let mut len = line_len(&self.config.server_name, numeric, &all[..last], 0);
        while len > MAX_BODY_LEN {
            let Some((i, longest)) = all[..last]
                .iter()
                .enumerate()
                .skip(1)
                .max_by_key(|(_, p)| p.len())
                .filter(|(_, p)| p.len() > 1)
            else {
                break;
            };
            len -= longest.len() - 1;
            all[i] = "*";
        }
        self.server_line(id, out, numeric, &all);
    }

    /// Replies `numeric` with `head` parameters and then `items` joined by
    /// spaces, split over as many lines as it takes to keep each within 512
    /// bytes (the budget counts the real prefix).
    pub(crate) fn reply_list<'a>(
        &self,
        id: ClientId,
        out: &mut Outbox,
        numeric: &str,
        head: &[&str],
        items: impl IntoIterator<Item = &'a str>,
    ) {
        self.reply_list_by(id, out, numeric, head, items, ' ');
    }

    /// As [`Chat::reply_list`], with the items joined by `sep`.
    pub(crate) fn reply_list_by<'a>(
        &self,
        id: ClientId,
        out: &mut Outbox,
        numeric: &str,
        head: &[&str],
        items: impl IntoIterator<Item = &'a str>,
        sep: char,
    ) {
        let Some(client) = self.client(id) else {
            return;
        };
        // ":server NNN nick head... :items\r\n"
        let mut middle = vec![client.target()];
        middle.extend_from_slice(head);
        let fixed = line_len(&self.config.server_name, numeric, &middle, 0);
        let budget = MAX_BODY_LEN.saturating_sub(fixed).max(1);
        let mut line = String::new();
        let flush = |line: &str, out: &mut Outbox| {
            let mut params: Vec<&str> = head.to_vec();
            params.push(line);
            self.reply(id, out, numeric, &params);
        };
        for item in items {
            if !line.is_empty() && line.len() + 1 + item.len() > budget {
                flush(&line, out);
                line.clear();
            }
            if !line.is_empty() {
                line.push(sep);
            }
            line.push_str(item);
        }
        if !line.is_empty() {
            flush(&line, out);
        }
    }

    /// Tells everyone who MONITORs `nick` that it came online (`mask`) or went offline.
    pub(crate) fn notify_monitors(&self, nick: &str, mask: Option<&str>, out: &mut Outbox) {
        let Some(watchers) = self.monitors.get(&fold(nick)) else {
            return;
        };
        for &w in watchers {
            match mask {
                Some(mask) => self.reply(w, out, RPL_MONONLINE, &[mask]),
                None => self.reply(w, out, RPL_MONOFFLINE, &[nick]),
            }
        }
    }

    pub(crate) fn unwatch(&mut self, folded: &str, id: ClientId) {
        if let Some(w) = self.monitors.get_mut(folded) {
            w.remove(&id);
            if w.is_empty() {
                self.monitors.remove(folded);
            }
        }
    }

    /// Who sees a change to `id` announced with `cap` (`AWAY`, `SETNAME`):
    /// those sharing a room with it and, with `extended-monitor`, those who
    /// MONITOR it; each once, only if they negotiated `cap`.
    pub(crate) fn cap_watchers(
        &self,
        id: ClientId,
        cap: Caps,
        include_self: bool,
    ) -> Vec<ClientId> {
        let Some(client) = self.client(id) else {
            return Vec::new();
        };
        let mut to = self.peers_of(&client.channels, id);
        if let Some(w) = self.monitors.get(&fold(client.target())) {
            to.extend(
                w.iter()
                    .copied()
                    .filter(|&m| self.caps_of(m).has(Caps::EXTENDED_MONITOR)),
            );
        }
        if include_self {
            to.push(id);
        }
        to.sort_unstable();
        to.dedup();
        to.retain(|&m| (m != id || include_self) && self.caps_of(m).has(cap));
        to
    }

    pub(crate) fn motd(&self) -> &[String] {
        &self.motd
    }
}

/// Self-checks for the fuzzing harness (`tests/fuzz/`), which may drive only
/// the public API and so cannot look at the state directly.
impl Chat {
    /// Whether the counters, the nickname map, channel membership and the
    /// MONITOR map agree with the clients themselves; the first disagreement
    /// found, if any. Walks everything: for tests, not for the event loop.
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), String> {
        let live = || {
            self.clients
                .iter()
                .enumerate()
                .filter_map(|(i, c)| Some((i, c.as_ref()?)))
        };
        let count = |f: fn(&Client) -> bool| live().filter(|(_, c)| f(c)).count();
        let counters = [
            ("client_count", self.client_count, count(|_| true)),
            (
                "registered_count",
                self.registered_count,
                count(|c| c.registered),
            ),
            (
                "invisible_count",
                self.invisible_count,
                count(|c| c.registered && c.invisible),
            ),
            (
                "oper_count",
                self.oper_count,
                count(|c| c.registered && c.oper),
            ),
        ];
        for (name, kept, real) in counters {
            if kept != real {
                return Err(format!("{name} is {kept} but {real} clients qualify"));
            }
        }
        if self.max_registered < self.registered_count {
            return Err("max_registered is below registered_count".into());
        }
        // With every named client found under its own nick below, equal sizes
        // leave no room for a stale entry.
        let named = count(|c| c.nick.is_some());
        if self.nicks.len() != named {
            return Err(format!(
                "{} nicks kept for {named} named clients",
                self.nicks.len()
            ));
        }
        for (id, c) in live() {
            if let Some(nick) = &c.nick {
                if self.nicks.get(&fold(nick)) != Some(&id) {
                    return Err(format!(
                        "client {id}'s nick {nick:?} is not in the nick map"
                    ));
                }
            }
            if c.registered {
                let (Some(nick), Some(user)) = (&c.nick, &c.user) else {
                    return Err(format!("client {id} is registered without a nick and user"));
                };
                let host = c
                    .mask
                    .strip_prefix(nick.as_str())
                    .and_then(|r| r.strip_prefix('!'));
                let host = host
                    .and_then(|r| r.strip_prefix(user.as_str()))
                    .and_then(|r| r.strip_prefix('@'));
                if host.and_then(|h| h.parse::<std::net::IpAddr>().ok()) != Some(c.addr.ip()) {
                    return Err(format!("client {id}'s mask {:?} is stale", c.mask));
                }
            } else if !c.channels.is_empty() || c.oper || c.invisible {
                return Err(format!("unregistered client {id} has channels or modes"));
            }
            if c.channels.len() > self.config.max_joined {
                return Err(format!("client {id} is in {} channels", c.channels.len()));
            }
            if c.monitoring.len() > MAX_MONITOR || c.invites.len() > MAX_INVITES {
                return Err(format!(
                    "client {id}'s MONITOR or invite list is over its bound"
                ));
            }
            for folded in &c.channels {
                if !self
                    .channels
                    .get(folded)
                    .is_some_and(|ch| ch.members.contains_key(&id))
                {
                    return Err(format!(
                        "client {id} lists {folded:?}, which does not list it"
                    ));
                }
            }
            for folded in &c.monitoring {
                if !self.monitors.get(folded).is_some_and(|w| w.contains(&id)) {
                    return Err(format!(
                        "client {id} monitors {folded:?} unknown to the map"
                    ));
                }
            }
        }
        for (folded, ch) in &self.channels {
            if fold(&ch.name) != *folded {
                return Err(format!("channel {:?} is filed under {folded:?}", ch.name));
            }
            if ch.members.is_empty() && !ch.permanent {
                return Err(format!("empty channel {folded:?} was kept"));
            }
            if [&ch.bans, &ch.excepts, &ch.invex, &ch.quiets]
                .iter()
                .any(|l| l.len() > MAX_LIST)
            {
                return Err(format!("a mask list of {folded:?} is over its bound"));
            }
            for &id in ch.members.keys() {
                match self.client(id) {
                    Some(c) if c.registered && c.channels.contains(folded) => {}
                    _ => {
                        return Err(format!(
                            "{folded:?} has member {id}, which does not list it"
                        ))
                    }
                }
            }
        }
        if self.channels.len() > self.config.max_channels.max(1) {
            return Err(format!("{} channels exist", self.channels.len()));
        }
        for (folded, watchers) in &self.monitors {
            if watchers.is_empty() {
                return Err(format!("MONITOR entry {folded:?} has no watchers"));
            }
            for &id in watchers {
                if !self
                    .client(id)
                    .is_some_and(|c| c.monitoring.contains(folded))
                {
                    return Err(format!("{id} watches {folded:?} but does not list it"));
                }
            }
        }
        if self.whowas.len() > WHOWAS_LEN {
            return Err("WHOWAS is over its bound".into());
        }
        Ok(())
    }
}

/// `n` in base 36, for compact ids.
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = Vec::new();
    loop {
        buf.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    buf.reverse();
    String::from_utf8(buf).unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_like_irc_globs() {
        assert!(mask_matches("*!*@*", "bob!~b@127.0.0.1"));
        assert!(mask_matches("bob!*@*", "bob!~b@127.0.0.1"));
        assert!(!mask_matches("bob!*@*", "bobby!~b@127.0.0.1"));
        assert!(mask_matches("b?b*", "bob!x@y"));
        assert!(mask_matches("小*!*@*", "小明!~u@::1"));
        assert!(!mask_matches("", "x"));
        assert!(mask_matches("*", ""));
        // Many stars against a long non-match stays linear-ish.
        let long = "a".repeat(500);
        assert!(!mask_matches(&"*a".repeat(50).replace("a", "a*b"), &long));
    }

    #[test]
    fn masks_are_completed() {
        assert_eq!(normalize_mask("bob"), "bob!*@*");
        assert_eq!(normalize_mask("*@10.0.0.1"), "*!*@10.0.0.1");
        assert_eq!(normalize_mask("bob!~b"), "bob!~b@*");
        assert_eq!(normalize_mask("a!b@c"), "a!b@c");
        assert_eq!(normalize_mask("!@"), "*!*@*");
    }

    #[test]
    fn ids_are_base36() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
    }
}
