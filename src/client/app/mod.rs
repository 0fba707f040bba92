//! The client controller: owns the session, the socket worker, the hosted
//! server and the UI adapter on the UI thread, and answers the window's
//! requests ([`Controller`](super::ui::Controller), in `controller.rs`). It
//! sees the window through [`View`] and the world through [`Env`] (`view.rs`),
//! never a generated Slint type: the adapter in `ui/` does. What is
//! remembered between runs is in `remember.rs`, saving a conversation in
//! `save.rs`.
//!
//! The worker's events cross to the UI thread through a channel; the worker
//! wakes the UI with `invoke_from_event_loop`, and the controller drains the
//! channel there, so all state stays on one thread.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use slint::ComponentHandle;

use super::discovery::{self, Found};
use super::host::{self, Host};
use super::link::{Link, LinkEvent};
use super::session::{HostAction, Session, Update};
use super::settings::{Settings, ThemeChoice};
use super::tr;
use super::ui::{AppWindow, Ui};
use crate::proto::discovery::{Mode, DISCOVERY_PORT};
use crate::proto::names::{check_scripts, validate_nick, NameError};
use crate::server::Config;

mod controller;
mod remember;
mod save;
mod view;

pub use save::Transcript;
pub use view::{Env, System, View};

/// The room everyone lands in.
pub const DEFAULT_ROOM: &str = "#lobby";
const DEFAULT_PORT: u16 = 6667;

thread_local! {
    /// The controller of this UI thread, for wake-ups from the worker.
    static CURRENT: RefCell<Weak<RefCell<App>>> = const { RefCell::new(Weak::new()) };
}

/// What the binary read from its environment for the controller (see
/// [`crate::env`]): passed in, so that the controller never reads the
/// process's environment and its tests need not change it.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the login screen looks for rooms, and where a room hosted from
    /// this window answers those who look.
    pub discovery: Mode,
    /// A language forced for this run, over the system's (a code or locale
    /// such as `zh_CN`).
    pub language: Option<String>,
    /// The folder where a room hosted from this window keeps its history
    /// (`hosted-history.sqlite3`), so that the next lesson sees the last;
    /// `None` keeps it in memory only.
    pub data_dir: Option<PathBuf>,
    /// The address a hosted room listens on: `None` for every interface
    /// (others on the network join), loopback to keep it to this computer.
    pub host_ip: Option<IpAddr>,
}

/// See the module doc.
pub struct App {
    ui: Box<dyn View>,
    /// The Slint window behind `ui`, when it is one (not in tests).
    window: Option<AppWindow>,
    env: Box<dyn Env>,
    /// Sentences finished off the UI thread (where a file was saved),
    /// shown at the next pump.
    notes: (Sender<String>, Receiver<String>),
    /// Where discovery may look and answer.
    discovery: Mode,
    /// The session and its connection, once the user connected.
    link: Option<Link>,
    host: Option<Host>,
    closed: bool,
    /// Once a second: the session checks that the connection still answers
    /// (the program's; tests call [`App::tick`]).
    keepalive: Option<slint::Timer>,
    /// The room joined after logging in (and hosted): from the command line
    /// or a room found on the network. `None` joins the server's own room
    /// (see [`Session::with_server_room`]) and hosts `#lobby`.
    room: Option<String>,
    /// Rooms found on the network, as listed on the login screen.
    found: Vec<Found>,
    /// While set, the discovery thread looks for rooms (the login screen is up).
    looking: Arc<AtomicBool>,
    /// Tells the discovery thread to end.
    stop_looking: Arc<AtomicBool>,
    /// The palette the reader picked in this run, if any: only a pick
    /// replaces the remembered one.
    picked_theme: Option<ThemeChoice>,
    /// See [`Options::data_dir`].
    data_dir: Option<PathBuf>,
    /// See [`Options::host_ip`].
    host_ip: Option<IpAddr>,
    /// A Remove or Ban waiting for the host's yes.
    pending_host_action: Option<HostAction>,
    /// Where the settings are kept, and what was loaded from there: saved
    /// again after each login that succeeds and at exit, so that a crash
    /// or a power cut loses nothing typed in the form.
    settings: Option<(PathBuf, Settings)>,
    /// A hosted room closing, for [`App::wait_for_hosted_room`].
    stopping: Option<host::Stopping>,
    /// The server connected to, as `host:port` (an irc:// link to it joins
    /// its room here rather than in a new window).
    connected_to: Option<String>,
    /// The last Tab completion, which the next Tab continues.
    completion: Option<crate::client::session::Completion>,
}

/// Where to host: the port from `host:port` (6667 if none), on `ip` (every
/// interface for `None`).
fn host_bind_addr(field: &str, ip: Option<IpAddr>) -> Result<SocketAddr, String> {
    let field = field.trim();
    let port = match field.rsplit_once(':') {
        Some((_, p)) => p
            .parse::<u16>()
            .map_err(|_| tr::NOT_A_PORT.fill(&[("port", &p)]))?,
        None if field.is_empty() => DEFAULT_PORT,
        None => field.parse::<u16>().unwrap_or(DEFAULT_PORT),
    };
    Ok(SocketAddr::new(
        ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        port,
    ))
}

/// The hosted room's history, in [`Options::data_dir`].
pub const HOSTED_HISTORY_FILE: &str = "hosted-history.sqlite3";

/// A room's title as typed: one line, at most 60 bytes (cut at a
/// character), as the list of rooms on the network shows it.
fn room_title(typed: &str) -> String {
    let line: String = typed.chars().filter(|c| !c.is_control()).collect();
    let mut end = line.len().min(60);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].trim().to_owned()
}

/// Has the UI thread's controller take what the worker reported: the
/// program's [`Env::waker`]. A controller busy in a callback leaves it for
/// the next wake-up or the one-second tick.
fn wake_ui_thread() {
    // A failed wake-up means the event loop is gone.
    let _ = slint::invoke_from_event_loop(|| {
        if let Some(app) = CURRENT.with(|c| c.borrow().upgrade()) {
            if let Ok(mut app) = app.try_borrow_mut() {
                app.pump();
            }
        }
    });
}

impl App {
    /// Builds the window (not shown yet) and wires every callback.
    pub fn new(options: Options) -> Result<Rc<RefCell<App>>, slint::PlatformError> {
        let ui = Ui::new()?;
        let window = ui.window().clone_strong();
        let language = options.language.clone();
        let app = Rc::new_cyclic(|controller: &Weak<RefCell<App>>| {
            ui.wire(controller.clone());
            let mut app = App::build(Box::new(ui), Box::new(System), options);
            app.window = Some(window);
            RefCell::new(app)
        });
        Self::start_looking(&app.borrow());
        CURRENT.with(|c| *c.borrow_mut() = Rc::downgrade(&app));
        let weak = Rc::downgrade(&app);
        let keepalive = slint::Timer::default();
        keepalive.start(
            slint::TimerMode::Repeated,
            std::time::Duration::from_secs(1),
            move || {
                // Busy (a nested event loop runs inside a callback): the
                // next tick will do.
                if let Some(app) = weak.upgrade() {
                    if let Ok(mut app) = app.try_borrow_mut() {
                        app.tick();
                    }
                }
            },
        );
        app.borrow_mut().keepalive = Some(keepalive);
        app.borrow()
            .set_language(tr::initial_language(language.as_deref()));
        Ok(app)
    }

    /// A controller for `view` in `env`, with no window, timer or discovery
    /// of its own: tests drive it through [`Controller`], [`App::pump`] and
    /// [`App::tick`].
    pub fn with_view(view: Box<dyn View>, env: Box<dyn Env>, options: Options) -> App {
        App::build(view, env, options)
    }

    fn build(ui: Box<dyn View>, env: Box<dyn Env>, options: Options) -> App {
        App {
            ui,
            window: None,
            env,
            notes: mpsc::channel(),
            discovery: options.discovery,
            link: None,
            host: None,
            closed: false,
            keepalive: None,
            room: None,
            found: Vec::new(),
            looking: Arc::new(AtomicBool::new(true)),
            stop_looking: Arc::new(AtomicBool::new(false)),
            picked_theme: None,
            data_dir: options.data_dir,
            host_ip: options.host_ip,
            pending_host_action: None,
            settings: None,
            stopping: None,
            connected_to: None,
            completion: None,
        }
    }

    /// Once a second: what was unread is seen when the window is in front,
    /// the session checks its connection (and paces its lines), and what a
    /// busy wake-up skipped is taken.
    pub fn tick(&mut self) {
        if self.ui.window_active() {
            self.ui.seen();
        }
        let now = self.env.now_ms();
        self.with_session(|s| s.tick(now));
        self.pump();
    }

    /// Shows the client in language `code` (`en`, `zh_CN`, ... see
    /// [`tr::languages`]); an unknown code means English. The login screen's
    /// selector calls this too; a saved setting can call it at start.
    pub fn set_language(&self, code: &str) {
        self.ui.set_language(code);
    }

    /// The code of the language shown, for saving as a setting.
    pub fn language(&self) -> &'static str {
        tr::language()
    }

    /// Looks for rooms on the network every few seconds while the login
    /// screen is up (the discovery mode says where queries may go). The
    /// thread is never joined: it ends by itself within seconds of
    /// `stop_looking`, so closing the window never waits for it.
    fn start_looking(&self) {
        let mode = self.discovery;
        if mode == Mode::Off {
            return;
        }
        let (looking, stop) = (Arc::clone(&self.looking), Arc::clone(&self.stop_looking));
        let spawned = std::thread::Builder::new()
            .name("banter-discovery".into())
            .spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    if looking.load(Ordering::SeqCst) {
                        match discovery::scan(mode, DISCOVERY_PORT, Duration::from_secs(1)) {
                            Ok(rooms) => {
                                let _ = slint::invoke_from_event_loop(move || {
                                    if let Some(app) = CURRENT.with(|c| c.borrow().upgrade()) {
                                        if let Ok(mut app) = app.try_borrow_mut() {
                                            app.show_found(rooms);
                                        }
                                    }
                                });
                            }
                            Err(e) => log::debug!("discovery: {e}"),
                        }
                    }
                    for _ in 0..20 {
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            });
        if let Err(e) = spawned {
            log::warn!("rooms on this network will not be listed: {e}");
        }
    }

    fn show_found(&mut self, rooms: Vec<Found>) {
        if rooms != self.found {
            self.ui.show_found_rooms(&rooms);
            self.found = rooms;
        }
    }

    /// One click on a room found on the network: its address goes into the
    /// form, and with a name typed it logs in at once.
    fn join_found(&mut self, index: usize) {
        let Some(room) = self.found.get(index) else {
            return;
        };
        self.ui
            .fill_login(Some(&room.addr.to_string()), None, false);
        if !room.info.room.is_empty() {
            self.room = Some(room.info.room.clone());
        }
        if self.ui.login_form().nick.is_empty() {
            self.ui.focus_login();
        } else {
            self.connect();
        }
    }

    /// "Save…": the open conversation as it is now, saved where the person
    /// picks (as HTML for a `.html` name, text otherwise) by a thread of its
    /// own, so the window keeps drawing and the connection keeps answering
    /// while the dialog is open; the conversation then says where it went.
    fn save_conversation(&mut self) {
        let Some(session) = self.link.as_ref().map(Link::session) else {
            return;
        };
        let Some(conv) = session.active() else {
            return;
        };
        let what = save::Transcript {
            title: conv.name.clone(),
            lines: self.ui.transcript_lines(),
        };
        let (notes, wake) = (self.notes.0.clone(), self.env.waker());
        self.env.save(
            what,
            Box::new(move |note| {
                if let Some(note) = note {
                    if notes.send(note).is_ok() {
                        wake();
                    }
                }
            }),
        );
    }

    /// Fills the login form (from the command line or remembered settings),
    /// and logs in at once when asked to.
    pub fn launch(&mut self, launch: &crate::client::launch::Launch, at_once: bool) {
        self.ui.fill_login(
            launch.server.as_deref(),
            launch.name.as_deref(),
            launch.host,
        );
        if let Some(room) = &launch.room {
            self.room = Some(room.clone());
        }
        if at_once {
            self.connect();
        }
    }

    /// The saved settings could not be read (`why`): said on the login
    /// screen, where the form starts from the defaults.
    pub fn settings_unreadable(&self, why: &str) {
        self.ui
            .set_login_notice(&tr::SETTINGS_UNREADABLE.fill(&[("reason", &why)]));
    }

    /// Shows the palette `choice` (the default follows the system).
    pub fn set_theme(&mut self, choice: ThemeChoice) {
        self.ui.set_theme(choice);
    }

    /// The palette the reader picked in the theme selector during this run.
    pub fn picked_theme(&self) -> Option<ThemeChoice> {
        self.picked_theme
    }

    /// Whether the dark palette is showing (for tests).
    pub fn is_dark(&self) -> bool {
        self.ui.is_dark()
    }

    /// How often the taskbar was asked to flash (for tests).
    pub fn attention_requests(&self) -> u32 {
        self.ui.attention_requests()
    }

    /// The Slint window (panics for a controller made [`App::with_view`]).
    pub fn window(&self) -> AppWindow {
        self.window
            .as_ref()
            .expect("a controller with a window")
            .clone_strong()
    }

    /// Runs `f` on the session, then sends and shows what it produced.
    fn with_session(&mut self, f: impl FnOnce(&mut Session)) {
        if let Some(link) = self.link.as_mut() {
            f(link.session_mut());
        }
        self.flush();
    }

    fn connect(&mut self) {
        let super::ui::LoginForm {
            server,
            nick,
            password,
            host: hosting,
            room_title: room_title_text,
        } = self.ui.login_form();
        let checked = validate_nick(&nick, crate::proto::names::DEFAULT_NICK_LEN)
            .and_then(|()| check_scripts(&nick));
        if let Err(e) = checked {
            let reason = match e {
                NameError::TooLong => tr::NAME_TOO_LONG.to_string(),
                NameError::BadStart => tr::NAME_BAD_START.to_string(),
                NameError::BadChar(c) => tr::NAME_BAD_CHAR.fill(&[("char", &c)]),
                NameError::MixedScripts => tr::NAME_MIXED_SCRIPTS.to_string(),
                NameError::Empty | NameError::NotChannel => e.to_string(),
            };
            let text = if nick.is_empty() {
                tr::TYPE_A_NAME.to_string()
            } else {
                tr::BAD_NAME.fill(&[("nick", &nick), ("reason", &reason)])
            };
            self.ui.show_login_error(&text);
            return;
        }
        // Still connected after "name taken": try the new name on the same connection.
        if self.link.as_mut().is_some_and(|l| l.retry_nick(&nick)) {
            self.ui.set_busy(true);
            self.flush();
            return;
        }
        self.disconnect();
        let addr = if hosting {
            let bind = match host_bind_addr(&server, self.host_ip) {
                Ok(b) => b,
                Err(e) => return self.ui.show_login_error(&e),
            };
            // Rooms hosted from the client can be found on the network
            // (unless the discovery mode says otherwise).
            let discovery = self.discovery.answer_addr(false);
            // The form's password keeps the room to those who know it; its
            // history is kept on disk for the next lesson.
            let config = Config {
                bind,
                room: self.room.clone().unwrap_or_else(|| DEFAULT_ROOM.into()),
                room_title: room_title(&room_title_text),
                host_name: nick.clone(),
                password: (!password.is_empty()).then(|| password.clone()),
                history_file: self.data_dir.as_ref().map(|d| d.join(HOSTED_HISTORY_FILE)),
                discovery,
                ..Config::default()
            };
            match Host::start(config) {
                Ok(host) => {
                    let lan = host.lan_addresses();
                    let info = if lan.is_empty() {
                        tr::HOSTING_ON_PORT.fill(&[("port", &host.local_addr().port())])
                    } else {
                        tr::HOSTING_JOIN_AT.fill(&[("addresses", &lan.join(", "))])
                    };
                    self.ui.set_hosting(Some(info));
                    let addr = host.loopback_addr();
                    self.host = Some(host);
                    addr
                }
                Err(e) => {
                    return self
                        .ui
                        .show_login_error(&tr::CANNOT_HOST.fill(&[("error", &e)]));
                }
            }
        } else {
            self.ui.set_hosting(None);
            server.trim().to_owned()
        };
        let password = (!password.is_empty()).then_some(password);
        // With nothing but an address, the server's own room (a typed
        // address to `banter-server --room "#class7b"` lands there).
        let mut session = match &self.room {
            Some(room) => Session::new(&nick, password, vec![room.clone()]),
            None => Session::new(&nick, password, Vec::new()).with_server_room(DEFAULT_ROOM),
        };
        if let Some(host) = &self.host {
            session = host.operate(session);
        } else if let Some(seat) = self.saved_seat(&server, &nick) {
            // Relaunched after a crash: our seat is still held for us.
            session = session.with_resume_token(Some(seat));
        }
        self.ui.set_busy(true);
        self.connected_to = super::tls::parse_target(&addr).ok().map(|t| t.host_port());
        let wake = self.env.waker();
        self.link = Some(Link::connect(&addr, session, move || wake()));
    }

    /// Handles everything the worker reported so far.
    pub fn pump(&mut self) {
        while let Ok(note) = self.notes.1.try_recv() {
            let now = self.env.now_ms();
            self.with_session(|s| s.note(&note, now));
        }
        let now = self.env.now_ms();
        let events = match self.link.as_mut() {
            Some(link) => link.pump(now),
            None => return,
        };
        for event in events {
            self.on_link_event(event);
        }
        self.flush();
    }

    /// Shows what happened to the connection.
    fn on_link_event(&mut self, event: LinkEvent) {
        match event {
            LinkEvent::Connected => {}
            LinkEvent::Lost(reason) => {
                self.ui
                    .set_banner(&tr::CONNECTION_LOST.fill(&[("reason", &reason)]));
            }
            LinkEvent::Ended(reason) => {
                if !self.ui.has_login_error() {
                    self.ui
                        .show_login_error(&tr::DISCONNECTED.fill(&[("reason", &reason)]));
                }
            }
            LinkEvent::Reconnecting { attempt, delay } => {
                self.ui.set_banner(
                    &tr::RECONNECTING
                        .fill(&[("seconds", &delay.as_secs().max(1)), ("attempt", &attempt)]),
                );
            }
            LinkEvent::ConnectFailed(reason) => {
                self.ui
                    .show_login_error(&tr::CANNOT_CONNECT.fill(&[("reason", &reason)]));
                self.host = None;
                self.ui.set_hosting(None);
            }
            // Shown in the room, so the person can compare it with the one
            // the host reads out (the server prints it when it starts).
            LinkEvent::CertificatePinned {
                server,
                fingerprint,
            } => {
                log::info!("remembered the certificate of {server}: SHA-256 {fingerprint}");
                let text = tr::CERTIFICATE_PINNED
                    .fill(&[("server", &server), ("fingerprint", &fingerprint)]);
                let now = self.env.now_ms();
                self.with_session(|s| s.note(&text, now));
            }
        }
    }

    /// Sends the session's lines and shows its updates.
    fn flush(&mut self) {
        let Some(link) = self.link.as_mut() else {
            return;
        };
        let updates = link.flush();
        let registered = updates.contains(&Update::Registered);
        let save = registered || updates.contains(&Update::ResumeTokenChanged);
        if registered {
            // In the room: stop looking for rooms on the network.
            self.looking.store(false, Ordering::SeqCst);
        }
        self.ui.apply(link.session(), &updates);
        if save {
            // What got us in (and the seat's secret) is worth keeping at
            // once, not only at exit: a crash must not lose it.
            self.save_settings();
        }
        if updates.contains(&Update::Quit) {
            self.shut_down();
            self.ui.hide();
        }
    }

    fn send(&mut self, text: &str) -> bool {
        let Some(link) = self.link.as_mut() else {
            return false;
        };
        let result = link.session_mut().on_input(text, self.env.now_ms());
        self.flush();
        match result {
            Ok(()) => {
                self.ui.set_input_error("");
                true
            }
            Err(why) => {
                self.ui.set_input_error(why.under_the_box());
                false
            }
        }
    }

    fn confirm_exit(&mut self, leave: bool) {
        self.ui.set_confirm_exit(false);
        if !leave {
            return;
        }
        match self.link.as_mut() {
            Some(link) if link.session().is_connected() => {
                link.session_mut().confirm_exit(true);
                self.flush();
            }
            _ => {
                self.shut_down();
                self.ui.hide();
            }
        }
    }

    fn disconnect(&mut self) {
        self.link = None;
        self.host = None;
    }

    /// Closes the connection (after any queued QUIT) and the hosted server,
    /// without waiting for either (see [`App::wait_for_hosted_room`]).
    pub fn shut_down(&mut self) {
        self.closed = true;
        self.stop_looking.store(true, Ordering::SeqCst);
        if let Some(link) = self.link.as_mut() {
            link.stop();
        }
        if let Some(host) = self.host.take() {
            self.stopping = Some(host.stop());
        }
    }

    /// After [`App::shut_down`], once the window is gone: waits up to
    /// `budget` for the hosted room to finish closing (everyone told, its
    /// history written); whether it did.
    pub fn wait_for_hosted_room(&mut self, budget: Duration) -> bool {
        self.stopping.take().is_none_or(|s| s.wait(budget))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.shut_down();
    }
}
