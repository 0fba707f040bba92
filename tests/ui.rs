//! The desktop client's UI, driven through accessible labels with Slint's
//! testing backend, against a real in-process server. The testing backend's
//! event loop can be set up once per process, so this file has one test that
//! walks through a whole visit.
#![cfg(feature = "gui")]

mod common;

use banter::client::app::{App, Options};
use banter::client::settings::ThemeChoice;
use banter::client::ui::AppWindow;
use banter::client::ui::{AboutInfo, ChatAdapter, LoginAdapter, Palette, Screen, MAX_HISTORY};
use banter::proto::discovery::Mode;
use common::ui::{element, has_label, pump_until, wait_for_label};
use common::TestServer;
use slint::language::ColorScheme;
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, Model, SharedString};

#[test]
fn a_visit_to_the_chat_room() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let server = TestServer::start();
    let mut bob = server.member("bob", "#lobby");

    // No LAN discovery from a test (the rooms list is tested elsewhere).
    let app = App::new(Options {
        discovery: Mode::Off,
        language: None,
        data_dir: None,
        host_ip: None,
    })
    .expect("build the UI");
    // The labels below are English whatever the machine's language.
    app.borrow().set_language("en");
    let window = app.borrow().window();
    window.window().set_size(slint::PhysicalSize::new(960, 640));
    window.show().expect("show");

    // The theme selector in the corner: the pick shows at once, in our
    // colours and the standard widgets' alike, and is what gets remembered.
    let theme = element(&window, "Theme");
    assert_eq!(theme.accessible_value().as_deref(), Some("System"));
    assert_eq!(app.borrow().picked_theme(), None);
    let palette = || window.global::<Palette>().get_color_scheme();
    window.global::<LoginAdapter>().invoke_choose_theme(2);
    assert!(app.borrow().is_dark());
    assert_eq!(palette(), ColorScheme::Dark);
    assert_eq!(theme.accessible_value().as_deref(), Some("Dark"));
    assert_eq!(app.borrow().picked_theme(), Some(ThemeChoice::Dark));
    // Back to the system's mode, which this backend does not report: light,
    // for both.
    window.global::<LoginAdapter>().invoke_choose_theme(0);
    assert!(!app.borrow().is_dark());
    assert_eq!(palette(), ColorScheme::Light);
    assert_eq!(theme.accessible_value().as_deref(), Some("System"));
    assert_eq!(app.borrow().picked_theme(), Some(ThemeChoice::System));
    window.global::<LoginAdapter>().invoke_choose_theme(1);
    assert_eq!(palette(), ColorScheme::Light);
    assert_eq!(theme.accessible_value().as_deref(), Some("Light"));
    assert_eq!(app.borrow().picked_theme(), Some(ThemeChoice::Light));
    // No choice (-1) and an index past the list change nothing.
    window.global::<LoginAdapter>().invoke_choose_theme(-1);
    window.global::<LoginAdapter>().invoke_choose_theme(7);
    assert_eq!(app.borrow().picked_theme(), Some(ThemeChoice::Light));

    // Log in with a taken name: the error shows and the form stays.
    element(&window, "Server address").set_accessible_value(server.addr.to_string());
    element(&window, "Nickname").set_accessible_value("Bob");
    element(&window, "Connect").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("name taken error", move || {
        has_label(&w, |l| l.starts_with("Login error:") && l.contains("taken"))
    });
    assert_eq!(window.get_screen(), Screen::Login);

    // Another name on the same connection works, Chinese included.
    element(&window, "Nickname").set_accessible_value("小明");
    element(&window, "Connect").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("chat screen", move || w.get_screen() == Screen::Chat);
    let w = window.clone_strong();
    pump_until("in the lobby with bob", move || {
        has_label(&w, |l| l == "Talk privately with bob")
    });
    // Titled by the conversation on show.
    assert_eq!(window.get_chat_title(), "#lobby — 小明 · Banter");
    assert_eq!(window.global::<LoginAdapter>().get_error(), "");

    // A line the client cannot send says why, until the text changes.
    element(&window, "Message").set_accessible_value("/frob");
    element(&window, "Send").invoke_accessible_default_action();
    assert!(window
        .global::<ChatAdapter>()
        .get_input_error()
        .starts_with("Unknown command /frob"));
    element(&window, "Message").set_accessible_value("/frob2");
    assert_eq!(
        window.global::<ChatAdapter>().get_input_error(),
        "",
        "edited: the error goes"
    );

    // Send a message: bob gets it, and it shows as ours.
    element(&window, "Message").set_accessible_value("hello from the window");
    element(&window, "Send").invoke_accessible_default_action();
    let m = bob.expect("PRIVMSG");
    assert_eq!(m.params, ["#lobby", "hello from the window"]);
    assert_eq!(m.source_nick(), Some("小明"));
    let w = window.clone_strong();
    pump_until("own message shown", move || {
        has_label(&w, |l| {
            l.starts_with("You at ") && l.ends_with(": hello from the window")
        })
    });
    assert_eq!(
        element(&window, "Message").accessible_value().as_deref(),
        Some(""),
        "the box is cleared"
    );

    // bob answers; it shows with his name.
    bob.send("PRIVMSG #lobby :hi 小明, welcome");
    let w = window.clone_strong();
    pump_until("bob's message shown", move || {
        has_label(&w, |l| {
            l.starts_with("bob at ") && l.ends_with(": hi 小明, welcome")
        })
    });

    // "Copy" puts the line on the clipboard: pasted into the box, it reads
    // the same.
    let paste_into_box = |window: &AppWindow| {
        element(window, "Message").set_accessible_value("");
        window.invoke_focus_chat();
        let control = SharedString::from(Key::Control);
        let v = SharedString::from("v");
        for (text, down) in [(&control, true), (&v, true), (&v, false), (&control, false)] {
            let text = text.clone();
            let event = if down {
                WindowEvent::KeyPressed { text }
            } else {
                WindowEvent::KeyReleased { text }
            };
            window.window().dispatch_event(event);
        }
        element(window, "Message")
            .accessible_value()
            .unwrap_or_default()
    };
    element(&window, "Copy message: hi 小明, welcome").invoke_accessible_default_action();
    assert_eq!(paste_into_box(&window), "hi 小明, welcome");

    // A link is a link: its own line under the text, to open or copy.
    bob.send("PRIVMSG #lobby :homework: https://example.org/class/fractions?week=3.");
    wait_for_label(&window, "the link", |l| {
        l == "Open the link https://example.org/class/fractions?week=3"
    });
    element(
        &window,
        "Copy the link https://example.org/class/fractions?week=3",
    )
    .invoke_accessible_default_action();
    assert_eq!(
        paste_into_box(&window),
        "https://example.org/class/fractions?week=3"
    );
    element(&window, "Message").set_accessible_value("");

    // Shift+Enter starts a new line, Enter sends: two lines, in order. A
    // pasted block of lines keeps its breaks too.
    window.invoke_focus_chat();
    let key = |text: SharedString, down: bool| {
        let event = if down {
            WindowEvent::KeyPressed { text }
        } else {
            WindowEvent::KeyReleased { text }
        };
        window.window().dispatch_event(event);
    };
    let tap = |text: &str| {
        key(text.into(), true);
        key(text.into(), false);
    };
    tap("a");
    key(Key::Shift.into(), true);
    tap(&SharedString::from(Key::Return));
    key(Key::Shift.into(), false);
    tap("b");
    assert_eq!(
        element(&window, "Message").accessible_value().as_deref(),
        Some("a\nb")
    );
    tap(&SharedString::from(Key::Return));
    assert_eq!(bob.expect("PRIVMSG").params, ["#lobby", "a"]);
    assert_eq!(bob.expect("PRIVMSG").params, ["#lobby", "b"]);
    assert_eq!(
        element(&window, "Message").accessible_value().as_deref(),
        Some(""),
        "sent, the box is empty"
    );
    element(&window, "Message").set_accessible_value("Question 1\nQuestion 2\nQuestion 3");
    element(&window, "Send").invoke_accessible_default_action();
    for q in ["Question 1", "Question 2", "Question 3"] {
        assert_eq!(bob.expect("PRIVMSG").params, ["#lobby", q]);
    }

    // Tab completes a name from the room (the cursor goes after it).
    element(&window, "Message").set_accessible_value("thanks b");
    window.invoke_focus_chat();
    tap(&SharedString::from(Key::Tab));
    assert_eq!(
        element(&window, "Message").accessible_value().as_deref(),
        Some("thanks bob ")
    );
    tap("!");
    assert_eq!(
        element(&window, "Message").accessible_value().as_deref(),
        Some("thanks bob !")
    );
    element(&window, "Message").set_accessible_value("");

    // About, from the chat too: Banter's version beside Slint's.
    element(&window, "About Banter").invoke_accessible_default_action();
    let version = format!("Version {}", env!("CARGO_PKG_VERSION"));
    assert!(has_label(&window, move |l| l == version));
    element(&window, "Close").invoke_accessible_default_action();
    assert!(!window.global::<AboutInfo>().get_open());

    // A private chat opens with bob's private line, and can be closed.
    bob.send("PRIVMSG 小明 :psst");
    let w = window.clone_strong();
    pump_until("the private chat listed", move || {
        has_label(&w, |l| l.starts_with("Private chat with bob"))
    });
    element(&window, "Close the private chat with bob").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("the private chat closed", move || {
        !has_label(&w, |l| l.starts_with("Private chat with bob"))
    });

    // A class arrives and most of it leaves: the heading follows the list.
    let mut class: Vec<_> = (0..40)
        .map(|i| server.member(&format!("pupil{i}"), "#lobby"))
        .collect();
    wait_for_label(&window, "42 in the room", |l| l == "42 people in the room");
    // Once the burst settles the whole window is painted again (the
    // software renderer on X11 once left the heading stale after such a
    // burst): the window's repaint switch flips.
    let before = window.get_repaint_all();
    for mut pupil in class.drain(..23) {
        pupil.send("QUIT :bell");
        pupil.expect_closed();
    }
    wait_for_label(&window, "19 in the room", |l| l == "19 people in the room");
    let w = window.clone_strong();
    pump_until("a full repaint after the burst", move || {
        w.get_repaint_all() != before
    });
    let w = window.clone_strong();
    assert_eq!(
        w.global::<ChatAdapter>().get_members().row_count(),
        19,
        "the heading counts the list shown"
    );
    drop(class);
    wait_for_label(&window, "the rest gone", |l| l == "2 people in the room");
    assert_eq!(only_quits(&mut bob).len(), 40, "bob saw the class leave");

    // A long history: 10,000 messages arrive, the newest is on screen and
    // the kept history is capped.
    let mut burst = String::new();
    for i in 0..10_000 {
        burst.push_str(&format!("PRIVMSG #lobby :line {i}\r\n"));
    }
    bob.send_raw(burst.as_bytes());
    let w = window.clone_strong();
    pump_until("10,000 messages", move || {
        has_label(&w, |l| l.ends_with(": line 9999"))
    });
    let messages = window.global::<ChatAdapter>().get_messages();
    assert_eq!(messages.row_count(), MAX_HISTORY);
    assert_eq!(
        messages.row_data(MAX_HISTORY - 1).unwrap().text,
        "line 9999"
    );
    assert_eq!(
        messages.row_data(0).unwrap().text,
        format!("line {}", 10_000 - MAX_HISTORY)
    );

    // Exit asks first; Cancel keeps everything, text in the box included.
    element(&window, "Message").set_accessible_value("half-typed thought");
    element(&window, "Exit").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("exit question", move || has_label(&w, |l| l == "OK"));
    element(&window, "Cancel").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("question gone", move || !has_label(&w, |l| l == "OK"));
    assert_eq!(
        element(&window, "Message").accessible_value().as_deref(),
        Some("half-typed thought")
    );
    assert!(only_quits(&mut bob).is_empty(), "still connected");

    // Closing the window asks too.
    window
        .window()
        .dispatch_event(slint::platform::WindowEvent::CloseRequested);
    let w = window.clone_strong();
    pump_until("exit question on close", move || {
        has_label(&w, |l| l == "OK")
    });
    element(&window, "Cancel").invoke_accessible_default_action();

    // Typing exit asks; OK leaves: bob sees the quit.
    element(&window, "Message").set_accessible_value("exit");
    element(&window, "Send").invoke_accessible_default_action();
    let w = window.clone_strong();
    pump_until("exit question after typing exit", move || {
        has_label(&w, |l| l == "OK")
    });
    element(&window, "OK").invoke_accessible_default_action();
    let quit = bob.expect("QUIT");
    assert_eq!(quit.source_nick(), Some("小明"));
    drop(app);
}

fn only_quits(c: &mut common::TestClient) -> Vec<banter::proto::Message> {
    c.sync()
        .into_iter()
        .filter(|m| m.command == "QUIT")
        .collect()
}
