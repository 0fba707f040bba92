//! Rooms: JOIN, PART, TOPIC, NAMES, LIST, KICK and INVITE.

use super::super::chat::{
    mask_matches, truncate, Caps, Channel, Chat, Now, Status, Topic, KICK_LEN, MAX_INVITES,
    MAX_TARGETS, TOPIC_LEN,
};
use super::super::outbox::{ClientId, Outbox};
use super::super::relay::Relay;
use super::Ctx;
use crate::proto::command;
use crate::proto::message::nick_of;
use crate::proto::names::{check_scripts, fold, is_channel, skeleton, validate_channel};
use crate::proto::numeric::*;
use crate::proto::reason::{self, OWNER_PROTECTED};
use crate::proto::Message;

/// Why a JOIN was refused.
enum Refusal {
    Banned,
    InviteOnly,
    BadKey,
    Full,
}

/// An owner's status on joining: owner and operator (`~@`).
fn owner_status() -> Status {
    let mut status = Status::OWNER;
    status.set(Status::OP, true);
    status
}

impl Chat {
    /// `JOIN <channel>{,<channel>} [<key>{,<key>}]` or `JOIN 0`
    pub(super) fn join(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let [channels, ..] = msg.params.as_slice() else {
            return self.need_more_params(ctx.id, command::JOIN, ctx.out);
        };
        if channels == "0" {
            let joined: Vec<String> = self
                .client(ctx.id)
                .map(|c| c.channels.iter().cloned().collect())
                .unwrap_or_default();
            for folded in joined {
                self.part_one(ctx, &folded, None);
            }
            return;
        }
        let mut keys = msg.param(1).unwrap_or("").split(',');
        for name in channels.split(',').filter(|n| !n.is_empty()) {
            let key = keys.next().filter(|k| !k.is_empty());
            self.join_one(ctx, name, key);
        }
    }

    fn join_refusal(&self, id: ClientId, ch: &Channel, key: Option<&str>) -> Option<Refusal> {
        let client = self.client(id)?;
        let folded_mask = fold(&client.mask);
        let invited = client.invites.iter().any(|f| *f == fold(&ch.name));
        if ch.is_banned(&folded_mask) && !invited {
            return Some(Refusal::Banned);
        }
        if ch.modes.invite_only && !invited && !ch.is_invex(&folded_mask) {
            return Some(Refusal::InviteOnly);
        }
        if ch.modes.key.as_deref().is_some_and(|k| Some(k) != key) {
            return Some(Refusal::BadKey);
        }
        if ch.modes.limit.is_some_and(|l| ch.members.len() >= l) && !invited {
            return Some(Refusal::Full);
        }
        None
    }

    /// Why a new room may not be called `name`, by the rule for names: it
    /// mixes alphabets no language mixes, or it looks the same as a room
    /// that exists (`#lоbby`, with a Cyrillic о, beside `#lobby`), where
    /// someone could be lured into the wrong one.
    fn unfit_room_name(&self, name: &str) -> Option<String> {
        // The look-alike first: naming the room that exists tells the user
        // where they probably meant to go.
        let look = skeleton(name);
        if let Some(ch) = self.channels.values().find(|ch| ch.skeleton == look) {
            return Some(format!(
                "A room whose name looks the same exists: {}",
                ch.name
            ));
        }
        let bare = name.strip_prefix('#').unwrap_or(name);
        check_scripts(bare)
            .is_err()
            .then(|| "Room names cannot mix alphabets that no language mixes".into())
    }

    fn join_one(&mut self, ctx: &mut Ctx<'_>, name: &str, key: Option<&str>) {
        let (id, now, out) = ctx.parts();
        if let Err(e) = validate_channel(name) {
            self.reply(
                id,
                out,
                ERR_NOSUCHCHANNEL,
                &[name, &format!("No such channel: {e}")],
            );
            return;
        }
        let folded = fold(name);
        let Some(client) = self.client(id) else {
            return;
        };
        if client.channels.contains(&folded) {
            return;
        }
        if client.channels.len() >= self.config.max_joined {
            self.reply(
                id,
                out,
                ERR_TOOMANYCHANNELS,
                &[name, "You have joined too many channels"],
            );
            return;
        }
        let mask = client.mask.clone();
        let is_oper = client.oper;
        let bot = client.bot;
        let away = client.away.clone();
        let status = match self.channels.get(&folded) {
            Some(ch) => {
                // An owner always gets back into her room, past a lock, a
                // key, a limit and a ban: the server operators in the
                // server's own room (the teacher hosting it is one), the
                // creator of a room who made itself its owner.
                let owner =
                    (ch.permanent && is_oper) || (ch.creator == Some(id) && ch.creator_owns);
                if let Some(refusal) = self.join_refusal(id, ch, key).filter(|_| !owner) {
                    let (numeric, why) = match refusal {
                        Refusal::Banned => (
                            ERR_BANNEDFROMCHAN,
                            "Cannot join channel (+b): you are banned",
                        ),
                        Refusal::InviteOnly => (
                            ERR_INVITEONLYCHAN,
                            "Cannot join channel (+i): it is invite-only",
                        ),
                        Refusal::BadKey => (
                            ERR_BADCHANNELKEY,
                            "Cannot join channel (+k): wrong or missing key",
                        ),
                        Refusal::Full => {
                            (ERR_CHANNELISFULL, "Cannot join channel (+l): it is full")
                        }
                    };
                    let display = ch.name.clone();
                    self.reply(id, out, numeric, &[&display, why]);
                    return;
                }
                if owner {
                    owner_status()
                } else {
                    Status::default()
                }
            }
            None => {
                if self.held_to_private_rule(id) {
                    self.reply(id, out, ERR_CHANOPRIVSNEEDED, &[name, reason::NO_NEW_ROOMS]);
                    return;
                }
                if let Some(why) = self.unfit_room_name(name) {
                    self.reply(id, out, ERR_BADCHANNAME, &[name, &why]);
                    return;
                }
                if self.channels.len() >= self.config.max_channels {
                    self.reply(
                        id,
                        out,
                        ERR_TOOMANYCHANNELS,
                        &[name, "The server has too many channels"],
                    );
                    return;
                }
                let mut ch = Channel::new(name, now, false);
                // Whoever creates a room runs it, and may make itself its owner.
                ch.creator = Some(id);
                self.channels.insert(folded.clone(), ch);
                let max = self.config.max_joined.max(1);
                if let Some(c) = self.client_mut(id) {
                    if c.founded.len() >= max {
                        c.founded.remove(0);
                    }
                    c.founded.push(folded.clone());
                }
                Status::OP
            }
        };
        let Some(ch) = self.channels.get_mut(&folded) else {
            return;
        };
        ch.members.insert(id, status);
        let display = ch.name.clone();
        if let Some(c) = self.client_mut(id) {
            c.channels.insert(folded.clone());
            c.invites.retain(|f| *f != folded);
        }
        self.announce_join(&folded, &mask, bot, now, out);
        if let Some(ch) = self.channels.get(&folded) {
            if let Some(away) = away {
                let to: Vec<ClientId> = ch
                    .members
                    .keys()
                    .copied()
                    .filter(|&m| m != id && self.caps_of(m).has(Caps::AWAY_NOTIFY))
                    .collect();
                let mut relay = Relay::new(now, &mask, command::AWAY, vec![away]);
                self.deliver(&mut relay, to, out);
            }
            // An owner back in her room: the others are told who runs it.
            if status.has(Status::OWNER) {
                let server = self.config.server_name.clone();
                let nick = nick_of(&mask).to_owned();
                let mut relay = Relay::new(
                    now,
                    &server,
                    command::MODE,
                    vec![display.clone(), "+Oo".into(), nick.clone(), nick],
                );
                self.deliver(&mut relay, ch.members.keys().copied(), out);
            }
        }
        self.send_topic(id, &folded, false, out);
        self.send_names(id, &folded, out);
        self.replay_on_join(id, &folded, now.unix_ms, out);
        if self.config.message_log {
            log::info!(
                "{display}: {} joined",
                mask.split('!').next().unwrap_or(&mask)
            );
        }
    }

    /// A member's JOIN to everyone in the room (itself included), with a
    /// msgid, and into the room's history.
    pub(crate) fn announce_join(
        &mut self,
        folded: &str,
        mask: &str,
        bot: bool,
        now: &Now,
        out: &mut Outbox,
    ) {
        let Some(display) = self.channels.get(folded).map(|ch| ch.name.clone()) else {
            return;
        };
        let msgid = self.msgid();
        let mut relay = Relay::new(now, mask, command::JOIN, vec![display]).with_msgid(msgid, bot);
        self.record(folded, &relay, out);
        if let Some(ch) = self.channels.get(folded) {
            self.deliver(&mut relay, ch.members.keys().copied(), out);
        }
    }

    /// `PART <channel>{,<channel>} [:<reason>]`
    pub(super) fn part(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let id = ctx.id;
        let [channels, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::PART, ctx.out);
        };
        let reason = msg.param(1).map(|r| truncate(r, TOPIC_LEN));
        for name in channels.split(',').filter(|n| !n.is_empty()) {
            let folded = fold(name);
            if !self.channels.contains_key(&folded) {
                self.reply(id, ctx.out, ERR_NOSUCHCHANNEL, &[name, "No such channel"]);
            } else if !self
                .client(id)
                .is_some_and(|c| c.channels.contains(&folded))
            {
                self.not_on_channel(id, name, ctx.out);
            } else {
                self.part_one(ctx, &folded, reason);
            }
        }
    }

    /// Takes the sender out of one room it is in, telling the room.
    fn part_one(&mut self, ctx: &mut Ctx<'_>, folded: &str, reason: Option<&str>) {
        let (id, now, out) = ctx.parts();
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        let Some(client) = self.client(id) else {
            return;
        };
        let mut params = vec![ch.name.clone()];
        params.extend(reason.map(str::to_owned));
        let (mask, bot) = (client.mask.clone(), client.bot);
        let msgid = self.msgid();
        let mut relay = Relay::new(now, &mask, command::PART, params).with_msgid(msgid, bot);
        self.record(folded, &relay, out);
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        let Some(client) = self.client(id) else {
            return;
        };
        self.deliver(&mut relay, ch.members.keys().copied(), out);
        if self.config.message_log {
            log::info!("{}: {} left", ch.name, client.target());
        }
        if let Some(c) = self.client_mut(id) {
            c.channels.remove(folded);
        }
        self.leave_channel(folded, id, out);
    }

    /// 332 and 333, or 331 when asked and there is no topic.
    fn send_topic(&self, id: ClientId, folded: &str, asked: bool, out: &mut Outbox) {
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        match &ch.topic {
            Some(t) => {
                self.reply(id, out, RPL_TOPIC, &[&ch.name, &t.text]);
                self.reply(
                    id,
                    out,
                    RPL_TOPICWHOTIME,
                    &[&ch.name, &t.set_by, &t.set_at_unix.to_string()],
                );
            }
            // RFC 2812 sends 331 on JOIN too, but clients show it as noise
            // and modern servers do not (modern.ircdocs.horse).
            None if asked => self.reply(id, out, RPL_NOTOPIC, &[&ch.name, "No topic is set"]),
            None => {}
        }
    }

    /// Whether `id` may see `ch` in LIST, NAMES and WHOIS: it is not secret,
    /// or `id` is in it.
    pub(crate) fn can_see(&self, id: ClientId, ch: &Channel) -> bool {
        !ch.modes.secret || ch.members.contains_key(&id)
    }

    /// 353s for a room, then 366.
    pub(crate) fn send_names(&self, id: ClientId, folded: &str, out: &mut Outbox) {
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        self.send_names_only(id, folded, out);
        self.reply(id, out, RPL_ENDOFNAMES, &[&ch.name, "End of /NAMES list."]);
    }

    /// The 353s for a room, if `id` may see it.
    fn send_names_only(&self, id: ClientId, folded: &str, out: &mut Outbox) {
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        if !self.can_see(id, ch) {
            return;
        }
        let caps = self.caps_of(id);
        let all = caps.has(Caps::MULTI_PREFIX);
        let full = caps.has(Caps::USERHOST_IN_NAMES);
        let member = ch.members.contains_key(&id);
        let names: Vec<String> = ch
            .members
            .iter()
            .filter_map(|(&m, status)| {
                let c = self.client(m)?;
                // Outsiders see only the visible members.
                if !member && c.invisible {
                    return None;
                }
                let who = if full { c.mask.as_str() } else { c.target() };
                Some(format!("{}{who}", status.prefixes(all)))
            })
            .collect();
        let symbol = if ch.modes.secret { "@" } else { "=" };
        self.reply_list(
            id,
            out,
            RPL_NAMREPLY,
            &[symbol, &ch.name],
            names.iter().map(String::as_str),
        );
    }

    /// `NAMES [<channel>{,<channel>}]`
    pub(super) fn names(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        match msg.param(0).filter(|p| !p.is_empty()) {
            Some(list) => {
                for name in list
                    .split(',')
                    .filter(|n| !n.is_empty())
                    .take(MAX_TARGETS * 4)
                {
                    self.send_names_only(id, &fold(name), out);
                }
                // One end for the whole list, naming it as asked.
                self.reply(id, out, RPL_ENDOFNAMES, &[list, "End of /NAMES list."]);
            }
            None => {
                let joined: Vec<String> = self
                    .client(id)
                    .map(|c| c.channels.iter().cloned().collect())
                    .unwrap_or_default();
                for folded in joined {
                    self.send_names(id, &folded, out);
                }
                if self.client(id).is_some_and(|c| c.channels.is_empty()) {
                    self.reply(id, out, RPL_ENDOFNAMES, &["*", "End of /NAMES list."]);
                }
            }
        }
    }

    /// `TOPIC <channel> [:<topic>]`
    pub(super) fn topic(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let [name, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::TOPIC, out);
        };
        let folded = fold(name);
        let Some(ch) = self.channels.get(&folded) else {
            self.reply(id, out, ERR_NOSUCHCHANNEL, &[name, "No such channel"]);
            return;
        };
        let member = ch.members.contains_key(&id);
        let Some(text) = msg.param(1) else {
            if !member && ch.modes.secret {
                self.not_on_channel(id, name, out);
            } else {
                self.send_topic(id, &folded, true, out);
            }
            return;
        };
        let Some(client) = self.client(id) else {
            return;
        };
        if !member {
            self.not_on_channel(id, name, out);
            return;
        }
        if ch.modes.topic_lock && !ch.is_op(id) && !client.oper {
            self.reply(
                id,
                out,
                ERR_CHANOPRIVSNEEDED,
                &[
                    &ch.name,
                    "You're not a channel operator (the topic is locked: +t)",
                ],
            );
            return;
        }
        let text = truncate(text, TOPIC_LEN).to_owned();
        let mask = client.mask.clone();
        let setter = client.target().to_owned();
        let Some(ch) = self.channels.get_mut(&folded) else {
            return;
        };
        ch.topic = (!text.is_empty()).then(|| Topic {
            text: text.clone(),
            set_by: setter.clone(),
            set_at_unix: now.unix_secs(),
        });
        let display = ch.name.clone();
        let msgid = self.msgid();
        let mut relay = Relay::new(
            now,
            &mask,
            command::TOPIC,
            vec![display.clone(), text.clone()],
        )
        .with_msgid(msgid, false);
        self.record(&folded, &relay, out);
        if let Some(ch) = self.channels.get(&folded) {
            self.deliver(&mut relay, ch.members.keys().copied(), out);
        }
        if self.config.message_log {
            log::info!("{display}: {setter} set the topic to {text:?}");
        }
    }

    /// `LIST [<channel>{,<channel>} | <filter>{,<filter>}]`: filters are
    /// `>n`/`<n` (members), `C>n`/`C<n` (created minutes ago), `T>n`/`T<n`
    /// (topic set minutes ago), a mask, or `!mask` (ELIST=CMNTU).
    pub(super) fn list(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let terms: Vec<String> = msg
            .param(0)
            .map(|l| {
                l.split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let filters: Vec<ListFilter> = terms.iter().filter_map(|t| ListFilter::parse(t)).collect();
        self.reply(id, out, RPL_LISTSTART, &["Channel", "Users  Name"]);
        let now_secs = now.unix_secs();
        for (folded, ch) in &self.channels {
            if !self.can_see(id, ch) {
                continue;
            }
            if !filters.iter().all(|f| f.accepts(folded, ch, now_secs)) {
                continue;
            }
            let topic = ch.topic.as_ref().map_or("", |t| t.text.as_str());
            self.reply(
                id,
                out,
                RPL_LIST,
                &[&ch.name, &ch.members.len().to_string(), topic],
            );
        }
        self.reply(id, out, RPL_LISTEND, &["End of /LIST"]);
    }

    /// `KICK <channel>{,<channel>} <nick>{,<nick>} [:<reason>]`: one room
    /// and several people, or as many rooms as people, taken in pairs.
    pub(super) fn kick(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let [rooms, targets, ..] = msg.params.as_slice() else {
            return self.need_more_params(ctx.id, command::KICK, ctx.out);
        };
        let rooms: Vec<&str> = rooms.split(',').filter(|r| !r.is_empty()).collect();
        let targets: Vec<&str> = targets
            .split(',')
            .filter(|t| !t.is_empty())
            .take(MAX_TARGETS)
            .collect();
        let reason = msg.param(2);
        match rooms.as_slice() {
            [room] => self.kick_from(ctx, room, &targets, reason),
            _ if rooms.len() == targets.len() => {
                for (room, target) in rooms.iter().zip(&targets) {
                    self.kick_from(ctx, room, &[target], reason);
                }
            }
            _ => self.need_more_params(ctx.id, command::KICK, ctx.out),
        }
    }

    fn kick_from(&mut self, ctx: &mut Ctx<'_>, name: &str, targets: &[&str], reason: Option<&str>) {
        let (id, now, out) = ctx.parts();
        let folded = fold(name);
        let Some(client) = self.client(id) else {
            return;
        };
        let kicker_mask = client.mask.clone();
        let kicker = client.target().to_owned();
        let is_oper = client.oper;
        let Some(ch) = self.channels.get(&folded) else {
            self.reply(id, out, ERR_NOSUCHCHANNEL, &[name, "No such channel"]);
            return;
        };
        if !ch.members.contains_key(&id) && !is_oper {
            self.not_on_channel(id, &ch.name, out);
            return;
        }
        if !ch.is_op(id) && !is_oper {
            self.reply(
                id,
                out,
                ERR_CHANOPRIVSNEEDED,
                &[&ch.name, "You're not a channel operator"],
            );
            return;
        }
        let reason = reason
            .filter(|r| !r.is_empty())
            .map_or(kicker.clone(), |r| truncate(r, KICK_LEN).to_owned());
        for &target in targets {
            let Some(ch) = self.channels.get(&folded) else {
                return;
            };
            let display = ch.name.clone();
            let Some(victim) = self.find_nick(target) else {
                self.reply(id, out, ERR_NOSUCHNICK, &[target, "No such nick/channel"]);
                continue;
            };
            if !ch.members.contains_key(&victim) {
                self.reply(
                    id,
                    out,
                    ERR_USERNOTINCHANNEL,
                    &[target, &display, "They aren't on that channel"],
                );
                continue;
            }
            if ch.is_owner(victim) && !ch.is_owner(id) && !is_oper {
                self.reply(id, out, ERR_CHANOPRIVSNEEDED, &[&display, OWNER_PROTECTED]);
                continue;
            }
            let shown = self
                .client(victim)
                .map(|c| c.target().to_owned())
                .unwrap_or_default();
            let msgid = self.msgid();
            let mut relay = Relay::new(
                now,
                &kicker_mask,
                command::KICK,
                vec![display.clone(), shown.clone(), reason.clone()],
            )
            .with_msgid(msgid, false);
            self.record(&folded, &relay, out);
            let Some(ch) = self.channels.get(&folded) else {
                return;
            };
            self.deliver(&mut relay, ch.members.keys().copied(), out);
            if self.config.message_log {
                log::info!("{display}: {kicker} removed {shown} ({reason:?})");
            }
            if let Some(c) = self.client_mut(victim) {
                c.channels.remove(&folded);
            }
            self.leave_channel(&folded, victim, out);
        }
    }

    /// `INVITE <nick> <channel>`, or `INVITE` alone to list one's invitations.
    pub(super) fn invite(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let (nick, name) = match msg.params.as_slice() {
            [] => {
                let invites: Vec<String> = self
                    .client(id)
                    .map(|c| c.invites.clone())
                    .unwrap_or_default();
                for folded in invites {
                    if let Some(ch) = self.channels.get(&folded) {
                        self.reply(id, out, RPL_INVITELIST, &[&ch.name]);
                    }
                }
                self.reply(id, out, RPL_ENDOFINVITELIST, &["End of /INVITE list"]);
                return;
            }
            [nick, name, ..] => (nick, name),
            [_] => return self.need_more_params(id, command::INVITE, out),
        };
        let Some(client) = self.client(id) else {
            return;
        };
        let inviter_mask = client.mask.clone();
        let inviter = client.target().to_owned();
        let is_oper = client.oper;
        let Some(target) = self.find_nick(nick) else {
            self.reply(id, out, ERR_NOSUCHNICK, &[nick, "No such nick/channel"]);
            return;
        };
        let folded = fold(name);
        let mut display = name.clone();
        let mut notify: Vec<ClientId> = Vec::new();
        if let Some(ch) = self.channels.get(&folded) {
            display = ch.name.clone();
            if !ch.members.contains_key(&id) {
                self.not_on_channel(id, &display, out);
                return;
            }
            if ch.members.contains_key(&target) {
                let shown = self
                    .client(target)
                    .map(|c| c.target().to_owned())
                    .unwrap_or_default();
                self.reply(
                    id,
                    out,
                    ERR_USERONCHANNEL,
                    &[&shown, &display, "is already on channel"],
                );
                return;
            }
            if ch.modes.invite_only && !ch.is_op(id) && !is_oper {
                self.reply(
                    id,
                    out,
                    ERR_CHANOPRIVSNEEDED,
                    &[&display, "You're not a channel operator"],
                );
                return;
            }
            // invite-notify: the room's operators hear of it.
            notify = ch
                .members
                .iter()
                .filter(|(&m, s)| {
                    m != id && s.runs_room() && self.caps_of(m).has(Caps::INVITE_NOTIFY)
                })
                .map(|(&m, _)| m)
                .collect();
        } else if !is_channel(name) {
            self.reply(id, out, ERR_NOSUCHCHANNEL, &[name, "No such channel"]);
            return;
        }
        let Some(target_client) = self.client_mut(target) else {
            return;
        };
        let shown = target_client.target().to_owned();
        let away = target_client.away.clone();
        if !target_client.invites.contains(&folded) {
            if target_client.invites.len() >= MAX_INVITES {
                target_client.invites.remove(0);
            }
            target_client.invites.push(folded);
        }
        self.reply(id, out, RPL_INVITING, &[&shown, &display]);
        if let Some(away) = away {
            self.reply(id, out, RPL_AWAY, &[&shown, &away]);
        }
        let mut relay = Relay::new(
            now,
            &inviter_mask,
            command::INVITE,
            vec![shown.clone(), display.clone()],
        );
        notify.push(target);
        self.deliver(&mut relay, notify, out);
        if self.config.message_log {
            log::info!("{display}: {inviter} invited {shown}");
        }
    }
}

/// One LIST filter (ELIST).
enum ListFilter {
    UsersAbove(usize),
    UsersBelow(usize),
    CreatedBefore(u64),
    CreatedWithin(u64),
    TopicBefore(u64),
    TopicWithin(u64),
    Mask(String),
    NotMask(String),
}

impl ListFilter {
    fn parse(term: &str) -> Option<ListFilter> {
        let minutes = |s: &str| s.parse::<u64>().ok().map(|m| m.saturating_mul(60));
        if let Some(n) = term.strip_prefix('>') {
            return n.parse().ok().map(ListFilter::UsersAbove);
        }
        if let Some(n) = term.strip_prefix('<') {
            return n.parse().ok().map(ListFilter::UsersBelow);
        }
        for (prefix, older, newer) in [
            (
                "C>",
                ListFilter::CreatedBefore as fn(u64) -> ListFilter,
                ListFilter::CreatedWithin as fn(u64) -> ListFilter,
            ),
            ("T>", ListFilter::TopicBefore, ListFilter::TopicWithin),
        ] {
            let first = &prefix[..1];
            if let Some(rest) = term.strip_prefix(first) {
                if let Some(n) = rest.strip_prefix('>') {
                    return minutes(n).map(older);
                }
                if let Some(n) = rest.strip_prefix('<') {
                    return minutes(n).map(newer);
                }
            }
        }
        if let Some(mask) = term.strip_prefix('!') {
            return Some(ListFilter::NotMask(fold(mask)));
        }
        Some(ListFilter::Mask(fold(term)))
    }

    fn accepts(&self, folded: &str, ch: &Channel, now: u64) -> bool {
        let age = |t: u64| now.saturating_sub(t);
        match self {
            ListFilter::UsersAbove(n) => ch.members.len() > *n,
            ListFilter::UsersBelow(n) => ch.members.len() < *n,
            ListFilter::CreatedBefore(s) => age(ch.created_unix) > *s,
            ListFilter::CreatedWithin(s) => age(ch.created_unix) < *s,
            ListFilter::TopicBefore(s) => {
                ch.topic.as_ref().is_some_and(|t| age(t.set_at_unix) > *s)
            }
            ListFilter::TopicWithin(s) => {
                ch.topic.as_ref().is_some_and(|t| age(t.set_at_unix) < *s)
            }
            ListFilter::Mask(m) => mask_matches(m, folded),
            ListFilter::NotMask(m) => !mask_matches(m, folded),
        }
    }
}
