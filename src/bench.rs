//! The load generator behind `banter-bench`: many plain IRC clients on one mio
//! thread, measuring delivery, order and latency of channel messages on any
//! IRC server.
//!
//! Contract:
//! 1. Every loop is bounded: connections by `clients`, messages by
//!    `senders * messages`, time by `timeout`.
//! 2. Each message carries `<sender> <seq> <sent-µs>`; every receiver checks
//!    that each sender's sequence arrives complete and in order.
//! 3. Per delivery the generator scans one line and parses three numbers, so
//!    it stays cheaper than the server's work for the same delivery.
//! 4. A nickname already in use (another run's connection the server has not
//!    yet seen close, or a real user) is tried again with the prefix's last
//!    letter changed, keeping its length for servers with a short NICKLEN,
//!    at most [`NICK_RETRIES`] times; then that client fails at once.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::proto::LineReader;
use crate::server::sys;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub addr: SocketAddr,
    pub clients: usize,
    pub senders: usize,
    pub messages: usize,
    /// Messages per second per sender; `None` sends as fast as the server takes them.
    pub rate: Option<f64>,
    pub channel: String,
    /// Hold the connections this long after all joined, then stop (idle mode).
    pub hold: Option<Duration>,
    /// Give up after this long in all.
    pub timeout: Duration,
    /// Connections being set up at once.
    pub connect_batch: usize,
    /// Stop waiting for deliveries this long after the last one arrived.
    pub drain_timeout: Duration,
    /// Read this process's resident memory before and after (Linux only).
    pub server_pid: Option<u32>,
    /// Client `i` registers as `<nick_prefix><i>`; `None` picks a prefix of
    /// its own for each run, `b<3 digits>x`.
    pub nick_prefix: Option<String>,
}

/// Tries of a nickname the server said is in use, after the first.
pub const NICK_RETRIES: usize = 3;

/// Runs started in this process, so that two runs' nicknames differ even when
/// the server has not yet seen the first run's connections close.
static RUNS: AtomicU32 = AtomicU32::new(0);

impl Options {
    pub fn new(addr: SocketAddr) -> Options {
        Options {
            addr,
            clients: 100,
            senders: 10,
            messages: 100,
            rate: None,
            channel: "#bench".into(),
            hold: None,
            timeout: Duration::from_secs(300),
            connect_batch: 200,
            drain_timeout: Duration::from_secs(10),
            server_pid: None,
            nick_prefix: None,
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub clients_connected: usize,
    /// Nicknames the server said were in use and that were tried again.
    pub nick_retries: u64,
    pub connect_secs: f64,
    pub sent: u64,
    pub expected: u64,
    pub delivered: u64,
    pub lost: u64,
    pub out_of_order: u64,
    pub send_window_secs: f64,
    pub delivered_per_sec: f64,
    pub latency_us: Percentiles,
    pub server_rss_before_kib: Option<u64>,
    pub server_rss_after_kib: Option<u64>,
    /// Share of one core used over the send window, by the server (with
    /// `server_pid`) and by this generator (Linux): the evidence of which
    /// side was the bottleneck.
    pub server_cpu_pct: Option<f64>,
    pub bench_cpu_pct: Option<f64>,
    pub errors: Vec<String>,
    pub timed_out: bool,
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Percentiles {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

impl Percentiles {
    fn of(samples: &mut [u32]) -> Percentiles {
        if samples.is_empty() {
            return Percentiles::default();
        }
        samples.sort_unstable();
        let at = |q: f64| u64::from(samples[((samples.len() - 1) as f64 * q).round() as usize]);
        Percentiles {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

impl Report {
    /// Server memory per connection, from the before/after readings.
    pub fn rss_per_client_kib(&self) -> Option<f64> {
        let (before, after) = (self.server_rss_before_kib?, self.server_rss_after_kib?);
        (self.clients_connected > 0)
            .then(|| after.saturating_sub(before) as f64 / self.clients_connected as f64)
    }

    /// One JSON object on one line, for scripts.
    pub fn to_json(&self) -> String {
        let opt = |v: Option<u64>| v.map_or("null".to_owned(), |v| v.to_string());
        let per = self
            .rss_per_client_kib()
            .map_or("null".to_owned(), |v| format!("{v:.2}"));
        let pct = |v: Option<f64>| v.map_or("null".to_owned(), |v| format!("{v:.0}"));
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|e| {
                let quoted: String = e
                    .chars()
                    .map(|c| match c {
                        '"' | '\\' => '\'',
                        c if c.is_control() => ' ',
                        c => c,
                    })
                    .collect();
                format!("\"{quoted}\"")
            })
            .collect();
        format!(
            "{{\"clients_connected\":{},\"nick_retries\":{},\"connect_secs\":{:.3},\"sent\":{},\"expected\":{},\"delivered\":{},\"lost\":{},\"out_of_order\":{},\"send_window_secs\":{:.3},\"delivered_per_sec\":{:.0},\"latency_us\":{{\"p50\":{},\"p90\":{},\"p99\":{},\"max\":{}}},\"server_rss_before_kib\":{},\"server_rss_after_kib\":{},\"rss_per_client_kib\":{},\"server_cpu_pct\":{},\"bench_cpu_pct\":{},\"timed_out\":{},\"errors\":[{}]}}",
            self.clients_connected, self.nick_retries, self.connect_secs, self.sent, self.expected, self.delivered, self.lost,
            self.out_of_order, self.send_window_secs, self.delivered_per_sec,
            self.latency_us.p50, self.latency_us.p90, self.latency_us.p99, self.latency_us.max,
            opt(self.server_rss_before_kib), opt(self.server_rss_after_kib), per,
            pct(self.server_cpu_pct), pct(self.bench_cpu_pct), self.timed_out, errors.join(",")
        )
    }

    /// A few lines for people.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "clients connected   {} in {:.2} s",
            self.clients_connected, self.connect_secs
        );
        if self.nick_retries > 0 {
            let _ = writeln!(
                s,
                "nicknames in use    {} tried again with another letter",
                self.nick_retries
            );
        }
        let _ = writeln!(s, "messages sent       {}", self.sent);
        let _ = writeln!(
            s,
            "deliveries          {} of {} expected, {} lost, {} out of order",
            self.delivered, self.expected, self.lost, self.out_of_order
        );
        let _ = writeln!(
            s,
            "throughput          {:.0} deliveries/s over {:.2} s",
            self.delivered_per_sec, self.send_window_secs
        );
        let l = self.latency_us;
        let _ = writeln!(
            s,
            "latency             p50 {} µs, p90 {} µs, p99 {} µs, max {} µs",
            l.p50, l.p90, l.p99, l.max
        );
        if let (Some(b), Some(a)) = (self.server_rss_before_kib, self.server_rss_after_kib) {
            let per = self.rss_per_client_kib().unwrap_or(0.0);
            let _ = writeln!(
                s,
                "server memory       {b} KiB before, {a} KiB after: {per:.2} KiB per client"
            );
        }
        if let (Some(server), Some(bench)) = (self.server_cpu_pct, self.bench_cpu_pct) {
            let _ = writeln!(
                s,
                "cpu while sending    server {server:.0}% of a core, generator {bench:.0}%"
            );
        }
        if self.timed_out {
            let _ = writeln!(s, "TIMED OUT");
        }
        for e in &self.errors {
            let _ = writeln!(s, "error: {e}");
        }
        s
    }
}

/// Why the run could not start.
#[derive(Debug)]
pub enum BenchError {
    Setup(io::Error),
    NotLoopback(SocketAddr),
}

impl std::fmt::Display for BenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BenchError::Setup(e) => write!(f, "cannot set up: {e}"),
            BenchError::NotLoopback(a) => write!(
                f,
                "{a} is not a loopback address; banter-bench only loads this machine"
            ),
        }
    }
}

impl std::error::Error for BenchError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Connecting,
    Registering,
    Joining,
    Joined,
    Dead,
}

struct Bot {
    stream: TcpStream,
    stage: Stage,
    reader: LineReader,
    out: Vec<u8>,
    out_sent: usize,
    writable: bool,
    /// Next sequence number expected from each sender.
    next_seq: Vec<u32>,
    /// As a sender: messages sent so far, and when the next one is due.
    sent: u32,
    next_due: Instant,
    /// Nicknames tried after the first was in use.
    nick_tries: usize,
}

impl Bot {
    fn queue(&mut self, line: &str) {
        self.out.extend_from_slice(line.as_bytes());
    }

    fn pending(&self) -> usize {
        self.out.len() - self.out_sent
    }

    fn flush(&mut self) -> io::Result<()> {
        while self.out_sent < self.out.len() && self.writable {
            match self.stream.write(&self.out[self.out_sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out_sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out_sent == self.out.len() {
            self.out.clear();
            self.out_sent = 0;
        }
        Ok(())
    }
}

/// A prefix no other run in this process used: three digits keep
/// `b123x4095` within a 9-character NICKLEN.
fn fresh_nick_prefix() -> String {
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let tag = std::process::id().wrapping_add(run.wrapping_mul(337)) % 1000;
    format!("b{tag}x")
}

/// Client `i`'s nickname on try `tries` (0 first): later tries swap the
/// prefix's last letter, so the nickname keeps its length.
fn nick(prefix: &str, i: usize, tries: usize) -> String {
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

/// Resident memory of a process in KiB (Linux).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) a process has used, in seconds (Linux).
pub fn cpu_secs(pid: Option<u32>) -> Option<f64> {
    let path = pid.map_or("/proc/self/stat".to_owned(), |p| format!("/proc/{p}/stat"));
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let after = &stat[stat.rfind(')')? + 2..];
    let mut fields = after.split(' ');
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / sys::clock_ticks_per_sec().max(1.0))
}

/// Runs one scenario to the end (see [`Options`]).
pub fn run(opts: &Options) -> Result<Report, BenchError> {
    if !opts.addr.ip().is_loopback() {
        return Err(BenchError::NotLoopback(opts.addr));
    }
    // Thousands of connections need more than the usual soft limit.
    let _ = sys::raise_fd_limit();
    let mut poll = Poll::new().map_err(BenchError::Setup)?;
    let mut events = Events::with_capacity(4096);
    let start = Instant::now();
    let deadline = start + opts.timeout;
    let mut report = Report {
        server_rss_before_kib: opts.server_pid.and_then(rss_kib),
        ..Report::default()
    };
    let senders = opts.senders.min(opts.clients);
    let prefix = opts.nick_prefix.clone().unwrap_or_else(fresh_nick_prefix);
    let mut bots: Vec<Bot> = Vec::with_capacity(opts.clients);
    let mut to_open: VecDeque<usize> = (0..opts.clients).collect();
    let mut in_setup = 0usize;
    let mut joined = 0usize;
    let mut failed = 0usize;
    let mut all_joined_at: Option<Instant> = None;
    let mut send_started: Option<Instant> = None;
    let mut cpu_at_start: (Option<f64>, Option<f64>) = (None, None);
    let mut last_delivery = start;
    let mut samples: Vec<u32> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let micros = |at: Instant| at.duration_since(start).as_micros() as u64;
    let interval = opts
        .rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));

    loop {
        let now = Instant::now();
        if now >= deadline {
            report.timed_out = true;
            break;
        }
        // Open more connections, a batch at a time.
        while in_setup < opts.connect_batch {
            let Some(i) = to_open.pop_front() else { break };
            match TcpStream::connect(opts.addr) {
                Ok(mut stream) => {
                    poll.registry()
                        .register(
                            &mut stream,
                            Token(i),
                            Interest::READABLE | Interest::WRITABLE,
                        )
                        .map_err(BenchError::Setup)?;
                    debug_assert_eq!(bots.len(), i);
                    bots.push(Bot {
                        stream,
                        stage: Stage::Connecting,
                        reader: LineReader::new(1 << 20),
                        out: Vec::new(),
                        out_sent: 0,
                        writable: false,
                        next_seq: vec![0; senders],
                        sent: 0,
                        next_due: now,
                        nick_tries: 0,
                    });
                    in_setup += 1;
                }
                Err(e) => {
                    report.errors.push(format!("connect {i}: {e}"));
                    failed += 1;
                    to_open.clear();
                }
            }
        }
        let setup_done = to_open.is_empty() && in_setup == 0;
        if setup_done && all_joined_at.is_none() {
            let at = Instant::now();
            all_joined_at = Some(at);
            report.connect_secs = at.duration_since(start).as_secs_f64();
            report.clients_connected = joined;
            report.server_rss_after_kib = opts.server_pid.and_then(rss_kib);
            send_started = Some(at);
            // The drain timeout and the paced schedules count from here,
            // however long connecting took (else a slow connect phase turns
            // into a catch-up burst).
            last_delivery = at;
            for bot in bots.iter_mut().take(senders) {
                bot.next_due = at;
            }
            cpu_at_start = (
                opts.server_pid.and_then(|p| cpu_secs(Some(p))),
                cpu_secs(None),
            );
        }
        // Idle mode: hold, then stop.
        if let (Some(hold), Some(at)) = (opts.hold, all_joined_at) {
            if now >= at + hold {
                break;
            }
        }
        // Senders write their next messages.
        let sending = opts.hold.is_none() && all_joined_at.is_some();
        let mut all_sent = true;
        if sending {
            for (i, bot) in bots.iter_mut().enumerate().take(senders) {
                if bot.stage != Stage::Joined || bot.sent as usize >= opts.messages {
                    continue;
                }
                all_sent = false;
                let mut line = String::with_capacity(64);
                while (bot.sent as usize) < opts.messages && bot.pending() < 16 * 1024 {
                    let t = Instant::now();
                    if let Some(iv) = interval {
                        if t < bot.next_due {
                            break;
                        }
                        bot.next_due += iv;
                    }
                    line.clear();
                    let _ = write!(
                        line,
                        "PRIVMSG {} :{i} {} {}\r\n",
                        opts.channel,
                        bot.sent,
                        micros(t)
                    );
                    bot.queue(&line);
                    bot.sent += 1;
                    report.sent += 1;
                }
                if let Err(e) = bot.flush() {
                    report.errors.push(format!("sender {i}: {e}"));
                    bot.stage = Stage::Dead;
                }
            }
        }
        let receivers = joined.saturating_sub(1) as u64;
        if sending && all_sent {
            report.expected = report.sent * receivers;
            let drained = report.delivered >= report.expected;
            if drained || now.duration_since(last_delivery) > opts.drain_timeout {
                break;
            }
        }
        // Wait for readiness, or for the next paced send.
        let mut timeout = Duration::from_millis(50);
        if sending {
            if let Some(iv) = interval {
                let due = bots
                    .iter()
                    .take(senders)
                    .map(|b| b.next_due)
                    .min()
                    .unwrap_or(now + iv);
                timeout = timeout.min(due.saturating_duration_since(Instant::now()));
            } else {
                timeout = Duration::from_millis(1);
            }
        }
        if let Err(e) = poll.poll(&mut events, Some(timeout)) {
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(BenchError::Setup(e));
            }
        }
        for event in events.iter() {
            let i = event.token().0;
            let Some(bot) = bots.get_mut(i) else { continue };
            if bot.stage == Stage::Dead {
                continue;
            }
            if event.is_writable() {
                if bot.stage == Stage::Connecting {
                    match bot.stream.take_error() {
                        Ok(None) if bot.stream.peer_addr().is_ok() => {
                            bot.stage = Stage::Registering;
                            bot.queue(&format!(
                                "NICK {}\r\nUSER bench 0 * :banter-bench\r\n",
                                nick(&prefix, i, 0)
                            ));
                        }
                        Ok(None) => continue,
                        Ok(Some(e)) | Err(e) => {
                            report.errors.push(format!("connect {i}: {e}"));
                            bot.stage = Stage::Dead;
                            in_setup -= 1;
                            failed += 1;
                            continue;
                        }
                    }
                }
                bot.writable = true;
            }
            let mut death: Option<String> = None;
            if event.is_readable() {
                loop {
                    match bot.stream.read(&mut chunk) {
                        Ok(0) => {
                            death = Some("server closed the connection".to_owned());
                            break;
                        }
                        Ok(n) => bot.reader.extend(&chunk[..n]),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            death = Some(e.to_string());
                            break;
                        }
                    }
                }
                let arrived = Instant::now();
                while let Ok(Some(line)) = bot.reader.next_line() {
                    if let Some((sender, seq, sent_us)) = parse_payload(line) {
                        if let Some(next) = bot.next_seq.get_mut(sender) {
                            if seq != *next {
                                report.out_of_order += 1;
                            }
                            *next = seq + 1;
                            report.delivered += 1;
                            let latency = micros(arrived).saturating_sub(sent_us);
                            samples.push(u32::try_from(latency).unwrap_or(u32::MAX));
                            last_delivery = arrived;
                        }
                        continue;
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
                        "PING" => {
                            let token = text.split_once("PING ").map_or("", |(_, t)| t);
                            bot.out
                                .extend_from_slice(format!("PONG {token}\r\n").as_bytes());
                        }
                        "001" if bot.stage == Stage::Registering => {
                            bot.stage = Stage::Joining;
                            bot.out
                                .extend_from_slice(format!("JOIN {}\r\n", opts.channel).as_bytes());
                        }
                        "366" if bot.stage == Stage::Joining => {
                            bot.stage = Stage::Joined;
                            in_setup -= 1;
                            joined += 1;
                        }
                        // In use, or held for a while (437, as servers do
                        // after a nickname's owner left).
                        "433" | "437"
                            if bot.stage == Stage::Registering && bot.nick_tries < NICK_RETRIES =>
                        {
                            bot.nick_tries += 1;
                            report.nick_retries += 1;
                            let next = nick(&prefix, i, bot.nick_tries);
                            bot.queue(&format!("NICK {next}\r\n"));
                        }
                        // The server keeps an unregistered connection open
                        // until its registration timeout: give it up now.
                        "433" | "437" | "432" if bot.stage == Stage::Registering => {
                            death = Some(format!("cannot register: {text}"));
                        }
                        "433" | "437" | "432" | "ERROR" | "464" | "465" => {
                            report.errors.push(format!("client {i}: {text}"));
                        }
                        _ => {}
                    }
                }
            }
            if death.is_none() {
                if let Err(e) = bot.flush() {
                    death = Some(e.to_string());
                }
            }
            if let Some(why) = death {
                // A client lost during setup will never join: stop waiting for it.
                if matches!(
                    bot.stage,
                    Stage::Connecting | Stage::Registering | Stage::Joining
                ) {
                    in_setup -= 1;
                    failed += 1;
                }
                report.errors.push(format!("client {i}: {why}"));
                bot.stage = Stage::Dead;
                // Closed now, so the server frees its slot before the run ends.
                let _ = bot.stream.shutdown(std::net::Shutdown::Both);
            }
        }
        if failed > 0
            && in_setup == 0
            && to_open.is_empty()
            && all_joined_at.is_none()
            && joined == 0
        {
            break;
        }
    }
    report.errors.truncate(20);
    if report.clients_connected == 0 {
        report.clients_connected = joined;
    }
    let receivers = report.clients_connected.saturating_sub(1) as u64;
    report.expected = report.sent * receivers;
    report.lost = report.expected.saturating_sub(report.delivered);
    if let Some(t0) = send_started {
        report.send_window_secs = last_delivery.saturating_duration_since(t0).as_secs_f64();
        let window = Instant::now().duration_since(t0).as_secs_f64();
        if report.send_window_secs > 0.0 {
            report.delivered_per_sec = report.delivered as f64 / report.send_window_secs;
        }
        let pct =
            |before: Option<f64>, after: Option<f64>| Some((after? - before?) / window * 100.0);
        report.server_cpu_pct = pct(
            cpu_at_start.0,
            opts.server_pid.and_then(|p| cpu_secs(Some(p))),
        );
        report.bench_cpu_pct = pct(cpu_at_start.1, cpu_secs(None));
    }
    report.latency_us = Percentiles::of(&mut samples);
    Ok(report)
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

    #[test]
    fn error_text_cannot_break_the_json_line() {
        let report = Report {
            errors: vec!["a \"quoted\"\\ line\r\nwith\tcontrols".into()],
            ..Report::default()
        };
        let json = report.to_json();
        assert!(
            json.ends_with("\"errors\":[\"a 'quoted'' line  with controls\"]}"),
            "{json}"
        );
    }

    #[test]
    fn percentiles() {
        let mut v: Vec<u32> = (1..=100).rev().collect();
        let p = Percentiles::of(&mut v);
        assert_eq!((p.p50, p.p90, p.p99, p.max), (51, 90, 99, 100));
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
    }
}
