//! Every bound has a defined outcome: 417, RecvQ, SendQ, flood delay, timeouts,
//! connection caps, room mask lists (478).

mod common;
use std::time::{Duration, Instant};

use banter::proto::time::parse_server_time;
use banter::server::FloodConfig;
use common::{only, TestServer, WAIT};

#[test]
fn over_long_line_gets_417_and_the_connection_stays() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("bob", "#lobby");
    a.sync();
    let text = "x".repeat(600);
    a.send(&format!("PRIVMSG #lobby :{text}"));
    a.expect("417");
    assert!(
        only(&b.sync(), "PRIVMSG").is_empty(),
        "the long line was dropped"
    );
    a.send("PRIVMSG #lobby :short");
    assert_eq!(b.expect("PRIVMSG").param(1), Some("short"));
}

#[test]
fn endless_line_is_recvq_exceeded() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("bob", "#lobby");
    a.sync();
    a.send_raw(&vec![b'x'; 20_000]);
    let last = a.expect_closed();
    let error = last
        .iter()
        .find(|m| m.command == "ERROR")
        .expect("ERROR before close");
    assert_eq!(error.params, ["RecvQ exceeded"]);
    assert_eq!(b.expect("QUIT").params, ["RecvQ exceeded"]);
    // The server is not spinning on the dead connection: it answers at once.
    b.sync();
}

#[test]
fn a_client_that_never_reads_hits_sendq_while_others_get_everything() {
    let server = TestServer::with(|c| c.sendq = 64 * 1024);
    let mut sleeper = server.member("sleeper", "#lobby");
    let mut sender = server.member("sender", "#lobby");
    let mut watcher = server.member("watcher", "#lobby");
    sender.sync();
    sleeper.sync();
    let filler = "z".repeat(400);
    let mut sent = 0u32;
    let mut received = Vec::new();
    let mut quit_reason = None;
    // Kernel buffers absorb a few MB first; bounded at 40 MB in all.
    'outer: for _batch in 0..1000 {
        for _ in 0..100 {
            sender.send(&format!("PRIVMSG #lobby :{sent} {filler}"));
            sent += 1;
        }
        while received.len() < sent as usize {
            let m = watcher.recv().expect("watcher open");
            match m.command.as_str() {
                "PRIVMSG" => received.push(
                    m.params[1]
                        .split(' ')
                        .next()
                        .unwrap()
                        .parse::<u32>()
                        .unwrap(),
                ),
                "QUIT" => {
                    assert_eq!(m.source_nick(), Some("sleeper"));
                    quit_reason = Some(m.params[0].clone());
                }
                other => panic!("unexpected {other}"),
            }
        }
        if quit_reason.is_some() {
            break 'outer;
        }
    }
    assert_eq!(quit_reason.as_deref(), Some("SendQ exceeded"));
    sender.send(&format!("PRIVMSG #lobby :{sent} after"));
    sent += 1;
    let m = watcher.expect("PRIVMSG");
    received.push(m.params[1].split(' ').next().unwrap().parse().unwrap());
    assert_eq!(
        received,
        (0..sent).collect::<Vec<_>>(),
        "every message, in order"
    );
    // The sleeper is disconnected after whatever its buffers held: whole
    // relayed lines only (a line cut short would carry the next line glued to
    // its text), and then exactly its last words.
    let last = sleeper.expect_closed();
    let (error, relayed) = last.split_last().expect("the sleeper got lines");
    assert_eq!(error.command, "ERROR", "the last line is the ERROR");
    assert_eq!(error.params, ["SendQ exceeded"]);
    for m in relayed.iter().filter(|m| m.command == "PRIVMSG") {
        let text = &m.params[1];
        let (seq, rest) = text.split_once(' ').expect("sequence number and filler");
        assert!(seq.parse::<u32>().is_ok(), "whole line: {text:?}");
        assert_eq!(rest, filler, "whole line: {text:?}");
    }
}

#[test]
fn flood_control_delays_but_loses_nothing() {
    let server = TestServer::with(|c| {
        c.flood = Some(FloodConfig {
            burst: 5,
            interval: Duration::from_millis(50),
        })
    });
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member_with_caps("bob", "server-time", "#lobby");
    // Let alice's burst allowance recover from registering and joining.
    std::thread::sleep(Duration::from_millis(400));
    let mut burst = String::new();
    for i in 0..30 {
        burst.push_str(&format!("PRIVMSG #lobby :{i}\r\n"));
    }
    a.send_raw(burst.as_bytes());
    let mut times = Vec::new();
    for i in 0..30 {
        let m = b.expect("PRIVMSG");
        assert_eq!(
            m.param(1),
            Some(i.to_string().as_str()),
            "in order, none lost"
        );
        times.push(parse_server_time(m.tag("time").unwrap()).unwrap());
    }
    // After a burst of 5, one line per 50 ms: the 30th line is handled at
    // least 25 intervals after the first.
    let spread = times[29] - times[0];
    assert!(
        spread >= 25 * 50 - 2,
        "flood control spread the lines over {spread} ms"
    );
    a.sync();
}

#[test]
fn registration_timeout_closes_with_error() {
    // Long enough that "lazy" below registers in time on a slow machine.
    let server = TestServer::with(|c| c.registration_timeout = Duration::from_secs(1));
    let mut idle = server.connect();
    idle.send("NICK lazy");
    let last = idle.expect_closed();
    assert_eq!(last.last().unwrap().command, "ERROR");
    assert_eq!(last.last().unwrap().params, ["Registration timed out"]);
    // The nickname is free again.
    server.client("lazy");
}

#[test]
fn idle_clients_are_pinged_and_dropped_when_silent() {
    let server = TestServer::with(|c| {
        c.ping_interval = Duration::from_millis(200);
        // Room for a slow machine to get each PONG in; only the end waits it.
        c.ping_timeout = Duration::from_secs(3);
    });
    let mut quiet = server.member("quiet", "#lobby");
    let mut watcher = server.member("watcher", "#lobby");
    // The watcher answers its own PINGs meanwhile, as a real client would.
    let watching = std::thread::spawn(move || loop {
        let m = watcher.recv().expect("watcher stays connected");
        match m.command.as_str() {
            "QUIT" => return m,
            "PING" => watcher.send(&format!("PONG :{}", m.params[0])),
            _ => {}
        }
    });
    let ping = quiet.expect("PING");
    quiet.send(&format!("PONG :{}", ping.params[0]));
    quiet.expect("PING");
    // No answer this time.
    let last = quiet.expect_closed();
    let error = last.iter().find(|m| m.command == "ERROR").expect("ERROR");
    assert!(
        error.params[0].starts_with("Ping timeout"),
        "{:?}",
        error.params
    );
    let quit = watching.join().expect("watcher thread");
    assert_eq!(quit.source_nick(), Some("quiet"));
    assert!(quit.params[0].starts_with("Ping timeout"));
}

#[test]
fn full_server_refuses_with_error_and_frees_slots() {
    let server = TestServer::with(|c| c.max_clients = 2);
    let a = server.client("a");
    let _b = server.client("b");
    let mut third = server.connect();
    let last = third.expect_closed();
    assert_eq!(last.len(), 1, "{last:?}");
    assert_eq!(last[0].command, "ERROR");
    assert!(last[0].params[0].contains("server is full"));
    drop(a);
    // Once a's close is processed a newcomer gets in.
    let deadline = Instant::now() + WAIT;
    loop {
        let mut c = server.connect();
        c.send("NICK c");
        c.send("USER c 0 * :C");
        match c.recv().expect("reply") {
            m if m.command == "001" => break,
            m => assert_eq!(m.command, "ERROR"),
        }
        assert!(Instant::now() < deadline, "slot never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn per_ip_limit_refuses_with_error() {
    let server = TestServer::with(|c| c.max_per_ip = 2);
    let _a = server.client("a");
    let _b = server.connect();
    let mut third = server.connect();
    let last = third.expect_closed();
    assert_eq!(last[0].command, "ERROR");
    assert_eq!(last[0].params, ["Too many connections from your address"]);
}

#[test]
fn channel_limits_get_405() {
    let server = TestServer::with(|c| {
        c.max_joined = 2;
        c.max_channels = 3;
    });
    let mut a = server.client("a");
    a.join("#lobby");
    a.join("#one");
    a.send("JOIN #two");
    assert_eq!(a.expect("405").params[1], "#two");
    let mut b = server.client("b");
    b.join("#two");
    b.send("JOIN #three");
    assert_eq!(
        b.expect("405").params[1],
        "#three",
        "the server holds 3 rooms at most"
    );
    b.join("#one");
}

#[test]
fn mask_lists_hold_100_entries_each_then_get_478() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#room");
    // Each list letter, the numeric of its entries and of its end.
    for (letter, item, end) in [
        ('b', "367", "368"),
        ('e', "348", "349"),
        ('I', "346", "347"),
        ('q', "728", "729"),
    ] {
        let masks: Vec<String> = (0..100).map(|i| format!("{letter}{i}!*@*")).collect();
        for chunk in masks.chunks(12) {
            let letters = letter.to_string().repeat(chunk.len());
            a.send(&format!("MODE #room +{letters} {}", chunk.join(" ")));
        }
        let set = a.sync();
        assert!(only(&set, "478").is_empty(), "{letter}: {set:?}");

        // The 101st is refused by name and not announced; the list is as it was.
        a.send(&format!("MODE #room +{letter} one!more@*"));
        let refused = a.expect("478");
        assert_eq!(refused.params[1..3], ["#room", "one!more@*"]);
        assert!(only(&a.sync(), "MODE").is_empty(), "{letter}");
        a.send(&format!("MODE #room {letter}"));
        let listing = a.sync();
        assert_eq!(only(&listing, item).len(), 100, "{letter}");
        assert_eq!(only(&listing, end).len(), 1, "{letter}");

        // Taking one off makes room again.
        a.send(&format!(
            "MODE #room -{letter}+{letter} {} one!more@*",
            masks[0]
        ));
        let change = a.expect("MODE");
        assert_eq!(change.params[1], format!("-{letter}+{letter}"));
    }
}

#[test]
fn shutdown_is_one_error_per_client_and_no_quits() {
    let mut server = TestServer::start();
    let mut members: Vec<_> = ["alice", "bob", "carol"]
        .into_iter()
        .map(|nick| server.member(nick, "#lobby"))
        .collect();
    for m in &mut members {
        m.sync();
    }
    server.stop();
    for m in &mut members {
        let nick = m.nick.clone();
        let last = m.expect_closed();
        // Relaying each quit to everyone still there costs n² lines at scale,
        // and nobody needs them: everyone is told the server is going away.
        assert!(only(&last, "QUIT").is_empty(), "{nick}: {last:?}");
        assert_eq!(last.len(), 1, "{nick}: {last:?}");
        assert_eq!(last[0].command, "ERROR");
        assert_eq!(last[0].params, ["Server shutting down"]);
    }
}

/// One address may open `connects_per_minute` connections at once, then is
/// told to wait: a script cannot try passwords (or names) as fast as it can
/// connect. The refusal is a sentence before the close.
#[test]
fn new_connections_from_one_address_are_limited_per_minute() {
    let server = TestServer::with(|c| c.connects_per_minute = 3);
    let clients: Vec<_> = ["a1", "a2", "a3"]
        .iter()
        .map(|nick| server.client(nick))
        .collect();
    let mut fourth = server.connect();
    let last = fourth.expect_closed();
    assert_eq!(last.len(), 1, "{last:?}");
    assert_eq!(last[0].command, "ERROR");
    assert_eq!(
        last[0].params,
        ["Too many new connections from your address: wait a minute and try again"]
    );
    // Those already in are not affected.
    for mut c in clients {
        c.sync();
    }
}
