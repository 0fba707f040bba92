//! Room memory through the real server: replay for late joiners, CHATHISTORY
//! ranges, a host's bans and quiets kept with the room's events, history that
//! survives a restart, private history that a later owner of the same name
//! cannot read, and the host's transcript export.

mod common;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use banter::proto::Message;
use common::{only, TestClient, TestServer, SERVER_BIN, WAIT};

/// A fresh folder for one test's history file.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("banter-history-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn texts(msgs: &[Message]) -> Vec<String> {
    only(msgs, "PRIVMSG")
        .iter()
        .map(|m| m.params[1].clone())
        .collect()
}

/// The lines of one `chathistory` batch, after the request was sent.
fn batch(c: &mut TestClient) -> Vec<Message> {
    let open = c.expect("BATCH");
    assert_eq!(open.params[1], "chathistory", "{open:?}");
    let reference = open.params[0].trim_start_matches('+').to_owned();
    let mut inner = Vec::new();
    loop {
        let m = c.recv().expect("batch line");
        if m.command == "BATCH" {
            assert_eq!(m.params[0], format!("-{reference}"));
            return inner;
        }
        assert_eq!(m.tag("batch"), Some(reference.as_str()), "{m:?}");
        inner.push(m);
    }
}

#[test]
fn a_late_joiner_sees_the_last_lines() {
    let server = TestServer::with(|c| c.replay_lines = 3);
    let mut a = server.member("alice", "#lobby");
    for n in 1..=5 {
        a.send(&format!("PRIVMSG #lobby :line {n}"));
    }
    a.sync();
    let mut b = server.client("bob");
    b.join("#lobby");
    let replay = b.sync();
    assert_eq!(texts(&replay), ["line 3", "line 4", "line 5"]);
    assert!(
        replay.iter().all(|m| m.tags.is_empty()),
        "no tags asked for"
    );
    assert_eq!(replay[0].source_nick(), Some("alice"));

    // With server-time, each line carries the time it was said.
    let mut c = server.member_with_caps("carol", "server-time", "#other");
    c.send("JOIN #lobby");
    c.expect("366");
    let replay = c.sync();
    assert_eq!(texts(&replay).len(), 3);
    assert!(only(&replay, "PRIVMSG")
        .iter()
        .all(|m| m.tag("time").is_some()));
}

#[test]
fn chathistory_returns_exactly_the_range_asked_for() {
    let server = TestServer::start();
    let caps = "batch server-time message-tags draft/chathistory";
    let mut a = server.member_with_caps("alice", caps, "#class");
    let mut ids = Vec::new();
    for n in 0..10 {
        a.send(&format!("PRIVMSG #class :m{n}"));
        // Distinct milliseconds, so that timestamps tell the lines apart.
        a.sync();
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    let mut b = server.member_with_caps("bob", caps, "#class");
    // A chathistory client gets no replay: it asks.
    assert!(texts(&b.sync()).is_empty());
    b.send("CHATHISTORY LATEST #class * 100");
    let all = batch(&mut b);
    let said: Vec<&Message> = all.iter().filter(|m| m.command == "PRIVMSG").collect();
    assert_eq!(said.len(), 10);
    for m in &said {
        ids.push(m.tag("msgid").expect("msgid").to_owned());
        assert!(m.tag("time").is_some());
    }
    let text_of = |v: &[Message]| texts(v);

    b.send("CHATHISTORY LATEST #class * 2");
    assert_eq!(text_of(&batch(&mut b)), ["m8", "m9"]);
    b.send(&format!("CHATHISTORY BEFORE #class msgid={} 3", ids[5]));
    assert_eq!(text_of(&batch(&mut b)), ["m2", "m3", "m4"]);
    b.send(&format!("CHATHISTORY AFTER #class msgid={} 2", ids[5]));
    assert_eq!(text_of(&batch(&mut b)), ["m6", "m7"]);
    b.send(&format!("CHATHISTORY AROUND #class msgid={} 3", ids[5]));
    assert_eq!(text_of(&batch(&mut b)), ["m4", "m5", "m6"]);
    b.send(&format!(
        "CHATHISTORY BETWEEN #class msgid={} msgid={} 100",
        ids[2], ids[6]
    ));
    assert_eq!(text_of(&batch(&mut b)), ["m3", "m4", "m5"]);
    let time = said[7].tag("time").expect("time").to_owned();
    b.send(&format!("CHATHISTORY AFTER #class timestamp={time} 100"));
    assert_eq!(text_of(&batch(&mut b)), ["m8", "m9"]);

    // Only members read a room's history; nonsense gets a clear FAIL.
    let mut c = server.member_with_caps("carol", caps, "#elsewhere");
    c.send("CHATHISTORY LATEST #class * 10");
    let fail = c.expect("FAIL");
    assert_eq!(
        fail.params[..3],
        ["CHATHISTORY", "INVALID_TARGET", "LATEST"]
    );
    c.send("CHATHISTORY LATEST #class yesterday 10");
    assert_eq!(c.expect("FAIL").params[1], "INVALID_PARAMS");
    c.send("CHATHISTORY SIDEWAYS #class * 10");
    assert_eq!(c.expect("FAIL").params[1], "INVALID_PARAMS");
}

/// A quiet (`+q`) goes into the room's history as a ban does, so clients
/// that play events back see who was muted, and by whom.
#[test]
fn a_quiet_is_kept_with_the_rooms_events_like_a_ban() {
    let server = TestServer::start();
    let caps = "batch draft/chathistory draft/event-playback";
    let mut a = server.member_with_caps("alice", caps, "#class");
    a.send("MODE #class +b eve");
    a.send("MODE #class +q bob");
    a.sync();
    a.send("CHATHISTORY LATEST #class * 10");
    let events = batch(&mut a);
    let modes: Vec<&[String]> = only(&events, "MODE")
        .iter()
        .map(|m| &m.params[..])
        .collect();
    assert_eq!(
        modes,
        [["#class", "+b", "eve!*@*"], ["#class", "+q", "bob!*@*"]],
        "{events:?}"
    );
    assert!(only(&events, "MODE")
        .iter()
        .all(|m| m.source_nick() == Some("alice")));
}

#[test]
fn history_survives_a_restart() {
    let dir = temp_dir("restart");
    let file = dir.join("history.sqlite3");
    let f = file.clone();
    let mut server = TestServer::with(move |c| c.history_file = Some(f));
    let mut a = server.member_with_caps("alice", "message-tags", "#lobby");
    a.send("PRIVMSG #lobby :before the restart");
    a.send("TOPIC #lobby :kept too");
    a.sync();
    a.send("PRIVMSG #lobby :last words");
    // Bob's replay must come after the server has read this line.
    a.sync();
    let sent_id = {
        let mut b = server.member_with_caps("bob", "message-tags", "#lobby");
        let replay = b.sync();
        let last = only(&replay, "PRIVMSG");
        last.last().and_then(|m| m.tag("msgid")).map(str::to_owned)
    };
    drop(a);
    server.stop();

    let f = file.clone();
    let server = TestServer::with(move |c| c.history_file = Some(f));
    let mut c = server.client("carol");
    c.send("CAP REQ :message-tags");
    c.expect("CAP");
    c.join("#lobby");
    let replay = c.sync();
    assert_eq!(texts(&replay), ["before the restart", "last words"]);
    let replayed_id = only(&replay, "PRIVMSG")
        .last()
        .and_then(|m| m.tag("msgid"))
        .map(str::to_owned);
    assert!(sent_id.is_some());
    assert_eq!(replayed_id, sent_id, "the same message, with its id");

    // The host's transcript, from the same file.
    let out = Command::new(SERVER_BIN)
        .args(["export", "--room", "#lobby", "--history-file"])
        .arg(&file)
        .output()
        .expect("run export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let transcript = String::from_utf8_lossy(&out.stdout);
    assert!(
        transcript.contains("<alice> before the restart"),
        "{transcript}"
    );
    assert!(
        transcript.contains("alice set the topic: kept too"),
        "{transcript}"
    );
    let html = Command::new(SERVER_BIN)
        .args(["export", "--format", "html", "--history-file"])
        .arg(&file)
        .output()
        .expect("run export");
    assert!(
        String::from_utf8_lossy(&html.stdout).contains("<span class=\"n\">alice</span> last words")
    );
    let missing = Command::new(SERVER_BIN)
        .args(["export", "--history-file"])
        .arg(dir.join("nope.sqlite3"))
        .output()
        .expect("run export");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no history file"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn private_history_is_never_read_by_a_later_owner_of_the_name() {
    let server = TestServer::start();
    let caps = "batch server-time draft/chathistory";
    let mut a = server.member_with_caps("alice", caps, "#lobby");
    let mut b = server.member_with_caps("bob", caps, "#lobby");
    a.send("PRIVMSG bob :my locker code is 1234");
    b.expect("PRIVMSG");
    b.send("CHATHISTORY LATEST alice * 10");
    assert_eq!(texts(&batch(&mut b)), ["my locker code is 1234"]);
    a.send("CHATHISTORY LATEST bob * 10");
    assert_eq!(texts(&batch(&mut a)), ["my locker code is 1234"]);

    b.send("QUIT :bye");
    b.expect_closed();
    a.expect("QUIT");
    let mut impostor = server.member_with_caps("bob", caps, "#lobby");
    impostor.send("CHATHISTORY LATEST alice * 10");
    assert!(texts(&batch(&mut impostor)).is_empty());
    a.send("CHATHISTORY LATEST bob * 10");
    assert!(texts(&batch(&mut a)).is_empty(), "gone for alice too");
}

/// A client with `banter.chat/resume` (and the given caps), registered as
/// `nick`, in `room`; returns it and its resume token.
fn resumable(server: &TestServer, nick: &str, room: &str) -> (TestClient, String) {
    let mut c = server.connect();
    c.nick = nick.to_owned();
    c.send("CAP REQ :banter.chat/resume batch server-time message-tags draft/chathistory");
    assert_eq!(c.expect("CAP").params[1], "ACK");
    c.send("CAP END");
    c.register(nick);
    let token = c.expect("RESUME");
    assert_eq!(token.params[0], "TOKEN");
    c.join(room);
    (c, token.params[1].clone())
}

#[test]
fn a_dropped_client_keeps_its_seat_and_takes_it_back() {
    let server = TestServer::start();
    let mut teacher = server.member("teacher", "#class");
    let (mut ming, token) = resumable(&server, "小明", "#class");
    teacher.expect("JOIN");
    teacher.send("MODE #class +v 小明");
    ming.expect("MODE");
    ming.send("PRIVMSG #class :before the blip");
    teacher.expect("PRIVMSG");
    ming.sync();
    // The connection drops without a QUIT (Wi-Fi blip).
    drop(ming);
    let quit = teacher.expect("QUIT");
    assert_eq!(quit.source_nick(), Some("小明"));
    teacher.send("PRIVMSG #class :while you were away");
    teacher.sync();

    // Nobody else can take the name meanwhile, and says why.
    let mut stranger = server.connect();
    stranger.send("NICK 小明");
    stranger.send("USER x 0 * :x");
    let refused = stranger.expect("433");
    assert!(refused.params[2].contains("held"), "{refused:?}");
    // A wrong token changes nothing.
    stranger.send("RESUME 0123456789abcdef0123456789abcdef");
    assert_eq!(
        stranger.expect("FAIL").params[..2],
        ["RESUME", "INVALID_TOKEN"]
    );

    // The same client comes back with its token.
    let mut back = server.connect();
    back.nick = "小明".into();
    back.send("CAP REQ :banter.chat/resume batch server-time message-tags draft/chathistory");
    back.expect("CAP");
    back.send(&format!("RESUME {token}"));
    back.send("NICK 小明");
    back.send("USER ming 0 * :Ming");
    back.send("CAP END");
    assert_eq!(back.expect("001").params[0], "小明");
    let ok = back.expect("RESUME");
    assert_eq!(ok.params, ["SUCCESS", "小明"]);
    let rejoin = back.expect("JOIN");
    assert_eq!(rejoin.params[0], "#class");
    // Others see it come back, with its voice.
    assert_eq!(teacher.expect("JOIN").source_nick(), Some("小明"));
    assert_eq!(teacher.expect("MODE").params, ["#class", "+v", "小明"]);
    let rest = back.sync();
    let token2 = only(&rest, "RESUME");
    assert_eq!(token2[0].params[0], "TOKEN");
    assert_ne!(token2[0].params[1], token, "a token is used once");
    // It fetches exactly what it missed.
    back.send("CHATHISTORY LATEST #class * 2");
    assert_eq!(
        texts(&batch(&mut back)),
        ["before the blip", "while you were away"]
    );
}

#[test]
fn a_quit_gives_up_the_seat_and_an_expired_seat_frees_the_name() {
    // Long enough that the 433 below cannot come after the seat expired,
    // however late the server sees the second connection.
    let grace = Duration::from_millis(1500);
    let server = TestServer::with(|c| {
        c.seat_grace = grace;
        c.ping_interval = Duration::from_secs(30);
    });
    let (mut a, _) = resumable(&server, "alice", "#lobby");
    a.send("QUIT :bye");
    a.expect_closed();
    let mut b = server.client("alice");
    b.sync();
    drop(b);

    let mut watcher = server.member("watcher", "#lobby");
    let (c, _) = resumable(&server, "carol", "#lobby");
    watcher.expect("JOIN");
    // The seat cannot be held before this: however late the server sees
    // the drop, it expires no sooner than `grace` after `lost`.
    let lost = Instant::now();
    drop(c);
    // The QUIT says the server saw the connection lost: the seat is held
    // from now on.
    assert_eq!(watcher.expect("QUIT").source_nick(), Some("carol"));
    let mut d = server.connect();
    d.send("NICK carol");
    d.send("USER tester 0 * :Test User");
    loop {
        let reply = d.recv().expect("a reply to NICK");
        match reply.command.as_str() {
            "433" => break,
            // Only a machine that stalled past the grace period may see it free.
            "001" => {
                assert!(lost.elapsed() >= grace, "carol was free while held");
                // d has the name: free again after the grace, as below.
                return;
            }
            "NOTICE" => {}
            other => panic!("NICK carol while held: {other} {:?}", reply.params),
        }
    }
    // After the grace period the name is free again.
    let deadline = Instant::now() + WAIT;
    loop {
        let mut e = server.connect();
        e.send("NICK carol");
        e.send("USER tester 0 * :Test User");
        match e.recv().map(|m| m.command) {
            Some(c) if c == "001" => break,
            Some(c) if c == "433" && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50))
            }
            other => panic!("carol never free again: {other:?}"),
        }
    }
}
