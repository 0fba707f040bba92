//! What the host controls act on: who hosts a room and who may talk in it
//! (channel status and modes, as the server announces them), the host
//! actions that become MODE, KICK and TOPIC lines, and what a member sees
//! when muted or removed.
//!
//! "Host" is the client's word for a channel operator (`@`, or `~ & %` on
//! servers that have them). Muting one person uses the server's quiet list
//! (`+q`, as Solanum and Banter have it) and takes their voice; on a server
//! without one it falls back to the voice model under `+m`.

use std::collections::BTreeSet;

use crate::proto::command;
use crate::proto::names::is_channel;

use super::modes::changes;
use super::{msg, tr, Conversation, Session, Update};

/// One person in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub nick: String,
    /// A channel operator (or owner, admin, half-op): can use the host
    /// controls.
    pub host: bool,
    /// Voiced (`+v`): may talk while the room is muted.
    pub voice: bool,
    /// The room's owner (`~`): the teacher in the server's own room.
    pub owner: bool,
    /// The address (host) they connect from, when the server said
    /// (`nick!user@host` in JOIN and in NAMES with `userhost-in-names`):
    /// what a ban keeps out, whatever name they take next.
    pub address: Option<String>,
    /// The prefix symbols of the statuses held (`~`, `@`, `+`, ...): losing
    /// `@` leaves an owner's `~`, so `host`, `voice` and `owner` are derived
    /// from all of them.
    held: String,
}

impl Member {
    pub fn new(nick: &str) -> Member {
        Member {
            nick: nick.to_owned(),
            host: false,
            voice: false,
            owner: false,
            address: None,
            held: String::new(),
        }
    }

    /// Gains or loses the status whose prefix symbol is `symbol`.
    pub(super) fn set(&mut self, symbol: char, on: bool) {
        self.held.retain(|m| m != symbol);
        if on {
            self.held.push(symbol);
        }
        self.host = self.held.chars().any(|m| m != '+');
        self.voice = self.held.contains('+');
        self.owner = self.held.contains('~');
    }
}

/// How a member ranks in a room, for the badge beside their name and on
/// their messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    #[default]
    Member,
    /// An operator (`@`): a host the owner (or a server operator) named.
    CoHost,
    /// The owner (`~`) of a room someone created.
    Owner,
    /// The owner of the server's own room: the teacher hosting it, or the
    /// server's operators. Nobody else can hold it, so the badge cannot be
    /// faked by creating a room.
    Teacher,
}

/// The room settings a host changes, as last announced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomModes {
    /// `+m`: only hosts and voiced members can talk.
    pub moderated: bool,
    /// `+i`: nobody joins without an invitation.
    pub locked: bool,
    /// `+k`: joining needs the room password.
    pub password: bool,
    /// `+q` masks: people muted one by one.
    pub quiets: Vec<String>,
    /// `+b` masks: who is kept out (for the host to see and lift).
    pub bans: Vec<String>,
    /// `+P`: who may write privately (Banter's private-chat switch).
    pub private_chats: PrivateChats,
    /// The folded names of `name!*@*` quiets: who surely cannot talk. Other
    /// masks (`guest*`, `*!*@10.0.0.5`) cannot be judged without everyone's
    /// address and exceptions; the server's 404 says so when they apply.
    quieted: BTreeSet<String>,
}

impl RoomModes {
    fn add_quiet(&mut self, mask: &str, casemap: fn(&str) -> String) {
        if mask.is_empty()
            || self.quiets.iter().any(|q| q == mask)
            || self.quiets.len() >= MAX_QUIETS
        {
            return;
        }
        self.quiets.push(mask.to_owned());
        if let Some(nick) = mask.strip_suffix("!*@*") {
            self.quieted.insert(casemap(nick));
        }
    }

    fn remove_quiet(&mut self, mask: &str, casemap: fn(&str) -> String) {
        self.quiets.retain(|q| q != mask);
        // Derived again: `Ming!*@*` and `ming!*@*` can both name one person.
        self.quieted = self
            .quiets
            .iter()
            .filter_map(|q| q.strip_suffix("!*@*"))
            .map(casemap)
            .collect();
    }
}

/// A room's private-chat rule (`+P hosts|off` on a Banter server).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PrivateChats {
    #[default]
    Anyone,
    /// Students write privately only to the room's hosts.
    Hosts,
    /// Students write privately to nobody (hosts still may).
    Off,
}

impl PrivateChats {
    /// As the MODE line spells it.
    pub fn word(self) -> &'static str {
        match self {
            PrivateChats::Anyone => "anyone",
            PrivateChats::Hosts => "hosts",
            PrivateChats::Off => "off",
        }
    }

    /// From the MODE line's word (anything else is "anyone").
    pub fn parse(word: &str) -> PrivateChats {
        match word {
            "hosts" => PrivateChats::Hosts,
            "off" => PrivateChats::Off,
            _ => PrivateChats::Anyone,
        }
    }
}

/// Most quiet masks remembered per room (the server bounds its list too).
const MAX_QUIETS: usize = 256;

/// Something a host does to the open room or one of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostAction {
    Mute(String),
    Unmute(String),
    /// Remove from the room (KICK), with a reason (empty: a default one).
    Remove {
        nick: String,
        reason: String,
    },
    /// Keep the computer out (`+b *!*@address`, or `nick!*@*` where the
    /// address is not known) and remove: a new name does not get back in.
    Ban {
        nick: String,
        reason: String,
    },
    /// Lifts a ban (`-b mask`).
    Unban(String),
    MakeHost(String),
    /// Takes a co-host's `+o` away.
    RemoveHost(String),
    /// `+m` / `-m`.
    MuteEveryone(bool),
    /// `+i` / `-i`.
    Lock(bool),
    /// `+k password`, or `-k` for `None`.
    Password(Option<String>),
    /// The pinned notice: the room's topic.
    PinNotice(String),
    /// Who may write privately (`+P hosts|off`, `-P`).
    PrivateChats(PrivateChats),
}

impl Conversation {
    /// How folded `key` ranks here; `server_room` is whether this is the
    /// server's own room.
    pub fn rank_of(&self, key: &str, server_room: bool) -> Rank {
        match self.members.get(key) {
            Some(m) if m.owner && server_room => Rank::Teacher,
            Some(m) if m.owner => Rank::Owner,
            Some(m) if m.host => Rank::CoHost,
            _ => Rank::Member,
        }
    }

    /// Whether folded `key` hosts this room.
    pub fn is_host(&self, key: &str) -> bool {
        self.members.get(key).is_some_and(|m| m.host)
    }

    /// Whether `member` surely cannot talk here right now: muted by name,
    /// or the whole room is (see [`RoomModes`] for what cannot be told).
    pub fn is_muted(&self, member: &Member, casemap: fn(&str) -> String) -> bool {
        !member.host
            && !member.voice
            && (self.modes.moderated || self.modes.quieted.contains(&casemap(&member.nick)))
    }

    /// Forgets who is here, who holds which status and the room's
    /// settings: the connection was lost, and NAMES and MODE tell them again
    /// on rejoining (a list of the people from before would be false).
    pub(super) fn forget_status(&mut self) {
        self.members.clear();
        self.names_pending = None;
        self.modes = RoomModes::default();
    }
}

impl Session {
    /// The server's name comparison, for views that match names.
    pub fn casemap(&self) -> fn(&str) -> String {
        self.casemap
    }

    /// How folded `key` ranks in `conv` (the owner of the server's own room
    /// is the teacher).
    pub fn rank_in(&self, conv: &Conversation, key: &str) -> Rank {
        let server_room = self.server_room.as_deref() == Some(conv.key.as_str());
        conv.rank_of(key, server_room)
    }

    /// Joins `room` (an invitation's **Join**), showing it once in.
    pub fn join_room(&mut self, room: &str) {
        if !is_channel(room) {
            return;
        }
        self.focus_on_join = Some((self.casemap)(room));
        self.out.push(msg(command::JOIN, &[room]));
    }

    /// Whether messages can be deleted here (the server speaks
    /// `draft/message-redaction`): our own, and any in a room we host.
    pub fn can_delete(&self) -> bool {
        self.redaction && self.registered
    }

    /// Deletes message `msgid` of the open conversation (REDACT); the
    /// server says who may, and the line goes when it confirms.
    pub fn delete_message(&mut self, msgid: &str) {
        if !self.can_delete() || msgid.is_empty() {
            return;
        }
        if let Some(name) = self.active().map(|c| c.name.clone()) {
            self.out.push(msg(command::REDACT, &[&name, msgid]));
        }
    }

    /// Whether we host the open room.
    pub fn hosting_active(&self) -> bool {
        let me = (self.casemap)(&self.nick);
        self.active()
            .is_some_and(|c| !c.private && c.removed.is_none() && c.is_host(&me))
    }

    /// Why we cannot talk in conversation `conv` right now, if we cannot:
    /// removed, muted, or the room is muted for all but hosts.
    pub fn cannot_talk(&self, conv: &Conversation) -> Option<String> {
        if conv.private {
            return None;
        }
        if let Some(why) = &conv.removed {
            return Some(why.clone());
        }
        let me = conv.members.get(&(self.casemap)(&self.nick))?;
        if !conv.is_muted(me, self.casemap) {
            return None;
        }
        let room = conv.name.as_str();
        Some(if conv.modes.moderated {
            tr::ONLY_HOSTS_TALK_IN.fill(&[("room", &room)])
        } else {
            tr::YOU_ARE_MUTED.fill(&[("room", &room)])
        })
    }

    /// A host action on the open room. `Err` says why nothing was sent.
    pub fn host_action(&mut self, action: HostAction) -> Result<(), String> {
        if !self.registered {
            return Err(tr::NOT_CONNECTED.to_string());
        }
        if !self.hosting_active() {
            return Err(tr::ONLY_HOSTS_CAN.to_string());
        }
        let Some(conv) = self.active().cloned() else {
            return Err(tr::ONLY_HOSTS_CAN.to_string());
        };
        let room = conv.name.as_str();
        let member = |nick: &str| conv.members.get(&(self.casemap)(nick)).cloned();
        let quiet_supported = self.mode_syntax.has_quiet_list();
        let mut lines = Vec::new();
        match action {
            HostAction::Mute(nick) => {
                let voiced = member(&nick).is_some_and(|m| m.voice);
                match (quiet_supported, voiced) {
                    (true, true) => lines.push(msg(
                        command::MODE,
                        &[room, "+q-v", &format!("{nick}!*@*"), &nick],
                    )),
                    (true, false) => {
                        lines.push(msg(command::MODE, &[room, "+q", &format!("{nick}!*@*")]))
                    }
                    (false, true) if conv.modes.moderated => {
                        lines.push(msg(command::MODE, &[room, "-v", &nick]))
                    }
                    // The voice model alone cannot mute one person in a room
                    // where everyone may talk.
                    (false, _) => return Err(tr::CANNOT_MUTE_ONE.to_string()),
                }
            }
            HostAction::Unmute(nick) => {
                // The quiets that name them; a broader mask set from another
                // client (`guest*`) is for that client to lift.
                let folded = (self.casemap)(&nick);
                for q in conv.modes.quiets.iter().filter(|q| {
                    q.strip_suffix("!*@*")
                        .is_some_and(|n| (self.casemap)(n) == folded)
                }) {
                    lines.push(msg(command::MODE, &[room, "-q", q]));
                }
                if conv.modes.moderated && !member(&nick).is_some_and(|m| m.voice) {
                    lines.push(msg(command::MODE, &[room, "+v", &nick]));
                }
            }
            HostAction::Remove { nick, reason } => {
                let reason = if reason.trim().is_empty() {
                    tr::DEFAULT_REMOVE_REASON.to_string()
                } else {
                    reason
                };
                lines.push(msg(command::KICK, &[room, &nick, &reason]));
            }
            HostAction::Ban { nick, reason } => {
                let reason = if reason.trim().is_empty() {
                    tr::DEFAULT_BAN_REASON.to_string()
                } else {
                    reason
                };
                let mask = ban_mask(&nick, member(&nick).and_then(|m| m.address).as_deref());
                lines.push(msg(command::MODE, &[room, "+b", &mask]));
                lines.push(msg(command::KICK, &[room, &nick, &reason]));
            }
            HostAction::Unban(mask) => lines.push(msg(command::MODE, &[room, "-b", &mask])),
            HostAction::PrivateChats(PrivateChats::Anyone) => {
                lines.push(msg(command::MODE, &[room, "-P"]))
            }
            HostAction::PrivateChats(rule) => {
                lines.push(msg(command::MODE, &[room, "+P", rule.word()]))
            }
            HostAction::MakeHost(nick) => lines.push(msg(command::MODE, &[room, "+o", &nick])),
            HostAction::RemoveHost(nick) => lines.push(msg(command::MODE, &[room, "-o", &nick])),
            HostAction::MuteEveryone(on) => {
                lines.push(msg(command::MODE, &[room, if on { "+m" } else { "-m" }]))
            }
            HostAction::Lock(on) => {
                lines.push(msg(command::MODE, &[room, if on { "+i" } else { "-i" }]))
            }
            HostAction::Password(Some(pw)) => {
                let pw = pw.trim();
                // A key is one word on the wire; the server would cut it.
                if pw.is_empty() || pw.contains([' ', ',', '\r', '\n', '\0']) {
                    return Err(tr::BAD_ROOM_PASSWORD.to_string());
                }
                lines.push(msg(command::MODE, &[room, "+k", pw]));
            }
            HostAction::Password(None) => lines.push(msg(command::MODE, &[room, "-k", "*"])),
            HostAction::PinNotice(text) => {
                // One line on the wire: a pasted line break becomes a space.
                let text: String = text
                    .trim()
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                lines.push(msg(command::TOPIC, &[room, &text]));
            }
        }
        self.out.extend(lines);
        Ok(())
    }

    /// "Log in as host": the server's operator name and password, sent now
    /// and again after each reconnect until the server refuses them.
    pub fn log_in_as_host(&mut self, name: &str, password: &str, now_ms: u64) {
        if name.is_empty() || password.is_empty() {
            let i = self.active;
            self.notice_at(i, tr::HOST_LOGIN_EMPTY.text(), now_ms);
            return;
        }
        self.oper = Some((name.to_owned(), password.to_owned()));
        if self.registered {
            self.out.push(msg(command::OPER, &[name, password]));
        }
    }

    /// `381` (we are a server operator now) or `464` after registration
    /// (the host name or password was wrong).
    pub(super) fn on_host_login(&mut self, accepted: bool, time: u64) {
        let text = if accepted {
            tr::HOST_LOGIN_OK.text()
        } else {
            // Not sent again after a reconnect.
            self.oper = None;
            tr::HOST_LOGIN_FAILED.text()
        };
        let i = self.active;
        self.notice_at(i, text, time);
    }

    /// Joins a room we were removed from again (a ban or lock may refuse).
    pub fn rejoin_active(&mut self) {
        if let Some(conv) = self.active().filter(|c| c.removed.is_some()) {
            let room = conv.name.clone();
            self.out.push(msg(command::JOIN, &[&room]));
        }
    }

    /// After our own JOIN: ask for the room's modes and its quiet list, so
    /// the banners and the member list are right from the start.
    pub(super) fn ask_room_state(&mut self, room: &str) {
        // The list comes again in full: a quiet lifted while we were away
        // must not stay.
        let key = (self.casemap)(room);
        if let Some(conv) = self.conversations.iter_mut().find(|c| c.key == key) {
            conv.modes = RoomModes::default();
        }
        self.out.push(msg(command::MODE, &[room]));
        self.out.push(msg(command::MODE, &[room, "+b"]));
        if self.mode_syntax.has_quiet_list() {
            self.out.push(msg(command::MODE, &[room, "+q"]));
        }
    }

    /// `324 <me> <room> <modes> [params]`: the room's modes, all of them.
    pub(super) fn on_room_modes(&mut self, params: &[String]) {
        let Some(room) = params.get(1) else { return };
        let key = (self.casemap)(room);
        let changes = changes(&self.mode_syntax, params.get(2..).unwrap_or(&[]));
        let Some(conv) = self.conversations.iter_mut().find(|c| c.key == key) else {
            return;
        };
        // The quiet list is not part of 324: it stays.
        conv.modes.moderated = false;
        conv.modes.locked = false;
        conv.modes.password = false;
        conv.modes.private_chats = PrivateChats::Anyone;
        for (adding, mode, arg) in changes {
            apply_room_mode(conv, adding, mode, arg.as_deref().unwrap_or(""));
        }
        self.updates.push(Update::MembersChanged(key));
    }

    /// `367 <me> <room> <mask> [<setter> <time>]`: one ban of the room's list.
    pub(super) fn on_ban_entry(&mut self, params: &[String]) {
        let (Some(room), Some(mask)) = (params.get(1), params.get(2)) else {
            return;
        };
        let key = (self.casemap)(room);
        if let Some(conv) = self.conversations.iter_mut().find(|c| c.key == key) {
            if !conv.modes.bans.contains(mask) && conv.modes.bans.len() < MAX_QUIETS {
                conv.modes.bans.push(mask.clone());
                self.updates.push(Update::MembersChanged(key));
            }
        }
    }

    /// The others in the open room (not us) who connect from the same
    /// address as `nick` (a school's NAT): a ban on it keeps them out too.
    pub fn sharing_address(&self, nick: &str) -> Vec<String> {
        let Some(conv) = self.active() else {
            return Vec::new();
        };
        let key = (self.casemap)(nick);
        let Some(address) = conv.members.get(&key).and_then(|m| m.address.as_ref()) else {
            return Vec::new();
        };
        conv.members
            .iter()
            .filter(|(k, m)| {
                **k != key && !self.is_me(&m.nick) && m.address.as_ref() == Some(address)
            })
            .map(|(_, m)| m.nick.clone())
            .collect()
    }

    /// `728 <me> <room> q <mask> ...`: one entry of the quiet list.
    pub(super) fn on_quiet_entry(&mut self, params: &[String]) {
        let (Some(room), Some(mask)) = (params.get(1), params.get(3)) else {
            return;
        };
        let key = (self.casemap)(room);
        let casemap = self.casemap;
        if let Some(conv) = self.conversations.iter_mut().find(|c| c.key == key) {
            conv.modes.add_quiet(mask, casemap);
            self.updates.push(Update::MembersChanged(key));
        }
    }

    /// A MODE line: room status and settings change, with a plain notice.
    pub(super) fn on_mode(&mut self, by: &str, target: &str, params: &[String], time: u64) {
        if !is_channel(target) {
            return;
        }
        let key = (self.casemap)(target);
        let Some(i) = self.conversations.iter().position(|c| c.key == key) else {
            return;
        };
        let casemap = self.casemap;
        let mut notices = Vec::new();

        let changes = changes(&self.mode_syntax, params);
        // `+Oo ana ana` reads as one line: an owner is a host already.
        let owners: Vec<String> = changes
            .iter()
            .filter(|(adding, mode, _)| *adding && *mode == 'O')
            .filter_map(|(_, _, arg)| arg.clone())
            .collect();
        for (adding, mode, arg) in changes {
            let conv = &mut self.conversations[i];
            let arg_ref = arg.as_deref().unwrap_or("");
            let symbol = self.mode_syntax.prefixes.iter().find(|(m, _)| *m == mode);
            if let Some(&(_, symbol)) = symbol {
                if let Some(member) = conv.members.get_mut(&casemap(arg_ref)) {
                    member.set(symbol, adding);
                }
            } else if mode == 'b' {
                conv.modes.bans.retain(|b| b != arg_ref);
                if adding && conv.modes.bans.len() < MAX_QUIETS {
                    conv.modes.bans.push(arg_ref.to_owned());
                }
            } else if mode == 'q' && self.mode_syntax.has_quiet_list() {
                if adding {
                    conv.modes.add_quiet(arg_ref, casemap);
                } else {
                    conv.modes.remove_quiet(arg_ref, casemap);
                }
            } else {
                apply_room_mode(conv, adding, mode, arg_ref);
            }
            if !(adding && mode == 'o' && owners.iter().any(|o| o == arg_ref)) {
                notices.push(mode_notice(by, adding, mode, arg_ref));
            }
        }
        self.updates.push(Update::MembersChanged(key));
        for text in notices {
            self.notice_at(i, &text, time);
        }
    }

    /// We were removed from `room`: the conversation stays, saying why, so
    /// that the history is not lost and "Join again" is one click.
    pub(super) fn on_removed(&mut self, room: &str, by: &str, reason: &str, time: u64) {
        let key = (self.casemap)(room);
        let Some(i) = self.conversations.iter().position(|c| c.key == key) else {
            return;
        };
        let text = tr::YOU_WERE_REMOVED.fill(&[("by", &by), ("room", &room), ("reason", &reason)]);
        let conv = &mut self.conversations[i];
        conv.removed = Some(text.clone());
        conv.members.clear();
        conv.modes = RoomModes::default();
        // What waited to be said there will not be: its lines leave the
        // screen, and the notice says why.
        let casemap = self.casemap;
        let (dropped, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.queued)
            .into_iter()
            .partition(|o| casemap(&o.to) == key);
        self.queued = kept;
        for o in dropped {
            self.updates.push(Update::Refused {
                key: key.clone(),
                id: o.id,
            });
        }
        self.updates.push(Update::MembersChanged(key));
        self.notice_at(i, &text, time);
    }

    /// `404 <me> <room> :<why>`: the server refused our line. Its pending
    /// entry goes (the notice says what was not sent and why), and it is
    /// not sent again after a reconnect.
    pub(super) fn on_cannot_send(
        &mut self,
        room: &str,
        why: &str,
        label: Option<&str>,
        time: u64,
    ) -> bool {
        let key = (self.casemap)(room);
        let Some(i) = self.conversations.iter().position(|c| c.key == key) else {
            return false;
        };
        let casemap = self.casemap;
        // The refused line by its label; else the oldest one for the room.
        let labeled = label
            .filter(|l| !l.is_empty())
            .and_then(|l| self.unconfirmed.iter().position(|o| o.label == l));
        let refused = labeled
            .or_else(|| self.unconfirmed.iter().position(|o| casemap(&o.to) == key))
            .map(|j| self.unconfirmed.remove(j));
        let text = match &refused {
            Some(o) => tr::NOT_SENT_TEXT.fill(&[("text", &o.text), ("reason", &why)]),
            None => tr::NOT_SENT.fill(&[("reason", &why)]),
        };
        if let Some(o) = refused {
            self.updates.push(Update::Refused { key, id: o.id });
        }
        self.notice_at(i, &text, time);
        true
    }
}

/// Room settings from one change (prefix and quiet changes are handled by
/// the caller, which knows the members).
fn apply_room_mode(conv: &mut Conversation, adding: bool, mode: char, arg: &str) {
    match mode {
        'm' => conv.modes.moderated = adding,
        'i' => conv.modes.locked = adding,
        'k' => conv.modes.password = adding,
        'P' if adding => conv.modes.private_chats = PrivateChats::parse(arg),
        'P' => conv.modes.private_chats = PrivateChats::Anyone,
        _ => {}
    }
}

/// What a room member reads when a host changes something.
fn mode_notice(by: &str, adding: bool, mode: char, arg: &str) -> String {
    // A mask the host controls made (`nick!*@*`) reads as the name.
    let arg = match mode {
        'q' | 'b' => arg.strip_suffix("!*@*").unwrap_or(arg),
        _ => arg,
    };
    let (by, nick) = (
        &by as &dyn std::fmt::Display,
        &arg as &dyn std::fmt::Display,
    );
    let who = [("by", by), ("nick", nick)];
    match (mode, adding) {
        ('P', true) if arg == "off" => tr::PRIVATE_OFF_BY.fill(&who),
        ('P', true) => tr::PRIVATE_HOSTS_BY.fill(&who),
        ('P', false) => tr::PRIVATE_ANYONE_BY.fill(&who),
        ('O', true) => tr::OWNER_NOW.fill(&who),
        ('O', false) => tr::OWNER_NO_MORE.fill(&who),
        ('o', true) => tr::MADE_HOST.fill(&who),
        ('o', false) => tr::NO_LONGER_HOST.fill(&who),
        ('v', true) => tr::MAY_TALK.fill(&who),
        ('v', false) => tr::MAY_NOT_TALK.fill(&who),
        ('q', true) => tr::MUTED_BY.fill(&[("by", by), ("mask", nick)]),
        ('q', false) => tr::UNMUTED_BY.fill(&[("by", by), ("mask", nick)]),
        ('b', true) => tr::BANNED_BY.fill(&[("by", by), ("mask", nick)]),
        ('b', false) => tr::UNBANNED_BY.fill(&[("by", by), ("mask", nick)]),
        ('m', true) => tr::MUTED_EVERYONE.fill(&who),
        ('m', false) => tr::UNMUTED_EVERYONE.fill(&who),
        ('i', true) => tr::LOCKED.fill(&who),
        ('i', false) => tr::UNLOCKED.fill(&who),
        ('k', true) => tr::PASSWORD_SET.fill(&who),
        ('k', false) => tr::PASSWORD_REMOVED.fill(&who),
        _ => {
            let sign = if adding { '+' } else { '-' };
            let change = if arg.is_empty() {
                format!("{sign}{mode}")
            } else {
                format!("{sign}{mode} {arg}")
            };
            tr::MODE_CHANGED.fill(&[("by", by), ("change", &change)])
        }
    }
}

/// The mask a ban of `nick` sets: the computer (`*!*@address`) when its
/// address is known, so that a new name does not get back in; else the name.
fn ban_mask(nick: &str, address: Option<&str>) -> String {
    match address.filter(|a| !a.is_empty() && !a.contains(['*', '?', ' '])) {
        Some(address) => format!("*!*@{address}"),
        None => format!("{nick}!*@*"),
    }
}
