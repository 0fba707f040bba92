//! The client's worker and session against a real in-process server: what the
//! UI does, without a window.

mod common;
use banter::client::host::Host;
use banter::client::link::LinkEvent;
use banter::client::session::{EntryKind, LoginError, Session, Update};
use common::harness::Client;
use common::{test_config, TestClient, TestServer};

#[test]
fn two_clients_talk_and_a_vanished_one_is_seen_leaving() {
    let server = TestServer::start();
    let addr = server.addr.to_string();
    let mut a = Client::connect(&addr, "小明");
    let mut b = Client::connect(&addr, "Ming");
    a.pump_until("a joins", |c| c.in_lobby("小明"));
    b.pump_until("b joins", |c| c.in_lobby("Ming") && c.in_lobby("小明"));
    a.pump_until("a sees b", |c| c.in_lobby("Ming"));

    a.say("你好 Ming");
    b.pump_until("b receives", |c| c.has_entry(EntryKind::Other, "你好 Ming"));
    // The Banter server offers echo-message, so a's own line comes back from it.
    assert!(a.session().echo_message());
    a.pump_until("a sees its own line", |c| {
        c.has_entry(EntryKind::Own, "你好 Ming")
    });

    b.say("/msg 小明 just between us");
    a.pump_until("private message", |c| {
        c.session().conversation("ming").is_some()
            && c.has_entry(EntryKind::Other, "just between us")
    });

    // b's process vanishes: its worker is dropped without a QUIT.
    b.vanish();
    a.pump_until("a sees b leave", |c| !c.in_lobby("Ming"));
    assert!(a
        .entries()
        .iter()
        .any(|e| e.kind == EntryKind::Notice && e.text.starts_with("Ming left the chat")));
}

#[test]
fn taken_name_is_reported_and_retried_on_the_same_connection() {
    let server = TestServer::start();
    let addr = server.addr.to_string();
    let mut first = Client::connect(&addr, "ming");
    first.pump_until("first registered", |c| c.session().is_registered());
    let mut second = Client::connect(&addr, "Ming");
    second.pump_until("name taken", |c| {
        c.updates
            .contains(&Update::LoginFailed(LoginError::NickTaken("Ming".into())))
    });
    second.retry_nick("小明");
    second.pump_until("registered", |c| c.session().is_registered());
    assert_eq!(
        second
            .net
            .iter()
            .filter(|e| **e == LinkEvent::Connected)
            .count(),
        1,
        "one connection"
    );
}

#[test]
fn refused_connection_is_reported_and_the_worker_stops() {
    // A port with nothing listening.
    let port = common::free_port();
    let mut c = Client::connect(&format!("127.0.0.1:{port}"), "x");
    c.pump_until("connect failed", |c| {
        c.net
            .iter()
            .any(|e| matches!(e, LinkEvent::ConnectFailed(_)))
    });
    let LinkEvent::ConnectFailed(reason) = &c.net[0] else {
        panic!()
    };
    assert!(reason.contains("nothing is listening"), "{reason}");
    assert!(!c.link.is_running(), "the link stopped");
}

#[test]
fn reconnects_after_the_server_restarts_and_rejoins() {
    let mut config = test_config();
    // A fixed port the restarted server can take again.
    let port = common::free_port();
    config.bind = format!("127.0.0.1:{port}").parse().unwrap();
    let host = Host::start(config.clone()).expect("start");
    let mut c = Client::connect(&host.loopback_addr(), "stayer");
    c.pump_until("joined", |c| c.in_lobby("stayer"));
    // (The port must be free again for the restart.)
    assert!(host.stop().wait(common::WAIT), "the server stopped");
    c.pump_until("lost", |c| {
        c.net
            .iter()
            .any(|e| matches!(e, LinkEvent::Reconnecting { .. }))
    });
    let _host = Host::start(config).expect("restart");
    c.pump_until("reconnected", |c| {
        c.has_entry(EntryKind::Notice, "Reconnected.")
    });
    assert_eq!(
        c.net.iter().filter(|e| **e == LinkEvent::Connected).count(),
        2
    );
    c.pump_until("back in the room", |c| {
        c.has_entry(EntryKind::Notice, "You are back in #lobby.")
    });
    assert!(c.in_lobby("stayer"));
}

#[test]
fn a_host_mode_client_serves_a_second_client() {
    let host = Host::start(test_config()).expect("host a room");
    let session = Session::new("host", None, vec!["#lobby".into()]);
    let mut hostess = Client::connect_session(&host.loopback_addr(), host.operate(session));
    let mut guest = Client::connect(&host.local_addr().to_string(), "guest");
    hostess.pump_until("host in", |c| c.in_lobby("host"));
    guest.pump_until("guest in", |c| c.in_lobby("guest") && c.in_lobby("host"));
    guest.say("thanks for hosting");
    hostess.pump_until("host hears", |c| {
        c.has_entry(EntryKind::Other, "thanks for hosting")
    });

    // The person hosting owns the room (`~`, above co-hosts), the guest
    // does not run it.
    let mut watcher = TestClient::connect(host.local_addr());
    watcher.register("watcher");
    watcher.send("NAMES #lobby");
    let names = watcher.expect("353");
    let mut listed: Vec<&str> = names.params[3].split(' ').collect();
    listed.sort_unstable();
    assert_eq!(listed, ["guest", "~host"], "{names:?}");
    watcher.send("WHOIS host");
    let lines = watcher.sync();
    assert!(lines.iter().any(|m| m.command == "313"), "{lines:?}");
}

#[test]
fn a_client_given_only_an_address_lands_in_the_servers_own_room() {
    let server = TestServer::with(|c| c.room = "#class7b".into());
    let addr = server.addr.to_string();
    let session = Session::new("ana", None, Vec::new()).with_server_room("#lobby");
    let mut c = Client::connect_session(&addr, session);
    c.pump_until("in the server's room", |c| {
        c.session()
            .conversation("#class7b")
            .is_some_and(|conv| !conv.members.is_empty())
    });
    assert!(c.session().conversation("#lobby").is_none());

    // A server that names no room of its own: the fallback.
    let plain = TestServer::with(|c| c.room = String::new());
    let session = Session::new("ana", None, Vec::new()).with_server_room("#lobby");
    let mut c = Client::connect_session(&plain.addr.to_string(), session);
    c.pump_until("in the fallback room", |c| c.in_lobby("ana"));
}

/// A client killed (kill -9, a power cut) and relaunched with the seat's
/// secret it had saved takes its name and rooms back at once, instead of
/// reading "name taken" until the seat expires.
#[test]
fn a_client_killed_and_relaunched_takes_its_seat_at_once() {
    let server = TestServer::start();
    let addr = server.addr.to_string();
    let mut first = Client::connect(&addr, "小明");
    first.pump_until("a seat's secret", |c| {
        c.in_lobby("小明") && c.session().resume_token().is_some()
    });
    let token = first.session().resume_token().map(str::to_owned);
    assert!(
        first.updates.contains(&Update::ResumeTokenChanged),
        "saved at once"
    );
    // Gone without a QUIT: the server holds the seat.
    first.vanish();
    drop(first);

    // Without the secret the name is taken (the seat is held)...
    let mut other = Client::connect(&addr, "小明");
    other.pump_until("name taken", |c| {
        c.updates
            .contains(&Update::LoginFailed(LoginError::NickTaken("小明".into())))
    });
    // ...with it, the relaunched client is itself again, in its room.
    let session = Session::new("小明", None, vec!["#lobby".into()]).with_resume_token(token);
    let mut again = Client::connect_session(&addr, session);
    again.pump_until("back as itself", |c| {
        c.session().is_registered() && c.session().nick() == "小明" && c.in_lobby("小明")
    });
    assert!(!again
        .updates
        .iter()
        .any(|u| matches!(u, Update::LoginFailed(_))));
}

#[test]
fn a_500_piece_paste_arrives_once_each_and_nothing_stays_pending() {
    // The server's flood control is on, faster than usual so the test is
    // quick; the client paces itself under it, at the same scale.
    let server = TestServer::with(|c| {
        c.flood = Some(banter::server::FloodConfig {
            burst: 10,
            interval: std::time::Duration::from_millis(5),
        })
    });
    let addr = server.addr.to_string();
    let session = Session::new("小明", None, vec!["#lobby".into()]).with_pace(8, 8);
    let mut a = Client::connect_session(&addr, session);
    let mut b = Client::connect(&addr, "Ming");
    a.pump_until("a joins", |c| c.in_lobby("小明"));
    b.pump_until("b sees a", |c| c.in_lobby("小明"));
    assert!(a.session().echo_message());

    // 500 pieces: numbered words, so a lost, doubled or reordered piece shows.
    let words: Vec<String> = (0..500)
        .map(|i| format!("{i:04}{}", "·".repeat(190)))
        .collect();
    let paste = words.join(" ");
    a.say(&paste);
    let own: Vec<u64> = a
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Own)
        .map(|e| e.pending)
        .collect();
    assert_eq!(own.len(), 500, "one line on screen per piece");
    assert!(own.iter().all(|&id| id != 0), "each pending until its echo");

    a.pump_until("every piece confirmed", |c| c.session().in_flight() == 0);
    let delivered: Vec<u64> = a
        .updates
        .iter()
        .filter_map(|u| match u {
            Update::Delivered { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(delivered, own, "each confirmed once, in order");
    assert!(
        !a.updates
            .iter()
            .any(|u| matches!(u, Update::Refused { .. })),
        "nothing refused"
    );
    let own_lines = a
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Own)
        .count();
    assert_eq!(own_lines, 500, "no echo shown as a second line");
    assert!(
        !a.net.iter().any(|e| matches!(e, LinkEvent::Lost(_))),
        "the connection was kept: {:?}",
        a.net
    );

    // The other side got the paste whole, once.
    b.pump_until("b has all 500", |c| {
        c.entries()
            .iter()
            .filter(|e| e.kind == EntryKind::Other)
            .count()
            >= 500
    });
    let got: String = b
        .entries()
        .iter()
        .filter(|e| e.kind == EntryKind::Other)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(got, paste);
}
