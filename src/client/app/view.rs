//! What the controller needs of a window ([`View`]) and of the world around
//! it ([`Env`]), as traits: the Slint adapter and the real system implement
//! them for the program, and tests give the controller fakes, so that
//! everything it decides is tested without a window (as Slint's todo-mvc
//! example does).

use std::path::PathBuf;
use std::sync::Arc;

use super::save::{self, Transcript};
use crate::client::discovery::Found;
use crate::client::session::{Session, Update};
use crate::client::settings::ThemeChoice;
use crate::client::ui::{LoginForm, Ui};
use crate::server::transcript::Line;

/// The window as the controller sees it: plain Rust in and out.
pub trait View {
    // The login screen.
    fn login_form(&self) -> LoginForm;
    fn fill_login(&self, server: Option<&str>, nick: Option<&str>, host: bool);
    fn fill_room_title(&self, title: &str);
    fn show_login_error(&self, text: &str);
    fn has_login_error(&self) -> bool;
    /// A note above the form (the saved settings could not be read).
    fn set_login_notice(&self, text: &str);
    fn focus_login(&self);
    fn show_found_rooms(&self, rooms: &[Found]);
    /// Logging in: the form waits.
    fn set_busy(&self, busy: bool);

    // The chat screen.
    /// What the session changed, shown (the chat screen opens on login).
    fn apply(&mut self, session: &Session, updates: &[Update]);
    fn on_chat_screen(&self) -> bool;
    /// "You are hosting…" beside the conversations, or nothing.
    fn set_hosting(&self, info: Option<String>);
    /// Connection trouble over the chat (empty: none).
    fn set_banner(&self, text: &str);
    /// Why the last line typed was not sent (empty: nothing to say).
    fn set_input_error(&self, text: &str);
    fn set_host_error(&self, text: &str);
    fn set_confirm_exit(&self, open: bool);
    /// "Remove …?" or "Ban …?": question, detail, the yes button's text.
    fn ask_host_confirm(&self, ask: Option<(String, String, String)>);
    /// An invitation bar: the room and the sentence, or none.
    fn show_invitation(&self, invitation: Option<(&str, &str)>);
    /// The room of the invitation shown ("" for none).
    fn invitation(&self) -> String;
    fn select_member(&mut self, session: &Session, nick: &str);
    fn forget_conversation(&mut self, key: &str);
    /// The open conversation's lines, for saving.
    fn transcript_lines(&mut self) -> Vec<Line>;

    // The window itself.
    fn hide(&self);
    fn set_language(&self, code: &str);
    fn set_theme(&mut self, choice: ThemeChoice);
    fn is_dark(&self) -> bool;
    fn window_active(&self) -> bool;
    /// The window came to the front: what was unread has been seen.
    fn seen(&mut self);
    fn attention_requests(&self) -> u32;
    /// The window's size in logical pixels, to remember.
    fn window_size(&self) -> Option<(u32, u32)>;
}

/// The world around the controller: time, waking the UI thread from
/// others, and the platform's save dialog.
pub trait Env {
    fn now_ms(&self) -> u64;
    /// What a worker thread calls to have the UI thread run the
    /// controller's `pump` soon.
    fn waker(&self) -> Arc<dyn Fn() + Send + Sync>;
    /// Asks where to save `what` and writes it there, off the UI thread;
    /// `done` gets the sentence to show (`None`: the person cancelled).
    fn save(&self, what: Transcript, done: Box<dyn FnOnce(Option<String>) + Send>);
    /// Opens a web address in the system's browser.
    fn open_url(&self, url: &str) -> Result<(), String>;
    /// Opens an `irc://` link to another server in a new Banter window.
    fn open_in_new_window(&self, link: &str) -> Result<(), String>;
}

/// The real system: the clock, Slint's event loop, the platform's dialog.
pub struct System;

impl Env for System {
    fn now_ms(&self) -> u64 {
        crate::clock::unix_ms()
    }

    fn waker(&self) -> Arc<dyn Fn() + Send + Sync> {
        Arc::new(super::wake_ui_thread)
    }

    fn save(&self, what: Transcript, done: Box<dyn FnOnce(Option<String>) + Send>) {
        // Where a file goes when no dialog can open: Documents, else home.
        let fallback = directories::UserDirs::new().map(|d| {
            d.document_dir()
                .map_or_else(|| d.home_dir().to_path_buf(), PathBuf::from)
        });
        save::save_in_background(what, fallback, done);
    }

    fn open_url(&self, url: &str) -> Result<(), String> {
        // webbrowser (already in the build through Slint) knows each
        // system's way: xdg-open and the desktop's own, ShellExecute.
        webbrowser::open(url).map_err(|e| e.to_string())
    }

    fn open_in_new_window(&self, link: &str) -> Result<(), String> {
        let me = std::env::current_exe().map_err(|e| e.to_string())?;
        std::process::Command::new(me)
            .arg(link)
            .spawn()
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// The Slint adapter is the program's view.
impl View for Ui {
    fn login_form(&self) -> LoginForm {
        Ui::login_form(self)
    }
    fn fill_login(&self, server: Option<&str>, nick: Option<&str>, host: bool) {
        Ui::fill_login(self, server, nick, host)
    }
    fn fill_room_title(&self, title: &str) {
        Ui::fill_room_title(self, title)
    }
    fn show_login_error(&self, text: &str) {
        Ui::show_login_error(self, text)
    }
    fn has_login_error(&self) -> bool {
        Ui::has_login_error(self)
    }
    fn set_login_notice(&self, text: &str) {
        Ui::set_login_notice(self, text)
    }
    fn focus_login(&self) {
        Ui::focus_login(self)
    }
    fn show_found_rooms(&self, rooms: &[Found]) {
        Ui::show_found_rooms(self, rooms)
    }
    fn set_busy(&self, busy: bool) {
        Ui::set_busy(self, busy)
    }
    fn apply(&mut self, session: &Session, updates: &[Update]) {
        Ui::apply(self, session, updates)
    }
    fn on_chat_screen(&self) -> bool {
        Ui::on_chat_screen(self)
    }
    fn set_hosting(&self, info: Option<String>) {
        Ui::set_hosting(self, info)
    }
    fn set_banner(&self, text: &str) {
        Ui::set_banner(self, text)
    }
    fn set_input_error(&self, text: &str) {
        Ui::set_input_error(self, text)
    }
    fn set_host_error(&self, text: &str) {
        Ui::set_host_error(self, text)
    }
    fn set_confirm_exit(&self, open: bool) {
        Ui::set_confirm_exit(self, open)
    }
    fn ask_host_confirm(&self, ask: Option<(String, String, String)>) {
        Ui::ask_host_confirm(self, ask)
    }
    fn show_invitation(&self, invitation: Option<(&str, &str)>) {
        Ui::show_invitation(self, invitation)
    }
    fn invitation(&self) -> String {
        Ui::invitation(self)
    }
    fn select_member(&mut self, session: &Session, nick: &str) {
        Ui::select_member(self, session, nick)
    }
    fn forget_conversation(&mut self, key: &str) {
        Ui::forget_conversation(self, key)
    }
    fn transcript_lines(&mut self) -> Vec<Line> {
        Ui::transcript_lines(self)
    }
    fn hide(&self) {
        Ui::hide(self)
    }
    fn set_language(&self, code: &str) {
        Ui::set_language(self, code)
    }
    fn set_theme(&mut self, choice: ThemeChoice) {
        Ui::set_theme(self, choice)
    }
    fn is_dark(&self) -> bool {
        Ui::is_dark(self)
    }
    fn window_active(&self) -> bool {
        Ui::window_active(self)
    }
    fn seen(&mut self) {
        Ui::seen(self)
    }
    fn attention_requests(&self) -> u32 {
        Ui::attention_requests(self)
    }
    fn window_size(&self) -> Option<(u32, u32)> {
        use slint::ComponentHandle;
        let window = self.window().window();
        let size = window.size().to_logical(window.scale_factor());
        Some((size.width.round() as u32, size.height.round() as u32))
    }
}
