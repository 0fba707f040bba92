//! Host controls and what members see of them, through the real window
//! (Slint's testing backend) against a real in-process server: first the
//! window hosts and moderates a plain IRC client, then the window is the
//! member a plain IRC client moderates. Notifications while the window is in
//! the background come last. One test: the testing backend is set up once
//! per process.
#![cfg(feature = "gui")]

mod common;

use banter::client::app::{App, Options};
use banter::client::launch::Launch;
use banter::client::ui::{AppWindow, ChatAdapter, HostAction};
use banter::proto::discovery::Mode;
use common::ui::{
    click, count_labels, element, has_control, has_label, on_screen, pump_until, wait_for_label,
};
use common::{TestClient, TestServer};
use slint::platform::WindowEvent;
use slint::{ComponentHandle, SharedString};

/// A window logged in as `name` in `room` (English labels, no discovery).
fn open_window(
    server: &TestServer,
    name: &str,
    room: &str,
) -> (std::rc::Rc<std::cell::RefCell<App>>, AppWindow) {
    // No LAN discovery from a test (the rooms list is tested elsewhere).
    let app = App::new(Options {
        discovery: Mode::Off,
        language: None,
        data_dir: None,
        host_ip: None,
    })
    .expect("build the UI");
    app.borrow().set_language("en");
    let window = app.borrow().window();
    window
        .window()
        .set_size(slint::PhysicalSize::new(1100, 760));
    window.show().expect("show");
    let launch = Launch {
        server: Some(server.addr.to_string()),
        name: Some(name.into()),
        room: Some(room.into()),
        host: false,
    };
    app.borrow_mut().launch(&launch, true);
    let you = format!("{name} (you)");
    wait_for_label(&window, "in the room", move |l| l == you);
    (app, window)
}

/// Reads `client`'s lines until one with `command` whose parameters
/// satisfy `pred`.
#[track_caller]
fn expect_where(
    client: &mut TestClient,
    command: &str,
    pred: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    for _ in 0..50 {
        let m = client.expect(command);
        if pred(&m.params) {
            return m.params;
        }
    }
    panic!("no {command} as expected");
}

#[test]
fn hosting_moderating_and_being_moderated() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let server = TestServer::with(|c| c.opers = vec![("teacher".into(), "sesame".into())]);

    // --- The window hosts: log in as host from the chat screen. ---
    let mut bob = server.member("bob", "#lobby");
    let (app, window) = open_window(&server, "Ming", "#lobby");
    assert!(!has_control(&window, "Mute everyone"), "not a host yet");
    click(&window, "Log in as host");
    element(&window, "Host name").set_accessible_value("teacher");
    element(&window, "Host password").set_accessible_value("wrong");
    click(&window, "Log in with the host password");
    wait_for_label(&window, "a refused host login", |l| {
        l == "The host name or password is wrong."
    });
    click(&window, "Log in as host");
    element(&window, "Host name").set_accessible_value("teacher");
    element(&window, "Host password").set_accessible_value("sesame");
    click(&window, "Log in with the host password");
    let w = window.clone_strong();
    pump_until("the host controls", move || {
        has_control(&w, "Mute everyone")
    });
    assert!(
        has_label(&window, |l| l == "Ming is the teacher"),
        "the owner of the server's room has the teacher badge"
    );

    // At the window's minimum size the side panels fold behind two buttons
    // in the header, and every control is still on screen: the chat's own,
    // then the host's in the people drawer, then the conversations drawer.
    window
        .window()
        .set_size(slint::LogicalSize::new(560.0, 420.0));
    for label in [
        "Conversations",
        "People in the room",
        "Save conversation",
        "Exit",
        "Message",
        "Send",
    ] {
        assert!(on_screen(&window, label), "{label} on screen at 560×420");
    }
    assert!(
        !has_control(&window, "Mute everyone"),
        "the people panel is folded away"
    );
    click(&window, "People in the room");
    for label in [
        "Host actions for bob",
        "Mute everyone",
        "Lock the room",
        "Room password",
        "Set room password",
        "Private messages",
    ] {
        assert!(
            on_screen(&window, label),
            "{label} on screen in the people drawer"
        );
    }
    click(&window, "Host actions for bob");
    assert!(
        on_screen(&window, "Close host actions"),
        "bob's actions open in the drawer"
    );
    click(&window, "Close host actions");
    click(&window, "Conversations");
    assert!(
        !has_control(&window, "Mute everyone"),
        "one drawer at a time"
    );
    for label in ["Room #lobby", "About Banter"] {
        assert!(
            on_screen(&window, label),
            "{label} on screen in the conversations drawer"
        );
    }
    // Picking a conversation closes the drawer.
    click(&window, "Room #lobby");
    assert!(!has_control(&window, "About Banter"), "the drawer closed");
    // Wide again: both panels beside the chat, no fold buttons.
    window
        .window()
        .set_size(slint::LogicalSize::new(1100.0, 760.0));
    assert!(on_screen(&window, "Set room password") && on_screen(&window, "About Banter"));
    assert!(!has_control(&window, "People in the room"));

    // Mute bob: he is told by the server and his lines go nowhere.
    click(&window, "Host actions for bob");
    click(&window, "Mute bob");
    // (bob saw Ming become a host first.)
    let mode = expect_where(&mut bob, "MODE", |p| p.get(1).is_some_and(|m| m == "+q"));
    assert_eq!(mode, ["#lobby", "+q", "bob!*@*"]);
    wait_for_label(&window, "bob shown muted", |l| l == "bob is muted");
    bob.send("PRIVMSG #lobby :spam spam");
    let refused = bob.expect("404");
    assert!(refused.params[2].contains("muted"), "{refused:?}");
    // The same button now unmutes.
    click(&window, "Unmute bob");
    let mode = expect_where(&mut bob, "MODE", |p| p.get(1).is_some_and(|m| m == "-q"));
    assert_eq!(mode[2], "bob!*@*");

    // The host deletes a line of bob's: it gives way to who deleted it.
    bob.send("PRIVMSG #lobby :rude words");
    wait_for_label(&window, "bob's line", |l| l.ends_with(": rude words"));
    click(&window, "Delete message: rude words");
    wait_for_label(&window, "the deletion shown", |l| {
        l.ends_with("Message deleted by Ming")
    });
    assert!(!has_label(&window, |l| l.ends_with("rude words")));

    // Private messages only with the hosts: the room is told, bob (a plain
    // IRC client) is held to it, and the switch shows the rule.
    window.global::<ChatAdapter>().invoke_host_action(
        HostAction::PrivateChats,
        SharedString::new(),
        "hosts".into(),
    );
    let mode = expect_where(&mut bob, "MODE", |p| p.get(1).is_some_and(|m| m == "+P"));
    assert_eq!(mode, ["#lobby", "+P", "hosts"]);
    wait_for_label(&window, "the rule's notice", |l| {
        l.ends_with("Ming limited private messages: only with the room's hosts")
    });
    assert_eq!(
        element(&window, "Private messages")
            .accessible_value()
            .as_deref(),
        Some("Only with the hosts")
    );
    let mut classmate = server.member("classmate", "#lobby");
    bob.send("PRIVMSG classmate :psst");
    assert_eq!(bob.expect("531").params[1], "classmate");
    // To the host: let through.
    bob.send("PRIVMSG Ming :a question");
    let answer = bob.sync();
    assert!(!answer.iter().any(|m| m.command == "531"), "{answer:?}");
    window.global::<ChatAdapter>().invoke_host_action(
        HostAction::PrivateChats,
        SharedString::new(),
        "anyone".into(),
    );
    expect_where(&mut bob, "MODE", |p| p.get(1).is_some_and(|m| m == "-P"));
    bob.send("PRIVMSG classmate :free again");
    assert_eq!(classmate.expect("PRIVMSG").params[1], "free again");
    drop(classmate);

    // The pinned notice: bob gets the topic, the window shows it.
    click(&window, "Edit the pinned notice");
    element(&window, "Pinned notice text").set_accessible_value("Homework: page 12");
    click(&window, "Pin the notice");
    let topic = bob.expect("TOPIC");
    assert_eq!(topic.params, ["#lobby", "Homework: page 12"]);
    wait_for_label(&window, "the pinned notice", |l| {
        l == "Pinned notice: Homework: page 12"
    });

    // Mute everyone and lock the room; the banner shows.
    click(&window, "Mute everyone");
    let mode = expect_where(&mut bob, "MODE", |p| p.get(1).is_some_and(|m| m == "+m"));
    assert_eq!(mode[0], "#lobby");
    wait_for_label(&window, "the muted-room banner", |l| {
        l == "Only hosts can talk now"
    });
    click(&window, "Lock the room");
    expect_where(&mut bob, "MODE", |p| p.get(1).is_some_and(|m| m == "+i"));
    let w = window.clone_strong();
    pump_until("unlock offered", move || has_control(&w, "Unlock the room"));
    // Muted and locked for real: bob cannot talk, a newcomer cannot join.
    bob.send("PRIVMSG #lobby :hello?");
    let refused = bob.expect("404");
    assert!(refused.params[2].contains("(+m)"), "{refused:?}");
    let mut late = server.client("late");
    late.send("JOIN #lobby");
    late.expect("473");
    // Let in: /invite gets one person past the lock.
    element(&window, "Message").set_accessible_value("/invite late");
    click(&window, "Send");
    assert_eq!(late.expect("INVITE").params, ["late", "#lobby"]);
    wait_for_label(&window, "the host told", |l| {
        l == "You let late into #lobby: they can join now, even while it is locked."
    });
    late.send("JOIN #lobby");
    late.expect("JOIN");
    late.send("PART #lobby");
    late.expect("PART");

    // Remove bob with a reason.
    click(&window, "Host actions for bob");
    element(&window, "Reason for removing").set_accessible_value("spamming");
    click(&window, "Remove bob from the room");
    // It asks first, with the reason.
    wait_for_label(&window, "the question", |l| {
        l == "Remove bob from the room?"
    });
    assert!(has_label(&window, |l| l == "Reason: spamming"));
    click(&window, "Remove");
    let kick = bob.expect("KICK");
    assert_eq!(kick.params, ["#lobby", "bob", "spamming"]);
    let w = window.clone_strong();
    pump_until("bob gone from the list", move || {
        !has_label(&w, |l| l == "Talk privately with bob")
    });

    // Ban keeps the computer out, not the name: dave shares his address
    // with erin (here every client is 127.0.0.1, as a class behind one
    // school router is), and the host is told before banning.
    click(&window, "Unlock the room");
    let mut dave = server.member("dave", "#lobby");
    let mut erin = server.member("erin", "#lobby");
    wait_for_label(&window, "erin in the list", |l| {
        l == "Talk privately with erin"
    });
    click(&window, "Host actions for dave");
    click(&window, "Ban dave");
    wait_for_label(&window, "the ban question", |l| {
        l == "Ban dave from the room?"
    });
    assert!(has_label(&window, |l| l.contains("will not get back in")
        && l.contains("same address (erin)")));
    click(&window, "Ban");
    let ban = expect_where(&mut erin, "MODE", |p| p.get(1).is_some_and(|m| m == "+b"));
    assert_eq!(ban, ["#lobby", "+b", "*!*@127.0.0.1"]);
    assert_eq!(dave.expect("KICK").params[1], "dave");
    dave.send("NICK sneaky");
    dave.expect("NICK");
    dave.send("JOIN #lobby");
    assert_eq!(
        dave.expect("474").params[1],
        "#lobby",
        "a new name is still banned"
    );
    // The host sees the ban and lifts it.
    let w = window.clone_strong();
    pump_until("the ban listed", move || {
        has_control(&w, "Lift the ban on *!*@127.0.0.1")
    });
    click(&window, "Lift the ban on *!*@127.0.0.1");
    let lift = expect_where(&mut erin, "MODE", |p| p.get(1).is_some_and(|m| m == "-b"));
    assert_eq!(lift[2], "*!*@127.0.0.1");
    dave.send("JOIN #lobby");
    dave.expect("JOIN");
    app.borrow_mut().shut_down();
    drop(app);
    window.hide().expect("hide");

    // --- The window is a member; a plain IRC client hosts #class. ---
    let mut teacher = server.member("teacher", "#class");
    // Its creator makes itself the owner (as Banter's client does).
    teacher.send("MODE #class +O teacher");
    teacher.expect("MODE");
    let (app, window) = open_window(&server, "pupil", "#class");
    // The founder of #class owns it: an owner badge, not a teacher's (anyone
    // can create a room).
    assert!(has_label(&window, |l| l == "teacher owns this room"));
    assert!(!has_label(&window, |l| l.ends_with("is the teacher")));
    assert!(
        !has_control(&window, "Mute everyone"),
        "members have no host controls"
    );

    // Muted: the reason shows, and a line is refused with the text kept.
    teacher.send("MODE #class +q pupil!*@*");
    wait_for_label(&window, "the muted view", |l| {
        l == "You cannot talk here: A host has muted you in #class."
    });
    element(&window, "Message").set_accessible_value("can I talk?");
    click(&window, "Send");
    // Refused without a second copy of the reason (the teacher gets
    // nothing: its first PRIVMSG below is the line sent after the unmute).
    pump_until("the send handled", || true);
    assert!(!has_label(&window, |l| l.starts_with("Not sent")));
    assert_eq!(
        element(&window, "Message").accessible_value().as_deref(),
        Some("can I talk?"),
        "the text stays in the box"
    );
    teacher.send("MODE #class -q pupil!*@*");
    wait_for_label(&window, "unmuted", |l| l == "teacher unmuted pupil");
    click(&window, "Send");
    let said = teacher.expect("PRIVMSG");
    assert_eq!(said.params, ["#class", "can I talk?"]);
    // A member deletes a line of her own (not anyone else's: the teacher's
    // lines have no Delete for her).
    let w = window.clone_strong();
    pump_until("Delete on her line", move || {
        has_control(&w, "Delete message: can I talk?")
    });
    click(&window, "Delete message: can I talk?");
    wait_for_label(&window, "her line deleted", |l| {
        l.ends_with("Message deleted by pupil")
    });

    // Everyone muted: the banner, for members too.
    teacher.send("MODE #class +m");
    wait_for_label(&window, "the muted-room banner", |l| {
        l == "Only hosts can talk now"
    });
    wait_for_label(&window, "why the member cannot talk", |l| {
        l == "You cannot talk here: Only hosts can talk in #class right now."
    });
    teacher.send("TOPIC #class :Quiet reading until 10:00");
    wait_for_label(&window, "the notice for members", |l| {
        l == "Pinned notice: Quiet reading until 10:00"
    });
    teacher.send("MODE #class -m");

    // In the background: messages count in the title, a mention asks for
    // attention and is highlighted.
    window
        .window()
        .dispatch_event(WindowEvent::WindowActiveChanged(false));
    let asked = app.borrow().attention_requests();
    teacher.send("PRIVMSG #class :page 12, everyone");
    teacher.send("PRIVMSG #class :pupil, please read first");
    wait_for_label(&window, "the mention highlighted", |l| {
        l.starts_with("teacher at ") && l.ends_with(", mentioning you: pupil, please read first")
    });
    assert_eq!(window.get_unread(), 2);
    assert!(
        !has_control(&window, "Delete message: page 12, everyone"),
        "a member cannot delete the teacher's line"
    );
    // Her messages carry her badge too (the member list has one more).
    assert!(count_labels(&window, "teacher owns this room") >= 3);
    assert_eq!(
        app.borrow().attention_requests(),
        asked + 1,
        "only the mention asks"
    );
    window
        .window()
        .dispatch_event(WindowEvent::WindowActiveChanged(true));
    let w = window.clone_strong();
    pump_until("unread cleared in front", move || w.get_unread() == 0);

    // Removed: the reason, and one click to join again.
    teacher.send("KICK #class pupil :be nice");
    wait_for_label(&window, "the removed view", |l| {
        l == "You cannot talk here: teacher removed you from #class (be nice)."
    });
    click(&window, "Join the room again");
    let join = teacher.expect("JOIN");
    assert_eq!(join.source_nick(), Some("pupil"));
    let w = window.clone_strong();
    pump_until("back in the room", move || {
        !has_label(&w, |l| l.starts_with("You cannot talk here"))
    });

    // An invitation to a locked room: one click joins.
    teacher.send("JOIN #quiz");
    teacher.expect("JOIN");
    teacher.send("MODE #quiz +i");
    teacher.send("INVITE pupil #quiz");
    wait_for_label(&window, "the invitation", |l| {
        l == "teacher invites you to #quiz."
    });
    click(&window, "Join #quiz");
    let join = expect_where(&mut teacher, "JOIN", |p| p[0] == "#quiz");
    assert_eq!(join, ["#quiz"]);
    let w = window.clone_strong();
    pump_until("the invitation put away", move || {
        !has_control(&w, "Join #quiz")
    });
    app.borrow_mut().shut_down();
}
