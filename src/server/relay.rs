//! One message relayed to many recipients, formatted at most once per
//! combination of the capabilities that change its bytes.

use super::chat::{truncate, Caps, Now};
use super::history::Event;
use super::outbox::{LineRef, Outbox};
use crate::proto::message::{line_len, MAX_BODY_LEN};
use crate::proto::time::format_server_time;
use crate::proto::Message;

/// One message to relay, formatted lazily at most once per combination of the
/// recipients' `server-time` and `message-tags` capabilities.
///
/// The line is cut (at a character boundary of its last parameter) so that
/// it stays within 512 bytes once the sender's mask is in front of it.
pub(crate) struct Relay {
    unix_ms: u64,
    /// The `server-time` value, formatted the first time a recipient wants it.
    time: Option<String>,
    /// Tags for `message-tags` clients: `msgid`, `bot`, then the sender's `+` tags.
    tags: Vec<(String, String)>,
    msgid: Option<String>,
    source: String,
    command: &'static str,
    pub params: Vec<String>,
    /// The line for each variant, indexed by `server-time` (bit 0) and
    /// `message-tags` (bit 1): `None` until formatted, then `Some` of what
    /// `Outbox::format` gave, whose own `None` (the line could not be made)
    /// is remembered too, so a refused line is not retried per recipient.
    cache: [Option<Option<LineRef>>; 4],
}

impl Relay {
    pub fn new(now: &Now, source: &str, command: &'static str, params: Vec<String>) -> Relay {
        let mut relay = Relay {
            unix_ms: now.unix_ms,
            time: None,
            tags: Vec::new(),
            msgid: None,
            source: source.to_owned(),
            command,
            params,
            cache: [None; 4],
        };
        relay.fit();
        relay
    }

    /// Cuts the last parameter so that `:source COMMAND params\r\n` fits 512 bytes.
    fn fit(&mut self) {
        let Some((last, middle)) = self.params.split_last_mut() else {
            return;
        };
        let len = line_len(&self.source, self.command, middle, last.len());
        if len > MAX_BODY_LEN {
            let excess = len - MAX_BODY_LEN;
            let keep = truncate(last, last.len().saturating_sub(excess)).len();
            last.truncate(keep);
        }
    }

    /// Adds the `msgid` tag (and `bot` when the sender is one).
    pub fn with_msgid(mut self, msgid: String, bot: bool) -> Relay {
        self.tags.push(("msgid".into(), msgid.clone()));
        self.msgid = Some(msgid);
        if bot {
            self.tags.push(("bot".into(), String::new()));
        }
        self
    }

    /// Client-only tags (`+key`) from the sender, relayed to `message-tags` clients.
    pub fn with_client_tags(mut self, msg: &Message) -> Relay {
        self.tags.extend(
            msg.tags
                .iter()
                .filter(|t| t.key.starts_with('+'))
                .map(|t| (t.key.clone(), t.value.clone())),
        );
        self
    }

    /// The history event for this relay in conversation `target` (it needs a msgid).
    pub fn event(&self, target: &str) -> Option<Event> {
        Some(Event {
            target: target.to_owned(),
            msgid: self.msgid.clone()?,
            time_ms: self.unix_ms,
            source: self.source.clone(),
            command: self.command.to_owned(),
            params: self.params.clone(),
        })
    }

    pub fn has_client_tags(&self) -> bool {
        self.tags.iter().any(|(k, _)| k.starts_with('+'))
    }

    pub fn line_for(&mut self, out: &mut Outbox, caps: Caps) -> Option<LineRef> {
        let with_time = caps.has(Caps::SERVER_TIME);
        let with_tags = caps.has(Caps::MESSAGE_TAGS) && !self.tags.is_empty();
        let variant = usize::from(with_time) | usize::from(with_tags) << 1;
        if let Some(line) = self.cache[variant] {
            return line;
        }
        if with_time && self.time.is_none() {
            self.time = Some(format_server_time(self.unix_ms));
        }
        let time = self
            .time
            .as_deref()
            .filter(|_| with_time)
            .map(|t| ("time", t));
        let tags = self
            .tags
            .iter()
            .filter(|_| with_tags)
            .map(|(k, v)| (k.as_str(), v.as_str()));
        let params: Vec<&str> = self.params.iter().map(String::as_str).collect();
        let line = out.format(
            time.into_iter().chain(tags),
            Some(&self.source),
            self.command,
            &params,
        );
        self.cache[variant] = Some(line);
        line
    }
}
