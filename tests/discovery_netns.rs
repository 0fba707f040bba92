//! LAN discovery as it happens between two computers, with real broadcasts:
//! two network namespaces this test creates, joined by a veth pair, with
//! `banter-server` in one and `banter --list-rooms` in the other. Nothing
//! leaves them: both ends of the pair live inside the test's namespaces,
//! and they are deleted at the end. Where the machine does not allow it
//! (not root, no `ip`), the test says so and does nothing.
#![cfg(all(target_os = "linux", feature = "gui"))]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The namespaces and the server inside them, removed on drop.
struct Lab {
    names: [String; 2],
    server: Option<Child>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut s) = self.server.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
        for n in &self.names {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
    }
}

/// Runs `ip` with `args`; `Err` with its complaint when it fails.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Two namespaces, `10.231.0.1/24` and `10.231.0.2/24` on a veth pair made
/// inside them (the pair never exists in this machine's own namespace).
fn lab() -> Result<Lab, String> {
    let pid = std::process::id();
    let names = [format!("banter-a-{pid}"), format!("banter-b-{pid}")];
    let lab = Lab {
        names: names.clone(),
        server: None,
    };
    let [a, b] = &names;
    ip(&["netns", "add", a])?;
    ip(&["netns", "add", b])?;
    ip(&[
        "-n", a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b,
    ])?;
    for (ns, dev, addr) in [(a, "va", "10.231.0.1/24"), (b, "vb", "10.231.0.2/24")] {
        ip(&["-n", ns, "addr", "add", addr, "brd", "+", "dev", dev])?;
        ip(&["-n", ns, "link", "set", dev, "up"])?;
        ip(&["-n", ns, "link", "set", "lo", "up"])?;
    }
    Ok(lab)
}

#[test]
fn a_client_finds_a_room_on_another_computer_by_broadcast() {
    let mut lab = match lab() {
        Ok(lab) => lab,
        Err(why) => {
            eprintln!(
                "skipped: this machine does not let the test make network namespaces ({why})"
            );
            return;
        }
    };
    let [a, b] = lab.names.clone();
    lab.server = Some(
        Command::new("ip")
            .args(["netns", "exec", &a, env!("CARGO_BIN_EXE_banter-server")])
            .args(["--port", "6667", "--room", "#netns", "--no-history-file"])
            .env("BANTER_DISCOVERY", "lan")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start banter-server in the first namespace"),
    );
    // The server needs a moment to bind; ask until it answers (bounded).
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while Instant::now() < deadline {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &b,
                env!("CARGO_BIN_EXE_banter"),
                "--list-rooms",
            ])
            .env("BANTER_DISCOVERY", "lan")
            .output()
            .expect("run banter --list-rooms in the second namespace");
        assert!(out.status.success(), "{out:?}");
        last = String::from_utf8_lossy(&out.stdout).into_owned();
        if !last.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Found by its address on the other end of the pair, with its room.
    let line = last
        .lines()
        .find(|l| l.starts_with("10.231.0.1:6667 "))
        .unwrap_or_else(|| panic!("no room from 10.231.0.1 in {last:?}"));
    assert!(line.contains("  #netns  0 here"), "{line}");
}
