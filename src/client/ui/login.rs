//! The login screen's side of the adapter: the form's fields, filling
//! them, and the rooms found on the network.

use std::rc::Rc;

use slint::{ModelRc, VecModel};

use super::{FoundRoom, LoginForm, Ui};
use crate::client::tr;

impl Ui {
    /// What the login form holds.
    pub fn login_form(&self) -> LoginForm {
        let login = self.login();
        LoginForm {
            server: login.get_server().to_string(),
            nick: login.get_nick().trim().to_owned(),
            password: login.get_password().to_string(),
            host: login.get_host_mode(),
            room_title: login.get_room_title().trim().to_owned(),
        }
    }

    /// Fills the hosted room's name.
    pub fn fill_room_title(&self, title: &str) {
        self.login().set_room_title(title.into());
    }

    /// Fills in the login form: the fields given, and whether to host.
    pub fn fill_login(&self, server: Option<&str>, nick: Option<&str>, host: bool) {
        let login = self.login();
        if let Some(server) = server {
            login.set_server(server.into());
        }
        if let Some(nick) = nick {
            login.set_nick(nick.into());
        }
        login.set_host_mode(host);
    }

    /// A note under the login form that is not about what was typed.
    pub fn set_login_notice(&self, text: &str) {
        self.login().set_notice(text.into());
    }

    pub fn focus_login(&self) {
        self.window.invoke_focus_login();
    }

    /// The rooms found on the network, for the login screen.
    pub fn show_found_rooms(&self, rooms: &[crate::client::discovery::Found]) {
        let items: Vec<FoundRoom> = rooms
            .iter()
            .map(|r| {
                let name = if r.info.room.is_empty() {
                    r.info.server.clone()
                } else {
                    r.info.room.clone()
                };
                let title = if r.info.topic.is_empty() {
                    name
                } else {
                    format!("{name} \u{2014} {}", r.info.topic)
                };
                // "7B Maths (#lobby) — topic": two classrooms next door
                // can tell their rooms apart.
                let title = if r.info.title.is_empty() {
                    title
                } else {
                    format!("{} ({title})", r.info.title)
                };
                let detail = if r.info.password {
                    tr::FOUND_ROOM_LOCKED
                } else {
                    tr::FOUND_ROOM_DETAIL
                };
                let mut detail = detail.fill(&[("count", &r.info.users), ("address", &r.addr)]);
                if !r.info.host.is_empty() {
                    let host = tr::FOUND_ROOM_HOST.fill(&[("host", &r.info.host)]);
                    detail = format!("{host} · {detail}");
                }
                FoundRoom {
                    title: title.into(),
                    detail: detail.into(),
                }
            })
            .collect();
        self.login()
            .set_rooms(ModelRc::from(Rc::new(VecModel::from(items))));
    }
}
