//! Rooms: joins, parts, nick changes and quits reach exactly the people who share a room.

mod common;
use common::{only, TestServer};

#[test]
fn join_part_nick_and_quit_reach_exactly_the_right_people() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("bob", "#lobby");
    let mut c = server.member("carol", "#other");
    let mut d = server.client("dave"); // in no room

    let joined = a.sync();
    assert_eq!(
        only(&joined, "JOIN").len(),
        1,
        "alice sees bob join: {joined:?}"
    );
    assert_eq!(joined[0].source_nick(), Some("bob"));
    assert!(c.sync().is_empty(), "carol shares no room with the joins");

    b.send("NICK robert");
    assert_eq!(
        b.expect("NICK").param(0),
        Some("robert"),
        "the renamed user sees its own change"
    );
    let seen = a.sync();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].command.as_str(), seen[0].source_nick()),
        ("NICK", Some("bob"))
    );
    assert!(c.sync().is_empty());
    assert!(d.sync().is_empty());

    b.send("PART #lobby :see you");
    let part = b.expect("PART");
    assert_eq!(part.params, ["#lobby", "see you"]);
    let seen = a.sync();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].command, "PART");
    assert_eq!(seen[0].params, ["#lobby", "see you"]);

    // carol joins the lobby too; alice's quit reaches carol once even though
    // they now share one room, and reaches nobody else.
    c.join("#lobby");
    a.sync();
    a.send("QUIT :bye now");
    let last = a.expect_closed();
    assert_eq!(last.last().map(|m| m.command.as_str()), Some("ERROR"));
    let seen = c.sync();
    let quits = only(&seen, "QUIT");
    assert_eq!(quits.len(), 1, "{seen:?}");
    assert_eq!(quits[0].source_nick(), Some("alice"));
    assert_eq!(quits[0].params, ["Quit: bye now"]);
    assert!(
        b.sync().is_empty(),
        "robert left the room and hears nothing"
    );
    assert!(d.sync().is_empty());
}

#[test]
fn join_replies_with_topic_and_names() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    a.send("TOPIC #lobby :Homework due Friday");
    let t = a.expect("TOPIC");
    assert_eq!(t.params, ["#lobby", "Homework due Friday"]);

    let mut b = server.client("小明");
    b.send("JOIN #LOBBY");
    let join = b.expect("JOIN");
    assert_eq!(
        join.param(0),
        Some("#lobby"),
        "the room keeps the name it was created with"
    );
    let topic = b.expect("332");
    assert_eq!(topic.params[1..], ["#lobby", "Homework due Friday"]);
    let who_time = b.expect("333");
    assert_eq!(who_time.params[2], "alice");
    let names = b.expect("353");
    let mut nicks: Vec<&str> = names.params[3].split(' ').collect();
    nicks.sort_unstable();
    assert_eq!(nicks, ["alice", "小明"]);
    b.expect("366");

    let mut c = server.client("carol");
    c.send("JOIN #fresh");
    c.expect("JOIN");
    // No 331 on JOIN: a room without a topic just has none.
    let burst = c.sync();
    assert!(burst.iter().all(|m| m.command != "331"), "{burst:?}");
    assert!(burst.iter().any(|m| m.command == "366"), "{burst:?}");
    c.send("TOPIC #fresh");
    c.expect("331");
    c.send("TOPIC #lobby :not a member");
    c.expect("442");
    c.send("TOPIC #nowhere");
    c.expect("403");
}

#[test]
fn permanent_room_survives_empty_and_others_disappear() {
    let server = TestServer::with(|c| c.room = "#class".into());
    let mut a = server.member("alice", "#side");
    a.send("LIST");
    a.expect("321");
    let mut listed = Vec::new();
    loop {
        let m = a.recv().expect("list");
        if m.command == "323" {
            break;
        }
        assert_eq!(m.command, "322");
        listed.push((m.params[1].clone(), m.params[2].clone()));
    }
    assert_eq!(
        listed,
        [("#class".into(), "0".into()), ("#side".into(), "1".into())]
    );
    a.send("PART #side");
    a.expect("PART");
    a.send("LIST");
    a.expect("321");
    assert_eq!(a.expect("322").params[1], "#class");
    a.expect("323");
    a.send("PART #side");
    a.expect("403");
    a.send("PART #class");
    a.expect("442");
}

#[test]
fn join_zero_and_multiple_rooms() {
    let server = TestServer::start();
    let mut a = server.client("alice");
    a.send("JOIN #a,#b,#c");
    for room in ["#a", "#b", "#c"] {
        assert_eq!(a.expect("JOIN").param(0), Some(room));
    }
    a.send("JOIN 0");
    for room in ["#a", "#b", "#c"] {
        assert_eq!(a.expect("PART").param(0), Some(room));
    }
    a.send("JOIN bad-name,#ok");
    assert_eq!(a.expect("403").params[1], "bad-name");
    assert_eq!(a.expect("JOIN").param(0), Some("#ok"));
}

#[test]
fn names_who_and_whois() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("bob", "#lobby");
    b.send("AWAY :lunch");
    b.expect("306");

    a.send("NAMES #lobby");
    let names = a.expect("353");
    assert!(names.params[3].split(' ').any(|n| n == "bob"));
    a.expect("366");

    a.send("WHO #lobby");
    let w1 = a.expect("352");
    let w2 = a.expect("352");
    let flags: Vec<(&str, &str)> = [&w1, &w2]
        .iter()
        .map(|m| (m.params[5].as_str(), m.params[6].as_str()))
        .collect();
    assert!(
        flags.contains(&("alice", "H")) && flags.contains(&("bob", "G")),
        "{flags:?}"
    );
    assert_eq!(a.expect("315").params[1], "#lobby");

    a.send("WHOIS bob");
    let user = a.expect("311");
    assert_eq!(user.params[1..4], ["bob", "~tester", "127.0.0.1"]);
    assert_eq!(a.expect("319").params[2], "#lobby");
    a.expect("312");
    assert_eq!(a.expect("301").params[2], "lunch");
    a.expect("317");
    a.expect("318");

    a.send("WHOIS nobody");
    a.expect("401");
    a.expect("318");

    a.send("MODE #lobby");
    // The permanent room: no outside messages; its topic open until a host locks it.
    assert_eq!(a.expect("324").params[2], "+n");
    a.send("MODE #lobby +b");
    a.expect("368");
    a.send("MODE #lobby +m");
    a.expect("482");
    a.send("MODE alice +i");
    assert_eq!(a.expect("MODE").params, ["alice", "+i"]);
    a.send("MODE bob +i");
    a.expect("502");
    a.send("USERHOST bob");
    assert_eq!(a.expect("302").params[1], "bob=-~tester@127.0.0.1");
    a.send("ISON bob nobody alice");
    assert_eq!(a.expect("303").params[1], "bob alice");
}

/// A new room may not pass for one that exists: `#lоbby` (a Cyrillic о) is
/// refused while `#lobby` is there, and so are names that mix alphabets or
/// hide bidirectional overrides; rooms named in one alphabet are fine.
#[test]
fn a_room_cannot_be_named_to_pass_for_another() {
    let server = TestServer::start();
    let mut ana = server.member("ana", "#lobby");
    let mut bob = server.client("bob");
    bob.send("JOIN #l\u{43e}bby");
    let refused = bob.expect("479");
    assert!(
        refused.params.last().unwrap().contains("#lobby"),
        "{refused:?}"
    );
    bob.send("JOIN #mix\u{41c}");
    assert_eq!(bob.expect("479").params[1], "#mix\u{41c}");
    bob.send("JOIN #cba\u{202e}");
    bob.expect("403");
    for fine in ["#Маша", "#数学课", "#7b-maths"] {
        bob.send(&format!("JOIN {fine}"));
        assert_eq!(bob.expect("JOIN").params[0], fine);
    }
    // Nobody was lured anywhere: ana's room has only her and no one joined.
    assert!(ana.sync().is_empty());
}
