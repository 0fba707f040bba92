//! The command table and the dispatcher that runs a line's handler.
//!
//! The table does the checks every handler would repeat: registered yet (451),
//! enough parameters (461), known command (421). Handlers live by family, one
//! file each; every handler's doc is its syntax line, and handlers bind their
//! parameters by pattern so that a table edit cannot turn a line into a panic.
//!
//! It also says what a line costs in flood control: the command's weight (the
//! work it does that its reply does not show, such as WHO scanning every
//! client for a mask) plus a share of the reply it sent back, so that a WHO or
//! NAMES on a 4,000-member room is not as cheap as a PING.
//!
//! A handler gets the chat, a [`Ctx`] (who sent the line, when, and where
//! the answers go) and the line. The steps of a handler (one room of a JOIN,
//! one target of a PRIVMSG, one registration step) take the `Ctx` too;
//! replies and the chat's own helpers, which also serve timeouts and
//! disconnects where no line was sent, take a client id and the outbox.

mod channels;
mod history;
mod messages;
mod modes;
mod monitor;
mod operators;
mod private_chats;
mod queries;
mod redact;
mod registration;
mod resume;

use super::chat::{Caps, Chat, Now};
use super::outbox::{ClientId, Outbox};
use crate::proto::command;
use crate::proto::numeric::*;
use crate::proto::Message;

/// What a handler needs besides the chat and the line. Built once per line
/// by [`Chat::dispatch`]; it lives here rather than in `chat/` because only a
/// received line has a sender to answer.
pub(crate) struct Ctx<'a> {
    /// The client whose line this is.
    pub id: ClientId,
    pub now: &'a Now,
    pub out: &'a mut Outbox,
}

impl<'a> Ctx<'a> {
    /// The three as plain bindings, for a body that uses them throughout
    /// and hands the context on to no step.
    pub fn parts(&mut self) -> (ClientId, &'a Now, &mut Outbox) {
        (self.id, self.now, self.out)
    }
}

type Handler = fn(&mut Chat, &mut Ctx<'_>, &Message);

struct Command {
    name: &'static str,
    min_params: usize,
    needs_registration: bool,
    /// Flood-control tokens the command costs before its reply is counted.
    weight: u32,
    run: Handler,
}

const fn cmd(
    name: &'static str,
    min_params: usize,
    needs_registration: bool,
    run: Handler,
) -> Command {
    Command {
        name,
        min_params,
        needs_registration,
        weight: 1,
        run,
    }
}

impl Command {
    /// The same command with a heavier flood-control weight.
    const fn weight(self, weight: u32) -> Command {
        Command { weight, ..self }
    }
}

/// Reply lines to the sender that cost one more flood-control token: a reply
/// the size of a classroom's NAMES is free, a 4,000-line WHO is not.
pub const REPLY_LINES_PER_TOKEN: usize = 32;

/// The most one line can cost (8 s of waiting at the default 4 lines/s), so
/// that an IRC client which asks for WHO on joining a huge room is slowed
/// down, not silenced for minutes.
pub const MAX_LINE_COST: u32 = 32;

/// Every command the server knows. Kept in one place so that a newcomer sees
/// the whole protocol surface at a glance.
const COMMANDS: &[Command] = &[
    // registration.rs
    cmd(command::CAP, 1, false, Chat::cap),
    cmd(command::PASS, 1, false, Chat::pass),
    cmd(command::NICK, 0, false, Chat::nick),
    cmd(command::USER, 4, false, Chat::user),
    cmd(command::PING, 0, false, Chat::ping),
    cmd(command::PONG, 0, false, |_, _, _| {}),
    cmd(command::QUIT, 0, false, Chat::quit),
    // resume.rs
    // Compares the token with every connection's and every seat's, each in
    // constant time: a scan, so it costs like the other scans.
    cmd(command::RESUME, 1, false, Chat::resume).weight(2),
    cmd(command::SETNAME, 1, true, Chat::setname),
    cmd(command::AWAY, 0, true, Chat::away),
    // channels.rs
    cmd(command::JOIN, 1, true, Chat::join),
    cmd(command::PART, 1, true, Chat::part),
    cmd(command::TOPIC, 1, true, Chat::topic),
    cmd(command::NAMES, 0, true, Chat::names).weight(2),
    cmd(command::LIST, 0, true, Chat::list).weight(3),
    cmd(command::KICK, 2, true, Chat::kick),
    cmd(command::INVITE, 0, true, Chat::invite),
    // modes.rs
    cmd(command::MODE, 1, true, Chat::mode),
    // messages.rs
    cmd(command::PRIVMSG, 0, true, Chat::privmsg),
    cmd(command::NOTICE, 0, true, Chat::privmsg),
    cmd(command::TAGMSG, 1, true, Chat::tagmsg),
    // redact.rs
    cmd(command::REDACT, 2, true, Chat::redact),
    // queries.rs
    cmd(command::WHO, 0, true, Chat::who).weight(3),
    cmd(command::WHOIS, 1, true, Chat::whois).weight(2),
    cmd(command::WHOWAS, 1, true, Chat::whowas).weight(2),
    cmd(command::LUSERS, 0, true, Chat::lusers).weight(2),
    cmd(command::MOTD, 0, true, Chat::send_motd),
    cmd(command::USERHOST, 1, true, Chat::userhost).weight(2),
    cmd(command::ISON, 1, true, Chat::ison).weight(2),
    cmd(command::TIME, 0, true, Chat::time),
    cmd(command::VERSION, 0, true, Chat::version),
    cmd(command::INFO, 0, true, Chat::info),
    cmd(command::ADMIN, 0, true, Chat::admin),
    cmd(command::LINKS, 0, true, Chat::links),
    cmd(command::HELP, 0, true, Chat::help),
    cmd(command::HELPOP, 0, true, Chat::help),
    // history.rs
    cmd(command::CHATHISTORY, 1, true, Chat::chathistory).weight(2),
    // monitor.rs
    cmd(command::MONITOR, 1, true, Chat::monitor).weight(2),
    // operators.rs
    cmd(command::OPER, 2, true, Chat::oper),
    cmd(command::KILL, 1, true, Chat::kill),
    cmd(command::WALLOPS, 1, true, Chat::wallops),
];

impl Chat {
    /// Runs the command; returns what it costs in flood-control tokens.
    pub(crate) fn dispatch(
        &mut self,
        id: ClientId,
        msg: &Message,
        now: &Now,
        out: &mut Outbox,
    ) -> u32 {
        let label = msg
            .tag("label")
            .filter(|l| !l.is_empty() && l.len() <= 64)
            .filter(|_| self.caps_of(id).has(Caps::LABELED_RESPONSE))
            .map(str::to_owned);
        let mark = out.mark();
        let weight = self.dispatch_unlabeled(&mut Ctx { id, now, out }, msg);
        // Counted only where it can matter: with flood control on, and
        // after at least a token's worth of lines went to anyone.
        let cost = if self.config.flood.is_some() && out.mark() - mark >= REPLY_LINES_PER_TOKEN {
            let replies = out.sent_to_since(id, mark);
            (replies / REPLY_LINES_PER_TOKEN).min(MAX_LINE_COST as usize) as u32
        } else {
            0
        };
        if let Some(label) = label {
            if self.is_client(id) || !out.closes().contains(&id) {
                let batch = self.batch_ref();
                let server = self.config.server_name.clone();
                out.label(id, mark, &label, &server, &batch);
            }
        }
        weight.saturating_add(cost).min(MAX_LINE_COST)
    }

    /// Runs the command; returns its weight.
    fn dispatch_unlabeled(&mut self, ctx: &mut Ctx<'_>, msg: &Message) -> u32 {
        let (id, _, out) = ctx.parts();
        let registered = self.client(id).is_some_and(|c| c.registered);
        let Some(command) = COMMANDS
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&msg.command))
        else {
            if registered {
                self.reply(
                    id,
                    out,
                    ERR_UNKNOWNCOMMAND,
                    &[&msg.command, "Unknown command"],
                );
            } else {
                self.reply(id, out, ERR_NOTREGISTERED, &["You have not registered"]);
            }
            return 1;
        };
        if command.needs_registration && !registered {
            self.reply(id, out, ERR_NOTREGISTERED, &["You have not registered"]);
            return 1;
        }
        if msg.params.len() < command.min_params {
            self.reply(
                id,
                out,
                ERR_NEEDMOREPARAMS,
                &[command.name, "Not enough parameters"],
            );
            return 1;
        }
        (command.run)(self, ctx, msg);
        command.weight
    }

    /// 442 for `room`.
    pub(crate) fn not_on_channel(&self, id: ClientId, room: &str, out: &mut Outbox) {
        self.reply(
            id,
            out,
            ERR_NOTONCHANNEL,
            &[room, "You're not on that channel"],
        );
    }

    /// 481 unless `id` is a server operator; whether it is one.
    pub(crate) fn require_oper(&self, id: ClientId, out: &mut Outbox) -> bool {
        let oper = self.client(id).is_some_and(|c| c.oper);
        if !oper {
            self.reply(
                id,
                out,
                ERR_NOPRIVILEGES,
                &["Permission Denied- You're not an IRC operator"],
            );
        }
        oper
    }

    /// 461 for `command`.
    pub(crate) fn need_more_params(&self, id: ClientId, command: &str, out: &mut Outbox) {
        self.reply(
            id,
            out,
            ERR_NEEDMOREPARAMS,
            &[command, "Not enough parameters"],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::Config;
    use std::time::Instant;

    /// A chat with `members` clients in `#big`; client 0 is the one asking.
    fn room_of(members: usize) -> (Chat, Now) {
        let now = Now {
            instant: Instant::now(),
            unix_ms: 1_700_000_000_000,
        };
        let mut chat = Chat::new(
            Config {
                message_log: false,
                max_per_ip: 0,
                ..Config::loopback()
            },
            &now,
        );
        let mut out = Outbox::new();
        for id in 0..members {
            let id = ClientId::from_slab_key(id);
            chat.connect(id, ([127, 0, 0, 1], 40000).into(), &now);
            for line in [
                format!("NICK m{id}"),
                "USER u 0 * :r".into(),
                "JOIN #big".into(),
            ] {
                chat.handle_line(id, line.as_bytes(), &now, &mut out);
            }
            out.clear();
        }
        (chat, now)
    }

    fn cost(chat: &mut Chat, now: &Now, line: &str) -> u32 {
        let mut out = Outbox::new();
        chat.handle_line(ClientId::from_slab_key(0), line.as_bytes(), now, &mut out)
    }

    #[test]
    fn scanning_commands_weigh_more_than_a_ping() {
        let (mut chat, now) = room_of(3);
        assert_eq!(cost(&mut chat, &now, "PING x"), 1);
        assert_eq!(cost(&mut chat, &now, "PRIVMSG #big :hi"), 1);
        assert_eq!(cost(&mut chat, &now, "NOSUCHCOMMAND"), 1);
        assert_eq!(cost(&mut chat, &now, "WHO #big"), 3);
        assert_eq!(cost(&mut chat, &now, "LIST"), 3);
        assert_eq!(cost(&mut chat, &now, "NAMES #big"), 2);
        assert_eq!(cost(&mut chat, &now, "RESUME not-a-token"), 2);
        // The table's checks cost one, whatever the command.
        assert_eq!(cost(&mut chat, &now, "WHOIS"), 1);
    }

    #[test]
    fn a_long_reply_costs_its_length_up_to_the_cap() {
        let (mut chat, now) = room_of(200);
        // 200 WHO lines and the end line: 201 / 32 = 6 more than the weight.
        assert_eq!(cost(&mut chat, &now, "WHO #big"), 3 + 6);
        // 200 names fill several 353 lines, fewer than 32.
        assert_eq!(cost(&mut chat, &now, "NAMES #big"), 2);
        let (mut chat, now) = room_of(2000);
        assert_eq!(cost(&mut chat, &now, "WHO #big"), MAX_LINE_COST);
    }
}
