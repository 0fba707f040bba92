//! The window's requests ([`Controller`]): each click and key the window
//! passes on, answered by the controller, and the host actions that ask
//! first.

use super::{App, Session};
use crate::client::session::HostAction;
use crate::client::settings::ThemeChoice;
use crate::client::ui::Controller;
use crate::client::{links, tr};

impl App {
    /// Sends a host's action (confirmed where it asks first).
    fn do_host_action(&mut self, action: HostAction) {
        let Some(link) = self.link.as_mut() else {
            return;
        };
        let result = link.session_mut().host_action(action);
        self.ui
            .set_host_error(result.as_ref().err().map_or("", String::as_str));
        self.flush();
    }
}

/// "Reason: …" for a confirmation, or nothing for no reason.
fn reason_line(reason: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        String::new()
    } else {
        tr::REASON_IS.fill(&[("reason", &reason)])
    }
}

impl Controller for App {
    fn connect(&mut self) {
        App::connect(self);
    }

    fn join_found(&mut self, index: usize) {
        App::join_found(self, index);
    }

    fn choose_language(&mut self, index: usize) {
        if let Some(l) = tr::languages().get(index) {
            self.set_language(l.code);
        }
    }

    fn choose_theme(&mut self, index: usize) {
        if let Some(&choice) = ThemeChoice::ALL.get(index) {
            self.picked_theme = Some(choice);
            self.set_theme(choice);
        }
    }

    fn send(&mut self, text: &str) -> bool {
        App::send(self, text)
    }

    fn select_conversation(&mut self, index: usize) {
        // An error about a line typed for another conversation goes too.
        self.ui.set_input_error("");
        self.with_session(|s| s.set_active(index));
    }

    fn close_conversation(&mut self, index: usize) {
        let key = self.link.as_ref().and_then(|l| {
            let conv = l.session().conversations().get(index)?;
            conv.private.then(|| conv.key.clone())
        });
        if let Some(key) = key {
            self.with_session(|s| s.close_conversation(index));
            self.ui.forget_conversation(&key);
        }
    }

    fn open_private(&mut self, nick: &str) {
        self.ui.set_input_error("");
        self.with_session(|s| s.open_private(nick));
    }

    fn request_exit(&mut self) {
        self.ui.set_confirm_exit(true);
    }

    /// Closing the window asks first, like the Exit button; on the login
    /// screen there is nothing to lose.
    fn close_requested(&mut self) -> bool {
        if self.ui.on_chat_screen() && !self.closed {
            self.ui.set_confirm_exit(true);
            true
        } else {
            self.shut_down();
            false
        }
    }

    fn confirm_exit(&mut self, leave: bool) {
        App::confirm_exit(self, leave);
    }

    fn save_conversation(&mut self) {
        App::save_conversation(self);
    }

    fn select_member(&mut self, nick: &str) {
        if let Some(link) = &self.link {
            self.ui.select_member(link.session(), nick);
        }
    }

    fn host_action(&mut self, action: HostAction) {
        // Removing and banning someone ask first, saying what will happen.
        let ask = match &action {
            HostAction::Remove { nick, reason } => Some((
                tr::CONFIRM_REMOVE.fill(&[("nick", nick)]),
                reason_line(reason),
                tr::REMOVE_BUTTON.to_string(),
            )),
            HostAction::Ban { nick, reason } => {
                let shared = self
                    .link
                    .as_ref()
                    .map(|l| l.session().sharing_address(nick))
                    .unwrap_or_default();
                let mut detail = tr::BAN_DETAIL.fill(&[("nick", nick)]);
                if !shared.is_empty() {
                    detail.push(' ');
                    detail.push_str(&tr::BAN_SHARED.fill(&[("names", &shared.join(", "))]));
                }
                let reason = reason_line(reason);
                if !reason.is_empty() {
                    detail = format!("{detail} {reason}");
                }
                Some((
                    tr::CONFIRM_BAN.fill(&[("nick", nick)]),
                    detail,
                    tr::BAN_BUTTON.to_string(),
                ))
            }
            _ => None,
        };
        if let Some(ask) = ask {
            self.pending_host_action = Some(action);
            self.ui.ask_host_confirm(Some(ask));
            return;
        }
        self.do_host_action(action);
    }

    fn answer_invitation(&mut self, join: bool) {
        let room = self.ui.invitation();
        self.ui.show_invitation(None);
        if join && !room.is_empty() {
            self.with_session(|s| s.join_room(&room));
        }
    }

    fn delete_message(&mut self, msgid: &str) {
        self.with_session(|s| s.delete_message(msgid));
    }

    fn complete_name(&mut self, text: &str) -> Option<String> {
        let session = self.link.as_ref()?.session();
        let done = session.complete(text, self.completion.as_ref());
        let text = done.as_ref().map(|c| c.text.clone());
        self.completion = done;
        text
    }

    /// A web address goes to the browser; an irc:// link to this server
    /// joins its room here, to another server opens a new window; anything
    /// else (a `file:` or `javascript:` address) is never opened.
    fn open_link(&mut self, url: &str) {
        let failed = if links::is_web(url) {
            self.env.open_url(url).err()
        } else {
            match crate::client::launch::parse_irc_url(url) {
                Ok((server, room)) => {
                    let here = crate::client::tls::parse_target(&server)
                        .ok()
                        .map(|t| t.host_port());
                    match room {
                        Some(room) if here.is_some() && here == self.connected_to => {
                            self.with_session(|s| s.join_room(&room));
                            None
                        }
                        _ => self.env.open_in_new_window(url).err(),
                    }
                }
                Err(e) => Some(e),
            }
        };
        if let Some(error) = failed {
            let note = tr::CANNOT_OPEN_LINK.fill(&[("error", &error)]);
            let now = self.env.now_ms();
            self.with_session(|s| s.note(&note, now));
        }
    }

    fn confirm_host(&mut self, yes: bool) {
        self.ui.ask_host_confirm(None);
        if let Some(action) = self.pending_host_action.take().filter(|_| yes) {
            self.do_host_action(action);
        }
    }

    fn rejoin(&mut self) {
        self.with_session(Session::rejoin_active);
    }

    fn host_login(&mut self, name: &str, password: &str) {
        let now = self.env.now_ms();
        self.with_session(|s| s.log_in_as_host(name.trim(), password, now));
    }
}
