//! One TCP connection as the event loop sees it: socket, bounded buffers both
//! ways, whether its socket can take more, and where it is in its life; on the
//! TLS port, also its rustls engine (sans-io: the loop feeds it socket bytes
//! and drains its records, as in rustls' `tlsserver-mio` example).
//!
//! Write contract (after ergo's socket):
//! 1. Bytes leave in the order they were queued; a partial write keeps the rest.
//! 2. The queue never holds more than the send-queue cap plus one line: queuing
//!    past the cap reports [`Overflow`] and the owner closes the connection.
//! 3. An empty queue holds no heap memory.
//! 4. The peer never sees half a line: when the queue is cut short (SendQ),
//!    a line the socket has started to take is finished first.
//!
//! Over TLS the queue is written into rustls instead of the socket, and
//! rustls' own buffer (at most [`TLS_BUFFER`]) plays the part of the kernel's
//! send buffer: the SendQ counts only what rustls has not taken, as it counts
//! only what the kernel has not taken on a plain connection. A closing TLS
//! connection sends its last lines, then `close_notify`, then shuts down.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use mio::net::TcpStream;
use rustls::ServerConnection;

use super::flood::FloodGate;
use crate::proto::LineReader;

/// The send queue went past its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// Output waiting for the socket to accept it.
#[derive(Debug, Default)]
pub struct WriteQueue {
    buf: Vec<u8>,
    sent: usize,
    /// The socket has taken the start of the line at `buf[sent..]` but not its
    /// end. Kept as a flag because compaction moves `sent` back to 0, after
    /// which the bytes no longer show it.
    mid_line: bool,
}

impl WriteQueue {
    pub fn is_empty(&self) -> bool {
        self.sent == self.buf.len()
    }

    pub fn len(&self) -> usize {
        self.buf.len() - self.sent
    }

    /// Queues `bytes`, or reports that the queue is now over `cap`.
    pub fn push(&mut self, bytes: &[u8], cap: usize) -> Result<(), Overflow> {
        if self.sent > 0 && self.sent >= self.buf.len() / 2 {
            self.buf.drain(..self.sent);
            self.sent = 0;
        }
        self.buf.extend_from_slice(bytes);
        if self.len() > cap {
            Err(Overflow)
        } else {
            Ok(())
        }
    }

    /// Drops every queued line the peer has not started to receive and queues
    /// `bytes` after them: the last words to a client that stopped reading.
    /// The line in flight is finished so the peer never sees half a line.
    /// Idempotent: a second call keeps the same tail.
    pub fn replace_unsent_with(&mut self, bytes: &[u8]) {
        let keep_to = if self.mid_line {
            self.buf[self.sent..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.buf.len(), |i| self.sent + i + 1)
        } else {
            self.sent
        };
        let mut buf = Vec::with_capacity(keep_to - self.sent + bytes.len());
        buf.extend_from_slice(&self.buf[self.sent..keep_to]);
        buf.extend_from_slice(bytes);
        self.buf = buf;
        self.sent = 0;
    }

    /// Writes as much as the socket takes. `Ok(true)` when the queue emptied.
    pub fn flush(&mut self, w: &mut impl Write) -> io::Result<bool> {
        while !self.is_empty() {
            match w.write(&self.buf[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.sent += n;
                    self.mid_line = self.buf[self.sent - 1] != b'\n';
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.buf = Vec::new();
        self.sent = 0;
        self.mid_line = false;
        Ok(true)
    }
}

/// Most bytes rustls holds for one connection, in each direction of its
/// plaintext-before-handshake and records-not-yet-written buffers.
pub const TLS_BUFFER: usize = 64 * 1024;

/// What one read from the socket came to.
#[derive(Debug)]
pub enum Received {
    /// `n` bytes came off the socket (0 after an interrupted call); what they
    /// carried is in the line reader while the connection is open.
    Bytes(usize),
    /// The peer closed: a TCP FIN, or TLS `close_notify` after its last data.
    Closed,
    WouldBlock,
    Failed(io::Error),
    /// The peer broke the TLS protocol (garbage, a bad handshake); rustls has
    /// queued an alert for it.
    Tls(rustls::Error),
}

/// How far a [`Connection::flush`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flushed {
    /// Everything queued has gone to the socket.
    All,
    /// The socket would block: its WRITABLE edge resumes the flush.
    Blocked,
    /// TLS plaintext waits for the handshake to finish: reading resumes it.
    AwaitingHandshake,
}

/// rustls' plaintext side as a `Write` for [`WriteQueue::flush`]: a full
/// rustls buffer is `WouldBlock`, as a full socket would be.
struct TlsPlaintext<'a>(&'a mut ServerConnection);

impl Write for TlsPlaintext<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.writer().write(buf) {
            Ok(0) if !buf.is_empty() => Err(io::ErrorKind::WouldBlock.into()),
            other => other,
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading lines into the chat.
    Open,
    /// Flushing its last words; input is read and thrown away.
    Closing { deadline: Instant },
    /// Flushed and shut for writing; waiting for the peer's close so that
    /// unread input does not turn our close into a reset that eats the last words.
    Lingering { deadline: Instant },
}

#[derive(Debug)]
pub struct Connection {
    pub stream: TcpStream,
    pub addr: SocketAddr,
    pub reader: LineReader,
    pub out: WriteQueue,
    /// The socket took everything last time; cleared on `WouldBlock`, set
    /// again by a WRITABLE edge.
    pub writable: bool,
    pub phase: Phase,
    pub flood: FloodGate,
    /// Set while flood control holds this connection's lines back.
    pub throttled_until: Option<Instant>,
    /// Used up its read budget and is queued to be read again next turn.
    pub ready_again: bool,
    /// Counted in the chat, per-IP limit and head count (refused ones are not).
    pub is_client: bool,
    /// Has output queued this loop turn that has not been flushed yet.
    pub dirty: bool,
    /// Went past the SendQ: its last words are queued and nothing more is.
    pub sendq_exceeded: bool,
    /// Found dead this turn; removed after the event batch.
    pub dead: bool,
    /// The TLS engine, on the TLS port; boxed because it is large.
    pub tls: Option<Box<ServerConnection>>,
    /// The peer's `close_notify` came; reported as [`Received::Closed`] once
    /// the lines before it have been handled.
    tls_closed: bool,
}

impl Connection {
    pub fn new(stream: TcpStream, addr: SocketAddr, recvq: usize, is_client: bool) -> Connection {
        Connection {
            tls: None,
            tls_closed: false,
            stream,
            addr,
            reader: LineReader::new(recvq),
            out: WriteQueue::default(),
            writable: true,
            phase: Phase::Open,
            flood: FloodGate::default(),
            throttled_until: None,
            ready_again: false,
            is_client,
            dirty: false,
            sendq_exceeded: false,
            dead: false,
        }
    }

    /// Speaks TLS through `tls` from now on (before any byte was read).
    pub fn with_tls(mut self, mut tls: ServerConnection) -> Connection {
        tls.set_buffer_limit(Some(TLS_BUFFER));
        self.tls = Some(Box::new(tls));
        self
    }

    /// Output waits: queued lines, or TLS records (handshake, alerts,
    /// encrypted lines) not yet written.
    pub fn has_output(&self) -> bool {
        !self.out.is_empty() || self.tls.as_ref().is_some_and(|t| t.wants_write())
    }

    /// One read from the socket, through TLS where used; what it carried goes
    /// to the line reader while the connection is open and is dropped after.
    /// `scratch` is working space.
    pub fn receive(&mut self, scratch: &mut [u8]) -> Received {
        let open = self.phase == Phase::Open;
        let tls = match self.tls.as_deref_mut() {
            // Lingering: nothing more will be written, so its TLS state no
            // longer matters; the bytes are only read to see the peer close.
            Some(tls) if !matches!(self.phase, Phase::Lingering { .. }) => tls,
            _ => {
                return match self.stream.read(scratch) {
                    Ok(0) => Received::Closed,
                    Ok(n) => {
                        if open {
                            self.reader.extend(&scratch[..n]);
                        }
                        Received::Bytes(n)
                    }
                    Err(e) => io_outcome(e),
                }
            }
        };
        if self.tls_closed {
            return Received::Closed;
        }
        let n = match tls.read_tls(&mut self.stream) {
            Ok(0) => return Received::Closed,
            Ok(n) => n,
            Err(e) => return io_outcome(e),
        };
        if let Err(e) = tls.process_new_packets() {
            return Received::Tls(e);
        }
        // All of it, every time: rustls refuses to read more while its
        // plaintext buffer is full, and readiness is edge-triggered.
        loop {
            match tls.reader().read(scratch) {
                Ok(0) => {
                    self.tls_closed = true;
                    break;
                }
                Ok(m) => {
                    if open {
                        self.reader.extend(&scratch[..m]);
                    }
                }
                // No more for now; an unclean EOF shows as Ok(0) from read_tls.
                Err(_) => break,
            }
        }
        Received::Bytes(n)
    }

    /// See [`discard_input`].
    pub fn discard_input(&mut self) {
        discard_input(&mut self.stream);
    }

    /// Writes queued output, through TLS where used. A closing TLS connection
    /// follows its last line with `close_notify`.
    pub fn flush(&mut self) -> io::Result<Flushed> {
        let closing = self.phase != Phase::Open;
        let Some(tls) = self.tls.as_deref_mut() else {
            return Ok(match self.out.flush(&mut self.stream)? {
                true => Flushed::All,
                false => Flushed::Blocked,
            });
        };
        loop {
            let before = self.out.len();
            let all_taken = self.out.flush(&mut TlsPlaintext(tls))?;
            if all_taken && closing && !tls.is_handshaking() {
                // Idempotent in rustls.
                tls.send_close_notify();
            }
            if !write_tls_records(tls, &mut self.stream)? {
                return Ok(Flushed::Blocked);
            }
            if tls.is_handshaking() {
                return Ok(Flushed::AwaitingHandshake);
            }
            if all_taken {
                return Ok(Flushed::All);
            }
            if self.out.len() == before {
                // rustls took nothing although its records are all written:
                // not expected, but waiting beats spinning.
                return Ok(Flushed::AwaitingHandshake);
            }
            // rustls' buffer was full and has been written out: go on.
        }
    }

    /// Best effort, without blocking: the TLS records rustls has queued (an
    /// alert for a peer that broke the protocol), before the close.
    pub fn send_tls_leftovers(&mut self) {
        if let Some(tls) = self.tls.as_deref_mut() {
            // The connection closes next: an error changes nothing.
            let _ = write_tls_records(tls, &mut self.stream);
        }
    }
}

/// Reads and drops what has arrived, without blocking (at most 256 KiB):
/// closing a socket with unread input sends a reset, and a reset can
/// destroy the goodbye before the peer reads it (seen under Wine).
pub fn discard_input(stream: &mut TcpStream) {
    let mut chunk = [0u8; 4096];
    for _ in 0..64 {
        match stream.read(&mut chunk) {
            Ok(n) if n > 0 => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => return,
        }
    }
}

/// Writes the TLS records rustls has queued; `Ok(false)` when the socket
/// would block (the rest waits for the WRITABLE edge).
fn write_tls_records(tls: &mut ServerConnection, stream: &mut TcpStream) -> io::Result<bool> {
    while tls.wants_write() {
        match tls.write_tls(stream) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn io_outcome(e: io::Error) -> Received {
    match e.kind() {
        io::ErrorKind::WouldBlock => Received::WouldBlock,
        io::ErrorKind::Interrupted => Received::Bytes(0),
        _ => Received::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes at most `room` bytes per call, then blocks.
    struct Trickle {
        got: Vec<u8>,
        room: usize,
        calls: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.calls == 2 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.calls += 1;
            let n = b.len().min(self.room);
            self.got.extend_from_slice(&b[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn partial_writes_keep_order() {
        let mut q = WriteQueue::default();
        q.push(b"hello ", 100).unwrap();
        q.push(b"world\r\n", 100).unwrap();
        let mut w = Trickle {
            got: Vec::new(),
            room: 4,
            calls: 0,
        };
        assert!(!q.flush(&mut w).unwrap());
        assert_eq!(w.got, b"hello wo");
        q.push(b"again\r\n", 100).unwrap();
        w.calls = 0;
        w.room = 100;
        assert!(q.flush(&mut w).unwrap());
        assert_eq!(w.got, b"hello world\r\nagain\r\n");
        assert!(q.is_empty());
        assert_eq!(q.buf.capacity(), 0);
    }

    #[test]
    fn overflow_past_cap_keeps_only_the_line_in_flight() {
        let mut q = WriteQueue::default();
        assert_eq!(q.push(b"first line\r\nsecond\r\n", 30), Ok(()));
        assert_eq!(q.push(b"third line\r\n", 30), Err(Overflow));
        let mut w = Trickle {
            got: Vec::new(),
            room: 4,
            calls: 1,
        };
        assert!(!q.flush(&mut w).unwrap());
        q.replace_unsent_with(b"ERROR :SendQ exceeded\r\n");
        w.calls = 0;
        w.room = 100;
        assert!(q.flush(&mut w).unwrap());
        assert_eq!(w.got, b"first line\r\nERROR :SendQ exceeded\r\n");

        let mut q = WriteQueue::default();
        q.push(b"a\r\nb\r\n", 100).unwrap();
        q.replace_unsent_with(b"ERROR :x\r\n");
        assert_eq!(q.buf, b"ERROR :x\r\n", "nothing in flight, nothing kept");
    }

    /// Drains `q` completely and returns what the peer got in all.
    fn drain(q: &mut WriteQueue, mut w: Trickle) -> Vec<u8> {
        w.calls = 0;
        w.room = usize::MAX;
        assert!(q.flush(&mut w).unwrap());
        w.got
    }

    #[test]
    fn compaction_does_not_forget_the_line_in_flight() {
        let mut q = WriteQueue::default();
        q.push(b"0123456789\r\nnext\r\n", 1000).unwrap();
        // 10 of the first line's 12 bytes leave; then a push compacts the
        // buffer (half of it was sent), moving `sent` back to 0.
        let mut w = Trickle {
            got: Vec::new(),
            room: 10,
            calls: 1,
        };
        assert!(!q.flush(&mut w).unwrap());
        assert_eq!(q.push(b"more\r\n", 10), Err(Overflow));
        q.replace_unsent_with(b"ERROR :SendQ exceeded\r\n");
        assert_eq!(drain(&mut q, w), b"0123456789\r\nERROR :SendQ exceeded\r\n");
    }

    #[test]
    fn replacing_twice_still_finishes_the_line_in_flight() {
        let mut q = WriteQueue::default();
        q.push(b"first line\r\nsecond\r\n", 1000).unwrap();
        let mut w = Trickle {
            got: Vec::new(),
            room: 4,
            calls: 1,
        };
        assert!(!q.flush(&mut w).unwrap());
        q.replace_unsent_with(b"ERROR :SendQ exceeded\r\n");
        q.replace_unsent_with(b"ERROR :SendQ exceeded\r\n");
        assert_eq!(drain(&mut q, w), b"first line\r\nERROR :SendQ exceeded\r\n");
    }
}
