//! One IRC message, both directions: parsing a received line and formatting one to send.
//!
//! Contract:
//! 1. `parse` never panics, whatever the bytes; it accepts a line with or without
//!    its `\n` / `\r\n` ending.
//! 2. Invalid UTF-8 is an error that still names the command when it can be read,
//!    so the server can answer `FAIL <command> INVALID_UTF8`.
//! 3. `write_line` refuses NUL, CR and LF anywhere, and any parameter that would
//!    change the message's meaning (a space or leading `:` before the last one),
//!    so a formatted line is always exactly one message. On error `out` is left
//!    as it was.

use std::fmt;

/// Most parameters a message carries; the 15th takes the rest of the line.
pub const MAX_PARAMS: usize = 15;
/// Most bytes of the part of a line after the tags, counting the final CR LF.
pub const MAX_BODY_LEN: usize = 512;
/// Most bytes of client tag data (between `@` and the space that ends the tags).
pub const MAX_CLIENT_TAG_DATA: usize = 4094;

/// A message tag; an empty `value` is the same as no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A parsed (or to-be-sent) IRC message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub tags: Vec<Tag>,
    pub source: Option<String>,
    pub command: String,
    pub params: Vec<String>,
}

/// Why a received line is not a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but spaces; IRC says to ignore such lines.
    Empty,
    /// The bytes are not UTF-8. `command` is the command word, when readable.
    InvalidUtf8 { command: Option<String> },
    /// A NUL, or a CR that is not part of the line ending.
    ForbiddenByte { command: Option<String> },
    /// Tags or a source but no command.
    NoCommand,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => write!(f, "empty line"),
            ParseError::InvalidUtf8 { .. } => write!(f, "line is not valid UTF-8"),
            ParseError::ForbiddenByte { .. } => write!(f, "line contains a NUL or a stray CR"),
            ParseError::NoCommand => write!(f, "line has no command"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Why a message cannot be formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatError {
    /// NUL, CR or LF in some part.
    ForbiddenByte,
    /// Command empty or not a single word.
    BadCommand,
    /// Source or tag key containing a space, or empty.
    BadWord,
    /// A parameter before the last is empty, has a space or starts with `:`.
    BadMiddleParam,
    /// More than [`MAX_PARAMS`] parameters.
    TooManyParams,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            FormatError::ForbiddenByte => "NUL, CR or LF in a message",
            FormatError::BadCommand => "command is empty or has a space",
            FormatError::BadWord => "source or tag key is empty or has a space",
            FormatError::BadMiddleParam => {
                "a parameter before the last is empty, has a space or starts with ':'"
            }
            FormatError::TooManyParams => "more than 15 parameters",
        };
        f.write_str(what)
    }
}

impl std::error::Error for FormatError {}

/// Why a line is too long to accept (the server answers 417 and drops it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooLong {
    Tags,
    Body,
}

/// Bytes of `:source COMMAND middle… :last\r\n`, the part of a line that
/// [`MAX_BODY_LEN`] bounds, for a last parameter of `last` bytes: what the
/// server budgets with when it fits a line to 512 bytes. The last parameter
/// is counted with a `:`, whether or not it will need one.
pub fn line_len(source: &str, command: &str, middle: &[impl AsRef<str>], last: usize) -> usize {
    let middle: usize = middle.iter().map(|p| 1 + p.as_ref().len()).sum();
    1 + source.len() + 1 + command.len() + middle + 2 + last + 2
}

/// The nickname of a `nick!user@host` source (all of it when it has neither
/// `!` nor `@`).
pub fn nick_of(source: &str) -> &str {
    source.split(['!', '@']).next().unwrap_or(source)
}

/// Checks a received line (without its line ending) against the IRCv3 limits.
pub fn check_length(line: &[u8]) -> Result<(), TooLong> {
    let body = if line.first() == Some(&b'@') {
        let end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
        if end - 1 > MAX_CLIENT_TAG_DATA {
            return Err(TooLong::Tags);
        }
        &line[end..]
    } else {
        line
    };
    let body = trim_start_spaces(body);
    // The limit counts the CR LF that was stripped.
    if body.len() + 2 > MAX_BODY_LEN {
        return Err(TooLong::Body);
    }
    Ok(())
}

fn trim_start_spaces(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&c| c == b' ').count();
    &b[n..]
}

fn strip_line_ending(mut line: &[u8]) -> &[u8] {
    if let Some(rest) = line.strip_suffix(b"\n") {
        line = rest;
    }
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The command word of a line that may not be UTF-8, for error replies.
fn command_word(line: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let mut rest = text.trim_start_matches(' ');
    if rest.starts_with('@') {
        rest = rest
            .split_once(' ')
            .map_or("", |(_, r)| r)
            .trim_start_matches(' ');
    }
    if rest.starts_with(':') {
        rest = rest
            .split_once(' ')
            .map_or("", |(_, r)| r)
            .trim_start_matches(' ');
    }
    let word = rest.split(' ').next().unwrap_or("");
    let ok =
        !word.is_empty() && word.len() <= 32 && word.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| word.to_ascii_uppercase())
}

impl Message {
    /// A message with no tags or source.
    pub fn new(command: impl Into<String>, params: Vec<String>) -> Message {
        Message {
            tags: Vec::new(),
            source: None,
            command: command.into(),
            params,
        }
    }

    /// Parses one line (see the module contract).
    pub fn parse(line: &[u8]) -> Result<Message, ParseError> {
        let line = strip_line_ending(line);
        if line.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n') {
            return Err(ParseError::ForbiddenByte {
                command: command_word(line),
            });
        }
        let text = std::str::from_utf8(line).map_err(|_| ParseError::InvalidUtf8 {
            command: command_word(line),
        })?;
        Self::parse_str(text)
    }

    fn parse_str(text: &str) -> Result<Message, ParseError> {
        let mut rest = text.trim_start_matches(' ');
        if rest.is_empty() {
            return Err(ParseError::Empty);
        }
        let mut msg = Message::default();
        if let Some(after) = rest.strip_prefix('@') {
            let (tags, tail) = after.split_once(' ').ok_or(ParseError::NoCommand)?;
            msg.tags = parse_tags(tags);
            rest = tail.trim_start_matches(' ');
        }
        if let Some(after) = rest.strip_prefix(':') {
            let (source, tail) = after.split_once(' ').ok_or(ParseError::NoCommand)?;
            msg.source = (!source.is_empty()).then(|| source.to_owned());
            rest = tail.trim_start_matches(' ');
        }
        let (command, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        if command.is_empty() {
            return Err(ParseError::NoCommand);
        }
        msg.command = command.to_owned();
        loop {
            rest = rest.trim_start_matches(' ');
            if rest.is_empty() {
                break;
            }
            if let Some(trailing) = rest.strip_prefix(':') {
                msg.params.push(trailing.to_owned());
                break;
            }
            if msg.params.len() == MAX_PARAMS - 1 {
                msg.params.push(rest.to_owned());
                break;
            }
            let (param, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            msg.params.push(param.to_owned());
            rest = tail;
        }
        Ok(msg)
    }

    /// Parameter `i`, if present.
    pub fn param(&self, i: usize) -> Option<&str> {
        self.params.get(i).map(String::as_str)
    }

    /// The value of tag `key` (empty when the tag has no value), if present.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }

    /// Whether this is an HTTP request line (`GET / HTTP/1.1`, or HTTP/2's
    /// `PRI * HTTP/2.0` preface) rather than IRC: a method no IRC command is
    /// named after, and a protocol version as its last word.
    pub fn is_http_request(&self) -> bool {
        const METHODS: &[&str] = &[
            "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI",
        ];
        METHODS.contains(&self.command.as_str())
            && self.params.len() == 2
            && self.params[1].starts_with("HTTP/")
    }

    /// The nickname part of the source (`nick!user@host`).
    pub fn source_nick(&self) -> Option<&str> {
        self.source.as_deref().map(nick_of)
    }

    /// Appends this message as one line ending in CR LF.
    pub fn write_to(&self, out: &mut Vec<u8>) -> Result<(), FormatError> {
        let params: Vec<&str> = self.params.iter().map(String::as_str).collect();
        write_line(
            out,
            self.tags.iter().map(|t| (t.key.as_str(), t.value.as_str())),
            self.source.as_deref(),
            &self.command,
            &params,
        )
    }

    /// This message as one line ending in CR LF.
    pub fn to_bytes(&self) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::with_capacity(64);
        self.write_to(&mut out)?;
        Ok(out)
    }
}

fn parse_tags(raw: &str) -> Vec<Tag> {
    use std::collections::hash_map::{Entry, HashMap};
    let mut tags: Vec<Tag> = Vec::new();
    // Keys are found by index, not by a scan of the tags so far: 4 KB of tag
    // data holds some 2000 distinct one-letter keys, and a scan per key
    // would be millions of compares for one line from anyone.
    let mut index: HashMap<&str, usize> = HashMap::new();
    for item in raw.split(';').filter(|s| !s.is_empty()) {
        let (key, value) = item.split_once('=').unwrap_or((item, ""));
        if key.is_empty() {
            continue;
        }
        let value = unescape_tag_value(value);
        match index.entry(key) {
            // A repeated key: the last value counts, in the first one's place.
            Entry::Occupied(at) => tags[*at.get()].value = value,
            Entry::Vacant(slot) => {
                slot.insert(tags.len());
                tags.push(Tag {
                    key: key.to_owned(),
                    value,
                });
            }
        }
    }
    tags
}

fn unescape_tag_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Appends a tag value in its escaped wire form.
pub fn escape_tag_value(value: &str, out: &mut Vec<u8>) {
    for b in value.bytes() {
        match b {
            b';' => out.extend_from_slice(b"\\:"),
            b' ' => out.extend_from_slice(b"\\s"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

fn has_forbidden(s: &str) -> bool {
    s.bytes().any(|b| b == 0 || b == b'\r' || b == b'\n')
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && !s.contains(' ') && !has_forbidden(s)
}

/// Appends one message line (ending in CR LF) built from borrowed parts.
///
/// Tag values are escaped here; keys must be single words without `=` or `;`.
pub fn write_line<'a>(
    out: &mut Vec<u8>,
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    source: Option<&str>,
    command: &str,
    params: &[&str],
) -> Result<(), FormatError> {
    let start = out.len();
    let result = write_line_inner(out, tags, source, command, params);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn write_line_inner<'a>(
    out: &mut Vec<u8>,
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    source: Option<&str>,
    command: &str,
    params: &[&str],
) -> Result<(), FormatError> {
    let mut first_tag = true;
    for (key, value) in tags {
        if !is_word(key) || key.contains(['=', ';']) {
            return Err(FormatError::BadWord);
        }
        out.push(if first_tag { b'@' } else { b';' });
        first_tag = false;
        out.extend_from_slice(key.as_bytes());
        if !value.is_empty() {
            out.push(b'=');
            escape_tag_value(value, out);
        }
    }
    if !first_tag {
        out.push(b' ');
    }
    if let Some(source) = source {
        if !is_word(source) {
            return Err(FormatError::BadWord);
        }
        out.push(b':');
        out.extend_from_slice(source.as_bytes());
        out.push(b' ');
    }
    if !is_word(command) || command.starts_with(':') {
        return Err(FormatError::BadCommand);
    }
    out.extend_from_slice(command.as_bytes());
    if params.len() > MAX_PARAMS {
        return Err(FormatError::TooManyParams);
    }
    for (i, param) in params.iter().enumerate() {
        if has_forbidden(param) {
            return Err(FormatError::ForbiddenByte);
        }
        let last = i + 1 == params.len();
        let needs_colon = param.is_empty() || param.contains(' ') || param.starts_with(':');
        out.push(b' ');
        if needs_colon {
            if !last {
                return Err(FormatError::BadMiddleParam);
            }
            out.push(b':');
        }
        out.extend_from_slice(param.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Message {
        Message::parse(line.as_bytes()).expect(line)
    }

    /// (line, source, command, params): the splitting cases of the ircdocs
    /// parser-tests suite, written out again for this parser.
    #[test]
    fn splits_lines() {
        let cases: &[(&str, Option<&str>, &str, &[&str])] = &[
            ("foo bar baz asdf", None, "foo", &["bar", "baz", "asdf"]),
            (
                ":coolguy foo bar baz asdf",
                Some("coolguy"),
                "foo",
                &["bar", "baz", "asdf"],
            ),
            (
                "foo bar baz :asdf quux",
                None,
                "foo",
                &["bar", "baz", "asdf quux"],
            ),
            ("foo bar baz :", None, "foo", &["bar", "baz", ""]),
            ("foo bar baz ::asdf", None, "foo", &["bar", "baz", ":asdf"]),
            (
                ":coolguy foo bar baz :  asdf quux ",
                Some("coolguy"),
                "foo",
                &["bar", "baz", "  asdf quux "],
            ),
            (
                ":coolguy PRIVMSG bar :lol :) ",
                Some("coolguy"),
                "PRIVMSG",
                &["bar", "lol :) "],
            ),
            (
                ":coolguy foo bar baz :",
                Some("coolguy"),
                "foo",
                &["bar", "baz", ""],
            ),
            (
                ":coolguy foo bar baz :  ",
                Some("coolguy"),
                "foo",
                &["bar", "baz", "  "],
            ),
            ("foo bar baz   asdf", None, "foo", &["bar", "baz", "asdf"]),
            ("foo   bar   :baz", None, "foo", &["bar", "baz"]),
            ("foo bar baz   ", None, "foo", &["bar", "baz"]),
            (
                "PRIVMSG #a :tab\there",
                None,
                "PRIVMSG",
                &["#a", "tab\there"],
            ),
            ("PRIVMSG #a\tb c", None, "PRIVMSG", &["#a\tb", "c"]),
            (":src AWAY", Some("src"), "AWAY", &[]),
            (
                ":src!u@h 001 me :Welcome",
                Some("src!u@h"),
                "001",
                &["me", "Welcome"],
            ),
            ("  PING x", None, "PING", &["x"]),
            ("PRIVMSG 小明 :你好", None, "PRIVMSG", &["小明", "你好"]),
            (
                "CMD a b c d e f g h i j k l m n o p q",
                None,
                "CMD",
                &[
                    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o p q",
                ],
            ),
            (
                "CMD a b c d e f g h i j k l m n :o p",
                None,
                "CMD",
                &[
                    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o p",
                ],
            ),
        ];
        for (line, source, command, params) in cases {
            for ending in ["", "\n", "\r\n"] {
                let msg = p(&format!("{line}{ending}"));
                assert_eq!(msg.source.as_deref(), *source, "{line:?}");
                assert_eq!(msg.command, *command, "{line:?}");
                assert_eq!(msg.params, *params, "{line:?}");
            }
        }
    }

    #[test]
    fn parses_tags_with_escapes() {
        let m = p(r"@a=b;c=32;k;rt=ql7 foo");
        assert_eq!(m.tag("a"), Some("b"));
        assert_eq!(m.tag("c"), Some("32"));
        assert_eq!(m.tag("k"), Some(""));
        assert_eq!(m.tag("rt"), Some("ql7"));
        assert_eq!(m.tag("nope"), None);
        let m = p(r"@a=b\\and\nk;c=72\s45;d=gh\:764 foo");
        assert_eq!(m.tag("a"), Some("b\\and\nk"));
        assert_eq!(m.tag("c"), Some("72 45"));
        assert_eq!(m.tag("d"), Some("gh;764"));
        // A stray backslash drops out; an unknown escape keeps the character.
        assert_eq!(p(r"@x=a\ foo").tag("x"), Some("a"));
        assert_eq!(p(r"@x=a\b foo").tag("x"), Some("ab"));
        // Repeated key: last wins.
        assert_eq!(p("@x=1;x=2 foo").tag("x"), Some("2"));
        let m = p("@+draft/reply=abc;time=2026-01-01T00:00:00.000Z :n!u@h PRIVMSG #c :hi");
        assert_eq!(m.tag("+draft/reply"), Some("abc"));
        assert_eq!(m.source_nick(), Some("n"));
        assert_eq!(m.params, ["#c", "hi"]);
    }

    #[test]
    fn many_tags_keep_their_order_and_the_last_value() {
        let keys: Vec<String> = (0..1500).map(|i| format!("k{i}")).collect();
        let mut raw: Vec<String> = keys.iter().map(|k| format!("{k}=first")).collect();
        raw.extend(keys.iter().step_by(2).map(|k| format!("{k}=last")));
        let m = p(&format!("@{} PING x", raw.join(";")));
        assert_eq!(m.tags.len(), keys.len());
        for (i, (tag, key)) in m.tags.iter().zip(&keys).enumerate() {
            assert_eq!(&tag.key, key);
            let value = if i % 2 == 0 { "last" } else { "first" };
            assert_eq!(tag.value, value, "{key}");
        }
    }

    #[test]
    fn rejects_bad_lines_without_panicking() {
        assert_eq!(Message::parse(b""), Err(ParseError::Empty));
        assert_eq!(Message::parse(b"   \r\n"), Err(ParseError::Empty));
        assert_eq!(Message::parse(b"@a=b"), Err(ParseError::NoCommand));
        assert_eq!(Message::parse(b":src"), Err(ParseError::NoCommand));
        assert_eq!(Message::parse(b"@a :src   "), Err(ParseError::NoCommand));
        assert_eq!(
            Message::parse(b"PRIVMSG #a :\xff\xfe"),
            Err(ParseError::InvalidUtf8 {
                command: Some("PRIVMSG".into())
            })
        );
        assert_eq!(
            Message::parse(b"\xffX a"),
            Err(ParseError::InvalidUtf8 { command: None })
        );
        assert_eq!(
            Message::parse(b"PRIVMSG #a :x\0y"),
            Err(ParseError::ForbiddenByte {
                command: Some("PRIVMSG".into())
            })
        );
        assert!(matches!(
            Message::parse(b"PRIVMSG #a :x\ry\r\n"),
            Err(ParseError::ForbiddenByte { .. })
        ));
        // Every prefix of a tricky line parses or errors; none panics.
        let tricky = "@a=\\;b= :s!u@h PRIVMSG #c ::x 小明\r\n".as_bytes();
        for end in 0..=tricky.len() {
            let _ = Message::parse(&tricky[..end]);
        }
    }

    fn fmt(source: Option<&str>, command: &str, params: &[&str]) -> Result<String, FormatError> {
        let mut out = b"keep".to_vec();
        let r = write_line(&mut out, [], source, command, params);
        if r.is_err() {
            assert_eq!(out, b"keep", "output untouched on error");
        }
        r.map(|()| String::from_utf8(out[4..].to_vec()).unwrap())
    }

    #[test]
    fn formats_with_trailing_colon_only_when_needed() {
        assert_eq!(fmt(None, "PING", &["x"]).unwrap(), "PING x\r\n");
        assert_eq!(fmt(None, "QUIT", &[]).unwrap(), "QUIT\r\n");
        assert_eq!(
            fmt(Some("a!b@c"), "PRIVMSG", &["#c", "hi there"]).unwrap(),
            ":a!b@c PRIVMSG #c :hi there\r\n"
        );
        assert_eq!(
            fmt(None, "PRIVMSG", &["#c", ""]).unwrap(),
            "PRIVMSG #c :\r\n"
        );
        assert_eq!(
            fmt(None, "PRIVMSG", &["#c", ":)"]).unwrap(),
            "PRIVMSG #c ::)\r\n"
        );
        assert_eq!(
            fmt(None, "PRIVMSG", &["#c", "a:b"]).unwrap(),
            "PRIVMSG #c a:b\r\n"
        );
    }

    #[test]
    fn formatter_refuses_injection() {
        assert_eq!(
            fmt(None, "PRIVMSG", &["#c", "hi\r\nQUIT"]),
            Err(FormatError::ForbiddenByte)
        );
        assert_eq!(
            fmt(None, "PRIVMSG", &["#c", "hi\nQUIT"]),
            Err(FormatError::ForbiddenByte)
        );
        assert_eq!(
            fmt(None, "PRIVMSG", &["#c", "a\0b"]),
            Err(FormatError::ForbiddenByte)
        );
        assert_eq!(
            fmt(None, "PRIVMSG", &["#c d", "x"]),
            Err(FormatError::BadMiddleParam)
        );
        assert_eq!(
            fmt(None, "PRIVMSG", &["", "x"]),
            Err(FormatError::BadMiddleParam)
        );
        assert_eq!(
            fmt(None, "PRIVMSG", &[":c", "x"]),
            Err(FormatError::BadMiddleParam)
        );
        assert_eq!(fmt(None, "PRIV MSG", &[]), Err(FormatError::BadCommand));
        assert_eq!(fmt(None, "", &[]), Err(FormatError::BadCommand));
        assert_eq!(fmt(Some("a b"), "X", &[]), Err(FormatError::BadWord));
        assert_eq!(fmt(Some("a\r"), "X", &[]), Err(FormatError::BadWord));
        let sixteen = ["p"; 16];
        assert_eq!(fmt(None, "X", &sixteen), Err(FormatError::TooManyParams));
        let mut out = Vec::new();
        assert_eq!(
            write_line(&mut out, [("a b", "")], None, "X", &[]),
            Err(FormatError::BadWord)
        );
        assert!(out.is_empty());
    }

    #[test]
    fn round_trips_tags_source_and_params() {
        let original = Message {
            tags: vec![
                Tag {
                    key: "time".into(),
                    value: "2026-11-22T10:00:00.000Z".into(),
                },
                Tag {
                    key: "+x".into(),
                    value: "a;b c\\d\r\ne".into(),
                },
                Tag {
                    key: "flag".into(),
                    value: String::new(),
                },
            ],
            source: Some("小明!u@127.0.0.1".into()),
            command: "PRIVMSG".into(),
            params: vec!["#lobby".into(), ":) hello  there ".into()],
        };
        let bytes = original.to_bytes().unwrap();
        assert!(bytes.ends_with(b"\r\n"));
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 1);
        assert_eq!(Message::parse(&bytes).unwrap(), original);
    }

    #[test]
    fn checks_lengths() {
        assert_eq!(check_length(b"PRIVMSG #a :hi"), Ok(()));
        let body = format!("PRIVMSG #a :{}", "x".repeat(510 - 12));
        assert_eq!(body.len(), 510);
        assert_eq!(check_length(body.as_bytes()), Ok(()));
        assert_eq!(
            check_length(format!("{body}x").as_bytes()),
            Err(TooLong::Body)
        );
        let tags = format!("@+a={}", "v".repeat(MAX_CLIENT_TAG_DATA - 3));
        assert_eq!(check_length(format!("{tags} {body}").as_bytes()), Ok(()));
        assert_eq!(
            check_length(format!("{tags}v {body}").as_bytes()),
            Err(TooLong::Tags)
        );
    }

    /// The budget matches what `write_line` writes when the last parameter
    /// takes a `:`, and is one byte over when it does not.
    #[test]
    fn line_len_matches_the_written_line() {
        let mut out = Vec::new();
        let middle = ["小明", "#lobby"];
        write_line(&mut out, [], Some("srv"), "353", &["小明", "#lobby", "a b"]).unwrap();
        assert_eq!(line_len("srv", "353", &middle, 3), out.len());
        out.clear();
        write_line(&mut out, [], Some("srv"), "353", &["小明", "#lobby", "ab"]).unwrap();
        assert_eq!(line_len("srv", "353", &middle, 2), out.len() + 1);
    }
}
