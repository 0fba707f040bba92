//! What handling input produced: lines to deliver to clients, and clients to close.
//!
//! A line is formatted once into a shared arena and delivered to many clients by
//! reference, so a broadcast costs one format and, per recipient, one entry here
//! and one copy into that client's write buffer.

use crate::proto::write_line;

/// The client a line goes to: the event loop's connection key.
pub type ClientId = usize;

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
}

impl Outbox {
    pub fn new() -> Outbox {
        Outbox::default()
    }

    /// Formats a line into the arena; `None` (logged) when the parts cannot
    /// form one message, which callers treat as nothing to send.
    pub fn format<'a>(
        &mut self,
        tags: impl IntoIterator<Item = (&'a str, &'a str)>,
        source: Option<&str>,
        command: &str,
        params: &[&str],
    ) -> Option<LineRef> {
        let start = self.data.len();
        match write_line(&mut self.data, tags, source, command, params) {
            Ok(()) => Some(LineRef {
                start,
                end: self.data.len(),
            }),
            Err(e) => {
                log::warn!("not sending a {command} line: {e}");
                None
            }
        }
    }

    pub fn send(&mut self, to: ClientId, line: LineRef) {
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

    pub fn closes(&self) -> &[ClientId] {
        &self.closes
    }

    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.closes.is_empty()
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.sends.clear();
        self.closes.clear();
    }
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
            out.send(to, line);
        }
        assert!(out.format([], None, "X", &["a b", "c"]).is_none());
        out.close(1);
        let sends: Vec<_> = out.sends().collect();
        assert_eq!(sends.len(), 3);
        assert!(sends
            .iter()
            .all(|(_, l)| *l == b":a!u@h PRIVMSG #c :hi all\r\n"));
        assert_eq!(sends.iter().map(|s| s.0).collect::<Vec<_>>(), [3, 1, 2]);
        assert_eq!(out.closes(), [1]);
        out.clear();
        assert!(out.is_empty());
    }
}
