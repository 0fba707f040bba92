//! The IRCv3 extensions Banter offers, and the RFC details that clients rely
//! on: msgid, labeled-response, away-notify, NOTICE without replies.

mod common;
use common::{only, TestServer};

#[test]
fn every_relayed_message_has_a_unique_msgid() {
    let server = TestServer::start();
    let mut a = server.member_with_caps("alice", "message-tags echo-message", "#lobby");
    let mut b = server.member_with_caps("bob", "message-tags", "#lobby");
    let mut plain = server.member("carol", "#lobby");
    a.sync();
    b.sync();
    a.send("PRIVMSG #lobby :one");
    a.send("NOTICE #lobby :two");
    a.send("PRIVMSG bob :three");
    let mut ids = Vec::new();
    for _ in 0..3 {
        let m = b.recv().expect("message");
        ids.push(
            m.tag("msgid")
                .expect("msgid on every relayed message")
                .to_owned(),
        );
    }
    // The echo carries the same id as what the others got.
    let echo = a.expect("PRIVMSG");
    assert_eq!(echo.tag("msgid"), Some(ids[0].as_str()));
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "ids are unique");
    // A client without message-tags gets no tags at all.
    let m = plain.expect("PRIVMSG");
    assert!(m.tags.is_empty(), "{m:?}");
}

#[test]
fn labeled_commands_get_their_label_back() {
    let server = TestServer::start();
    let mut a = server.member_with_caps("alice", "batch labeled-response", "#lobby");
    a.send("@label=p1 PING x");
    let pong = a.expect("PONG");
    assert_eq!(pong.tag("label"), Some("p1"));
    a.send("@label=w2 WHOIS alice");
    let start = a.expect("BATCH");
    assert_eq!(start.tag("label"), Some("w2"));
    let reference = start.params[0].strip_prefix('+').expect("+ref").to_owned();
    let inner = a.expect("311");
    assert_eq!(inner.tag("batch"), Some(reference.as_str()));
    let lines = a.sync();
    let end = only(&lines, "BATCH");
    assert_eq!(end[0].params[0], format!("-{reference}"));
    a.send("@label=n3 PRIVMSG #lobby :nobody echoes this");
    assert_eq!(a.expect("ACK").tag("label"), Some("n3"));
}

#[test]
fn away_is_announced_to_those_who_asked() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member_with_caps("bob", "away-notify", "#lobby");
    let mut c = server.member("carol", "#lobby");
    b.sync();
    a.send("AWAY :lunch");
    a.expect("306");
    let away = b.expect("AWAY");
    assert_eq!(away.source_nick(), Some("alice"));
    assert_eq!(away.params, ["lunch"]);
    assert!(c.sync().is_empty(), "carol did not ask for away-notify");
    a.send("AWAY");
    assert!(b.expect("AWAY").params.is_empty());
}

#[test]
fn a_notice_never_gets_an_automatic_reply() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    for line in [
        "NOTICE nobody :hello?",
        "NOTICE #nowhere :hello?",
        "NOTICE #elsewhere,a,b,c,d :too many",
        "NOTICE alice",
        "NOTICE",
    ] {
        a.send(line);
    }
    // PRIVMSG to the same places does get its errors.
    a.send("PRIVMSG nobody :hello?");
    let lines = a.sync();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].command, "401");
}

#[test]
fn user_with_an_empty_realname_is_refused() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.send("NICK dora");
    c.send("USER dora 0 * :");
    assert_eq!(c.expect("461").params[1], "USER");
    c.send("USER dora 0 * :Dora");
    c.expect("001");
}
