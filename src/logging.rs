//! Logging that never stalls its caller: records go through a bounded queue
//! to one writer thread, so a blocked stderr (a terminal paused with Ctrl+S, a
//! Windows console in QuickEdit selection, a pipe nobody reads) delays only
//! the log, never the server thread.
//!
//! Contract:
//! 1. [`QueueLogger::log`] never blocks: when the queue is full the record is
//!    dropped and counted, and the writer says how many were dropped before
//!    the next line it writes.
//! 2. Control characters in the message (ESC, CR, LF, C1 controls) and
//!    bidirectional overrides are written escaped (`\u{1b}`, `\n`), so text
//!    that came from the network cannot drive the operator's terminal or
//!    forge a log line.
//! 3. One line per record: `HH:MM:SS [LEVEL] message`, time in UTC, as
//!    simplelog wrote it.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use log::{Level, LevelFilter, Log, Metadata, Record, SetLoggerError};

/// Records the queue holds while the writer is behind.
pub const QUEUE_LEN: usize = 4096;
/// How long [`Log::flush`] waits for the writer before giving up.
const FLUSH_WAIT: Duration = Duration::from_secs(1);

enum Entry {
    Record {
        at: SystemTime,
        level: Level,
        message: String,
    },
    /// Answered once everything queued before it is written and flushed.
    Flush(mpsc::Sender<()>),
}

/// See the module contract.
pub struct QueueLogger {
    level: LevelFilter,
    queue: SyncSender<Entry>,
    dropped: Arc<AtomicU64>,
}

impl QueueLogger {
    /// A logger for records at `level` and up, and its writer thread, which
    /// writes each line to every one of `outputs` until the logger is dropped.
    pub fn spawn(
        level: LevelFilter,
        capacity: usize,
        outputs: Vec<Box<dyn Write + Send>>,
    ) -> io::Result<QueueLogger> {
        let (queue, entries) = mpsc::sync_channel(capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&dropped);
        std::thread::Builder::new()
            .name("banter-log".into())
            .spawn(move || write_entries(&entries, &counter, outputs))?;
        Ok(QueueLogger {
            level,
            queue,
            dropped,
        })
    }

    /// Makes this the logger behind the `log` macros.
    pub fn install(self) -> Result<(), SetLoggerError> {
        let level = self.level;
        log::set_boxed_logger(Box::new(self))?;
        log::set_max_level(level);
        Ok(())
    }

    /// Records dropped for want of room that the writer has not reported yet.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Log for QueueLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        // Only the formatting of the arguments happens here; the time stamp,
        // escaping and writing are the writer thread's work.
        let entry = Entry::Record {
            at: SystemTime::now(),
            level: record.level(),
            message: record.args().to_string(),
        };
        match self.queue.try_send(entry) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits (at most [`FLUSH_WAIT`]) until everything logged so far is
    /// written: for the last lines before the process exits.
    fn flush(&self) {
        let deadline = Instant::now() + FLUSH_WAIT;
        let (ack, done) = mpsc::channel();
        let mut entry = Entry::Flush(ack);
        loop {
            match self.queue.try_send(entry) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                    entry = back;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(_) => return,
            }
        }
        let _ = done.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    }
}

/// The writer thread: one line per record, flushed whenever the queue runs dry.
fn write_entries(
    entries: &Receiver<Entry>,
    dropped: &AtomicU64,
    mut outputs: Vec<Box<dyn Write + Send>>,
) {
    let mut line = String::new();
    while let Ok(first) = entries.recv() {
        let mut next = Some(first);
        while let Some(entry) = next {
            match entry {
                Entry::Record { at, level, message } => {
                    let lost = dropped.swap(0, Ordering::Relaxed);
                    if lost > 0 {
                        let note =
                            format!("{lost} log lines dropped: the log output could not keep up");
                        format_line(&mut line, at, Level::Warn, &note);
                        write_all(&mut outputs, &line);
                    }
                    format_line(&mut line, at, level, &message);
                    write_all(&mut outputs, &line);
                }
                Entry::Flush(ack) => {
                    flush_all(&mut outputs);
                    let _ = ack.send(());
                }
            }
            next = entries.try_recv().ok();
        }
        flush_all(&mut outputs);
    }
    flush_all(&mut outputs);
}

fn write_all(outputs: &mut [Box<dyn Write + Send>], line: &str) {
    for out in outputs {
        // Nowhere to report a failing log output; the others still get the line.
        let _ = out.write_all(line.as_bytes());
    }
}

fn flush_all(outputs: &mut [Box<dyn Write + Send>]) {
    for out in outputs {
        let _ = out.flush();
    }
}

/// Replaces `line` with `HH:MM:SS [LEVEL] message\n`, the message escaped.
fn format_line(line: &mut String, at: SystemTime, level: Level, message: &str) {
    use std::fmt::Write as _;
    line.clear();
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    let _ = write!(
        line,
        "{:02}:{:02}:{:02} [{level}] ",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    push_escaped(line, message);
    line.push('\n');
}

/// Appends `text` with control characters and bidirectional overrides escaped.
pub fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else if matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Mutex, PoisonError};

    fn record_at(level: Level, message: &str) -> String {
        let mut line = String::new();
        let at = UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 13 * 3600 + 7 * 60 + 9);
        format_line(&mut line, at, level, message);
        line
    }

    #[test]
    fn lines_have_time_level_and_escaped_text() {
        assert_eq!(
            record_at(Level::Info, "alice: hi\x1b[2J\r\n12:00:00 [WARN] forged"),
            "13:07:09 [INFO] alice: hi\\u{1b}[2J\\r\\n12:00:00 [WARN] forged\n"
        );
        assert_eq!(
            record_at(Level::Warn, "tab\there \u{9b}31m \u{202e}olleh ünïcödé"),
            "13:07:09 [WARN] tab\\there \\u{9b}31m \\u{202e}olleh ünïcödé\n"
        );
    }

    /// An output whose writes wait for `gate`, collecting what it was given.
    struct Gated {
        gate: Arc<Mutex<()>>,
        got: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for Gated {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let _open = self.gate.lock().unwrap_or_else(PoisonError::into_inner);
            let mut got = self.got.lock().unwrap_or_else(PoisonError::into_inner);
            got.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_blocked_output_drops_and_counts_instead_of_blocking() {
        let gate = Arc::new(Mutex::new(()));
        let got = Arc::new(Mutex::new(Vec::new()));
        let output = Gated {
            gate: Arc::clone(&gate),
            got: Arc::clone(&got),
        };
        let logger = QueueLogger::spawn(LevelFilter::Info, 16, vec![Box::new(output)]).unwrap();
        let closed = gate.lock().unwrap();
        for i in 0..10_000 {
            logger.log(
                &Record::builder()
                    .level(Level::Info)
                    .args(format_args!("record {i}"))
                    .build(),
            );
        }
        // Debug is below the level: not queued and not counted.
        logger.log(
            &Record::builder()
                .level(Level::Debug)
                .args(format_args!("quiet"))
                .build(),
        );
        // We got here, so logging did not wait for the output.
        assert!(logger.dropped() > 0);

        drop(closed);
        logger.flush();
        let text = String::from_utf8(got.lock().unwrap().clone()).unwrap();
        let written = text.lines().filter(|l| l.contains("] record ")).count() as u64;
        // Usually one report; two if the writer had not taken the first
        // record before the queue filled.
        let reported: u64 = text
            .lines()
            .filter_map(|l| {
                l.split_once("[WARN] ")?
                    .1
                    .strip_suffix(" log lines dropped: the log output could not keep up")
            })
            .map(|n| n.parse::<u64>().unwrap())
            .sum();
        assert!(reported > 0, "the writer reports the drops: {text}");
        assert_eq!(
            written + reported,
            10_000,
            "every record written or counted"
        );
        assert!(
            written <= 17,
            "at most the queue and the record being written"
        );
        assert!(!text.contains("quiet"));
        assert_eq!(logger.dropped(), 0, "reported, so no longer pending");
    }
}
