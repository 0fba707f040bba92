//! A bounded buffer that cuts a byte stream into lines.
//!
//! Contract:
//! 1. Lines end at `\n`; a `\r` just before it is dropped too.
//! 2. Each byte is searched for `\n` once: the reader remembers how far it looked.
//! 3. More than `max_pending` bytes without a `\n` is [`Overflow`]; the owner
//!    closes the connection then (the buffer never grows past that bound plus
//!    one read).
//! 4. An empty reader holds no heap memory, so idle connections cost little.

/// More bytes without a line ending than the reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// See the module contract.
#[derive(Debug)]
pub struct LineReader {
    buf: Vec<u8>,
    start: usize,
    scanned: usize,
    max_pending: usize,
}

impl LineReader {
    pub fn new(max_pending: usize) -> LineReader {
        LineReader {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            max_pending,
        }
    }

    /// Appends received bytes.
    pub fn extend(&mut self, data: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.scanned -= self.start;
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// The next complete line without its ending, `Ok(None)` when none is
    /// complete yet, or [`Overflow`] (see the contract).
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, Overflow> {
        let from = self.scanned.max(self.start);
        match self.buf[from..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let end = from + i;
                let begin = self.start;
                self.start = end + 1;
                self.scanned = self.start;
                let line = &self.buf[begin..end];
                Ok(Some(line.strip_suffix(b"\r").unwrap_or(line)))
            }
            None => {
                self.scanned = self.buf.len();
                if self.start == self.buf.len() {
                    self.release();
                    Ok(None)
                } else if self.buf.len() - self.start > self.max_pending {
                    Err(Overflow)
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// Bytes received but not yet returned as lines.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    fn release(&mut self) {
        self.buf = Vec::new();
        self.start = 0;
        self.scanned = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(r: &mut LineReader) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(String::from_utf8(l.to_vec()).unwrap());
        }
        out
    }

    #[test]
    fn cuts_lines_across_reads() {
        let mut r = LineReader::new(100);
        r.extend(b"NICK a\r\nUSER a 0 * :A");
        assert_eq!(lines(&mut r), ["NICK a"]);
        assert_eq!(r.pending(), 13);
        r.extend(b"\nPING x\n\nPI");
        assert_eq!(lines(&mut r), ["USER a 0 * :A", "PING x", ""]);
        r.extend(b"NG y\r");
        assert_eq!(lines(&mut r), Vec::<String>::new());
        r.extend(b"\n");
        assert_eq!(lines(&mut r), ["PING y"]);
        assert_eq!(r.pending(), 0);
        assert_eq!(r.buf.capacity(), 0, "an empty reader frees its memory");
    }

    #[test]
    fn overflows_only_without_a_newline() {
        let mut r = LineReader::new(10);
        r.extend(&[b'x'; 10]);
        assert_eq!(r.next_line(), Ok(None));
        r.extend(b"y");
        assert_eq!(r.next_line(), Err(Overflow));
        let mut r = LineReader::new(10);
        r.extend(&[b'x'; 30]);
        r.extend(b"\n");
        assert_eq!(r.next_line().unwrap().map(<[u8]>::len), Some(30));
    }
}
