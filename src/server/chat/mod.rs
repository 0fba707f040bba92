//! The chat state: clients, nicknames and rooms, driven purely by input.
//!
//! Contract:
//! 1. Nothing here touches a socket or reads a clock: each call takes the bytes
//!    of one line (or an event such as a disconnect) and the current [`Now`],
//!    and leaves what must be sent and closed in an [`Outbox`].
//! 2. A client that leaves, by QUIT, a timeout or a dead connection, is
//!    announced to the people it shared a room with exactly once: the first
//!    removal takes it out, later ones find nothing.
//! 3. Every collection is bounded by a [`Config`] limit.
//!
//! # Layout
//! - this file: [`Chat`] and its lifecycle (a connection comes, a line
//!   arrives, a connection is lost and its seat held, timeouts, shutdown),
//!   and the lookups every handler shares.
//! - [`model`]: what the state is made of: clients, rooms, member status,
//!   room modes and lists, held seats, WHOWAS, capabilities, and the limits.
//! - [`masks`]: `nick!user@host` globs, matched and completed.
//! - [`replies`]: numerics and server lines to one client, cut to fit a line.
//! - `invariants` (tests and the `fuzz` feature): the self-checks the fuzzing
//!   harness runs after every step.
//! - The command handlers are in `server/commands/`, one file per family;
//!   one message relayed to many is [`super::relay::Relay`].

#[cfg(any(test, feature = "fuzz"))]
mod invariants;
mod masks;
mod model;
mod replies;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use super::config::Config;
use super::history::{dm_key, Event, History};
use super::outbox::{ClientId, Outbox};
use super::relay::Relay;
use super::store::StoreOp;
use crate::proto::command;
use crate::proto::message::{check_length, TooLong};
use crate::proto::names::{fold, skeleton};
use crate::proto::numeric::*;
use crate::proto::{Message, ParseError};

pub(crate) use masks::{fold_mask, mask_matches, normalize_mask};
pub(crate) use model::*;

/// The time, passed in by the event loop.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// For timeouts.
    pub instant: Instant,
    /// Wall clock for `server-time` tags and topic times.
    pub unix_ms: u64,
}

impl Now {
    pub(crate) fn unix_secs(&self) -> u64 {
        self.unix_ms / 1000
    }
}

/// See the module contract.
pub struct Chat {
    pub(crate) config: Config,
    pub(crate) clients: Vec<Option<Client>>,
    pub(crate) client_count: usize,
    pub(crate) registered_count: usize,
    pub(crate) max_registered: usize,
    /// Registered clients with `+i`, for LUSERS without a walk over everyone.
    pub(crate) invisible_count: usize,
    /// Registered server operators.
    pub(crate) oper_count: usize,
    /// Folded nickname to owner, claimed at NICK (also before registration).
    pub(crate) nicks: HashMap<String, ClientId>,
    /// Confusable skeleton of each name in use, a client's (in `nicks`) or a
    /// held seat's, to the folded name it belongs to: no two names that look
    /// alike can be in use at once (see `commands/registration.rs`). Bounded
    /// like `nicks` and `seats`: one entry per nickname or seat at most.
    pub(crate) skeletons: HashMap<String, String>,
    /// Folded channel name to channel; ordered so LIST is stable.
    pub(crate) channels: BTreeMap<String, Channel>,
    /// Folded nickname to the clients that MONITOR it.
    pub(crate) monitors: HashMap<String, BTreeSet<ClientId>>,
    /// Recently used nicknames, oldest first.
    pub(crate) whowas: VecDeque<Whowas>,
    /// Seats held after a lost connection, by folded nickname.
    pub(crate) seats: HashMap<String, Seat>,
    /// Clients whose last OPER failed: how many failed in a row, and when
    /// the next try is heard. At most one entry per client; gone with it.
    pub(crate) oper_backoff: HashMap<ClientId, (u32, Instant)>,
    /// What was said and done in each room (and in private, while both stay).
    pub(crate) history: History,
    /// When the age limit is next applied to all of history (Unix ms).
    next_history_sweep: u64,
    pub(crate) created_unix: u64,
    /// Makes message ids unique across restarts: the start time in base 36.
    msgid_base: String,
    next_msgid: u64,
    next_batch: u64,
    motd: Vec<String>,
}

impl Chat {
    pub fn new(config: Config, now: &Now) -> Chat {
        let motd = config
            .motd
            .as_deref()
            .map(|text| {
                text.lines()
                    .take(100)
                    .map(|l| truncate(l, 400).to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let mut chat = Chat {
            clients: Vec::new(),
            client_count: 0,
            registered_count: 0,
            max_registered: 0,
            invisible_count: 0,
            oper_count: 0,
            nicks: HashMap::new(),
            skeletons: HashMap::new(),
            channels: BTreeMap::new(),
            monitors: HashMap::new(),
            whowas: VecDeque::new(),
            seats: HashMap::new(),
            oper_backoff: HashMap::new(),
            history: History::new(config.history),
            next_history_sweep: 0,
            created_unix: now.unix_secs(),
            msgid_base: base36(now.unix_ms),
            next_msgid: 0,
            next_batch: 0,
            motd,
            config,
        };
        let room = chat.config.room.clone();
        if !room.is_empty() {
            let mut lobby = Channel::new(&room, now, true);
            // Nobody creates the permanent room, so until a host (a server
            // operator) locks it with +t, anyone in it may set the topic.
            lobby.modes.topic_lock = false;
            chat.channels.insert(fold(&room), lobby);
        }
        chat
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Takes back history read from the disk at start (oldest first).
    pub fn restore_history(&mut self, events: Vec<Event>) {
        for e in events {
            self.history.push(e);
        }
    }

    /// Remembers what `relay` carried in conversation `key` (a folded room
    /// name or a [`dm_key`]); room events also go to the disk.
    pub(crate) fn record(&mut self, key: &str, relay: &Relay, out: &mut Outbox) {
        let Some(event) = relay.event(key) else {
            return;
        };
        let private = super::history::is_dm_key(key);
        if let Some(stored) = self.history.push(event) {
            if !private && self.config.history_file.is_some() {
                out.store(stored.clone());
            }
        }
    }

    /// Remembers a private message between two nicknames.
    pub(crate) fn record_private(&mut self, a: &str, b: &str, relay: &Relay, out: &mut Outbox) {
        self.record(&dm_key(&fold(a), &fold(b)), relay, out);
    }

    /// Connections the chat knows, registered or not.
    pub fn client_count(&self) -> usize {
        self.client_count
    }

    pub fn is_client(&self, id: ClientId) -> bool {
        self.client(id).is_some()
    }

    pub(crate) fn client(&self, id: ClientId) -> Option<&Client> {
        self.clients.get(id.slab_key()).and_then(Option::as_ref)
    }

    /// Every client connected now, with its id, in id order.
    pub(crate) fn live_clients(&self) -> impl Iterator<Item = (ClientId, &Client)> {
        self.clients
            .iter()
            .enumerate()
            .filter_map(|(key, c)| Some((ClientId::from_slab_key(key), c.as_ref()?)))
    }

    pub(crate) fn client_mut(&mut self, id: ClientId) -> Option<&mut Client> {
        self.clients.get_mut(id.slab_key()).and_then(Option::as_mut)
    }

    pub(crate) fn caps_of(&self, id: ClientId) -> Caps {
        self.client(id).map_or(Caps::default(), |c| c.caps)
    }

    /// The registered client using `nick`, if any.
    pub(crate) fn find_nick(&self, nick: &str) -> Option<ClientId> {
        let id = *self.nicks.get(&fold(nick))?;
        self.client(id).filter(|c| c.registered).map(|_| id)
    }

    /// Files `nick`'s skeleton under its folded form; call after putting
    /// `nick` in the nick map or the seats.
    pub(crate) fn claim_skeleton(&mut self, nick: &str) {
        self.skeletons.insert(skeleton(nick), fold(nick));
    }

    /// Lets `nick`'s skeleton go unless a client or a held seat still goes
    /// by a name of that skeleton and fold; call after taking `nick` out of
    /// the nick map or the seats (or renaming the client that had it).
    pub(crate) fn release_skeleton(&mut self, nick: &str) {
        let (s, folded) = (skeleton(nick), fold(nick));
        if self.skeletons.get(&s) != Some(&folded) {
            return;
        }
        let by_client = self
            .nicks
            .get(&folded)
            .and_then(|&id| self.client(id)?.nick.as_deref())
            .is_some_and(|n| skeleton(n) == s);
        let by_seat = self
            .seats
            .get(&folded)
            .is_some_and(|seat| skeleton(&seat.nick) == s);
        if !by_client && !by_seat {
            self.skeletons.remove(&s);
        }
    }

    /// Whether `nick` looks the same as a name someone else goes by or holds
    /// a seat under. A name of the same fold is left to the nick map and the
    /// seats to decide; `id`'s own current name is no one else's, unless a
    /// seat is held under it (while a RESUME is under way).
    pub(crate) fn looks_like_another(&self, nick: &str, id: ClientId) -> bool {
        match self.skeletons.get(&skeleton(nick)) {
            None => false,
            Some(folded) if *folded == fold(nick) => false,
            Some(folded) => self.nicks.get(folded) != Some(&id) || self.seats.contains_key(folded),
        }
    }

    /// A fresh message id (`msgid` tag): unique on this server, across restarts.
    pub(crate) fn msgid(&mut self) -> String {
        self.next_msgid += 1;
        format!("{}-{}", self.msgid_base, base36(self.next_msgid))
    }

    /// A fresh `BATCH` reference.
    pub(crate) fn batch_ref(&mut self) -> String {
        self.next_batch += 1;
        format!("b{}", base36(self.next_batch))
    }

    /// A new connection from `addr` under the event loop's key `id`.
    ///
    /// The loop hands out a key only once the chat state has let its last
    /// client go (see [`ClientId`]); a live client under `id` would be a bug
    /// in the loop, which this catches in tests and the fuzzer.
    pub fn connect(&mut self, id: ClientId, addr: SocketAddr, now: &Now) {
        let slot = id.slab_key();
        if self.clients.len() <= slot {
            self.clients.resize_with(slot + 1, || None);
        }
        debug_assert!(
            self.clients[slot].is_none(),
            "client {id:?} connected while still live"
        );
        self.clients[slot] = Some(Client {
            addr,
            nick: None,
            user: None,
            realname: String::new(),
            mask: String::new(),
            registered: false,
            cap_negotiating: false,
            caps: Caps::default(),
            password_ok: self.config.password.is_none(),
            invisible: false,
            oper: false,
            wallops: false,
            bot: false,
            away: None,
            channels: BTreeSet::new(),
            invites: Vec::new(),
            founded: Vec::new(),
            monitoring: BTreeSet::new(),
            connected_at: now.instant,
            signon_unix: now.unix_secs(),
            last_active: now.instant,
            last_spoke: now.instant,
            ping_sent: false,
            resume_token: None,
            resuming: None,
        });
        self.client_count += 1;
    }

    /// One received line (without its ending) from client `id`. Returns what
    /// it costs in flood-control tokens: one for most lines, more for commands
    /// that scan or answer at length (see `commands/mod.rs`).
    pub fn handle_line(&mut self, id: ClientId, line: &[u8], now: &Now, out: &mut Outbox) -> u32 {
        let Some(client) = self.client_mut(id) else {
            return 1;
        };
        client.last_active = now.instant;
        client.ping_sent = false;
        let registered = client.registered;
        if let Err(which) = check_length(line) {
            let what = match which {
                TooLong::Tags => "Input line was too long (message tags)",
                TooLong::Body => "Input line was too long",
            };
            self.reply(id, out, ERR_INPUTTOOLONG, &[what]);
            return 1;
        }
        match Message::parse(line) {
            // A web request sent to the IRC port: its headers and body would
            // otherwise run as IRC (a form's body can register and post).
            Ok(msg) if !registered && msg.is_http_request() => {
                self.error_and_close(
                    id,
                    "This is a chat server (IRC), not a web server",
                    now,
                    out,
                );
            }
            Ok(msg) => return self.dispatch(id, &msg, now, out),
            Err(ParseError::Empty) => {}
            Err(ParseError::InvalidUtf8 { command }) => {
                let command = command.unwrap_or_else(|| "*".into());
                self.server_line(
                    id,
                    out,
                    command::FAIL,
                    &[
                        &command,
                        "INVALID_UTF8",
                        "Message rejected: it is not valid UTF-8",
                    ],
                );
            }
            Err(ParseError::ForbiddenByte { command }) => {
                let command = command.unwrap_or_else(|| "*".into());
                self.reply(
                    id,
                    out,
                    ERR_UNKNOWNERROR,
                    &[&command, "Message rejected: it contains a NUL or CR byte"],
                );
            }
            Err(ParseError::NoCommand) => {
                self.reply(
                    id,
                    out,
                    ERR_UNKNOWNERROR,
                    &["*", "Message rejected: it has no command"],
                );
            }
        }
        1
    }

    /// The connection of client `id` is gone (or being closed by the loop):
    /// announce the quit once and forget the client.
    pub fn disconnect(&mut self, id: ClientId, reason: &str, now: &Now, out: &mut Outbox) {
        self.hold_seat(id, now);
        self.remove_client(id, reason, now, out);
    }

    /// Keeps the place of a client whose connection was lost (not one that
    /// said QUIT or was removed), if it asked for `banter.chat/resume`.
    pub(crate) fn hold_seat(&mut self, id: ClientId, now: &Now) {
        let grace = self.config.seat_grace;
        let Some(c) = self.client(id) else { return };
        let (Some(nick), Some(token), true) = (&c.nick, &c.resume_token, c.registered) else {
            return;
        };
        if grace.is_zero() {
            return;
        }
        let rooms = c
            .channels
            .iter()
            .filter_map(|f| {
                let status = self.channels.get(f)?.status(id)?;
                Some((f.clone(), status))
            })
            .collect();
        let seat = Seat {
            nick: nick.clone(),
            token: token.clone(),
            realname: c.realname.clone(),
            away: c.away.clone(),
            invisible: c.invisible,
            bot: c.bot,
            oper: c.oper,
            rooms,
            until: now.instant + grace,
        };
        // Bounded by the clients that can exist: one seat per dropped client,
        // and at most max_clients of them.
        if self.seats.len() < self.config.max_clients {
            let nick = nick.clone();
            let replaced = self.seats.insert(fold(&nick), seat);
            self.claim_skeleton(&nick);
            if let Some(old) = replaced {
                self.release_skeleton(&old.nick);
            }
        }
    }

    /// Sends PINGs to idle clients and drops those past a timeout.
    pub fn tick(&mut self, now: &Now, out: &mut Outbox) {
        let mut expired = Vec::new();
        for (key, slot) in self.clients.iter_mut().enumerate() {
            let Some(client) = slot else { continue };
            let id = ClientId::from_slab_key(key);
            if !client.registered {
                if now.instant.duration_since(client.connected_at)
                    >= self.config.registration_timeout
                {
                    expired.push((id, "Registration timed out".to_owned()));
                }
                continue;
            }
            let idle = now.instant.duration_since(client.last_active);
            if idle >= self.config.ping_timeout {
                expired.push((id, format!("Ping timeout: {} seconds", idle.as_secs())));
                // A silent connection is a lost one: hold its seat too.
            } else if idle >= self.config.ping_interval && !client.ping_sent {
                client.ping_sent = true;
                let name = self.config.server_name.clone();
                if let Some(line) = out.format([], None, command::PING, &[&name]) {
                    out.send(id, line);
                }
            }
        }
        for (id, reason) in expired {
            if self.client(id).is_some_and(|c| c.registered) {
                self.hold_seat(id, now);
            }
            self.error_and_close(id, &reason, now, out);
        }
        let gone: Vec<String> = self
            .seats
            .iter()
            .filter(|(_, s)| s.until <= now.instant)
            .map(|(k, _)| k.clone())
            .collect();
        for folded in gone {
            let Some(seat) = self.seats.remove(&folded) else {
                continue;
            };
            self.release_skeleton(&seat.nick);
            // Private history lives while both are here or holding a seat.
            self.history.forget_dms_of(&folded);
            for (room, _) in &seat.rooms {
                self.end_room_history(room, out);
            }
        }
        self.sweep_history(now, out);
    }

    /// Applies the age limit to every conversation in memory and in the file,
    /// at most once a minute (reads apply it too, so none serves an expired
    /// event meanwhile); a shorter limit sweeps as often as it is long.
    fn sweep_history(&mut self, now: &Now, out: &mut Outbox) {
        let Some(age) = self.config.history.max_age else {
            return;
        };
        if now.unix_ms < self.next_history_sweep {
            return;
        }
        let every = age.min(std::time::Duration::from_secs(60));
        self.next_history_sweep = now
            .unix_ms
            .saturating_add(u64::try_from(every.as_millis()).unwrap_or(u64::MAX));
        self.history.expire(now.unix_ms);
        if self.config.history_file.is_some() {
            out.store_op(StoreOp::Expire(self.history.cutoff(now.unix_ms)));
        }
    }

    /// Tells every client the server is going away and forgets them all.
    pub fn shutdown(&mut self, _now: &Now, out: &mut Outbox) {
        // No QUIT is relayed: everyone is about to hear the same ERROR, and
        // relaying would cost n² deliveries in a full room.
        let error = out.format([], None, command::ERROR, &["Server shutting down"]);
        for (key, slot) in self.clients.iter_mut().enumerate() {
            if slot.take().is_some() {
                let id = ClientId::from_slab_key(key);
                if let Some(line) = error {
                    out.send(id, line);
                }
                out.close(id);
            }
        }
        self.clients.clear();
        self.oper_backoff.clear();
        self.client_count = 0;
        self.registered_count = 0;
        // Every count and map keyed by clients goes with them: stale MONITOR
        // entries would tell whoever gets a watcher's key next about nicknames
        // it never asked for, and stale counts would be wrong in LUSERS.
        self.invisible_count = 0;
        self.oper_count = 0;
        self.monitors.clear();
        self.nicks.clear();
        // Held seats keep their names.
        let seats = &self.seats;
        self.skeletons.retain(|s, folded| {
            seats
                .get(folded)
                .is_some_and(|seat| skeleton(&seat.nick) == *s)
        });
        self.channels.retain(|_, ch| ch.permanent);
        for ch in self.channels.values_mut() {
            ch.members.clear();
        }
    }

    /// Sends `ERROR :reason`, announces the quit and asks the loop to close.
    pub(crate) fn error_and_close(
        &mut self,
        id: ClientId,
        reason: &str,
        now: &Now,
        out: &mut Outbox,
    ) {
        self.error_and_close_as(id, reason, reason, now, out);
    }

    /// As [`Chat::error_and_close`], with a different text for the `ERROR`
    /// line than for the `QUIT` the others see.
    pub(crate) fn error_and_close_as(
        &mut self,
        id: ClientId,
        error: &str,
        quit: &str,
        now: &Now,
        out: &mut Outbox,
    ) {
        if !self.is_client(id) {
            return;
        }
        if let Some(line) = out.format([], None, command::ERROR, &[error]) {
            out.send(id, line);
        }
        self.remove_client(id, quit, now, out);
        out.close(id);
    }

    fn remove_client(&mut self, id: ClientId, reason: &str, now: &Now, out: &mut Outbox) {
        let Some(client) = self.clients.get_mut(id.slab_key()).and_then(Option::take) else {
            return;
        };
        self.client_count -= 1;
        self.oper_backoff.remove(&id);
        // Its key will be someone else's: it founds nothing any more.
        for folded in &client.founded {
            if let Some(ch) = self.channels.get_mut(folded) {
                if ch.creator == Some(id) {
                    ch.creator = None;
                    ch.creator_owns = false;
                }
            }
        }
        for watched in &client.monitoring {
            self.unwatch(watched, id);
        }
        if let Some(nick) = &client.nick {
            let folded = fold(nick);
            if self.nicks.get(&folded) == Some(&id) {
                self.nicks.remove(&folded);
            }
            self.release_skeleton(nick);
        }
        if client.registered {
            self.registered_count -= 1;
            self.invisible_count -= usize::from(client.invisible);
            self.oper_count -= usize::from(client.oper);
            let peers = self.peers_of(&client.channels, id);
            let msgid = self.msgid();
            let mut relay = Relay::new(now, &client.mask, command::QUIT, vec![reason.to_owned()])
                .with_msgid(msgid, client.bot);
            self.deliver(&mut relay, peers, out);
            for name in &client.channels {
                self.record(name, &relay, out);
                self.leave_channel(name, id, out);
            }
            // Private history lives only while both people are here (or
            // the one who left holds a seat).
            let folded = fold(client.target());
            if !self.seats.contains_key(&folded) {
                self.history.forget_dms_of(&folded);
            }
            if let Some(nick) = &client.nick {
                self.remember(Whowas::of(&client, nick, now));
            }
            self.notify_monitors(client.target(), None, out);
        }
        log::info!(
            "{} ({}) left: {}; {} connected",
            client.addr,
            client.target(),
            reason,
            self.client_count
        );
    }

    /// Keeps a nickname's last owner for WHOWAS.
    pub(crate) fn remember(&mut self, entry: Whowas) {
        if self.whowas.len() >= WHOWAS_LEN {
            self.whowas.pop_front();
        }
        self.whowas.push_back(entry);
    }

    /// Everyone other than `except` who shares one of `channels`, each once.
    pub(crate) fn peers_of(&self, channels: &BTreeSet<String>, except: ClientId) -> Vec<ClientId> {
        let mut peers: Vec<ClientId> = channels
            .iter()
            .filter_map(|name| self.channels.get(name))
            .flat_map(|ch| ch.members.keys().copied())
            .filter(|&m| m != except)
            .collect();
        if channels.len() > 1 {
            peers.sort_unstable();
            peers.dedup();
        }
        peers
    }

    /// Removes `id` from a channel, destroying it if it empties and is not
    /// permanent; its history goes with it (see [`Chat::end_room_history`]).
    pub(crate) fn leave_channel(&mut self, folded: &str, id: ClientId, out: &mut Outbox) {
        if let Some(ch) = self.channels.get_mut(folded) {
            ch.members.remove(&id);
            if ch.members.is_empty() && !ch.permanent {
                self.channels.remove(folded);
                self.end_room_history(folded, out);
            }
        }
    }

    /// A room that ended takes its history along, in memory and in the file,
    /// so whoever creates a room of that name later reads nothing of it
    /// (as ergo does for rooms nobody registered). Not while a held seat
    /// (a dropped connection that may resume) still names the room: its
    /// owner comes back to the room as it was; the seat's expiry ends it.
    fn end_room_history(&mut self, folded: &str, out: &mut Outbox) {
        if self.channels.contains_key(folded)
            || self
                .seats
                .values()
                .any(|s| s.rooms.iter().any(|(r, _)| r == folded))
        {
            return;
        }
        self.history.forget(folded);
        if self.config.history_file.is_some() {
            out.store_op(StoreOp::Forget(folded.to_owned()));
        }
    }

    pub(crate) fn deliver(
        &self,
        relay: &mut Relay,
        to: impl IntoIterator<Item = ClientId>,
        out: &mut Outbox,
    ) {
        for id in to {
            if let Some(line) = relay.line_for(out, self.caps_of(id)) {
                out.send(id, line);
            }
        }
    }

    /// Tells everyone who MONITORs `nick` that it came online (`mask`) or went offline.
    pub(crate) fn notify_monitors(&self, nick: &str, mask: Option<&str>, out: &mut Outbox) {
        let Some(watchers) = self.monitors.get(&fold(nick)) else {
            return;
        };
        for &w in watchers {
            match mask {
                Some(mask) => self.reply(w, out, RPL_MONONLINE, &[mask]),
                None => self.reply(w, out, RPL_MONOFFLINE, &[nick]),
            }
        }
    }

    pub(crate) fn unwatch(&mut self, folded: &str, id: ClientId) {
        if let Some(w) = self.monitors.get_mut(folded) {
            w.remove(&id);
            if w.is_empty() {
                self.monitors.remove(folded);
            }
        }
    }

    /// Who sees a change to `id` announced with `cap` (`AWAY`, `SETNAME`):
    /// those sharing a room with it and, with `extended-monitor`, those who
    /// MONITOR it; each once, only if they negotiated `cap`.
    pub(crate) fn cap_watchers(
        &self,
        id: ClientId,
        cap: Caps,
        include_self: bool,
    ) -> Vec<ClientId> {
        let Some(client) = self.client(id) else {
            return Vec::new();
        };
        let mut to = self.peers_of(&client.channels, id);
        if let Some(w) = self.monitors.get(&fold(client.target())) {
            to.extend(
                w.iter()
                    .copied()
                    .filter(|&m| self.caps_of(m).has(Caps::EXTENDED_MONITOR)),
            );
        }
        if include_self {
            to.push(id);
        }
        to.sort_unstable();
        to.dedup();
        to.retain(|&m| (m != id || include_self) && self.caps_of(m).has(cap));
        to
    }

    pub(crate) fn motd(&self) -> &[String] {
        &self.motd
    }
}

/// `n` in base 36, for compact ids.
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = Vec::new();
    loop {
        buf.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    buf.reverse();
    String::from_utf8(buf).unwrap_or_default()
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_base36() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
    }
}
