//! Getting and keeping a connection logged in: what a new connection sends
//! (CAP, PASS, NICK, USER), the capability talk, the welcome (001) and what
//! follows it, login errors and nickname retries, what the server says about
//! itself (005, the resume token), the keepalive, and losing the connection.

use crate::proto::names;
use crate::proto::{command, numeric, Message};

use super::{msg, tr, LoginError, Session, Update};

/// Stand-ins tried after a reconnect finds the name taken (`ming_`,
/// `ming_2`, `ming_3`) before the user is asked for another.
pub const MAX_NICK_VARIANTS: u8 = 3;

/// How often a stand-in asks for the chosen name back.
const RECLAIM_EVERY_MS: u64 = 30_000;

/// Capabilities the client asks for when the server offers them.
const WANTED_CAPS: &[&str] = &[
    "server-time",
    "echo-message",
    // Every status a member has, so losing `@` still shows their `+`.
    "multi-prefix",
    // Everyone's address in NAMES: a ban keeps a computer out, not a name.
    "userhost-in-names",
    "message-tags",
    "batch",
    "draft/chathistory",
    "banter.chat/resume",
    // Deleting a message (yours, or any as a host).
    "draft/message-redaction",
    // Echoes and refusals tied to the line that caused them (needs batch).
    "labeled-response",
];

impl Session {
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
        self.labeled = false;
        self.chathistory = false;
        self.redaction = false;
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

    /// `CAP <me> LS|ACK|NAK :<caps>`: asks for the [`WANTED_CAPS`] the server
    /// offers, then ends the talk (taking our seat back first if we hold one).
    pub(super) fn on_cap(&mut self, m: &Message) {
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
                        "labeled-response" => self.labeled = true,
                        "-labeled-response" => self.labeled = false,
                        "draft/chathistory" => self.chathistory = true,
                        "draft/message-redaction" => self.redaction = true,
                        "banter.chat/resume" => resume = true,
                        _ => {}
                    }
                }
                if !self.registered {
                    // Take our seat back if the server still holds it.
                    match self.resume_token.clone() {
                        Some(token) if resume => self.out.push(msg(command::RESUME, &[&token])),
                        // No resuming here after all: a 433 set aside for
                        // it is asked for again.
                        Some(_) => {
                            self.resume_token = None;
                            let nick = self.nick.clone();
                            self.out.push(msg(command::NICK, &[&nick]));
                        }
                        None => {}
                    }
                    self.out.push(msg(command::CAP, &["END"]));
                }
            }
            "NAK" if !self.registered => self.out.push(msg(command::CAP, &["END"])),
            _ => {}
        }
    }

    /// `005`: how the server compares names, and how its MODE lines read.
    pub(super) fn on_isupport(&mut self, params: &[String]) {
        if let Some(map) = params.iter().find_map(|t| t.strip_prefix("CASEMAPPING=")) {
            self.casemap = names::casemapping(map);
        }
        for token in params {
            self.mode_syntax.learn(token);
        }
        let room = params.iter().find_map(|t| {
            t.strip_prefix(numeric::ISUPPORT_ROOM)?
                .strip_prefix('=')
                .map(unescape_isupport)
        });
        if let Some(room) = room.filter(|r| names::validate_channel(r).is_ok()) {
            self.server_room = Some((self.casemap)(&room));
            if std::mem::take(&mut self.awaiting_server_room) {
                self.out.push(msg(command::JOIN, &[&room]));
            }
        }
    }

    /// The end of the MOTD (`376` or `422`), which follows the ISUPPORT
    /// lines: a server that named no room of its own gets the fallback.
    pub(super) fn on_end_of_motd(&mut self) {
        if std::mem::take(&mut self.awaiting_server_room) {
            if let Some(room) = self.server_room_fallback.clone() {
                self.out.push(msg(command::JOIN, &[&room]));
            }
        }
    }

    /// `RESUME TOKEN <token>`: the secret that takes our seat back after a drop.
    pub(super) fn on_resume_token(&mut self, m: &Message) {
        if let (Some("TOKEN"), Some(token)) = (m.param(0), m.param(1).filter(|t| !t.is_empty())) {
            self.resume_token = Some(token.to_owned());
            self.updates.push(Update::ResumeTokenChanged);
        }
    }

    /// `001 <me> :<welcome>`: logged in. Joins the rooms we were in (the
    /// autojoin ones the first time), logs in as host if asked, and sends
    /// what waited.
    pub(super) fn on_welcome(&mut self, nick: &str, time: u64) {
        if !nick.is_empty() {
            self.nick = nick.to_owned();
        }
        self.registered = true;
        self.login_failed = false;
        self.nick_variants = 0;
        self.updates.push(Update::Registered);
        self.updates.push(Update::NickChanged);
        let rooms: Vec<String> = if self.ever_registered {
            self.conversations
                .iter()
                .filter(|c| !c.private && c.removed.is_none())
                .map(|c| c.name.clone())
                .collect()
        } else {
            // Given only an address: wait for the server to name its room.
            self.awaiting_server_room = self.server_room_fallback.is_some();
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

    /// `433` or `432` while logging in. After a reconnect our old connection
    /// may still hold the name, so a variant is tried; otherwise the login
    /// form says why and the user picks another.
    pub(super) fn on_nick_refused(&mut self, m: &Message) {
        let taken = m.command == numeric::ERR_NICKNAMEINUSE;
        // Our own held seat holds the name: RESUME (sent after the
        // capability talk) takes it back; should that fail, the name is
        // asked for again and the answer then is the one to show.
        let resuming = self.resume_token.is_some()
            && self.caps_offered.iter().any(|c| c == "banter.chat/resume");
        if taken && !self.ever_registered && resuming {
            return;
        }
        if self.ever_registered && taken && self.nick_variants < MAX_NICK_VARIANTS {
            // After a reconnect our old connection may still hold the name:
            // a bounded stand-in, and the chosen name back when it is free.
            self.nick_variants += 1;
            let nick = match self.nick_variants {
                1 => format!("{}_", self.chosen_nick),
                n => format!("{}_{n}", self.chosen_nick),
            };
            self.try_nick(&nick);
            return;
        }
        self.login_failed = true;
        let nick = m.param(1).unwrap_or("").to_owned();
        // Banter's own reasons have a sentence in the user's language;
        // another server's words are shown as they are.
        let reason = m.params.last().map_or("", String::as_str);
        let error = match (taken, reason) {
            (true, names::LOOKALIKE_REASON) => LoginError::NickLookalike(nick),
            (true, _) => LoginError::NickTaken(nick),
            (false, names::MIXED_SCRIPTS_REASON) => LoginError::NickInvalid {
                nick,
                reason: tr::NAME_MIXED_SCRIPTS.to_string(),
            },
            (false, _) => LoginError::NickInvalid {
                nick,
                reason: reason.to_owned(),
            },
        };
        self.updates.push(Update::LoginFailed(error));
    }

    /// The chosen name came back into use while we wear a stand-in: a
    /// `433` for it is set aside, and it is asked for again later.
    pub(super) fn on_reclaim_refused(&mut self) {
        self.reclaiming = false;
    }

    /// Whether a `433` for `nick` answers our asking for the chosen name.
    pub(super) fn is_reclaim(&self, nick: &str) -> bool {
        self.reclaiming && (self.casemap)(nick) == (self.casemap)(&self.chosen_nick)
    }

    /// Tries another nickname during login (after "name taken").
    /// The user's choice, which a stand-in later gives way to.
    pub fn retry_nick(&mut self, nick: &str) {
        self.chosen_nick = nick.to_owned();
        self.try_nick(nick);
    }

    fn try_nick(&mut self, nick: &str) {
        self.nick = nick.to_owned();
        self.login_failed = false;
        self.out.push(msg(command::NICK, &[nick]));
    }

    /// `464` while logging in: the server's password was wrong.
    pub(super) fn on_bad_password(&mut self) {
        self.login_failed = true;
        self.updates
            .push(Update::LoginFailed(LoginError::BadPassword));
    }

    /// `ERROR :<reason>`: the server is closing the connection. On the first
    /// login the form shows why; later the reason stands in for the bare
    /// "connection closed" that losing the socket would say.
    pub(super) fn on_error(&mut self, reason: &str) {
        if !self.registered && !self.login_failed && !self.ever_registered {
            self.login_failed = true;
            self.updates
                .push(Update::LoginFailed(LoginError::Refused(reason.to_owned())));
        } else {
            self.last_error = Some(reason.to_owned());
        }
    }

    /// Checks the connection: a PING after [`KEEPALIVE_AFTER_MS`] of silence,
    /// and [`Update::ConnectionDead`] when it goes unanswered for
    /// [`DEAD_AFTER_MS`]. Call it every second or so.
    ///
    /// [`KEEPALIVE_AFTER_MS`]: super::KEEPALIVE_AFTER_MS
    /// [`DEAD_AFTER_MS`]: super::DEAD_AFTER_MS
    pub fn tick(&mut self, now_ms: u64) {
        if !self.connected {
            return;
        }
        self.release(now_ms);
        // Wearing a stand-in: ask for the chosen name back now and then.
        if self.registered
            && (self.casemap)(&self.nick) != (self.casemap)(&self.chosen_nick)
            && now_ms.saturating_sub(self.reclaimed_ms) >= RECLAIM_EVERY_MS
        {
            self.reclaimed_ms = now_ms;
            self.reclaiming = true;
            let chosen = self.chosen_nick.clone();
            self.out.push(msg(command::NICK, &[&chosen]));
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
        again.extend(self.paced.drain(..));
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
}

/// An ISUPPORT value with its `\xHH` escapes undone (a space, `=`, `\`).
fn unescape_isupport(value: &str) -> String {
    let mut out = Vec::with_capacity(value.len());
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 2..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (
            bytes[i],
            bytes.get(i + 1),
            hex.and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'\\', Some(b'x'), Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
