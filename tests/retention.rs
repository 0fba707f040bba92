//! What the server keeps, through the real server: `--history-days` (a short
//! `Limits::max_age` here) holds for a quiet room on every read, in the file,
//! after a restart and in the transcript export.

mod common;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use banter::proto::Message;
use banter::server::Config;
use common::{only, TempDir, TestClient, TestServer, SERVER_BIN, WAIT};

/// Long enough to see a line before it ages on a loaded machine, short
/// enough for a test.
const MAX_AGE: Duration = Duration::from_secs(3);

const CAPS: &str = "batch server-time message-tags draft/chathistory";

fn texts(msgs: &[Message]) -> Vec<String> {
    only(msgs, "PRIVMSG")
        .iter()
        .map(|m| m.params[1].clone())
        .collect()
}

/// What `CHATHISTORY LATEST <room> * 100` returns to `c`.
fn latest(c: &mut TestClient, room: &str) -> Vec<String> {
    c.send(&format!("CHATHISTORY LATEST {room} * 100"));
    let open = c.expect("BATCH");
    let reference = open.params[0].trim_start_matches('+').to_owned();
    let mut inner = Vec::new();
    loop {
        let m = c.recv().expect("batch line");
        if m.command == "BATCH" && m.params[0] == format!("-{reference}") {
            return texts(&inner);
        }
        inner.push(m);
    }
}

/// Messages the file holds for `room` (read beside the running server: WAL).
fn rows(file: &Path, room: &str) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the history file");
    conn.query_row(
        "SELECT COUNT(*) FROM events WHERE target = ?1 AND command = 'PRIVMSG'",
        [room],
        |r| r.get(0),
    )
    .expect("count rows")
}

/// Polls `done` every 50 ms until it holds, failing after [`WAIT`].
#[track_caller]
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn with_file(file: &Path) -> impl FnOnce(&mut Config) {
    let file = file.to_owned();
    move |c: &mut Config| {
        c.history_file = Some(file);
        c.history.max_age = Some(MAX_AGE);
        c.replay_lines = 10;
    }
}

fn export(file: &Path) -> String {
    let out = Command::new(SERVER_BIN)
        .args(["export", "--room", "#lobby", "--history-file"])
        .arg(file)
        .output()
        .expect("run export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_quiet_rooms_old_lines_are_gone_on_read_on_disk_after_a_restart_and_in_the_export() {
    let dir = TempDir::new("quiet");
    let file = dir.file();
    let mut server = TestServer::with(with_file(&file));
    let mut a = server.member_with_caps("alice", CAPS, "#lobby");
    a.send("PRIVMSG #lobby :last term's news");
    a.sync();
    // Kept while young: everywhere the test looks below.
    assert_eq!(latest(&mut a, "#lobby"), ["last term's news"]);
    wait_until("the line on disk", || rows(&file, "#lobby") == 1);
    assert!(export(&file).contains("last term's news"));

    // The room stays quiet; the line ages out of every read...
    wait_until("CHATHISTORY to age", || latest(&mut a, "#lobby").is_empty());
    let mut b = server.member("bob", "#lobby");
    assert!(texts(&b.sync()).is_empty(), "no replay of an aged line");
    // ...and out of the file, by the loop's sweep.
    wait_until("the file to be pruned", || rows(&file, "#lobby") == 0);
    drop((a, b));
    server.stop();

    // A row the server never saw age (written while it was down, dated
    // last year) is neither read back at start nor exported.
    let old = banter::clock::unix_ms() - 365 * 86_400_000;
    rusqlite::Connection::open(&file)
        .expect("open")
        .execute(
            "INSERT INTO events (target, msgid, time_ms, source, command, params)
             VALUES ('#lobby', 'old1', ?1, 'alice!a@h', 'PRIVMSG', ?2)",
            rusqlite::params![old as i64, "#lobby\nfrom last year"],
        )
        .expect("insert an old row");
    assert!(
        !export(&file).contains("from last year"),
        "the export keeps to the server's window"
    );
    let server = TestServer::with(with_file(&file));
    let mut c = server.member("carol", "#lobby");
    assert!(texts(&c.sync()).is_empty(), "not read back at start");
    let mut d = server.member_with_caps("dave", CAPS, "#lobby");
    assert!(latest(&mut d, "#lobby").is_empty());
    assert_eq!(rows(&file, "#lobby"), 0, "pruned at start");
}

#[test]
fn a_rooms_history_ends_with_the_room_but_the_servers_own_room_keeps_its() {
    let dir = TempDir::new("ended");
    let file = dir.file();
    let f = file.clone();
    let mut server = TestServer::with(move |c| {
        c.history_file = Some(f);
        c.replay_lines = 10;
    });
    let mut a = server.member_with_caps("alice", CAPS, "#secret");
    a.send("MODE #secret +ik hunter2");
    a.send("PRIVMSG #secret :the answer is 42");
    a.send("JOIN #lobby");
    a.send("PRIVMSG #lobby :welcome, all");
    a.sync();
    assert_eq!(latest(&mut a, "#secret"), ["the answer is 42"]);
    wait_until("the line on disk", || rows(&file, "#secret") == 1);
    let mut b = server.member_with_caps("bob", CAPS, "#diary");
    b.send("PRIVMSG #diary :dear diary");
    b.sync();
    wait_until("the diary on disk", || rows(&file, "#diary") == 1);

    // #secret ends by PART, #diary by QUIT; #lobby empties but is permanent.
    a.send("PART #secret");
    a.send("PART #lobby");
    a.sync();
    b.send("QUIT :bye");
    b.expect_closed();
    let mut eve = server.member_with_caps("eve", CAPS, "#secret");
    assert!(
        latest(&mut eve, "#secret").is_empty(),
        "nothing through CHATHISTORY"
    );
    eve.join("#diary");
    assert!(latest(&mut eve, "#diary").is_empty());
    let mut mallory = server.member("mallory", "#secret");
    assert!(texts(&mallory.sync()).is_empty(), "no replay on JOIN");
    let mut carol = server.member("carol", "#lobby");
    assert_eq!(
        texts(&carol.sync()),
        ["welcome, all"],
        "the server's room keeps its"
    );
    wait_until("the rows to go", || {
        rows(&file, "#secret") == 0 && rows(&file, "#diary") == 0
    });
    drop((a, eve, mallory, carol));
    server.stop();

    let f = file.clone();
    let server = TestServer::with(move |c| {
        c.history_file = Some(f);
        c.replay_lines = 10;
    });
    let mut later = server.member_with_caps("trudy", CAPS, "#secret");
    assert!(
        latest(&mut later, "#secret").is_empty(),
        "nor after a restart"
    );
    let mut carol = server.member("carol", "#lobby");
    assert_eq!(texts(&carol.sync()), ["welcome, all"]);
}

#[test]
fn a_damaged_file_is_moved_aside_and_a_shared_folder_is_refused() {
    let dir = TempDir::new("faults");
    let file = dir.file();
    std::fs::write(&file, b"not a database, just some bytes ".repeat(100)).expect("junk");
    let f = file.clone();
    let server = TestServer::with(move |c| c.history_file = Some(f));
    let mut a = server.member_with_caps("alice", CAPS, "#lobby");
    a.send("PRIVMSG #lobby :still here");
    a.sync();
    wait_until("the line in the new file", || rows(&file, "#lobby") == 1);
    let moved = std::fs::read_dir(&dir.0)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("history.sqlite3.broken-")
        })
        .count();
    assert_eq!(moved, 1, "the damaged file is kept aside");

    // A second server on the same folder refuses, naming it and --data-dir.
    let second = banter::server::Server::bind(Config {
        history_file: Some(file.clone()),
        ..common::test_config()
    });
    let line = second.err().expect("refused").to_string();
    assert!(
        line.contains(&dir.0.display().to_string()) && line.contains("--data-dir"),
        "{line}"
    );
    assert!(!line.contains('\n'), "one line: {line}");
}

/// A deleted message (REDACT) is gone from every place the server keeps
/// it: CHATHISTORY, the replay to plain clients, the file (its bytes too:
/// `secure_delete`) and the transcript, after a restart as well.
#[test]
fn a_deleted_message_is_gone_from_history_replay_the_file_and_the_export() {
    let dir = TempDir::new("redacted");
    let file = dir.file();
    let f = file.clone();
    let mut server = TestServer::with(move |c| {
        c.history_file = Some(f);
        c.replay_lines = 10;
    });
    let caps = format!("{CAPS} echo-message draft/message-redaction");
    let mut teacher = server.member_with_caps("teacher", &caps, "#lobby");
    let mut pupil = server.member_with_caps("pupil", &caps, "#lobby");
    teacher.sync();
    pupil.send("PRIVMSG #lobby :homework is cancelled today");
    pupil.send("PRIVMSG #lobby :page 12 please");
    let said = pupil.expect("PRIVMSG");
    let msgid = said.tag("msgid").expect("a msgid").to_owned();
    pupil.sync();
    wait_until("both lines on disk", || rows(&file, "#lobby") == 2);
    // The room is the server's own, so nobody runs it: the author deletes.
    pupil.send(&format!("REDACT #lobby {msgid} :not true"));
    let told = teacher.expect("REDACT");
    assert_eq!(told.params, ["#lobby", msgid.as_str(), "not true"]);
    assert_eq!(told.source_nick(), Some("pupil"));

    assert_eq!(latest(&mut teacher, "#lobby"), ["page 12 please"]);
    let mut plain = server.member("plain", "#lobby");
    assert_eq!(texts(&plain.sync()), ["page 12 please"], "the replay");
    wait_until("the row deleted", || rows(&file, "#lobby") == 1);
    drop((teacher, pupil, plain));
    server.stop();

    let bytes = std::fs::read(&file).expect("read the file");
    let needle = b"homework is cancelled";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "the deleted text does not linger in the file's free pages"
    );
    let transcript = export(&file);
    assert!(transcript.contains("page 12 please"), "{transcript}");
    assert!(
        !transcript.contains("homework is cancelled"),
        "{transcript}"
    );
    let f = file.clone();
    let server = TestServer::with(move |c| c.history_file = Some(f));
    let mut later = server.member_with_caps("later", CAPS, "#lobby");
    assert_eq!(latest(&mut later, "#lobby"), ["page 12 please"]);
}
