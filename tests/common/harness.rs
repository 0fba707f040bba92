//! The client's real session and link (`banter::client::link`), pumped by
//! hand as the UI's event loop would: for testing the client against real
//! servers without a window.

use std::time::{Duration, Instant};

use banter::client::link::{Link, LinkEvent};
use banter::client::session::{Entry, EntryKind, HostAction, Session, Update};
use banter::clock::unix_ms;

use super::WAIT;

/// A link pumped by hand, remembering what it reported.
pub struct Client {
    pub link: Link,
    pub updates: Vec<Update>,
    pub net: Vec<LinkEvent>,
}

impl Client {
    /// Logs in as `nick` and joins `#lobby`.
    pub fn connect(addr: &str, nick: &str) -> Client {
        Client::connect_session(addr, Session::new(nick, None, vec!["#lobby".into()]))
    }

    pub fn connect_session(addr: &str, session: Session) -> Client {
        Client {
            link: Link::connect(addr, session, || {}),
            updates: Vec::new(),
            net: Vec::new(),
        }
    }

    pub fn session(&self) -> &Session {
        self.link.session()
    }

    /// Tries another name on the connection that was told "name taken".
    pub fn retry_nick(&mut self, nick: &str) {
        assert!(self.link.retry_nick(nick), "waiting for a new name");
        self.flush();
    }

    /// A host action on the open room; panics if the session refuses it.
    #[track_caller]
    pub fn host(&mut self, action: HostAction) {
        if let Err(why) = self.link.session_mut().host_action(action) {
            panic!("host action refused: {why}");
        }
        self.flush();
    }

    /// Closes the connection without a word, as a killed client would.
    pub fn vanish(&mut self) {
        self.link.stop();
    }

    pub fn flush(&mut self) {
        let updates = self.link.flush();
        self.updates.extend(updates);
    }

    /// Handles network events until `done` holds; panics after WAIT.
    #[track_caller]
    pub fn pump_until(&mut self, what: &str, done: impl Fn(&Client) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "{what}: not within {WAIT:?}; updates {:?}; net {:?}",
                self.updates,
                self.net
            );
            // As the app's one-second timer does (faster here).
            self.link.session_mut().tick(unix_ms());
            self.flush();
            let events = self
                .link
                .pump_wait(unix_ms(), left.min(Duration::from_millis(100)));
            self.net.extend(events);
            self.flush();
        }
    }

    pub fn say(&mut self, text: &str) {
        self.link
            .session_mut()
            .on_input(text, unix_ms())
            .expect("input accepted");
        self.flush();
    }

    pub fn entries(&self) -> Vec<&Entry> {
        self.updates
            .iter()
            .filter_map(|u| match u {
                Update::Entry { entry, .. } => Some(entry),
                _ => None,
            })
            .collect()
    }

    pub fn has_entry(&self, kind: EntryKind, text: &str) -> bool {
        self.entries()
            .iter()
            .any(|e| e.kind == kind && e.text == text)
    }

    pub fn in_lobby(&self, nick: &str) -> bool {
        self.session()
            .conversation("#lobby")
            .is_some_and(|c| c.members.values().any(|m| m.nick == nick))
    }
}
