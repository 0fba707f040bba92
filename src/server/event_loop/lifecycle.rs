//! Closing connections. A connection moves through these phases
//! ([`Phase`], plus the `dead` flag), and only the functions named move it:
//!
//! ```text
//!          admit               begin_close                  linger
//!  accept ──────► Open ─────────────────────► Closing ────────────────► Lingering
//!                  │  (close_with_error, the   ▲   │  (flush_dirty: all      │
//!                  │   chat's QUIT, SendQ)     │   │   with the socket)      │
//!                  │           admit, refused ─┘   │                         │
//!                  │                               │                         │
//!                  │ mark_dead: peer closed,       │ mark_dead: deadline     │ mark_dead:
//!                  │ read, write or TLS error      │ (expire_closing),       │ peer closed,
//!                  ▼                               ▼ peer closed, errors     ▼ deadline
//!                 dead ◄───────────────────────────┴─────────────────────────┘
//!                  │  `Connection::dead` set and queued in `Server::dead`;
//!                  │  it handles no more input
//!                  │  settle, after the event batch (contract 5)
//!                  ▼
//!               removed: `remove` deregisters it, frees its slab key and
//!                        tells the chat
//! ```
//!
//! Closing reads input only to see the peer close; Lingering has shut its
//! writing side and waits for the peer's close so that unread input does not
//! turn our close into a reset that eats the last words.

use std::net::Shutdown;
use std::time::Duration;

use super::Server;
use crate::server::chat::Now;
use crate::server::connection::Phase;
use crate::server::outbox::ClientId;

/// How long a closing connection gets to take its last words.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// How long a flushed connection waits at most for the peer's close.
const LINGER: Duration = Duration::from_secs(2);

impl Server {
    /// Announces the departure, queues `ERROR :reason` and closes after flushing.
    pub(super) fn close_with_error(&mut self, key: usize, reason: &str, now: &Now) {
        self.chat
            .disconnect(ClientId::from_slab_key(key), reason, now, &mut self.out);
        let Some(conn) = self.conns.get_mut(key) else {
            return;
        };
        if conn.phase == Phase::Open {
            // Lines queued this turn for this client still go out first.
            let _ = conn
                .out
                .push(format!("ERROR :{reason}\r\n").as_bytes(), usize::MAX);
        }
        self.begin_close(key, now);
    }

    /// Open → Closing: what is queued still goes out, within [`CLOSE_GRACE`].
    pub(super) fn begin_close(&mut self, key: usize, now: &Now) {
        let Some(conn) = self.conns.get_mut(key) else {
            return;
        };
        if conn.phase == Phase::Open {
            conn.phase = Phase::Closing {
                deadline: now.instant + CLOSE_GRACE,
            };
            // Its input is now only read to see the peer close.
            conn.throttled_until = None;
            conn.reader = crate::proto::LineReader::new(0);
            self.mark_dirty(key);
        }
    }

    /// Closing → Lingering, once its last words are all with the socket: shut
    /// for writing, then wait (at most [`LINGER`] more) for the peer's close.
    pub(super) fn linger(&mut self, key: usize, now: &Now) {
        let Some(conn) = self.conns.get_mut(key) else {
            return;
        };
        let Phase::Closing { deadline } = conn.phase else {
            return;
        };
        let _ = conn.stream.shutdown(Shutdown::Write);
        conn.phase = Phase::Lingering {
            deadline: deadline.min(now.instant + LINGER),
        };
        // Input may already be waiting; edge-triggered readiness will not
        // report it again.
        self.on_readable(key, now);
    }

    /// Records that the connection is dead, the first reason winning; it is
    /// removed after the event batch and handles no more input meanwhile.
    pub(super) fn mark_dead(&mut self, key: usize, reason: &str) {
        if let Some(conn) = self.conns.get_mut(key) {
            if !conn.dead {
                conn.dead = true;
                self.dead.push((key, reason.to_owned()));
            }
        }
    }

    /// Closing or Lingering past its deadline → dead: a peer that never
    /// reads, or never closes, is not waited for.
    pub(super) fn expire_closing(&mut self, now: &Now) {
        let expired: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| match c.phase {
                Phase::Open => false,
                Phase::Closing { deadline } | Phase::Lingering { deadline } => {
                    now.instant >= deadline
                }
            })
            .map(|(k, _)| k)
            .collect();
        for key in expired {
            self.mark_dead(key, "Closed");
        }
    }

    /// Dead → removed, after the event batch (contract 5): the slab key is
    /// free again, and the chat hears of the departure if it was a client.
    pub(super) fn remove(&mut self, key: usize, reason: &str, now: &Now) {
        if !self.conns.contains(key) {
            return;
        }
        let mut conn = self.conns.remove(key);
        let _ = self.poll.registry().deregister(&mut conn.stream);
        if matches!(conn.phase, Phase::Lingering { .. }) {
            // Its goodbye is sent: a reset must not overtake it.
            conn.discard_input();
        }
        // Its timer entry, if any, no longer matches and is skipped.
        self.dirty.retain(|&k| k != key);
        self.ready_again.retain(|&k| k != key);
        if conn.is_client {
            let from = super::accept::limit_key(conn.addr.ip());
            if let Some(n) = self.per_ip.get_mut(&from) {
                *n -= 1;
                if *n == 0 {
                    self.per_ip.remove(&from);
                }
            }
            self.chat
                .disconnect(ClientId::from_slab_key(key), reason, now, &mut self.out);
        } else {
            self.refused_lingering -= 1;
        }
        log::debug!("{} closed: {reason}", conn.addr);
    }
}
