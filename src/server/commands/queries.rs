//! Questions about people and the server: WHO (with masks and WHOX), WHOIS,
//! WHOWAS, LUSERS, MOTD, USERHOST, ISON, TIME, VERSION, INFO, ADMIN, LINKS, HELP.

use super::super::chat::{mask_matches, Caps, Chat, Client, VERSION};
use super::super::outbox::{ClientId, Outbox};
use super::Ctx;
use crate::proto::command;
use crate::proto::names::{fold, is_channel};
use crate::proto::numeric::*;
use crate::proto::time::format_server_time;
use crate::proto::Message;

/// Most WHOWAS entries one query returns.
const WHOWAS_MAX_REPLIES: usize = 10;

/// The topics HELP knows, and their text.
const HELP: &[(&str, &[&str])] = &[
    (
        "index",
        &[
            "Banter speaks IRC. Commands: JOIN PART TOPIC NAMES LIST KICK INVITE MODE",
            "PRIVMSG NOTICE WHO WHOIS WHOWAS AWAY NICK MONITOR SETNAME OPER KILL WALLOPS",
            "TIME VERSION INFO LUSERS MOTD QUIT. HELP <command> tells more.",
        ],
    ),
    (
        "join",
        &["JOIN <#room>[,<#room>] [<key>]: enter rooms; a new room makes you its operator."],
    ),
    ("part", &["PART <#room> [:<reason>]: leave a room."]),
    (
        "topic",
        &["TOPIC <#room> [:<text>]: show or set the topic (+t: operators only)."],
    ),
    (
        "kick",
        &["KICK <#room> <nick> [:<reason>]: remove someone from a room (operators)."],
    ),
    (
        "invite",
        &["INVITE <nick> <#room>: invite someone (needed for +i rooms)."],
    ),
    (
        "mode",
        &[
            "MODE <#room> [+|-]<modes> [params]: o/v status, m moderated, i invite-only,",
            "k key, l limit, b/e/I/q ban/exception/invite/quiet lists, n no outside messages,",
            "t topic lock, s secret, C no CTCP. MODE <nick> [+|-]iwB: invisible, wallops, bot.",
        ],
    ),
    (
        "privmsg",
        &["PRIVMSG <target> :<text>: talk to a room or a person (@#room: operators)."],
    ),
    (
        "who",
        &["WHO <mask|#room> [%fields[,token]]: list people (WHOX fields tcuihsnfdlaor)."],
    ),
    (
        "oper",
        &["OPER <name> <password>: become a server operator."],
    ),
    (
        "monitor",
        &["MONITOR +|-<nick>[,<nick>] | C | L | S: watch who is online."],
    ),
];

impl Chat {
    /// WHO's `<flags>`: here or gone, `*` for operators, `B` for bots, then
    /// the member's prefixes in `channel`.
    fn who_flags(
        &self,
        asker: ClientId,
        c: &Client,
        member: ClientId,
        channel: Option<&str>,
    ) -> String {
        let mut flags = String::from(if c.away.is_some() { "G" } else { "H" });
        if c.oper {
            flags.push('*');
        }
        if let Some(status) = channel
            .and_then(|f| self.channels.get(f))
            .and_then(|ch| ch.status(member))
        {
            flags.push_str(status.prefixes(self.caps_of(asker).has(Caps::MULTI_PREFIX)));
        }
        if c.bot {
            flags.push('B');
        }
        flags
    }

    /// One 352, or a 354 with the WHOX `fields` (and `token`).
    fn who_line(
        &self,
        ctx: &mut Ctx<'_>,
        channel: Option<&str>,
        member: ClientId,
        whox: Option<(&str, &str)>,
    ) {
        let (id, now, out) = ctx.parts();
        let Some(c) = self.client(member) else { return };
        let shown_channel = channel
            .and_then(|f| self.channels.get(f))
            .map_or("*", |ch| ch.name.as_str());
        let flags = self.who_flags(id, c, member, channel);
        let host = c.host();
        let server = self.config.server_name.as_str();
        let Some((fields, token)) = whox else {
            self.reply(
                id,
                out,
                RPL_WHOREPLY,
                &[
                    shown_channel,
                    c.username(),
                    &host,
                    server,
                    c.target(),
                    &flags,
                    &format!("0 {}", c.realname),
                ],
            );
            return;
        };
        let idle = now
            .instant
            .duration_since(c.last_spoke)
            .as_secs()
            .to_string();
        let mut params: Vec<&str> = Vec::new();
        // WHOX replies in this fixed order, whatever the order asked.
        for f in "tcuihsnfdlaor".chars().filter(|f| fields.contains(*f)) {
            params.push(match f {
                't' => token,
                'c' => shown_channel,
                'u' => c.username(),
                'i' | 'h' => &host,
                's' => server,
                'n' => c.target(),
                'f' => &flags,
                'd' => "0",
                'l' => &idle,
                'a' => "0",
                'o' => "n/a",
                _ => &c.realname,
            });
        }
        // Only the last parameter may be empty or hold spaces.
        if let Some((last, head)) = params.split_last() {
            if head.iter().any(|p| p.is_empty() || p.contains(' ')) {
                return;
            }
            let _ = last;
        }
        self.reply(id, out, RPL_WHOSPCRPL, &params);
    }

    /// `WHO [<mask>|<#room> [%<fields>[,<token>]]]`
    pub(super) fn who(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let id = ctx.id;
        let mask = msg.param(0).filter(|m| !m.is_empty()).unwrap_or("*");
        let whox = msg.param(1).and_then(|o| o.strip_prefix('%')).map(|spec| {
            let (fields, token) = spec.split_once(',').unwrap_or((spec, ""));
            let token = if token.is_empty() || token.len() > 3 {
                "0"
            } else {
                token
            };
            (fields, token)
        });
        let opers_only = msg.param(1) == Some("o");
        let folded = fold(mask);
        if is_channel(mask) {
            if let Some(ch) = self.channels.get(&folded) {
                let member = ch.members.contains_key(&id);
                if self.can_see(id, ch) {
                    for &m in ch.members.keys() {
                        let visible = member || self.client(m).is_some_and(|c| !c.invisible);
                        if visible && (!opers_only || self.client(m).is_some_and(|c| c.oper)) {
                            self.who_line(ctx, Some(&folded), m, whox);
                        }
                    }
                }
            }
        } else {
            let me = self
                .client(id)
                .map(|c| c.channels.clone())
                .unwrap_or_default();
            // A plain nickname is looked up directly, even if invisible.
            if let Some(target) = self.find_nick(mask).filter(|_| !mask.contains(['*', '?'])) {
                self.who_line(ctx, None, target, whox);
            } else {
                for (m, c) in self.live_clients() {
                    if !c.registered {
                        continue;
                    }
                    let shares = c.channels.iter().any(|f| me.contains(f));
                    if c.invisible && m != id && !shares {
                        continue;
                    }
                    if opers_only && !c.oper {
                        continue;
                    }
                    let hit = [
                        fold(c.target()),
                        fold(c.username()),
                        c.host(),
                        fold(&c.realname),
                        fold(&self.config.server_name),
                    ]
                    .iter()
                    .any(|s| mask_matches(&folded, s));
                    if hit {
                        self.who_line(ctx, None, m, whox);
                    }
                }
            }
        }
        self.reply(id, ctx.out, RPL_ENDOFWHO, &[mask, "End of /WHO list."]);
    }

    /// `WHOIS [<server>] <nick>`
    pub(super) fn whois(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let nick = match msg.params.as_slice() {
            [_, nick, ..] => nick,
            [nick] => nick,
            [] => return self.need_more_params(id, command::WHOIS, out),
        };
        let Some(target) = self.find_nick(nick) else {
            self.reply(id, out, ERR_NOSUCHNICK, &[nick, "No such nick/channel"]);
            self.reply(id, out, RPL_ENDOFWHOIS, &[nick, "End of /WHOIS list."]);
            return;
        };
        let Some(c) = self.client(target) else { return };
        let shown = c.target();
        let host = c.host();
        self.reply(
            id,
            out,
            RPL_WHOISUSER,
            &[shown, c.username(), &host, "*", &c.realname],
        );
        let all = self.caps_of(id).has(Caps::MULTI_PREFIX);
        let rooms: Vec<String> = c
            .channels
            .iter()
            .filter_map(|f| self.channels.get(f))
            .filter(|ch| self.can_see(id, ch) || id == target)
            .map(|ch| {
                let status = ch.status(target).unwrap_or_default();
                format!("{}{}", status.prefixes(all), ch.name)
            })
            .collect();
        self.reply_list(
            id,
            out,
            RPL_WHOISCHANNELS,
            &[shown],
            rooms.iter().map(String::as_str),
        );
        let server = &self.config.server_name;
        self.reply(
            id,
            out,
            RPL_WHOISSERVER,
            &[shown, server, &self.config.description],
        );
        if c.oper {
            self.reply(id, out, RPL_WHOISOPERATOR, &[shown, "is an IRC operator"]);
        }
        if c.bot {
            self.reply(id, out, RPL_WHOISBOT, &[shown, "is a bot"]);
        }
        if let Some(away) = &c.away {
            self.reply(id, out, RPL_AWAY, &[shown, away]);
        }
        let idle = now
            .instant
            .duration_since(c.last_spoke)
            .as_secs()
            .to_string();
        let signon = c.signon_unix.to_string();
        self.reply(
            id,
            out,
            RPL_WHOISIDLE,
            &[shown, &idle, &signon, "seconds idle, signon time"],
        );
        self.reply(id, out, RPL_ENDOFWHOIS, &[shown, "End of /WHOIS list."]);
    }

    /// `WHOWAS <nick> [<count>]`
    pub(super) fn whowas(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let [nick, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::WHOWAS, out);
        };
        let count = msg
            .param(1)
            .and_then(|c| c.parse::<i64>().ok())
            .filter(|&c| c > 0)
            .map_or(WHOWAS_MAX_REPLIES, |c| (c as usize).min(WHOWAS_MAX_REPLIES));
        let folded = fold(nick);
        let mut found = false;
        let server = self.config.server_name.clone();
        for e in self
            .whowas
            .iter()
            .rev()
            .filter(|e| e.folded == folded)
            .take(count)
        {
            found = true;
            self.reply(
                id,
                out,
                RPL_WHOWASUSER,
                &[&e.nick, &e.user, &e.host, "*", &e.realname],
            );
            self.reply(
                id,
                out,
                RPL_WHOISSERVER,
                &[&e.nick, &server, &format_server_time(e.left_unix * 1000)],
            );
        }
        if !found {
            self.reply(
                id,
                out,
                ERR_WASNOSUCHNICK,
                &[nick, "There was no such nickname"],
            );
        }
        self.reply(id, out, RPL_ENDOFWHOWAS, &[nick, "End of WHOWAS"]);
    }

    /// `LUSERS`
    pub(super) fn lusers(&mut self, ctx: &mut Ctx<'_>, _msg: &Message) {
        let (id, _, out) = ctx.parts();
        let users = self.registered_count;
        let max = self.max_registered;
        let invisible = self.invisible_count;
        self.reply(
            id,
            out,
            RPL_LUSERCLIENT,
            &[&format!(
                "There are {} users and {invisible} invisible on 1 servers",
                users - invisible
            )],
        );
        if self.oper_count > 0 {
            self.reply(
                id,
                out,
                RPL_LUSEROP,
                &[&self.oper_count.to_string(), "operator(s) online"],
            );
        }
        let unknown = self.client_count - self.registered_count;
        if unknown > 0 {
            self.reply(
                id,
                out,
                RPL_LUSERUNKNOWN,
                &[&unknown.to_string(), "unknown connection(s)"],
            );
        }
        self.reply(
            id,
            out,
            RPL_LUSERCHANNELS,
            &[&self.channels.len().to_string(), "channels formed"],
        );
        self.reply(
            id,
            out,
            RPL_LUSERME,
            &[&format!("I have {users} clients and 0 servers")],
        );
        let (u, m) = (users.to_string(), max.to_string());
        self.reply(
            id,
            out,
            RPL_LOCALUSERS,
            &[&u, &m, &format!("Current local users {u}, max {m}")],
        );
        self.reply(
            id,
            out,
            RPL_GLOBALUSERS,
            &[&u, &m, &format!("Current global users {u}, max {m}")],
        );
    }

    /// `MOTD`
    pub(super) fn send_motd(&mut self, ctx: &mut Ctx<'_>, _msg: &Message) {
        let (id, _, out) = ctx.parts();
        if self.motd().is_empty() {
            self.reply(id, out, ERR_NOMOTD, &["MOTD File is missing"]);
            return;
        }
        let server = self.config.server_name.clone();
        self.reply(
            id,
            out,
            RPL_MOTDSTART,
            &[&format!("- {server} Message of the day - ")],
        );
        for line in self.motd() {
            self.reply(id, out, RPL_MOTD, &[&format!("- {line}")]);
        }
        self.reply(id, out, RPL_ENDOFMOTD, &["End of /MOTD command."]);
    }

    /// `USERHOST <nick>{ <nick>}`
    pub(super) fn userhost(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let replies: Vec<String> = msg
            .params
            .iter()
            .take(5)
            .filter_map(|n| self.find_nick(n).and_then(|t| self.client(t)))
            .map(|c| {
                let away = if c.away.is_some() { '-' } else { '+' };
                let oper = if c.oper { "*" } else { "" };
                format!("{}{oper}={away}{}@{}", c.target(), c.username(), c.host())
            })
            .collect();
        self.reply(id, out, RPL_USERHOST, &[&replies.join(" ")]);
    }

    /// `ISON <nick>{ <nick>}`
    pub(super) fn ison(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let online: Vec<&str> = msg
            .params
            .iter()
            .flat_map(|p| p.split(' '))
            .take(32)
            .filter_map(|n| self.find_nick(n).and_then(|t| self.client(t)))
            .map(|c| c.target())
            .collect();
        self.reply(id, out, RPL_ISON, &[&online.join(" ")]);
    }

    /// Whether a `[<server>]` parameter names another server (402).
    fn other_server(&self, id: ClientId, msg: &Message, out: &mut Outbox) -> bool {
        match msg.param(0).filter(|s| !s.is_empty()) {
            Some(s) if !mask_matches(&fold(s), &fold(&self.config.server_name)) => {
                self.reply(id, out, ERR_NOSUCHSERVER, &[s, "No such server"]);
                true
            }
            _ => false,
        }
    }

    /// `TIME [<server>]`
    pub(super) fn time(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        if self.other_server(id, msg, out) {
            return;
        }
        let server = self.config.server_name.clone();
        let when = format_server_time(now.unix_ms);
        self.reply(
            id,
            out,
            RPL_TIME,
            &[&server, &now.unix_secs().to_string(), "0", &when],
        );
    }

    /// `VERSION [<server>]`
    pub(super) fn version(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        if self.other_server(id, msg, out) {
            return;
        }
        let server = self.config.server_name.clone();
        self.reply(
            id,
            out,
            RPL_VERSION,
            &[VERSION, &server, "A lightweight self-hosted chat room"],
        );
        self.send_isupport(id, out);
    }

    /// `INFO [<server>]`
    pub(super) fn info(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        if self.other_server(id, msg, out) {
            return;
        }
        let created = format_server_time(self.created_unix * 1000);
        for line in [
            format!("{VERSION}: Banter, a lightweight self-hosted chat room."),
            "It speaks IRC (RFC 1459/2812 and IRCv3); any IRC client can join.".to_owned(),
            "Licensed under the MIT licence.".to_owned(),
            format!("Running since {created}."),
        ] {
            self.reply(id, out, RPL_INFO, &[&line]);
        }
        self.reply(id, out, RPL_ENDOFINFO, &["End of /INFO list"]);
    }

    /// `ADMIN [<server>]`
    pub(super) fn admin(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        if self.other_server(id, msg, out) {
            return;
        }
        let server = self.config.server_name.clone();
        self.reply(id, out, RPL_ADMINME, &[&server, "Administrative info"]);
        self.reply(id, out, RPL_ADMINLOC1, &["This room is run by its host"]);
        self.reply(id, out, RPL_ADMINLOC2, &["Ask the host in the room"]);
        self.reply(id, out, RPL_ADMINEMAIL, &["-"]);
    }

    /// `LINKS [[<remote>] <mask>]`: this server alone, as it has no peers.
    pub(super) fn links(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let server = self.config.server_name.clone();
        let mask = msg.params.last().map_or("*", String::as_str);
        if mask_matches(&fold(mask), &fold(&server)) {
            self.reply(
                id,
                out,
                RPL_LINKS,
                &[&server, &server, &format!("0 {}", self.config.description)],
            );
        }
        self.reply(id, out, RPL_ENDOFLINKS, &[mask, "End of /LINKS list."]);
    }

    /// `HELP [<subject>]` (also `HELPOP`)
    pub(super) fn help(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let subject = msg.param(0).filter(|s| !s.is_empty()).unwrap_or("index");
        let key = subject.to_ascii_lowercase();
        let Some((_, lines)) = HELP.iter().find(|(k, _)| *k == key) else {
            self.reply(
                id,
                out,
                ERR_HELPNOTFOUND,
                &[subject, "No help available on this topic"],
            );
            return;
        };
        let Some((first, rest)) = lines.split_first() else {
            return;
        };
        self.reply(id, out, RPL_HELPSTART, &[subject, first]);
        for line in rest {
            self.reply(id, out, RPL_HELPTXT, &[subject, line]);
        }
        self.reply(id, out, RPL_ENDOFHELP, &[subject, "End of /HELP."]);
    }
}
