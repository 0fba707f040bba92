//! Peers and surroundings that misbehave, on purpose or not: the server keeps
//! serving everyone else.

mod common;
use std::process::Command;
use std::time::Duration;

use banter::server::FloodConfig;
use common::{only, ServerProcess, TestServer, SERVER_BIN};

/// Nobody reads the server's stderr: the log must not hold the server up.
#[test]
fn a_stderr_nobody_reads_does_not_stop_the_server() {
    let mut command = Command::new(SERVER_BIN);
    command.args([
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--log-level",
        "info",
        "--no-flood-control",
    ]);
    // The pipe is kept open but never read again, so once its buffer (64 KiB
    // on Linux) is full every write to stderr would block.
    let server = ServerProcess::start(command);
    let mut alice = server.member("alice", "#lobby");
    let mut bob = server.member("bob", "#lobby");
    alice.sync();
    const COUNT: usize = 5000;
    // Every message is logged (about 60 bytes each, 300 KB in all).
    let sender = std::thread::spawn(move || {
        for i in 0..COUNT {
            alice.send(&format!("PRIVMSG #lobby :message {i}"));
        }
        alice
    });
    for i in 0..COUNT {
        let m = bob.expect("PRIVMSG");
        assert_eq!(m.params[1], format!("message {i}"));
    }
    let mut alice = sender.join().expect("sender");
    alice.sync();
}

/// Bare line endings are lines too: they cost flood-control tokens, so
/// 10,000 of them pace the sender instead of keeping the loop busy.
#[test]
fn empty_lines_are_paced_by_flood_control() {
    let server = TestServer::with(|c| c.flood = Some(FloodConfig::default()));
    let mut flooder = server.member("flooder", "#lobby");
    let mut other = server.member("other", "#lobby");
    flooder.sync();
    let mut flood = b"\r\n".repeat(10_000);
    flood.extend_from_slice(b"PING :behind-the-empty-lines\r\n");
    flooder.send_raw(&flood);
    // Everyone else is served meanwhile.
    other.send("PRIVMSG #lobby :still here");
    other.sync();
    // At 4 lines a second after a burst of 10, the PING is an hour away;
    // uncharged, its PONG would come at once.
    while let Some(Some(m)) = flooder.recv_within(Duration::from_millis(500)) {
        assert_ne!(m.command, "PONG", "the empty lines were not charged");
    }
}

/// A flooder that resets its connection is gone at once: what flood control
/// had not yet let it say is dropped, and its QUIT goes out straight away.
#[cfg(unix)]
#[test]
fn a_reset_flooder_quits_at_once_and_its_backlog_is_dropped() {
    let server = TestServer::with(|c| c.flood = Some(FloodConfig::default()));
    let mut watcher = server.member("watcher", "#lobby");
    let mut flooder = server.member("flooder", "#lobby");
    watcher.sync();
    flooder.sync();
    let flood: String = (0..2000)
        .map(|i| format!("PRIVMSG #lobby :flood {i}\r\n"))
        .collect();
    flooder.send_raw(flood.as_bytes());
    // Its burst is relayed, then flood control holds the rest back.
    assert_eq!(watcher.expect("PRIVMSG").params[1], "flood 0");
    common::reset(flooder.stream);
    let mut relayed = 1;
    let quit = loop {
        let m = watcher.recv().expect("watcher stays connected");
        match m.command.as_str() {
            "PRIVMSG" => relayed += 1,
            "QUIT" => break m,
            other => panic!("unexpected {other}"),
        }
        // Held-back lines trickle out at 4 a second; the backlog is 2000.
        assert!(relayed < 50, "still relaying the reset flooder's backlog");
    };
    assert_eq!(quit.source_nick(), Some("flooder"));
    assert_eq!(quit.params, ["Connection reset"]);
    watcher.send("NAMES #lobby");
    let names = watcher.expect("353");
    assert!(!names.params[3].contains("flooder"), "{:?}", names.params);
    assert!(
        only(&watcher.sync(), "PRIVMSG").is_empty(),
        "nothing after the QUIT"
    );
}

/// A QUIT sent just before a reset still counts: flood control admitted it,
/// so it was said.
#[cfg(unix)]
#[test]
fn a_quit_just_before_a_reset_keeps_its_message() {
    let server = TestServer::with(|c| c.flood = Some(FloodConfig::default()));
    let mut watcher = server.member("watcher", "#lobby");
    for round in 0..20 {
        let nick = format!("leaver{round}");
        let mut leaver = server.member(&nick, "#lobby");
        watcher.expect("JOIN");
        leaver.send("QUIT :goodbye");
        common::reset(leaver.stream);
        let quit = watcher.expect("QUIT");
        assert_eq!(quit.source_nick(), Some(nick.as_str()));
        assert_eq!(quit.params, ["Quit: goodbye"], "round {round}");
    }
}
