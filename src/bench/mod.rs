//! The load generator behind `banter-bench`: many plain IRC clients on one mio
//! thread, measuring delivery, order and latency of channel messages on any
//! IRC server. This module holds what to run ([`Options`]) and what happened
//! ([`Report`]); `run` is the loop and `bot` one client.
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

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::server::sys;
use run::Run;

mod bot;
mod run;

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
    Run::new(opts)?.go()
}

#[cfg(test)]
mod tests {
    use super::*;

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
