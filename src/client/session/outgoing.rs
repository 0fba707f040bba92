//! What we say: typed lines (`on_input`), sent at once or queued while the
//! connection is away, cut into pieces that fit one line, sent at a pace
//! servers accept, and remembered until the server's echo confirms them, so
//! that a dropped connection sends them again rather than losing them.

use crate::proto::command;
use crate::proto::message::Tag;
use crate::proto::names::is_channel;

use super::input::{self, Input, InputError};
use super::{msg, tr, Entry, EntryKind, NotSent, Rank, Session, Update, CTCP};

/// Lines typed while disconnected that wait to be sent.
const MAX_QUEUED: usize = 100;
/// Pieces said but not yet confirmed (waiting for the pacer or the echo):
/// about 400 KB of text. A paste past it is refused with the reason, and
/// stays in the box.
pub(super) const MAX_IN_FLIGHT: usize = 1000;
/// IRC's line, `\r\n` included, as every server relays it.
const IRC_LINE: usize = 512;
/// Bytes of the `user@host` in our source until our JOIN shows the real
/// one: a long IPv6 host fits.
const ASSUMED_USERHOST: usize = 72;

/// A line of ours on its way: where to, what, the id of its entry on
/// screen, and the label it was sent with (empty before it is sent, or
/// without `labeled-response`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Outgoing {
    pub(super) to: String,
    pub(super) text: String,
    pub(super) action: bool,
    pub(super) id: u64,
    pub(super) label: String,
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
    /// A line the user typed. `Err` leaves the text in the box, and says why.
    /// Text of several lines (Shift+Enter, a paste) is said line by line,
    /// in order, all or nothing; a command takes one line only.
    pub fn on_input(&mut self, line: &str, now_ms: u64) -> Result<(), NotSent> {
        let text = line.trim_matches(['\r', '\n']);
        if text.contains('\n') && !text.trim_start().starts_with('/') {
            return self.say_lines(text, now_ms);
        }
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
            Input::Invite(nick) => {
                let conv = self
                    .active()
                    .filter(|c| !c.private)
                    .ok_or(tr::INVITE_FROM_A_ROOM.text())?;
                let room = conv.name.clone();
                self.out.push(msg(command::INVITE, &[&nick, &room]));
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

    /// Several lines said in the open conversation (or kept for when the
    /// connection is back), blank ones left out.
    fn say_lines(&mut self, text: &str, now_ms: u64) -> Result<(), NotSent> {
        let lines: Vec<String> = text
            .split('\n')
            .map(input::sanitise)
            .filter(|l| !l.trim().is_empty())
            .collect();
        if !self.registered {
            if self.queued.len() + lines.len() > MAX_QUEUED {
                return Err(tr::TOO_MANY_QUEUED.to_string().into());
            }
            for line in lines {
                self.queue_while_away(Input::Say(line), now_ms)?;
            }
            return Ok(());
        }
        self.say_all(&lines, false, now_ms)
    }

    /// Says `text` in the open conversation, in pieces that fit one line.
    fn say(&mut self, text: &str, action: bool, now_ms: u64) -> Result<(), NotSent> {
        self.say_all(&[text.to_owned()], action, now_ms)
    }

    /// Says each of `texts` in the open conversation, in pieces that fit one
    /// line: all of them, or (past the bound on what may be in flight) none.
    fn say_all(&mut self, texts: &[String], action: bool, now_ms: u64) -> Result<(), NotSent> {
        let conv = self.active().ok_or(tr::JOIN_A_ROOM_FIRST.text())?;
        // Refused here with the reason, so the text stays in the box rather
        // than going out only to come back as an error.
        if let Some(why) = self.cannot_talk(conv) {
            return Err(NotSent::CannotTalk(why));
        }
        let (target, key) = (conv.name.clone(), conv.key.clone());
        let budget = self.piece_budget(&target, action);
        let pieces: Vec<&str> = texts.iter().flat_map(|t| split_text(t, budget)).collect();
        if self.paced.len() + self.unconfirmed.len() + pieces.len() > MAX_IN_FLIGHT {
            return Err(tr::TOO_MUCH_AT_ONCE.to_string().into());
        }
        for piece in pieces {
            // With echo-message the line shows as pending until it comes back.
            let id = if self.echo_message {
                self.local_id()
            } else {
                0
            };
            self.push_own(&key, piece, action, id, now_ms);
            self.send_piece(&target, piece, action, id);
        }
        self.release(now_ms);
        Ok(())
    }

    /// Bytes of text that fit one PRIVMSG to `target` once the server puts
    /// our source (`:nick!user@host `) in front of it to relay it: a piece
    /// cut to this arrives whole for everyone.
    fn piece_budget(&self, target: &str, action: bool) -> usize {
        let userhost = self.own_userhost_len.unwrap_or(ASSUMED_USERHOST);
        let source = ":! ".len() + self.nick.len() + userhost;
        let overhead = source
            + "PRIVMSG  :\r\n".len()
            + target.len()
            + if action { "\u{1}ACTION \u{1}".len() } else { 0 };
        IRC_LINE.saturating_sub(overhead).max(64)
    }

    /// Our source as the server shows it (`nick!user@host`), from our own
    /// JOIN: the `user@host` part sets how long our pieces may be.
    pub(super) fn learn_own_source(&mut self, source: &str) {
        if let Some((_, userhost)) = source.split_once('!') {
            self.own_userhost_len = Some(userhost.len());
        }
    }

    /// Sends what the pacer allows of the pieces waiting, in order: a burst
    /// at once, then a steady pace (the one-second tick takes the rest).
    pub(super) fn release(&mut self, now_ms: u64) {
        if !self.registered {
            return;
        }
        while !self.paced.is_empty() && self.pacer.take(now_ms) {
            let Some(mut o) = self.paced.pop_front() else {
                break;
            };
            let wire = if o.action {
                format!("{CTCP}ACTION {}{CTCP}", o.text)
            } else {
                o.text.clone()
            };
            let mut line = msg(command::PRIVMSG, &[&o.to, &wire]);
            if self.labeled {
                self.next_label += 1;
                o.label = format!("b{}", self.next_label);
                line.tags.push(Tag {
                    key: "label".into(),
                    value: o.label.clone(),
                });
            }
            self.out.push(line);
            if self.echo_message {
                self.unconfirmed.push(o);
            }
        }
    }

    /// Pieces said and not yet confirmed by their echo (or, without
    /// echo-message, not yet sent).
    pub fn in_flight(&self) -> usize {
        self.paced.len() + self.unconfirmed.len()
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
            label: String::new(),
        });
        Ok(())
    }

    /// Sends the lines that waited for conversation `key` (all private ones
    /// when `key` is `None`), in the order they were typed.
    pub(super) fn flush_queued(&mut self, key: Option<&str>, now_ms: u64) {
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
            for piece in split_text(&o.text, self.piece_budget(&target, o.action)) {
                self.send_piece(&target, piece, o.action, o.id);
            }
        }
        self.release(now_ms);
    }

    /// One PRIVMSG in line for the pacer; once sent, remembered until
    /// echoed (with echo-message).
    fn send_piece(&mut self, target: &str, piece: &str, action: bool, id: u64) {
        self.paced.push_back(Outgoing {
            to: target.to_owned(),
            text: piece.to_owned(),
            action,
            id,
            label: String::new(),
        });
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
            rank: Rank::Member,
        };
        self.push_entry(key, entry);
    }

    fn local_id(&mut self) -> u64 {
        self.next_local_id += 1;
        self.next_local_id
    }

    /// Our own line came back in conversation `i`: a live echo, or found in
    /// history after a reconnect (then it must not be sent again). When it is
    /// one we were waiting for, its pending entry on screen becomes this
    /// line; whether it was. A live echo is matched by its `label`, so that
    /// a line the server shortened, or the same words said twice, still
    /// finds its own entry; without one (history, another server), by text.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn confirm_own(
        &mut self,
        i: usize,
        text: &str,
        action: bool,
        msgid: Option<&str>,
        label: Option<&str>,
        time: u64,
        past: bool,
    ) -> bool {
        let key = self.conversations[i].key.clone();
        let casemap = self.casemap;
        let matches = |o: &Outgoing| casemap(&o.to) == key && o.text == text && o.action == action;
        let by_label = label
            .filter(|l| !l.is_empty())
            .and_then(|l| self.unconfirmed.iter().position(|o| o.label == l));
        let confirmed = match by_label.or_else(|| self.unconfirmed.iter().position(matches)) {
            Some(j) => Some(self.unconfirmed.remove(j)),
            None if past => self
                .queued
                .iter()
                .position(matches)
                .map(|j| self.queued.remove(j)),
            None => None,
        };
        let Some(o) = confirmed else {
            return false;
        };
        if let Some(id) = msgid {
            self.conversations[i].remember_id(id);
        }
        self.updates.push(Update::Delivered {
            key,
            id: o.id,
            time_ms: time,
            msgid: msgid.map(str::to_owned),
        });
        true
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
}
