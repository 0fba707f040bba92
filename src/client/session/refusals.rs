//! What the server refused, as a sentence a student understands: the
//! numerics a member can meet (a locked, full or passworded room, a ban, a
//! host-only action, a name that is gone) each get a translated sentence;
//! others keep the server's words.

use crate::proto::numeric::*;
use crate::proto::{reason, Message};

use super::tr;

/// The sentence for refusal `m` (`<code> <me> [<subject>...] :<text>`), or
/// `None` when there is none better than the server's own words.
pub(super) fn plain_refusal(m: &Message) -> Option<String> {
    let subject = m.param(1).unwrap_or("");
    let second = m.params.get(2).filter(|_| m.params.len() > 3);
    let text = m.params.last().map_or("", String::as_str);
    let room = [("room", &subject as &dyn std::fmt::Display)];
    let nick = [("nick", &subject as &dyn std::fmt::Display)];
    Some(match m.command.as_str() {
        ERR_INVITEONLYCHAN => tr::ROOM_LOCKED.fill(&room),
        ERR_CHANNELISFULL => tr::ROOM_FULL.fill(&room),
        ERR_BANNEDFROMCHAN => tr::ROOM_BANNED.fill(&room),
        ERR_BADCHANNELKEY => tr::ROOM_NEEDS_PASSWORD.fill(&room),
        ERR_CANTSENDTOUSER if text == reason::PRIVATE_CHATS_OFF => {
            tr::PRIVATE_REFUSED_OFF.to_string()
        }
        ERR_CANTSENDTOUSER if text == reason::PRIVATE_CHATS_HOSTS => {
            tr::PRIVATE_REFUSED_HOSTS.to_string()
        }
        ERR_CHANOPRIVSNEEDED if text == reason::NO_NEW_ROOMS => tr::NO_NEW_ROOMS_NOW.to_string(),
        ERR_CHANOPRIVSNEEDED if text == reason::OWNER_PROTECTED => {
            tr::OWNER_IS_PROTECTED.to_string()
        }
        ERR_CHANOPRIVSNEEDED => tr::ONLY_HOSTS_OF.fill(&room),
        ERR_NOSUCHNICK => tr::NOBODY_CALLED.fill(&nick),
        ERR_NOSUCHCHANNEL => tr::NO_SUCH_ROOM.fill(&room),
        ERR_NOTONCHANNEL => tr::NOT_IN_ROOM.fill(&room),
        ERR_USERNOTINCHANNEL => {
            let room = second.map_or("", String::as_str);
            tr::THEY_ARE_NOT_IN.fill(&[("nick", &subject), ("room", &room)])
        }
        ERR_USERONCHANNEL => {
            let room = second.map_or("", String::as_str);
            tr::ALREADY_IN.fill(&[("nick", &subject), ("room", &room)])
        }
        ERR_TOOMANYCHANNELS => tr::TOO_MANY_ROOMS.to_string(),
        ERR_BANNICKCHANGE => tr::NO_RENAME_WHILE_BANNED.to_string(),
        ERR_NICKNAMEINUSE => tr::NICK_TAKEN.fill(&nick),
        ERR_UNKNOWNCOMMAND => tr::SERVER_UNKNOWN_COMMAND.fill(&[("command", &subject)]),
        ERR_BADCHANNAME => tr::BAD_ROOM_NAME.fill(&[("room", &subject), ("reason", &text)]),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(line: &str) -> Option<String> {
        plain_refusal(&Message::parse(line.as_bytes()).unwrap())
    }

    #[test]
    fn the_refusals_a_student_meets_read_as_sentences() {
        assert_eq!(
            refusal(":srv 473 ming #class :Cannot join channel (+i): it is invite-only").as_deref(),
            Some("#class is locked. Ask the teacher to let you in.")
        );
        assert_eq!(
            refusal(":srv 441 ming bob #class :They aren't on that channel").as_deref(),
            Some("bob is not in #class.")
        );
        let owner = format!(":srv 482 ming #class :{}", reason::OWNER_PROTECTED);
        assert_eq!(
            refusal(&owner).as_deref(),
            Some(tr::OWNER_IS_PROTECTED.id),
            "the owner's protection has its own sentence"
        );
        assert!(
            refusal(":srv 482 ming #class :You're not a channel operator")
                .is_some_and(|s| s.contains("Only a host of #class"))
        );
        let private = format!(":srv 531 ana ben :{}", reason::PRIVATE_CHATS_HOSTS);
        assert_eq!(
            refusal(&private).as_deref(),
            Some(tr::PRIVATE_REFUSED_HOSTS.id)
        );
        let rooms = format!(":srv 482 ana #secret :{}", reason::NO_NEW_ROOMS);
        assert_eq!(refusal(&rooms).as_deref(), Some(tr::NO_NEW_ROOMS_NOW.id));
        // Numerics without a better sentence keep the server's words.
        assert_eq!(refusal(":srv 400 ming :Something odd"), None);
    }
}
