//! The client controller (`banter::client::app::App`) without a window: a
//! fake view records what it is told to show, a fake environment hands over
//! the save dialog's work and wakes the test instead of an event loop; the
//! sessions, sockets and servers are real (loopback). Login, hosting, lost
//! and ended connections, exit and save.
#![cfg(feature = "gui")]

mod common;

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use banter::client::app::{App, Env, Options, Transcript, View};
use banter::client::discovery::Found;
use banter::client::session::{Session, Update};
use banter::client::settings::{Settings, ThemeChoice};
use banter::client::ui::{Controller, LoginForm};
use banter::proto::discovery::Mode;
use banter::server::transcript::Line;
use common::{free_port, TempDir, TestServer, WAIT};

/// What the controller told the window.
#[derive(Default)]
struct Shown {
    form: LoginForm,
    login_error: String,
    busy: bool,
    chat: bool,
    hosting: Option<String>,
    banner: String,
    input_error: String,
    confirm_exit: bool,
    hidden: bool,
    /// Every line shown in a conversation, in order.
    lines: Vec<String>,
}

struct FakeView(Rc<RefCell<Shown>>);

impl View for FakeView {
    fn login_form(&self) -> LoginForm {
        self.0.borrow().form.clone()
    }
    fn fill_login(&self, server: Option<&str>, nick: Option<&str>, host: bool) {
        let mut s = self.0.borrow_mut();
        if let Some(server) = server {
            s.form.server = server.into();
        }
        if let Some(nick) = nick {
            s.form.nick = nick.into();
        }
        s.form.host = host;
    }
    fn fill_room_title(&self, title: &str) {
        self.0.borrow_mut().form.room_title = title.into();
    }
    fn show_login_error(&self, text: &str) {
        let mut s = self.0.borrow_mut();
        s.login_error = text.into();
        s.busy = false;
    }
    fn has_login_error(&self) -> bool {
        !self.0.borrow().login_error.is_empty()
    }
    fn set_login_notice(&self, _: &str) {}
    fn focus_login(&self) {}
    fn show_found_rooms(&self, _: &[Found]) {}
    fn set_busy(&self, busy: bool) {
        self.0.borrow_mut().busy = busy;
    }
    fn apply(&mut self, _: &Session, updates: &[Update]) {
        let mut s = self.0.borrow_mut();
        for u in updates {
            match u {
                Update::Registered => {
                    s.chat = true;
                    s.busy = false;
                    s.banner.clear();
                }
                Update::ConfirmExit => s.confirm_exit = true,
                Update::LoginFailed(why) => {
                    s.login_error = why.to_string();
                    s.busy = false;
                }
                Update::Entry { entry, .. } => s.lines.push(entry.text.clone()),
                _ => {}
            }
        }
    }
    fn on_chat_screen(&self) -> bool {
        self.0.borrow().chat
    }
    fn set_hosting(&self, info: Option<String>) {
        self.0.borrow_mut().hosting = info;
    }
    fn set_banner(&self, text: &str) {
        self.0.borrow_mut().banner = text.into();
    }
    fn set_input_error(&self, text: &str) {
        self.0.borrow_mut().input_error = text.into();
    }
    fn set_host_error(&self, _: &str) {}
    fn set_confirm_exit(&self, open: bool) {
        self.0.borrow_mut().confirm_exit = open;
    }
    fn ask_host_confirm(&self, _: Option<(String, String, String)>) {}
    fn show_invitation(&self, _: Option<(&str, &str)>) {}
    fn invitation(&self) -> String {
        String::new()
    }
    fn select_member(&mut self, _: &Session, _: &str) {}
    fn forget_conversation(&mut self, _: &str) {}
    fn transcript_lines(&mut self) -> Vec<Line> {
        self.0
            .borrow()
            .lines
            .iter()
            .map(|text| Line {
                when: String::new(),
                who: String::new(),
                text: text.clone(),
            })
            .collect()
    }
    fn hide(&self) {
        self.0.borrow_mut().hidden = true;
    }
    fn set_language(&self, _: &str) {}
    fn set_theme(&mut self, _: ThemeChoice) {}
    fn is_dark(&self) -> bool {
        false
    }
    fn window_active(&self) -> bool {
        true
    }
    fn seen(&mut self) {}
    fn attention_requests(&self) -> u32 {
        0
    }
    fn window_size(&self) -> Option<(u32, u32)> {
        Some((960, 640))
    }
}

/// The environment: the real clock; wake-ups and save requests reach the
/// test. The "dialog" answers with `pick`.
struct FakeEnv {
    wake: Sender<()>,
    saved: Arc<Mutex<Vec<Transcript>>>,
    pick: Option<String>,
    /// Addresses handed to the browser, and links to new windows.
    opened: Arc<Mutex<Vec<String>>>,
}

impl Env for FakeEnv {
    fn now_ms(&self) -> u64 {
        banter::clock::unix_ms()
    }
    fn waker(&self) -> Arc<dyn Fn() + Send + Sync> {
        let wake = Mutex::new(self.wake.clone());
        Arc::new(move || {
            let _ = wake.lock().map(|w| w.send(()));
        })
    }
    fn save(&self, what: Transcript, done: Box<dyn FnOnce(Option<String>) + Send>) {
        self.saved.lock().unwrap().push(what);
        let pick = self.pick.clone();
        // As the real dialog does: the answer comes from another thread.
        std::thread::spawn(move || done(pick.map(|p| format!("Saved to {p}"))));
    }
    fn open_url(&self, url: &str) -> Result<(), String> {
        self.opened.lock().unwrap().push(format!("browser {url}"));
        Ok(())
    }
    fn open_in_new_window(&self, link: &str) -> Result<(), String> {
        self.opened.lock().unwrap().push(format!("window {link}"));
        Ok(())
    }
}

struct Harness {
    app: Rc<RefCell<App>>,
    shown: Rc<RefCell<Shown>>,
    woken: Receiver<()>,
    saved: Arc<Mutex<Vec<Transcript>>>,
    opened: Arc<Mutex<Vec<String>>>,
}

impl Harness {
    fn new(host_ip: Option<IpAddr>, pick: Option<&str>) -> Harness {
        let shown = Rc::new(RefCell::new(Shown::default()));
        let (wake, woken) = mpsc::channel();
        let saved = Arc::new(Mutex::new(Vec::new()));
        let opened = Arc::new(Mutex::new(Vec::new()));
        let env = FakeEnv {
            wake,
            saved: saved.clone(),
            pick: pick.map(str::to_owned),
            opened: opened.clone(),
        };
        let options = Options {
            discovery: Mode::Off,
            language: None,
            data_dir: None,
            host_ip,
        };
        let app = App::with_view(Box::new(FakeView(shown.clone())), Box::new(env), options);
        Harness {
            app: Rc::new(RefCell::new(app)),
            shown,
            woken,
            saved,
            opened,
        }
    }

    fn form(&self, server: &str, nick: &str, password: &str, host: bool) {
        let mut s = self.shown.borrow_mut();
        s.form = LoginForm {
            server: server.into(),
            nick: nick.into(),
            password: password.into(),
            host,
            room_title: String::new(),
        };
        s.login_error.clear();
    }

    fn connect(&self) {
        Controller::connect(&mut *self.app.borrow_mut());
    }

    /// Pumps the controller at each wake-up until `done` holds; fails
    /// after WAIT.
    #[track_caller]
    fn until(&self, what: &str, done: impl Fn(&Shown) -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            self.app.borrow_mut().pump();
            if done(&self.shown.borrow()) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for: {what}");
            let _ = self.woken.recv_timeout(left);
        }
    }
}

#[test]
fn login_checks_the_name_then_logs_in_and_remembers_it_at_once() {
    let server = TestServer::start();
    let mut bob = server.member("bob", "#lobby");
    let h = Harness::new(None, None);
    let dir = TempDir::new("app-login");
    let settings = dir.path().join("settings.toml");
    h.app
        .borrow_mut()
        .use_settings(Some(settings.clone()), Settings::default());

    // No name, then a look-alike name mixing alphabets: said on the form.
    h.form(&server.addr.to_string(), "", "", false);
    h.connect();
    assert_eq!(h.shown.borrow().login_error, "Type a name first.");
    h.form(&server.addr.to_string(), "Mаria", "", false);
    h.connect();
    assert!(
        h.shown.borrow().login_error.contains("mixes alphabets"),
        "{}",
        h.shown.borrow().login_error
    );
    assert!(!h.shown.borrow().busy, "nothing was tried");

    // A good name: busy, then the chat; bob sees Ming arrive.
    h.form(&server.addr.to_string(), "Ming", "", false);
    h.connect();
    assert!(h.shown.borrow().busy);
    h.until("in the chat", |s| s.chat);
    let join = bob.expect("JOIN");
    assert_eq!(join.source_nick(), Some("Ming"));
    // Saved as soon as the login worked, not only at exit.
    let (saved, why) = Settings::load(&settings);
    assert_eq!(why, None);
    assert_eq!(saved.name.as_deref(), Some("Ming"));
    assert_eq!(saved.server.as_deref(), Some(&*server.addr.to_string()));

    // A line that cannot go says why under the box; a good one clears it.
    h.until("in #lobby", |s| {
        s.lines.iter().any(|l| l == "You joined #lobby.")
    });
    assert!(!Controller::send(
        &mut *h.app.borrow_mut(),
        "/nosuchcommand"
    ));
    assert!(!h.shown.borrow().input_error.is_empty());
    assert!(Controller::send(&mut *h.app.borrow_mut(), "hello bob"));
    assert_eq!(h.shown.borrow().input_error, "");
    let said = bob.expect("PRIVMSG");
    assert_eq!(said.params, ["#lobby", "hello bob"]);
}

#[test]
fn refused_unreachable_and_lost_connections_are_said_in_words() {
    // A wrong password ends at the form, with the reason.
    let locked = TestServer::with(|c| c.password = Some("sesame".into()));
    let h = Harness::new(None, None);
    h.form(&locked.addr.to_string(), "Ming", "guess", false);
    h.connect();
    h.until("the refusal", |s| !s.login_error.is_empty());
    assert_eq!(
        h.shown.borrow().login_error,
        "Wrong password for this server."
    );
    assert!(!h.shown.borrow().chat && !h.shown.borrow().busy);

    // Nothing listening: the form says so.
    h.form(&format!("127.0.0.1:{}", free_port()), "Ming", "", false);
    h.connect();
    h.until("the failure", |s| !s.login_error.is_empty());
    let error = h.shown.borrow().login_error.clone();
    assert!(
        error.starts_with("Could not connect: nothing is listening"),
        "{error}"
    );

    // Logged in, then the server goes: a banner, and reconnecting.
    let mut server = TestServer::start();
    h.form(&server.addr.to_string(), "Ming", "", false);
    h.connect();
    h.until("in the chat", |s| s.chat);
    server.stop();
    h.until("the banner", |s| s.banner.starts_with("Connection lost"));
    assert!(
        h.shown.borrow().chat,
        "still on the chat screen, conversations kept"
    );
}

#[test]
fn hosting_makes_a_room_its_host_runs_and_exit_closes_it_after_asking() {
    let h = Harness::new(Some(IpAddr::V4(Ipv4Addr::LOCALHOST)), None);
    let port = free_port();
    h.form(&format!(":{port}"), "Ana", "", true);
    h.connect();
    h.until("in the hosted room", |s| {
        s.lines.iter().any(|l| l == "You joined #lobby.")
    });
    let hosting = h.shown.borrow().hosting.clone().unwrap_or_default();
    assert!(hosting.contains(&format!("127.0.0.1:{port}")), "{hosting}");

    // A student joins the room; the teacher owns it (~).
    let mut student = common::TestClient::connect((Ipv4Addr::LOCALHOST, port).into());
    student.register("kid");
    student.join("#lobby");
    let names = student.names("#lobby");
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("Ana") && n.starts_with('~')),
        "{names:?}"
    );

    // Exit asks first; "no" keeps the room; "yes" closes it for everyone.
    Controller::request_exit(&mut *h.app.borrow_mut());
    assert!(h.shown.borrow().confirm_exit);
    Controller::confirm_exit(&mut *h.app.borrow_mut(), false);
    assert!(!h.shown.borrow().confirm_exit && !h.shown.borrow().hidden);
    student.send("PRIVMSG #lobby :still open?");
    h.until("the student's line", |s| {
        s.lines.iter().any(|l| l == "still open?")
    });
    Controller::request_exit(&mut *h.app.borrow_mut());
    Controller::confirm_exit(&mut *h.app.borrow_mut(), true);
    h.until("the window gone", |s| s.hidden);
    let last = student.expect_closed();
    assert!(last.iter().any(|m| m.command == "ERROR"), "{last:?}");
    assert!(h.app.borrow_mut().wait_for_hosted_room(WAIT));
}

#[test]
fn save_hands_the_open_conversation_over_and_says_where_it_went() {
    let server = TestServer::start();
    let mut bob = server.member("bob", "#lobby");
    let h = Harness::new(None, Some("/tmp/lobby.txt"));
    h.form(&server.addr.to_string(), "Ming", "", false);
    h.connect();
    h.until("in #lobby", |s| {
        s.lines.iter().any(|l| l == "You joined #lobby.")
    });
    bob.send("PRIVMSG #lobby :page 12, everyone");
    h.until("bob's line", |s| {
        s.lines.iter().any(|l| l == "page 12, everyone")
    });

    Controller::save_conversation(&mut *h.app.borrow_mut());
    h.until("where it went", |s| {
        s.lines.iter().any(|l| l == "Saved to /tmp/lobby.txt")
    });
    let saved = h.saved.lock().unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].title, "#lobby");
    assert!(saved[0].lines.iter().any(|l| l.text == "page 12, everyone"));
}

#[test]
fn links_open_where_they_belong_and_nowhere_else() {
    let server = TestServer::start();
    let mut bob = server.member("bob", "#maths");
    let h = Harness::new(None, None);
    h.form(&server.addr.to_string(), "Ming", "", false);
    h.connect();
    h.until("in #lobby", |s| {
        s.lines.iter().any(|l| l == "You joined #lobby.")
    });
    let open = |url: &str| Controller::open_link(&mut *h.app.borrow_mut(), url);

    // The web goes to the browser.
    open("https://example.org/class/fractions?week=3");
    // A room on this server is joined here.
    open(&format!("irc://{}/#maths", server.addr));
    let join = bob.expect("JOIN");
    assert_eq!(join.source_nick(), Some("Ming"));
    // Another server opens in a new window.
    open("ircs://192.0.2.7/#other");
    // Anything else is never handed on, and the reason is said.
    open("javascript:alert(1)");
    h.until("the refusal said", |s| {
        s.lines
            .iter()
            .any(|l| l.starts_with("Could not open the link"))
    });
    assert_eq!(
        *h.opened.lock().unwrap(),
        [
            "browser https://example.org/class/fractions?week=3",
            "window ircs://192.0.2.7/#other"
        ]
    );
}
