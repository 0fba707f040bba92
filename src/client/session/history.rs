//! Room history: asking for it with CHATHISTORY (the latest lines on first
//! entering a room, what was missed after a reconnect), reading the
//! `chathistory` batches it comes in, and holding live lines back meanwhile
//! so that what was missed comes before them.

use crate::proto::time::parse_server_time;
use crate::proto::{command, Message};

use super::{msg, tr, Session, SEEN_IDS};

/// Lines fetched with CHATHISTORY when entering a room for the first time.
const FIRST_FETCH: usize = 50;
/// Lines fetched after a reconnect (the server caps it too).
const CATCH_UP_FETCH: usize = 100;

/// PRIVMSG or NOTICE: what history keeps and shows.
fn is_message(m: &Message) -> bool {
    m.command.eq_ignore_ascii_case(command::PRIVMSG)
        || m.command.eq_ignore_ascii_case(command::NOTICE)
}

impl Session {
    /// The lines history takes before anything else sees them: those of an
    /// open `chathistory` batch (they belong to its conversation), BATCH
    /// itself, and a live message for a room whose history is being fetched
    /// (held until the fetch ends). Whether `m` was taken.
    pub(super) fn taken_by_history(&mut self, m: &Message, now_ms: u64) -> bool {
        if let Some(key) = m.tag("batch").and_then(|b| self.batches.get(b)).cloned() {
            let time = m.tag("time").and_then(parse_server_time).unwrap_or(now_ms);
            self.on_history_line(&key, m, time);
            return true;
        }
        if m.command.eq_ignore_ascii_case(command::BATCH) {
            self.on_batch(m, now_ms);
            return true;
        }
        if is_message(m) {
            let target = (self.casemap)(m.param(0).unwrap_or(""));
            if let Some(conv) = self
                .conversations
                .iter_mut()
                .find(|c| c.key == target && c.fetching)
            {
                if conv.held.len() < SEEN_IDS {
                    conv.held.push(m.clone());
                    return true;
                }
            }
        }
        false
    }

    /// Asks for a room's history: the latest lines the first time, what was
    /// missed after a reconnect.
    pub(super) fn fetch_history(&mut self, i: usize) {
        if !self.chathistory {
            return;
        }
        let Some(conv) = self.conversations.get_mut(i) else {
            return;
        };
        conv.fetching = true;
        let name = conv.name.clone();
        let request = match &conv.last_msgid {
            Some(id) => {
                conv.away_divider = true;
                msg(
                    command::CHATHISTORY,
                    &[
                        "AFTER",
                        &name,
                        &format!("msgid={id}"),
                        &CATCH_UP_FETCH.to_string(),
                    ],
                )
            }
            None => msg(
                command::CHATHISTORY,
                &["LATEST", &name, "*", &FIRST_FETCH.to_string()],
            ),
        };
        self.out.push(request);
    }

    /// `BATCH +<ref> chathistory <target>` opens a history batch for a
    /// conversation we know; `BATCH -<ref>` ends it, and then the live lines
    /// held meanwhile and the lines that waited to be sent follow.
    fn on_batch(&mut self, m: &Message, now_ms: u64) {
        let reference = m.param(0).unwrap_or("");
        if let Some(r) = reference.strip_prefix('+') {
            if m.param(1) == Some("chathistory") {
                let key = (self.casemap)(m.param(2).unwrap_or(""));
                // At most one open batch per conversation we know.
                if self.conversation(&key).is_some() && self.batches.len() < 64 {
                    self.batches.insert(r.to_owned(), key);
                }
            }
        } else if let Some(r) = reference.strip_prefix('-') {
            let Some(key) = self.batches.remove(r) else {
                return;
            };
            let held = match self.conversations.iter_mut().find(|c| c.key == key) {
                Some(conv) => {
                    conv.fetching = false;
                    conv.away_divider = false;
                    std::mem::take(&mut conv.held)
                }
                None => Vec::new(),
            };
            for m in held {
                self.on_message(&m, now_ms);
            }
            self.flush_queued(Some(&key), now_ms);
        }
    }

    /// A line from a history batch: a message is shown (once), nothing
    /// else from the past is (joins and leaves would be noise).
    fn on_history_line(&mut self, key: &str, m: &Message, time: u64) {
        if !is_message(m) {
            return;
        }
        if let Some(i) = self.conversations.iter().position(|c| c.key == key) {
            let fresh = m
                .tag("msgid")
                .is_none_or(|id| !self.conversations[i].seen.iter().any(|s| s == id));
            if fresh && self.conversations[i].away_divider {
                self.conversations[i].away_divider = false;
                self.notice_at(i, tr::WHILE_AWAY.text(), time);
            }
        }
        let from = m.source_nick().unwrap_or("").to_owned();
        self.on_privmsg_inner(m, &from, time, true);
    }
}
