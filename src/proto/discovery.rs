//! LAN discovery datagrams: the query a client sends to find rooms, and the
//! room description a server answers with. Sans-io: bytes in, values out.
//!
//! A query is `BANTER-DISCOVER 1` and a line feed, padded with spaces to
//! [`QUERY_LEN`] bytes. A reply is `BANTER-ROOM 1` and `key=value` lines, at
//! most as long as the query that asked for it: a server never sends more
//! than it received, so discovery cannot be used to amplify traffic.

/// The UDP port servers listen on for discovery queries.
pub const DISCOVERY_PORT: u16 = 6667;
/// Bytes of a query (and so the most a reply may have).
pub const QUERY_LEN: usize = 512;

const QUERY_MAGIC: &[u8] = b"BANTER-DISCOVER 1\n";
const REPLY_MAGIC: &str = "BANTER-ROOM 1\n";

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
}

/// The query datagram.
pub fn query() -> Vec<u8> {
    let mut q = QUERY_MAGIC.to_vec();
    q.resize(QUERY_LEN, b' ');
    q
}

/// Whether `datagram` is a well-formed query: the magic line, padded to
/// exactly [`QUERY_LEN`] bytes.
pub fn is_query(datagram: &[u8]) -> bool {
    datagram.len() == QUERY_LEN
        && datagram.starts_with(QUERY_MAGIC)
        && datagram[QUERY_MAGIC.len()..].iter().all(|&b| b == b' ')
}

/// A value made safe for one `key=value` line.
fn clean(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
}

/// The reply datagram for `info`, at most `max` bytes: the topic is cut (at
/// a character boundary) to fit, then dropped if it still does not.
pub fn reply(info: &RoomInfo, max: usize) -> Option<Vec<u8>> {
    let head = format!(
        "{REPLY_MAGIC}server={}\nroom={}\nusers={}\nport={}\n{}password={}\n",
        clean(&info.server),
        clean(&info.room),
        info.users,
        info.port,
        info.tls_port
            .map(|p| format!("tls_port={p}\n"))
            .unwrap_or_default(),
        u8::from(info.password),
    );
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

/// Reads a reply; `None` for anything that is not one.
pub fn parse_reply(datagram: &[u8]) -> Option<RoomInfo> {
    if datagram.len() > QUERY_LEN {
        return None;
    }
    let text = std::str::from_utf8(datagram).ok()?;
    let body = text.strip_prefix(REPLY_MAGIC)?;
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
            // Newer servers may say more; older clients ignore it.
            _ => {}
        }
    }
    has_port.then_some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_a_reply_are_dropped() {
        let reply = format!("{REPLY_MAGIC}server=x\u{1b}[2J\nroom=#a\u{7}\ntopic=t\u{1b}]0;pwned\u{7}\nusers=1\nport=6667\n");
        let info = parse_reply(reply.as_bytes()).expect("a reply");
        assert_eq!((info.server.as_str(), info.room.as_str()), ("x[2J", "#a"));
        assert_eq!(info.topic, "t]0;pwned");
    }

    #[test]
    fn queries_and_replies_round_trip_within_the_query_size() {
        let q = query();
        assert!(is_query(&q));
        assert!(!is_query(&q[..100]));
        assert!(!is_query(b"BANTER-DISCOVER 1\n"));
        let mut bad = q.clone();
        bad[400] = b'x';
        assert!(!is_query(&bad));
        let info = RoomInfo {
            server: "class.local".into(),
            room: "#lobby".into(),
            topic: format!("作业 {}\nforged=1", "很".repeat(300)),
            users: 12,
            port: 6667,
            tls_port: Some(6697),
            password: true,
        };
        let r = reply(&info, QUERY_LEN).expect("fits");
        assert!(r.len() <= QUERY_LEN);
        let back = parse_reply(&r).expect("parses");
        assert_eq!(back.users, 12);
        assert_eq!(back.tls_port, Some(6697));
        assert!(back.password);
        assert!(back.topic.starts_with("作业 很"));
        assert!(!back.topic.contains('\n'));
        assert!(parse_reply(b"BANTER-ROOM 1\nusers=x\nport=1\n").is_none());
        assert!(parse_reply(b"hello").is_none());
        assert!(parse_reply(&[0xff; 40]).is_none());
        assert!(reply(&info, 20).is_none());
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
