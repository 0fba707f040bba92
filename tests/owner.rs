//! The owner of a room (`~`, mode `+O`): the teacher hosting it, the server
//! operators in the server's own room, the creator of a room who made
//! itself its owner (Banter's client does at once; a plain IRC creator is
//! an operator, as everywhere). Co-hosts cannot remove, demote, ban or mute
//! an owner, and an owner always gets back in.

mod common;
use banter::proto::reason::OWNER_PROTECTED;
use common::{only, TestClient, TestServer};

/// ana creates `#class` with multi-prefix and makes herself its owner; bob
/// joins and is made co-host; carol joins.
fn classroom(server: &TestServer) -> (TestClient, TestClient, TestClient) {
    let mut ana = server.member_with_caps("ana", "multi-prefix", "#class");
    ana.send("MODE #class +O ana");
    assert_eq!(ana.expect("MODE").params, ["#class", "+O", "ana"]);
    let mut bob = server.member("bob", "#class");
    let mut carol = server.member("carol", "#class");
    ana.send("MODE #class +o bob");
    ana.expect("MODE");
    bob.expect("MODE");
    carol.expect("MODE");
    (ana, bob, carol)
}

#[test]
fn only_the_creator_can_make_itself_owner_and_everyone_sees_the_tilde() {
    let server = TestServer::start();
    let mut ana = server.member("ana", "#class");
    let mut bob = server.member("bob", "#class");
    ana.send("MODE #class +o bob");
    bob.expect("MODE");
    // A co-host cannot make itself (or anyone) the owner.
    bob.send("MODE #class +O bob");
    assert_eq!(bob.expect("482").params[2], OWNER_PROTECTED);
    // Until she claims it, the creator is an operator as on any server.
    assert_eq!(bob.names("#class"), ["@ana", "@bob"]);
    ana.send("MODE #class +O ana");
    assert_eq!(bob.expect("MODE").params, ["#class", "+O", "ana"]);
    // The highest prefix without multi-prefix, all of them with it.
    assert_eq!(bob.names("#class"), ["@bob", "~ana"]);
    let mut carol = server.member_with_caps("carol", "multi-prefix", "#class");
    assert_eq!(carol.names("#class"), ["@bob", "carol", "~@ana"]);
    bob.send("VERSION");
    let isupport: Vec<String> = only(&bob.sync(), "005")
        .iter()
        .flat_map(|m| m.params.clone())
        .collect();
    assert!(
        isupport.iter().any(|t| t == "PREFIX=(Oov)~@+"),
        "{isupport:?}"
    );
}

#[test]
fn a_co_host_cannot_remove_demote_ban_or_mute_the_owner() {
    let server = TestServer::start();
    let (mut ana, mut bob, mut carol) = classroom(&server);
    for attempt in [
        "KICK #class ana :bye",
        "MODE #class -o ana",
        "MODE #class -O ana",
        "MODE #class -v ana",
        "MODE #class +b ana!*@*",
        "MODE #class +b *!*@127.0.0.1",
        "MODE #class +q *!*@*",
        "MODE #class +O carol",
    ] {
        bob.send(attempt);
        let refusal = bob.expect("482");
        assert_eq!(
            refusal.params[1..],
            ["#class", OWNER_PROTECTED],
            "{attempt}"
        );
    }
    // Nothing changed, and nobody else heard of it.
    assert_eq!(ana.names("#class"), ["@bob", "carol", "~@ana"]);
    bob.send("MODE #class b");
    assert!(only(&bob.sync(), "367").is_empty());
    assert!(ana.sync().is_empty());
    assert!(carol.sync().is_empty());

    // A co-host still runs the room for everyone else.
    bob.send("KICK #class carol :enough");
    assert_eq!(carol.expect("KICK").params[1], "carol");
    // The owner can do all of it, to a co-host too.
    ana.send("MODE #class -o bob");
    assert_eq!(bob.expect("MODE").params, ["#class", "-o", "bob"]);
    ana.send("MODE #class +O bob");
    assert_eq!(bob.expect("MODE").params, ["#class", "+O", "bob"]);
    ana.send("KICK #class bob :co-owner no more");
    assert_eq!(bob.expect("KICK").params[1], "bob");
}

#[test]
fn the_owner_gets_back_in_past_a_lock_a_key_a_limit_and_a_ban() {
    let server = TestServer::start();
    let (mut ana, mut bob, mut carol) = classroom(&server);
    ana.send("PART #class :back soon");
    bob.expect("PART");
    bob.send("MODE #class +iklb secret 2 *!*@*");
    let set = carol.expect("MODE");
    assert_eq!(set.params, ["#class", "+iklb", "secret", "2", "*!*@*"]);
    ana.send("JOIN #class");
    let join = bob.expect("JOIN");
    assert_eq!(join.source_nick(), Some("ana"));
    // Back as owner, and everyone is told.
    let mode = bob.expect("MODE");
    assert_eq!(mode.params, ["#class", "+Oo", "ana", "ana"]);
    assert_eq!(ana.names("#class"), ["@bob", "carol", "~@ana"]);

    // Someone else is kept out by the same locks.
    let mut dave = server.client("dave");
    dave.send("JOIN #class");
    let refused = dave.recv().expect("a refusal");
    assert!(
        ["473", "474", "475", "471"].contains(&refused.command.as_str()),
        "{refused:?}"
    );
}

#[test]
fn an_owner_who_disconnects_no_longer_owns_the_room() {
    let server = TestServer::start();
    let (ana, mut bob, _carol) = classroom(&server);
    drop(ana);
    bob.expect("QUIT");
    bob.send("MODE #class +i");
    bob.expect("MODE");
    // Someone new, on whatever connection slot ana had, is an outsider.
    let mut ana_again = server.client("ana");
    ana_again.send("JOIN #class");
    assert_eq!(ana_again.expect("473").params[1], "#class");
}

#[test]
fn in_the_server_room_operators_are_owners_and_co_hosts_cannot_touch_them() {
    let server = TestServer::with(|c| c.opers.push(("teacher".into(), "s3cret".into())));
    let mut t = server.member("teacher", "#lobby");
    let mut s = server.member("student", "#lobby");
    t.send("OPER teacher s3cret");
    t.expect("381");
    assert_eq!(
        s.expect("MODE").params,
        ["#lobby", "+Oo", "teacher", "teacher"]
    );
    t.send("MODE #lobby +o student");
    s.expect("MODE");
    s.send("KICK #lobby teacher :my room now");
    assert_eq!(s.expect("482").params[2], OWNER_PROTECTED);
    s.send("MODE #lobby +i");
    s.expect("MODE");
    t.send("PART #lobby");
    s.expect("PART");
    t.send("JOIN #lobby");
    assert_eq!(s.expect("JOIN").source_nick(), Some("teacher"));
    assert_eq!(
        s.expect("MODE").params,
        ["#lobby", "+Oo", "teacher", "teacher"]
    );
}
