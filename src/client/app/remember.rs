//! What the client remembers for the next run, from the controller's side:
//! the saved settings fill the login form, and are saved again (with the
//! held seat's secret) as soon as a login works and at exit.

use std::path::PathBuf;

use super::App;
use crate::client::settings::{Seat, Settings};

impl App {
    /// The settings `saved` at `path` (if any): they fill the form, and are
    /// saved there again after each login that succeeds and at exit.
    pub fn use_settings(&mut self, path: Option<PathBuf>, saved: Settings) {
        self.ui.fill_login(
            saved.server.as_deref(),
            saved.name.as_deref(),
            saved.host == Some(true),
        );
        self.ui
            .fill_room_title(saved.room_title.as_deref().unwrap_or(""));
        self.settings = path.map(|p| (p, saved));
    }

    /// Saves the settings: the form as it is, the language, the theme
    /// picked, the window's size (atomically; a failure is logged).
    pub fn save_settings(&mut self) {
        let Some((path, saved)) = &self.settings else {
            return;
        };
        let form = self.ui.login_form();
        let now = Settings {
            server: (!form.server.is_empty()).then_some(form.server),
            name: (!form.nick.is_empty()).then_some(form.nick),
            language: Some(self.language().to_owned()),
            // A BANTER_THEME for one run does not replace the remembered
            // theme; a pick in the selector does.
            theme: match self.picked_theme {
                Some(picked) => picked.code().map(str::to_owned),
                None => saved.theme.clone(),
            },
            window: self.ui.window_size(),
            host: Some(form.host),
            room_title: (!form.room_title.is_empty()).then_some(form.room_title),
            seat: self.seat(),
        };
        if let Err(e) = now.save(path) {
            log::warn!("settings not saved to {}: {e}", path.display());
        }
        if let Some((_, saved)) = &mut self.settings {
            *saved = now;
        }
    }

    /// The remembered seat's secret, if it is for this server and name.
    pub(super) fn saved_seat(&self, server: &str, nick: &str) -> Option<String> {
        let (_, saved) = self.settings.as_ref()?;
        let seat = saved.seat.as_ref()?;
        (seat.server == server.trim() && seat.name == nick).then(|| seat.token.clone())
    }

    /// The seat to remember: the connected session's (not a hosted room's
    /// own, which ends with this process).
    fn seat(&self) -> Option<Seat> {
        let link = self.link.as_ref().filter(|_| self.host.is_none())?;
        let token = link.session().resume_token()?;
        let form = self.ui.login_form();
        Some(Seat {
            server: form.server.trim().to_owned(),
            name: link.session().nick().to_owned(),
            token: token.to_owned(),
        })
    }
}
