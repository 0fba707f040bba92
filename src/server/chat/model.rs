//! What the chat state is made of: clients, rooms, member status, room modes
//! and lists, held seats and WHOWAS entries, capabilities, and the limits
//! that bound them.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use super::masks::mask_matches;
use super::Now;
use crate::proto::names::{fold, skeleton};
use crate::server::outbox::ClientId;

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
    pub const MESSAGE_REDACTION: Caps = Caps(1 << 15);

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
    ("draft/message-redaction", Caps::MESSAGE_REDACTION),
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
/// Most bytes of a list entry's mask: room for any `nick!user@host`, and
/// short enough that its listing line always fits 512 bytes with the mask
/// whole (the setter is shortened first).
pub const MASK_LEN: usize = 200;
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
    /// Rooms (folded) this client created, where it may be the creator
    /// still (see [`Channel::creator`]); at most `max_joined`, the oldest dropped.
    pub founded: Vec<String>,
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
        display_host(self.addr.ip())
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

/// A member's status in a channel: a bit set of [`Status::OWNER`],
/// [`Status::OP`] and [`Status::VOICE`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Status(u8);

impl Status {
    pub const OP: Status = Status(1);
    pub const VOICE: Status = Status(2);
    /// `+O` (RFC 2812's "channel creator", shown `~`): the room's owner, the
    /// teacher. An owner runs the room as an operator does, and only an
    /// owner or a server operator can remove, ban, mute or demote one.
    pub const OWNER: Status = Status(4);

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
    /// Runs the room: an operator (co-host) or its owner.
    pub fn runs_room(self) -> bool {
        self.has(Status::OP) || self.has(Status::OWNER)
    }
    /// Operators and voiced members may talk in a moderated room.
    pub fn may_speak(self) -> bool {
        self.0 != 0
    }
    /// The prefixes NAMES and WHO show: the highest only, or all with
    /// `multi-prefix` (`~@+`).
    pub fn prefixes(self, all: bool) -> &'static str {
        const ALL: [&str; 8] = ["", "@", "+", "@+", "~", "~@", "~+", "~@+"];
        let bits = usize::from(self.0 & 7);
        if all {
            return ALL[bits];
        }
        let highest = [Status::OWNER, Status::OP, Status::VOICE]
            .into_iter()
            .find(|s| self.has(*s));
        match highest {
            Some(Status::OWNER) => "~",
            Some(Status::OP) => "@",
            Some(_) => "+",
            None => "",
        }
    }
    /// The mode letters of this status, highest first (`Oov`).
    pub fn letters(self) -> String {
        [
            (Status::OWNER, 'O'),
            (Status::OP, 'o'),
            (Status::VOICE, 'v'),
        ]
        .iter()
        .filter(|(s, _)| self.has(*s))
        .map(|(_, c)| *c)
        .collect()
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

/// Who may send private messages, set by a room's hosts (`+P`): for its
/// members who are not hosts (see `commands/messages.rs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum PrivateChats {
    #[default]
    Anyone,
    /// `+P hosts`: only with the room's hosts (and server operators).
    Hosts,
    /// `+P off`: none (hosts may still write to anyone).
    Off,
}

impl PrivateChats {
    pub fn parse(word: &str) -> Option<PrivateChats> {
        match word.to_ascii_lowercase().as_str() {
            "hosts" => Some(PrivateChats::Hosts),
            "off" => Some(PrivateChats::Off),
            "anyone" => Some(PrivateChats::Anyone),
            _ => None,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            PrivateChats::Anyone => "anyone",
            PrivateChats::Hosts => "hosts",
            PrivateChats::Off => "off",
        }
    }
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
    /// `+P hosts|off`: the room's private-message rule.
    pub private_chats: PrivateChats,
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
        if self.private_chats != PrivateChats::Anyone {
            flags.push('P');
            params.push(self.private_chats.word().to_owned());
        }
        let mut all = vec![flags];
        all.extend(params);
        all
    }
}

#[derive(Debug)]
pub(crate) struct Channel {
    pub name: String,
    /// The name's confusable skeleton (see `proto::names::skeleton`): a new
    /// room whose name looks the same as this one is refused.
    pub skeleton: String,
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
    /// Who created the room, while connected (cleared when that client
    /// goes: slab keys are reused). A creator is an operator, as on every
    /// IRC server, and may make itself the owner (`MODE #room +O me`;
    /// Banter's client does at once).
    pub creator: Option<ClientId>,
    /// The creator made itself the owner: it gets back in past the room's
    /// locks after leaving it.
    pub creator_owns: bool,
}

impl Channel {
    pub fn new(name: &str, now: &Now, permanent: bool) -> Channel {
        Channel {
            name: name.to_owned(),
            skeleton: skeleton(name),
            topic: None,
            members: BTreeMap::new(),
            created_unix: now.unix_secs(),
            permanent,
            modes: ChannelModes::new_channel(),
            bans: Vec::new(),
            excepts: Vec::new(),
            invex: Vec::new(),
            quiets: Vec::new(),
            creator: None,
            creator_owns: false,
        }
    }

    pub fn status(&self, id: ClientId) -> Option<Status> {
        self.members.get(&id).copied()
    }

    /// Runs the room: a co-host (`@`) or its owner (`~`).
    pub fn is_op(&self, id: ClientId) -> bool {
        self.status(id).is_some_and(Status::runs_room)
    }

    pub fn is_owner(&self, id: ClientId) -> bool {
        self.status(id).is_some_and(|s| s.has(Status::OWNER))
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

/// How a peer's address is shown as its host (WHO, WHOIS, masks and bans):
/// an IPv4 peer on a dual-stack socket (`::ffff:a.b.c.d`) as the IPv4
/// address it is, and an IPv6 address that would start with `:`, which
/// cannot begin an IRC parameter, with a `0` in front (`0::1`), as other
/// servers write it.
pub(crate) fn display_host(ip: IpAddr) -> String {
    let text = ip.to_canonical().to_string();
    if text.starts_with(':') {
        format!("0{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_shown_as_other_servers_show_them() {
        let host = |s: &str| display_host(s.parse().unwrap());
        assert_eq!(host("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(host("::1"), "0::1");
        assert_eq!(host("2001:db8::5"), "2001:db8::5");
        assert_eq!(host("127.0.0.1"), "127.0.0.1");
    }
}
