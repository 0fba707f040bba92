//! LAN discovery over loopback: a client's query gets the room's description
//! from a real server; anything else gets nothing; answers are rate-limited
//! and never bigger than the query.

mod common;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use banter::client::discovery::{scan, targets, MAX_ROOMS};
use banter::proto::discovery::{self, Mode, QUERY_LEN};
use banter::server::discovery::PER_SECOND;
use banter::server::{Server, ServerHandle};
use common::test_config;

/// How long a scan listens: generous, since a late reply would look like no room.
const SCAN_WINDOW: Duration = Duration::from_millis(1500);

struct Running {
    handle: ServerHandle,
    addr: SocketAddr,
    discovery: SocketAddr,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start(password: Option<&str>) -> Running {
    let mut config = test_config();
    config.discovery = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.password = password.map(str::to_owned);
    config.room_title = "7B Maths".into();
    config.host_name = "王老师".into();
    let server = Server::bind(config).expect("bind");
    let addr = server.local_addr();
    let discovery = server.discovery_addr().expect("discovery socket");
    let handle = server.handle();
    let thread = Some(std::thread::spawn(move || server.run()));
    Running {
        handle,
        addr,
        discovery,
        thread,
    }
}

#[test]
fn a_client_finds_the_room_over_loopback() {
    let server = start(None);
    let mut alice = common::TestClient::connect(server.addr);
    alice.register("alice");
    alice.join("#lobby");
    alice.send("TOPIC #lobby :Maths club");
    alice.expect("TOPIC");

    let found = scan(Mode::Loopback, server.discovery.port(), SCAN_WINDOW).expect("scan");
    assert_eq!(found.len(), 1, "{found:?}");
    let room = &found[0];
    assert_eq!(room.addr, server.addr, "where to connect");
    assert_eq!(room.info.room, "#lobby");
    assert_eq!(room.info.topic, "Maths club");
    // Two classrooms next door tell their rooms apart by name and teacher.
    assert_eq!(
        (room.info.title.as_str(), room.info.host.as_str()),
        ("7B Maths", "王老师")
    );
    assert_eq!(room.info.users, 1);
    assert!(!room.info.password);

    let locked = start(Some("pw"));
    let found = scan(Mode::Loopback, locked.discovery.port(), SCAN_WINDOW).expect("scan");
    assert!(found[0].info.password, "says a password is needed");
}

#[test]
fn only_well_formed_queries_are_answered_and_never_with_more_bytes() {
    let server = start(None);
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let mut buf = [0u8; 4096];
    let nonce = "0123456789abcdef";
    let query = discovery::query(nonce).expect("a nonce");
    for bad in [
        b"hello".to_vec(),
        query[..100].to_vec(),
        [query.clone(), vec![b' '; 3000]].concat(),
        vec![0xff; QUERY_LEN],
    ] {
        socket.send_to(&bad, server.discovery).expect("send");
        assert!(
            socket.recv_from(&mut buf).is_err(),
            "no answer to {} bytes",
            bad.len()
        );
    }
    // Rate-limited per address: a burst gets a few answers, not one each.
    for _ in 0..20 {
        socket.send_to(&query, server.discovery).expect("send");
    }
    // The first answer may be slow to come; the rest follow it closely.
    socket
        .set_read_timeout(Some(common::WAIT))
        .expect("timeout");
    let mut answers = 0;
    while let Ok((n, _)) = socket.recv_from(&mut buf) {
        assert!(n <= query.len(), "no amplification");
        assert!(discovery::parse_reply(&buf[..n], nonce).is_some());
        answers += 1;
        socket
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
    }
    // The limit counts per clock second, and the burst may straddle two.
    assert!(
        (1..=2 * PER_SECOND as usize).contains(&answers),
        "{answers} answers to 20 queries"
    );
    // The room still works meanwhile.
    let mut c = common::TestClient::connect(server.addr);
    c.register("carol");
}

#[test]
fn loopback_mode_never_leaves_this_computer_and_off_sends_nothing() {
    for t in targets(Mode::Loopback, 6667) {
        assert!(t.ip().is_loopback(), "{t}");
    }
    assert!(targets(Mode::Off, 6667).is_empty());
    assert!(scan(Mode::Off, 6667, Duration::from_millis(10))
        .expect("scan")
        .is_empty());
}

/// A machine that answers without having seen the query (a forged room one
/// click from joining) is not listed, and a flood of answers lists at most
/// [`MAX_ROOMS`] rooms.
#[test]
fn only_answers_to_this_scan_are_listed_and_the_list_is_bounded() {
    let fake = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = fake.local_addr().expect("addr").port();
    let answering = std::thread::spawn(move || {
        fake.set_read_timeout(Some(common::WAIT)).expect("timeout");
        let mut buf = [0u8; QUERY_LEN];
        // First scan: answers that did not see the query.
        let (_, asker) = fake.recv_from(&mut buf).expect("a query");
        let room = |nonce: &str, port: u16| {
            format!("BANTER-ROOM 2\nnonce={nonce}\nserver=x\nroom=#lobby\nusers=1\nport={port}\n")
        };
        for forged in [
            "BANTER-ROOM 1\nserver=x\nroom=#lobby\nusers=1\nport=7000\n".to_owned(),
            room("0123456789abcdef", 7001),
        ] {
            fake.send_to(forged.as_bytes(), asker).expect("send");
        }
        // Second scan: echo the nonce, as a real server does, but claim
        // a hundred rooms.
        let (n, asker) = fake.recv_from(&mut buf).expect("a query");
        let Some(discovery::Query::V2 { nonce }) = discovery::parse_query(&buf[..n]) else {
            panic!("the scan's query carries a nonce");
        };
        for i in 0..100 {
            fake.send_to(room(&nonce, 7000 + i).as_bytes(), asker)
                .expect("send");
        }
    });
    let first = scan(Mode::Loopback, port, SCAN_WINDOW).expect("scan");
    assert!(first.is_empty(), "forged answers listed: {first:?}");
    let second = scan(Mode::Loopback, port, SCAN_WINDOW).expect("scan");
    assert_eq!(second.len(), MAX_ROOMS, "{} rooms listed", second.len());
    answering.join().expect("the fake server");
}
