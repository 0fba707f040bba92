//! Loop internals no client can see, driven turn by turn over real
//! loopback sockets.
use super::*;
use crate::server::FloodConfig;
use std::io::{Read, Write};
use std::net::TcpStream as StdStream;

fn server(adjust: impl FnOnce(&mut Config)) -> Server {
    let mut config = Config {
        max_per_ip: 0,
        connects_per_minute: 0,
        message_log: false,
        ..Config::loopback()
    };
    adjust(&mut config);
    let mut server = Server::bind(config).expect("bind a loopback server");
    server.next_tick = Instant::now() + server.chat.config().tick();
    server
}

/// Flood control with `burst` lines and no refill within a test.
fn server_with_burst(burst: u32) -> Server {
    server(|c| {
        c.flood = Some(FloodConfig {
            burst,
            interval: Duration::from_secs(600),
        });
    })
}

/// Turns the loop until `done` holds; fails after a bounded number of turns.
#[track_caller]
fn turn_until(server: &mut Server, events: &mut Events, done: impl Fn(&Server) -> bool) {
    for _ in 0..1000 {
        if done(server) {
            return;
        }
        server.turn(events).expect("turn");
    }
    panic!("condition not reached");
}

/// Reads `n` lines from `client` on a thread while the loop turns and
/// flushes them (they do not fit the socket at once); without their
/// line endings.
#[track_caller]
fn read_lines(
    server: &mut Server,
    events: &mut Events,
    mut client: StdStream,
    n: usize,
) -> Vec<String> {
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let reader = std::thread::spawn(move || {
        let mut replies = Vec::new();
        let mut chunk = [0u8; 4096];
        while replies.iter().filter(|&&b| b == b'\n').count() < n {
            let got = client.read(&mut chunk).expect("read the replies");
            assert!(got > 0, "closed early");
            replies.extend_from_slice(&chunk[..got]);
        }
        replies
    });
    for _ in 0..10_000 {
        if reader.is_finished() {
            break;
        }
        server.turn(events).expect("turn");
    }
    let replies = reader.join().expect("reader");
    String::from_utf8(replies)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn connect(server: &mut Server, events: &mut Events) -> (StdStream, usize) {
    let before = server.conns.len();
    let client = StdStream::connect(server.local_addr()).expect("connect");
    client.set_nodelay(true).expect("nodelay");
    turn_until(server, events, |s| s.conns.len() > before);
    let key = server.conns.iter().map(|(k, _)| k).max().expect("a key");
    (client, key)
}

#[test]
fn a_throttled_connection_has_one_timer_entry_however_often_it_sends() {
    let mut server = server_with_burst(1);
    let mut events = Events::with_capacity(64);
    let (mut client, key) = connect(&mut server, &mut events);
    client.write_all(b"PING a\r\nPING b\r\n").expect("send");
    turn_until(&mut server, &mut events, |s| {
        s.conns[key].throttled_until.is_some()
    });
    // Each write arrives as its own segment and raises its own readable
    // edge; one turn handles each.
    for _ in 0..20 {
        client.write_all(b"PING c\r\n").expect("send");
        server.turn(&mut events).expect("turn");
    }
    assert_eq!(server.throttled.len(), 1);
}

/// Heavy commands use up the burst sooner: ten lines of burst take
/// registration and seven PINGs, but registration, three LISTs (weight 3)
/// and a PING hold the PING back.
#[test]
fn a_heavy_command_costs_more_of_the_burst() {
    let throttled_after = |lines: &str| {
        let mut server = server_with_burst(10);
        let mut events = Events::with_capacity(64);
        let (mut client, key) = connect(&mut server, &mut events);
        let all = format!("NICK w\r\nUSER u 0 * :r\r\n{lines}PING end\r\n");
        client.write_all(all.as_bytes()).expect("send");
        // The lines arrive as one segment: once registered with nothing
        // left in the reader, every line was handled.
        turn_until(&mut server, &mut events, |s| {
            let registered = s
                .chat
                .client(ClientId::from_slab_key(key))
                .is_some_and(|c| c.registered);
            s.conns[key].throttled_until.is_some()
                || (registered && s.conns[key].reader.pending() == 0)
        });
        server.conns[key].throttled_until.is_some()
    };
    assert!(!throttled_after(&"PING x\r\n".repeat(7)));
    assert!(throttled_after(&"LIST\r\n".repeat(3)));
}

#[test]
fn a_connection_past_its_read_budget_is_served_again_next_turn() {
    let mut server = server(|c| c.flood = None);
    server.read_budget = 1024;
    let mut events = Events::with_capacity(64);
    let (mut client, key) = connect(&mut server, &mut events);
    const LINES: usize = 2048;
    // 16 KiB, which loopback buffers take at once.
    client
        .write_all(&b"PING x\r\n".repeat(LINES))
        .expect("send");
    turn_until(&mut server, &mut events, |s| s.conns[key].ready_again);
    let mut turns = 1;
    while server.conns[key].ready_again {
        server.turn(&mut events).expect("turn");
        turns += 1;
    }
    assert!(turns >= 16, "1 KiB per turn: {turns} turns");
    // Every line was handled all the same.
    let replies = read_lines(&mut server, &mut events, client, LINES);
    assert!(replies.iter().all(|l| l.starts_with(":banter.local PONG ")));
}

/// A queue the socket would not take is written again after the WRITABLE
/// edge, with nothing lost or reordered.
#[cfg(unix)]
#[test]
fn a_blocked_queue_resumes_on_the_writable_edge() {
    let mut server = server(|c| c.flood = None);
    let mut events = Events::with_capacity(64);
    let (client, key) = connect(&mut server, &mut events);
    // The smallest send buffer, so that a few replies fill it.
    crate::server::sys::set_send_buffer(&server.conns[key].stream, 4096).expect("SO_SNDBUF");
    const LINES: usize = 1000;
    let token = "t".repeat(200);
    let pings: String = (0..LINES).map(|i| format!("PING {i}{token}\r\n")).collect();
    let writer = client.try_clone().expect("clone");
    let sending = std::thread::spawn(move || {
        let mut writer = writer;
        writer.write_all(pings.as_bytes()).expect("send");
    });
    // Nobody reads yet: the socket fills and the queue waits.
    turn_until(&mut server, &mut events, |s| !s.conns[key].writable);
    let replies = read_lines(&mut server, &mut events, client, LINES);
    sending.join().expect("sender");
    let tokens: Vec<&str> = replies
        .iter()
        .map(|l| l.rsplit(' ').next().expect("token"))
        .collect();
    let expected: Vec<String> = (0..LINES).map(|i| format!("{i}{token}")).collect();
    assert_eq!(tokens, expected, "every reply, in order");
}

/// A connection the kernel completed before the stop, whose readiness
/// the loop had not yet seen (the order Wine's socket emulation can
/// deliver), still gets the goodbye rather than a reset; so does one
/// that arrives while the goodbyes are going out.
#[test]
fn connections_in_the_backlog_at_shutdown_are_told_goodbye() {
    let mut server = server(|_| {});
    let mut events = Events::with_capacity(64);
    let early = StdStream::connect(server.local_addr()).expect("connect");
    server.begin_shutdown(&now());
    assert_eq!(server.conns.len(), 1, "accepted at the stop");
    let late = StdStream::connect(server.local_addr()).expect("connect");
    let mut done = false;
    for _ in 0..1000 {
        if server.turn(&mut events).expect("turn") {
            done = true;
            break;
        }
    }
    assert!(done, "shutdown finished");
    drop(server);
    for mut client in [early, late] {
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut all = Vec::new();
        client.read_to_end(&mut all).expect("a clean close");
        assert_eq!(all, b"ERROR :Server shutting down\r\n");
    }
}

#[test]
fn the_per_address_limit_counts_ipv6_by_its_64_and_unmaps_ipv4() {
    use super::accept::limit_key;
    let key = |s: &str| limit_key(s.parse().unwrap());
    assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::2"));
    assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
    assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
}
