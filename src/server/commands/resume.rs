//! Taking a seat back after a lost connection (`banter.chat/resume`).
//!
//! The exchange, vendor-prefixed as IRCv3 asks of extensions of one's own:
//! 1. A client that negotiates the `banter.chat/resume` capability gets, after
//!    its welcome, `:server RESUME TOKEN <token>`: a secret only it knows.
//! 2. If its connection is lost (not QUIT, not removed by an operator), its
//!    name and rooms are held for `seat_grace` (default 120 s). Others see a
//!    QUIT as any IRC client would; nobody else may take the name meanwhile
//!    (433 says why).
//! 3. A new connection that sends `RESUME <token>` before it finishes
//!    registering takes the seat back: the same name, the same rooms (others
//!    see it JOIN again, with its status restored), then
//!    `:server RESUME SUCCESS <nick>` and a new token. What it missed it
//!    fetches with CHATHISTORY. A wrong or expired token gets
//!    `FAIL RESUME INVALID_TOKEN` and registration goes on as usual.

use super::super::chat::{Caps, Chat, Seat, Status};
use super::super::outbox::ClientId;
use super::super::relay::Relay;
use super::Ctx;
use crate::proto::command;
use crate::proto::names::fold;
use crate::proto::numeric::*;
use crate::proto::Message;

impl Chat {
    /// `RESUME <token>` (before registration)
    pub(super) fn resume(&mut self, ctx: &mut Ctx<'_>, msg: &Message) {
        let (id, now, out) = ctx.parts();
        let [token, ..] = msg.params.as_slice() else {
            return self.need_more_params(id, command::RESUME, out);
        };
        let Some(client) = self.client(id) else {
            return;
        };
        if client.registered {
            self.reply(id, out, ERR_ALREADYREGISTERED, &["You may not reregister"]);
            return;
        }
        // The old connection may not have been noticed as lost yet (a silent
        // drop takes the ping timeout to show): the token proves the new one
        // is the same client, so the old one gives way now.
        let stale = self.live_clients().find_map(|(i, c)| {
            let t = c.resume_token.as_deref()?;
            (i != id && super::operators::constant_time_eq(t.as_bytes(), token.as_bytes()))
                .then_some(i)
        });
        if let Some(old) = stale {
            self.hold_seat(old, now);
            self.error_and_close_as(
                old,
                "Closing link: you reconnected on a new connection",
                "Connection lost",
                now,
                out,
            );
        }
        let found = self
            .seats
            .iter()
            .find(|(_, seat)| {
                super::operators::constant_time_eq(seat.token.as_bytes(), token.as_bytes())
            })
            .map(|(k, s)| (k.clone(), s.nick.clone()));
        let Some((folded, nick)) = found else {
            self.server_line(
                id,
                out,
                command::FAIL,
                &[
                    command::RESUME,
                    "INVALID_TOKEN",
                    "That seat is not held (wrong or expired token)",
                ],
            );
            return;
        };
        // The connection now speaks for the seat: its name is the seat's.
        let old = self.client(id).and_then(|c| c.nick.clone());
        if let Some(old) = &old {
            let old = fold(old);
            if self.nicks.get(&old) == Some(&id) {
                self.nicks.remove(&old);
            }
        }
        self.nicks.insert(folded.clone(), id);
        if let Some(c) = self.client_mut(id) {
            c.nick = Some(nick.clone());
            c.resuming = Some(folded);
        }
        if let Some(old) = &old {
            self.release_skeleton(old);
        }
        self.claim_skeleton(&nick);
    }

    /// Whether `folded` is held for someone else than `id` (433 then).
    pub(crate) fn held_for_other(&self, folded: &str, id: ClientId) -> bool {
        self.seats.contains_key(folded)
            && self.client(id).and_then(|c| c.resuming.as_deref()) != Some(folded)
    }

    /// After the welcome: the new token, and the seat taken back if this
    /// connection proved it owns one.
    pub(super) fn after_welcome(&mut self, ctx: &mut Ctx<'_>) {
        let id = ctx.id;
        if !self.caps_of(id).has(Caps::RESUME) {
            return;
        }
        let seat = self
            .client(id)
            .and_then(|c| c.resuming.clone())
            .and_then(|f| self.seats.remove(&f));
        if let Some(seat) = &seat {
            // Its name is this connection's now (claimed at RESUME).
            self.release_skeleton(&seat.nick);
        }
        // No token if the random source failed: this connection cannot be
        // resumed later, which is better than a token someone could guess.
        let token = crate::secret::hex128();
        let Some(client) = self.client_mut(id) else {
            return;
        };
        client.resuming = None;
        client.resume_token = token.clone();
        if let Some(seat) = seat {
            self.take_seat(ctx, seat);
        }
        if let Some(token) = token {
            self.server_line(id, ctx.out, command::RESUME, &["TOKEN", &token]);
        }
    }

    fn take_seat(&mut self, ctx: &mut Ctx<'_>, seat: Seat) {
        let (id, now, out) = ctx.parts();
        let Some(client) = self.client_mut(id) else {
            return;
        };
        client.realname = seat.realname;
        client.away = seat.away;
        client.bot = seat.bot;
        if seat.invisible && !client.invisible {
            client.invisible = true;
            self.invisible_count += 1;
        }
        let Some(client) = self.client_mut(id) else {
            return;
        };
        if seat.oper && !client.oper {
            client.oper = true;
            client.wallops = true;
            self.oper_count += 1;
        }
        let Some(client) = self.client(id) else {
            return;
        };
        let mask = client.mask.clone();
        let nick = client.target().to_owned();
        let bot = client.bot;
        self.server_line(id, out, command::RESUME, &["SUCCESS", &nick]);
        log::info!("{} took back the seat of {nick}", client.addr);
        for (folded, status) in seat.rooms {
            if self
                .client(id)
                .is_some_and(|c| c.channels.len() >= self.config.max_joined)
            {
                break;
            }
            let Some(ch) = self.channels.get_mut(&folded) else {
                // The room emptied and closed meanwhile: it is not re-created.
                continue;
            };
            // It was a member: locks set meanwhile do not keep it out.
            ch.members.insert(id, status);
            // The owner's old key was let go when it left: this one is hers.
            let founds = status.has(Status::OWNER) && !ch.permanent && ch.creator.is_none();
            if founds {
                ch.creator = Some(id);
                ch.creator_owns = true;
            }
            let display = ch.name.clone();
            if let Some(c) = self.client_mut(id) {
                c.channels.insert(folded.clone());
                if founds {
                    c.founded.push(folded.clone());
                }
            }
            self.announce_join(&folded, &mask, bot, now, out);
            if let Some(ch) = self.channels.get(&folded) {
                let modes = status.letters();
                if !modes.is_empty() {
                    let mut params = vec![display.clone(), format!("+{modes}")];
                    params.extend(modes.chars().map(|_| nick.clone()));
                    let server = self.config.server_name.clone();
                    let mut relay = Relay::new(now, &server, command::MODE, params);
                    self.deliver(&mut relay, ch.members.keys().copied(), out);
                }
            }
            self.send_names(id, &folded, out);
        }
    }
}
