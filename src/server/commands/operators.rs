//! Server operators: OPER, KILL and WALLOPS.

use super::super::chat::{truncate, Chat, Status, TOPIC_LEN};
use super::super::outbox::ClientId;
use super::super::relay::Relay;
use super::Ctx;
use crate::proto::command;
use crate::proto::numeric::*;
use crate::proto::Message;

/// The longest wait after failed OPER attempts.
const MAX_OPER_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

impl Chat {
    /// `OPER <name> <password>`
    pub(super) fn oper(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let [name, password, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::OPER, out);
        };
        // After a second failure in a row, each one doubles the wait before
        // the next try is heard (1 s, 2 s, 4 s … at most a minute): guessing
        // gets slow, while one typo costs nothing.
        if let Some(&(_, until)) = self.oper_backoff.get(&id) {
            if now.instant < until {
                let secs = (until - now.instant).as_secs() + 1;
                let why = format!("Too many wrong passwords: wait {secs} s and try again");
                self.reply(id, out, ERR_PASSWDMISMATCH, &[&why]);
                return;
            }
        }
        let ok = self
            .config
            .opers
            .iter()
            .any(|(n, p)| n == name && constant_time_eq(p.as_bytes(), password.as_bytes()));
        if ok {
            self.oper_backoff.remove(&id);
        }
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if !ok {
            let addr = client.addr;
            let failures = self.oper_backoff.get(&id).map_or(0, |&(n, _)| n) + 1;
            let wait = match failures {
                1 => std::time::Duration::ZERO,
                n => std::time::Duration::from_secs(1 << (n - 2).min(6)).min(MAX_OPER_WAIT),
            };
            self.oper_backoff.insert(id, (failures, now.instant + wait));
            self.reply(id, out, ERR_PASSWDMISMATCH, &["Password incorrect"]);
            log::warn!("{addr}: failed OPER attempt as {name:?}");
            return;
        }
        if client.oper {
            self.reply(id, out, RPL_YOUREOPER, &["You are now an IRC operator"]);
            return;
        }
        client.oper = true;
        client.wallops = true;
        let mask = client.mask.clone();
        let nick = client.target().to_owned();
        let addr = client.addr;
        let joined: Vec<String> = client.channels.iter().cloned().collect();
        self.oper_count += 1;
        self.reply(id, out, RPL_YOUREOPER, &["You are now an IRC operator"]);
        if let Some(line) = out.format([], Some(&mask), command::MODE, &[&nick, "+ow"]) {
            out.send(id, line);
        }
        log::info!("{addr} ({nick}) is now a server operator");
        // Server operators own the permanent room: one already in it gets ~@ now.
        let server = self.config.server_name.clone();
        for folded in joined {
            let Some(ch) = self.channels.get_mut(&folded) else {
                continue;
            };
            if !ch.permanent || ch.is_owner(id) {
                continue;
            }
            let Some(s) = ch.members.get_mut(&id) else {
                continue;
            };
            let was_op = s.has(Status::OP);
            s.set(Status::OWNER, true);
            s.set(Status::OP, true);
            let mut params = vec![ch.name.clone()];
            if was_op {
                params.extend(["+O".into(), nick.clone()]);
            } else {
                params.extend(["+Oo".into(), nick.clone(), nick.clone()]);
            }
            let mut relay = Relay::new(now, &server, command::MODE, params);
            if let Some(ch) = self.channels.get(&folded) {
                self.deliver(&mut relay, ch.members.keys().copied(), out);
            }
        }
    }

    /// `KILL <nick> [:<reason>]`
    pub(super) fn kill(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let [nick, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::KILL, out);
        };
        if !self.require_oper(id, out) {
            return;
        }
        let Some(client) = self.client(id) else {
            return;
        };
        let killer = client.target().to_owned();
        let killer_mask = client.mask.clone();
        let Some(victim) = self.find_nick(nick) else {
            self.reply(id, out, ERR_NOSUCHNICK, &[nick, "No such nick/channel"]);
            return;
        };
        let reason = msg
            .param(1)
            .filter(|r| !r.is_empty())
            .map_or("No reason given", |r| truncate(r, TOPIC_LEN));
        let shown = self
            .client(victim)
            .map(|c| c.target().to_owned())
            .unwrap_or_default();
        if let Some(line) = out.format([], Some(&killer_mask), command::KILL, &[&shown, reason]) {
            out.send(victim, line);
        }
        let quit = format!("Killed ({killer} ({reason}))");
        let error = format!("Closing Link: {} ({quit})", self.config.server_name);
        log::info!("{killer} killed {shown}: {reason}");
        self.error_and_close_as(victim, &error, &quit, now, out);
    }

    /// `WALLOPS :<text>`: a message to everyone with user mode `+w`.
    pub(super) fn wallops(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let [text, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::WALLOPS, out);
        };
        if !self.require_oper(id, out) {
            return;
        }
        let Some(client) = self.client(id) else {
            return;
        };
        let to: Vec<ClientId> = self
            .live_clients()
            .filter(|(_, c)| c.registered && c.wallops)
            .map(|(i, _)| i)
            .collect();
        let mut relay = Relay::new(now, &client.mask, command::WALLOPS, vec![text.clone()]);
        self.deliver(&mut relay, to, out);
    }
}

/// Compares secrets without stopping at the first difference, so the time
/// taken does not tell an attacker how much of a guess was right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
