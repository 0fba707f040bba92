//! MONITOR (IRCv3): tell a client when the nicknames it watches come and go.

use super::super::chat::{Chat, MAX_MONITOR};
use super::super::outbox::{ClientId, Outbox};
use super::Ctx;
use crate::proto::command;
use crate::proto::names::fold;
use crate::proto::numeric::*;
use crate::proto::Message;

impl Chat {
    /// `MONITOR + <nick>{,<nick>} | - <nick>{,<nick>} | C | L | S`
    pub(super) fn monitor(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, _, out) = ctx.parts();
        let [sub, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::MONITOR, out);
        };
        let targets: Vec<&str> = msg
            .param(1)
            .unwrap_or("")
            .split(',')
            .filter(|t| !t.is_empty())
            .collect();
        match sub.as_str() {
            "+" => {
                if targets.is_empty() {
                    return self.need_more_params(id, command::MONITOR, out);
                }
                let mut online = Vec::new();
                let mut offline = Vec::new();
                for (i, nick) in targets.iter().enumerate() {
                    let folded = fold(nick);
                    let Some(client) = self.client_mut(id) else {
                        return;
                    };
                    if !client.monitoring.contains(&folded) {
                        if client.monitoring.len() >= MAX_MONITOR {
                            let rest = targets[i..].join(",");
                            self.reply(
                                id,
                                out,
                                ERR_MONLISTFULL,
                                &[&MAX_MONITOR.to_string(), &rest, "Monitor list is full"],
                            );
                            break;
                        }
                        client.monitoring.insert(folded.clone());
                        self.monitors.entry(folded).or_default().insert(id);
                    }
                    match self.find_nick(nick).and_then(|t| self.client(t)) {
                        Some(c) => online.push(c.mask.clone()),
                        None => offline.push((*nick).to_owned()),
                    }
                }
                self.monitor_status(id, &online, &offline, out);
            }
            "-" => {
                for nick in targets {
                    let folded = fold(nick);
                    if let Some(c) = self.client_mut(id) {
                        c.monitoring.remove(&folded);
                    }
                    self.unwatch(&folded, id);
                }
            }
            "C" | "c" => {
                let watched = self
                    .client_mut(id)
                    .map(|c| std::mem::take(&mut c.monitoring))
                    .unwrap_or_default();
                for folded in watched {
                    self.unwatch(&folded, id);
                }
            }
            "L" | "l" => {
                let watched: Vec<String> = self.watched_names(id);
                self.reply_list_by(
                    id,
                    out,
                    RPL_MONLIST,
                    &[],
                    watched.iter().map(String::as_str),
                    ',',
                );
                self.reply(id, out, RPL_ENDOFMONLIST, &["End of MONITOR list"]);
            }
            "S" | "s" => {
                let mut online = Vec::new();
                let mut offline = Vec::new();
                for nick in self.watched_names(id) {
                    match self.find_nick(&nick).and_then(|t| self.client(t)) {
                        Some(c) => online.push(c.mask.clone()),
                        None => offline.push(nick),
                    }
                }
                self.monitor_status(id, &online, &offline, out);
            }
            _ => self.reply(
                id,
                out,
                ERR_UNKNOWNCOMMAND,
                &[command::MONITOR, "Unknown MONITOR subcommand"],
            ),
        }
    }

    /// The (folded) nicknames `id` watches.
    fn watched_names(&self, id: ClientId) -> Vec<String> {
        self.client(id)
            .map(|c| c.monitoring.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn monitor_status(
        &self,
        id: ClientId,
        online: &[String],
        offline: &[String],
        out: &mut Outbox,
    ) {
        if !online.is_empty() {
            self.reply_list_by(
                id,
                out,
                RPL_MONONLINE,
                &[],
                online.iter().map(String::as_str),
                ',',
            );
        }
        if !offline.is_empty() {
            self.reply_list_by(
                id,
                out,
                RPL_MONOFFLINE,
                &[],
                offline.iter().map(String::as_str),
                ',',
            );
        }
    }
}
