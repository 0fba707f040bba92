//! REDACT (IRCv3 `draft/message-redaction`): deleting a message. Its author,
//! a host of the room it was said in, or a server operator may delete it;
//! it goes from the room's history in memory and on disk (so from
//! CHATHISTORY, the replay on joining, and transcripts), and everyone in
//! the conversation who speaks the capability is told.

use super::super::chat::{Caps, Chat};
use super::super::history::dm_key;
use super::super::outbox::{ClientId, Outbox};
use super::super::relay::Relay;
use super::super::store::StoreOp;
use super::Ctx;
use crate::proto::command;
use crate::proto::message::nick_of;
use crate::proto::names::{fold, is_channel};
use crate::proto::Message;

/// Why a deletion was refused, as `FAIL REDACT <code>` says it.
enum Refusal {
    /// Not a room this client is in, nor someone here.
    InvalidTarget,
    /// No message with that id is kept for that conversation.
    UnknownMsgid,
    /// Someone else's message, and not a host of the room.
    Forbidden,
}

impl Chat {
    /// `REDACT <target> <msgid> [:<reason>]`
    pub(super) fn redact(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let (Some(target), Some(msgid)) = (msg.param(0), msg.param(1)) else {
            return self.need_more_params(id, command::REDACT, out);
        };
        let reason = msg.param(2).filter(|r| !r.is_empty());
        let Some(client) = self.client(id) else {
            return;
        };
        let mask = client.mask.clone();
        let is_oper = client.oper;
        // The conversation's history key, and who is in it.
        let (key, members): (String, Vec<ClientId>) = if is_channel(target) {
            let folded = fold(target);
            match self.channels.get(&folded) {
                Some(ch) if ch.members.contains_key(&id) || is_oper => {
                    (folded, ch.members.keys().copied().collect())
                }
                _ => return self.redact_refused(id, out, Refusal::InvalidTarget, target, msgid),
            }
        } else {
            match self.find_nick(target) {
                Some(other) => (
                    dm_key(&fold(client.target()), &fold(target)),
                    vec![id, other],
                ),
                None => return self.redact_refused(id, out, Refusal::InvalidTarget, target, msgid),
            }
        };
        let Some(event) = self.history.find(&key, msgid).filter(|e| e.is_message()) else {
            return self.redact_refused(id, out, Refusal::UnknownMsgid, target, msgid);
        };
        let own = fold(&event.source) == fold(&mask);
        let host = is_channel(target) && self.channels.get(&key).is_some_and(|ch| ch.is_op(id));
        if !(own || host || is_oper) {
            return self.redact_refused(id, out, Refusal::Forbidden, target, msgid);
        }
        let author = nick_of(&event.source).to_owned();
        self.history.remove(&key, msgid);
        if is_channel(target) {
            // Rows of private conversations never reach the disk.
            out.store_op(StoreOp::Redact(key.clone(), msgid.to_owned()));
        }
        if self.config.message_log {
            log::info!("{target}: {} deleted a message of {author}", nick_of(&mask));
        }
        let mut params = vec![target.to_owned(), msgid.to_owned()];
        params.extend(reason.map(str::to_owned));
        let mut relay = Relay::new(now, &mask, command::REDACT, params);
        // Only clients that can act on it are told (the specification's
        // rule): a plain client cannot take a line off its screen.
        let to: Vec<ClientId> = members
            .into_iter()
            .filter(|&m| self.caps_of(m).has(Caps::MESSAGE_REDACTION))
            .collect();
        self.deliver(&mut relay, to, out);
    }

    fn redact_refused(
        &self,
        id: ClientId,
        out: &mut Outbox,
        why: Refusal,
        target: &str,
        msgid: &str,
    ) {
        let (code, text, with_msgid) = match why {
            Refusal::InvalidTarget => ("INVALID_TARGET", "You are not in that conversation", false),
            Refusal::UnknownMsgid => ("UNKNOWN_MSGID", "There is no such message to delete", true),
            Refusal::Forbidden => (
                "REDACT_FORBIDDEN",
                "Only its author or a host of the room can delete a message",
                true,
            ),
        };
        let mut params = vec![command::REDACT, code, target];
        if with_msgid {
            params.push(msgid);
        }
        params.push(text);
        self.server_line(id, out, command::FAIL, &params);
    }
}
