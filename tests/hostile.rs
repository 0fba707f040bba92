//! Peers and surroundings that misbehave, on purpose or not: the server keeps
//! serving everyone else.

mod common;
use std::process::Command;
use std::time::Duration;

use banter::server::FloodConfig;
use common::{ServerProcess, TestServer, SERVER_BIN};

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
