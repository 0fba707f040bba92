//! The UI adapter: the only code that touches Slint-generated types. It keeps
//! the list models the markup shows in step with the session.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use slint::{CloseRequestResponse, ComponentHandle, Model, ModelRc, SharedString, VecModel};

use super::session::{self, ConvKey, Entry, EntryKind, Session, Update};
use super::settings::ThemeChoice;
use super::tr;

slint::include_modules!();

/// Most lines kept per conversation; older ones scroll away for good.
pub const MAX_HISTORY: usize = 5000;

pub use rows::{format_time, name_index};
use rows::{message_item, natural_cmp, rank_item, History};

mod controller;
mod login;
mod rows;

use controller::call;
pub use controller::Controller;

/// The login form's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginForm {
    pub server: String,
    pub nick: String,
    pub password: String,
    pub host: bool,
    /// The hosted room's name (empty for none).
    pub room_title: String,
}

/// A host button's action in the session's terms.
fn host_action(action: HostAction, nick: &str, text: &str) -> session::HostAction {
    use session::HostAction as A;
    let (nick, text) = (nick.to_owned(), text.to_owned());
    match action {
        HostAction::Mute => A::Mute(nick),
        HostAction::Unmute => A::Unmute(nick),
        HostAction::Remove => A::Remove { nick, reason: text },
        HostAction::Ban => A::Ban { nick, reason: text },
        HostAction::Unban => A::Unban(text),
        HostAction::PrivateChats => A::PrivateChats(session::PrivateChats::parse(&text)),
        HostAction::MakeHost => A::MakeHost(nick),
        HostAction::RemoveHost => A::RemoveHost(nick),
        HostAction::MuteEveryone => A::MuteEveryone(true),
        HostAction::UnmuteEveryone => A::MuteEveryone(false),
        HostAction::Lock => A::Lock(true),
        HostAction::Unlock => A::Lock(false),
        HostAction::SetPassword => A::Password(Some(text)),
        HostAction::ClearPassword => A::Password(None),
        HostAction::PinNotice => A::PinNotice(text),
    }
}

/// The window and the models behind its lists.
pub struct Ui {
    window: AppWindow,
    /// Restarted by each batch of changes; fires once they settle.
    settled: slint::Timer,
    histories: HashMap<ConvKey, Rc<History>>,
    /// Lines ever shown per conversation (the view's "new messages" counter).
    shown: HashMap<ConvKey, i32>,
    shown_key: Option<ConvKey>,
    conversations: Rc<VecModel<ConversationItem>>,
    members: Rc<VecModel<MemberItem>>,
    /// The member whose host actions are open ("⋯"), folded.
    selected: Option<String>,
    /// Messages from others since the window was last in front.
    unread: i32,
    /// Times the taskbar was asked to flash (a mention or private message
    /// in the background); counted so that tests can see it.
    attention_requests: u32,
    /// The system's light or dark mode, read while the palette still
    /// followed it (see [`Ui::set_theme`]).
    system_scheme: Option<slint::language::ColorScheme>,
    /// A palette was set: Palette.color-scheme no longer tells the system's.
    theme_forced: bool,
}

impl Ui {
    pub fn new() -> Result<Ui, slint::PlatformError> {
        let window = AppWindow::new()?;
        let conversations = Rc::new(VecModel::default());
        let members = Rc::new(VecModel::default());
        let chat = window.global::<ChatAdapter>();
        chat.set_conversations(ModelRc::from(conversations.clone()));
        chat.set_members(ModelRc::from(members.clone()));
        let names: Vec<SharedString> = tr::languages().iter().map(|l| l.name.into()).collect();
        window
            .global::<LoginAdapter>()
            .set_languages(ModelRc::from(Rc::new(VecModel::from(names))));
        // Banter's own version beside Slint's in the About card.
        window
            .global::<AboutInfo>()
            .set_version(env!("CARGO_PKG_VERSION").into());
        Ok(Ui {
            window,
            histories: HashMap::new(),
            shown: HashMap::new(),
            shown_key: None,
            conversations,
            members,
            selected: None,
            unread: 0,
            attention_requests: 0,
            settled: slint::Timer::default(),
            system_scheme: None,
            theme_forced: false,
        })
    }

    pub fn window(&self) -> &AppWindow {
        &self.window
    }

    fn login(&self) -> LoginAdapter<'_> {
        self.window.global::<LoginAdapter>()
    }

    fn chat(&self) -> ChatAdapter<'_> {
        self.window.global::<ChatAdapter>()
    }

    /// Routes every callback of the window to `controller`.
    pub fn wire<C: Controller>(&self, controller: Weak<RefCell<C>>) {
        let login = self.login();
        let c = controller.clone();
        login.on_connect(move || call(&c, |c| c.connect()).unwrap_or_default());
        let c = controller.clone();
        login.on_join_found(move |i| {
            call(&c, |c| c.join_found(i.max(0) as usize)).unwrap_or_default()
        });
        let c = controller.clone();
        // A ComboBox with nothing chosen says -1: no choice, not the first.
        login.on_choose_language(move |i| {
            if let Ok(i) = usize::try_from(i) {
                call(&c, |c| c.choose_language(i)).unwrap_or_default()
            }
        });
        let c = controller.clone();
        login.on_choose_theme(move |i| {
            if let Ok(i) = usize::try_from(i) {
                call(&c, |c| c.choose_theme(i)).unwrap_or_default()
            }
        });
        let chat = self.chat();
        let c = controller.clone();
        chat.on_send(move |text| call(&c, |c| c.send(&text)).unwrap_or(false));
        let c = controller.clone();
        chat.on_close_conversation(move |i| {
            let i = usize::try_from(i).unwrap_or(usize::MAX);
            call(&c, |c| c.close_conversation(i)).unwrap_or_default()
        });
        let c = controller.clone();
        chat.on_select_conversation(move |i| {
            call(&c, |c| c.select_conversation(i.max(0) as usize)).unwrap_or_default()
        });
        let c = controller.clone();
        chat.on_open_private(move |nick| call(&c, |c| c.open_private(&nick)).unwrap_or_default());
        let c = controller.clone();
        chat.on_request_exit(move || call(&c, |c| c.request_exit()).unwrap_or_default());
        let c = controller.clone();
        chat.on_save_conversation(move || call(&c, |c| c.save_conversation()).unwrap_or_default());
        let c = controller.clone();
        chat.on_confirm_exit(move |leave| call(&c, |c| c.confirm_exit(leave)).unwrap_or_default());
        let c = controller.clone();
        chat.on_select_member(move |nick| call(&c, |c| c.select_member(&nick)).unwrap_or_default());
        let c = controller.clone();
        chat.on_host_action(move |action, nick, text| {
            let action = host_action(action, &nick, &text);
            call(&c, |c| c.host_action(action)).unwrap_or_default()
        });
        let c = controller.clone();
        chat.on_confirm_host(move |yes| call(&c, |c| c.confirm_host(yes)).unwrap_or_default());
        let c = controller.clone();
        chat.on_answer_invitation(move |join| {
            call(&c, |c| c.answer_invitation(join)).unwrap_or_default()
        });
        let c = controller.clone();
        chat.on_delete_message(move |msgid| {
            call(&c, |c| c.delete_message(&msgid)).unwrap_or_default()
        });
        // The message box grows with the lines typed (view only).
        let w = self.window.as_weak();
        chat.on_draft_edited(move |text| {
            if let Some(w) = w.upgrade() {
                let rows = text.lines().count().max(1) + usize::from(text.ends_with('\n'));
                w.global::<ChatAdapter>()
                    .set_draft_rows(i32::try_from(rows).unwrap_or(i32::MAX));
            }
        });
        let c = controller.clone();
        let w = self.window.as_weak();
        chat.on_complete_name(move |text| {
            let done = call(&c, |c| c.complete_name(&text)).flatten();
            match (done, w.upgrade()) {
                (Some(done), Some(w)) => {
                    let end = i32::try_from(done.len()).unwrap_or(i32::MAX);
                    w.global::<ChatAdapter>().set_completed_cursor(end);
                    done.into()
                }
                _ => text,
            }
        });
        let c = controller.clone();
        chat.on_open_link(move |url| call(&c, |c| c.open_link(&url)).unwrap_or_default());
        let c = controller.clone();
        chat.on_rejoin(move || call(&c, |c| c.rejoin()).unwrap_or_default());
        let c = controller.clone();
        chat.on_host_login(move |name, password| {
            call(&c, |c| c.host_login(&name, &password)).unwrap_or_default()
        });
        let c = controller;
        self.window.window().on_close_requested(move || {
            if call(&c, |c| c.close_requested()).unwrap_or(false) {
                CloseRequestResponse::KeepWindowShown
            } else {
                CloseRequestResponse::HideWindow
            }
        });
    }

    pub fn on_chat_screen(&self) -> bool {
        self.window.get_screen() == Screen::Chat
    }

    pub fn has_login_error(&self) -> bool {
        !self.login().get_error().is_empty()
    }

    pub fn hide(&self) {
        let _ = self.window.hide();
    }

    /// Shows the whole client in `code` (see [`tr::Language::code`]): the
    /// markup's bundled translation and the Rust-side texts. Texts already
    /// built (a login error, notices) stay as they were.
    pub fn set_language(&self, code: &str) {
        tr::set_language(code);
        let code = tr::language();
        // The bundle names English "" (the source); anything else by folder.
        let bundle = if code == tr::ENGLISH { "" } else { code };
        if let Err(e) = slint::select_bundled_translation(bundle) {
            log::warn!("no bundled translation for {code}: {e}");
        }
        let index = tr::languages().iter().position(|l| l.code == code);
        self.login().set_language_index(index.unwrap_or(0) as i32);
    }

    pub fn show_login_error(&self, text: &str) {
        let login = self.login();
        login.set_error(text.into());
        login.set_busy(false);
        self.window.set_screen(Screen::Login);
        self.window.invoke_focus_login();
    }

    /// Shows the palette `choice`, in our colours and the standard widgets'.
    ///
    /// Until the first call both follow the system's mode live, through
    /// Palette.color-scheme's own binding. Setting it replaces that binding
    /// for good, so the system's mode is read just before, and "System"
    /// afterwards shows that mode (or winit's answer when it was not yet
    /// known, light when neither knows). Both always get the same concrete
    /// scheme: handing the widgets `Unknown` would let them follow a source
    /// ours cannot read, and the two could disagree.
    pub fn set_theme(&mut self, choice: ThemeChoice) {
        use slint::language::ColorScheme;
        let palette = self.window.global::<Palette>();
        if !self.theme_forced {
            self.theme_forced = true;
            let now = palette.get_color_scheme();
            self.system_scheme = (now != ColorScheme::Unknown).then_some(now);
        }
        let dark = match choice {
            ThemeChoice::Light => false,
            ThemeChoice::Dark => true,
            ThemeChoice::System => match self.system_scheme {
                Some(scheme) => scheme == ColorScheme::Dark,
                None => self.winit_says_dark(),
            },
        };
        self.window.global::<Theme>().set_dark(dark);
        palette.set_color_scheme(if dark {
            ColorScheme::Dark
        } else {
            ColorScheme::Light
        });
        let index = ThemeChoice::ALL.iter().position(|c| *c == choice);
        self.login().set_theme_index(index.unwrap_or(0) as i32);
    }

    /// Whether winit reports the system in dark mode (no answer: no).
    fn winit_says_dark(&self) -> bool {
        use slint::winit_030::{winit::window::Theme as WinitTheme, WinitWindowAccessor};
        self.window
            .window()
            .with_winit_window(|w| w.theme() == Some(WinitTheme::Dark))
            .unwrap_or(false)
    }

    /// Whether the palette shown is the dark one.
    pub fn is_dark(&self) -> bool {
        self.window.global::<Theme>().get_dark()
    }

    pub fn set_busy(&self, busy: bool) {
        self.login().set_busy(busy);
        if busy {
            self.login().set_error(SharedString::new());
        }
    }

    pub fn set_banner(&self, text: &str) {
        self.chat().set_banner(text.into());
    }

    /// A closed private chat's lines go: opened again, it starts afresh.
    pub fn forget_conversation(&mut self, key: &str) {
        self.histories.remove(key);
        self.shown.remove(key);
    }

    /// The invitation bar: a room and its sentence, or none.
    pub fn show_invitation(&self, invitation: Option<(&str, &str)>) {
        let (room, text) = invitation.unwrap_or_default();
        self.chat().set_invitation(room.into());
        self.chat().set_invitation_text(text.into());
    }

    /// The room of the invitation on show, if any.
    pub fn invitation(&self) -> String {
        self.chat().get_invitation().to_string()
    }

    /// Asks the host to confirm (`Some((question, detail, button))`), or
    /// closes the question.
    pub fn ask_host_confirm(&self, ask: Option<(String, String, String)>) {
        let chat = self.chat();
        chat.set_confirm_host_open(ask.is_some());
        if let Some((question, detail, ok)) = ask {
            chat.set_confirm_host_question(question.into());
            chat.set_confirm_host_detail(detail.into());
            chat.set_confirm_host_ok(ok.into());
        }
    }

    pub fn set_hosting(&self, info: Option<String>) {
        self.chat().set_hosting(info.is_some());
        self.chat().set_host_info(info.unwrap_or_default().into());
    }

    /// Whether the window is the one in front. Slint 1.18 has no public
    /// call for it; its window keeps the state the platform reports (winit's
    /// focus events, or a test's `WindowActiveChanged`), and the version is
    /// pinned exactly, so the internal accessor is safe to use here.
    pub fn window_active(&self) -> bool {
        slint::private_unstable_api::re_exports::WindowInner::from_pub(self.window.window())
            .active()
    }

    /// The window came to the front: what was unread has been seen.
    pub fn seen(&mut self) {
        if self.unread != 0 {
            self.unread = 0;
            self.window.set_unread(0);
        }
    }

    pub fn attention_requests(&self) -> u32 {
        self.attention_requests
    }

    /// A message arrived: counted in the title while the window is in the
    /// background, and one that mentions you, or a private one, makes the
    /// taskbar ask for attention.
    fn notify(&mut self, entry: &Entry, private: bool, active: bool) {
        if entry.kind != EntryKind::Other || entry.past || active {
            return;
        }
        self.unread = self.unread.saturating_add(1);
        self.window.set_unread(self.unread);
        if entry.mention || private {
            self.attention_requests += 1;
            use slint::winit_030::{winit::window::UserAttentionType, WinitWindowAccessor};
            self.window.window().with_winit_window(|w| {
                w.request_user_attention(Some(UserAttentionType::Informational))
            });
        }
    }

    pub fn set_host_error(&self, text: &str) {
        self.chat().set_host_error(text.into());
    }

    /// Opens (or with `""` closes) the host actions for `nick`.
    pub fn select_member(&mut self, session: &Session, nick: &str) {
        let folded = (session.casemap())(nick);
        self.selected = (!nick.is_empty()).then_some(folded);
        self.set_host_error("");
        self.show_details(session);
    }

    pub fn set_input_error(&self, text: &str) {
        self.chat().set_input_error(text.into());
    }

    pub fn set_confirm_exit(&self, open: bool) {
        self.chat().set_confirm_exit_open(open);
        if !open {
            self.window.invoke_focus_chat();
        }
    }

    /// Reflects the session's updates on screen.
    pub fn apply(&mut self, session: &Session, updates: &[Update]) {
        let mut conversations_changed = false;
        // The member list and topic are rebuilt once per batch of updates,
        // not once per join or leave (a join storm would rebuild it per event).
        let mut details_changed = false;
        // Asked once per batch, and only when a message came.
        let mut window_active = None;
        for update in updates {
            match update {
                Update::Registered => {
                    self.window.set_screen(Screen::Chat);
                    self.login().set_busy(false);
                    self.login().set_error(SharedString::new());
                    self.set_banner("");
                    self.set_input_error("");
                    self.window.invoke_focus_chat();
                }
                Update::LoginFailed(error) => self.show_login_error(&error.to_string()),
                Update::Entry { key, entry } => {
                    let private = session.conversation(key).is_some_and(|c| c.private);
                    let active = *window_active.get_or_insert_with(|| self.window_active());
                    self.notify(entry, private, active);
                    self.push_entry(key, entry);
                }
                Update::Refused { key, id } => self.refused(key, *id),
                Update::ConversationsChanged => conversations_changed = true,
                Update::Renamed { from, to } => {
                    if let Some(h) = self.histories.remove(from) {
                        self.histories.insert(to.clone(), h);
                    }
                    if let Some(n) = self.shown.remove(from) {
                        self.shown.insert(to.clone(), n);
                    }
                    conversations_changed = true;
                }
                Update::MembersChanged(key) | Update::TopicChanged(key) => {
                    if session.active().is_some_and(|c| &c.key == key) {
                        details_changed = true;
                    }
                }
                Update::NickChanged => {
                    self.chat().set_my_nick(session.nick().into());
                    details_changed = true;
                }
                Update::ConfirmExit => self.set_confirm_exit(true),
                Update::Delivered {
                    key,
                    id,
                    time_ms,
                    msgid,
                } => self.delivered(key, *id, *time_ms, msgid.as_deref()),
                Update::Redacted { key, msgid, by } => self.redacted(key, msgid, by),
                Update::Invited { room, by } => {
                    let text = tr::INVITED_YOU.fill(&[("by", by), ("room", room)]);
                    self.show_invitation(Some((room, &text)));
                }
                Update::Quit | Update::ConnectionDead | Update::ResumeTokenChanged => {}
            }
        }
        // The open room's details (members, topic, host controls) are
        // rebuilt when they or the open conversation changed, not for every
        // unread count in another room.
        let switched = conversations_changed && self.show_conversations(session);
        if switched || details_changed {
            self.show_details(session);
        }
        if !updates.is_empty() {
            self.settle();
        }
    }

    /// Once a burst of changes has settled (a class leaving at once), the
    /// whole window is painted again. With winit's software renderer on X11
    /// a burst could leave a region stale ("40 people in the room" above a
    /// list of one) until something repainted the window: its partial
    /// renderer took the region for clean, so a later redraw request did
    /// not help, and Slint's own minimal software window never shows it
    /// (tests/ui_repaint.rs). One full repaint per quiet moment costs
    /// little; the cause is left to Slint.
    fn settle(&self) {
        let window = self.window.as_weak();
        self.settled.start(
            slint::TimerMode::SingleShot,
            std::time::Duration::from_millis(250),
            move || {
                if let Some(w) = window.upgrade() {
                    w.set_repaint_all(!w.get_repaint_all());
                }
            },
        );
    }

    /// The open conversation's lines as a transcript shows them.
    pub fn transcript_lines(&mut self) -> Vec<crate::server::transcript::Line> {
        let Some(key) = self.shown_key.clone() else {
            return Vec::new();
        };
        let history = self.history(&key);
        let rows = history.rows.borrow();
        rows.iter()
            .map(|item| {
                let text = if item.action {
                    format!("* {} {}", item.nick, item.text)
                } else {
                    item.text.to_string()
                };
                let who = match item.kind {
                    MessageKind::Notice => String::new(),
                    _ if item.action => String::new(),
                    _ => item.nick.to_string(),
                };
                crate::server::transcript::Line {
                    when: item.time.to_string(),
                    who,
                    text,
                }
            })
            .collect()
    }

    /// Our pending line `id` reached the server: it shows its time now, and
    /// moves after what others said meanwhile (lines fetched after a
    /// reconnect, say), which is where the server put it.
    fn delivered(&mut self, key: &str, id: u64, time_ms: u64, msgid: Option<&str>) {
        let Ok(id) = i32::try_from(id) else { return };
        let history = self.history(key);
        // Pending lines are among the newest: search from the end.
        for row in (0..history.row_count()).rev() {
            let Some(mut item) = history.row_data(row) else {
                continue;
            };
            if item.pending && item.local_id == id {
                item.pending = false;
                item.local_id = 0;
                item.time = format_time(time_ms).into();
                item.msgid = msgid.unwrap_or_default().into();
                if row + 1 == history.row_count() {
                    history.set_row_data(row, item);
                } else {
                    history.remove(row);
                    history.push(item);
                }
                return;
            }
        }
    }

    /// Message `msgid` was deleted by `by`: its text goes from the screen,
    /// and a line says who deleted it.
    fn redacted(&mut self, key: &str, msgid: &str, by: &str) {
        let history = self.history(key);
        for row in (0..history.row_count()).rev() {
            let Some(item) = history.row_data(row) else {
                continue;
            };
            if item.msgid == msgid {
                history.set_row_data(
                    row,
                    MessageItem {
                        kind: MessageKind::Notice,
                        text: tr::MESSAGE_DELETED_BY.fill(&[("by", &by)]).into(),
                        msgid: SharedString::new(),
                        nick: SharedString::new(),
                        action: false,
                        mention: false,
                        rank: Rank::Member,
                        ..item
                    },
                );
                return;
            }
        }
    }

    /// The server refused our pending line `id`: it goes (a notice in the
    /// conversation says what and why).
    fn refused(&mut self, key: &str, id: u64) {
        let Ok(id) = i32::try_from(id) else { return };
        let history = self.history(key);
        for row in (0..history.row_count()).rev() {
            if history
                .row_data(row)
                .is_some_and(|item| item.pending && item.local_id == id)
            {
                history.remove(row);
                return;
            }
        }
    }

    fn history(&mut self, key: &str) -> Rc<History> {
        self.histories
            .entry(key.to_owned())
            .or_insert_with(|| Rc::new(History::default()))
            .clone()
    }

    fn push_entry(&mut self, key: &str, entry: &Entry) {
        let history = self.history(key);
        // While the reader has scrolled back in this conversation, keep up to
        // twice the cap so the lines they read do not move; otherwise cap it.
        let reading_back = self.shown_key.as_deref() == Some(key) && self.chat().get_reading_back();
        let cap = if reading_back {
            2 * MAX_HISTORY
        } else {
            MAX_HISTORY
        };
        while history.row_count() >= cap {
            history.remove(0);
        }
        history.push(message_item(entry));
        let shown = self.shown.entry(key.to_owned()).or_insert(0);
        *shown += 1;
        let shown = *shown;
        if self.shown_key.as_deref() == Some(key) {
            self.chat().set_message_count(shown);
        }
    }

    /// The list of conversations; whether the open one changed.
    fn show_conversations(&mut self, session: &Session) -> bool {
        let items: Vec<ConversationItem> = session
            .conversations()
            .iter()
            .map(|c| ConversationItem {
                title: c.name.as_str().into(),
                private: c.private,
                unread: c.unread as i32,
            })
            .collect();
        // The narrow window's "☰" shows what waits in the other conversations.
        let elsewhere = items
            .iter()
            .map(|c| c.unread.max(0))
            .fold(0i32, i32::saturating_add);
        self.chat().set_unread_elsewhere(elsewhere);
        self.conversations.set_vec(items);
        self.chat()
            .set_active_conversation(session.active_index() as i32);
        let active = session.active().map(|c| c.key.clone());
        if active != self.shown_key {
            self.selected = None;
            if let Some(key) = &active {
                let history = self.history(key);
                self.chat().set_messages(ModelRc::from(history));
                self.chat()
                    .set_message_count(self.shown.get(key).copied().unwrap_or(0));
            } else {
                self.chat().set_messages(ModelRc::default());
            }
            self.shown_key = active;
            self.window.invoke_focus_chat();
            return true;
        }
        false
    }

    fn show_details(&mut self, session: &Session) {
        let chat = self.chat();
        let Some(conv) = session.active() else {
            chat.set_room_title(SharedString::new());
            chat.set_topic(SharedString::new());
            chat.set_i_am_host(false);
            chat.set_room_muted(false);
            chat.set_room_locked(false);
            chat.set_room_has_password(false);
            chat.set_removed(false);
            chat.set_cannot_talk(SharedString::new());
            chat.set_selected_member(SharedString::new());
            self.selected = None;
            self.members.set_vec(Vec::new());
            return;
        };
        let title = if conv.private {
            tr::PRIVATE_CHAT_WITH.fill(&[("nick", &conv.name)])
        } else {
            conv.name.clone()
        };
        // The window is titled by the conversation on show, not by us.
        let window_title =
            tr::CHAT_TITLE.fill(&[("conversation", &title), ("nick", &session.nick())]);
        self.window.set_chat_title(window_title.into());
        chat.set_room_title(title.into());
        chat.set_topic(conv.topic.as_str().into());
        let casemap = session.casemap();
        let me = casemap(session.nick());
        let hosting = session.hosting_active();
        chat.set_i_am_host(hosting);
        chat.set_i_am_owner(session.rank_in(conv, &me) >= session::Rank::Owner);
        chat.set_can_delete(session.can_delete());
        chat.set_room_muted(conv.modes.moderated);
        chat.set_room_locked(conv.modes.locked);
        chat.set_room_has_password(conv.modes.password);
        chat.set_private_chats(match conv.modes.private_chats {
            session::PrivateChats::Anyone => 0,
            session::PrivateChats::Hosts => 1,
            session::PrivateChats::Off => 2,
        });
        let bans: Vec<SharedString> = conv.modes.bans.iter().map(SharedString::from).collect();
        chat.set_bans(ModelRc::from(Rc::new(VecModel::from(bans))));
        chat.set_removed(conv.removed.is_some());
        chat.set_cannot_talk(session.cannot_talk(conv).unwrap_or_default().into());
        let mut members: Vec<(session::Rank, MemberItem)> = conv
            .members
            .iter()
            .map(|(key, m)| {
                let rank = session.rank_in(conv, key);
                let item = MemberItem {
                    nick: m.nick.as_str().into(),
                    name_index: name_index(&m.nick),
                    is_me: *key == me,
                    host: m.host,
                    rank: rank_item(rank),
                    muted: conv.is_muted(m, casemap),
                };
                (rank, item)
            })
            .collect();
        // The teacher (or owner) first, then co-hosts, then everyone by
        // name, numbers as numbers (学生2 before 学生10).
        members.sort_by(|(r, a), (s, b)| s.cmp(r).then_with(|| natural_cmp(&a.nick, &b.nick)));
        let members: Vec<MemberItem> = members.into_iter().map(|(_, m)| m).collect();
        self.members.set_vec(members);
        // The member whose actions are open, while they are still here.
        let selected = self
            .selected
            .as_ref()
            .filter(|_| hosting)
            .and_then(|k| conv.members.get(k));
        match selected {
            Some(m) => {
                chat.set_selected_member(m.nick.as_str().into());
                chat.set_selected_muted(conv.is_muted(m, casemap));
                chat.set_selected_host(m.host);
            }
            None => {
                chat.set_selected_member(SharedString::new());
                self.selected = None;
            }
        }
    }
}
