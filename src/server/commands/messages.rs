//! Messages: PRIVMSG, NOTICE and TAGMSG to rooms (also `@#room`/`+#room`
//! for its operators or voiced members) and to people.

use super::super::chat::{fold_mask, Caps, Chat, Status, MAX_TARGETS};
use super::super::outbox::ClientId;
use super::super::relay::Relay;
use super::Ctx;
use crate::proto::command;
use crate::proto::names::{fold, is_channel};
use crate::proto::numeric::*;
use crate::proto::Message;

impl Chat {
    /// `PRIVMSG <target>{,<target>} :<text>` (and `NOTICE`, which never gets
    /// an automatic reply: RFC 2812 §3.3.2)
    pub(super) fn privmsg(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let notice = msg.command.eq_ignore_ascii_case(command::NOTICE);
        let command = if notice {
            command::NOTICE
        } else {
            command::PRIVMSG
        };
        let Some(targets) = msg.param(0).filter(|t| !t.is_empty()) else {
            if !notice {
                self.reply(
                    id,
                    out,
                    ERR_NORECIPIENT,
                    &[&format!("No recipient given ({command})")],
                );
            }
            return;
        };
        let Some(text) = msg.param(1).filter(|t| !t.is_empty()) else {
            if !notice {
                self.reply(id, out, ERR_NOTEXTTOSEND, &["No text to send"]);
            }
            return;
        };
        let targets: Vec<&str> = targets.split(',').filter(|t| !t.is_empty()).collect();
        if targets.len() > MAX_TARGETS {
            if !notice {
                self.reply(
                    id,
                    out,
                    ERR_TOOMANYTARGETS,
                    &[targets.join(",").as_str(), "Too many targets"],
                );
            }
            return;
        }
        if let Some(c) = self.client_mut(id) {
            c.last_spoke = now.instant;
        }
        for target in targets {
            self.relay_to(ctx, command, target, Some(text), msg);
        }
    }

    /// `TAGMSG <target>{,<target>}`: tags only, for clients with `message-tags`.
    pub(super) fn tagmsg(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let [targets, ..] = msg.params.as_slice() else {
            return self.need_more_params(ctx.id, command::TAGMSG, ctx.out);
        };
        if !self.caps_of(ctx.id).has(Caps::MESSAGE_TAGS) {
            return;
        }
        for target in targets
            .split(',')
            .filter(|t| !t.is_empty())
            .take(MAX_TARGETS)
        {
            self.relay_to(ctx, command::TAGMSG, target, None, msg);
        }
    }

    /// Why `id` may not say `text` in the room `folded`, if it may not: the text of a 404.
    fn cannot_send(&self, id: ClientId, folded: &str, text: Option<&str>) -> Option<&'static str> {
        let ch = self.channels.get(folded)?;
        let client = self.client(id)?;
        let status = ch.status(id);
        if status.is_none() && ch.modes.no_external {
            return Some("Cannot send to channel (+n): you are not in it");
        }
        let may_speak = status.is_some_and(Status::may_speak);
        if ch.modes.moderated && !may_speak {
            return Some("Cannot send to channel (+m): only hosts and voiced members can talk now");
        }
        match ch.silenced_by(id, || fold_mask(&client.mask)) {
            Some('b') => return Some("Cannot send to channel (+b): you are banned"),
            Some(_) => return Some("Cannot send to channel (+q): a host has muted you"),
            None => {}
        }
        let ctcp = text.is_some_and(|t| t.starts_with('\x01') && !t.starts_with("\x01ACTION "));
        if ch.modes.no_ctcp && ctcp {
            return Some("Cannot send to channel (+C): CTCP requests are not allowed");
        }
        None
    }

    /// Delivers one message to a room's other members (or only its operators
    /// or voiced members, for `@#room` and `+#room`) or to one user, with a
    /// copy to the sender when it asked for `echo-message`.
    fn relay_to(
        &mut self,
        ctx: &mut Ctx<'_>,
        command: &'static str,
        target: &str,
        text: Option<&str>,
        msg: &Message,
    ) {
        let (id, now, out) = ctx.parts();
        let quiet = command == command::NOTICE;
        let msgid = self.msgid();
        let Some(sender) = self.client(id) else {
            return;
        };
        // STATUSMSG: `@#room` reaches operators, `+#room` voiced members too.
        let (status_prefix, room) = match target.strip_prefix(['@', '+']) {
            Some(rest) if is_channel(rest) => (target.chars().next(), rest),
            _ => (None, target),
        };
        let folded = fold(room);
        let mut params = vec![target.to_owned()];
        params.extend(text.map(str::to_owned));
        let mut relay =
            Relay::new(now, &sender.mask, command, params).with_msgid(msgid, sender.bot);
        if sender.caps.has(Caps::MESSAGE_TAGS) {
            relay = relay.with_client_tags(msg);
        }
        let tags_only = command == command::TAGMSG;
        let wants =
            |chat: &Chat, to: ClientId| !tags_only || chat.caps_of(to).has(Caps::MESSAGE_TAGS);
        let echo = sender.caps.has(Caps::ECHO_MESSAGE);
        if is_channel(room) {
            let Some(ch) = self.channels.get(&folded) else {
                if !quiet {
                    self.reply(id, out, ERR_NOSUCHCHANNEL, &[room, "No such channel"]);
                }
                return;
            };
            if let Some(why) = self.cannot_send(id, &folded, text) {
                if !quiet {
                    self.reply(id, out, ERR_CANNOTSENDTOCHAN, &[&ch.name, why]);
                }
                return;
            }
            relay.params[0] = match status_prefix {
                Some(p) => format!("{p}{}", ch.name),
                None => ch.name.clone(),
            };
            // The fan-out: per recipient only the checks a plain message
            // needs; the status filter runs only for `@#room`/`+#room`.
            match status_prefix {
                None => {
                    let to = ch
                        .members
                        .keys()
                        .copied()
                        .filter(|&m| m != id && (!tags_only || wants(self, m)));
                    self.deliver(&mut relay, to, out);
                }
                Some(prefix) => {
                    let to = ch
                        .members
                        .iter()
                        .filter(|(_, s)| {
                            if prefix == '@' {
                                s.runs_room()
                            } else {
                                s.may_speak()
                            }
                        })
                        .map(|(&m, _)| m)
                        .filter(|&m| m != id && wants(self, m));
                    self.deliver(&mut relay, to, out);
                }
            }
            if echo {
                self.deliver(&mut relay, [id], out);
            }
            // What only operators or voiced members saw stays out of the
            // room's history, which every member may read.
            if status_prefix.is_none() && !tags_only {
                self.record(&folded, &relay, out);
            }
            let Some(sender) = self.client(id) else {
                return;
            };
            if self.config.message_log {
                if let Some(text) = text {
                    log::info!("{} <{}> {}", relay.params[0], sender.target(), text);
                }
            }
            return;
        }
        let Some(to) = self.find_nick(target) else {
            if !quiet {
                self.reply(id, out, ERR_NOSUCHNICK, &[target, "No such nick/channel"]);
            }
            return;
        };
        // The private-chat rule of a room either is in (private_chats.rs).
        if let Some(why) = self.private_refusal(id, to) {
            if !quiet && !tags_only {
                self.reply(id, out, ERR_CANTSENDTOUSER, &[target, why]);
            }
            return;
        }
        let Some(recipient) = self.client(to) else {
            return;
        };
        if relay.has_client_tags() || !tags_only {
            if wants(self, to) {
                if let Some(line) = relay.line_for(out, self.caps_of(to)) {
                    if to == id {
                        // A message to oneself: this copy is the delivery,
                        // not the reply a label belongs on.
                        out.send_unlabeled(to, line);
                    } else {
                        out.send(to, line);
                    }
                }
            }
            if echo {
                self.deliver(&mut relay, [id], out);
            }
        }
        if !tags_only {
            let (from, to_nick) = (sender.target().to_owned(), recipient.target().to_owned());
            self.record_private(&from, &to_nick, &relay, out);
        }
        let (Some(sender), Some(recipient)) = (self.client(id), self.client(to)) else {
            return;
        };
        if command == command::PRIVMSG {
            if let Some(away) = &recipient.away {
                self.reply(id, out, RPL_AWAY, &[recipient.target(), away]);
            }
        }
        if self.config.message_log && text.is_some() {
            log::info!(
                "{} -> {} (private message)",
                sender.target(),
                recipient.target()
            );
        }
    }
}
