//! Many clients at once: every client receives every message, in order.

mod common;
use common::{TestClient, TestServer};

const CLIENTS: usize = 200;
const SENDERS: usize = 10;
const MESSAGES: usize = 20;

#[test]
fn two_hundred_clients_each_get_every_message_in_order() {
    let server = TestServer::with(|c| c.max_clients = CLIENTS + 10);
    let mut clients: Vec<TestClient> = (0..CLIENTS)
        .map(|i| server.member(&format!("user{i}"), "#lobby"))
        .collect();
    // Everyone has seen everyone's join before the talking starts.
    for c in clients.iter_mut() {
        c.sync();
    }
    for round in 0..MESSAGES {
        for (s, sender) in clients.iter_mut().take(SENDERS).enumerate() {
            sender.send(&format!("PRIVMSG #lobby :{s} {round}"));
        }
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let mut next = [0usize; SENDERS];
        let expected = if i < SENDERS {
            (SENDERS - 1) * MESSAGES
        } else {
            SENDERS * MESSAGES
        };
        for _ in 0..expected {
            let m = c.expect("PRIVMSG");
            let mut parts = m.params[1].split(' ').map(|p| p.parse::<usize>().unwrap());
            let (sender, round) = (parts.next().unwrap(), parts.next().unwrap());
            assert_ne!(sender, i, "no echo to the sender");
            assert_eq!(m.source_nick(), Some(format!("user{sender}").as_str()));
            assert_eq!(round, next[sender], "client {i}: sender {sender} in order");
            next[sender] += 1;
        }
        assert!(c.sync().is_empty(), "client {i}: nothing extra");
    }
}
