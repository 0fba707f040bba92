//! Command handlers and the table that dispatches to them.
//!
//! The table does the checks every handler would repeat: registered yet (451),
//! enough parameters (461), known command (421). Each handler's doc is its
//! syntax line.

use std::collections::BTreeSet;

use super::chat::{
    truncate, Caps, Channel, Chat, Now, Relay, Topic, MAX_TARGETS, SUPPORTED_CAPS, TOPIC_LEN,
    VERSION,
};
use super::outbox::{ClientId, Outbox};
use crate::proto::names::{fold, is_channel, validate_channel, validate_nick, CHANNEL_LEN};
use crate::proto::numeric::*;
use crate::proto::time::format_server_time;
use crate::proto::Message;

type Handler = fn(&mut Chat, ClientId, &Message, &Now, &mut Outbox);

struct Command {
    name: &'static str,
    min_params: usize,
    needs_registration: bool,
    run: Handler,
}

const fn cmd(
    name: &'static str,
    min_params: usize,
    needs_registration: bool,
    run: Handler,
) -> Command {
    Command {
        name,
        min_params,
        needs_registration,
        run,
    }
}

const COMMANDS: &[Command] = &[
    cmd("PRIVMSG", 0, true, Chat::privmsg),
    cmd("NOTICE", 0, true, Chat::privmsg),
    cmd("TAGMSG", 1, true, Chat::tagmsg),
    cmd("PING", 0, false, Chat::ping),
    cmd("PONG", 0, false, |_, _, _, _, _| {}),
    cmd("JOIN", 1, true, Chat::join),
    cmd("PART", 1, true, Chat::part),
    cmd("NICK", 0, false, Chat::nick),
    cmd("USER", 4, false, Chat::user),
    cmd("PASS", 1, false, Chat::pass),
    cmd("CAP", 1, false, Chat::cap),
    cmd("QUIT", 0, false, Chat::quit),
    cmd("TOPIC", 1, true, Chat::topic),
    cmd("NAMES", 0, true, Chat::names),
    cmd("LIST", 0, true, Chat::list),
    cmd("WHO", 1, true, Chat::who),
    cmd("WHOIS", 1, true, Chat::whois),
    cmd("LUSERS", 0, true, Chat::lusers),
    cmd("MOTD", 0, true, Chat::send_motd),
    cmd("AWAY", 0, true, Chat::away),
    cmd("MODE", 1, true, Chat::mode),
    cmd("USERHOST", 1, true, Chat::userhost),
    cmd("ISON", 1, true, Chat::ison),
];

impl Chat {
    pub(crate) fn dispatch(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let registered = self.client(id).is_some_and(|c| c.registered);
        let Some(command) = COMMANDS
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&msg.command))
        else {
            if registered {
                self.reply(
                    id,
                    out,
                    ERR_UNKNOWNCOMMAND,
                    &[&msg.command, "Unknown command"],
                );
            } else {
                self.reply(id, out, ERR_NOTREGISTERED, &["You have not registered"]);
            }
            return;
        };
        if command.needs_registration && !registered {
            self.reply(id, out, ERR_NOTREGISTERED, &["You have not registered"]);
            return;
        }
        if msg.params.len() < command.min_params {
            self.reply(
                id,
                out,
                ERR_NEEDMOREPARAMS,
                &[command.name, "Not enough parameters"],
            );
            return;
        }
        (command.run)(self, id, msg, now, out);
    }

    /// `CAP LS [302] | LIST | REQ :<caps> | END`
    fn cap(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let sub = msg.params[0].to_ascii_uppercase();
        let Some(client) = self.client_mut(id) else {
            return;
        };
        let nick = client.target().to_owned();
        match sub.as_str() {
            "LS" => {
                if !client.registered {
                    client.cap_negotiating = true;
                }
                let names: Vec<&str> = SUPPORTED_CAPS.iter().map(|(n, _)| *n).collect();
                self.server_line(id, out, "CAP", &[&nick, "LS", &names.join(" ")]);
            }
            "LIST" => {
                let caps = client.caps;
                let names: Vec<&str> = SUPPORTED_CAPS
                    .iter()
                    .filter(|(_, c)| caps.has(*c))
                    .map(|(n, _)| *n)
                    .collect();
                self.server_line(id, out, "CAP", &[&nick, "LIST", &names.join(" ")]);
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
                self.server_line(id, out, "CAP", &[&nick, verdict, requested]);
            }
            "END" => {
                client.cap_negotiating = false;
                self.try_register(id, now, out);
            }
            _ => self.reply(
                id,
                out,
                ERR_INVALIDCAPCMD,
                &[&msg.params[0], "Invalid CAP command"],
            ),
        }
    }

    /// `PASS <password>`
    fn pass(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        let expected = self.config.password.clone();
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if client.registered {
            self.reply(id, out, ERR_ALREADYREGISTERED, &["You may not reregister"]);
            return;
        }
        client.password_ok = expected.is_none_or(|p| p == msg.params[0]);
    }

    /// `USER <username> <mode> <unused> :<realname>`
    fn user(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if client.registered {
            self.reply(id, out, ERR_ALREADYREGISTERED, &["You may not reregister"]);
            return;
        }
        // The username shows in `nick!user@host`, so keep it to safe characters.
        let user: String = msg.params[0]
            .chars()
            .filter(|c| c.is_alphanumeric() || "-_.".contains(*c))
            .take(16)
            .collect();
        client.user = Some(if user.is_empty() {
            "user".into()
        } else {
            format!("~{user}")
        });
        client.realname = truncate(&msg.params[3], 100).to_owned();
        self.try_register(id, now, out);
    }

    /// `NICK <nickname>`
    fn nick(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
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
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if !client.registered {
            self.try_register(id, now, out);
            return;
        }
        let old_mask = std::mem::take(&mut client.mask);
        client.mask = format!(
            "{wanted}!{}@{}",
            client.user.as_deref().unwrap_or("user"),
            client.host()
        );
        let addr = client.addr;
        let Some(client) = self.client(id) else {
            return;
        };
        let mut to = self.peers_of(&client.channels, id);
        to.insert(id);
        let mut relay = Relay::new(now, &old_mask, "NICK", vec![wanted.to_owned()]);
        self.deliver(&mut relay, to, out);
        log::info!(
            "{addr} ({}) is now known as {wanted}",
            old.as_deref().unwrap_or("*")
        );
    }

    fn try_register(&mut self, id: ClientId, now: &Now, out: &mut Outbox) {
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
        self.registered_count += 1;
        self.max_registered = self.max_registered.max(self.registered_count);
        log::info!(
            "{addr} registered as {nick}; {} online",
            self.registered_count
        );
        self.welcome(id, now, out);
    }

    fn welcome(&mut self, id: ClientId, now: &Now, out: &mut Outbox) {
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
        self.reply(id, out, RPL_MYINFO, &[&server, VERSION, "i", "nt"]);
        let tokens = [
            format!("AWAYLEN={TOPIC_LEN}"),
            "CASEMAPPING=rfc8265".into(),
            format!("CHANLIMIT=#:{}", cfg.max_joined),
            "CHANMODES=b,,,nt".into(),
            format!("CHANNELLEN={CHANNEL_LEN}"),
            "CHANTYPES=#".into(),
            format!("MAXTARGETS={MAX_TARGETS}"),
            format!("NETWORK={}", cfg.network),
            format!("NICKLEN={}", cfg.nick_len),
            "PREFIX=(ov)@+".into(),
            format!("TOPICLEN={TOPIC_LEN}"),
            "UTF8ONLY".into(),
        ];
        let mut params: Vec<&str> = tokens.iter().map(String::as_str).collect();
        params.push("are supported by this server");
        self.reply(id, out, RPL_ISUPPORT, &params);
        self.lusers(id, &Message::default(), now, out);
        self.send_motd(id, &Message::default(), now, out);
    }

    /// `LUSERS`
    fn lusers(&mut self, id: ClientId, _msg: &Message, _now: &Now, out: &mut Outbox) {
        let users = self.registered_count;
        let max = self.max_registered;
        let invisible = self
            .clients
            .iter()
            .flatten()
            .filter(|c| c.registered && c.invisible)
            .count();
        self.reply(
            id,
            out,
            RPL_LUSERCLIENT,
            &[&format!(
                "There are {} users and {invisible} invisible on 1 servers",
                users - invisible
            )],
        );
        self.reply(id, out, RPL_LUSEROP, &["0", "operator(s) online"]);
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
    fn send_motd(&mut self, id: ClientId, _msg: &Message, _now: &Now, out: &mut Outbox) {
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

    /// `PING <token>`
    fn ping(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        let Some(token) = msg.param(0) else {
            self.reply(id, out, ERR_NOORIGIN, &["No origin specified"]);
            return;
        };
        let server = self.config.server_name.clone();
        self.server_line(id, out, "PONG", &[&server, token]);
    }

    /// `QUIT [:<reason>]`
    fn quit(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let reason = match msg.param(0).filter(|r| !r.is_empty()) {
            Some(r) => format!("Quit: {}", truncate(r, TOPIC_LEN)),
            None => "Client Quit".into(),
        };
        self.error_and_close(id, &reason, now, out);
    }

    /// `JOIN <channel>{,<channel>} [<keys>]` or `JOIN 0`
    fn join(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        if msg.params[0] == "0" {
            let joined: Vec<String> = self
                .client(id)
                .map(|c| c.channels.iter().cloned().collect())
                .unwrap_or_default();
            for folded in joined {
                self.part_one(id, &folded, None, now, out);
            }
            return;
        }
        for name in msg.params[0].split(',').filter(|n| !n.is_empty()) {
            self.join_one(id, name, now, out);
        }
    }

    fn join_one(&mut self, id: ClientId, name: &str, now: &Now, out: &mut Outbox) {
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
        if !self.channels.contains_key(&folded) {
            if self.channels.len() >= self.config.max_channels {
                self.reply(
                    id,
                    out,
                    ERR_TOOMANYCHANNELS,
                    &[name, "The server has too many channels"],
                );
                return;
            }
            self.channels.insert(
                folded.clone(),
                Channel {
                    name: name.to_owned(),
                    topic: None,
                    members: BTreeSet::new(),
                    created_unix: now.unix_secs(),
                    permanent: false,
                },
            );
        }
        let Some(ch) = self.channels.get_mut(&folded) else {
            return;
        };
        ch.members.insert(id);
        let display = ch.name.clone();
        if let Some(c) = self.client_mut(id) {
            c.channels.insert(folded.clone());
        }
        let mut relay = Relay::new(now, &mask, "JOIN", vec![display.clone()]);
        if let Some(ch) = self.channels.get(&folded) {
            self.deliver(&mut relay, ch.members.iter().copied(), out);
        }
        self.send_topic(id, &folded, out);
        self.send_names(id, &folded, out);
        if self.config.message_log {
            log::info!(
                "{display}: {} joined",
                mask.split('!').next().unwrap_or(&mask)
            );
        }
    }

    /// `PART <channel>{,<channel>} [:<reason>]`
    fn part(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let reason = msg.param(1).map(|r| truncate(r, TOPIC_LEN));
        for name in msg.params[0].split(',').filter(|n| !n.is_empty()) {
            let folded = fold(name);
            if !self.channels.contains_key(&folded) {
                self.reply(id, out, ERR_NOSUCHCHANNEL, &[name, "No such channel"]);
            } else if !self
                .client(id)
                .is_some_and(|c| c.channels.contains(&folded))
            {
                self.reply(
                    id,
                    out,
                    ERR_NOTONCHANNEL,
                    &[name, "You're not on that channel"],
                );
            } else {
                self.part_one(id, &folded, reason, now, out);
            }
        }
    }

    fn part_one(
        &mut self,
        id: ClientId,
        folded: &str,
        reason: Option<&str>,
        now: &Now,
        out: &mut Outbox,
    ) {
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        let Some(client) = self.client(id) else {
            return;
        };
        let mut params = vec![ch.name.clone()];
        params.extend(reason.map(str::to_owned));
        let mut relay = Relay::new(now, &client.mask, "PART", params);
        self.deliver(&mut relay, ch.members.iter().copied(), out);
        if self.config.message_log {
            log::info!("{}: {} left", ch.name, client.target());
        }
        if let Some(c) = self.client_mut(id) {
            c.channels.remove(folded);
        }
        self.leave_channel(folded, id);
    }

    fn send_topic(&self, id: ClientId, folded: &str, out: &mut Outbox) {
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
            None => self.reply(id, out, RPL_NOTOPIC, &[&ch.name, "No topic is set"]),
        }
    }

    fn send_names(&self, id: ClientId, folded: &str, out: &mut Outbox) {
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        let mut line = String::new();
        for member in &ch.members {
            let Some(nick) = self.client(*member).and_then(|c| c.nick.as_deref()) else {
                continue;
            };
            // Keep each 353 well under the 512-byte line limit.
            if !line.is_empty() && line.len() + nick.len() > 400 {
                self.reply(id, out, RPL_NAMREPLY, &["=", &ch.name, &line]);
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(nick);
        }
        if !line.is_empty() {
            self.reply(id, out, RPL_NAMREPLY, &["=", &ch.name, &line]);
        }
        self.reply(id, out, RPL_ENDOFNAMES, &[&ch.name, "End of /NAMES list."]);
    }

    /// `NAMES [<channel>{,<channel>}]`
    fn names(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        match msg.param(0) {
            Some(list) => {
                for name in list.split(',').filter(|n| !n.is_empty()) {
                    let folded = fold(name);
                    if self.channels.contains_key(&folded) {
                        self.send_names(id, &folded, out);
                    } else {
                        self.reply(id, out, RPL_ENDOFNAMES, &[name, "End of /NAMES list."]);
                    }
                }
            }
            None => {
                let joined: Vec<String> = self
                    .client(id)
                    .map(|c| c.channels.iter().cloned().collect())
                    .unwrap_or_default();
                for folded in joined {
                    self.send_names(id, &folded, out);
                }
            }
        }
    }

    /// `TOPIC <channel> [:<topic>]`
    fn topic(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let name = &msg.params[0];
        let folded = fold(name);
        if !self.channels.contains_key(&folded) {
            self.reply(id, out, ERR_NOSUCHCHANNEL, &[name, "No such channel"]);
            return;
        }
        let Some(text) = msg.param(1) else {
            self.send_topic(id, &folded, out);
            return;
        };
        let Some(client) = self.client(id) else {
            return;
        };
        if !client.channels.contains(&folded) {
            self.reply(
                id,
                out,
                ERR_NOTONCHANNEL,
                &[name, "You're not on that channel"],
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
        let mut relay = Relay::new(now, &mask, "TOPIC", vec![display.clone(), text.clone()]);
        if let Some(ch) = self.channels.get(&folded) {
            self.deliver(&mut relay, ch.members.iter().copied(), out);
        }
        if self.config.message_log {
            log::info!("{display}: {setter} set the topic to {text:?}");
        }
    }

    /// `LIST [<channel>{,<channel>}]`
    fn list(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        let wanted: Option<BTreeSet<String>> =
            msg.param(0).map(|l| l.split(',').map(fold).collect());
        self.reply(id, out, RPL_LISTSTART, &["Channel", "Users  Name"]);
        for (folded, ch) in &self.channels {
            if wanted.as_ref().is_some_and(|w| !w.contains(folded)) {
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

    fn who_line(&self, id: ClientId, channel: &str, member: ClientId, out: &mut Outbox) {
        let Some(c) = self.client(member) else { return };
        let flags = if c.away.is_some() { "G" } else { "H" };
        let host = c.host();
        let user = c.user.as_deref().unwrap_or("user");
        self.reply(
            id,
            out,
            RPL_WHOREPLY,
            &[
                channel,
                user,
                &host,
                &self.config.server_name,
                c.target(),
                flags,
                &format!("0 {}", c.realname),
            ],
        );
    }

    /// `WHO <channel>|<nick>`
    fn who(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        let mask = &msg.params[0];
        let folded = fold(mask);
        if is_channel(mask) {
            if let Some(ch) = self.channels.get(&folded) {
                for &member in &ch.members {
                    self.who_line(id, &ch.name, member, out);
                }
            }
        } else if let Some(&target) = self.nicks.get(&folded) {
            if self.client(target).is_some_and(|c| c.registered) {
                self.who_line(id, "*", target, out);
            }
        }
        self.reply(id, out, RPL_ENDOFWHO, &[mask, "End of /WHO list."]);
    }

    /// `WHOIS [<server>] <nick>`
    fn whois(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let nick = msg.param(1).unwrap_or(&msg.params[0]);
        let target = self.nicks.get(&fold(nick)).copied();
        let Some(c) = target.and_then(|t| self.client(t)).filter(|c| c.registered) else {
            self.reply(id, out, ERR_NOSUCHNICK, &[nick, "No such nick/channel"]);
            self.reply(id, out, RPL_ENDOFWHOIS, &[nick, "End of /WHOIS list."]);
            return;
        };
        let shown = c.target();
        let host = c.host();
        self.reply(
            id,
            out,
            RPL_WHOISUSER,
            &[
                shown,
                c.user.as_deref().unwrap_or("user"),
                &host,
                "*",
                &c.realname,
            ],
        );
        let rooms: Vec<&str> = c
            .channels
            .iter()
            .filter_map(|f| self.channels.get(f))
            .map(|ch| ch.name.as_str())
            .collect();
        if !rooms.is_empty() {
            self.reply(id, out, RPL_WHOISCHANNELS, &[shown, &rooms.join(" ")]);
        }
        let server = &self.config.server_name;
        self.reply(
            id,
            out,
            RPL_WHOISSERVER,
            &[shown, server, &format!("{} server", self.config.network)],
        );
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

    /// `AWAY [:<message>]`
    fn away(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        let text = msg
            .param(0)
            .filter(|t| !t.is_empty())
            .map(|t| truncate(t, TOPIC_LEN).to_owned());
        let Some(client) = self.client_mut(id) else {
            return;
        };
        let now_away = text.is_some();
        client.away = text;
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
    }

    /// `MODE <channel> [<modes>]` or `MODE <nick> [<modes>]`: channel modes
    /// are fixed at `+nt` and there are no channel operators; `+i` is the
    /// only user mode.
    fn mode(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        let target = &msg.params[0];
        let changes = msg.param(1);
        if is_channel(target) {
            let Some(ch) = self.channels.get(&fold(target)) else {
                self.reply(id, out, ERR_NOSUCHCHANNEL, &[target, "No such channel"]);
                return;
            };
            match changes {
                None => {
                    self.reply(id, out, RPL_CHANNELMODEIS, &[&ch.name, "+nt"]);
                    self.reply(
                        id,
                        out,
                        RPL_CREATIONTIME,
                        &[&ch.name, &ch.created_unix.to_string()],
                    );
                }
                Some(m) if m.trim_start_matches(['+', '-']) == "b" => {
                    self.reply(
                        id,
                        out,
                        RPL_ENDOFBANLIST,
                        &[&ch.name, "End of channel ban list"],
                    );
                }
                Some(_) => {
                    self.reply(
                        id,
                        out,
                        ERR_CHANOPRIVSNEEDED,
                        &[&ch.name, "Channel modes are fixed on this server"],
                    );
                }
            }
            return;
        }
        let Some(client) = self.client(id) else {
            return;
        };
        if fold(target) != fold(client.target()) {
            self.reply(
                id,
                out,
                ERR_USERSDONTMATCH,
                &["Can't change mode for other users"],
            );
            return;
        }
        let Some(changes) = changes else {
            let modes = if client.invisible { "+i" } else { "+" };
            self.reply(id, out, RPL_UMODEIS, &[modes]);
            return;
        };
        let mut adding = true;
        let mut invisible = client.invisible;
        let mut unknown = false;
        for c in changes.chars() {
            match c {
                '+' => adding = true,
                '-' => adding = false,
                'i' => invisible = adding,
                _ => unknown = true,
            }
        }
        let mask = client.mask.clone();
        let nick = client.target().to_owned();
        let was = client.invisible;
        if let Some(client) = self.client_mut(id) {
            client.invisible = invisible;
        }
        if unknown {
            self.reply(id, out, ERR_UMODEUNKNOWNFLAG, &["Unknown MODE flag"]);
        }
        if was != invisible {
            let change = if invisible { "+i" } else { "-i" };
            if let Some(line) = out.format([], Some(&mask), "MODE", &[&nick, change]) {
                out.send(id, line);
            }
        }
    }

    /// `USERHOST <nick>{ <nick>}`
    fn userhost(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        let replies: Vec<String> = msg
            .params
            .iter()
            .take(5)
            .filter_map(|n| self.nicks.get(&fold(n)).and_then(|&t| self.client(t)))
            .filter(|c| c.registered)
            .map(|c| {
                let away = if c.away.is_some() { '-' } else { '+' };
                format!(
                    "{}={away}{}@{}",
                    c.target(),
                    c.user.as_deref().unwrap_or("user"),
                    c.host()
                )
            })
            .collect();
        self.reply(id, out, RPL_USERHOST, &[&replies.join(" ")]);
    }

    /// `ISON <nick>{ <nick>}`
    fn ison(&mut self, id: ClientId, msg: &Message, _now: &Now, out: &mut Outbox) {
        let online: Vec<&str> = msg
            .params
            .iter()
            .flat_map(|p| p.split(' '))
            .take(32)
            .filter_map(|n| self.nicks.get(&fold(n)).and_then(|&t| self.client(t)))
            .filter(|c| c.registered)
            .map(|c| c.target())
            .collect();
        self.reply(id, out, RPL_ISON, &[&online.join(" ")]);
    }

    /// `PRIVMSG <target>{,<target>} :<text>` (and `NOTICE`, which gets no away reply)
    fn privmsg(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let command = if msg.command.eq_ignore_ascii_case("NOTICE") {
            "NOTICE"
        } else {
            "PRIVMSG"
        };
        let Some(targets) = msg.param(0).filter(|t| !t.is_empty()) else {
            self.reply(
                id,
                out,
                ERR_NORECIPIENT,
                &[&format!("No recipient given ({command})")],
            );
            return;
        };
        let Some(text) = msg.param(1).filter(|t| !t.is_empty()) else {
            self.reply(id, out, ERR_NOTEXTTOSEND, &["No text to send"]);
            return;
        };
        let targets: Vec<&str> = targets.split(',').filter(|t| !t.is_empty()).collect();
        if targets.len() > MAX_TARGETS {
            self.reply(
                id,
                out,
                ERR_TOOMANYTARGETS,
                &[&msg.params[0], "Too many targets"],
            );
            return;
        }
        if let Some(c) = self.client_mut(id) {
            c.last_spoke = now.instant;
        }
        for target in targets {
            self.relay_to(id, command, target, Some(text), msg, now, out);
        }
    }

    /// `TAGMSG <target>`: tags only, for clients with `message-tags`.
    fn tagmsg(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        if !self.caps_of(id).has(Caps::MESSAGE_TAGS) {
            return;
        }
        for target in msg.params[0]
            .split(',')
            .filter(|t| !t.is_empty())
            .take(MAX_TARGETS)
        {
            self.relay_to(id, "TAGMSG", target, None, msg, now, out);
        }
    }

    /// Delivers one message to a channel's other members or to one user, with
    /// a copy to the sender when it asked for `echo-message`.
    #[allow(clippy::too_many_arguments)]
    fn relay_to(
        &self,
        id: ClientId,
        command: &'static str,
        target: &str,
        text: Option<&str>,
        msg: &Message,
        now: &Now,
        out: &mut Outbox,
    ) {
        let Some(sender) = self.client(id) else {
            return;
        };
        let folded = fold(target);
        let mut params = vec![target.to_owned()];
        params.extend(text.map(str::to_owned));
        let mut relay = Relay::new(now, &sender.mask, command, params);
        if sender.caps.has(Caps::MESSAGE_TAGS) {
            relay = relay.with_client_tags(msg);
        }
        let tags_only = command == "TAGMSG";
        let wants =
            |chat: &Chat, to: ClientId| !tags_only || chat.caps_of(to).has(Caps::MESSAGE_TAGS);
        let echo = sender.caps.has(Caps::ECHO_MESSAGE);
        if is_channel(target) {
            let Some(ch) = self.channels.get(&folded) else {
                self.reply(id, out, ERR_NOSUCHCHANNEL, &[target, "No such channel"]);
                return;
            };
            if !ch.members.contains(&id) {
                self.reply(
                    id,
                    out,
                    ERR_CANNOTSENDTOCHAN,
                    &[&ch.name, "Cannot send to channel (you are not in it)"],
                );
                return;
            }
            relay.params[0] = ch.name.clone();
            let to = ch
                .members
                .iter()
                .copied()
                .filter(|&m| (m != id || echo) && wants(self, m));
            self.deliver(&mut relay, to, out);
            if self.config.message_log {
                if let Some(text) = text {
                    log::info!("{} <{}> {}", ch.name, sender.target(), text);
                }
            }
            return;
        }
        let Some(&to) = self.nicks.get(&folded) else {
            self.reply(id, out, ERR_NOSUCHNICK, &[target, "No such nick/channel"]);
            return;
        };
        let Some(recipient) = self.client(to).filter(|c| c.registered) else {
            self.reply(id, out, ERR_NOSUCHNICK, &[target, "No such nick/channel"]);
            return;
        };
        if relay.has_client_tags() || !tags_only {
            let mut recipients = vec![to];
            if echo && to != id {
                recipients.push(id);
            }
            let recipients = recipients.into_iter().filter(|&r| wants(self, r));
            self.deliver(&mut relay, recipients, out);
        }
        if command == "PRIVMSG" {
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
