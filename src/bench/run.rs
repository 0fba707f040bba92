//! One run of the load generator: its clients, its counters, and the steps of
//! its loop: open a batch of connections, send what is due, handle each
//! readiness event and line, and finish the report.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use super::bot::{fresh_nick_prefix, nick, Bot, Heard, Stage};
use super::{cpu_secs, rss_kib, BenchError, Options, Percentiles, Report};

/// Bytes a sender may have queued before it waits for the socket.
const SENDER_QUEUE: usize = 16 * 1024;

/// `at` on the payloads' clock, which starts with the run.
fn micros(start: Instant, at: Instant) -> u64 {
    at.duration_since(start).as_micros() as u64
}

pub(super) struct Run<'a> {
    opts: &'a Options,
    poll: Poll,
    /// Time zero of the payloads' timestamps.
    start: Instant,
    deadline: Instant,
    /// Clients `0..senders` send.
    senders: usize,
    prefix: String,
    /// Between one sender's messages when paced; `None` sends as fast as
    /// the server takes them.
    interval: Option<Duration>,
    /// Client `i` is `bots[i]` and mio token `i`.
    bots: Vec<Bot>,
    /// Clients not yet connecting, in order.
    to_open: VecDeque<usize>,
    /// Connecting, registering or joining.
    in_setup: usize,
    joined: usize,
    failed: usize,
    /// When setup ended (every client joined or failed): sending starts then.
    all_joined_at: Option<Instant>,
    /// CPU seconds used by the server and by this process when sending started.
    cpu_at_start: (Option<f64>, Option<f64>),
    last_delivery: Instant,
    /// Latencies in µs.
    samples: Vec<u32>,
    /// Reading space shared by all clients.
    chunk: Vec<u8>,
    report: Report,
}

impl<'a> Run<'a> {
    pub(super) fn new(opts: &'a Options) -> Result<Run<'a>, BenchError> {
        let poll = Poll::new().map_err(BenchError::Setup)?;
        let start = Instant::now();
        Ok(Run {
            opts,
            poll,
            start,
            deadline: start + opts.timeout,
            senders: opts.senders.min(opts.clients),
            prefix: opts.nick_prefix.clone().unwrap_or_else(fresh_nick_prefix),
            interval: opts
                .rate
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / r)),
            bots: Vec::with_capacity(opts.clients),
            to_open: (0..opts.clients).collect(),
            in_setup: 0,
            joined: 0,
            failed: 0,
            all_joined_at: None,
            cpu_at_start: (None, None),
            last_delivery: start,
            samples: Vec::new(),
            chunk: vec![0u8; 64 * 1024],
            report: Report {
                server_rss_before_kib: opts.server_pid.and_then(rss_kib),
                ..Report::default()
            },
        })
    }

    /// Runs to the end: every message delivered (or the drain timeout),
    /// the hold over in idle mode, setup failed for all, or the timeout.
    pub(super) fn go(mut self) -> Result<Report, BenchError> {
        let mut events = Events::with_capacity(4096);
        loop {
            let now = Instant::now();
            if now >= self.deadline {
                self.report.timed_out = true;
                break;
            }
            self.open_batch(now)?;
            if self.all_joined_at.is_none() && self.to_open.is_empty() && self.in_setup == 0 {
                self.setup_done();
            }
            // Idle mode: hold, then stop.
            if let (Some(hold), Some(at)) = (self.opts.hold, self.all_joined_at) {
                if now >= at + hold {
                    break;
                }
            }
            let sending = self.opts.hold.is_none() && self.all_joined_at.is_some();
            if sending && self.send_due() && self.drained(now) {
                break;
            }
            self.wait(&mut events, sending, now)?;
            for event in events.iter() {
                self.on_event(event.token().0, event.is_writable(), event.is_readable());
            }
            if self.failed > 0
                && self.in_setup == 0
                && self.to_open.is_empty()
                && self.all_joined_at.is_none()
                && self.joined == 0
            {
                break;
            }
        }
        Ok(self.finish())
    }

    /// Starts connecting until [`Options::connect_batch`] are being set up.
    /// A failed connect stops opening more: the server is not taking them.
    fn open_batch(&mut self, now: Instant) -> Result<(), BenchError> {
        while self.in_setup < self.opts.connect_batch {
            let Some(i) = self.to_open.pop_front() else {
                break;
            };
            match TcpStream::connect(self.opts.addr) {
                Ok(mut stream) => {
                    self.poll
                        .registry()
                        .register(
                            &mut stream,
                            Token(i),
                            Interest::READABLE | Interest::WRITABLE,
                        )
                        .map_err(BenchError::Setup)?;
                    debug_assert_eq!(self.bots.len(), i);
                    self.bots.push(Bot::new(stream, i, self.senders, now));
                    self.in_setup += 1;
                }
                Err(e) => {
                    self.report.errors.push(format!("connect {i}: {e}"));
                    self.failed += 1;
                    self.to_open.clear();
                }
            }
        }
        Ok(())
    }

    /// Every client joined or failed: the connect phase's figures, and the
    /// clocks of the send phase start.
    fn setup_done(&mut self) {
        let at = Instant::now();
        self.all_joined_at = Some(at);
        self.report.connect_secs = at.duration_since(self.start).as_secs_f64();
        self.report.clients_connected = self.joined;
        self.report.server_rss_after_kib = self.opts.server_pid.and_then(rss_kib);
        // The drain timeout and the paced schedules count from here, however
        // long connecting took (else a slow connect phase turns into a
        // catch-up burst).
        self.last_delivery = at;
        for bot in self.bots.iter_mut().take(self.senders) {
            bot.talk.next_due = at;
        }
        self.cpu_at_start = (
            self.opts.server_pid.and_then(|p| cpu_secs(Some(p))),
            cpu_secs(None),
        );
    }

    /// Senders queue and write their next messages, as many as are due and
    /// the queue holds. `true` once every joined sender has sent them all.
    fn send_due(&mut self) -> bool {
        let mut all_sent = true;
        let mut line = String::with_capacity(64);
        for (i, bot) in self.bots.iter_mut().enumerate().take(self.senders) {
            let talk = &mut bot.talk;
            if talk.stage != Stage::Joined || talk.sent as usize >= self.opts.messages {
                continue;
            }
            all_sent = false;
            while (bot.talk.sent as usize) < self.opts.messages && bot.pending() < SENDER_QUEUE {
                let t = Instant::now();
                if let Some(iv) = self.interval {
                    if t < bot.talk.next_due {
                        break;
                    }
                    bot.talk.next_due += iv;
                }
                line.clear();
                let _ = write!(
                    line,
                    "PRIVMSG {} :{i} {} {}\r\n",
                    self.opts.channel,
                    bot.talk.sent,
                    micros(self.start, t)
                );
                bot.queue(&line);
                bot.talk.sent += 1;
                self.report.sent += 1;
            }
            if let Err(e) = bot.flush() {
                self.report.errors.push(format!("sender {i}: {e}"));
                bot.talk.stage = Stage::Dead;
            }
        }
        all_sent
    }

    /// All sent: whether every delivery came, or none came for the drain
    /// timeout.
    fn drained(&mut self, now: Instant) -> bool {
        let receivers = self.joined.saturating_sub(1) as u64;
        self.report.expected = self.report.sent * receivers;
        self.report.delivered >= self.report.expected
            || now.duration_since(self.last_delivery) > self.opts.drain_timeout
    }

    /// Waits for readiness, or for the next paced send.
    fn wait(&mut self, events: &mut Events, sending: bool, now: Instant) -> Result<(), BenchError> {
        let mut timeout = Duration::from_millis(50);
        if sending {
            if let Some(iv) = self.interval {
                let due = self
                    .bots
                    .iter()
                    .take(self.senders)
                    .map(|b| b.talk.next_due)
                    .min()
                    .unwrap_or(now + iv);
                timeout = timeout.min(due.saturating_duration_since(Instant::now()));
            } else {
                timeout = Duration::from_millis(1);
            }
        }
        match self.poll.poll(events, Some(timeout)) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => Err(BenchError::Setup(e)),
            _ => Ok(()),
        }
    }

    /// One readiness event for client `i`: its connect done, lines to read,
    /// room to write.
    fn on_event(&mut self, i: usize, writable: bool, readable: bool) {
        let Some(bot) = self.bots.get_mut(i) else {
            return;
        };
        if bot.talk.stage == Stage::Dead {
            return;
        }
        if writable {
            if bot.talk.stage == Stage::Connecting {
                match bot.stream.take_error() {
                    Ok(None) if bot.stream.peer_addr().is_ok() => {
                        bot.talk.stage = Stage::Registering;
                        bot.queue(&format!(
                            "NICK {}\r\nUSER bench 0 * :banter-bench\r\n",
                            nick(&self.prefix, i, 0)
                        ));
                    }
                    // Not connected yet: a later event says when.
                    Ok(None) => return,
                    Ok(Some(e)) | Err(e) => {
                        self.report.errors.push(format!("connect {i}: {e}"));
                        bot.talk.stage = Stage::Dead;
                        self.in_setup -= 1;
                        self.failed += 1;
                        return;
                    }
                }
            }
            bot.writable = true;
        }
        let mut death = if readable { self.on_readable(i) } else { None };
        let bot = &mut self.bots[i];
        if death.is_none() {
            if let Err(e) = bot.flush() {
                death = Some(e.to_string());
            }
        }
        if let Some(why) = death {
            self.lose(i, &why);
        }
    }

    /// Reads what client `i` received and handles each line; why it is lost,
    /// if it is.
    fn on_readable(&mut self, i: usize) -> Option<String> {
        let bot = &mut self.bots[i];
        let mut death = bot.read_all(&mut self.chunk);
        let arrived = Instant::now();
        let arrived_us = micros(self.start, arrived);
        while let Ok(Some(line)) = bot.reader.next_line() {
            match bot.talk.on_line(line, &self.prefix, &self.opts.channel) {
                Heard::Delivery { in_order, sent_us } => {
                    if !in_order {
                        self.report.out_of_order += 1;
                    }
                    self.report.delivered += 1;
                    let latency = arrived_us.saturating_sub(sent_us);
                    self.samples
                        .push(u32::try_from(latency).unwrap_or(u32::MAX));
                    self.last_delivery = arrived;
                }
                Heard::Joined => {
                    self.in_setup -= 1;
                    self.joined += 1;
                }
                Heard::NickRetried => self.report.nick_retries += 1,
                Heard::Refused(text) => death = Some(format!("cannot register: {text}")),
                Heard::Error(text) => self.report.errors.push(format!("client {i}: {text}")),
                Heard::Nothing => {}
            }
        }
        death
    }

    /// Client `i` is lost: counted, and its connection closed now so that
    /// the server frees its slot before the run ends.
    fn lose(&mut self, i: usize, why: &str) {
        let bot = &mut self.bots[i];
        // A client lost during setup will never join: stop waiting for it.
        if bot.talk.stage.in_setup() {
            self.in_setup -= 1;
            self.failed += 1;
        }
        self.report.errors.push(format!("client {i}: {why}"));
        bot.talk.stage = Stage::Dead;
        let _ = bot.stream.shutdown(std::net::Shutdown::Both);
    }

    /// The report: what was expected from who joined, what was lost, the
    /// send window's throughput and CPU shares, and latency percentiles.
    fn finish(mut self) -> Report {
        let report = &mut self.report;
        report.errors.truncate(20);
        if report.clients_connected == 0 {
            report.clients_connected = self.joined;
        }
        let receivers = report.clients_connected.saturating_sub(1) as u64;
        report.expected = report.sent * receivers;
        report.lost = report.expected.saturating_sub(report.delivered);
        if let Some(t0) = self.all_joined_at {
            report.send_window_secs = self
                .last_delivery
                .saturating_duration_since(t0)
                .as_secs_f64();
            let window = Instant::now().duration_since(t0).as_secs_f64();
            if report.send_window_secs > 0.0 {
                report.delivered_per_sec = report.delivered as f64 / report.send_window_secs;
            }
            let pct =
                |before: Option<f64>, after: Option<f64>| Some((after? - before?) / window * 100.0);
            report.server_cpu_pct = pct(
                self.cpu_at_start.0,
                self.opts.server_pid.and_then(|p| cpu_secs(Some(p))),
            );
            report.bench_cpu_pct = pct(self.cpu_at_start.1, cpu_secs(None));
        }
        report.latency_us = Percentiles::of(&mut self.samples);
        self.report
    }
}
