//! The command table and the dispatcher that runs a line's handler.
//!
//! The table does the checks every handler would repeat: registered yet (451),
//! enough parameters (461), known command (421). Handlers live by family, one
//! file each; every handler's doc is its syntax line, and handlers bind their
//! parameters by pattern so that a table edit cannot turn a line into a panic.

mod channels;
mod history;
mod messages;
mod modes;
mod monitor;
mod operators;
mod queries;
mod registration;
mod resume;

use super::chat::{Caps, Chat, Now};
use super::outbox::{ClientId, Outbox};
use crate::proto::numeric::*;
use crate::proto::Message;

type Handler = fn(&mut Chat, ClientId, &Message, &Now, &mut Outbox);

struct Command {
    name: &'static str,
    min_params: usize,
    needs_registration: bool,
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
        run,
    }
}

/// Every command the server knows. Kept in one place so that a newcomer sees
/// the whole protocol surface at a glance.
const COMMANDS: &[Command] = &[
    // registration.rs
    cmd("CAP", 1, false, Chat::cap),
    cmd("PASS", 1, false, Chat::pass),
    cmd("NICK", 0, false, Chat::nick),
    cmd("USER", 4, false, Chat::user),
    cmd("PING", 0, false, Chat::ping),
    cmd("PONG", 0, false, |_, _, _, _, _| {}),
    cmd("QUIT", 0, false, Chat::quit),
    // resume.rs
    cmd("RESUME", 1, false, Chat::resume),
    cmd("SETNAME", 1, true, Chat::setname),
    cmd("AWAY", 0, true, Chat::away),
    // channels.rs
    cmd("JOIN", 1, true, Chat::join),
    cmd("PART", 1, true, Chat::part),
    cmd("TOPIC", 1, true, Chat::topic),
    cmd("NAMES", 0, true, Chat::names),
    cmd("LIST", 0, true, Chat::list),
    cmd("KICK", 2, true, Chat::kick),
    cmd("INVITE", 0, true, Chat::invite),
    // modes.rs
    cmd("MODE", 1, true, Chat::mode),
    // messages.rs
    cmd("PRIVMSG", 0, true, Chat::privmsg),
    cmd("NOTICE", 0, true, Chat::privmsg),
    cmd("TAGMSG", 1, true, Chat::tagmsg),
    // queries.rs
    cmd("WHO", 0, true, Chat::who),
    cmd("WHOIS", 1, true, Chat::whois),
    cmd("WHOWAS", 1, true, Chat::whowas),
    cmd("LUSERS", 0, true, Chat::lusers),
    cmd("MOTD", 0, true, Chat::send_motd),
    cmd("USERHOST", 1, true, Chat::userhost),
    cmd("ISON", 1, true, Chat::ison),
    cmd("TIME", 0, true, Chat::time),
    cmd("VERSION", 0, true, Chat::version),
    cmd("INFO", 0, true, Chat::info),
    cmd("ADMIN", 0, true, Chat::admin),
    cmd("LINKS", 0, true, Chat::links),
    cmd("HELP", 0, true, Chat::help),
    cmd("HELPOP", 0, true, Chat::help),
    // history.rs
    cmd("CHATHISTORY", 1, true, Chat::chathistory),
    // monitor.rs
    cmd("MONITOR", 1, true, Chat::monitor),
    // operators.rs
    cmd("OPER", 2, true, Chat::oper),
    cmd("KILL", 1, true, Chat::kill),
    cmd("WALLOPS", 1, true, Chat::wallops),
];

impl Chat {
    pub(crate) fn dispatch(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
        let label = msg
            .tag("label")
            .filter(|l| !l.is_empty() && l.len() <= 64)
            .filter(|_| self.caps_of(id).has(Caps::LABELED_RESPONSE))
            .map(str::to_owned);
        let mark = out.mark();
        self.dispatch_unlabeled(id, msg, now, out);
        if let Some(label) = label {
            if self.is_client(id) || !out.closes().contains(&id) {
                let batch = self.batch_ref();
                let server = self.config.server_name.clone();
                out.label(id, mark, &label, &server, &batch);
            }
        }
    }

    fn dispatch_unlabeled(&mut self, id: ClientId, msg: &Message, now: &Now, out: &mut Outbox) {
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
            return;
        };
        if command.needs_registration && !registered {
            self.reply(id, out, ERR_NOTREGISTERED, &["You have not registered"]);
            return;
        }
        if msg.params.len() < command.min_params {
            self.reply(
                id,
                out,
                ERR_NEEDMOREPARAMS,
                &[command.name, "Not enough parameters"],
            );
            return;
        }
        (command.run)(self, id, msg, now, out);
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
