//! What the window asks of the controller ([`Controller`]), and how a
//! callback reaches it without borrowing it twice.

use std::cell::RefCell;
use std::rc::Weak;

use crate::client::session;

/// What the window asks of the controller, in plain Rust: the controller
/// never sees a generated type.
pub trait Controller: 'static {
    /// "Connect" on the login form.
    fn connect(&mut self);
    /// A click on a room found on the network.
    fn join_found(&mut self, index: usize);
    fn choose_language(&mut self, index: usize);
    /// The theme selector: an index into [`ThemeChoice::ALL`].
    fn choose_theme(&mut self, index: usize);
    /// A line typed in the chat; `true` when it was taken (the box clears).
    fn send(&mut self, text: &str) -> bool;
    fn select_conversation(&mut self, index: usize);
    /// × on a private chat.
    fn close_conversation(&mut self, index: usize);
    fn open_private(&mut self, nick: &str);
    /// "Exit", or closing the window on the chat screen.
    fn request_exit(&mut self);
    /// The window's close button: `true` keeps the window (it asks first).
    fn close_requested(&mut self) -> bool;
    fn confirm_exit(&mut self, leave: bool);
    fn save_conversation(&mut self);
    /// "⋯" beside a member (an empty name closes the host actions).
    fn select_member(&mut self, nick: &str);
    fn host_action(&mut self, action: session::HostAction);
    /// The answer to "Remove …?" or "Ban …?".
    fn confirm_host(&mut self, yes: bool);
    /// "Delete" on a message (its server id).
    fn delete_message(&mut self, msgid: &str);
    /// A click on a link in a message.
    fn open_link(&mut self, url: &str);
    /// Tab in the message box: the text with a name completed, if one fits.
    fn complete_name(&mut self, text: &str) -> Option<String>;
    /// **Join** (true) or × on an invitation.
    fn answer_invitation(&mut self, join: bool);
    /// "Join again" after being removed.
    fn rejoin(&mut self);
    /// "Log in as host" with the server's operator name and password.
    fn host_login(&mut self, name: &str, password: &str);
}

/// Runs `f` on the controller if it is still alive and not busy: a click
/// that arrives while a callback runs a nested event loop (a platform
/// dialog shown from the UI thread) is dropped rather than borrowed twice.
pub(super) fn call<C: Controller, R>(
    c: &Weak<RefCell<C>>,
    f: impl FnOnce(&mut C) -> R,
) -> Option<R> {
    let c = c.upgrade()?;
    let mut c = c.try_borrow_mut().ok()?;
    Some(f(&mut c))
}
