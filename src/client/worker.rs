//! The client's socket worker: the only client code that touches the network.
//!
//! Two threads per worker: a reader that connects (and reconnects with
//! backoff), reads lines and parses them, and a writer that sends what the UI
//! queued. Sending and receiving never wait on each other, and the UI never
//! blocks: it queues lines on a channel and hears back through `notify`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::tr;
use crate::proto::{LineReader, Message};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Longest line accepted from a server (tags included).
const MAX_LINE: usize = 64 * 1024;

/// What the worker tells the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    Connected,
    /// Lines received in one read, parsed.
    Messages(Vec<Message>),
    Disconnected(String),
    /// Waiting before reconnect attempt `attempt`.
    Reconnecting {
        attempt: u32,
        delay: Duration,
    },
    /// The first connection failed; the worker has stopped.
    ConnectFailed(String),
}

enum WriterCmd {
    Attach(TcpStream),
    Detach,
    Line(Vec<u8>),
    Close,
}

/// A running connection; dropping it closes the connection.
pub struct Worker {
    writer_tx: Sender<WriterCmd>,
    stop_tx: Sender<()>,
    stopping: Arc<AtomicBool>,
    reconnect: Arc<AtomicBool>,
    current: Arc<Mutex<Option<TcpStream>>>,
    threads: Vec<JoinHandle<()>>,
}

fn resolve(addr: &str) -> io::Result<Vec<SocketAddr>> {
    let with_port = if addr
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !addr.ends_with(']')
    {
        addr.to_owned()
    } else {
        format!("{addr}:6667")
    };
    Ok(with_port.to_socket_addrs()?.collect())
}

fn connect(addr: &str) -> Result<TcpStream, String> {
    let addrs = resolve(addr)
        .map_err(|e| tr::CANNOT_FIND_BECAUSE.fill(&[("address", &addr), ("error", &e)]))?;
    let mut last = tr::CANNOT_FIND.fill(&[("address", &addr)]);
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                last = tr::NOTHING_LISTENING.fill(&[("address", &a)]);
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                last = tr::NO_ANSWER.fill(&[("address", &a)]);
            }
            Err(e) => last = tr::CANNOT_REACH.fill(&[("address", &a), ("error", &e)]),
        }
    }
    Err(last)
}

impl Worker {
    /// Connects to `addr` (`host:port`, port 6667 if left out) in the
    /// background; everything that happens is passed to `notify`.
    pub fn spawn(addr: &str, notify: impl Fn(NetEvent) + Send + 'static) -> Worker {
        let (writer_tx, writer_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = mpsc::channel();
        let stopping = Arc::new(AtomicBool::new(false));
        let reconnect = Arc::new(AtomicBool::new(false));
        let current = Arc::new(Mutex::new(None));
        let writer = std::thread::Builder::new()
            .name("banter-writer".into())
            .spawn(move || write_loop(writer_rx))
            .expect("spawn the writer thread");
        let reader = {
            let (addr, writer_tx) = (addr.to_owned(), writer_tx.clone());
            let (stopping, reconnect, current) =
                (stopping.clone(), reconnect.clone(), current.clone());
            std::thread::Builder::new()
                .name("banter-reader".into())
                .spawn(move || {
                    let links = Links {
                        writer_tx,
                        stop_rx,
                        stopping,
                        reconnect,
                        current,
                    };
                    connection_loop(&addr, &links, &notify);
                })
                .expect("spawn the reader thread")
        };
        Worker {
            writer_tx,
            stop_tx,
            stopping,
            reconnect,
            current,
            threads: vec![writer, reader],
        }
    }

    /// Queues a message; formatting errors are dropped (they cannot come from
    /// the session, which builds only valid messages).
    pub fn send(&self, msg: &Message) {
        match msg.to_bytes() {
            Ok(bytes) => {
                let _ = self.writer_tx.send(WriterCmd::Line(bytes));
            }
            Err(e) => log::warn!("not sending {}: {e}", msg.command),
        }
    }

    /// Reconnect automatically when the connection drops (once logged in).
    pub fn set_reconnect(&self, on: bool) {
        self.reconnect.store(on, Ordering::SeqCst);
    }

    /// Sends what is queued (a QUIT, say), closes and waits for the threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.stop_tx.send(());
        let _ = self.writer_tx.send(WriterCmd::Close);
        // The reader may be blocked in read(): closing our side wakes it.
        if let Ok(guard) = self.current.lock() {
            if let Some(s) = guard.as_ref() {
                let _ = s.shutdown(Shutdown::Read);
            }
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.shutdown();
        }
    }
}

struct Links {
    writer_tx: Sender<WriterCmd>,
    stop_rx: Receiver<()>,
    stopping: Arc<AtomicBool>,
    reconnect: Arc<AtomicBool>,
    current: Arc<Mutex<Option<TcpStream>>>,
}

fn connection_loop(addr: &str, links: &Links, notify: &dyn Fn(NetEvent)) {
    let mut attempt = 0u32;
    loop {
        if links.stopping.load(Ordering::SeqCst) {
            return;
        }
        match connect(addr) {
            Ok(stream) => {
                attempt = 0;
                let _ = stream.set_nodelay(true);
                let (Ok(for_writer), Ok(for_stop)) = (stream.try_clone(), stream.try_clone())
                else {
                    notify(NetEvent::ConnectFailed(tr::CANNOT_SET_UP.to_string()));
                    return;
                };
                let _ = links.writer_tx.send(WriterCmd::Attach(for_writer));
                if let Ok(mut current) = links.current.lock() {
                    *current = Some(for_stop);
                }
                notify(NetEvent::Connected);
                let reason = read_loop(stream, notify);
                let _ = links.writer_tx.send(WriterCmd::Detach);
                if let Ok(mut current) = links.current.lock() {
                    *current = None;
                }
                if links.stopping.load(Ordering::SeqCst) {
                    return;
                }
                notify(NetEvent::Disconnected(reason));
            }
            Err(reason) if attempt == 0 && !links.reconnect.load(Ordering::SeqCst) => {
                notify(NetEvent::ConnectFailed(reason));
                return;
            }
            Err(reason) => log::info!("reconnect attempt {attempt} failed: {reason}"),
        }
        if !links.reconnect.load(Ordering::SeqCst) {
            return;
        }
        attempt += 1;
        let delay = Duration::from_secs(1 << (attempt - 1).min(5)).min(MAX_BACKOFF);
        notify(NetEvent::Reconnecting { attempt, delay });
        match links.stop_rx.recv_timeout(delay) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Reads until the connection ends; returns why it ended.
fn read_loop(mut stream: TcpStream, notify: &dyn Fn(NetEvent)) -> String {
    let mut reader = LineReader::new(MAX_LINE);
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return tr::SERVER_CLOSED.to_string(),
            Ok(n) => reader.extend(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return tr::CONNECTION_ERROR.fill(&[("error", &e)]),
        }
        let mut batch = Vec::new();
        loop {
            match reader.next_line() {
                Ok(Some(line)) => match Message::parse(line) {
                    Ok(m) => batch.push(m),
                    Err(e) => log::debug!("ignoring a line from the server: {e}"),
                },
                Ok(None) => break,
                Err(_) => return tr::OVERLONG_LINE.to_string(),
            }
        }
        if !batch.is_empty() {
            notify(NetEvent::Messages(batch));
        }
    }
}

fn write_loop(rx: Receiver<WriterCmd>) {
    let mut stream: Option<TcpStream> = None;
    for cmd in rx {
        match cmd {
            WriterCmd::Attach(s) => stream = Some(s),
            WriterCmd::Detach => stream = None,
            WriterCmd::Line(bytes) => {
                if let Some(s) = stream.as_mut() {
                    if let Err(e) = s.write_all(&bytes) {
                        log::info!("write failed: {e}");
                        stream = None;
                    }
                }
            }
            WriterCmd::Close => {
                if let Some(s) = stream.take() {
                    let _ = s.shutdown(Shutdown::Both);
                }
                return;
            }
        }
    }
}
