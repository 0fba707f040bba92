//! The client against an IRC server that is not Banter (ngIRCd, from Debian):
//! nothing in the client may depend on Banter-only behaviour. ngIRCd offers
//! no server-time or echo-message, so this also covers the client without them.
//! `scripts/install-test-deps.sh` installs ngIRCd; the test is ignored by a
//! plain `cargo test` and run with `-- --include-ignored` (as CI does).

mod common;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use banter::client::session::{EntryKind, HostAction, LoginError, Update};
use common::harness::Client;
use common::TempDir;

/// An ngIRCd on a free loopback port with its own config; killed on drop.
struct Ngircd {
    child: Child,
    port: u16,
    _dir: TempDir,
}

fn ngircd_binary() -> PathBuf {
    [
        "/usr/sbin/ngircd",
        "/usr/bin/ngircd",
        "/usr/local/sbin/ngircd",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("ngIRCd is not installed: run scripts/install-test-deps.sh")
}

impl Ngircd {
    fn start() -> Ngircd {
        let port = common::free_port();
        let dir = std::env::temp_dir().join(format!("banter-ngircd-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("ngircd.conf");
        std::fs::write(
            &conf,
            format!(
                "[Global]\nName = ngircd.test\nInfo = Banter test peer\nListen = 127.0.0.1\nPorts = {port}\n\
                 MotdPhrase = \"test\"\nPidFile = {pid}\n\
                 [Limits]\nMaxConnectionsIP = 0\nPingTimeout = 120\nPongTimeout = 60\n\
                 [Options]\nPAM = no\nIdent = no\nDNS = no\n",
                pid = dir.join("ngircd.pid").display()
            ),
        )
        .unwrap();
        let mut child = Command::new(ngircd_binary())
            .args(["--nodaemon", "--config"])
            .arg(&conf)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ngIRCd");
        // Wait until it accepts connections.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "ngIRCd did not start listening");
            if let Ok(Some(status)) = child.try_wait() {
                let mut out = String::new();
                if let Some(so) = child.stdout.take() {
                    for line in BufReader::new(so).lines().map_while(Result::ok) {
                        out.push_str(&line);
                        out.push('\n');
                    }
                }
                panic!("ngIRCd exited ({status}):\n{out}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ngircd {
            child,
            port,
            _dir: TempDir(dir),
        }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Ngircd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "needs ngIRCd: scripts/install-test-deps.sh"]
fn the_client_works_against_ngircd() {
    let server = Ngircd::start();
    let mut a = Client::connect(&server.addr(), "alice");
    a.pump_until("alice registered and joined", |c| c.in_lobby("alice"));
    assert!(!a.session().echo_message(), "ngIRCd offers no echo-message");

    // A taken name is reported the same way.
    let mut dup = Client::connect(&server.addr(), "alice");
    dup.pump_until("name taken", |c| {
        c.updates
            .contains(&Update::LoginFailed(LoginError::NickTaken("alice".into())))
    });
    dup.retry_nick("bob");
    let mut b = dup;
    b.pump_until("bob in", |c| c.in_lobby("bob") && c.in_lobby("alice"));
    a.pump_until("alice sees bob", |c| c.in_lobby("bob"));

    // Without echo-message, our own line is shown as we send it.
    a.say("hello from Banter");
    assert!(a.has_entry(EntryKind::Own, "hello from Banter"));
    b.pump_until("bob receives", |c| {
        c.has_entry(EntryKind::Other, "hello from Banter")
    });

    b.say("/msg alice a private word");
    a.pump_until("private message", |c| {
        c.session()
            .conversation("bob")
            .is_some_and(|conv| conv.private)
            && c.has_entry(EntryKind::Other, "a private word")
    });

    // The host controls, read the way ngIRCd says (its PREFIX and
    // CHANMODES, no quiet list): alice made #lobby, so she hosts it.
    a.pump_until("alice hosts", |c| c.session().hosting_active());
    let muted = |c: &Client| {
        let s = c.session();
        s.conversation("#lobby")
            .is_some_and(|conv| s.cannot_talk(conv).is_some())
    };
    a.host(HostAction::MuteEveryone(true));
    b.pump_until("bob muted with the room", muted);
    a.pump_until("alice sees the room muted", |c| {
        c.session()
            .conversation("#lobby")
            .is_some_and(|conv| conv.modes.moderated)
    });
    // One person at a time: the voice model under +m.
    a.host(HostAction::Unmute("bob".into()));
    b.pump_until("bob may talk", |c| !muted(c));
    a.pump_until("alice sees bob's voice", |c| {
        c.session()
            .conversation("#lobby")
            .is_some_and(|conv| conv.members.values().any(|m| m.nick == "bob" && m.voice))
    });
    a.host(HostAction::Mute("bob".into()));
    b.pump_until("bob muted again", muted);

    b.vanish();
    a.pump_until("alice sees bob leave", |c| !c.in_lobby("bob"));
}
