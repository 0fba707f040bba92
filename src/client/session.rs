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

use std::collections::BTreeMap;

use crate::proto::names::{self, is_channel};
use crate::proto::time::parse_server_time;
use crate::proto::Message;
use crate::proto::{command, numeric};

use super::input::{self, Input, InputError};
use super::tr;

mod room;
pub use room::{HostAction, Member, RoomModes};

/// A conversation's key: the folded name of the room or person.
pub type ConvKey = String;

/// Capabilities the client asks for when the server offers them.
const WANTED_CAPS: &[&str] = &[
    "server-time",
    "echo-message",
    // Every status a member has, so losing `@` still shows their `+`.
    "multi-prefix",
    "message-tags",
    "batch",
    "draft/chathistory",
    "banter.chat/resume",
];
/// Message ids remembered per conversation to drop lines seen twice (a
/// replay or a history fetch overlapping what arrived live).
const SEEN_IDS: usize = 1000;
/// Lines fetched with CHATHISTORY when entering a room for the first time.
const FIRST_FETCH: usize = 50;
/// Lines fetched after a reconnect (the server caps it too).
const CATCH_UP_FETCH: usize = 100;
/// Silence after which the client checks the connection with a PING.
pub const KEEPALIVE_AFTER_MS: u64 = 60_000;
/// Time a PING may go unanswered before the connection counts as dead.
pub const DEAD_AFTER_MS: u64 = 30_000;
/// Most members a room's list keeps (a server could name endless ones).
const MAX_MEMBERS: usize = 10_000;
/// Notes kept until the first room is joined (see [`Session::note`]).
const MAX_WAITING_NOTES: usize = 8;
/// Lines typed while disconnected that wait to be sent.
const MAX_QUEUED: usize = 100;
/// Bytes of `PRIVMSG <target> :<text>\r\n` we send, leaving 100 bytes of
/// IRC's 512-byte line for the sender prefix the server adds when relaying.
const LINE_BUDGET: usize = 412;
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
    },
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
    /// The last local id given to a line of ours.
    next_local_id: u64,
    /// How the server compares names (its `CASEMAPPING`): conversation keys
    /// and "is this me" follow it, so `[bob]` and `{bob}` are one person on
    /// an rfc1459 server and two on others.
    casemap: fn(&str) -> String,
    /// How the server's MODE lines take parameters.
    mode_syntax: room::ModeSyntax,
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

/// A line to send: `command` is one of [`command`]'s names.
fn msg(command: &'static str, params: &[&str]) -> Message {
    Message::new(command, params.iter().map(|p| (*p).to_owned()).collect())
}

/// A line of ours on its way: where to, what, and the id of its entry on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outgoing {
    to: String,
    text: String,
    action: bool,
    id: u64,
}

/// Bytes of text that fit one PRIVMSG to `target` (see [`LINE_BUDGET`]).
fn piece_budget(target: &str, action: bool) -> usize {
    let overhead =
        "PRIVMSG  :\r\n".len() + target.len() + if action { "\u{1}ACTION \u{1}".len() } else { 0 };
    LINE_BUDGET.saturating_sub(overhead).max(64)
}

/// Splits text into pieces of at most `max` bytes, at a space when one is near.
pub fn split_text(text: &str, max: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut cut = max;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if let Some(space) = rest[..cut].rfind(' ').filter(|&i| i > max / 2) {
            cut = space + 1;
        }
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
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
            connected: false,
            registered: false,
            ever_registered: false,
            login_failed: false,
            last_error: None,
            caps_offered: Vec::new(),
            echo_message: false,
            chathistory: false,
            resume_token: None,
            batches: BTreeMap::new(),
            last_heard_ms: 0,
            ping_sent_ms: None,
            queued: Vec::new(),
            unconfirmed: Vec::new(),
            next_local_id: 0,
            casemap: names::fold,
            mode_syntax: room::ModeSyntax::default(),
            keepalive_ms: (KEEPALIVE_AFTER_MS, DEAD_AFTER_MS),
            conversations: Vec::new(),
            active: 0,
            focus_on_join: None,
            waiting_notes: Vec::new(),
            out: Vec::new(),
            updates: Vec::new(),
        }
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

    /// The connection is up: start registering.
    pub fn on_connected(&mut self) {
        self.on_connected_at(0);
    }

    /// [`Session::on_connected`], knowing the time (keepalive counts from it).
    pub fn on_connected_at(&mut self, now_ms: u64) {
        self.connected = true;
        self.last_heard_ms = now_ms;
        self.registered = false;
        self.last_error = None;
        self.login_failed = false;
        self.caps_offered.clear();
        self.echo_message = false;
        self.chathistory = false;
        self.batches.clear();
        self.ping_sent_ms = None;
        for conv in &mut self.conversations {
            conv.fetching = false;
            conv.held.clear();
        }
        self.out.push(msg(command::CAP, &["LS", "302"]));
        if let Some(pw) = self.password.clone() {
            self.out.push(msg(command::PASS, &[&pw]));
        }
        let nick = self.nick.clone();
        self.out.push(msg(command::NICK, &[&nick]));
        let realname = self.realname.clone();
        self.out
            .push(msg(command::USER, &["banter", "0", "*", &realname]));
    }

    /// The connection is gone; rooms are rejoined when it comes back.
    pub fn on_disconnected(&mut self, reason: &str, now_ms: u64) {
        if !self.connected {
            return;
        }
        self.connected = false;
        let was_registered = std::mem::replace(&mut self.registered, false);
        let reason = self.last_error.take().unwrap_or_else(|| reason.to_owned());
        // What the server never echoed may never have arrived: send it again
        // (first, in the order typed) once the connection is back.
        let mut again = std::mem::take(&mut self.unconfirmed);
        again.append(&mut self.queued);
        self.queued = again;
        // Who hosts and what is muted is told again on rejoining; until
        // then no host controls or mute banners from before.
        for conv in self.conversations.iter_mut().filter(|c| !c.private) {
            conv.forget_status();
            self.updates.push(Update::MembersChanged(conv.key.clone()));
        }
        if was_registered {
            for i in 0..self.conversations.len() {
                let text = tr::CONNECTION_LOST.fill(&[("reason", &reason)]);
                self.notice_at(i, &text, now_ms);
            }
        }
    }

    /// Tries another nickname during login (after "name taken").
    pub fn retry_nick(&mut self, nick: &str) {
        self.nick = nick.to_owned();
        self.login_failed = false;
        self.out.push(msg(command::NICK, &[nick]));
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

    /// The answer to "Leave the chat room?".
    pub fn confirm_exit(&mut self, leave: bool) {
        if leave {
            self.quit("Leaving");
        }
    }

    fn quit(&mut self, reason: &str) {
        if self.connected {
            self.out.push(msg(command::QUIT, &[reason]));
        }
        self.updates.push(Update::Quit);
    }

    /// A line the user typed. `Err` leaves the text in the box, and says why.
    pub fn on_input(&mut self, line: &str, now_ms: u64) -> Result<(), NotSent> {
        let input = match input::parse(line) {
            Ok(i) => i,
            Err(InputError::Empty) => return Err(NotSent::Empty),
            Err(e) => return Err(NotSent::Because(e.to_string())),
        };
        match input {
            Input::Exit => {
                self.updates.push(Update::ConfirmExit);
                return Ok(());
            }
            Input::Quit(reason) => {
                self.quit(reason.as_deref().unwrap_or("Leaving"));
                return Ok(());
            }
            Input::Help => {
                let i = self.active;
                self.notice_at(i, tr::HELP.text(), now_ms);
                return Ok(());
            }
            _ => {}
        }
        if !self.registered {
            return self.queue_while_away(input, now_ms);
        }
        match input {
            Input::Say(text) => self.say(&text, false, now_ms)?,
            Input::Action(text) => self.say(&text, true, now_ms)?,
            Input::Msg { to, text } => {
                if is_channel(&to) {
                    return Err(tr::MSG_IS_FOR_PEOPLE.to_string().into());
                }
                self.open_private(&to);
                self.say(&text, false, now_ms)?;
            }
            Input::Nick(nick) => self.out.push(msg(command::NICK, &[&nick])),
            Input::Join(room) => {
                let key = (self.casemap)(&room);
                if let Some(i) = self.conversations.iter().position(|c| c.key == key) {
                    self.set_active(i);
                } else {
                    self.focus_on_join = Some(key);
                    self.out.push(msg(command::JOIN, &[&room]));
                }
            }
            Input::Part(reason) => {
                let conv = self.active().ok_or(tr::NOTHING_TO_LEAVE.text())?.clone();
                if conv.private {
                    self.remove_conversation(&conv.key);
                } else {
                    let mut params = vec![conv.name.as_str()];
                    params.extend(reason.as_deref());
                    self.out.push(msg(command::PART, &params));
                }
            }
            Input::Topic(text) => {
                let conv = self
                    .active()
                    .filter(|c| !c.private)
                    .ok_or(tr::TOPICS_ARE_FOR_ROOMS.text())?
                    .clone();
                match text {
                    Some(t) => self.out.push(msg(command::TOPIC, &[&conv.name, &t])),
                    None if conv.topic.is_empty() => {
                        self.notice_at(self.active, tr::NO_TOPIC.text(), now_ms)
                    }
                    None => {
                        let text = tr::TOPIC_IS.fill(&[("topic", &conv.topic)]);
                        self.notice_at(self.active, &text, now_ms);
                    }
                }
            }
            Input::Exit | Input::Quit(_) | Input::Help => {}
        }
        Ok(())
    }

    /// While disconnected, what is said waits (in order, bounded) and goes
    /// out once the connection and its room are back; anything else waits
    /// for the user to type it again.
    fn queue_while_away(&mut self, input: Input, now_ms: u64) -> Result<(), NotSent> {
        let (to, text, action) = match input {
            Input::Say(text) => (self.active().map(|c| c.name.clone()), text, false),
            Input::Action(text) => (self.active().map(|c| c.name.clone()), text, true),
            Input::Msg { to, text } if !is_channel(&to) => {
                self.open_private(&to);
                (Some(to), text, false)
            }
            _ => return Err(tr::NOT_CONNECTED.to_string().into()),
        };
        let to = to.ok_or(tr::JOIN_A_ROOM_FIRST.text())?;
        if self.queued.len() >= MAX_QUEUED {
            return Err(tr::TOO_MANY_QUEUED.to_string().into());
        }
        let id = self.local_id();
        if let Some(i) = self
            .conversations
            .iter()
            .position(|c| c.key == (self.casemap)(&to))
        {
            self.notice_at(i, &tr::QUEUED.fill(&[("text", &text)]), now_ms);
            let key = self.conversations[i].key.clone();
            self.push_own(&key, &text, action, id, now_ms);
        }
        self.queued.push(Outgoing {
            to,
            text,
            action,
            id,
        });
        Ok(())
    }

    /// Sends the lines that waited for conversation `key` (all private ones
    /// when `key` is `None`), in the order they were typed.
    fn flush_queued(&mut self, key: Option<&str>, _now_ms: u64) {
        let (go, stay): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.queued)
                .into_iter()
                .partition(|o| match key {
                    Some(k) => (self.casemap)(&o.to) == k,
                    None => !is_channel(&o.to),
                });
        self.queued = stay;
        for o in go {
            let Some(conv) = self
                .conversations
                .iter()
                .find(|c| c.key == (self.casemap)(&o.to))
            else {
                continue;
            };
            // Its entry is already on screen, pending: send it, show nothing new.
            let target = conv.name.clone();
            for piece in split_text(&o.text, piece_budget(&target, o.action)) {
                self.send_piece(&target, piece, o.action, o.id);
            }
        }
    }

    fn local_id(&mut self) -> u64 {
        self.next_local_id += 1;
        self.next_local_id
    }

    /// Our line on screen: pending until the echo confirms it when the server
    /// echoes (`id`), else at once.
    fn push_own(&mut self, key: &str, text: &str, action: bool, id: u64, now_ms: u64) {
        let entry = Entry {
            kind: EntryKind::Own,
            nick: self.nick.clone(),
            text: text.to_owned(),
            action,
            time_ms: now_ms,
            msgid: None,
            pending: id,
            mention: false,
            past: false,
        };
        self.push_entry(key, entry);
    }

    /// One PRIVMSG on the wire, remembered until echoed (with echo-message).
    fn send_piece(&mut self, target: &str, piece: &str, action: bool, id: u64) {
        let wire = if action {
            format!("{CTCP}ACTION {piece}{CTCP}")
        } else {
            piece.to_owned()
        };
        self.out.push(msg(command::PRIVMSG, &[target, &wire]));
        if self.echo_message && self.unconfirmed.len() < MAX_QUEUED {
            self.unconfirmed.push(Outgoing {
                to: target.to_owned(),
                text: piece.to_owned(),
                action,
                id,
            });
        }
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

    /// Checks the connection: a PING after [`KEEPALIVE_AFTER_MS`] of silence,
    /// and [`Update::ConnectionDead`] when it goes unanswered for
    /// [`DEAD_AFTER_MS`]. Call it every second or so.
    pub fn tick(&mut self, now_ms: u64) {
        if !self.connected {
            return;
        }
        let (after, dead) = self.keepalive_ms;
        match self.ping_sent_ms {
            Some(sent) if now_ms.saturating_sub(sent) >= dead => {
                self.ping_sent_ms = None;
                self.updates.push(Update::ConnectionDead);
            }
            None if now_ms.saturating_sub(self.last_heard_ms) >= after => {
                self.ping_sent_ms = Some(now_ms);
                self.out.push(msg(command::PING, &["banter-keepalive"]));
            }
            _ => {}
        }
    }

    fn say(&mut self, text: &str, action: bool, now_ms: u64) -> Result<(), NotSent> {
        let conv = self.active().ok_or(tr::JOIN_A_ROOM_FIRST.text())?;
        // Refused here with the reason, so the text stays in the box rather
        // than going out only to come back as an error.
        if let Some(why) = self.cannot_talk(conv) {
            return Err(NotSent::CannotTalk(why));
        }
        let (target, key) = (conv.name.clone(), conv.key.clone());
        for piece in split_text(text, piece_budget(&target, action)) {
            // With echo-message the line shows as pending until it comes back.
            let id = if self.echo_message {
                self.local_id()
            } else {
                0
            };
            self.push_own(&key, piece, action, id, now_ms);
            self.send_piece(&target, piece, action, id);
        }
        Ok(())
    }

    /// One message from the server.
    pub fn on_message(&mut self, m: &Message, now_ms: u64) {
        self.last_heard_ms = now_ms;
        self.ping_sent_ms = None;
        // A line of a history batch belongs to that batch's conversation.
        if let Some(key) = m.tag("batch").and_then(|b| self.batches.get(b)).cloned() {
            let time = m.tag("time").and_then(parse_server_time).unwrap_or(now_ms);
            self.on_history_line(&key, m, time);
            return;
        }
        if m.command.eq_ignore_ascii_case(command::BATCH) {
            self.on_batch(m, now_ms);
            return;
        }
        // Live lines wait while their room's history is being fetched.
        if m.command.eq_ignore_ascii_case(command::PRIVMSG)
            || m.command.eq_ignore_ascii_case(command::NOTICE)
        {
            let target = (self.casemap)(m.param(0).unwrap_or(""));
            if let Some(conv) = self
                .conversations
                .iter_mut()
                .find(|c| c.key == target && c.fetching)
            {
                if conv.held.len() < SEEN_IDS {
                    conv.held.push(m.clone());
                    return;
                }
            }
        }
        let time = m.tag("time").and_then(parse_server_time).unwrap_or(now_ms);
        let from = m.source_nick().unwrap_or("").to_owned();
        let p = |i: usize| m.param(i).unwrap_or("");
        let last = m.params.last().map_or("", String::as_str);
        match m.command.to_ascii_uppercase().as_str() {
            command::PING => self.out.push(msg(command::PONG, &[p(0)])),
            numeric::RPL_ISUPPORT => {
                if let Some(map) = m.params.iter().find_map(|t| t.strip_prefix("CASEMAPPING=")) {
                    self.casemap = names::casemapping(map);
                }
                for token in &m.params {
                    self.mode_syntax.learn(token);
                }
            }
            command::RESUME if p(0) == "TOKEN" && !p(1).is_empty() => {
                self.resume_token = Some(p(1).to_owned());
            }
            command::CAP => self.on_cap(m),
            numeric::RPL_WELCOME => self.on_welcome(p(0), time),
            numeric::ERR_NICKNAMEINUSE | numeric::ERR_ERRONEUSNICKNAME if !self.registered => {
                if self.ever_registered && m.command == numeric::ERR_NICKNAMEINUSE {
                    // Our old connection may still hold the name: take a variant.
                    let nick = format!("{}_", self.nick);
                    self.retry_nick(&nick);
                } else {
                    self.login_failed = true;
                    let error = if m.command == numeric::ERR_NICKNAMEINUSE {
                        LoginError::NickTaken(p(1).to_owned())
                    } else {
                        LoginError::NickInvalid {
                            nick: p(1).to_owned(),
                            reason: last.to_owned(),
                        }
                    };
                    self.updates.push(Update::LoginFailed(error));
                }
            }
            // 464 after registration is a refused OPER, not a bad login.
            numeric::ERR_PASSWDMISMATCH if !self.registered => {
                self.login_failed = true;
                self.updates
                    .push(Update::LoginFailed(LoginError::BadPassword));
            }
            numeric::RPL_YOUREOPER => self.on_host_login(true, time),
            numeric::ERR_PASSWDMISMATCH | numeric::ERR_NOOPERHOST if self.registered => {
                self.on_host_login(false, time)
            }
            command::ERROR if !self.registered && !self.login_failed && !self.ever_registered => {
                self.login_failed = true;
                self.updates
                    .push(Update::LoginFailed(LoginError::Refused(p(0).to_owned())));
            }
            command::ERROR => self.last_error = Some(p(0).to_owned()),
            command::JOIN => self.on_join(&from, p(0), time),
            command::PART => {
                let text = match m.param(1) {
                    Some(reason) => tr::LEFT_BECAUSE.fill(&[("nick", &from), ("reason", &reason)]),
                    None => tr::LEFT.fill(&[("nick", &from)]),
                };
                self.on_leave(&from, p(0), &text, time);
            }
            command::KICK if self.is_me(p(1)) => self.on_removed(p(0), &from, p(2), time),
            command::KICK => {
                let text = tr::REMOVED.fill(&[("nick", &p(1)), ("by", &from), ("reason", &p(2))]);
                self.on_leave(p(1), p(0), &text, time);
            }
            command::MODE => {
                // A change the server made itself (a host logging in) is
                // the server's, not a person called `banter.local`'s.
                let by = if m.source.as_deref().is_some_and(|s| s.contains('!')) {
                    from.clone()
                } else {
                    tr::THE_SERVER.to_string()
                };
                self.on_mode(&by, p(0), m.params.get(1..).unwrap_or(&[]), time)
            }
            numeric::RPL_CHANNELMODEIS => self.on_room_modes(&m.params),
            numeric::RPL_QUIETLIST => self.on_quiet_entry(&m.params),
            numeric::ERR_CANNOTSENDTOCHAN
                if self.registered && self.on_cannot_send(p(1), last, time) => {}
            command::QUIT => self.on_quit(&from, p(0), time),
            command::NICK => self.on_nick(&from, p(0), time),
            command::PRIVMSG | command::NOTICE => self.on_privmsg(m, &from, time),
            numeric::RPL_TOPIC => self.set_topic(p(1), p(2), None, time),
            command::TOPIC => self.set_topic(p(0), p(1), Some(&from), time),
            numeric::RPL_NAMREPLY => {
                if let Some(conv) = self
                    .conversations
                    .iter_mut()
                    .find(|c| c.key == (self.casemap)(p(2)))
                {
                    let pending = conv.names_pending.get_or_insert_with(BTreeMap::new);
                    for name in p(3).split(' ').filter(|n| !n.is_empty()) {
                        // Status prefixes, then any `!user@host` (userhost-in-names).
                        let (symbols, nick) = self.mode_syntax.split_prefix(name);
                        let nick = nick.split('!').next().unwrap_or(nick);
                        if pending.len() < MAX_MEMBERS {
                            let member = self.mode_syntax.member(symbols, nick);
                            pending.insert((self.casemap)(nick), member);
                        }
                    }
                }
            }
            numeric::RPL_ENDOFNAMES => {
                let key = (self.casemap)(p(1));
                if let Some(conv) = self.conversations.iter_mut().find(|c| c.key == key) {
                    if let Some(names) = conv.names_pending.take() {
                        conv.members = names;
                        self.updates.push(Update::MembersChanged(key));
                    }
                }
            }
            command::FAIL if p(0) == command::RESUME => {
                // The seat is gone: we register afresh, nothing to show.
                self.resume_token = None;
            }
            command::FAIL => {
                let i = self.active;
                self.notice_at(i, &tr::SERVER_SAYS.fill(&[("text", &last)]), time);
            }
            code if self.registered && numeric::is_error(code) => self.on_error_numeric(m, time),
            _ => {}
        }
    }

    fn on_cap(&mut self, m: &Message) {
        let sub = m.param(1).unwrap_or("").to_ascii_uppercase();
        let caps = m.params.last().map_or("", String::as_str);
        match sub.as_str() {
            "LS" => {
                self.caps_offered.extend(
                    caps.split(' ')
                        .map(|c| c.split('=').next().unwrap_or(c).to_owned()),
                );
                // `CAP * LS * :...` means more lines follow.
                if m.param(2) == Some("*") {
                    return;
                }
                let wanted: Vec<&str> = WANTED_CAPS
                    .iter()
                    .copied()
                    .filter(|w| self.caps_offered.iter().any(|c| c == w))
                    .collect();
                if wanted.is_empty() {
                    self.out.push(msg(command::CAP, &["END"]));
                } else {
                    self.out
                        .push(msg(command::CAP, &["REQ", &wanted.join(" ")]));
                }
            }
            "ACK" => {
                let mut resume = false;
                for cap in caps.split(' ') {
                    match cap {
                        "echo-message" => self.echo_message = true,
                        "-echo-message" => self.echo_message = false,
                        "draft/chathistory" => self.chathistory = true,
                        "banter.chat/resume" => resume = true,
                        _ => {}
                    }
                }
                if !self.registered {
                    // Take our seat back if the server still holds it.
                    if let Some(token) = self.resume_token.clone().filter(|_| resume) {
                        self.out.push(msg(command::RESUME, &[&token]));
                    }
                    self.out.push(msg(command::CAP, &["END"]));
                }
            }
            "NAK" if !self.registered => self.out.push(msg(command::CAP, &["END"])),
            _ => {}
        }
    }

    fn on_welcome(&mut self, nick: &str, time: u64) {
        if !nick.is_empty() {
            self.nick = nick.to_owned();
        }
        self.registered = true;
        self.login_failed = false;
        self.updates.push(Update::Registered);
        self.updates.push(Update::NickChanged);
        let rooms: Vec<String> = if self.ever_registered {
            self.conversations
                .iter()
                .filter(|c| !c.private && c.removed.is_none())
                .map(|c| c.name.clone())
                .collect()
        } else {
            self.autojoin.clone()
        };
        if self.ever_registered {
            for i in 0..self.conversations.len() {
                self.notice_at(i, tr::RECONNECTED.text(), time);
            }
        }
        self.ever_registered = true;
        if let Some((name, password)) = self.oper.clone() {
            self.out.push(msg(command::OPER, &[&name, &password]));
        }
        if !rooms.is_empty() {
            self.out.push(msg(command::JOIN, &[&rooms.join(",")]));
        }
        self.flush_queued(None, time);
    }

    /// Asks for a room's history: the latest lines the first time, what was
    /// missed after a reconnect.
    fn fetch_history(&mut self, i: usize) {
        if !self.chathistory {
            return;
        }
        let Some(conv) = self.conversations.get_mut(i) else {
            return;
        };
        conv.fetching = true;
        let name = conv.name.clone();
        let request = match &conv.last_msgid {
            Some(id) => {
                conv.away_divider = true;
                msg(
                    command::CHATHISTORY,
                    &[
                        "AFTER",
                        &name,
                        &format!("msgid={id}"),
                        &CATCH_UP_FETCH.to_string(),
                    ],
                )
            }
            None => msg(
                command::CHATHISTORY,
                &["LATEST", &name, "*", &FIRST_FETCH.to_string()],
            ),
        };
        self.out.push(request);
    }

    fn on_batch(&mut self, m: &Message, now_ms: u64) {
        let reference = m.param(0).unwrap_or("");
        if let Some(r) = reference.strip_prefix('+') {
            if m.param(1) == Some("chathistory") {
                let key = (self.casemap)(m.param(2).unwrap_or(""));
                // At most one open batch per conversation we know.
                if self.conversation(&key).is_some() && self.batches.len() < 64 {
                    self.batches.insert(r.to_owned(), key);
                }
            }
        } else if let Some(r) = reference.strip_prefix('-') {
            let Some(key) = self.batches.remove(r) else {
                return;
            };
            let held = match self.conversations.iter_mut().find(|c| c.key == key) {
                Some(conv) => {
                    conv.fetching = false;
                    conv.away_divider = false;
                    std::mem::take(&mut conv.held)
                }
                None => Vec::new(),
            };
            for m in held {
                self.on_message(&m, now_ms);
            }
            self.flush_queued(Some(&key), now_ms);
        }
    }

    /// A line from a history batch: a message is shown (once), nothing
    /// else from the past is (joins and leaves would be noise).
    fn on_history_line(&mut self, key: &str, m: &Message, time: u64) {
        let is_message = m.command.eq_ignore_ascii_case(command::PRIVMSG)
            || m.command.eq_ignore_ascii_case(command::NOTICE);
        if !is_message {
            return;
        }
        if let Some(i) = self.conversations.iter().position(|c| c.key == key) {
            let fresh = m
                .tag("msgid")
                .is_none_or(|id| !self.conversations[i].seen.iter().any(|s| s == id));
            if fresh && self.conversations[i].away_divider {
                self.conversations[i].away_divider = false;
                self.notice_at(i, tr::WHILE_AWAY.text(), time);
            }
        }
        let from = m.source_nick().unwrap_or("").to_owned();
        self.on_privmsg_inner(m, &from, time, true);
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

    fn remove_conversation(&mut self, key: &str) {
        if let Some(i) = self.conversations.iter().position(|c| c.key == key) {
            self.conversations.remove(i);
            if self.active >= i && self.active > 0 {
                self.active -= 1;
            }
            self.updates.push(Update::ConversationsChanged);
        }
    }

    fn on_join(&mut self, who: &str, room: &str, time: u64) {
        if self.is_me(who) {
            let existed = self.conversation(&(self.casemap)(room)).is_some();
            let i = self.ensure_conversation(room, false);
            if self.conversations[i].removed.take().is_some() {
                self.updates
                    .push(Update::MembersChanged(self.conversations[i].key.clone()));
            }
            let first_room = self.conversations.iter().filter(|c| !c.private).count() == 1;
            if self.focus_on_join.as_deref() == Some((self.casemap)(room).as_str())
                || (first_room && !existed)
            {
                self.focus_on_join = None;
                self.set_active(i);
            }
            let text = if existed {
                tr::YOU_ARE_BACK.fill(&[("room", &room)])
            } else {
                tr::YOU_JOINED.fill(&[("room", &room)])
            };
            self.notice_at(i, &text, time);
            for note in std::mem::take(&mut self.waiting_notes) {
                self.notice_at(i, &note, time);
            }
            self.ask_room_state(room);
            self.fetch_history(i);
            // With history, waiting lines go after it has shown which of
            // them did arrive (see on_batch).
            if !self.chathistory {
                self.flush_queued(Some(&(self.casemap)(room)), time);
            }
            return;
        }
        let key = (self.casemap)(room);
        let Some(i) = self.conversations.iter().position(|c| c.key == key) else {
            return;
        };
        let members = &mut self.conversations[i].members;
        if members.len() < MAX_MEMBERS {
            members.insert((self.casemap)(who), Member::new(who));
        }
        self.updates.push(Update::MembersChanged(key));
        self.notice_at(i, &tr::JOINED.fill(&[("nick", &who)]), time);
    }

    fn on_leave(&mut self, who: &str, room: &str, text: &str, time: u64) {
        let key = (self.casemap)(room);
        if self.is_me(who) {
            self.remove_conversation(&key);
            return;
        }
        let Some(i) = self.conversations.iter().position(|c| c.key == key) else {
            return;
        };
        if self.conversations[i]
            .members
            .remove(&(self.casemap)(who))
            .is_some()
        {
            self.updates.push(Update::MembersChanged(key));
        }
        self.notice_at(i, text, time);
    }

    fn on_quit(&mut self, who: &str, reason: &str, time: u64) {
        let folded = (self.casemap)(who);
        let text = if reason.is_empty() {
            tr::QUIT.fill(&[("nick", &who)])
        } else {
            tr::QUIT_BECAUSE.fill(&[("nick", &who), ("reason", &reason)])
        };
        for i in 0..self.conversations.len() {
            let conv = &mut self.conversations[i];
            let was_here = if conv.private {
                conv.key == folded
            } else {
                conv.members.remove(&folded).is_some()
            };
            if was_here {
                if !conv.private {
                    self.updates.push(Update::MembersChanged(conv.key.clone()));
                }
                self.notice_at(i, &text, time);
            }
        }
    }

    fn on_nick(&mut self, old: &str, new: &str, time: u64) {
        let (old_key, new_key) = ((self.casemap)(old), (self.casemap)(new));
        let me = self.is_me(old);
        if me {
            self.nick = new.to_owned();
            self.updates.push(Update::NickChanged);
        }
        let text = if me {
            tr::YOU_ARE_NOW.fill(&[("nick", &new)])
        } else {
            tr::NOW_KNOWN_AS.fill(&[("old", &old), ("new", &new)])
        };
        for i in 0..self.conversations.len() {
            let conv = &mut self.conversations[i];
            let affected = if conv.private {
                if conv.key == old_key {
                    conv.key = new_key.clone();
                    conv.name = new.to_owned();
                    self.updates.push(Update::Renamed {
                        from: old_key.clone(),
                        to: new_key.clone(),
                    });
                    self.updates.push(Update::ConversationsChanged);
                    true
                } else {
                    false
                }
            } else if let Some(mut member) = conv.members.remove(&old_key) {
                member.nick = new.to_owned();
                conv.members.insert(new_key.clone(), member);
                self.updates.push(Update::MembersChanged(conv.key.clone()));
                true
            } else {
                false
            };
            if affected || (me && !conv.private) {
                self.notice_at(i, &text, time);
            }
        }
    }

    fn on_privmsg(&mut self, m: &Message, from: &str, time: u64) {
        self.on_privmsg_inner(m, from, time, false);
    }

    /// A message, live or (`past`) from history: shown once per msgid.
    fn on_privmsg_inner(&mut self, m: &Message, from: &str, time: u64, past: bool) {
        let target = m.param(0).unwrap_or("");
        let Some(mut text) = m.param(1) else { return };
        let notice = m.command.eq_ignore_ascii_case(command::NOTICE);
        // Server notices (no user source), before or after login.
        if m.source.as_deref().is_none_or(|s| !s.contains('!')) {
            if self.registered && !self.conversations.is_empty() {
                let i = self.active;
                self.notice_at(i, &tr::SERVER_SAYS.fill(&[("text", &text)]), time);
            }
            return;
        }
        let mut action = false;
        if let Some(ctcp) = text.strip_prefix(CTCP) {
            let ctcp = ctcp.strip_suffix(CTCP).unwrap_or(ctcp);
            match ctcp.split_once(' ').map_or((ctcp, ""), |(a, b)| (a, b)) {
                ("ACTION", rest) => {
                    action = true;
                    text = rest;
                }
                ("VERSION", _) if !notice && !past => {
                    let reply = format!("{CTCP}VERSION Banter {}{CTCP}", env!("CARGO_PKG_VERSION"));
                    self.out.push(msg(command::NOTICE, &[from, &reply]));
                    return;
                }
                _ => return,
            }
        }
        let own = self.is_me(from);
        // A room's line goes to the room; a private line to the other person,
        // which for our own echoed line is its target.
        let conversation_name = if is_channel(target) || own {
            target
        } else {
            from
        };
        let key = (self.casemap)(conversation_name);
        if is_channel(target) && self.conversation(&key).is_none() {
            return;
        }
        let i = self.ensure_conversation(conversation_name, !is_channel(target));
        if own {
            // Our line came back: delivered (live echo, or found in history
            // after a reconnect, in which case it must not be sent again).
            let k = (self.casemap)(conversation_name);
            let matches =
                |o: &Outgoing| (self.casemap)(&o.to) == k && o.text == text && o.action == action;
            let confirmed = match self.unconfirmed.iter().position(matches) {
                Some(j) => Some(self.unconfirmed.remove(j)),
                None if past => self
                    .queued
                    .iter()
                    .position(matches)
                    .map(|j| self.queued.remove(j)),
                None => None,
            };
            if let Some(o) = confirmed {
                // The pending entry on screen becomes this line.
                if let Some(id) = m.tag("msgid") {
                    self.conversations[i].remember_id(id);
                }
                self.updates.push(Update::Delivered {
                    key: k,
                    id: o.id,
                    time_ms: time,
                });
                return;
            }
        }
        let msgid = m.tag("msgid").map(str::to_owned);
        if let Some(id) = &msgid {
            let conv = &mut self.conversations[i];
            if conv.seen.iter().any(|s| s == id) {
                return;
            }
            conv.remember_id(id);
        }
        let entry = Entry {
            kind: if own {
                EntryKind::Own
            } else {
                EntryKind::Other
            },
            nick: from.to_owned(),
            text: text.to_owned(),
            action,
            time_ms: time,
            mention: !own && mentions(text, &self.nick, self.casemap),
            past,
            msgid,
            pending: 0,
        };
        self.push_entry(&key, entry);
    }

    fn set_topic(&mut self, room: &str, topic: &str, setter: Option<&str>, time: u64) {
        let key = (self.casemap)(room);
        let Some(i) = self.conversations.iter().position(|c| c.key == key) else {
            return;
        };
        self.conversations[i].topic = topic.to_owned();
        self.updates.push(Update::TopicChanged(key));
        let text = match setter {
            Some(who) if topic.is_empty() => tr::TOPIC_CLEARED.fill(&[("nick", &who)]),
            Some(who) => tr::TOPIC_SET.fill(&[("nick", &who), ("topic", &topic)]),
            None => tr::TOPIC_IS.fill(&[("topic", &topic)]),
        };
        self.notice_at(i, &text, time);
    }

    fn on_error_numeric(&mut self, m: &Message, time: u64) {
        // `<code> <me> [<subject>...] :<text>`
        let text = m.params.last().map_or("", String::as_str);
        let subject = m
            .params
            .get(1..m.params.len().saturating_sub(1))
            .map(|s| s.join(" "))
            .unwrap_or_default();
        let line = if subject.is_empty() {
            text.to_owned()
        } else {
            format!("{subject}: {text}")
        };
        let index = m
            .param(1)
            .and_then(|s| {
                self.conversations
                    .iter()
                    .position(|c| c.key == (self.casemap)(s))
            })
            .unwrap_or(self.active);
        self.notice_at(index, &line, time);
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
        };
        self.push_entry(&key, entry);
    }

    fn push_entry(&mut self, key: &str, entry: Entry) {
        let Some(i) = self.conversations.iter().position(|c| c.key == key) else {
            return;
        };
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
