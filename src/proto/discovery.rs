//! LAN discovery datagrams: the query a client sends to find rooms, and the
//! room description a server answers with. Sans-io: bytes in, values out.
//!
//! A query is `BANTER-DISCOVER 2`, a line feed and `nonce=` with 16 to 64
//! hex digits the client chose at random, padded with spaces to
//! [`QUERY_LEN`] bytes. A reply is `BANTER-ROOM 2`, the same `nonce=` line
//! and `key=value` lines, at most as long as the query that asked for it: a
//! server never sends more than it received, so discovery cannot be used to
//! amplify traffic. The nonce ties a reply to its query: a machine that did
//! not see the query cannot list a room of its own in a client's list.
//!
//! Servers still answer version 1 queries (no nonce) with version 1 replies,
//! for clients from before the nonce; clients take version 2 replies only.

/// The UDP port servers listen on for discovery queries.
pub const DISCOVERY_PORT: u16 = 6667;
/// Bytes of a query (and so the most a reply may have).
pub const QUERY_LEN: usize = 512;

const QUERY_MAGIC_V1: &[u8] = b"BANTER-DISCOVER 1\n";
const QUERY_MAGIC: &[u8] = b"BANTER-DISCOVER 2\n";
const REPLY_MAGIC_V1: &str = "BANTER-ROOM 1\n";
const REPLY_MAGIC: &str = "BANTER-ROOM 2\n";
/// Hex digits a nonce may have: at least 64 bits, at most 256.
const NONCE_DIGITS: std::ops::RangeInclusive<usize> = 16..=64;

/// What a server tells a client looking for rooms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomInfo {
    /// The server's name (`--server-name`).
    pub server: String,
    /// The permanent room, e.g. `#lobby` (empty if none).
    pub room: String,
    pub topic: String,
    /// People connected.
    pub users: usize,
    /// Plain IRC port.
    pub port: u16,
    /// IRC over TLS port, if any.
    pub tls_port: Option<u16>,
    pub password: bool,
    /// What people call the room ("7B Maths"); empty for none.
    pub title: String,
    /// Who hosts it (the teacher's name); empty for none.
    pub host: String,
}

/// Whether `nonce` is one a query may carry: 16 to 64 hex digits.
fn valid_nonce(nonce: &str) -> bool {
    NONCE_DIGITS.contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The query datagram carrying `nonce` (16 to 64 hex digits; the client
/// picks it at random for each scan). `None` for a nonce that is not one.
pub fn query(nonce: &str) -> Option<Vec<u8>> {
    if !valid_nonce(nonce) {
        return None;
    }
    let mut q = QUERY_MAGIC.to_vec();
    q.extend_from_slice(format!("nonce={nonce}\n").as_bytes());
    q.resize(QUERY_LEN, b' ');
    Some(q)
}

/// A well-formed query: the magic line (and, from version 2, the nonce
/// line), padded with spaces to exactly [`QUERY_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A client from before the nonce.
    V1,
    /// The nonce to echo.
    V2 { nonce: String },
}

/// Reads a query; `None` for anything that is not one.
pub fn parse_query(datagram: &[u8]) -> Option<Query> {
    if datagram.len() != QUERY_LEN {
        return None;
    }
    let padded = |rest: &[u8]| rest.iter().all(|&b| b == b' ');
    if let Some(rest) = datagram.strip_prefix(QUERY_MAGIC_V1) {
        return padded(rest).then_some(Query::V1);
    }
    let rest = datagram.strip_prefix(QUERY_MAGIC)?;
    let rest = rest.strip_prefix(b"nonce=")?;
    let end = rest.iter().position(|&b| b == b'\n')?;
    let nonce = std::str::from_utf8(&rest[..end]).ok()?;
    (valid_nonce(nonce) && padded(&rest[end + 1..])).then(|| Query::V2 {
        nonce: nonce.to_owned(),
    })
}

/// A value made safe for one `key=value` line.
fn clean(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
}

/// The reply datagram for `info` to `query`, at most `max` bytes: the topic
/// is cut (at a character boundary) to fit, then dropped if it still does
/// not.
pub fn reply(info: &RoomInfo, query: &Query, max: usize) -> Option<Vec<u8>> {
    let magic = match query {
        Query::V1 => REPLY_MAGIC_V1.to_owned(),
        Query::V2 { nonce } => format!("{REPLY_MAGIC}nonce={nonce}\n"),
    };
    let mut head = format!(
        "{magic}server={}\nroom={}\nusers={}\nport={}\n{}password={}\n",
        clean(&info.server),
        clean(&info.room),
        info.users,
        info.port,
        info.tls_port
            .map(|p| format!("tls_port={p}\n"))
            .unwrap_or_default(),
        u8::from(info.password),
    );
    // The title and the host's name are short (the server bounds them),
    // so only the topic is ever cut.
    for (key, value) in [("title", &info.title), ("host", &info.host)] {
        let value = clean(value);
        if !value.is_empty() {
            head.push_str(&format!("{key}={value}\n"));
        }
    }
    if head.len() > max {
        return None;
    }
    let mut out = head.into_bytes();
    let topic = clean(&info.topic);
    let room_left = max - out.len();
    if !topic.is_empty() && room_left > "topic=\n".len() {
        let mut cut = (room_left - "topic=\n".len()).min(topic.len());
        while !topic.is_char_boundary(cut) {
            cut -= 1;
        }
        out.extend_from_slice(b"topic=");
        out.extend_from_slice(&topic.as_bytes()[..cut]);
        out.push(b'\n');
    }
    Some(out)
}

/// Reads a reply to the query that carried `nonce`; `None` for anything
/// that is not one, including a reply to someone else's query (or one
/// forged by a machine that never saw ours).
pub fn parse_reply(datagram: &[u8], nonce: &str) -> Option<RoomInfo> {
    if datagram.len() > QUERY_LEN {
        return None;
    }
    let text = std::str::from_utf8(datagram).ok()?;
    let body = text.strip_prefix(REPLY_MAGIC)?;
    let (first, body) = body.split_once('\n')?;
    if first.strip_prefix("nonce=") != Some(nonce) {
        return None;
    }
    let mut info = RoomInfo::default();
    let mut has_port = false;
    for line in body.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key {
            // Anyone on the network can answer: no control characters
            // (terminal escapes for `banter --list-rooms`) get through.
            "server" => info.server = clean(value),
            "room" => info.room = clean(value),
            "topic" => info.topic = clean(value),
            "users" => info.users = value.parse().ok()?,
            "port" => {
                info.port = value.parse().ok()?;
                has_port = true;
            }
            "tls_port" => info.tls_port = Some(value.parse().ok()?),
            "password" => info.password = value == "1",
            "title" => info.title = clean(value),
            "host" => info.host = clean(value),
            // Newer servers may say more; older clients ignore it.
            _ => {}
        }
    }
    has_port.then_some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn control_characters_in_a_reply_are_dropped() {
        let reply = format!("{REPLY_MAGIC}nonce={NONCE}\nserver=x\u{1b}[2J\nroom=#a\u{7}\ntopic=t\u{1b}]0;pwned\u{7}\nusers=1\nport=6667\n");
        let info = parse_reply(reply.as_bytes(), NONCE).expect("a reply");
        assert_eq!((info.server.as_str(), info.room.as_str()), ("x[2J", "#a"));
        assert_eq!(info.topic, "t]0;pwned");
    }

    #[test]
    fn queries_and_replies_round_trip_within_the_query_size() {
        let q = query(NONCE).expect("a nonce");
        let parsed = parse_query(&q).expect("a query");
        assert_eq!(
            parsed,
            Query::V2 {
                nonce: NONCE.into()
            }
        );
        assert!(parse_query(&q[..100]).is_none());
        assert!(parse_query(b"BANTER-DISCOVER 2\n").is_none());
        let mut bad = q.clone();
        bad[400] = b'x';
        assert!(parse_query(&bad).is_none());
        assert!(query("xyz").is_none(), "not hex");
        assert!(query("abcd").is_none(), "too short to be unguessable");
        let info = RoomInfo {
            server: "class.local".into(),
            room: "#lobby".into(),
            topic: format!("作业 {}\nforged=1", "很".repeat(300)),
            users: 12,
            port: 6667,
            tls_port: Some(6697),
            password: true,
            title: "7B Maths".into(),
            host: "王老师".into(),
        };
        let r = reply(&info, &parsed, QUERY_LEN).expect("fits");
        assert!(r.len() <= QUERY_LEN);
        let back = parse_reply(&r, NONCE).expect("parses");
        assert_eq!(back.users, 12);
        assert_eq!(back.tls_port, Some(6697));
        assert!(back.password);
        assert_eq!(
            (back.title.as_str(), back.host.as_str()),
            ("7B Maths", "王老师")
        );
        assert!(back.topic.starts_with("作业 很"));
        assert!(!back.topic.contains('\n'));
        assert!(
            parse_reply(&r, "fedcba9876543210").is_none(),
            "another query's reply"
        );
        let nonce_line = format!("{REPLY_MAGIC}nonce={NONCE}\n");
        assert!(parse_reply(format!("{nonce_line}users=x\nport=1\n").as_bytes(), NONCE).is_none());
        assert!(parse_reply(b"hello", NONCE).is_none());
        assert!(parse_reply(&[0xff; 40], NONCE).is_none());
        assert!(reply(&info, &parsed, 20).is_none());
    }

    #[test]
    fn a_client_from_before_the_nonce_is_still_answered_the_old_way() {
        let mut old = b"BANTER-DISCOVER 1\n".to_vec();
        old.resize(QUERY_LEN, b' ');
        assert_eq!(parse_query(&old), Some(Query::V1));
        let info = RoomInfo {
            port: 6667,
            ..RoomInfo::default()
        };
        let r = reply(&info, &Query::V1, QUERY_LEN).expect("fits");
        assert!(r.starts_with(REPLY_MAGIC_V1.as_bytes()));
        // A current client takes no reply without its nonce.
        assert!(parse_reply(&r, NONCE).is_none());
    }
}

/// Where discovery may reach (`BANTER_DISCOVERY`): nowhere, this computer
/// only, or the local network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    Loopback,
    Lan,
}

impl Mode {
    /// `off`, `loopback` or `lan`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Mode::Off),
            "loopback" => Some(Mode::Loopback),
            "lan" => Some(Mode::Lan),
            _ => None,
        }
    }

    /// Where a server answers queries in this mode: nowhere, 127.0.0.1
    /// (also when the server itself listens on loopback only), or every
    /// interface.
    pub fn answer_addr(self, loopback_only: bool) -> Option<std::net::SocketAddr> {
        match self {
            Mode::Off => None,
            Mode::Loopback => Some(([127, 0, 0, 1], DISCOVERY_PORT).into()),
            Mode::Lan if loopback_only => Some(([127, 0, 0, 1], DISCOVERY_PORT).into()),
            Mode::Lan => Some(([0, 0, 0, 0], DISCOVERY_PORT).into()),
        }
    }
}
