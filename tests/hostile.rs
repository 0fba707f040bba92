//! Peers and surroundings that misbehave, on purpose or not: the server keeps
//! serving everyone else.
// Some imports serve only the unix-only tests below.
#![cfg_attr(not(unix), allow(unused_imports))]

mod common;
use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use banter::server::FloodConfig;
use common::{only, ServerProcess, TestServer, SERVER_BIN, WAIT};

/// Tests run on parallel threads of one process; the one that counts the
/// process's open descriptors takes this for writing, the others for reading.
static DESCRIPTORS: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    DESCRIPTORS.read().unwrap_or_else(PoisonError::into_inner)
}

/// Nobody reads the server's stderr: the log must not hold the server up.
#[test]
fn a_stderr_nobody_reads_does_not_stop_the_server() {
    let _shared = shared();
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
    let _shared = shared();
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

/// A watcher and a flooder in `#lobby`, the flooder's 2000-line paste sent
/// and its burst relayed, so that flood control now holds the rest back.
#[cfg(unix)]
fn flooding(server: &TestServer) -> (common::TestClient, common::TestClient) {
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
    (watcher, flooder)
}

/// Reads until the flooder's QUIT, which must come before 50 lines of its
/// backlog have been relayed.
#[cfg(unix)]
#[track_caller]
fn quit_before_the_backlog(watcher: &mut common::TestClient) -> banter::proto::Message {
    let mut relayed = 1;
    let quit = loop {
        let m = watcher.recv().expect("watcher stays connected");
        match m.command.as_str() {
            "PRIVMSG" => relayed += 1,
            "QUIT" => break m,
            other => panic!("unexpected {other}"),
        }
        // Held-back lines trickle out at 4 a second; the backlog is 2000.
        assert!(relayed < 50, "still relaying the flooder's backlog");
    };
    assert_eq!(quit.source_nick(), Some("flooder"));
    quit
}

/// A flooder that resets its connection is gone at once: what flood control
/// had not yet let it say is dropped, and its QUIT goes out straight away.
#[cfg(unix)]
#[test]
fn a_reset_flooder_quits_at_once_and_its_backlog_is_dropped() {
    let _shared = shared();
    let server = TestServer::with(|c| c.flood = Some(FloodConfig::default()));
    let (mut watcher, flooder) = flooding(&server);
    common::reset(flooder.stream);
    let quit = quit_before_the_backlog(&mut watcher);
    assert_eq!(quit.params, ["Connection reset"]);
    watcher.send("NAMES #lobby");
    let names = watcher.expect("353");
    assert!(!names.params[3].contains("flooder"), "{:?}", names.params);
    assert!(
        only(&watcher.sync(), "PRIVMSG").is_empty(),
        "nothing after the QUIT"
    );
}

/// A flooder that hangs up cleanly (a FIN, not a reset) is gone at once too:
/// nobody is left to read its answers, so its backlog is not spoken.
/// Unix only: Wine reports the peer's close only once the data before it
/// has been read, so there the backlog drains first (as before).
#[cfg(unix)]
#[test]
fn a_flooder_that_hangs_up_takes_its_backlog_with_it() {
    let _shared = shared();
    let server = TestServer::with(|c| c.flood = Some(FloodConfig::default()));
    let (mut watcher, flooder) = flooding(&server);
    flooder.close_write();
    let quit = quit_before_the_backlog(&mut watcher);
    assert_eq!(quit.params, ["Connection closed"]);
    assert!(
        only(&watcher.sync(), "PRIVMSG").is_empty(),
        "nothing after the QUIT"
    );
}

/// A web request sent to the IRC port is refused in one line and closed:
/// its headers and body never run as IRC.
#[test]
fn an_http_request_is_refused_not_run_as_irc() {
    let server = TestServer::start();
    let mut watcher = server.member("watcher", "#lobby");
    for request in [
        "POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 52\r\n\r\nNICK web\r\nUSER w 0 * :w\r\nJOIN #lobby\r\nPRIVMSG #lobby :hi\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ] {
        let mut web = server.connect();
        web.send_raw(request.as_bytes());
        let got = web.expect_closed();
        let last = got.last().expect("one line before the close");
        assert_eq!(last.command, "ERROR", "{got:?}");
        assert!(last.params[0].contains("not a web server"), "{got:?}");
        assert!(got.iter().all(|m| m.command != "001"), "{got:?}");
    }
    // Nobody joined or spoke from those requests.
    assert!(watcher.sync().is_empty());
}

/// A QUIT sent just before a reset still counts: flood control admitted it,
/// so it was said.
#[cfg(unix)]
#[test]
fn a_quit_just_before_a_reset_keeps_its_message() {
    let _shared = shared();
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

/// With few file descriptors, `--max-clients` is lowered to fit, and past
/// that every newcomer is told `ERROR` and closed, even when no descriptor
/// is left to accept it with; once people leave, newcomers get in again.
#[cfg(unix)]
#[test]
fn running_out_of_file_descriptors_refuses_with_error_and_recovers() {
    let _shared = shared();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
        .arg(SERVER_BIN)
        .args(["--bind", "127.0.0.1", "--port", "0"])
        .args(["--max-clients", "1000", "--max-per-ip", "0"])
        .args(["--connects-per-minute", "0"])
        .args(["--no-flood-control", "--log-level", "info"]);
    let server = ServerProcess::start(command);
    let clamp = server
        .startup_log
        .iter()
        .find(|l| l.contains("max clients lowered from 1000 to "))
        .unwrap_or_else(|| panic!("the clamp is logged: {:?}", server.startup_log));
    let fit: usize = clamp
        .split("lowered from 1000 to ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a number in {clamp:?}"));
    assert!(fit > 0 && fit < 64, "{clamp}");

    // Connections are accepted in the order they were made: the first `fit`
    // are clients (they answer PING), the rest are refused.
    let mut clients: Vec<_> = (0..fit).map(|_| server.connect()).collect();
    let mut excess: Vec<_> = (0..100).map(|_| server.connect()).collect();
    for c in &mut clients {
        c.sync();
    }
    let mut without_a_descriptor = 0;
    for c in &mut excess {
        let last = c.expect_closed();
        assert_eq!(last.len(), 1, "{last:?}");
        assert_eq!(last[0].command, "ERROR");
        if last[0].params == ["Server is full"] {
            without_a_descriptor += 1;
        }
    }
    // Refused connections keep their descriptor for a moment to deliver the
    // ERROR line, so 100 of them run the server out of descriptors.
    assert!(without_a_descriptor > 0, "the spare descriptor was used");

    drop(excess);
    drop(clients);
    let mut tries = 0;
    loop {
        let mut c = server.connect();
        c.send("NICK again");
        c.send("USER again 0 * :Again");
        match c.recv().expect("a reply") {
            m if m.command == "001" => break,
            m => assert_eq!(m.command, "ERROR"),
        }
        tries += 1;
        assert!(tries < 100, "no slot came free");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Connections that trickle a byte at a time and never finish a line cost
/// the loop nothing while they wait: a normal client is served as usual.
#[test]
fn slowloris_connections_do_not_hold_up_others() {
    let _shared = shared();
    let server = TestServer::start();
    let addr = server.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = Arc::clone(&stop);
    let (first_round, started) = mpsc::channel();
    let slow = std::thread::spawn(move || {
        let mut conns: Vec<TcpStream> = (0..50)
            .map(|_| TcpStream::connect(addr).expect("connect"))
            .collect();
        let mut rounds = 0u32;
        while !stopping.load(Ordering::SeqCst) {
            for c in &mut conns {
                c.write_all(b"x").expect("trickle");
            }
            rounds += 1;
            let _ = first_round.send(());
            std::thread::sleep(Duration::from_millis(100));
        }
        rounds
    });
    started
        .recv_timeout(WAIT)
        .expect("the slow connections started");
    let mut normal = server.member("normal", "#lobby");
    let mut other = server.member("other", "#lobby");
    normal.sync();
    for i in 0..10 {
        normal.sync();
        normal.send(&format!("PRIVMSG #lobby :round {i}"));
        assert_eq!(other.expect("PRIVMSG").params[1], format!("round {i}"));
    }
    stop.store(true, Ordering::SeqCst);
    assert!(slow.join().expect("slow connections") >= 1);
}

/// Open descriptors of this process (Linux).
#[cfg(target_os = "linux")]
fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("list /proc/self/fd")
        .count()
}

/// 500 connections that reset at once leave nothing open behind them.
#[cfg(target_os = "linux")]
#[test]
fn connect_churn_leaves_no_descriptors_behind() {
    let _alone = DESCRIPTORS.write().unwrap_or_else(PoisonError::into_inner);
    let server = TestServer::start();
    let mut probe = server.client("probe");
    probe.sync();
    let baseline = open_descriptors();
    for _ in 0..500 {
        common::reset(TcpStream::connect(server.addr).expect("connect"));
    }
    probe.sync();
    // The server sees each reset on its own schedule.
    let deadline = Instant::now() + WAIT;
    loop {
        let open = open_descriptors();
        if open == baseline {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{open} descriptors open, {baseline} before the churn"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    probe.sync();
}
