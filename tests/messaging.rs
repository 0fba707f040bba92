//! Messages: room broadcast, private messages, errors, and the IRCv3 extensions.

mod common;
use banter::proto::time::parse_server_time;
use common::{only, TestServer};
use std::time::{SystemTime, UNIX_EPOCH};

#[test]
fn room_message_goes_to_every_other_member_only() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("bob", "#lobby");
    let mut c = server.member("carol", "#lobby");
    let mut outsider = server.member("dave", "#elsewhere");
    a.sync();
    b.sync();

    a.send("PRIVMSG #lobby :hello everyone");
    for r in [&mut b, &mut c] {
        let m = r.expect("PRIVMSG");
        assert_eq!(m.source_nick(), Some("alice"));
        assert_eq!(m.params, ["#lobby", "hello everyone"]);
        assert_eq!(m.tag("time"), None, "no server-time unless asked for");
    }
    assert!(
        only(&a.sync(), "PRIVMSG").is_empty(),
        "no echo without echo-message"
    );
    assert!(outsider.sync().is_empty());

    c.send("NOTICE #lobby :a notice");
    assert_eq!(a.expect("NOTICE").params, ["#lobby", "a notice"]);
    assert_eq!(b.expect("NOTICE").params, ["#lobby", "a notice"]);
}

#[test]
fn private_messages_reach_only_the_addressee() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("小明", "#lobby");
    let mut c = server.member("carol", "#lobby");
    a.sync();
    b.sync();

    a.send("PRIVMSG 小明 :just for you");
    let m = b.expect("PRIVMSG");
    assert_eq!(m.params, ["小明", "just for you"]);
    assert_eq!(m.source_nick(), Some("alice"));
    assert!(c.sync().is_empty(), "carol does not see a private message");

    b.send("AWAY :at lunch");
    b.expect("306");
    a.send("PRIVMSG 小明 :are you there");
    assert_eq!(a.expect("301").params[2], "at lunch");
    a.send("NOTICE 小明 :no away reply for notices");
    assert!(only(&a.sync(), "301").is_empty());
    b.send("AWAY");
    b.expect("305");

    a.send("PRIVMSG carol,小明 :both");
    assert_eq!(c.expect("PRIVMSG").param(1), Some("both"));
    assert_eq!(b.expect("PRIVMSG").param(1), Some("both"));
}

#[test]
fn message_errors() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let _other = server.member("bob", "#private");
    a.send("PRIVMSG nobody :hi");
    assert_eq!(a.expect("401").params[1], "nobody");
    a.send("PRIVMSG #nowhere :hi");
    assert_eq!(a.expect("403").params[1], "#nowhere");
    a.send("PRIVMSG #private :let me in");
    assert_eq!(a.expect("404").params[1], "#private");
    a.send("PRIVMSG #lobby :");
    a.expect("412");
    a.send("PRIVMSG #lobby");
    a.expect("412");
    a.send("PRIVMSG");
    a.expect("411");
    a.send("PRIVMSG a,b,c,d,e :too many");
    a.expect("407");
}

#[test]
fn echo_message_and_server_time() {
    let server = TestServer::start();
    let mut a = server.member_with_caps("alice", "echo-message server-time", "#lobby");
    let mut b = server.member("bob", "#lobby");
    a.sync();

    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    a.send("PRIVMSG #lobby :echoed");
    let echo = a.expect("PRIVMSG");
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert_eq!(echo.source_nick(), Some("alice"));
    assert_eq!(echo.params, ["#lobby", "echoed"]);
    let t = parse_server_time(echo.tag("time").expect("time tag")).expect("valid time");
    assert!(
        before / 1000 <= t / 1000 && t <= after,
        "{before} <= {t} <= {after}"
    );
    let to_b = b.expect("PRIVMSG");
    assert_eq!(to_b.tag("time"), None, "bob did not ask for server-time");

    // Joins and private messages carry the time too, and a private message echoes.
    b.send("PRIVMSG alice :psst");
    assert!(a.expect("PRIVMSG").tag("time").is_some());
    a.send("PRIVMSG bob :hi bob");
    let echo = a.expect("PRIVMSG");
    assert_eq!(echo.params, ["bob", "hi bob"]);
    assert_eq!(b.expect("PRIVMSG").params, ["bob", "hi bob"]);
}

#[test]
fn client_tags_relay_only_to_those_who_asked() {
    let server = TestServer::start();
    let mut tagger = server.member_with_caps("tagger", "message-tags", "#lobby");
    let mut reader = server.member_with_caps("reader", "message-tags", "#lobby");
    let mut plain = server.member("plain", "#lobby");
    tagger.sync();

    tagger.send(r"@+draft/react=\:)\sok;+x;notclient=1 PRIVMSG #lobby :tagged");
    let m = reader.expect("PRIVMSG");
    assert_eq!(m.tag("+draft/react"), Some(";) ok"));
    assert_eq!(m.tag("+x"), Some(""));
    assert_eq!(
        m.tag("notclient"),
        None,
        "only client-only tags are relayed"
    );
    let m = plain.expect("PRIVMSG");
    assert!(m.tags.is_empty(), "{:?}", m.tags);

    tagger.send("@+typing=active TAGMSG #lobby");
    let t = reader.expect("TAGMSG");
    assert_eq!(t.tag("+typing"), Some("active"));
    assert!(
        only(&plain.sync(), "TAGMSG").is_empty(),
        "TAGMSG only for message-tags clients"
    );

    // 4094 bytes of tag data pass; one more gets 417 and the connection stays.
    let value = "v".repeat(4094 - "+big=".len());
    tagger.send(&format!("@+big={value} PRIVMSG #lobby :big"));
    assert_eq!(
        reader.expect("PRIVMSG").tag("+big").map(str::len),
        Some(value.len())
    );
    tagger.send(&format!("@+big={value}v PRIVMSG #lobby :too big"));
    tagger.expect("417");
    tagger.send("PRIVMSG #lobby :still here");
    assert_eq!(reader.expect("PRIVMSG").param(1), Some("still here"));
}
