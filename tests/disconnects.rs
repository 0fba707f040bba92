//! Clients that vanish: each is announced once as a QUIT and nobody else notices.

mod common;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{only, TestClient, TestServer};

/// The remaining members can still talk to each other.
#[track_caller]
fn still_talking(a: &mut TestClient, b: &mut TestClient) {
    a.send("PRIVMSG #lobby :still here?");
    assert_eq!(b.expect("PRIVMSG").param(1), Some("still here?"));
    b.send("PRIVMSG #lobby :yes");
    assert_eq!(a.expect("PRIVMSG").param(1), Some("yes"));
}

/// bob and carol, then alice, in #lobby, with the joins already read.
fn trio(server: &TestServer) -> (TestClient, TestClient, TestClient) {
    let mut b = server.member("bob", "#lobby");
    let mut c = server.member("carol", "#lobby");
    let a = server.member("alice", "#lobby");
    b.sync();
    c.sync();
    (a, b, c)
}

#[track_caller]
fn quit_seen_once(c: &mut TestClient, who: &str) -> String {
    let seen = c.sync();
    let quits = only(&seen, "QUIT");
    assert_eq!(
        quits.len(),
        1,
        "{who} quit announced exactly once: {seen:?}"
    );
    assert_eq!(quits[0].source_nick(), Some(who));
    assert!(
        only(&seen, "PRIVMSG").is_empty(),
        "nothing half-sent was relayed: {seen:?}"
    );
    quits[0].params[0].clone()
}

#[test]
fn close_mid_line_is_one_quit_and_the_half_line_is_dropped() {
    let server = TestServer::start();
    let (mut a, mut b, mut c) = trio(&server);
    a.send_raw(b"PRIVMSG #lobby :this line never ends");
    drop(a);
    // The server may notice the close a moment later; wait for the QUIT itself.
    let quit = b.expect("QUIT");
    assert_eq!(quit.params[0], "Connection closed mid-line");
    assert_eq!(
        quit_seen_once(&mut c, "alice"),
        "Connection closed mid-line"
    );
    assert!(only(&b.sync(), "QUIT").is_empty(), "no second QUIT");
    still_talking(&mut b, &mut c);
}

#[test]
fn reset_connection_is_one_quit() {
    let server = TestServer::start();
    let (mut a, mut b, mut c) = trio(&server);
    // Leave unread input on alice's socket so closing it sends a reset.
    a.send("MOTD");
    a.send("LIST");
    std::thread::sleep(Duration::from_millis(50));
    drop(a);
    let reason = b.expect("QUIT").params[0].clone();
    assert!(
        ["Connection reset", "Connection closed"].contains(&reason.as_str()),
        "{reason}"
    );
    quit_seen_once(&mut c, "alice");
    still_talking(&mut b, &mut c);
}

#[test]
fn quit_then_close_is_still_one_quit() {
    let server = TestServer::start();
    let mut b = server.member("bob", "#lobby");
    let mut a = server.member("alice", "#lobby");
    b.sync();
    a.send("QUIT :gone");
    drop(a);
    b.expect("QUIT");
    assert!(only(&b.sync(), "QUIT").is_empty());
}

/// Run by `killed_client_process_is_one_quit` in a child process: connects,
/// joins and waits to be killed.
#[test]
#[ignore = "helper run as a child process"]
fn helper_client_waiting_to_be_killed() {
    let Ok(addr) = std::env::var("BANTER_TEST_ADDR") else {
        return;
    };
    let mut c = TestClient::connect(addr.parse().expect("address"));
    c.register("victim");
    c.join("#lobby");
    println!("READY");
    std::io::stdout().flush().expect("flush");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn killed_client_process_is_one_quit() {
    let server = TestServer::start();
    let mut b = server.member("bob", "#lobby");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "helper_client_waiting_to_be_killed",
            "--nocapture",
        ])
        .env("BANTER_TEST_ADDR", server.addr.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the helper client");
    let stdout = child.stdout.take().expect("stdout");
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("READY"));
    assert!(ready, "the helper joined");
    assert_eq!(b.expect("JOIN").source_nick(), Some("victim"));
    child.kill().expect("kill the helper");
    child.wait().expect("reap the helper");
    let quit = b.expect("QUIT");
    assert_eq!(quit.source_nick(), Some("victim"));
    assert!(only(&b.sync(), "QUIT").is_empty(), "exactly once");
}

#[test]
fn shutdown_says_goodbye_to_everyone() {
    let mut server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut unregistered = server.connect();
    unregistered.send("NICK half");
    server.stop();
    for c in [&mut a, &mut unregistered] {
        let last = c.expect_closed();
        let error = last
            .iter()
            .find(|m| m.command == "ERROR")
            .unwrap_or_else(|| panic!("{}: no ERROR before close; got {last:?}", c.nick));
        assert_eq!(error.params, ["Server shutting down"]);
    }
}
