//! What handling input produced: lines to deliver to clients, and clients to close.
//!
//! A line is formatted once into a shared arena and delivered to many clients by
//! reference, so a broadcast costs one format and, per recipient, one entry here
//! and one copy into that client's write buffer.

use super::history::Event;
use super::store::StoreOp;
use crate::proto::command;
use crate::proto::message::MAX_BODY_LEN;
use crate::proto::{escape_tag_value, write_line};

/// A client of the chat state, and the connection it came on.
///
/// Invariant: the id is the key of the connection's entry in the event
/// loop's slab, and so its mio `Token` too. The loop takes a vacant entry,
/// registers the socket under that key, inserts the connection, and only
/// then tells the chat state (`Chat::connect`, which checks that no live
/// client holds the id). The entry leaves the slab only after the chat state
/// has let the client go, so an id never names two clients at once; a later
/// connection may reuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(usize);

impl ClientId {
    /// The id of the connection at `key` in the event loop's slab.
    pub const fn from_slab_key(key: usize) -> ClientId {
        ClientId(key)
    }

    /// The connection's key in the event loop's slab (and its token); also
    /// the client's slot in the chat state.
    pub const fn slab_key(self) -> usize {
        self.0
    }
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A formatted line inside an [`Outbox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRef {
    start: usize,
    end: usize,
}

/// See the module doc. Reused between calls so it allocates only while growing.
#[derive(Debug, Default)]
pub struct Outbox {
    data: Vec<u8>,
    sends: Vec<(ClientId, LineRef)>,
    closes: Vec<ClientId>,
    /// Deliveries that are not replies to their recipient's own command (a
    /// message to oneself, as opposed to its echo), which [`Outbox::label`] skips.
    unlabeled: Vec<usize>,
    /// What the history file is to do, in order (see `store.rs`).
    history: Vec<StoreOp>,
}

impl Outbox {
    pub fn new() -> Outbox {
        Outbox::default()
    }

    /// Formats a line into the arena; `None` (logged) when the parts cannot
    /// form one message, which callers treat as nothing to send.
    ///
    /// No line leaves longer than 512 bytes after its tags: one that would is
    /// formatted again with its last parameter cut at a character boundary.
    /// (Lists are split by their callers so that this never loses an item.)
    pub fn format<'a>(
        &mut self,
        tags: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
        source: Option<&str>,
        command: &str,
        params: &[&str],
    ) -> Option<LineRef> {
        let start = self.data.len();
        if let Err(e) = write_line(&mut self.data, tags.clone(), source, command, params) {
            log::warn!("not sending a {command} line: {e}");
            return None;
        }
        let body = body_len(&self.data[start..]);
        if body > MAX_BODY_LEN {
            if let Some((last, head)) = params.split_last() {
                let excess = body - MAX_BODY_LEN;
                let keep = floor_char_boundary(last, last.len().saturating_sub(excess));
                let mut cut: Vec<&str> = head.to_vec();
                cut.push(&last[..keep]);
                self.data.truncate(start);
                if let Err(e) = write_line(&mut self.data, tags, source, command, &cut) {
                    log::warn!("not sending a {command} line: {e}");
                    return None;
                }
            }
        }
        Some(LineRef {
            start,
            end: self.data.len(),
        })
    }

    /// An event for the history file.
    pub fn store(&mut self, event: Event) {
        self.history.push(StoreOp::Insert(event));
    }

    /// Something else for the history file: forgetting a room, expiring.
    pub fn store_op(&mut self, op: StoreOp) {
        self.history.push(op);
    }

    /// What the history file is to do, taken out.
    pub fn take_history(&mut self) -> Vec<StoreOp> {
        std::mem::take(&mut self.history)
    }

    /// Where the deliveries made from now on start, for [`Outbox::label`].
    pub fn mark(&self) -> usize {
        self.sends.len()
    }

    /// IRCv3 `labeled-response`: ties what `to` was sent since `mark` to the
    /// `label` of the command that caused it. Nothing sent gets an `ACK`; one
    /// line gets the `label` tag; more are wrapped in a `labeled-response`
    /// batch named `batch`.
    pub fn label(&mut self, to: ClientId, mark: usize, label: &str, server: &str, batch: &str) {
        let mine: Vec<usize> = (mark..self.sends.len())
            .filter(|&i| self.sends[i].0 == to && !self.unlabeled.contains(&i))
            .collect();
        self.unlabeled.clear();
        let mut tag = b"label=".to_vec();
        escape_tag_value(label, &mut tag);
        match mine.as_slice() {
            [] => {
                let start = self.data.len();
                self.data.push(b'@');
                self.data.extend_from_slice(&tag);
                if write_line(&mut self.data, [], Some(server), "ACK", &[]).is_ok() {
                    self.data.insert(start + 1 + tag.len(), b' ');
                    let end = self.data.len();
                    self.sends.push((to, LineRef { start, end }));
                } else {
                    self.data.truncate(start);
                }
            }
            [one] => {
                let line = self.sends[*one].1;
                self.sends[*one].1 = self.with_tag(line, &tag);
            }
            [first, .., last] => {
                let (first, last) = (*first, *last);
                let mut batch_tag = b"batch=".to_vec();
                batch_tag.extend_from_slice(batch.as_bytes());
                for &i in &mine {
                    let line = self.sends[i].1;
                    self.sends[i].1 = self.with_tag(line, &batch_tag);
                }
                let open = format!("+{batch}");
                let end_ref = format!("-{batch}");
                let Some(start_line) = self.format(
                    [],
                    Some(server),
                    command::BATCH,
                    &[&open, "labeled-response"],
                ) else {
                    return;
                };
                let start_line = self.with_tag(start_line, &tag);
                let Some(end_line) = self.format([], Some(server), command::BATCH, &[&end_ref])
                else {
                    return;
                };
                self.sends.insert(last + 1, (to, end_line));
                self.sends.insert(first, (to, start_line));
            }
        }
    }

    /// A copy of `line` with one more tag (`key=value`, already escaped) in front.
    fn with_tag(&mut self, line: LineRef, tag: &[u8]) -> LineRef {
        let start = self.data.len();
        self.data.push(b'@');
        self.data.extend_from_slice(tag);
        let has_tags = self.data.get(line.start) == Some(&b'@');
        if has_tags {
            self.data.push(b';');
            self.data.extend_from_within(line.start + 1..line.end);
        } else {
            self.data.push(b' ');
            self.data.extend_from_within(line.start..line.end);
        }
        LineRef {
            start,
            end: self.data.len(),
        }
    }

    pub fn send(&mut self, to: ClientId, line: LineRef) {
        self.sends.push((to, line));
    }

    /// As [`Outbox::send`], for a line that must not carry a `label`.
    pub fn send_unlabeled(&mut self, to: ClientId, line: LineRef) {
        self.unlabeled.push(self.sends.len());
        self.sends.push((to, line));
    }

    /// Asks the event loop to flush and close this client's connection; the
    /// chat state has already forgotten it.
    pub fn close(&mut self, id: ClientId) {
        self.closes.push(id);
    }

    /// Deliveries in the order they were made.
    pub fn sends(&self) -> impl Iterator<Item = (ClientId, &[u8])> + '_ {
        self.sends
            .iter()
            .map(|&(to, l)| (to, &self.data[l.start..l.end]))
    }

    /// How many lines went to `to` since `mark`.
    pub fn sent_to_since(&self, to: ClientId, mark: usize) -> usize {
        self.sends[mark.min(self.sends.len())..]
            .iter()
            .filter(|(c, _)| *c == to)
            .count()
    }

    pub fn closes(&self) -> &[ClientId] {
        &self.closes
    }

    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.closes.is_empty() && self.history.is_empty()
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.sends.clear();
        self.closes.clear();
        self.unlabeled.clear();
        self.history.clear();
    }
}

/// Bytes of a formatted line after its tags, CR LF included.
fn body_len(line: &[u8]) -> usize {
    if line.first() == Some(&b'@') {
        match line.iter().position(|&b| b == b' ') {
            Some(space) => line.len() - space - 1,
            None => line.len(),
        }
    } else {
        line.len()
    }
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_once_and_delivers_many() {
        let mut out = Outbox::new();
        let line = out
            .format([], Some("a!u@h"), "PRIVMSG", &["#c", "hi all"])
            .unwrap();
        for to in [3, 1, 2] {
            out.send(ClientId::from_slab_key(to), line);
        }
        assert!(out.format([], None, "X", &["a b", "c"]).is_none());
        out.close(ClientId::from_slab_key(1));
        let sends: Vec<_> = out.sends().collect();
        assert_eq!(sends.len(), 3);
        assert!(sends
            .iter()
            .all(|(_, l)| *l == b":a!u@h PRIVMSG #c :hi all\r\n"));
        let keys: Vec<usize> = sends.iter().map(|s| s.0.slab_key()).collect();
        assert_eq!(keys, [3, 1, 2]);
        assert_eq!(out.closes(), [ClientId::from_slab_key(1)]);
        out.clear();
        assert!(out.is_empty());
    }

    #[test]
    fn cuts_long_lines_at_a_character_boundary() {
        let mut out = Outbox::new();
        let text = "明".repeat(300);
        let line = out
            .format([("time", "x")], Some("srv"), "NOTICE", &["n", &text])
            .unwrap();
        out.send(ClientId::from_slab_key(1), line);
        let (_, bytes) = out.sends().next().unwrap();
        assert!(body_len(bytes) <= MAX_BODY_LEN, "{}", body_len(bytes));
        assert!(std::str::from_utf8(bytes).is_ok());
        assert!(bytes.ends_with(b"\r\n"));
    }

    fn lines_to(out: &Outbox, to: ClientId) -> Vec<String> {
        out.sends()
            .filter(|s| s.0 == to)
            .map(|(_, l)| String::from_utf8_lossy(l).into_owned())
            .collect()
    }

    #[test]
    fn labels_acks_tags_and_batches() {
        let mut out = Outbox::new();
        let m = out.mark();
        out.label(ClientId::from_slab_key(1), m, "a b", "srv", "b1");
        assert_eq!(
            lines_to(&out, ClientId::from_slab_key(1)),
            ["@label=a\\sb :srv ACK\r\n"]
        );

        let mut out = Outbox::new();
        let m = out.mark();
        let l = out
            .format([("time", "t")], Some("srv"), "PONG", &["srv", "x"])
            .unwrap();
        out.send(ClientId::from_slab_key(1), l);
        out.send(ClientId::from_slab_key(2), l);
        out.label(ClientId::from_slab_key(1), m, "L", "srv", "b1");
        assert_eq!(
            lines_to(&out, ClientId::from_slab_key(1)),
            ["@label=L;time=t :srv PONG srv x\r\n"]
        );
        assert_eq!(
            lines_to(&out, ClientId::from_slab_key(2)),
            ["@time=t :srv PONG srv x\r\n"]
        );

        let mut out = Outbox::new();
        let m = out.mark();
        for n in ["1", "2"] {
            let l = out.format([], Some("srv"), "NOTICE", &["n", n]).unwrap();
            out.send(ClientId::from_slab_key(1), l);
        }
        out.label(ClientId::from_slab_key(1), m, "L", "srv", "b1");
        assert_eq!(
            lines_to(&out, ClientId::from_slab_key(1)),
            [
                "@label=L :srv BATCH +b1 labeled-response\r\n",
                "@batch=b1 :srv NOTICE n 1\r\n",
                "@batch=b1 :srv NOTICE n 2\r\n",
                ":srv BATCH -b1\r\n"
            ]
        );
    }
}
