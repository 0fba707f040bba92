//! Runs a case against the pure chat state the way the event loop drives it,
//! and checks every step: what was sent, what was closed, and the state's own
//! invariants.
//!
//! Contract:
//! 1. No sockets: addresses are data only, time is a counter.
//! 2. Like the loop: one `LineReader` per connection; empty lines are skipped;
//!    a line goes to the chat only while it still knows the client; a reader
//!    overflow is a `disconnect`; a close frees the key at once, and a new
//!    connection takes a free key (slab keys are reused).
//! 3. After every line and every event the outbox is checked and cleared; the
//!    first violation ends the case with an `Err`. Nothing catches panics.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use banter::proto::message::{check_length, MAX_BODY_LEN};
use banter::proto::{LineReader, Message};
use banter::server::chat::{Chat, Now};
use banter::server::outbox::{ClientId, Outbox};
use banter::server::Config;

/// Connections at once; keys are `0..SLOTS`.
pub const SLOTS: usize = 16;
/// Most bytes of tags (with `@` and the space) a server line may carry.
pub const MAX_TAGS_LEN: usize = 8191;
/// The wall clock at the start of a case.
const START_UNIX_MS: u64 = 1_700_000_000_000;

/// One input to the chat state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A new connection under key `slot` (ignored while the key is in use).
    Connect { slot: usize, v6: bool },
    /// Bytes received on `slot` (ignored while the key is free).
    Send { slot: usize, bytes: Vec<u8> },
    /// The peer of `slot` is gone (a reset, say).
    Disconnect { slot: usize },
    /// Time passes, then the loop's tick.
    Tick { ms: u64 },
    /// The server stops (the harness goes on with new connections).
    Shutdown,
}

/// The server settings a case runs with; everything else is `Config`'s default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub password: Option<String>,
    pub room: String,
    pub max_joined: usize,
    pub max_channels: usize,
    pub nick_len: usize,
    pub recvq: usize,
    pub motd: bool,
    pub message_log: bool,
}

impl Default for Settings {
    fn default() -> Self {
        let c = Config::default();
        Settings {
            password: None,
            room: c.room,
            max_joined: c.max_joined,
            max_channels: c.max_channels,
            nick_len: c.nick_len,
            recvq: c.recvq,
            motd: true,
            message_log: false,
        }
    }
}

/// The operator credentials every case's server accepts.
pub const OPER: (&str, &str) = ("root", "toor");

impl Settings {
    pub fn config(&self) -> Config {
        let defaults = Config::default();
        Config {
            password: self.password.clone(),
            room: self.room.clone(),
            max_joined: self.max_joined,
            max_channels: self.max_channels,
            nick_len: self.nick_len,
            recvq: self.recvq,
            motd: if self.motd { defaults.motd } else { None },
            message_log: self.message_log,
            opers: vec![(OPER.0.into(), OPER.1.into())],
            ..defaults
        }
    }
}

/// What the harness knows of a connection, learnt only from what the server
/// sent it (as a client would).
struct Conn {
    reader: LineReader,
    /// `labeled-response` was acknowledged, so labeled commands get a label.
    labeled: bool,
    registered: bool,
    nick: Option<String>,
}

/// One run of the chat state; reused by replaying a case into a fresh one.
pub struct Exec {
    chat: Chat,
    out: Outbox,
    conns: Vec<Option<Conn>>,
    base: Instant,
    elapsed_ms: u64,
    recvq: usize,
    /// The line being handled, copied out of its reader.
    line: Vec<u8>,
}

impl Exec {
    pub fn new(settings: &Settings) -> Exec {
        let base = Instant::now();
        let now = Now {
            instant: base,
            unix_ms: START_UNIX_MS,
        };
        Exec {
            chat: Chat::new(settings.config(), &now),
            out: Outbox::new(),
            conns: (0..SLOTS).map(|_| None).collect(),
            base,
            elapsed_ms: 0,
            recvq: settings.recvq,
            line: Vec::new(),
        }
    }

    fn now(&self) -> Now {
        Now {
            instant: self.base + Duration::from_millis(self.elapsed_ms),
            unix_ms: START_UNIX_MS + self.elapsed_ms,
        }
    }

    pub fn is_connected(&self, slot: usize) -> bool {
        self.conns.get(slot).is_some_and(Option::is_some)
    }

    pub fn is_registered(&self, slot: usize) -> bool {
        self.conn(slot).is_some_and(|c| c.registered)
    }

    /// The nickname the server last told `slot` it has.
    pub fn nick(&self, slot: usize) -> Option<&str> {
        self.conn(slot).and_then(|c| c.nick.as_deref())
    }

    fn conn(&self, slot: usize) -> Option<&Conn> {
        self.conns.get(slot).and_then(Option::as_ref)
    }

    /// Applies one action and checks what followed.
    pub fn apply(&mut self, action: &Action) -> Result<(), String> {
        match action {
            &Action::Connect { slot, v6 } => {
                if slot >= SLOTS || self.is_connected(slot) {
                    return Ok(());
                }
                let port = 40000 + slot as u16;
                let addr = if v6 {
                    SocketAddr::from((Ipv6Addr::LOCALHOST, port))
                } else {
                    // A few hosts, so that bans by host hit some and miss others.
                    SocketAddr::from((Ipv4Addr::new(127, 0, 0, 1 + (slot % 3) as u8), port))
                };
                self.chat.connect(id(slot), addr, &self.now());
                self.conns[slot] = Some(Conn {
                    reader: LineReader::new(self.recvq),
                    labeled: false,
                    registered: false,
                    nick: None,
                });
                self.settle(None)
            }
            Action::Send { slot, bytes } => self.receive(*slot, bytes),
            &Action::Disconnect { slot } => {
                if !self.is_connected(slot) {
                    return Ok(());
                }
                // Freed first: nothing may be sent to a connection that is gone.
                self.conns[slot] = None;
                let now = self.now();
                self.chat
                    .disconnect(id(slot), "Connection reset by peer", &now, &mut self.out);
                self.settle(None)
            }
            &Action::Tick { ms } => {
                self.elapsed_ms += ms;
                let now = self.now();
                self.chat.tick(&now, &mut self.out);
                self.settle(None)
            }
            Action::Shutdown => {
                let now = self.now();
                self.chat.shutdown(&now, &mut self.out);
                self.settle(None)?;
                if self.chat.client_count() != 0 {
                    return Err("clients left after shutdown".into());
                }
                Ok(())
            }
        }
    }

    /// Feeds bytes through the connection's reader, one line at a time.
    fn receive(&mut self, slot: usize, bytes: &[u8]) -> Result<(), String> {
        let Some(Some(conn)) = self.conns.get_mut(slot) else {
            return Ok(());
        };
        conn.reader.extend(bytes);
        loop {
            let Some(Some(conn)) = self.conns.get_mut(slot) else {
                return Ok(());
            };
            let labeled = conn.labeled;
            match conn.reader.next_line() {
                Ok(Some(line)) => {
                    if line.is_empty() {
                        continue;
                    }
                    self.line.clear();
                    self.line.extend_from_slice(line);
                }
                Ok(None) => return Ok(()),
                Err(_) => {
                    // The loop says `RecvQ exceeded` itself; the chat only hears of the loss.
                    self.conns[slot] = None;
                    let now = self.now();
                    self.chat
                        .disconnect(id(slot), "RecvQ exceeded", &now, &mut self.out);
                    return self.settle(None);
                }
            }
            let label = if labeled {
                expected_label(&self.line)
            } else {
                None
            };
            let now = self.now();
            let line = std::mem::take(&mut self.line);
            self.chat.handle_line(id(slot), &line, &now, &mut self.out);
            let checked = self.settle(Some((slot, label)));
            self.line = line;
            checked?;
        }
    }

    /// Checks the outbox and the state after one step, frees closed keys and
    /// clears the outbox. `input` is the client whose line was handled and the
    /// label its reply must carry, if any.
    fn settle(&mut self, input: Option<(usize, Option<String>)>) -> Result<(), String> {
        let closes: Vec<usize> = self.out.closes().iter().map(|c| c.slab_key()).collect();
        for &key in &closes {
            if !self.is_connected(key) {
                return Err(format!("close for key {key}, which has no connection"));
            }
            if self.chat.is_client(id(key)) {
                return Err(format!("close for {key}, which the chat still knows"));
            }
        }
        let mut after_error = [false; SLOTS];
        let mut labels = [0usize; SLOTS];
        let mut batches: Vec<(usize, String)> = Vec::new();
        for (to, bytes) in self.out.sends() {
            let to = to.slab_key();
            // Only for messages: formatting it for every line would cost more
            // than the checks.
            let text = Lossy(bytes);
            let Some(Some(conn)) = self.conns.get_mut(to) else {
                return Err(format!(
                    "line to key {to}, which has no connection: {text:?}"
                ));
            };
            let msg = check_line(bytes).map_err(|e| format!("{e}: {text:?} (to {to})"))?;
            if after_error[to] {
                return Err(format!("line to {to} after its ERROR: {text:?}"));
            }
            if msg.command == "ERROR" {
                if !closes.contains(&to) {
                    return Err(format!("ERROR to {to} without a close: {text:?}"));
                }
                after_error[to] = true;
            } else if !self.chat.is_client(id(to)) && !closes.contains(&to) {
                return Err(format!("line to {to}, forgotten without a close: {text:?}"));
            }
            if let Some(label) = msg.tag("label") {
                match &input {
                    Some((from, Some(want))) if *from == to && want == label => labels[to] += 1,
                    _ => return Err(format!("unexpected label on {text:?} (to {to})")),
                }
            }
            if let Some(reference) = msg.tag("batch") {
                if !batches.iter().any(|(t, r)| *t == to && r == reference) {
                    return Err(format!("line in a batch never opened: {text:?}"));
                }
            }
            if msg.command == "BATCH" {
                let Some(param) = msg.param(0) else {
                    return Err(format!("BATCH without a reference: {text:?}"));
                };
                if let Some(reference) = param.strip_prefix('+') {
                    batches.push((to, reference.to_owned()));
                } else if let Some(reference) = param.strip_prefix('-') {
                    let Some(i) = batches.iter().position(|(t, r)| *t == to && r == reference)
                    else {
                        return Err(format!("BATCH end without a start: {text:?}"));
                    };
                    batches.remove(i);
                }
            }
            learn(conn, &msg);
        }
        if let Some((t, r)) = batches.first() {
            return Err(format!("batch {r} to {t} never ended"));
        }
        if let Some((from, Some(label))) = &input {
            if self.chat.is_client(id(*from)) && labels[*from] != 1 {
                return Err(format!(
                    "label {label:?} came back {} times, not once",
                    labels[*from]
                ));
            }
        }
        for key in closes {
            self.conns[key] = None;
        }
        self.out.clear();
        let mut open = 0;
        for (key, conn) in self.conns.iter().enumerate() {
            if conn.is_some() {
                open += 1;
                if !self.chat.is_client(id(key)) {
                    return Err(format!("the chat forgot {key} without asking to close it"));
                }
            }
        }
        if self.chat.client_count() != open {
            return Err(format!(
                "client_count is {} with {open} connections",
                self.chat.client_count()
            ));
        }
        self.chat.check_invariants()
    }
}

/// Bytes shown as text in a failure message, converted only if shown.
struct Lossy<'a>(&'a [u8]);

impl std::fmt::Debug for Lossy<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.0))
    }
}

/// The label the reply to `line` must carry when the client negotiated
/// `labeled-response`: the dispatcher's own rule, applied from outside.
fn expected_label(line: &[u8]) -> Option<String> {
    check_length(line).ok()?;
    let msg = Message::parse(line).ok()?;
    let label = msg.tag("label")?;
    (!label.is_empty() && label.len() <= 64).then(|| label.to_owned())
}

/// What a client learns from a line it was sent.
fn learn(conn: &mut Conn, msg: &Message) {
    match msg.command.as_str() {
        "001" => {
            conn.registered = true;
            conn.nick = msg.param(0).map(str::to_owned);
        }
        "NICK" if msg.source_nick().is_some() && msg.source_nick() == conn.nick.as_deref() => {
            conn.nick = msg.param(0).map(str::to_owned);
        }
        "CAP" if msg.param(1) == Some("ACK") => {
            for cap in msg.param(2).unwrap_or("").split(' ') {
                match cap {
                    "labeled-response" => conn.labeled = true,
                    "-labeled-response" => conn.labeled = false,
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// One server line: ends in CR LF with no other CR, LF or NUL, at most 512
/// bytes after its tags and 8191 of tags, and parses.
pub fn check_line(bytes: &[u8]) -> Result<Message, String> {
    let Some(inner) = bytes.strip_suffix(b"\r\n") else {
        return Err("line does not end in CR LF".into());
    };
    if inner.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
        return Err("CR, LF or NUL inside a line".into());
    }
    let body = if bytes.first() == Some(&b'@') {
        let Some(space) = bytes.iter().position(|&b| b == b' ') else {
            return Err("tags without a message".into());
        };
        if space + 1 > MAX_TAGS_LEN {
            return Err(format!("{} bytes of tags", space + 1));
        }
        bytes.len() - space - 1
    } else {
        bytes.len()
    };
    if body > MAX_BODY_LEN {
        return Err(format!("{body} bytes after the tags"));
    }
    let msg = Message::parse(bytes).map_err(|e| format!("does not parse: {e}"))?;
    if msg.command.is_empty() {
        return Err("no command".into());
    }
    Ok(msg)
}

/// Why a case failed: the step and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub step: usize,
    pub message: String,
}

impl Failure {
    /// The message without numbers and quoted text, to tell one bug from
    /// another while minimising.
    pub fn kind(&self) -> String {
        self.message
            .split(['"', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
            .next()
            .unwrap_or("")
            .to_owned()
    }
}

/// Replays a whole case into a fresh state.
pub fn replay(settings: &Settings, actions: &[Action]) -> Result<(), Failure> {
    let mut exec = Exec::new(settings);
    for (step, action) in actions.iter().enumerate() {
        exec.apply(action)
            .map_err(|message| Failure { step, message })?;
    }
    Ok(())
}

/// The chat's id for the driver's connection key, as the event loop makes it.
fn id(key: usize) -> ClientId {
    ClientId::from_slab_key(key)
}
