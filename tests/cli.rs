//! The `banter-server` binary's command line.

mod common;
use std::process::Command;

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
