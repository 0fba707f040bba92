//! What the `banter` command line asks for: a server, a name, a room, hosting,
//! or an `irc://` / `ircs://` link; pure, so it is tested without a window.

use super::settings::Settings;
use super::tls::parse_target;
use super::tr;
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

    /// The command line over what was remembered: a server or name given
    /// wins, the rest comes from `saved`, and hosting is remembered unless
    /// the command line names a server (then it is a visit, not a lesson).
    pub fn over(self, saved: &Settings) -> Launch {
        let host = self.host || (self.server.is_none() && saved.host == Some(true));
        Launch {
            server: self.server.or(saved.server.clone()),
            name: self.name.or(saved.name.clone()),
            host,
            ..self
        }
    }
}

/// Reads `irc://host[:port][/#room]` or `ircs://...` (port 6667 or 6697 by
/// default) into an address and a room. `#` may also be written `%23`.
pub fn parse_irc_url(url: &str) -> Result<(String, Option<String>), String> {
    let url = url.trim();
    let rest = url
        .split_once("://")
        .filter(|(scheme, _)| ["irc", "ircs"].contains(&scheme.to_ascii_lowercase().as_str()))
        .map(|(_, rest)| rest)
        .ok_or_else(|| tr::LINK_NOT_IRC.fill(&[("link", &url)]))?;
    // The address is read as the login form reads it, so that both agree
    // on default ports and IPv6 brackets.
    let target = parse_target(url)?;
    let server = if target.tls {
        format!("ircs://{}", target.host_port())
    } else {
        target.host_port()
    };
    let path = rest.split_once('/').map_or("", |(_, path)| path);
    let room = path.split(['?', ',']).next().unwrap_or("");
    let room = room.replace("%23", "#");
    let room = match room.as_str() {
        "" => None,
        r => {
            let r = room_name(r);
            validate_channel(&r)
                .map_err(|_| tr::LINK_BAD_ROOM.fill(&[("link", &url), ("room", &r)]))?;
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
        assert_eq!(
            parse_irc_url("IRCS://[fe80::1]/lobby"),
            Ok(("ircs://[fe80::1]:6697".into(), Some("#lobby".into())))
        );
        assert!(parse_irc_url("http://x").is_err());
        assert!(parse_irc_url("192.168.1.20:6667").is_err());
        assert!(parse_irc_url("irc://").is_err());
        assert!(parse_irc_url("irc://h:99999").is_err());
        assert!(parse_irc_url("irc://h/#a b").is_err());
    }

    #[test]
    fn the_command_line_wins_over_what_was_remembered() {
        let saved = Settings {
            server: Some("10.0.0.5:6667".into()),
            name: Some("Ana".into()),
            host: Some(true),
            ..Settings::default()
        };
        // Nothing given: the remembered form, hosting included.
        let l = Launch::default().over(&saved);
        assert_eq!(l.server.as_deref(), Some("10.0.0.5:6667"));
        assert_eq!(l.name.as_deref(), Some("Ana"));
        assert!(l.host);
        // A server given: that server, and no hosting; the name remembered.
        let given = Launch {
            server: Some("192.0.2.1:6667".into()),
            room: Some("#7b".into()),
            ..Launch::default()
        };
        let l = given.over(&saved);
        assert_eq!(l.server.as_deref(), Some("192.0.2.1:6667"));
        assert_eq!(l.name.as_deref(), Some("Ana"));
        assert_eq!(l.room.as_deref(), Some("#7b"));
        assert!(!l.host);
        // --host always hosts.
        let l = Launch {
            host: true,
            ..Launch::default()
        }
        .over(&Settings::default());
        assert!(l.host && l.server.is_none() && l.name.is_none());
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
