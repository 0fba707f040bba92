//! One benchmark client: its connection and output queue, its nicknames, and
//! what each line from the server means to it (contracts 2 to 4).

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use mio::net::TcpStream;

use super::NICK_RETRIES;
use crate::proto::numeric::{
    ERR_ERRONEUSNICKNAME, ERR_NICKNAMEINUSE, ERR_PASSWDMISMATCH, ERR_UNAVAILRESOURCE,
    ERR_YOUREBANNEDCREEP, RPL_ENDOFNAMES, RPL_WELCOME,
};
use crate::proto::{command, LineReader};

/// Runs started in this process, so that two runs' nicknames differ even when
/// the server has not yet seen the first run's connections close.
static RUNS: AtomicU32 = AtomicU32::new(0);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Connecting,
    Registering,
    Joining,
    Joined,
    Dead,
}

impl Stage {
    /// Not yet joined, nor given up: the run still waits for it.
    pub(super) fn in_setup(self) -> bool {
        matches!(
            self,
            Stage::Connecting | Stage::Registering | Stage::Joining
        )
    }
}

pub(super) struct Bot {
    pub stream: TcpStream,
    pub reader: LineReader,
    /// The socket took everything last time; cleared on `WouldBlock`.
    pub writable: bool,
    out_sent: usize,
    /// Everything but the socket's side, apart from `reader` so that a line
    /// borrowed from the reader can be handled without a copy (contract 3).
    pub talk: Talk,
}

/// What a client says and what it has heard.
pub(super) struct Talk {
    /// Client `i` of the run.
    id: usize,
    pub stage: Stage,
    out: Vec<u8>,
    /// Next sequence number expected from each sender.
    next_seq: Vec<u32>,
    /// As a sender: messages sent so far, and when the next one is due.
    pub sent: u32,
    pub next_due: Instant,
    /// Nicknames tried after the first was in use.
    nick_tries: usize,
}

/// What a line from the server meant, for the run to count.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Heard {
    /// A sender's message; `in_order` unless one of its earlier ones is
    /// missing or came later. `sent_us` is its sending time on the run's clock.
    Delivery { in_order: bool, sent_us: u64 },
    /// The channel's names came: it is in.
    Joined,
    /// Its nickname was in use and another is being tried.
    NickRetried,
    /// It cannot register: the run gives it up.
    Refused(String),
    /// A complaint from the server, counted but not fatal.
    Error(String),
    /// Nothing the run counts (a PING answered, a welcome).
    Nothing,
}

impl Bot {
    /// Client `id` on a connection under way, expecting `senders` senders.
    pub(super) fn new(stream: TcpStream, id: usize, senders: usize, now: Instant) -> Bot {
        Bot {
            stream,
            reader: LineReader::new(1 << 20),
            writable: false,
            out_sent: 0,
            talk: Talk {
                id,
                stage: Stage::Connecting,
                out: Vec::new(),
                next_seq: vec![0; senders],
                sent: 0,
                next_due: now,
                nick_tries: 0,
            },
        }
    }

    /// Bytes queued that the socket has not taken.
    pub(super) fn pending(&self) -> usize {
        self.talk.out.len() - self.out_sent
    }

    pub(super) fn queue(&mut self, line: &str) {
        self.talk.queue(line);
    }

    /// Writes what is queued until done or `WouldBlock`.
    pub(super) fn flush(&mut self) -> io::Result<()> {
        let out = &mut self.talk.out;
        while self.out_sent < out.len() && self.writable {
            match self.stream.write(&out[self.out_sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out_sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out_sent == out.len() {
            out.clear();
            self.out_sent = 0;
        }
        Ok(())
    }

    /// Reads until `WouldBlock` into the line reader, through `chunk`; why
    /// the connection is lost, if it is.
    pub(super) fn read_all(&mut self, chunk: &mut [u8]) -> Option<String> {
        loop {
            match self.stream.read(chunk) {
                Ok(0) => return Some("server closed the connection".to_owned()),
                Ok(n) => self.reader.extend(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Some(e.to_string()),
            }
        }
    }
}

impl Talk {
    fn queue(&mut self, line: &str) {
        self.out.extend_from_slice(line.as_bytes());
    }

    /// Handles one line from the server, queuing any answer (PONG, JOIN,
    /// another NICK).
    pub(super) fn on_line(&mut self, line: &[u8], prefix: &str, channel: &str) -> Heard {
        if let Some((sender, seq, sent_us)) = parse_payload(line) {
            let Some(next) = self.next_seq.get_mut(sender) else {
                return Heard::Nothing;
            };
            let in_order = seq == *next;
            *next = seq + 1;
            return Heard::Delivery { in_order, sent_us };
        }
        let text = String::from_utf8_lossy(line);
        let mut words = text.split(' ');
        let first = words.next().unwrap_or("");
        let command = if first.starts_with(':') {
            words.next().unwrap_or("")
        } else {
            first
        };
        match command {
            command::PING => {
                let token = text.split_once("PING ").map_or("", |(_, t)| t);
                self.queue(&format!("PONG {token}\r\n"));
            }
            RPL_WELCOME if self.stage == Stage::Registering => {
                self.stage = Stage::Joining;
                self.queue(&format!("JOIN {channel}\r\n"));
            }
            RPL_ENDOFNAMES if self.stage == Stage::Joining => {
                self.stage = Stage::Joined;
                return Heard::Joined;
            }
            // In use, or held for a while (437, as servers do after a
            // nickname's owner left).
            ERR_NICKNAMEINUSE | ERR_UNAVAILRESOURCE
                if self.stage == Stage::Registering && self.nick_tries < NICK_RETRIES =>
            {
                self.nick_tries += 1;
                let next = nick(prefix, self.id, self.nick_tries);
                self.queue(&format!("NICK {next}\r\n"));
                return Heard::NickRetried;
            }
            // The server keeps an unregistered connection open until its
            // registration timeout: give it up now.
            ERR_NICKNAMEINUSE | ERR_UNAVAILRESOURCE | ERR_ERRONEUSNICKNAME
                if self.stage == Stage::Registering =>
            {
                return Heard::Refused(text.into_owned());
            }
            ERR_NICKNAMEINUSE
            | ERR_UNAVAILRESOURCE
            | ERR_ERRONEUSNICKNAME
            | command::ERROR
            | ERR_PASSWDMISMATCH
            | ERR_YOUREBANNEDCREEP => {
                return Heard::Error(text.into_owned());
            }
            _ => {}
        }
        Heard::Nothing
    }
}

/// A prefix no other run in this process used: three digits keep
/// `b123x4095` within a 9-character NICKLEN.
pub(super) fn fresh_nick_prefix() -> String {
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let tag = std::process::id().wrapping_add(run.wrapping_mul(337)) % 1000;
    format!("b{tag}x")
}

/// Client `i`'s nickname on try `tries` (0 first): later tries swap the
/// prefix's last letter, so the nickname keeps its length.
pub(super) fn nick(prefix: &str, i: usize, tries: usize) -> String {
    if tries == 0 {
        return format!("{prefix}{i}");
    }
    let mut stem: Vec<char> = prefix.chars().collect();
    let last = stem.pop();
    let swap = ['x', 'y', 'z', 'w']
        .into_iter()
        .filter(|c| Some(*c) != last)
        .nth(tries - 1)
        .unwrap_or('v');
    let stem: String = stem.into_iter().collect();
    format!("{stem}{swap}{i}")
}

/// `<sender> <seq> <µs>` from a relayed `PRIVMSG <chan> :...` line.
fn parse_payload(line: &[u8]) -> Option<(usize, u32, u64)> {
    let mut rest = line;
    if rest.first() == Some(&b'@') {
        rest = &rest[rest.iter().position(|&b| b == b' ')? + 1..];
    }
    if rest.first() == Some(&b':') {
        rest = &rest[rest.iter().position(|&b| b == b' ')? + 1..];
    }
    let rest = rest.strip_prefix(b"PRIVMSG ")?;
    let colon = rest.windows(2).position(|w| w == b" :")?;
    let mut nums = rest[colon + 2..]
        .split(|&b| b == b' ')
        .map(|n| std::str::from_utf8(n).ok()?.parse::<u64>().ok());
    let sender = nums.next()?? as usize;
    let seq = u32::try_from(nums.next()??).ok()?;
    let sent = nums.next()??;
    Some((sender, seq, sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_relayed_payloads() {
        assert_eq!(
            parse_payload(b":b1!u@h PRIVMSG #bench :3 17 123456"),
            Some((3, 17, 123456))
        );
        assert_eq!(
            parse_payload(b"@time=x :b1!u@h PRIVMSG #bench :0 0 5"),
            Some((0, 0, 5))
        );
        assert_eq!(parse_payload(b":s 001 me :Welcome"), None);
        assert_eq!(parse_payload(b":b1!u@h PRIVMSG #bench :hello there"), None);
        assert_eq!(parse_payload(b""), None);
    }

    #[test]
    fn each_run_in_a_process_has_its_own_nicknames() {
        let (a, b) = (fresh_nick_prefix(), fresh_nick_prefix());
        assert_ne!(a, b);
        // b + three digits + x: a 4-digit client number still fits NICKLEN 9.
        assert!(a.len() <= 5, "{a}");
    }

    #[test]
    fn a_retried_nickname_keeps_its_length() {
        assert_eq!(nick("b123x", 4095, 0), "b123x4095");
        let tries: Vec<String> = (1..=NICK_RETRIES).map(|t| nick("b123x", 4095, t)).collect();
        assert_eq!(tries, ["b123y4095", "b123z4095", "b123w4095"]);
        assert_eq!(nick("taken", 0, 1), "takex0");
    }
}
