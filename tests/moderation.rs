//! What a host relies on to run a room: operators, kick, mute (+m/+v), quiet
//! one person (+q), lock (+i/+k/+l), ban, topic lock, server operators; and
//! that nobody else can.

mod common;
use banter::server::Config;
use common::{only, TestClient, TestServer};

/// alice creates `#class` (so runs it); bob and carol join it.
fn classroom(server: &TestServer) -> (TestClient, TestClient, TestClient) {
    let mut a = server.member("alice", "#class");
    let b = server.member("bob", "#class");
    let c = server.member("carol", "#class");
    a.sync();
    (a, b, c)
}

#[test]
fn whoever_creates_a_room_runs_it_and_nobody_else_can() {
    let server = TestServer::start();
    let (mut a, mut b, mut c) = classroom(&server);
    assert_eq!(c.names("#class"), ["@alice", "bob", "carol"]);

    for attempt in [
        "KICK #class carol :out",
        "MODE #class +m",
        "MODE #class +i",
        "MODE #class +k secret",
        "MODE #class +l 2",
        "MODE #class +b carol",
        "MODE #class +o bob",
        "MODE #class +v bob",
        "MODE #class -o alice",
        "TOPIC #class :bob's room now",
    ] {
        b.send(attempt);
        let refusal = b.expect("482");
        assert_eq!(refusal.params[1], "#class", "{attempt}");
    }
    // Nothing changed: the room's modes, members and topic are as before,
    // and nobody else heard of the attempts.
    b.send("MODE #class");
    assert_eq!(b.expect("324").params[2..], ["+nt"]);
    assert_eq!(b.names("#class"), ["@alice", "bob", "carol"]);
    assert!(c.sync().is_empty());
    assert!(a.sync().is_empty());
}

#[test]
fn kick_removes_someone_with_a_reason_everyone_sees() {
    let server = TestServer::start();
    let (mut a, mut b, mut c) = classroom(&server);
    a.send("KICK #class bob :spamming the room");
    for who in [&mut a, &mut b, &mut c] {
        let kick = who.expect("KICK");
        assert_eq!(kick.source_nick(), Some("alice"));
        assert_eq!(kick.params, ["#class", "bob", "spamming the room"]);
    }
    assert_eq!(c.names("#class"), ["@alice", "carol"]);
    b.send("PRIVMSG #class :let me back");
    assert!(b.expect("404").params[2].contains("not in it"));
    assert!(only(&c.sync(), "PRIVMSG").is_empty());

    // Without a reason the kicker's name is the reason; errors for the rest.
    a.send("KICK #class carol");
    assert_eq!(c.expect("KICK").params, ["#class", "carol", "alice"]);
    a.send("KICK #class bob");
    assert_eq!(a.expect("441").params[1..3], ["bob", "#class"]);
    a.send("KICK #class nobody");
    a.expect("401");
    a.send("KICK #nowhere bob");
    a.expect("403");
    b.join("#other");
    a.send("KICK #other bob");
    a.expect("442");
}

#[test]
fn moderated_room_mutes_all_but_hosts_and_voiced_members() {
    let server = TestServer::start();
    let (mut a, mut b, mut c) = classroom(&server);
    a.send("MODE #class +m");
    for who in [&mut a, &mut b, &mut c] {
        assert_eq!(who.expect("MODE").params, ["#class", "+m"]);
    }
    b.send("PRIVMSG #class :can anyone hear me?");
    let refused = b.expect("404");
    assert!(refused.params[2].contains("+m"), "{refused:?}");
    assert!(
        only(&c.sync(), "PRIVMSG").is_empty(),
        "muted text is not relayed"
    );

    a.send("PRIVMSG #class :only I talk now");
    assert_eq!(c.expect("PRIVMSG").param(1), Some("only I talk now"));

    a.send("MODE #class +v bob");
    assert_eq!(c.expect("MODE").params, ["#class", "+v", "bob"]);
    assert_eq!(c.names("#class"), ["+bob", "@alice", "carol"]);
    b.send("PRIVMSG #class :thanks");
    assert_eq!(c.expect("PRIVMSG").param(1), Some("thanks"));
    c.send("PRIVMSG #class :me too");
    c.expect("404");

    b.sync();
    a.send("MODE #class -v+o-m bob carol");
    let change = b.expect("MODE");
    assert_eq!(change.params, ["#class", "-v+o-m", "bob", "carol"]);
    c.send("PRIVMSG #class :free again");
    assert_eq!(b.expect("PRIVMSG").param(1), Some("free again"));
    assert_eq!(b.names("#class"), ["@alice", "@carol", "bob"]);
}

#[test]
fn locked_room_takes_an_invitation_a_key_or_a_free_seat() {
    let server = TestServer::start();
    let (mut a, _b, _c) = classroom(&server);
    let mut d = server.client("dave");

    a.send("MODE #class +i");
    a.expect("MODE");
    d.send("JOIN #class");
    assert_eq!(d.expect("473").params[1], "#class");
    d.send("INVITE dave #class");
    d.expect("442");
    a.send("INVITE dave #class");
    assert_eq!(a.expect("341").params[1..], ["dave", "#class"]);
    let invite = d.expect("INVITE");
    assert_eq!(invite.source_nick(), Some("alice"));
    assert_eq!(invite.params, ["dave", "#class"]);
    d.join("#class");
    d.send("PART #class");
    d.expect("PART");
    d.send("JOIN #class");
    d.expect("473");

    a.send("MODE #class -i+k letmein");
    assert_eq!(a.expect("MODE").params, ["#class", "-i+k", "letmein"]);
    d.send("JOIN #class");
    d.expect("475");
    d.send("JOIN #class wrong");
    d.expect("475");
    d.send("MODE #class");
    // Outsiders see that there is a key, not what it is.
    assert_eq!(d.expect("324").params[2..], ["+ntk", "*"]);
    d.send("JOIN #class letmein");
    d.expect("JOIN");
    d.send("PART #class");
    d.expect("PART");

    a.send("MODE #class -k+l * 3");
    a.expect("MODE");
    d.send("JOIN #class letmein");
    assert_eq!(d.expect("471").params[1], "#class");
    a.send("MODE #class -l");
    a.expect("MODE");
    d.join("#class");
}

#[test]
fn banned_people_cannot_come_back_or_speak() {
    let server = TestServer::start();
    let (mut a, mut b, mut c) = classroom(&server);
    a.send("MODE #class +b bob");
    let ban = c.expect("MODE");
    assert_eq!(ban.params, ["#class", "+b", "bob!*@*"]);
    b.expect("MODE");
    a.expect("MODE");
    b.send("PRIVMSG #class :still here");
    assert!(b.expect("404").params[2].contains("banned"));
    assert!(only(&c.sync(), "PRIVMSG").is_empty());
    // Nor can he rename his way out of a ban on his name.
    b.send("NICK notbob");
    assert_eq!(b.expect("435").params[1..3], ["notbob", "#class"]);

    b.send("PART #class");
    b.expect("PART");
    b.send("JOIN #class");
    assert_eq!(b.expect("474").params[1], "#class");

    // Anyone may read the list; an exception (+e) lets one person through.
    c.send("MODE #class +b");
    let entry = c.expect("367");
    assert_eq!(
        entry.params[1..4],
        ["#class", "bob!*@*", "alice!~tester@127.0.0.1"]
    );
    c.expect("368");
    a.send("MODE #class +e bob!~tester@*");
    a.expect("MODE");
    b.join("#class");
    a.send("MODE #class -e bob!~tester@*");
    a.expect("MODE");
    a.send("MODE #class -b bob!*@*");
    assert_eq!(a.expect("MODE").params, ["#class", "-b", "bob!*@*"]);
    b.send("PRIVMSG #class :unbanned");
    assert_eq!(c.expect("PRIVMSG").param(1), Some("unbanned"));
}

#[test]
fn a_quieted_member_stays_and_reads_but_cannot_talk() {
    let server = TestServer::start();
    let (mut a, mut b, mut c) = classroom(&server);
    let muted = "Cannot send to channel (+q): a host has muted you";

    b.send("MODE #class +q carol!*@*");
    assert_eq!(b.expect("482").params[1], "#class");
    a.send("MODE #class +q bob!*@*");
    for who in [&mut a, &mut b, &mut c] {
        assert_eq!(who.expect("MODE").params, ["#class", "+q", "bob!*@*"]);
    }

    // Only bob is silenced, and nobody hears what he tried to say.
    b.send("PRIVMSG #class :can anyone hear me?");
    assert_eq!(b.expect("404").params[1..], ["#class", muted]);
    // A new name would slip out of the mute: refused while it applies.
    b.send("NICK bob2");
    let refused = b.expect("435");
    assert_eq!(refused.params[1..3], ["bob2", "#class"]);
    assert!(a.sync().is_empty(), "nobody saw a rename");
    b.send("NOTICE #class :or me?");
    assert!(b.sync().is_empty(), "NOTICE is never answered");
    assert!(only(&c.sync(), "PRIVMSG").is_empty());
    assert!(a.sync().is_empty(), "muted text is not relayed");
    c.send("PRIVMSG #class :the room is not muted");
    assert_eq!(a.expect("PRIVMSG").param(1), Some("the room is not muted"));
    assert_eq!(b.expect("PRIVMSG").param(1), Some("the room is not muted"));

    // Anyone may read the list, as Solanum shows it: the letter after the room.
    c.send("MODE #class q");
    let entry = c.expect("728");
    assert_eq!(
        entry.params[1..5],
        ["#class", "q", "bob!*@*", "alice!~tester@127.0.0.1"]
    );
    assert!(entry.params[5].parse::<u64>().is_ok(), "{entry:?}");
    let end = c.expect("729");
    assert_eq!(
        end.params[1..],
        ["#class", "q", "End of channel quiet list"]
    );

    // Voice outranks the quiet, as it does a ban; so does an exception.
    a.send("MODE #class +v bob");
    c.expect("MODE");
    b.send("PRIVMSG #class :voiced");
    assert_eq!(c.expect("PRIVMSG").param(1), Some("voiced"));
    a.send("MODE #class -v+e bob bob!~tester@*");
    c.expect("MODE");
    b.send("PRIVMSG #class :excepted");
    assert_eq!(c.expect("PRIVMSG").param(1), Some("excepted"));
    a.send("MODE #class -e bob!~tester@*");
    c.expect("MODE");
    b.send("PRIVMSG #class :muted again");
    assert_eq!(b.expect("404").params[2], muted);

    // Lifting it (the mask completed as when it was set) restores him,
    // renaming included.
    a.send("MODE #class -q bob");
    assert_eq!(c.expect("MODE").params, ["#class", "-q", "bob!*@*"]);
    b.send("PRIVMSG #class :back");
    assert_eq!(c.expect("PRIVMSG").param(1), Some("back"));
    b.send("NICK bob2");
    assert_eq!(c.expect("NICK").params, ["bob2"]);
    b.send("NICK bob");
    c.expect("NICK");
    b.send("MODE #class +q");
    let listing = b.sync();
    assert!(only(&listing, "728").is_empty(), "the list is empty again");
    assert_eq!(only(&listing, "729")[0].params[1..3], ["#class", "q"]);
}

#[test]
fn the_topic_is_locked_to_hosts_until_they_open_it() {
    let server = TestServer::start();
    let (mut a, mut b, mut c) = classroom(&server);
    b.send("TOPIC #class :bob rules");
    b.expect("482");
    a.send("TOPIC #class :Homework: page 12");
    assert_eq!(c.expect("TOPIC").params, ["#class", "Homework: page 12"]);
    a.send("MODE #class -t");
    b.expect("MODE");
    b.send("TOPIC #class :page 13 actually");
    assert_eq!(c.expect("TOPIC").params, ["#class", "page 13 actually"]);
}

#[test]
fn secret_rooms_are_hidden_from_outsiders() {
    let server = TestServer::start();
    let (mut a, _b, _c) = classroom(&server);
    a.send("MODE #class +s");
    a.expect("MODE");
    let mut outsider = server.client("eve");
    outsider.send("LIST");
    let lines = outsider.sync();
    assert!(only(&lines, "322").iter().all(|m| m.params[1] != "#class"));
    assert!(outsider.names("#class").is_empty());
    outsider.send("WHOIS alice");
    let whois = outsider.sync();
    assert!(only(&whois, "319").is_empty(), "{whois:?}");
    a.send("LIST");
    let mine = a.sync();
    assert!(only(&mine, "322").iter().any(|m| m.params[1] == "#class"));
}

fn with_oper(c: &mut Config) {
    c.opers.push(("teacher".into(), "s3cret".into()));
}

#[test]
fn server_operators_run_the_permanent_room_and_can_step_in_anywhere() {
    let server = TestServer::with(with_oper);
    let mut t = server.member("teacher", "#lobby");
    let mut s = server.member("student", "#lobby");
    t.sync();
    // The permanent room has no creator: nobody runs it at first.
    assert_eq!(s.names("#lobby"), ["student", "teacher"]);

    t.send("OPER teacher wrong");
    t.expect("464");
    s.send("KILL teacher :no");
    s.expect("481");
    t.send("OPER teacher s3cret");
    t.expect("381");
    let grant = s.expect("MODE");
    assert_eq!(grant.params, ["#lobby", "+Oo", "teacher", "teacher"]);
    assert_eq!(s.names("#lobby"), ["student", "~teacher"]);
    s.send("WHOIS teacher");
    assert!(only(&s.sync(), "313").len() == 1);

    // In a room someone else created, the operator can still moderate.
    let mut other = server.member("other", "#side");
    s.join("#side");
    t.send("MODE #side +m");
    assert_eq!(other.expect("MODE").params, ["#side", "+m"]);
    t.send("KICK #side student :off topic");
    assert_eq!(s.expect("KICK").params, ["#side", "student", "off topic"]);

    t.send("KILL student :disruptive");
    let last = s.expect_closed();
    assert!(last.iter().any(|m| m.command == "ERROR"), "{last:?}");
    // The teacher shares #lobby with the student, so hears of the kill.
    let quit = t.expect("QUIT");
    assert_eq!(quit.source_nick(), Some("student"));
    assert!(quit.params[0].contains("disruptive"));
}

#[test]
fn without_a_permanent_room_the_first_to_join_runs_every_room() {
    let server = TestServer::with(|c| c.room = String::new());
    let mut a = server.client("alice");
    a.send("LIST");
    assert!(
        only(&a.sync(), "322").is_empty(),
        "no room until someone makes one"
    );
    a.join("#lobby");
    assert_eq!(a.names("#lobby"), ["@alice"]);
}

/// A ban a host set can always be seen whole, so it can be lifted: when the
/// listing line would pass 512 bytes, the setter's mask gives way, never the
/// ban's; and a mask too long for that is refused with a reason.
#[test]
fn a_long_ban_is_listed_whole_and_an_overlong_one_is_refused() {
    // Long nicknames (50 characters of Chinese, 150 bytes) for the host,
    // who both sets the ban and reads the list.
    let server = TestServer::with(|c| c.nick_len = 50);
    let host_nick = "老".repeat(50);
    let room = format!("#{}", "课".repeat(16));
    let mut host = server.member(&host_nick, &room);
    let mask = format!("{}!*@*", "学".repeat(65));
    assert!(mask.len() <= 200);
    host.send(&format!("MODE {room} +b {mask}"));
    host.expect("MODE");
    host.send(&format!("MODE {room} +b"));
    let listed = host.expect("367");
    assert_eq!(listed.params[2], mask, "{listed:?}");
    assert_ne!(
        listed.params[3],
        format!("{host_nick}!~tester@127.0.0.1"),
        "the setter gave way"
    );
    assert!(host.longest_line <= 512);
    host.expect("368");
    let overlong = format!("{}!*@*", "x".repeat(300));
    host.send(&format!("MODE {room} +b {overlong}"));
    let refused = host.expect("696");
    assert_eq!(refused.params.last().unwrap(), "That mask is too long");
    host.send(&format!("MODE {room} +b"));
    assert_eq!(host.expect("367").params[2], mask, "only the first ban");
    host.expect("368");
}

/// Wrong OPER passwords slow the next try (after one free typo: 1 s, then
/// 2 s, 4 s … at most a minute), so a student cannot guess the teacher's
/// password at flood control's pace; the right one still works once the
/// wait is over.
#[test]
fn wrong_oper_passwords_make_the_next_try_wait() {
    let server = TestServer::with(|c| c.opers = vec![("teacher".into(), "sesame".into())]);
    let mut guesser = server.client("guesser");
    for guess in ["guess1", "guess2"] {
        guesser.send(&format!("OPER teacher {guess}"));
        assert_eq!(guesser.expect("464").params[1], "Password incorrect");
    }
    guesser.send("OPER teacher sesame");
    let wait = guesser.expect("464");
    assert!(
        wait.params[1].starts_with("Too many wrong passwords: wait"),
        "{wait:?}"
    );
    // Once the wait is over (a bounded poll: it is a second), it works.
    let deadline = std::time::Instant::now() + common::WAIT;
    loop {
        guesser.send("OPER teacher sesame");
        let m = guesser.recv().expect("a reply to OPER");
        if m.command == "381" {
            break;
        }
        assert_eq!(m.command, "464", "{m:?}");
        assert!(std::time::Instant::now() < deadline, "still waiting");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
