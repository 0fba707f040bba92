//! A room hosted from the window is a real room: the login form's password
//! keeps out whoever does not know it, the room has the name the teacher
//! gave it, its history is kept on disk for the next lesson, and hosting is
//! remembered with the other settings, saved as soon as the login works.
//! Through the real window (Slint's testing backend) and real sockets; one
//! test, since the testing backend is set up once per process.
#![cfg(feature = "gui")]

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use banter::client::app::{App, Options};
use banter::client::settings::Settings;
use banter::client::ui::AppWindow;
use banter::proto::discovery::Mode;
use common::ui::{element, has_label, pump_until, wait_for_label};
use common::{free_port, TempDir, TestClient};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, SharedString};

/// A window hosting on `port` (loopback only), its history in `data`,
/// its settings in `settings`; the form filled and sent.
fn host(
    data: &TempDir,
    settings: &std::path::Path,
    port: u16,
) -> (std::rc::Rc<std::cell::RefCell<App>>, AppWindow) {
    let app = App::new(Options {
        discovery: Mode::Off,
        language: None,
        data_dir: Some(data.path().to_owned()),
        host_ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    })
    .expect("build the UI");
    app.borrow().set_language("en");
    let (saved, why) = Settings::load(settings);
    assert_eq!(why, None);
    app.borrow_mut()
        .use_settings(Some(settings.to_owned()), saved.clone());
    let window = app.borrow().window();
    window
        .window()
        .set_size(slint::PhysicalSize::new(1000, 700));
    window.show().expect("show");
    if saved.host != Some(true) {
        element(&window, "Host a room on this computer").invoke_accessible_default_action();
        element(&window, "Room name").set_accessible_value("7B Maths");
        element(&window, "Nickname").set_accessible_value("Ana");
    }
    element(&window, "Server address").set_accessible_value(format!(":{port}"));
    element(&window, "Room password").set_accessible_value("sesame");
    element(&window, "Connect").invoke_accessible_default_action();
    wait_for_label(&window, "in the hosted room", |l| l == "Ana (you)");
    (app, window)
}

/// A plain IRC client logging in to `addr` with `password` (or none).
fn student(addr: SocketAddr, nick: &str, password: Option<&str>) -> TestClient {
    let mut c = TestClient::connect(addr);
    c.nick = nick.to_owned();
    if let Some(p) = password {
        c.send(&format!("PASS {p}"));
    }
    c.send(&format!("NICK {nick}"));
    c.send(&format!("USER {nick} 0 * :{nick}"));
    c
}

#[test]
fn a_hosted_room_has_a_password_a_name_and_a_memory() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let data = TempDir::new("hosted");
    let settings = data.path().join("config").join("settings.toml");
    let port = free_port();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let (app, window) = host(&data, &settings, port);

    // Saved at once, not only at a clean exit: a crash keeps them.
    let (saved, _) = Settings::load(&settings);
    assert_eq!(saved.host, Some(true));
    assert_eq!(saved.room_title.as_deref(), Some("7B Maths"));
    assert_eq!(saved.name.as_deref(), Some("Ana"));

    // Without the password: refused. With it: in, and talking.
    let mut stranger = student(addr, "stranger", None);
    stranger.expect("464");
    let mut ming = student(addr, "Ming", Some("sesame"));
    ming.expect("001");
    ming.join("#lobby");
    ming.send("PRIVMSG #lobby :Homework: page 12");
    wait_for_label(&window, "the student's line", |l| {
        l.starts_with("Ming at ") && l.ends_with(": Homework: page 12")
    });

    // The teacher types "exit" and presses Enter twice: the first asks, and
    // the second, a stray one, keeps the room open for everyone (Cancel is
    // the question's default while hosting).
    element(&window, "Message").set_accessible_value("exit");
    element(&window, "Send").invoke_accessible_default_action();
    wait_for_label(&window, "the leave question", |l| {
        l == "You are hosting: the room closes for everyone."
    });
    let enter = SharedString::from(Key::Return);
    window.window().dispatch_event(WindowEvent::KeyPressed {
        text: enter.clone(),
    });
    window
        .window()
        .dispatch_event(WindowEvent::KeyReleased { text: enter });
    let w = window.clone_strong();
    pump_until("the question answered", move || {
        !has_label(&w, |l| {
            l == "You are hosting: the room closes for everyone."
        })
    });
    ming.send("PRIVMSG #lobby :still here?");
    wait_for_label(&window, "the room still open", |l| {
        l.ends_with(": still here?")
    });
    drop(ming);

    // The lesson ends: the room closes (history is written as it goes).
    app.borrow_mut().shut_down();
    assert!(
        app.borrow_mut().wait_for_hosted_room(common::WAIT),
        "the room closed"
    );
    drop(app);
    window.hide().expect("hide");

    // The next lesson: hosting is remembered, the last lesson's line is there.
    let port = free_port();
    let (app, window) = host(&data, &settings, port);
    wait_for_label(&window, "last lesson's line", |l| {
        l.starts_with("Ming at ") && l.ends_with(": Homework: page 12")
    });
    // The form came back from the settings (the room's name too), and was
    // saved again after this login.
    let (saved, _) = Settings::load(&settings);
    assert_eq!(saved.room_title.as_deref(), Some("7B Maths"));
    assert_eq!(saved.host, Some(true));
    app.borrow_mut().shut_down();
}
