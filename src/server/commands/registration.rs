//! Registration and the connection's own state: CAP, PASS, NICK, USER, PING,
//! QUIT, AWAY, SETNAME, and the welcome burst.

use super::super::chat::{
    fold_mask, truncate, Caps, Chat, Whowas, KICK_LEN, MAX_LIST, MAX_MONITOR, MAX_TARGETS,
    REALNAME_LEN, SUPPORTED_CAPS, TOPIC_LEN, VERSION,
};
use super::super::outbox::{ClientId, Outbox};
use super::super::relay::Relay;
use super::Ctx;
use crate::proto::command;
use crate::proto::names::{
    check_scripts, fold, validate_nick, CHANNEL_LEN, LOOKALIKE_REASON, MIXED_SCRIPTS_REASON,
};
use crate::proto::numeric::*;
use crate::proto::time::format_server_time;
use crate::proto::Message;

impl Chat {
    /// `CAP LS [302] | LIST | REQ :<caps> | END`
    pub(super) fn cap(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let [sub, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::CAP, out);
        };
        let sub_upper = sub.to_ascii_uppercase();
        let Some(client) = self.client_mut(id) else {
            return;
        };
        let nick = client.target().to_owned();
        match sub_upper.as_str() {
            "LS" => {
                if !client.registered {
                    client.cap_negotiating = true;
                }
                // CAP LS 302 implies cap-notify (IRCv3 capability negotiation).
                if msg.param(1).and_then(|v| v.parse::<u32>().ok()) >= Some(302) {
                    client.caps.insert(Caps::CAP_NOTIFY);
                }
                let names: Vec<&str> = SUPPORTED_CAPS.iter().map(|(n, _)| *n).collect();
                self.server_line(id, out, command::CAP, &[&nick, "LS", &names.join(" ")]);
            }
            "LIST" => {
                let caps = client.caps;
                let names: Vec<&str> = SUPPORTED_CAPS
                    .iter()
                    .filter(|(_, c)| caps.has(*c))
                    .map(|(n, _)| *n)
                    .collect();
                self.server_line(id, out, command::CAP, &[&nick, "LIST", &names.join(" ")]);
            }
            "REQ" => {
                if !client.registered {
                    client.cap_negotiating = true;
                }
                let requested = msg.param(1).unwrap_or("");
                let mut caps = client.caps;
                let mut ok = true;
                for word in requested.split(' ').filter(|w| !w.is_empty()) {
                    let (remove, name) = match word.strip_prefix('-') {
                        Some(name) => (true, name),
                        None => (false, word),
                    };
                    match SUPPORTED_CAPS.iter().find(|(n, _)| *n == name) {
                        Some((_, cap)) if remove => caps.remove(*cap),
                        Some((_, cap)) => caps.insert(*cap),
                        None => ok = false,
                    }
                }
                if ok {
                    client.caps = caps;
                }
                let verdict = if ok { "ACK" } else { "NAK" };
                self.server_line(id, out, command::CAP, &[&nick, verdict, requested]);
            }
            "END" => {
                client.cap_negotiating = false;
                self.try_register(ctx);
            }
            _ => self.reply(id, out, ERR_INVALIDCAPCMD, &[sub, "Invalid CAP command"]),
        }
    }

    /// `PASS <password>`
    pub(super) fn pass(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let [password, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::PASS, out);
        };
        let expected = self.config.password.clone();
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if client.registered {
            self.reply(id, out, ERR_ALREADYREGISTERED, &["You may not reregister"]);
            return;
        }
        client.password_ok = expected.is_none_or(|p| &p == password);
    }

    /// `USER <username> <mode> <unused> :<realname>`
    pub(super) fn user(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let [username, _, _, realname, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::USER, out);
        };
        if username.is_empty() || realname.is_empty() {
            return self.need_more_params(id, command::USER, out);
        }
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if client.registered {
            self.reply(id, out, ERR_ALREADYREGISTERED, &["You may not reregister"]);
            return;
        }
        // The username shows in `nick!user@host`, so keep it to safe characters.
        let user: String = username
            .chars()
            .filter(|c| c.is_alphanumeric() || "-_.".contains(*c))
            .take(16)
            .collect();
        client.user = Some(if user.is_empty() {
            "user".into()
        } else {
            format!("~{user}")
        });
        client.realname = truncate(realname, REALNAME_LEN).to_owned();
        self.try_register(ctx);
    }

    /// `NICK <nickname>`
    pub(super) fn nick(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let Some(wanted) = msg.param(0).filter(|n| !n.is_empty()) else {
            self.reply(id, out, ERR_NONICKNAMEGIVEN, &["No nickname given"]);
            return;
        };
        if let Err(e) = validate_nick(wanted, self.config.nick_len) {
            self.reply(
                id,
                out,
                ERR_ERRONEUSNICKNAME,
                &[wanted, &format!("Erroneous nickname: {e}")],
            );
            return;
        }
        let folded = fold(wanted);
        if self.held_for_other(&folded, id) {
            self.reply(
                id,
                out,
                ERR_NICKNAMEINUSE,
                &[
                    wanted,
                    "Nickname is held for someone whose connection was lost; try another name or wait two minutes",
                ],
            );
            return;
        }
        match self.nicks.get(&folded) {
            Some(&owner) if owner != id => {
                self.reply(
                    id,
                    out,
                    ERR_NICKNAMEINUSE,
                    &[wanted, "Nickname is already in use"],
                );
                return;
            }
            _ => {}
        }
        // `Аna` with a Cyrillic `А` is not a second `Ana` (UTS #39 skeletons,
        // as ergo does), whether Ana is here, logging in or holding a seat.
        if self.looks_like_another(wanted, id) {
            self.reply(id, out, ERR_NICKNAMEINUSE, &[wanted, LOOKALIKE_REASON]);
            return;
        }
        // After the look-alike check: "looks the same as one in use" says
        // more than "mixes alphabets" when both hold.
        if check_scripts(wanted).is_err() {
            self.reply(
                id,
                out,
                ERR_ERRONEUSNICKNAME,
                &[wanted, MIXED_SCRIPTS_REASON],
            );
            return;
        }
        // A new name would slip out of a `nick!*@*` ban or mute, which is
        // how hosts usually set them: refused while one applies (Solanum).
        if let Some(room) = self.held_back_by_room(id) {
            self.reply(
                id,
                out,
                ERR_BANNICKCHANGE,
                &[
                    wanted,
                    &room,
                    "Cannot change your name while you are banned or muted in this room",
                ],
            );
            return;
        }
        let Some(client) = self.client_mut(id) else {
            return;
        };
        let old = client.nick.replace(wanted.to_owned());
        if old.as_deref() == Some(wanted) {
            return;
        }
        if let Some(old) = &old {
            let old_folded = fold(old);
            if old_folded != folded {
                self.nicks.remove(&old_folded);
            }
        }
        self.nicks.insert(folded, id);
        if let Some(old) = &old {
            self.release_skeleton(old);
        }
        self.claim_skeleton(wanted);
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if !client.registered {
            self.try_register(ctx);
            return;
        }
        let old_mask = std::mem::take(&mut client.mask);
        client.mask = format!("{wanted}!{}@{}", client.username(), client.host());
        let addr = client.addr;
        let new_mask = client.mask.clone();
        let Some(client) = self.client(id) else {
            return;
        };
        let mut to = self.peers_of(&client.channels, id);
        to.push(id);
        let rooms: Vec<String> = client.channels.iter().cloned().collect();
        let bot = client.bot;
        let msgid = self.msgid();
        let mut relay = Relay::new(now, &old_mask, command::NICK, vec![wanted.to_owned()])
            .with_msgid(msgid, bot);
        self.deliver(&mut relay, to, out);
        for room in &rooms {
            self.record(room, &relay, out);
        }
        if let Some(old) = &old {
            // WHOWAS remembers the old name as its owner left it.
            if let Some(c) = self.client(id) {
                let entry = Whowas::of(c, old, now);
                self.remember(entry);
            }
            // A change of case only is the same name to MONITOR.
            if fold(old) != fold(wanted) {
                // A new name is a new person to the private history.
                self.history.forget_dms_of(&fold(old));
                self.notify_monitors(old, None, out);
                self.notify_monitors(wanted, Some(&new_mask), out);
            }
        }
        log::info!(
            "{addr} ({}) is now known as {wanted}",
            old.as_deref().unwrap_or("*")
        );
    }

    fn try_register(&mut self, ctx: &mut Ctx<'_>) {
        let (id, now, out) = ctx.parts();
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if client.registered || client.cap_negotiating {
            return;
        }
        let (Some(nick), Some(user)) = (client.nick.clone(), client.user.clone()) else {
            return;
        };
        if !client.password_ok {
            self.reply(id, out, ERR_PASSWDMISMATCH, &["Password incorrect"]);
            self.error_and_close(id, "Bad password", now, out);
            return;
        }
        client.registered = true;
        client.mask = format!("{nick}!{user}@{}", client.host());
        let addr = client.addr;
        let mask = client.mask.clone();
        self.registered_count += 1;
        self.max_registered = self.max_registered.max(self.registered_count);
        log::info!(
            "{addr} registered as {nick}; {} online",
            self.registered_count
        );
        self.welcome(ctx);
        self.after_welcome(ctx);
        self.notify_monitors(&nick, Some(&mask), ctx.out);
    }

    /// The ISUPPORT (005) tokens, exactly as implemented.
    fn isupport(&self) -> Vec<String> {
        let cfg = &self.config;
        let room = (!cfg.room.is_empty()).then(|| {
            // ISUPPORT values escape a space, a backslash and `=`.
            let escaped = cfg
                .room
                .replace('\\', "\\x5C")
                .replace(' ', "\\x20")
                .replace('=', "\\x3D");
            format!("{ISUPPORT_ROOM}={escaped}")
        });
        let mut tokens = vec![
            format!("AWAYLEN={TOPIC_LEN}"),
            "BOT=B".into(),
            "CASEMAPPING=rfc8265".into(),
            format!("CHATHISTORY={}", cfg.chathistory_max),
            format!("CHANLIMIT=#:{}", cfg.max_joined),
            "CHANMODES=beIq,k,lP,Cimnst".into(),
            format!("CHANNELLEN={CHANNEL_LEN}"),
            "CHANTYPES=#".into(),
            "ELIST=CMNTU".into(),
            "EXCEPTS=e".into(),
            "INVEX=I".into(),
            format!("KICKLEN={KICK_LEN}"),
            format!("MAXLIST=beIq:{MAX_LIST}"),
            format!("MAXTARGETS={MAX_TARGETS}"),
            format!("MODES={}", super::modes::MAX_MODES),
            format!("MONITOR={MAX_MONITOR}"),
            "MSGREFTYPES=msgid,timestamp".into(),
            format!("NETWORK={}", cfg.network),
            format!("NICKLEN={}", cfg.nick_len),
            "PREFIX=(Oov)~@+".into(),
            "SAFELIST".into(),
            "STATUSMSG=@+".into(),
            format!(
                "TARGMAX=JOIN:,KICK:{MAX_TARGETS},LIST:,MONITOR:,NAMES:,NOTICE:{MAX_TARGETS},PART:,PRIVMSG:{MAX_TARGETS},WHOIS:1"
            ),
            format!("TOPICLEN={TOPIC_LEN}"),
            "UTF8ONLY".into(),
            "WHOX".into(),
        ];
        tokens.extend(room);
        tokens
    }

    /// 005 lines, at most 13 tokens each.
    pub(super) fn send_isupport(&self, id: ClientId, out: &mut Outbox) {
        let tokens = self.isupport();
        for chunk in tokens.chunks(13) {
            let mut params: Vec<&str> = chunk.iter().map(String::as_str).collect();
            params.push("are supported by this server");
            self.reply(id, out, RPL_ISUPPORT, &params);
        }
    }

    fn welcome(&mut self, ctx: &mut Ctx<'_>) {
        let (id, _, out) = ctx.parts();
        let Some(client) = self.client(id) else {
            return;
        };
        let mask = client.mask.clone();
        let cfg = &self.config;
        let server = cfg.server_name.clone();
        self.reply(
            id,
            out,
            RPL_WELCOME,
            &[&format!(
                "Welcome to the {} IRC Network {mask}",
                cfg.network
            )],
        );
        self.reply(
            id,
            out,
            RPL_YOURHOST,
            &[&format!("Your host is {server}, running version {VERSION}")],
        );
        let created = format_server_time(self.created_unix * 1000);
        self.reply(
            id,
            out,
            RPL_CREATED,
            &[&format!("This server was created {created}")],
        );
        self.reply(
            id,
            out,
            RPL_MYINFO,
            &[&server, VERSION, "Biow", "CIbeiklmnoqstv", "Ibekloqv"],
        );
        self.send_isupport(id, out);
        self.lusers(ctx, &Message::default());
        self.send_motd(ctx, &Message::default());
    }

    /// `PING <token>`
    pub(super) fn ping(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let Some(token) = msg.param(0).filter(|t| !t.is_empty()) else {
            self.reply(id, out, ERR_NOORIGIN, &["No origin specified"]);
            return;
        };
        let server = self.config.server_name.clone();
        self.server_line(id, out, command::PONG, &[&server, token]);
    }

    /// `QUIT [:<reason>]`
    pub(super) fn quit(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let reason = match msg.param(0).filter(|r| !r.is_empty()) {
            Some(r) => format!("Quit: {}", truncate(r, TOPIC_LEN)),
            None => "Client Quit".into(),
        };
        self.error_and_close(id, &reason, now, out);
    }

    /// `AWAY [:<message>]`
    pub(super) fn away(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let text = msg
            .param(0)
            .filter(|t| !t.is_empty())
            .map(|t| truncate(t, TOPIC_LEN).to_owned());
        let Some(client) = self.client_mut(id) else {
            return;
        };
        let now_away = text.is_some();
        client.away = text.clone();
        let mask = client.mask.clone();
        if now_away {
            self.reply(
                id,
                out,
                RPL_NOWAWAY,
                &["You have been marked as being away"],
            );
        } else {
            self.reply(
                id,
                out,
                RPL_UNAWAY,
                &["You are no longer marked as being away"],
            );
        }
        let to = self.cap_watchers(id, Caps::AWAY_NOTIFY, false);
        let mut relay = Relay::new(now, &mask, command::AWAY, text.into_iter().collect());
        self.deliver(&mut relay, to, out);
    }

    /// `SETNAME :<realname>`
    pub(super) fn setname(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let [realname, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::SETNAME, out);
        };
        if realname.is_empty() || realname.len() > REALNAME_LEN {
            self.server_line(
                id,
                out,
                command::FAIL,
                &[
                    command::SETNAME,
                    "INVALID_REALNAME",
                    &format!("Realname must be 1 to {REALNAME_LEN} bytes"),
                ],
            );
            return;
        }
        let Some(client) = self.client_mut(id) else {
            return;
        };
        client.realname = realname.clone();
        let mask = client.mask.clone();
        let to = self.cap_watchers(id, Caps::SETNAME, true);
        let mut relay = Relay::new(now, &mask, command::SETNAME, vec![realname.clone()]);
        self.deliver(&mut relay, to, out);
    }
}

impl Chat {
    /// The first room where `id` is banned or muted without a voice to
    /// speak past it, if any (the rooms a rename must not slip out of).
    fn held_back_by_room(&self, id: ClientId) -> Option<String> {
        let client = self.client(id).filter(|c| c.registered)?;
        client.channels.iter().find_map(|folded| {
            let ch = self.channels.get(folded)?;
            ch.silenced_by(id, || fold_mask(&client.mask))
                .map(|_| ch.name.clone())
        })
    }
}
