//! The private-chat rule a room's hosts set (`+P hosts|off`, the switch
//! teachers ask for: "private chat only with moderators", "disable private
//! chat"): who may send whom a private message, and why a room of one's
//! own cannot be opened meanwhile. Enforced here, so a student on any IRC
//! client is held to it.
//!
//! A private message from S to T is refused when, in some room:
//! - S is a member but not a host, and the rule is `off`, or it is `hosts`
//!   and T is neither a host of that room nor a server operator; or
//! - T is a member but not a host, the rule is not `anyone`, and S is
//!   neither a host of that room nor a server operator (no back door for
//!   a student who left the room).
//!
//! Server operators, and hosts in their own rooms, are never held back.

use super::super::chat::{Chat, Now, PrivateChats};
use super::super::outbox::{ClientId, Outbox};
use super::super::relay::Relay;
use super::super::store::StoreOp;
use crate::proto::{command, reason};

/// The history file's setting key for a room's rule (the server's own room
/// keeps its rule across restarts).
pub(crate) const SETTING: &str = "private_chats";

impl Chat {
    /// Why `from` may not send `to` a private message, if it may not.
    pub(crate) fn private_refusal(&self, from: ClientId, to: ClientId) -> Option<&'static str> {
        let (sender, recipient) = (self.client(from)?, self.client(to)?);
        if from == to || sender.oper {
            return None;
        }
        for folded in &sender.channels {
            let Some(ch) = self.channels.get(folded) else {
                continue;
            };
            let rule = ch.modes.private_chats;
            if rule == PrivateChats::Anyone || ch.is_op(from) {
                continue;
            }
            if rule == PrivateChats::Off {
                return Some(reason::PRIVATE_CHATS_OFF);
            }
            if !(ch.is_op(to) || recipient.oper) {
                return Some(reason::PRIVATE_CHATS_HOSTS);
            }
        }
        for folded in &recipient.channels {
            let Some(ch) = self.channels.get(folded) else {
                continue;
            };
            let rule = ch.modes.private_chats;
            if rule == PrivateChats::Anyone || ch.is_op(to) || ch.is_op(from) {
                continue;
            }
            return Some(match rule {
                PrivateChats::Off => reason::PRIVATE_CHATS_OFF,
                _ => reason::PRIVATE_CHATS_HOSTS,
            });
        }
        None
    }

    /// Whether `id` is held to a room's private-chat rule (a member but not
    /// a host of a room where it is not `anyone`): then it may not open a
    /// room of its own either.
    pub(crate) fn held_to_private_rule(&self, id: ClientId) -> bool {
        let Some(client) = self.client(id) else {
            return false;
        };
        !client.oper
            && client.channels.iter().any(|f| {
                self.channels.get(f).is_some_and(|ch| {
                    ch.modes.private_chats != PrivateChats::Anyone && !ch.is_op(id)
                })
            })
    }

    /// A room's rule changed: its members are told in words (clients that
    /// show MODE lines as they are get a sentence too), and the server's
    /// own room keeps the rule in the history file.
    pub(crate) fn private_chats_changed(
        &mut self,
        folded: &str,
        rule: PrivateChats,
        now: &Now,
        out: &mut Outbox,
    ) {
        let Some(ch) = self.channels.get(folded) else {
            return;
        };
        let text = match rule {
            PrivateChats::Anyone => reason::PRIVATE_CHATS_NOW_ANYONE,
            PrivateChats::Hosts => reason::PRIVATE_CHATS_NOW_HOSTS,
            PrivateChats::Off => reason::PRIVATE_CHATS_NOW_OFF,
        };
        let server = self.config.server_name.clone();
        let mut relay = Relay::new(
            now,
            &server,
            command::NOTICE,
            vec![ch.name.clone(), text.to_owned()],
        );
        self.deliver(&mut relay, ch.members.keys().copied(), out);
        if ch.permanent && self.config.history_file.is_some() {
            let value = (rule != PrivateChats::Anyone).then(|| rule.word().to_owned());
            out.store_op(StoreOp::RoomSetting {
                room: folded.to_owned(),
                key: SETTING.to_owned(),
                value,
            });
        }
    }

    /// Settings read back from the history file at start: the server's own
    /// room takes its rule back.
    pub fn restore_room_settings(&mut self, settings: Vec<(String, String, String)>) {
        for (room, key, value) in settings {
            let Some(ch) = self.channels.get_mut(&room).filter(|ch| ch.permanent) else {
                continue;
            };
            if key == SETTING {
                if let Some(rule) = PrivateChats::parse(&value) {
                    ch.modes.private_chats = rule;
                }
            }
        }
    }
}
