//! Reading room memory: IRCv3 `draft/chathistory` (CHATHISTORY) and the
//! replay of recent lines on JOIN for clients that cannot ask for them.

use super::super::chat::{Caps, Chat};
use super::super::history::{dm_key, is_dm_key, Event, Selector};
use super::super::outbox::{ClientId, Outbox};
use super::Ctx;
use crate::proto::command;
use crate::proto::names::{fold, is_channel};
use crate::proto::time::{format_server_time, parse_server_time};
use crate::proto::Message;

/// A parsed CHATHISTORY request.
enum Query {
    Latest(Option<Selector>),
    Before(Selector),
    After(Selector),
    Around(Selector),
    Between(Selector, Selector),
}

/// `msgid=...`, `timestamp=...`; `None` for anything else.
fn selector(s: &str) -> Option<Selector> {
    if let Some(id) = s.strip_prefix("msgid=") {
        return (!id.is_empty()).then(|| Selector::MsgId(id.to_owned()));
    }
    s.strip_prefix("timestamp=")
        .and_then(parse_server_time)
        .map(Selector::Time)
}

impl Chat {
    /// `CHATHISTORY LATEST|BEFORE|AFTER|AROUND <target> <ref> <limit>`,
    /// `CHATHISTORY BETWEEN <target> <ref> <ref> <limit>`,
    /// `CHATHISTORY TARGETS <timestamp> <timestamp> <limit>`
    pub(super) fn chathistory(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let now_ms = now.unix_ms;
        let fail = |chat: &Chat, out: &mut Outbox, code: &str, extra: &[&str], text: &str| {
            let mut params = vec![command::CHATHISTORY, code];
            params.extend_from_slice(extra);
            params.push(text);
            chat.server_line(id, out, command::FAIL, &params);
        };
        let [sub, rest @ ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::CHATHISTORY, out);
        };
        let sub = sub.to_ascii_uppercase();
        let max = self.config.chathistory_max;
        let limit_of = |s: Option<&String>| -> Option<usize> {
            s.and_then(|l| l.parse::<usize>().ok()).map(|l| l.min(max))
        };
        if sub == "TARGETS" {
            let (Some(a), Some(b), Some(limit)) = (
                rest.first().and_then(|s| selector(s)),
                rest.get(1).and_then(|s| selector(s)),
                limit_of(rest.get(2)),
            ) else {
                return fail(
                    self,
                    out,
                    "INVALID_PARAMS",
                    &[&sub],
                    "Expected two timestamps and a limit",
                );
            };
            let (Selector::Time(a), Selector::Time(b)) = (a, b) else {
                return fail(
                    self,
                    out,
                    "INVALID_PARAMS",
                    &[&sub],
                    "TARGETS takes timestamps",
                );
            };
            return self.history_targets(ctx, a.min(b), a.max(b), limit);
        }
        let (Some(target), Some(first)) = (rest.first(), rest.get(1)) else {
            return fail(
                self,
                out,
                "INVALID_PARAMS",
                &[&sub],
                "Not enough parameters",
            );
        };
        let query = match sub.as_str() {
            "LATEST" if first == "*" => Some(Query::Latest(None)),
            "LATEST" => selector(first).map(|s| Query::Latest(Some(s))),
            "BEFORE" => selector(first).map(Query::Before),
            "AFTER" => selector(first).map(Query::After),
            "AROUND" => selector(first).map(Query::Around),
            "BETWEEN" => match rest.get(2).and_then(|s| selector(s)) {
                Some(second) => selector(first).map(|a| Query::Between(a, second)),
                None => None,
            },
            _ => {
                return fail(self, out, "INVALID_PARAMS", &[&sub], "Unknown subcommand");
            }
        };
        let limit_at = if sub == "BETWEEN" { 3 } else { 2 };
        let (Some(query), Some(limit)) = (query, limit_of(rest.get(limit_at))) else {
            return fail(
                self,
                out,
                "INVALID_PARAMS",
                &[&sub],
                "Bad message reference or limit",
            );
        };
        let Some(key) = self.history_key(id, target) else {
            return fail(
                self,
                out,
                "INVALID_TARGET",
                &[&sub, target],
                "Messages could not be retrieved: you are not in that room",
            );
        };
        // The age limit holds on every read, whenever the sweep last ran.
        self.history.trim(&key, now_ms);
        let h = &self.history;
        let events: Vec<Event> = match &query {
            Query::Latest(after) => h.latest(&key, after.as_ref(), usize::MAX),
            Query::Before(s) => h.before(&key, s, usize::MAX),
            Query::After(s) => h.after(&key, s, usize::MAX),
            Query::Around(s) => h.around(&key, s, usize::MAX),
            Query::Between(a, b) => h.between(&key, a, b, usize::MAX),
        }
        .into_iter()
        .cloned()
        .collect();
        // The limit counts what this client is shown (messages only, unless
        // it asked for event-playback), so filter before counting.
        let shown = self.visible(id, events);
        let shown = match &query {
            Query::Latest(_) | Query::Before(_) => tail(shown, limit),
            Query::Between(a, b) if self.is_backwards(&key, a, b) => tail(shown, limit),
            Query::Around(_) => around(shown, &query, limit),
            _ => shown.into_iter().take(limit).collect(),
        };
        self.send_history_batch(id, target, &shown, out);
    }

    /// Whether BETWEEN runs from the later reference back to the earlier.
    fn is_backwards(&self, key: &str, a: &Selector, b: &Selector) -> bool {
        let at = |s: &Selector| match s {
            Selector::Time(t) => Some(*t),
            Selector::MsgId(m) => self
                .history
                .events(key)
                .find(|e| &e.msgid == m)
                .map(|e| e.time_ms),
        };
        match (at(a), at(b)) {
            (Some(x), Some(y)) => x > y,
            _ => false,
        }
    }

    /// The events `id` is shown: messages, plus the rest with event-playback.
    fn visible(&self, id: ClientId, events: Vec<Event>) -> Vec<Event> {
        let all = self.caps_of(id).has(Caps::EVENT_PLAYBACK);
        events
            .into_iter()
            .filter(|e| all || e.is_message())
            .collect()
    }

    /// The conversation `target` names for `id`, if `id` may read it: a room
    /// it is in, or its private conversation with that nickname.
    fn history_key(&self, id: ClientId, target: &str) -> Option<String> {
        let client = self.client(id)?;
        if is_channel(target) {
            let folded = fold(target);
            return client.channels.contains(&folded).then_some(folded);
        }
        if target.is_empty() || target.contains(['*', '?', ',']) {
            return None;
        }
        Some(dm_key(&fold(client.target()), &fold(target)))
    }

    fn history_targets(&mut self, ctx: &mut Ctx<'_>, from: u64, to: u64, limit: usize) {
        let (id, now, out) = ctx.parts();
        // Nothing older than the age limit is listed either.
        let from = from.max(self.history.cutoff(now.unix_ms).saturating_sub(1));
        let Some(client) = self.client(id) else {
            return;
        };
        let me = fold(client.target());
        let mut found: Vec<(String, u64)> = Vec::new();
        for (key, _) in self.history.targets() {
            let name = if is_dm_key(key) {
                let mut parts = key.split('\u{0}').filter(|p| !p.is_empty());
                let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
                    continue;
                };
                let other = if a == me {
                    b
                } else if b == me {
                    a
                } else {
                    continue;
                };
                // Show the other person's current spelling when they are here.
                match self.find_nick(other).and_then(|t| self.client(t)) {
                    Some(c) => c.target().to_owned(),
                    None => other.to_owned(),
                }
            } else if client.channels.contains(key) {
                self.channels
                    .get(key)
                    .map_or(key.to_owned(), |ch| ch.name.clone())
            } else {
                continue;
            };
            let newest = self
                .history
                .events(key)
                .rev()
                .find(|e| e.time_ms > from && e.time_ms < to && e.is_message())
                .map(|e| e.time_ms);
            if let Some(t) = newest {
                found.push((name, t));
            }
        }
        found.sort_by_key(|(_, t)| *t);
        found.truncate(limit);
        let batch = self.batch_ref();
        let server = self.config.server_name.clone();
        let open = format!("+{batch}");
        if let Some(l) = out.format(
            [],
            Some(&server),
            command::BATCH,
            &[&open, "draft/chathistory-targets"],
        ) {
            out.send(id, l);
        }
        for (name, t) in found {
            let time = format_server_time(t);
            if let Some(l) = out.format(
                [("batch", batch.as_str())],
                Some(&server),
                command::CHATHISTORY,
                &["TARGETS", &name, &time],
            ) {
                out.send(id, l);
            }
        }
        let close = format!("-{batch}");
        if let Some(l) = out.format([], Some(&server), command::BATCH, &[&close]) {
            out.send(id, l);
        }
    }

    /// `events` for `id` inside a `chathistory` batch for `target`, each with
    /// its original time and (for message-tags clients) msgid.
    fn send_history_batch(
        &mut self,
        id: ClientId,
        target: &str,
        events: &[Event],
        out: &mut Outbox,
    ) {
        let batch = self.batch_ref();
        let server = self.config.server_name.clone();
        let open = format!("+{batch}");
        if let Some(l) = out.format(
            [],
            Some(&server),
            command::BATCH,
            &[&open, "chathistory", target],
        ) {
            out.send(id, l);
        }
        self.send_events(id, events, Some(&batch), true, out);
        let close = format!("-{batch}");
        if let Some(l) = out.format([], Some(&server), command::BATCH, &[&close]) {
            out.send(id, l);
        }
    }

    /// Sends remembered events as they were relayed, with `batch`, `time`
    /// (always when `always_time`, else with server-time) and `msgid` tags.
    fn send_events(
        &self,
        id: ClientId,
        events: &[Event],
        batch: Option<&str>,
        always_time: bool,
        out: &mut Outbox,
    ) {
        let caps = self.caps_of(id);
        let with_time = always_time || caps.has(Caps::SERVER_TIME);
        let with_id = caps.has(Caps::MESSAGE_TAGS);
        for e in events {
            let time = format_server_time(e.time_ms);
            let tags = batch
                .map(|b| ("batch", b))
                .into_iter()
                .chain(with_time.then_some(("time", time.as_str())))
                .chain(with_id.then_some(("msgid", e.msgid.as_str())));
            let params: Vec<&str> = e.params.iter().map(String::as_str).collect();
            if let Some(l) = out.format(tags, Some(&e.source), &e.command, &params) {
                out.send(id, l);
            }
        }
    }

    /// After JOIN, a client that cannot ask for history (no chathistory)
    /// gets the room's last few messages, so a late joiner catches up.
    pub(crate) fn replay_on_join(
        &mut self,
        id: ClientId,
        folded: &str,
        now_ms: u64,
        out: &mut Outbox,
    ) {
        let caps = self.caps_of(id);
        let n = self.config.replay_lines;
        if n == 0 || caps.has(Caps::CHATHISTORY) {
            return;
        }
        self.history.trim(folded, now_ms);
        let mut recent: Vec<Event> = self
            .history
            .events(folded)
            .rev()
            .filter(|e| e.is_message())
            .take(n)
            .cloned()
            .collect();
        if recent.is_empty() {
            return;
        }
        recent.reverse();
        if caps.has(Caps::BATCH) {
            let name = self
                .channels
                .get(folded)
                .map_or(folded.to_owned(), |c| c.name.clone());
            self.send_history_batch(id, &name, &recent, out);
        } else {
            self.send_events(id, &recent, None, false, out);
        }
    }
}

/// The last `n`.
fn tail(mut v: Vec<Event>, n: usize) -> Vec<Event> {
    let skip = v.len().saturating_sub(n);
    v.drain(..skip);
    v
}

/// `limit` events centred on the AROUND reference.
fn around(v: Vec<Event>, query: &Query, limit: usize) -> Vec<Event> {
    let Query::Around(sel) = query else {
        return v;
    };
    let centre = match sel {
        Selector::MsgId(m) => v.iter().position(|e| &e.msgid == m),
        Selector::Time(t) => Some(v.partition_point(|e| e.time_ms < *t)),
    }
    .unwrap_or(v.len() / 2);
    let limit = limit.max(1);
    let mut start = centre.saturating_sub((limit - 1) / 2);
    let end = (start + limit).min(v.len());
    start = end.saturating_sub(limit);
    v.into_iter().skip(start).take(end - start).collect()
}
