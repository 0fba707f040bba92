//! MODE: channel modes (member status, flags, key, limit and the ban,
//! exception, invite-exception and quiet lists) and user modes.

use super::super::chat::{
    fold_mask, mask_matches, normalize_mask, Channel, Chat, ListEntry, PrivateChats, Status,
    MASK_LEN, MAX_LIST,
};
use super::super::outbox::{ClientId, Outbox};
use super::super::relay::Relay;
use super::Ctx;
use crate::proto::command;
use crate::proto::message::{line_len, nick_of, MAX_BODY_LEN};
use crate::proto::names::{fold, is_channel};
use crate::proto::numeric::*;
use crate::proto::reason::OWNER_PROTECTED;
use crate::proto::Message;

/// Most mode changes with a parameter in one MODE command (`MODES=`).
pub(crate) const MAX_MODES: usize = 12;

/// Which of a channel's mask lists a mode letter names.
#[derive(Clone, Copy)]
enum List {
    Ban,
    Except,
    Invex,
    Quiet,
}

impl List {
    fn of(c: char) -> Option<List> {
        match c {
            'b' => Some(List::Ban),
            'e' => Some(List::Except),
            'I' => Some(List::Invex),
            'q' => Some(List::Quiet),
            _ => None,
        }
    }

    /// The channel's entries in this list.
    fn entries(self, ch: &Channel) -> &Vec<ListEntry> {
        match self {
            List::Ban => &ch.bans,
            List::Except => &ch.excepts,
            List::Invex => &ch.invex,
            List::Quiet => &ch.quiets,
        }
    }

    fn entries_mut(self, ch: &mut Channel) -> &mut Vec<ListEntry> {
        match self {
            List::Ban => &mut ch.bans,
            List::Except => &mut ch.excepts,
            List::Invex => &mut ch.invex,
            List::Quiet => &mut ch.quiets,
        }
    }

    /// The entry and end numerics of its listing.
    fn numerics(self) -> (&'static str, &'static str, &'static str) {
        match self {
            List::Ban => (RPL_BANLIST, RPL_ENDOFBANLIST, "End of channel ban list"),
            List::Except => (
                RPL_EXCEPTLIST,
                RPL_ENDOFEXCEPTLIST,
                "End of channel exception list",
            ),
            List::Invex => (
                RPL_INVITELIST_MODE,
                RPL_ENDOFINVITELIST_MODE,
                "End of channel invite list",
            ),
            List::Quiet => (
                RPL_QUIETLIST,
                RPL_ENDOFQUIETLIST,
                "End of channel quiet list",
            ),
        }
    }

    /// The mode letter its numerics carry after the channel: Solanum's
    /// 728/729 name the list they belong to, the older numerics do not.
    fn letter(self) -> Option<&'static str> {
        match self {
            List::Quiet => Some("q"),
            _ => None,
        }
    }
}

impl Chat {
    /// `MODE <channel> [<modes> [<params>...]]` or `MODE <nick> [<modes>]`
    pub(super) fn mode(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let [target, rest @ ..] = msg.params.as_slice() else {
            return self.need_more_params(ctx.id, command::MODE, ctx.out);
        };
        if is_channel(target) {
            self.channel_mode(ctx, target, rest);
        } else {
            self.user_mode(ctx, target, rest.first().map(String::as_str));
        }
    }

    fn channel_mode(&mut self, ctx: &mut Ctx<'_>, target: &str, rest: &[String]) {
        let (id, now) = (ctx.id, ctx.now);
        let folded = fold(target);
        let Some(ch) = self.channels.get(&folded) else {
            self.reply(id, ctx.out, ERR_NOSUCHCHANNEL, &[target, "No such channel"]);
            return;
        };
        let display = ch.name.clone();
        let Some((changes, args)) = rest.split_first() else {
            let member = ch.members.contains_key(&id);
            let mut params = vec![display.clone()];
            params.extend(ch.modes.describe(member));
            let params: Vec<&str> = params.iter().map(String::as_str).collect();
            self.reply(id, ctx.out, RPL_CHANNELMODEIS, &params);
            self.reply(
                id,
                ctx.out,
                RPL_CREATIONTIME,
                &[&display, &ch.created_unix.to_string()],
            );
            return;
        };
        let Some(client) = self.client(id) else {
            return;
        };
        let may_change = ch.is_op(id) || client.oper;
        // An owner can be demoted, banned or muted only by an owner or a
        // server operator.
        let outranks_owner = ch.is_owner(id) || client.oper;
        let setter_mask = client.mask.clone();
        let mut args = args.iter();
        let mut adding = true;
        // What was applied, for one MODE line to the room.
        let mut applied: Vec<(bool, char, Option<String>)> = Vec::new();
        let mut denied = false;
        let mut with_param = 0;
        for c in changes.chars() {
            match c {
                '+' => {
                    adding = true;
                    continue;
                }
                '-' => {
                    adding = false;
                    continue;
                }
                _ => {}
            }
            let takes_param = match c {
                'O' | 'o' | 'v' | 'b' | 'e' | 'I' | 'q' | 'k' => true,
                'l' | 'P' => adding,
                _ => false,
            };
            let param = if takes_param {
                args.next().cloned()
            } else {
                None
            };
            if takes_param {
                with_param += 1;
                if with_param > MAX_MODES {
                    break;
                }
            }
            // A list mode without a mask lists it, which anyone may do.
            if let (Some(list), None) = (List::of(c), &param) {
                self.send_mode_list(id, &folded, list, ctx.out);
                continue;
            }
            if !"OovbeIqklPCimnst".contains(c) {
                self.reply(
                    id,
                    ctx.out,
                    ERR_UNKNOWNMODE,
                    &[&c.to_string(), "is an unknown mode char to me"],
                );
                continue;
            }
            if !may_change {
                denied = true;
                continue;
            }
            if takes_param && param.is_none() {
                // `+k`/`+l`/`+o`/`+v` without their parameter: nothing to do.
                continue;
            }
            let change = self.apply_channel_mode(ctx, &folded, (adding, c), param, outranks_owner);
            if let Some(change) = change {
                applied.push(change);
            }
        }
        if denied {
            self.reply(
                id,
                ctx.out,
                ERR_CHANOPRIVSNEEDED,
                &[&display, "You're not a channel operator"],
            );
        }
        if applied.is_empty() {
            return;
        }
        let mut line = String::new();
        let mut sign = None;
        let mut params = vec![display.clone()];
        // Twelve masks can make a line longer than 512 bytes, and Relay may
        // only cut the last parameter, which would announce a mask other than
        // the one set: changes go out in as many lines as it takes instead.
        // `:setter MODE #room <changes>\r\n` and the `:` a last one may
        // need; each change adds its sign and letter and its parameter.
        let fixed = line_len(&setter_mask, command::MODE, &[&display], 0);
        let mut len = fixed;
        let mut lines = Vec::new();
        for (add, c, p) in applied {
            let cost = 2 + p.as_ref().map_or(0, |p| 1 + p.len());
            if !line.is_empty() && len + cost > MAX_BODY_LEN {
                params.insert(1, std::mem::take(&mut line));
                lines.push(std::mem::replace(&mut params, vec![display.clone()]));
                sign = None;
                len = fixed;
            }
            len += cost;
            if sign != Some(add) {
                line.push(if add { '+' } else { '-' });
                sign = Some(add);
            }
            line.push(c);
            params.extend(p);
        }
        params.insert(1, line);
        lines.push(params);
        for params in lines {
            if self.config.message_log {
                log::info!(
                    "{display}: {} set mode {}",
                    setter_mask,
                    params[1..].join(" ")
                );
            }
            let msgid = self.msgid();
            let mut relay =
                Relay::new(now, &setter_mask, command::MODE, params).with_msgid(msgid, false);
            self.record(&folded, &relay, ctx.out);
            if let Some(ch) = self.channels.get(&folded) {
                self.deliver(&mut relay, ch.members.keys().copied(), ctx.out);
            }
        }
    }

    /// Applies one change; what to announce, if it changed anything.
    fn apply_channel_mode(
        &mut self,
        ctx: &mut Ctx<'_>,
        folded: &str,
        (adding, c): (bool, char),
        param: Option<String>,
        outranks_owner: bool,
    ) -> Option<(bool, char, Option<String>)> {
        let (id, now, out) = ctx.parts();
        let setter = self.client(id)?.mask.clone();
        let target_id = match (c, &param) {
            ('O' | 'o' | 'v', Some(nick)) => {
                let Some(t) = self.find_nick(nick) else {
                    self.reply(id, out, ERR_NOSUCHNICK, &[nick, "No such nick/channel"]);
                    return None;
                };
                Some(t)
            }
            _ => None,
        };
        // The folded masks of the owners present, which a co-host's ban or
        // quiet may not cover.
        let owner_masks: Vec<String> = match (c, adding, outranks_owner) {
            ('b' | 'q', true, false) => self.channels.get(folded).map_or(Vec::new(), |ch| {
                ch.members
                    .iter()
                    .filter(|(_, s)| s.has(Status::OWNER))
                    .filter_map(|(&m, _)| self.client(m).map(|c| fold(&c.mask)))
                    .collect()
            }),
            _ => Vec::new(),
        };
        let ch = self.channels.get_mut(folded)?;
        let display = ch.name.clone();
        let protected = match (c, target_id, &param) {
            // Only an owner makes or unmakes an owner, except that a room's
            // creator may make itself one.
            ('O', Some(t), _) => {
                let claims_own_room = adding && t == id && ch.creator == Some(id);
                !(outranks_owner || claims_own_room)
            }
            ('o' | 'v', Some(t), _) => !adding && !outranks_owner && ch.is_owner(t),
            ('b' | 'q', _, Some(mask)) => {
                let mask = fold_mask(&normalize_mask(mask));
                owner_masks.iter().any(|m| mask_matches(&mask, m))
            }
            _ => false,
        };
        if protected {
            self.reply(id, out, ERR_CHANOPRIVSNEEDED, &[&display, OWNER_PROTECTED]);
            return None;
        }
        let ch = self.channels.get_mut(folded)?;
        match c {
            'O' | 'o' | 'v' => {
                let t = target_id?;
                let Some(status) = ch.members.get_mut(&t) else {
                    let nick = param.unwrap_or_default();
                    self.reply(
                        id,
                        out,
                        ERR_USERNOTINCHANNEL,
                        &[&nick, &display, "They aren't on that channel"],
                    );
                    return None;
                };
                if c == 'O' && ch.creator == Some(t) {
                    ch.creator_owns = adding;
                }
                let bit = match c {
                    'O' => Status::OWNER,
                    'o' => Status::OP,
                    _ => Status::VOICE,
                };
                status.set(bit, adding);
                let shown = self.client(t).map(|c| c.target().to_owned());
                Some((adding, c, shown))
            }
            'b' | 'e' | 'I' | 'q' => {
                let mask = normalize_mask(&param?);
                if adding && mask.len() > MASK_LEN {
                    self.reply(
                        id,
                        out,
                        ERR_INVALIDMODEPARAM,
                        &[&display, &c.to_string(), &mask, "That mask is too long"],
                    );
                    return None;
                }
                let list = List::of(c)?.entries_mut(ch);
                let key = fold_mask(&mask);
                let pos = list.iter().position(|e| e.folded == key);
                match (adding, pos) {
                    (true, Some(_)) | (false, None) => None,
                    (true, None) => {
                        if list.len() >= MAX_LIST {
                            self.reply(
                                id,
                                out,
                                ERR_BANLISTFULL,
                                &[&display, &mask, "Channel list is full"],
                            );
                            return None;
                        }
                        list.push(ListEntry {
                            mask: mask.clone(),
                            folded: key,
                            set_by: setter,
                            set_at_unix: now.unix_secs(),
                        });
                        Some((true, c, Some(mask)))
                    }
                    (false, Some(i)) => {
                        let entry = list.remove(i);
                        Some((false, c, Some(entry.mask)))
                    }
                }
            }
            'k' => {
                if adding {
                    let key = param?;
                    if key.is_empty() || key.contains([',', ' ']) || key.len() > 23 {
                        self.reply(
                            id,
                            out,
                            ERR_INVALIDKEY,
                            &[&display, "Key is not well-formed (1-23 bytes, no comma)"],
                        );
                        return None;
                    }
                    ch.modes.key = Some(key.clone());
                    Some((true, 'k', Some(key)))
                } else {
                    ch.modes.key.take()?;
                    Some((false, 'k', Some("*".into())))
                }
            }
            'P' => {
                let rule = if adding {
                    PrivateChats::parse(&param?)?
                } else {
                    PrivateChats::Anyone
                };
                if ch.modes.private_chats == rule {
                    return None;
                }
                ch.modes.private_chats = rule;
                self.private_chats_changed(folded, rule, now, out);
                Some(match rule {
                    PrivateChats::Anyone => (false, 'P', None),
                    _ => (true, 'P', Some(rule.word().to_owned())),
                })
            }
            'l' => {
                if adding {
                    let limit: usize = param?.parse().ok().filter(|&l| l > 0)?;
                    ch.modes.limit = Some(limit);
                    Some((true, 'l', Some(limit.to_string())))
                } else {
                    ch.modes.limit.take()?;
                    Some((false, 'l', None))
                }
            }
            _ => {
                let flag = match c {
                    'C' => &mut ch.modes.no_ctcp,
                    'i' => &mut ch.modes.invite_only,
                    'm' => &mut ch.modes.moderated,
                    'n' => &mut ch.modes.no_external,
                    's' => &mut ch.modes.secret,
                    't' => &mut ch.modes.topic_lock,
                    _ => return None,
                };
                if *flag == adding {
                    return None;
                }
                *flag = adding;
                Some((adding, c, None))
            }
        }
    }

    fn send_mode_list(&self, id: ClientId, folded: &str, list: List, out: &mut Outbox) {
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        let (item, end, text) = list.numerics();
        let head: Vec<&str> = [ch.name.as_str()]
            .into_iter()
            .chain(list.letter())
            .collect();
        let target = self.client(id).map_or("*", |c| c.target());
        for e in list.entries(ch) {
            let time = e.set_at_unix.to_string();
            // The mask is what a host needs to see and lift, so when the line
            // would not fit, the setter gives way: its nick, then nothing.
            let setter = [e.set_by.as_str(), nick_of(&e.set_by), "*"]
                .into_iter()
                .find(|setter| {
                    let mut middle = vec![target];
                    middle.extend(head.iter().copied());
                    middle.extend([e.mask.as_str(), setter]);
                    line_len(&self.config.server_name, item, &middle, time.len()) <= MAX_BODY_LEN
                })
                .unwrap_or("*");
            let mut params = head.clone();
            params.extend([e.mask.as_str(), setter, &time]);
            self.reply(id, out, item, &params);
        }
        let mut params = head;
        params.push(text);
        self.reply(id, out, end, &params);
    }

    fn user_mode(&mut self, ctx: &mut Ctx<'_>, target: &str, changes: Option<&str>) {
        let (id, _, out) = ctx.parts();
        let Some(client) = self.client(id) else {
            return;
        };
        if fold(target) != fold(client.target()) {
            if self.find_nick(target).is_none() {
                self.reply(id, out, ERR_NOSUCHNICK, &[target, "No such nick/channel"]);
            } else {
                self.reply(
                    id,
                    out,
                    ERR_USERSDONTMATCH,
                    &["Can't change mode for other users"],
                );
            }
            return;
        }
        let Some(changes) = changes else {
            let modes = client.umodes();
            self.reply(id, out, RPL_UMODEIS, &[&modes]);
            return;
        };
        let mut adding = true;
        let (mut invisible, mut wallops, mut bot, mut oper) =
            (client.invisible, client.wallops, client.bot, client.oper);
        let mut unknown = false;
        for c in changes.chars() {
            match c {
                '+' => adding = true,
                '-' => adding = false,
                'i' => invisible = adding,
                'w' => wallops = adding,
                'B' => bot = adding,
                // Anyone may drop operator status; only OPER grants it.
                'o' if !adding => oper = false,
                'o' => {}
                _ => unknown = true,
            }
        }
        let mask = client.mask.clone();
        let nick = client.target().to_owned();
        let mut line = String::new();
        let mut sign = None;
        for (was, is, c) in [
            (client.invisible, invisible, 'i'),
            (client.wallops, wallops, 'w'),
            (client.bot, bot, 'B'),
            (client.oper, oper, 'o'),
        ] {
            if was != is {
                if sign != Some(is) {
                    line.push(if is { '+' } else { '-' });
                    sign = Some(is);
                }
                line.push(c);
            }
        }
        let was_invisible = client.invisible;
        let was_oper = client.oper;
        if let Some(client) = self.client_mut(id) {
            client.invisible = invisible;
            client.wallops = wallops;
            client.bot = bot;
            client.oper = oper;
        }
        self.invisible_count =
            self.invisible_count + usize::from(invisible) - usize::from(was_invisible);
        self.oper_count = self.oper_count + usize::from(oper) - usize::from(was_oper);
        if unknown {
            self.reply(id, out, ERR_UMODEUNKNOWNFLAG, &["Unknown MODE flag"]);
        }
        if !line.is_empty() {
            if let Some(l) = out.format([], Some(&mask), command::MODE, &[&nick, &line]) {
                out.send(id, l);
            }
        }
    }
}
