//! The `banter-server` binary's command line.

mod common;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestServer;

const BIN: &str = env!("CARGO_BIN_EXE_banter-server");

#[test]
fn taken_port_is_one_clear_line_and_a_failure() {
    let server = TestServer::start();
    let out = Command::new(BIN)
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &server.addr.port().to_string(),
        ])
        .output()
        .expect("run banter-server");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("already in use"), "{stderr}");
    assert!(
        lines[0].contains(&server.addr.port().to_string()),
        "{stderr}"
    );
}

#[test]
fn help_lists_the_flags() {
    let out = Command::new(BIN)
        .arg("--help")
        .output()
        .expect("run banter-server");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--bind",
        "--port",
        "--room",
        "--motd",
        "--password",
        "--max-clients",
        "--max-per-ip",
        "--connects-per-minute",
        "--log-level",
        "--log-file",
        "--no-message-log",
        "--no-flood-control",
        "--sendq",
        "--recvq",
        "--server-name",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn bad_flag_values_are_refused() {
    let out = Command::new(BIN)
        .args(["--bind", "127.0.0.1", "--port", "0", "--room", "lobby"])
        .output()
        .expect("run banter-server");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--room"));
}

/// Runs the server with `flag value` on a loopback port and expects it to
/// refuse to start with one line on stderr naming the flag. A server that
/// accepts the value is killed, and the test fails.
#[track_caller]
fn refused(flag: &str, value: &str) {
    let mut child = Command::new(BIN)
        // One argument, so that values such as -4 are not taken for flags.
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            &format!("{flag}={value}"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run banter-server");
    let deadline = Instant::now() + common::WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for banter-server") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{flag} {value:?} was accepted: the server started");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(!status.success(), "{flag} {value:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{flag} {value:?}: one line: {stderr}");
    assert!(lines[0].contains(flag), "{flag} {value:?}: {stderr}");
}

#[test]
fn sizes_below_what_the_server_needs_are_refused_not_raised() {
    refused("--sendq", "1000");
    refused("--recvq", "10");
    refused("--recvq", "-1");
    refused("--nick-len", "0");
    refused("--nick-len", "65");
    refused("--max-channels", "0");
    refused("--max-joined", "0");
    refused("--max-clients", "0");
    refused("--flood-burst", "0");
    refused("--ping-interval", "0");
    refused("--registration-timeout", "0");
    refused("--ping-timeout", "10");
}

#[test]
fn unusable_names_are_refused() {
    // Any of these would make every line that carries it unsendable.
    refused("--server-name", "a b");
    refused("--server-name", "");
    refused("--server-name", "irc:6667.example");
    refused("--server-name", "nick!user@host.example");
    refused("--server-name", &format!("{}.example", "x".repeat(60)));
    refused("--network", "My Network");
    refused("--network", "");
}

#[test]
fn flood_rates_out_of_range_are_refused() {
    refused("--flood-rate", "1e-300");
    refused("--flood-rate", "0");
    refused("--flood-rate", "-4");
    refused("--flood-rate", "inf");
    refused("--flood-rate", "NaN");
    refused("--flood-rate", "1e6");
}
