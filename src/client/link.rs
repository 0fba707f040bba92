//! A session and its socket worker wired together, without a window: what
//! the worker reports goes into the session, what the session says goes out,
//! and the connection-level decisions in between (reconnect once logged in,
//! drop a connection that stopped answering, try another name on the same
//! connection after "name taken", stop after a failed login) are made here
//! once, for the desktop client and for the tests alike.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use super::session::{LoginError, Session, Update};
use super::worker::{NetEvent, Worker};

/// Events the worker may queue before the UI thread takes them: a UI that
/// falls behind slows the reader (and the socket); events never pile up.
const MAX_QUEUED_EVENTS: usize = 4096;

/// What happened to the connection itself, for the screen; the session's
/// updates ([`Link::flush`]) say everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// A connection is up (registration starts).
    Connected,
    /// Lost after logging in: the worker reconnects by itself.
    Lost(String),
    /// Ended before logging in (the server refused, or the name was taken
    /// and nobody tried another): the link has stopped.
    Ended(String),
    /// The next attempt, and how long until it.
    Reconnecting { attempt: u32, delay: Duration },
    /// No connection could be made at all: the link has stopped.
    ConnectFailed(String),
    /// A server's certificate was remembered on first use.
    CertificatePinned { server: String, fingerprint: String },
}

/// See the module doc.
pub struct Link {
    session: Session,
    worker: Option<Worker>,
    events: Receiver<NetEvent>,
    /// The last login failed on the name; the connection waits for another.
    awaiting_new_nick: bool,
}

impl Link {
    /// Connects to `addr` in the background for `session`. `wake` runs on
    /// the worker's thread after each event is queued: the desktop client
    /// wakes its event loop with it, tests need nothing.
    pub fn connect(addr: &str, session: Session, wake: impl Fn() + Send + 'static) -> Link {
        let (tx, events) = mpsc::sync_channel(MAX_QUEUED_EVENTS);
        let worker = Worker::spawn(addr, move |event| {
            // A failed send means the link is gone: nobody to wake.
            if tx.send(event).is_ok() {
                wake();
            }
        });
        Link {
            session,
            worker: Some(worker),
            events,
            awaiting_new_nick: false,
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Whether the worker still runs (it stops after a failed connect or
    /// login).
    pub fn is_running(&self) -> bool {
        self.worker.is_some()
    }

    /// Tries `nick` on the connection that was told "name taken"; `false`
    /// when there is no such connection (connect afresh then).
    pub fn retry_nick(&mut self, nick: &str) -> bool {
        if !self.awaiting_new_nick || self.worker.is_none() {
            return false;
        }
        self.awaiting_new_nick = false;
        self.session.retry_nick(nick);
        true
    }

    /// Handles everything the worker reported so far.
    pub fn pump(&mut self, now_ms: u64) -> Vec<LinkEvent> {
        let mut seen = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            seen.extend(self.on_event(event, now_ms));
        }
        seen
    }

    /// Waits up to `timeout` for the worker to report something, then
    /// handles it and whatever else is queued.
    pub fn pump_wait(&mut self, now_ms: u64, timeout: Duration) -> Vec<LinkEvent> {
        match self.events.recv_timeout(timeout) {
            Ok(event) => {
                let mut seen: Vec<LinkEvent> = self.on_event(event, now_ms).into_iter().collect();
                seen.extend(self.pump(now_ms));
                seen
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => Vec::new(),
        }
    }

    fn on_event(&mut self, event: NetEvent, now_ms: u64) -> Option<LinkEvent> {
        match event {
            NetEvent::Connected => {
                self.session.on_connected_at(now_ms);
                Some(LinkEvent::Connected)
            }
            NetEvent::Messages(messages) => {
                for m in &messages {
                    self.session.on_message(m, now_ms);
                }
                None
            }
            NetEvent::Disconnected(reason) => {
                // Once logged in, the worker keeps reconnecting (a drop
                // while logging in again included); before, it is over.
                let logged_in = self.session.has_logged_in();
                self.session.on_disconnected(&reason, now_ms);
                if logged_in {
                    Some(LinkEvent::Lost(reason))
                } else {
                    self.awaiting_new_nick = false;
                    self.stop();
                    Some(LinkEvent::Ended(reason))
                }
            }
            NetEvent::Reconnecting { attempt, delay } => {
                Some(LinkEvent::Reconnecting { attempt, delay })
            }
            NetEvent::ConnectFailed(reason) => {
                self.stop();
                Some(LinkEvent::ConnectFailed(reason))
            }
            NetEvent::CertificatePinned {
                server,
                fingerprint,
            } => Some(LinkEvent::CertificatePinned {
                server,
                fingerprint,
            }),
        }
    }

    /// Sends what the session has to say and returns its updates for the
    /// screen, after acting on the ones about the connection.
    pub fn flush(&mut self) -> Vec<Update> {
        let (out, updates) = self.session.drain();
        if let Some(worker) = &self.worker {
            for m in &out {
                worker.send(m);
            }
        }
        for u in &updates {
            match u {
                Update::Registered => {
                    self.awaiting_new_nick = false;
                    // Logged in: from now on a lost connection is retried.
                    if let Some(w) = &self.worker {
                        w.set_reconnect(true);
                    }
                }
                Update::LoginFailed(
                    LoginError::NickTaken(_)
                    | LoginError::NickLookalike(_)
                    | LoginError::NickInvalid { .. },
                ) => {
                    self.awaiting_new_nick = true;
                }
                Update::LoginFailed(_) => self.awaiting_new_nick = false,
                // Silence: drop the connection so that the worker reconnects.
                Update::ConnectionDead => {
                    if let Some(w) = &self.worker {
                        w.drop_connection();
                    }
                }
                _ => {}
            }
        }
        updates
    }

    /// Closes the connection (after any queued line, such as a QUIT).
    pub fn stop(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.stop();
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop();
    }
}
