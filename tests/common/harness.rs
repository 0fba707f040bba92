//! The client's session and worker wired together and pumped by hand, as the
//! UI's event loop would: for testing the client against real servers.

use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use banter::client::session::{Entry, EntryKind, Session, Update};
use banter::client::worker::{NetEvent, Worker};

use super::WAIT;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A session wired to a worker, pumped by hand as the UI's event loop would.
pub struct Client {
    pub session: Session,
    pub worker: Option<Worker>,
    events: Receiver<NetEvent>,
    pub updates: Vec<Update>,
    pub net: Vec<NetEvent>,
}

impl Client {
    pub fn connect(addr: &str, nick: &str) -> Client {
        let (tx, events) = mpsc::channel();
        let worker = Worker::spawn(addr, move |ev| {
            let _ = tx.send(ev);
        });
        Client {
            session: Session::new(nick, None, vec!["#lobby".into()]),
            worker: Some(worker),
            events,
            updates: Vec::new(),
            net: Vec::new(),
        }
    }

    /// Shorter keepalive times, so that a silent connection is noticed fast.
    pub fn with_keepalive(mut self, after_ms: u64, dead_ms: u64) -> Client {
        let session = std::mem::replace(&mut self.session, Session::new("", None, Vec::new()));
        self.session = session.with_keepalive(after_ms, dead_ms);
        self
    }

    pub fn flush(&mut self) {
        let (out, updates) = self.session.drain();
        for m in &out {
            self.worker.as_ref().expect("worker").send(m);
        }
        for u in &updates {
            if *u == Update::Registered {
                self.worker.as_ref().expect("worker").set_reconnect(true);
            }
            if *u == Update::ConnectionDead {
                self.worker.as_ref().expect("worker").drop_connection();
            }
        }
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
            self.session.tick(now_ms());
            self.flush();
            let Ok(ev) = self
                .events
                .recv_timeout(left.min(Duration::from_millis(100)))
            else {
                continue;
            };
            match &ev {
                NetEvent::Connected => self.session.on_connected_at(now_ms()),
                NetEvent::Messages(msgs) => {
                    for m in msgs {
                        self.session.on_message(m, now_ms());
                    }
                }
                NetEvent::Disconnected(reason) => self.session.on_disconnected(reason, now_ms()),
                NetEvent::Reconnecting { .. }
                | NetEvent::ConnectFailed(_)
                | NetEvent::CertificatePinned { .. } => {}
            }
            self.net.push(ev);
            self.flush();
        }
    }

    pub fn say(&mut self, text: &str) {
        self.session
            .on_input(text, now_ms())
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
        self.session
            .conversation("#lobby")
            .is_some_and(|c| c.members.values().any(|m| m.nick == nick))
    }
}
