//! What the server says: [`Session::on_message`] dispatches on the command
//! or numeric, one method per family, and this file handles people joining,
//! leaving, renaming and talking. Registration, history and room settings
//! have their own files.

use std::collections::BTreeMap;

use crate::proto::names::is_channel;
use crate::proto::time::parse_server_time;
use crate::proto::{command, numeric, reason, Message};

use super::{mentions, msg, tr, Entry, EntryKind, Member, Rank, Session, Update, CTCP};

/// Most members a room's list keeps (a server could name endless ones).
const MAX_MEMBERS: usize = 10_000;

impl Session {
    /// One message from the server, handled by its command or numeric.
    pub fn on_message(&mut self, m: &Message, now_ms: u64) {
        self.last_heard_ms = now_ms;
        self.ping_sent_ms = None;
        if self.taken_by_history(m, now_ms) {
            return;
        }
        let time = m.tag("time").and_then(parse_server_time).unwrap_or(now_ms);
        let from = m.source_nick().unwrap_or("").to_owned();
        let p = |i: usize| m.param(i).unwrap_or("");
        let last = m.params.last().map_or("", String::as_str);
        // A guarded arm that does not apply falls through: after login, a 433
        // or a 404 for a room we do not know is shown like any other error.
        match m.command.to_ascii_uppercase().as_str() {
            // The connection and logging in (registration.rs).
            command::PING => self.out.push(msg(command::PONG, &[p(0)])),
            command::CAP => self.on_cap(m),
            numeric::RPL_ISUPPORT => self.on_isupport(&m.params),
            numeric::RPL_ENDOFMOTD | numeric::ERR_NOMOTD => self.on_end_of_motd(),
            command::RESUME => self.on_resume_token(m),
            numeric::RPL_WELCOME => self.on_welcome(p(0), time),
            numeric::ERR_NICKNAMEINUSE if self.registered && self.is_reclaim(p(1)) => {
                self.on_reclaim_refused()
            }
            numeric::ERR_NICKNAMEINUSE | numeric::ERR_ERRONEUSNICKNAME if !self.registered => {
                self.on_nick_refused(m)
            }
            // 464 after registration is a refused OPER, not a bad login.
            numeric::ERR_PASSWDMISMATCH if !self.registered => self.on_bad_password(),
            command::ERROR => self.on_error(p(0)),
            // People coming, going and renaming, and what they say (this file).
            command::JOIN => {
                if self.is_me(&from) {
                    self.learn_own_source(m.source.as_deref().unwrap_or(""));
                }
                let address = m.source.as_deref().and_then(|s| s.rsplit_once('@'));
                self.on_join(&from, address.map(|(_, a)| a), p(0), time)
            }
            command::PART => self.on_part(m, &from, time),
            command::KICK => self.on_kick(m, &from, time),
            command::QUIT => self.on_quit(&from, p(0), time),
            command::NICK => self.on_nick(&from, p(0), time),
            numeric::RPL_NAMREPLY => self.on_names(p(2), p(3)),
            numeric::RPL_ENDOFNAMES => self.on_end_of_names(p(1)),
            command::PRIVMSG | command::NOTICE => self.on_privmsg(m, &from, time),
            command::TOPIC => self.set_topic(p(0), p(1), Some(&from), time),
            command::REDACT => self.on_redact(&from, p(0), p(1)),
            command::INVITE => self.on_invite(&from, p(0), p(1), time),
            numeric::RPL_INVITING => {
                let text = tr::YOU_INVITED.fill(&[("nick", &p(1)), ("room", &p(2))]);
                let i = self
                    .conversations
                    .iter()
                    .position(|c| c.key == (self.casemap)(p(2)))
                    .unwrap_or(self.active);
                self.notice_at(i, &text, time);
            }
            numeric::RPL_TOPIC => self.set_topic(p(1), p(2), None, time),
            // Host status and room settings (room.rs).
            numeric::RPL_YOUREOPER => self.on_host_login(true, time),
            numeric::ERR_PASSWDMISMATCH | numeric::ERR_NOOPERHOST if self.registered => {
                self.on_host_login(false, time)
            }
            command::MODE => self.on_mode_line(m, &from, time),
            numeric::RPL_CHANNELMODEIS => self.on_room_modes(&m.params),
            numeric::RPL_QUIETLIST => self.on_quiet_entry(&m.params),
            numeric::RPL_BANLIST => self.on_ban_entry(&m.params),
            numeric::RPL_ENDOFBANLIST => {}
            numeric::ERR_CANNOTSENDTOCHAN
                if self.registered && self.on_cannot_send(p(1), last, m.tag("label"), time) => {}
            // What the server refused.
            command::FAIL => self.on_fail(m, time),
            code if self.registered && numeric::is_error(code) => self.on_error_numeric(m, time),
            _ => {}
        }
    }

    /// `JOIN <room>`: ours opens the room (or finds it again after a
    /// reconnect) and asks for its state and history; anyone else's adds a member.
    fn on_join(&mut self, who: &str, address: Option<&str>, room: &str, time: u64) {
        if self.is_me(who) {
            let existed = self.conversation(&(self.casemap)(room)).is_some();
            let i = self.ensure_conversation(room, false);
            // The server says the topic right after our JOIN (332) if there
            // is one: a notice pinned in a room that closed and opened
            // again (a re-hosted class) must not stay.
            if !self.conversations[i].topic.is_empty() {
                self.conversations[i].topic.clear();
                self.updates
                    .push(Update::TopicChanged(self.conversations[i].key.clone()));
            }
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
            let mut member = Member::new(who);
            member.address = address.map(str::to_owned);
            members.insert((self.casemap)(who), member);
        }
        self.updates.push(Update::MembersChanged(key));
        self.notice_at(i, &tr::JOINED.fill(&[("nick", &who)]), time);
    }

    /// `PART <room> [:<reason>]`
    fn on_part(&mut self, m: &Message, from: &str, time: u64) {
        let text = match m.param(1) {
            Some(reason) => tr::LEFT_BECAUSE.fill(&[("nick", &from), ("reason", &reason)]),
            None => tr::LEFT.fill(&[("nick", &from)]),
        };
        self.on_leave(from, m.param(0).unwrap_or(""), &text, time);
    }

    /// `KICK <room> <nick> [:<reason>]`: someone was removed, or we were.
    fn on_kick(&mut self, m: &Message, by: &str, time: u64) {
        let p = |i: usize| m.param(i).unwrap_or("");
        if self.is_me(p(1)) {
            self.on_removed(p(0), by, p(2), time);
            return;
        }
        let text = tr::REMOVED.fill(&[("nick", &p(1)), ("by", &by), ("reason", &p(2))]);
        self.on_leave(p(1), p(0), &text, time);
    }

    /// Someone left `room` (PART or KICK), saying `text`; when it is us, the
    /// conversation goes.
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

    /// `QUIT [:<reason>]`: said in every room they were in, and in the
    /// private conversation with them.
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

    /// `NICK <new>`: members and a private conversation follow the new name.
    fn on_nick(&mut self, old: &str, new: &str, time: u64) {
        let (old_key, new_key) = ((self.casemap)(old), (self.casemap)(new));
        let me = self.is_me(old);
        if me {
            self.nick = new.to_owned();
            // A name taken while logged in is the user's choice (or the
            // chosen one taken back): no stand-in to give way any more.
            self.chosen_nick = new.to_owned();
            self.reclaiming = false;
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

    /// `353 <me> <kind> <room> :<names>`: part of a room's member list,
    /// gathered until 366 ends it.
    fn on_names(&mut self, room: &str, names: &str) {
        let key = (self.casemap)(room);
        let Some(conv) = self.conversations.iter_mut().find(|c| c.key == key) else {
            return;
        };
        let pending = conv.names_pending.get_or_insert_with(BTreeMap::new);
        for name in names.split(' ').filter(|n| !n.is_empty()) {
            // Status prefixes, then any `!user@host` (userhost-in-names).
            let (symbols, full) = self.mode_syntax.split_prefix(name);
            let nick = full.split('!').next().unwrap_or(full);
            if pending.len() < MAX_MEMBERS {
                let mut member = self.mode_syntax.member(symbols, nick);
                member.address = full.rsplit_once('@').map(|(_, a)| a.to_owned());
                pending.insert((self.casemap)(nick), member);
            }
        }
    }

    /// `366 <me> <room> :End`: the gathered member list replaces the old one.
    /// Alone in a room we run, on a server with owners (Banter's `+O`), we
    /// just created it: we make ourselves its owner, so that a co-host we
    /// name later cannot lock us out.
    fn on_end_of_names(&mut self, room: &str) {
        let key = (self.casemap)(room);
        let me = (self.casemap)(&self.nick);
        let can_own = self.mode_syntax.has_owner_mode();
        let Some(conv) = self.conversations.iter_mut().find(|c| c.key == key) else {
            return;
        };
        let Some(names) = conv.names_pending.take() else {
            return;
        };
        let created = can_own
            && names.len() == 1
            && names.get(&me).is_some_and(|m| m.host && !m.owner)
            && conv.members.keys().all(|k| *k == me);
        conv.members = names;
        self.updates.push(Update::MembersChanged(key));
        if created {
            let nick = self.nick.clone();
            self.out.push(msg(command::MODE, &[room, "+O", &nick]));
        }
    }

    /// `PRIVMSG` or `NOTICE <target> :<text>`, live.
    fn on_privmsg(&mut self, m: &Message, from: &str, time: u64) {
        self.on_privmsg_inner(m, from, time, false);
    }

    /// A message, live or (`past`) from history: shown once per msgid.
    pub(super) fn on_privmsg_inner(&mut self, m: &Message, from: &str, time: u64, past: bool) {
        let target = m.param(0).unwrap_or("");
        let Some(mut text) = m.param(1) else { return };
        let notice = m.command.eq_ignore_ascii_case(command::NOTICE);
        // Server notices (no user source), before or after login.
        if m.source.as_deref().is_none_or(|s| !s.contains('!')) {
            // A room's new private-chat rule in words, for other clients:
            // the MODE line beside it is shown in the user's language.
            let rule_said = [
                reason::PRIVATE_CHATS_NOW_ANYONE,
                reason::PRIVATE_CHATS_NOW_HOSTS,
                reason::PRIVATE_CHATS_NOW_OFF,
            ]
            .contains(&text);
            if self.registered && !self.conversations.is_empty() && !rule_said {
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
        if own && self.confirm_own(i, text, action, m.tag("msgid"), m.tag("label"), time, past) {
            return;
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
            // Set from the room's member list as it is shown.
            rank: Rank::Member,
        };
        self.push_entry(&key, entry);
    }

    /// `INVITE <nick> <room>` from `by`: to us, an invitation to offer;
    /// to someone else (`invite-notify`), nothing to show.
    fn on_invite(&mut self, by: &str, nick: &str, room: &str, time: u64) {
        if !self.is_me(nick) || !is_channel(room) {
            return;
        }
        let text = tr::INVITED_YOU.fill(&[("by", &by), ("room", &room)]);
        let i = self.active;
        self.notice_at(i, &text, time);
        self.updates.push(Update::Invited {
            room: room.to_owned(),
            by: by.to_owned(),
        });
    }

    /// `REDACT <target> <msgid> [:<reason>]` from `by`: a line was deleted.
    fn on_redact(&mut self, by: &str, target: &str, msgid: &str) {
        // A private line's conversation is the other person's.
        let name = if is_channel(target) || self.is_me(by) {
            target
        } else {
            by
        };
        let key = (self.casemap)(name);
        if msgid.is_empty() || self.conversation(&key).is_none() {
            return;
        }
        self.updates.push(Update::Redacted {
            key,
            msgid: msgid.to_owned(),
            by: by.to_owned(),
        });
    }

    /// `TOPIC <room> :<topic>` from `setter`, or 332 (`setter` is `None`) on joining.
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

    /// `MODE <target> <changes>` from `from`.
    fn on_mode_line(&mut self, m: &Message, from: &str, time: u64) {
        // A change the server made itself (a host logging in) is the
        // server's, not a person called `banter.local`'s.
        let by = if m.source.as_deref().is_some_and(|s| s.contains('!')) {
            from.to_owned()
        } else {
            tr::THE_SERVER.to_string()
        };
        let target = m.param(0).unwrap_or("");
        self.on_mode(&by, target, m.params.get(1..).unwrap_or(&[]), time)
    }

    /// `FAIL <command> <code> [<context>...] :<text>`
    fn on_fail(&mut self, m: &Message, time: u64) {
        if m.param(0) == Some(command::RESUME) {
            // The seat is gone: we register afresh, nothing to show; the
            // name is asked for again, since a 433 was set aside for it.
            self.resume_token = None;
            self.updates.push(Update::ResumeTokenChanged);
            if !self.registered {
                let nick = self.nick.clone();
                self.out.push(msg(command::NICK, &[&nick]));
            }
            return;
        }
        let text = m.params.last().map_or("", String::as_str);
        let i = self.active;
        self.notice_at(i, &tr::SERVER_SAYS.fill(&[("text", &text)]), time);
    }

    /// Any other error numeric after login: shown in its room when it names
    /// one, else in the open conversation.
    fn on_error_numeric(&mut self, m: &Message, time: u64) {
        // `<code> <me> [<subject>...] :<text>`
        let text = m.params.last().map_or("", String::as_str);
        let subject = m
            .params
            .get(1..m.params.len().saturating_sub(1))
            .map(|s| s.join(" "))
            .unwrap_or_default();
        let line = if let Some(sentence) = super::refusals::plain_refusal(m) {
            sentence
        } else if subject.is_empty() {
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
}
