//! The client's chat session, sans-io: parsed IRC messages, user input and the
//! time go in; lines to send and updates for the screen come out.
//!
//! Contract:
//! 1. Nothing here touches a socket, a clock or the UI toolkit.
//! 2. It depends on nothing Banter-only: IRCv3 `server-time` and `echo-message`
//!    are used when the server offers them, and without them the local clock
//!    stamps messages and your own messages are shown as you send them.
//! 3. Conversations are keyed by the folded room or person name, so `Ming`
//!    and `ming` are one conversation.
//!
//! Each part is an `impl Session` in its own file, named after the protocol
//! it speaks ([`crate::proto::command`] and [`crate::proto::numeric`]):
//! - `registration`: connecting, CAP, the welcome (001), login errors and
//!   nickname retries, 005, the keepalive, losing the connection.
//! - `incoming`: [`Session::on_message`]'s dispatch on the command, and
//!   people joining, leaving, renaming and talking.
//! - `outgoing`: typed input, lines waiting while disconnected, pieces that
//!   fit one line, paced sending (`pace`), lines awaiting their echo.
//! - `history`: CHATHISTORY fetches, their batches, live lines held meanwhile.
//! - `room`: host status, room modes, the host actions.
//! - `complete`: Tab completion of names in the message box.
//! - this file: the types the screen reads (`Session`, `Conversation`,
//!   `Entry`, `Update`, `NotSent`, `LoginError`) and the small helpers the
//!   parts share.

use std::collections::{BTreeMap, VecDeque};

use crate::proto::names;
use crate::proto::Message;

use super::{input, tr};

mod complete;
mod history;
mod incoming;
mod modes;
mod outgoing;
mod pace;
mod refusals;
mod registration;
mod room;
pub use complete::Completion;
pub use outgoing::split_text;
pub use room::{HostAction, Member, PrivateChats, Rank, RoomModes};

use outgoing::Outgoing;

/// A conversation's key: the folded name of the room or person.
pub type ConvKey = String;

/// Message ids remembered per conversation to drop lines seen twice (a
/// replay or a history fetch overlapping what arrived live).
const SEEN_IDS: usize = 1000;
/// Silence after which the client checks the connection with a PING.
pub const KEEPALIVE_AFTER_MS: u64 = 60_000;
/// Time a PING may go unanswered before the connection counts as dead.
pub const DEAD_AFTER_MS: u64 = 30_000;
/// Notes kept until the first room is joined (see [`Session::note`]).
const MAX_WAITING_NOTES: usize = 8;
const CTCP: char = '\u{1}';

/// Whose line an entry is, which decides where the screen puts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// Yours: on the right.
    Own,
    /// Someone else's: on the left, with their name.
    Other,
    /// Joins, leaves, name changes, errors: centred and muted.
    Notice,
}

/// One line in a conversation's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub nick: String,
    pub text: String,
    /// `/me` text, shown as "nick text".
    pub action: bool,
    /// Unix milliseconds: the server's `time` tag when present, else local.
    pub time_ms: u64,
    /// The server's message id (`msgid` tag), when it gave one.
    pub msgid: Option<String>,
    /// Your line, not yet confirmed by the server's echo; [`Update::Delivered`]
    /// with this id confirms it (0 for lines that are not pending).
    pub pending: u64,
    /// Someone else's line that says your name: highlighted, and it asks
    /// for attention even in a busy room.
    pub mention: bool,
    /// Fetched from the room's history, not said just now: shown, but it
    /// does not count as new in the window's title.
    pub past: bool,
    /// How the sender ranks in the room, as the line arrives (its badge).
    pub rank: Rank,
}

/// A room or a private conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub key: ConvKey,
    pub name: String,
    pub private: bool,
    pub unread: u32,
    pub topic: String,
    /// Folded nick to the member.
    pub members: BTreeMap<String, Member>,
    names_pending: Option<BTreeMap<String, Member>>,
    /// The settings the host controls change (rooms only).
    pub modes: RoomModes,
    /// Why we are no longer in this room (a host removed us); the
    /// conversation stays so that its history and the reason can be read.
    pub removed: Option<String>,
    /// Message ids shown here, newest last (bounded by [`SEEN_IDS`]).
    seen: std::collections::VecDeque<String>,
    /// The newest message id shown: where a catch-up fetch starts.
    last_msgid: Option<String>,
    /// A CHATHISTORY answer is awaited: live lines wait in `held` meanwhile,
    /// so that what was missed comes before them.
    fetching: bool,
    held: Vec<Message>,
    /// The next history line is the first one missed while away.
    away_divider: bool,
}

impl Conversation {
    /// Message `id` is shown here: a copy of it is dropped, and a catch-up
    /// fetch starts after it.
    fn remember_id(&mut self, id: &str) {
        if self.seen.len() >= SEEN_IDS {
            self.seen.pop_front();
        }
        self.seen.push_back(id.to_owned());
        self.last_msgid = Some(id.to_owned());
    }

    fn new(key: ConvKey, name: &str, private: bool) -> Conversation {
        Conversation {
            key,
            name: name.to_owned(),
            private,
            unread: 0,
            topic: String::new(),
            members: BTreeMap::new(),
            names_pending: None,
            modes: RoomModes::default(),
            removed: None,
            seen: std::collections::VecDeque::new(),
            last_msgid: None,
            fetching: false,
            held: Vec::new(),
            away_divider: false,
        }
    }
}

/// Why logging in failed; the login form shows it and stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    NickTaken(String),
    /// The server found the name reads the same as one in use.
    NickLookalike(String),
    NickInvalid {
        nick: String,
        reason: String,
    },
    BadPassword,
    /// The server closed the connection with this reason.
    Refused(String),
}

impl std::fmt::Display for LoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginError::NickTaken(nick) => f.write_str(&tr::NICK_TAKEN.fill(&[("nick", nick)])),
            LoginError::NickLookalike(nick) => {
                f.write_str(&tr::NICK_LOOKALIKE.fill(&[("nick", nick)]))
            }
            LoginError::NickInvalid { nick, reason } => {
                f.write_str(&tr::BAD_NAME.fill(&[("nick", nick), ("reason", reason)]))
            }
            LoginError::BadPassword => write!(f, "{}", tr::BAD_PASSWORD),
            LoginError::Refused(reason) => f.write_str(&tr::REFUSED.fill(&[("reason", reason)])),
        }
    }
}

/// Why a typed line was not sent; the text stays in the box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// An empty line: nothing to say about it.
    Empty,
    /// The room does not let this person talk (muted, removed); the reason
    /// is already shown above the box.
    CannotTalk(String),
    /// Anything else, said under the box.
    Because(String),
}

impl NotSent {
    /// What to say under the message box: nothing when the screen already
    /// says why.
    pub fn under_the_box(&self) -> &str {
        match self {
            NotSent::Empty | NotSent::CannotTalk(_) => "",
            NotSent::Because(why) => why,
        }
    }
}

impl From<&str> for NotSent {
    fn from(why: &str) -> NotSent {
        NotSent::Because(why.to_owned())
    }
}

impl From<String> for NotSent {
    fn from(why: String) -> NotSent {
        NotSent::Because(why)
    }
}

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotSent::Empty => Ok(()),
            NotSent::CannotTalk(why) | NotSent::Because(why) => f.write_str(why),
        }
    }
}

/// What the screen must reflect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// Logged in (also after a reconnect): show the chat.
    Registered,
    LoginFailed(LoginError),
    /// A new line in a conversation.
    Entry {
        key: ConvKey,
        entry: Entry,
    },
    /// The list of conversations, their names, unread counts or the active one changed.
    ConversationsChanged,
    /// A private conversation's key changed because the person changed name.
    Renamed {
        from: ConvKey,
        to: ConvKey,
    },
    MembersChanged(ConvKey),
    TopicChanged(ConvKey),
    /// Your own nickname changed.
    NickChanged,
    /// `exit` was typed: ask "Leave the chat room?".
    ConfirmExit,
    /// The server refused your pending line `id` in conversation `key` (a
    /// notice says why): it is no longer on its way.
    Refused {
        key: ConvKey,
        id: u64,
    },
    /// Your pending line `id` in conversation `key` reached the server.
    Delivered {
        key: ConvKey,
        id: u64,
        time_ms: u64,
        /// The server's id for it, by which it can be deleted.
        msgid: Option<String>,
    },
    /// `by` invites us to `room` (an invitation gets past a lock): the
    /// window offers to join.
    Invited {
        room: String,
        by: String,
    },
    /// Message `msgid` in conversation `key` was deleted by `by`: the line
    /// gives way to "message deleted by …".
    Redacted {
        key: ConvKey,
        msgid: String,
        by: String,
    },
    /// The seat's secret changed (or went): worth remembering at once.
    ResumeTokenChanged,
    /// The connection stopped answering: drop it so that the worker
    /// reconnects (what was typed meanwhile stays queued).
    ConnectionDead,
    /// QUIT was sent: close the connection and the window.
    Quit,
}

/// See the module contract.
#[derive(Debug)]
pub struct Session {
    nick: String,
    password: Option<String>,
    /// Server operator credentials sent with `OPER` after each welcome:
    /// how the person hosting from this client runs its room.
    oper: Option<(String, String)>,
    realname: String,
    autojoin: Vec<String>,
    /// The name the user chose (at login or with /nick): a stand-in taken
    /// after a reconnect gives way to it as soon as it is free.
    chosen_nick: String,
    /// Stand-ins tried since the last welcome (see [`MAX_NICK_VARIANTS`]).
    nick_variants: u8,
    /// When the chosen name was last asked back, and whether a `433` for
    /// it is ours to set aside.
    reclaimed_ms: u64,
    reclaiming: bool,
    /// Given only an address: the first login joins the room the server
    /// calls its own ([`numeric::ISUPPORT_ROOM`]), or this one if the
    /// server names none (said by the end of its MOTD).
    server_room_fallback: Option<String>,
    /// The server's own room (folded), as its ISUPPORT names it: its owners
    /// are the teacher.
    server_room: Option<String>,
    /// Logged in, and waiting to hear the server's own room before joining.
    awaiting_server_room: bool,
    connected: bool,
    registered: bool,
    ever_registered: bool,
    login_failed: bool,
    /// The reason in the server's last `ERROR`, which says more than a closed socket.
    last_error: Option<String>,
    caps_offered: Vec<String>,
    echo_message: bool,
    /// `draft/chathistory` is on: history is fetched, not replayed.
    chathistory: bool,
    /// `draft/message-redaction` is on: messages can be deleted.
    redaction: bool,
    /// The secret that takes our seat back after a drop (`banter.chat/resume`).
    resume_token: Option<String>,
    /// Open `chathistory` batches: reference to conversation key.
    batches: BTreeMap<String, ConvKey>,
    /// When the server last said anything, and when our keepalive PING went.
    last_heard_ms: u64,
    ping_sent_ms: Option<u64>,
    /// Lines typed while disconnected: (conversation name, text, action).
    queued: Vec<Outgoing>,
    /// Lines sent but not yet echoed back (with echo-message): if the
    /// connection dies first they are sent again, not lost.
    unconfirmed: Vec<Outgoing>,
    /// Pieces said but not yet sent: they leave at the pacer's rate.
    paced: VecDeque<Outgoing>,
    pacer: pace::Pacer,
    /// `labeled-response` is on: each piece carries a `label` its echo (or
    /// its refusal) comes back with.
    labeled: bool,
    next_label: u64,
    /// Bytes of `user@host` in the source the server puts on our lines
    /// (learnt from our JOIN): what a relayed line of ours costs.
    own_userhost_len: Option<usize>,
    /// The last local id given to a line of ours.
    next_local_id: u64,
    /// How the server compares names (its `CASEMAPPING`): conversation keys
    /// and "is this me" follow it, so `[bob]` and `{bob}` are one person on
    /// an rfc1459 server and two on others.
    casemap: fn(&str) -> String,
    /// How the server's MODE lines take parameters.
    mode_syntax: modes::ModeSyntax,
    /// [`KEEPALIVE_AFTER_MS`] and [`DEAD_AFTER_MS`], shorter in tests.
    keepalive_ms: (u64, u64),
    conversations: Vec<Conversation>,
    active: usize,
    /// Notes for the open conversation that came before there was one.
    waiting_notes: Vec<String>,
    /// A room the user asked to join: shown as soon as the server confirms.
    focus_on_join: Option<ConvKey>,
    out: Vec<Message>,
    updates: Vec<Update>,
}

/// Whether `text` says `nick` as a word of its own ("bob" in "hi bob!", not
/// in "bobby"; "小明" in "小明你好", where words have no spaces between them).
pub fn mentions(text: &str, nick: &str, casemap: fn(&str) -> String) -> bool {
    let (text, nick) = (casemap(text), casemap(nick));
    if nick.is_empty() {
        return false;
    }
    let word_char = |c: char| c.is_ascii_alphanumeric() || "_-[]{}\\|^`".contains(c);
    text.match_indices(nick.as_str()).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + nick.len()..].chars().next();
        !before.is_some_and(word_char) && !after.is_some_and(word_char)
    })
}

/// A line to send: `command` is one of [`crate::proto::command`]'s names.
fn msg(command: &'static str, params: &[&str]) -> Message {
    Message::new(command, params.iter().map(|p| (*p).to_owned()).collect())
}

impl Session {
    /// A session that will log in as `nick` and join `autojoin` rooms.
    pub fn new(nick: &str, password: Option<String>, autojoin: Vec<String>) -> Session {
        Session {
            nick: nick.to_owned(),
            password,
            oper: None,
            realname: "Banter user".into(),
            autojoin,
            chosen_nick: nick.to_owned(),
            nick_variants: 0,
            reclaimed_ms: 0,
            reclaiming: false,
            server_room_fallback: None,
            server_room: None,
            awaiting_server_room: false,
            connected: false,
            registered: false,
            ever_registered: false,
            login_failed: false,
            last_error: None,
            caps_offered: Vec::new(),
            echo_message: false,
            chathistory: false,
            redaction: false,
            resume_token: None,
            batches: BTreeMap::new(),
            last_heard_ms: 0,
            ping_sent_ms: None,
            queued: Vec::new(),
            unconfirmed: Vec::new(),
            paced: VecDeque::new(),
            pacer: pace::Pacer::default(),
            labeled: false,
            next_label: 0,
            own_userhost_len: None,
            next_local_id: 0,
            casemap: names::fold,
            mode_syntax: modes::ModeSyntax::default(),
            keepalive_ms: (KEEPALIVE_AFTER_MS, DEAD_AFTER_MS),
            conversations: Vec::new(),
            active: 0,
            focus_on_join: None,
            waiting_notes: Vec::new(),
            out: Vec::new(),
            updates: Vec::new(),
        }
    }

    /// Our lines leave in a burst of `burst`, then one every `interval_ms`
    /// (the defaults suit real servers; tests and benchmarks go faster).
    pub fn with_pace(mut self, burst: u64, interval_ms: u64) -> Session {
        self.pacer = pace::Pacer::new(burst, interval_ms);
        self
    }

    /// Joins the server's own room (its `banter.chat/ROOM` token) instead of
    /// the autojoin rooms, or `fallback` where the server names none: for a
    /// login with nothing but an address.
    pub fn with_server_room(mut self, fallback: &str) -> Session {
        self.autojoin.clear();
        self.server_room_fallback = Some(fallback.to_owned());
        self
    }

    /// Takes back the seat `token` holds (a relaunch after a crash): sent
    /// with `RESUME` when the server offers it.
    pub fn with_resume_token(mut self, token: Option<String>) -> Session {
        self.resume_token = token.filter(|t| !t.is_empty());
        self
    }

    /// The secret that takes our seat back, while the server holds one.
    pub fn resume_token(&self) -> Option<&str> {
        self.resume_token.as_deref()
    }

    /// Logs in as a server operator (`OPER name password`) once registered,
    /// before joining rooms, so that the permanent room makes it an operator.
    pub fn with_oper(mut self, name: &str, password: &str) -> Session {
        self.oper = Some((name.to_owned(), password.to_owned()));
        self
    }

    /// Checks the connection after `after_ms` of silence and gives up on
    /// it `dead_ms` later (defaults: one minute, then thirty seconds).
    pub fn with_keepalive(mut self, after_ms: u64, dead_ms: u64) -> Session {
        self.keepalive_ms = (after_ms, dead_ms);
        self
    }

    /// Lines to send and updates for the screen, produced since the last call.
    pub fn drain(&mut self) -> (Vec<Message>, Vec<Update>) {
        (
            std::mem::take(&mut self.out),
            std::mem::take(&mut self.updates),
        )
    }

    pub fn nick(&self) -> &str {
        &self.nick
    }

    pub fn is_registered(&self) -> bool {
        self.registered
    }

    /// Whether this session ever logged in (a connection lost after that is
    /// retried; one lost while first logging in is not).
    pub fn has_logged_in(&self) -> bool {
        self.ever_registered
    }

    pub fn is_connected(&self) -> bool {
        self.connected
    }

    pub fn echo_message(&self) -> bool {
        self.echo_message
    }

    pub fn conversations(&self) -> &[Conversation] {
        &self.conversations
    }

    pub fn conversation(&self, key: &str) -> Option<&Conversation> {
        self.conversations.iter().find(|c| c.key == key)
    }

    pub fn active(&self) -> Option<&Conversation> {
        self.conversations.get(self.active)
    }

    pub fn active_index(&self) -> usize {
        self.active
    }

    /// The user looks at conversation `index` now; its unread count clears.
    pub fn set_active(&mut self, index: usize) {
        if index < self.conversations.len() {
            self.active = index;
            self.conversations[index].unread = 0;
            self.updates.push(Update::ConversationsChanged);
        }
    }

    /// Opens (or shows) the private conversation with `nick`.
    pub fn open_private(&mut self, nick: &str) {
        if (self.casemap)(nick) == (self.casemap)(&self.nick) {
            return;
        }
        let index = self.ensure_conversation(nick, true);
        self.set_active(index);
    }

    /// A notice in the open conversation (from the app, e.g. "Saved to …").
    /// Before any conversation exists (a certificate remembered while
    /// connecting, say), it waits for the first room.
    pub fn note(&mut self, text: &str, now_ms: u64) {
        if self.conversations.is_empty() {
            if self.waiting_notes.len() < MAX_WAITING_NOTES {
                self.waiting_notes.push(text.to_owned());
            }
            return;
        }
        let i = self.active;
        self.notice_at(i, text, now_ms);
    }

    fn is_me(&self, nick: &str) -> bool {
        (self.casemap)(nick) == (self.casemap)(&self.nick)
    }

    fn ensure_conversation(&mut self, name: &str, private: bool) -> usize {
        let key = (self.casemap)(name);
        if let Some(i) = self.conversations.iter().position(|c| c.key == key) {
            return i;
        }
        self.conversations
            .push(Conversation::new((self.casemap)(name), name, private));
        self.updates.push(Update::ConversationsChanged);
        self.conversations.len() - 1
    }

    /// × on private chat `index`: it goes from the list (a new message
    /// from that person opens it again). Rooms are left with /part.
    pub fn close_conversation(&mut self, index: usize) {
        if let Some(key) = self
            .conversations
            .get(index)
            .filter(|c| c.private)
            .map(|c| c.key.clone())
        {
            self.remove_conversation(&key);
        }
    }

    fn remove_conversation(&mut self, key: &str) {
        if let Some(i) = self.conversations.iter().position(|c| c.key == key) {
            self.conversations.remove(i);
            if self.active >= i && self.active > 0 {
                self.active -= 1;
            }
            self.updates.push(Update::ConversationsChanged);
        }
    }

    fn notice_at(&mut self, index: usize, text: &str, time: u64) {
        let Some(conv) = self.conversations.get(index) else {
            return;
        };
        let key = conv.key.clone();
        let entry = Entry {
            kind: EntryKind::Notice,
            nick: String::new(),
            text: text.to_owned(),
            action: false,
            time_ms: time,
            msgid: None,
            pending: 0,
            mention: false,
            past: false,
            rank: Rank::Member,
        };
        self.push_entry(&key, entry);
    }

    fn push_entry(&mut self, key: &str, mut entry: Entry) {
        let Some(i) = self.conversations.iter().position(|c| c.key == key) else {
            return;
        };
        if entry.kind != EntryKind::Notice {
            entry.rank = self.rank_in(&self.conversations[i], &(self.casemap)(&entry.nick));
        }
        if i != self.active && entry.kind == EntryKind::Other {
            self.conversations[i].unread += 1;
            self.updates.push(Update::ConversationsChanged);
        }
        self.updates.push(Update::Entry {
            key: key.to_owned(),
            entry,
        });
    }
}

#[cfg(test)]
mod tests;
