//! Deleting a message (IRCv3 `draft/message-redaction`): who may, who is
//! told, and what a refusal says. What is kept afterwards is checked in
//! `retention.rs`.

mod common;
use common::{only, TestClient, TestServer};

const CAPS: &str = "message-tags echo-message draft/message-redaction";

/// `c` says `text` to `target`; its msgid (from the echo).
fn say(c: &mut TestClient, target: &str, text: &str) -> String {
    c.send(&format!("PRIVMSG {target} :{text}"));
    let echo = c.expect("PRIVMSG");
    echo.tag("msgid").expect("a msgid").to_owned()
}

#[test]
fn authors_hosts_and_operators_may_delete_and_nobody_else() {
    let server = TestServer::with(|c| c.opers.push(("admin".into(), "pw".into())));
    // ana creates #class, so runs it; bob and carol are students.
    let mut ana = server.member_with_caps("ana", CAPS, "#class");
    let mut bob = server.member_with_caps("bob", CAPS, "#class");
    let mut carol = server.member_with_caps("carol", CAPS, "#class");
    let mut plain = server.member("plain", "#class");
    ana.sync();
    bob.sync();

    // The author deletes his own line; everyone who can act on it is told.
    let oops = say(&mut bob, "#class", "oops, wrong room");
    carol.expect("PRIVMSG");
    plain.expect("PRIVMSG");
    ana.expect("PRIVMSG");
    bob.send(&format!("REDACT #class {oops}"));
    for c in [&mut ana, &mut bob, &mut carol] {
        let r = c.expect("REDACT");
        assert_eq!(r.params, ["#class", oops.as_str()]);
        assert_eq!(r.source_nick(), Some("bob"));
    }
    // A plain client cannot take it off its screen, so is not sent it.
    assert!(only(&plain.sync(), "REDACT").is_empty());

    // A student cannot delete someone else's line...
    let rude = say(&mut carol, "#class", "something rude");
    ana.expect("PRIVMSG");
    bob.expect("PRIVMSG");
    bob.send(&format!("REDACT #class {rude}"));
    let fail = bob.expect("FAIL");
    assert_eq!(
        fail.params[..4],
        ["REDACT", "REDACT_FORBIDDEN", "#class", rude.as_str()]
    );
    assert!(only(&carol.sync(), "REDACT").is_empty());
    // ...the room's host can, with a reason.
    ana.send(&format!("REDACT #class {rude} :be kind"));
    let r = carol.expect("REDACT");
    assert_eq!(r.params, ["#class", rude.as_str(), "be kind"]);
    assert_eq!(r.source_nick(), Some("ana"));
    // Once deleted it is unknown; so is an id never given.
    ana.send(&format!("REDACT #class {rude}"));
    assert_eq!(ana.expect("FAIL").params[1], "UNKNOWN_MSGID");
    ana.send("REDACT #class nosuchid");
    assert_eq!(
        ana.expect("FAIL").params[..4],
        ["REDACT", "UNKNOWN_MSGID", "#class", "nosuchid"]
    );
    // A room one is not in, or nobody by that name.
    let mut outsider = server.client("outsider");
    outsider.send(&format!("REDACT #class {oops}"));
    assert_eq!(
        outsider.expect("FAIL").params[..3],
        ["REDACT", "INVALID_TARGET", "#class"]
    );
    outsider.send("REDACT nobody abc");
    assert_eq!(outsider.expect("FAIL").params[1], "INVALID_TARGET");

    // A server operator may delete anywhere, even from outside the room.
    let line = say(&mut bob, "#class", "spam spam");
    outsider.send("OPER admin pw");
    outsider.expect("381");
    outsider.send(&format!("REDACT #class {line}"));
    assert_eq!(bob.expect("REDACT").source_nick(), Some("outsider"));

    // A private line: its author may delete it, the other person may not.
    let dm = say(&mut bob, "carol", "psst, the answer is 4");
    carol.expect("PRIVMSG");
    carol.send(&format!("REDACT bob {dm}"));
    assert_eq!(carol.expect("FAIL").params[1], "REDACT_FORBIDDEN");
    bob.send(&format!("REDACT carol {dm}"));
    assert_eq!(carol.expect("REDACT").params, ["carol", dm.as_str()]);
}
