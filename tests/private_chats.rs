//! The private-chat switch (`+P hosts|off`): the server holds every client
//! to it, however it speaks IRC, and the server's own room keeps it across
//! restarts.

mod common;
use banter::proto::reason;
use common::{only, TempDir, TestClient, TestServer};

fn oper(c: &mut banter::server::Config) {
    c.opers.push(("teacher".into(), "sesame".into()));
}

/// The teacher (server operator, so owner of `#lobby`) and two students.
fn class(server: &TestServer) -> (TestClient, TestClient, TestClient) {
    let mut teacher = server.member("teacher", "#lobby");
    teacher.send("OPER teacher sesame");
    teacher.expect("381");
    let a = server.member("ana", "#lobby");
    let b = server.member("ben", "#lobby");
    teacher.sync();
    (teacher, a, b)
}

#[test]
fn only_with_hosts_students_write_to_the_teacher_and_not_to_each_other() {
    let server = TestServer::with(oper);
    let (mut teacher, mut ana, mut ben) = class(&server);
    ana.send("PRIVMSG ben :before the rule");
    assert_eq!(ben.expect("PRIVMSG").params[1], "before the rule");

    teacher.send("MODE #lobby +P hosts");
    // Everyone is told in words, and by the MODE line.
    let notice = ana.expect("NOTICE");
    assert_eq!(notice.params[1], reason::PRIVATE_CHATS_NOW_HOSTS);
    assert_eq!(ana.expect("MODE").params, ["#lobby", "+P", "hosts"]);
    ben.sync();
    teacher.sync();

    ana.send("PRIVMSG ben :psst");
    let refused = ana.expect("531");
    assert_eq!(refused.params[1..], ["ben", reason::PRIVATE_CHATS_HOSTS]);
    ana.send("NOTICE ben :psst");
    ana.send("PRIVMSG teacher :may I ask something?");
    assert_eq!(teacher.expect("PRIVMSG").params[1], "may I ask something?");
    assert!(
        only(&ben.sync(), "PRIVMSG").is_empty(),
        "nothing reached ben"
    );
    assert!(only(&ben.sync(), "NOTICE").is_empty());
    teacher.send("PRIVMSG ben :see me after class");
    assert_eq!(ben.expect("PRIVMSG").params[1], "see me after class");

    // No back door: no room of one's own, and leaving the room does not
    // free a student to write to one still in it.
    ana.send("JOIN #secret");
    let refused = ana.expect("482");
    assert_eq!(refused.params[1..], ["#secret", reason::NO_NEW_ROOMS]);
    ana.send("PART #lobby");
    ana.expect("PART");
    ana.send("PRIVMSG ben :now?");
    assert_eq!(ana.expect("531").params[2], reason::PRIVATE_CHATS_HOSTS);

    // Back to anyone.
    teacher.send("MODE #lobby -P");
    assert_eq!(
        ben.expect("NOTICE").params[1],
        reason::PRIVATE_CHATS_NOW_ANYONE
    );
    ana.send("PRIVMSG ben :free again");
    assert_eq!(ben.expect("PRIVMSG").params[1], "free again");
}

#[test]
fn off_means_no_private_messages_from_students_and_only_hosts_change_it() {
    let server = TestServer::with(oper);
    let (mut teacher, mut ana, mut ben) = class(&server);
    ana.send("MODE #lobby +P off");
    assert_eq!(ana.expect("482").params[1], "#lobby");
    teacher.send("MODE #lobby +P off");
    ana.expect("NOTICE");
    ana.expect("MODE");
    ben.sync();
    teacher.sync();
    ana.send("PRIVMSG teacher :hello?");
    assert_eq!(ana.expect("531").params[2], reason::PRIVATE_CHATS_OFF);
    // The teacher may still write to anyone.
    teacher.send("PRIVMSG ana :please stay on task");
    assert_eq!(ana.expect("PRIVMSG").params[1], "please stay on task");
    // A co-host is a host: not held to it.
    teacher.send("MODE #lobby +o ben");
    ana.expect("MODE");
    ben.sync();
    ben.send("PRIVMSG ana :I can help");
    assert_eq!(ana.expect("PRIVMSG").params[1], "I can help");
    // A value it does not know changes nothing.
    teacher.send("MODE #lobby +P sometimes");
    teacher.send("MODE #lobby");
    let modes = teacher.expect("324");
    assert!(modes.params[2].contains('P'), "{modes:?}");
    assert_eq!(modes.params.last().map(String::as_str), Some("off"));
}

#[test]
fn the_servers_own_room_keeps_its_rule_across_a_restart() {
    let dir = TempDir::new("private-rule");
    let file = dir.file();
    let f = file.clone();
    let mut server = TestServer::with(move |c| {
        oper(c);
        c.history_file = Some(f);
    });
    let (mut teacher, ana, ben) = class(&server);
    teacher.send("MODE #lobby +P hosts");
    teacher.expect("MODE");
    drop((teacher, ana, ben));
    server.stop();

    let f = file.clone();
    let server = TestServer::with(move |c| {
        oper(c);
        c.history_file = Some(f);
    });
    let (_teacher, mut ana, _ben) = class(&server);
    ana.send("PRIVMSG ben :after the restart");
    assert_eq!(ana.expect("531").params[2], reason::PRIVATE_CHATS_HOSTS);
}
