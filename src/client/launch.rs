//! What the `banter` command line asks for: a server, a name, a room, hosting,
//! or an `irc://` / `ircs://` link; pure, so it is tested without a window.

use crate::proto::names::{room_name, validate_channel};

/// How the client should start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Launch {
    /// The address for the login form (`host:port`, or `ircs://host:port`).
    pub server: Option<String>,
    pub name: Option<String>,
    /// The room to join instead of `#lobby`.
    pub room: Option<String>,
    /// Host a room on this computer.
    pub host: bool,
}

impl Launch {
    /// Whether there is enough to connect at once, without the login form.
    pub fn connects_at_once(&self) -> bool {
        self.name.is_some() && (self.server.is_some() || self.host)
    }
}

/// Reads `irc://host[:port][/#room]` or `ircs://...` (port 6667 or 6697 by
/// default) into an address and a room. `#` may also be written `%23`.
pub fn parse_irc_url(url: &str) -> Result<(String, Option<String>), String> {
    let (secure, rest) = if let Some(r) = url.strip_prefix("ircs://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("irc://") {
        (false, r)
    } else {
        return Err(format!(
            "{url}: expected irc://host[:port]/#room or ircs://..."
        ));
    };
    let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
    if hostport.is_empty() {
        return Err(format!("{url}: no host"));
    }
    let has_port = match hostport.rsplit_once(':') {
        // An IPv6 address without a port ends in `]`.
        Some((_, port)) if !hostport.ends_with(']') => {
            port.parse::<u16>()
                .map_err(|_| format!("{url}: {port:?} is not a port"))?;
            true
        }
        _ => false,
    };
    let hostport = if has_port {
        hostport.to_owned()
    } else {
        format!("{hostport}:{}", if secure { 6697 } else { 6667 })
    };
    let server = if secure {
        format!("ircs://{hostport}")
    } else {
        hostport
    };
    let room = path.split(['?', ',']).next().unwrap_or("");
    let room = room.replace("%23", "#");
    let room = match room.as_str() {
        "" => None,
        r => {
            let r = room_name(r);
            validate_channel(&r).map_err(|e| format!("{url}: room {r}: {e}"))?;
            Some(r)
        }
    };
    Ok((server, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irc_links_give_an_address_and_a_room() {
        assert_eq!(
            parse_irc_url("irc://192.168.1.20:6667/#lobby"),
            Ok(("192.168.1.20:6667".into(), Some("#lobby".into())))
        );
        assert_eq!(
            parse_irc_url("ircs://chat.example.org/%23class"),
            Ok(("ircs://chat.example.org:6697".into(), Some("#class".into())))
        );
        assert_eq!(
            parse_irc_url("irc://host/games"),
            Ok(("host:6667".into(), Some("#games".into())))
        );
        assert_eq!(
            parse_irc_url("irc://[::1]"),
            Ok(("[::1]:6667".into(), None))
        );
        assert_eq!(
            parse_irc_url("irc://[::1]:7000/"),
            Ok(("[::1]:7000".into(), None))
        );
        assert!(parse_irc_url("http://x").is_err());
        assert!(parse_irc_url("irc://").is_err());
        assert!(parse_irc_url("irc://h:99999").is_err());
        assert!(parse_irc_url("irc://h/#a b").is_err());
    }

    #[test]
    fn connects_at_once_only_with_a_name_and_somewhere_to_go() {
        let mut l = Launch::default();
        assert!(!l.connects_at_once());
        l.name = Some("小明".into());
        assert!(!l.connects_at_once());
        l.host = true;
        assert!(l.connects_at_once());
    }
}
