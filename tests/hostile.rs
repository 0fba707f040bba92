//! Peers and surroundings that misbehave, on purpose or not: the server keeps
//! serving everyone else.

mod common;
use std::process::Command;

use common::{ServerProcess, SERVER_BIN};

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
