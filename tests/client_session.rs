//! The client's worker and session against a real in-process server: what the
//! UI does, without a window.

mod common;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use banter::client::host::Host;
use banter::client::session::{Entry, EntryKind, LoginError, Session, Update};
use banter::client::worker::{NetEvent, Worker};
use common::{test_config, TestServer, WAIT};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A session wired to a worker, pumped by hand as the UI's event loop would.
struct Client {
    session: Session,
    worker: Option<Worker>,
    events: Receiver<NetEvent>,
    updates: Vec<Update>,
    net: Vec<NetEvent>,
}

impl Client {
    fn connect(addr: &str, nick: &str) -> Client {
        let (tx, events) = mpsc::channel();
        let worker = Worker::spawn(addr, move |ev| {
            let _ = tx.send(ev);
        });
        Client {
            session: Session::new(nick, None, vec!["#lobby".into()]),
            worker: Some(worker),
            events,
            updates: Vec::new(),
            net: Vec::new(),
        }
    }

    fn flush(&mut self) {
        let (out, updates) = self.session.drain();
        for m in &out {
            self.worker.as_ref().expect("worker").send(m);
        }
        for u in &updates {
            if *u == Update::Registered {
                self.worker.as_ref().expect("worker").set_reconnect(true);
            }
        }
        self.updates.extend(updates);
    }

    /// Handles network events until `done` holds; panics after WAIT.
    #[track_caller]
    fn pump_until(&mut self, what: &str, done: impl Fn(&Client) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "{what}: not within {WAIT:?}; updates {:?}; net {:?}",
                self.updates,
                self.net
            );
            let Ok(ev) = self
                .events
                .recv_timeout(left.min(Duration::from_millis(100)))
            else {
                continue;
            };
            match &ev {
                NetEvent::Connected => self.session.on_connected(),
                NetEvent::Messages(msgs) => {
                    for m in msgs {
                        self.session.on_message(m, now_ms());
                    }
                }
                NetEvent::Disconnected(reason) => self.session.on_disconnected(reason, now_ms()),
                NetEvent::Reconnecting { .. } | NetEvent::ConnectFailed(_) => {}
            }
            self.net.push(ev);
            self.flush();
        }
    }

    fn say(&mut self, text: &str) {
        self.session
            .on_input(text, now_ms())
            .expect("input accepted");
        self.flush();
    }

    fn entries(&self) -> Vec<&Entry> {
        self.updates
            .iter()
            .filter_map(|u| match u {
                Update::Entry { entry, .. } => Some(entry),
                _ => None,
            })
            .collect()
    }

    fn has_entry(&self, kind: EntryKind, text: &str) -> bool {
        self.entries()
            .iter()
            .any(|e| e.kind == kind && e.text == text)
    }

    fn in_lobby(&self, nick: &str) -> bool {
        self.session
            .conversation("#lobby")
            .is_some_and(|c| c.members.values().any(|m| m == nick))
    }
}

#[test]
fn two_clients_talk_and_a_vanished_one_is_seen_leaving() {
    let server = TestServer::start();
    let addr = server.addr.to_string();
    let mut a = Client::connect(&addr, "小明");
    let mut b = Client::connect(&addr, "Ming");
    a.pump_until("a joins", |c| c.in_lobby("小明"));
    b.pump_until("b joins", |c| c.in_lobby("Ming") && c.in_lobby("小明"));
    a.pump_until("a sees b", |c| c.in_lobby("Ming"));

    a.say("你好 Ming");
    b.pump_until("b receives", |c| c.has_entry(EntryKind::Other, "你好 Ming"));
    // The Banter server offers echo-message, so a's own line comes back from it.
    assert!(a.session.echo_message());
    a.pump_until("a sees its own line", |c| {
        c.has_entry(EntryKind::Own, "你好 Ming")
    });

    b.say("/msg 小明 just between us");
    a.pump_until("private message", |c| {
        c.session.conversation("ming").is_some() && c.has_entry(EntryKind::Other, "just between us")
    });

    // b's process vanishes: its worker is dropped without a QUIT.
    drop(b.worker.take());
    a.pump_until("a sees b leave", |c| !c.in_lobby("Ming"));
    assert!(a
        .entries()
        .iter()
        .any(|e| e.kind == EntryKind::Notice && e.text.starts_with("Ming left the chat")));
}

#[test]
fn taken_name_is_reported_and_retried_on_the_same_connection() {
    let server = TestServer::start();
    let addr = server.addr.to_string();
    let mut first = Client::connect(&addr, "ming");
    first.pump_until("first registered", |c| c.session.is_registered());
    let mut second = Client::connect(&addr, "Ming");
    second.pump_until("name taken", |c| {
        c.updates
            .contains(&Update::LoginFailed(LoginError::NickTaken("Ming".into())))
    });
    second.session.retry_nick("小明");
    second.flush();
    second.pump_until("registered", |c| c.session.is_registered());
    assert_eq!(
        second
            .net
            .iter()
            .filter(|e| **e == NetEvent::Connected)
            .count(),
        1,
        "one connection"
    );
}

#[test]
fn refused_connection_is_reported_and_the_worker_stops() {
    // A port with nothing listening: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = Client::connect(&format!("127.0.0.1:{port}"), "x");
    c.pump_until("connect failed", |c| {
        c.net
            .iter()
            .any(|e| matches!(e, NetEvent::ConnectFailed(_)))
    });
    let NetEvent::ConnectFailed(reason) = &c.net[0] else {
        panic!()
    };
    assert!(reason.contains("nothing is listening"), "{reason}");
}

#[test]
fn reconnects_after_the_server_restarts_and_rejoins() {
    let mut config = test_config();
    // A fixed port the restarted server can take again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config.bind = format!("127.0.0.1:{port}").parse().unwrap();
    let host = Host::start(config.clone()).expect("start");
    let mut c = Client::connect(&host.loopback_addr(), "stayer");
    c.pump_until("joined", |c| c.in_lobby("stayer"));
    host.stop();
    c.pump_until("lost", |c| {
        c.net
            .iter()
            .any(|e| matches!(e, NetEvent::Reconnecting { .. }))
    });
    let _host = Host::start(config).expect("restart");
    c.pump_until("reconnected", |c| {
        c.has_entry(EntryKind::Notice, "Reconnected.")
    });
    assert_eq!(
        c.net.iter().filter(|e| **e == NetEvent::Connected).count(),
        2
    );
    c.pump_until("back in the room", |c| {
        c.has_entry(EntryKind::Notice, "You are back in #lobby.")
    });
    assert!(c.in_lobby("stayer"));
}

#[test]
fn a_host_mode_client_serves_a_second_client() {
    let host = Host::start(test_config()).expect("host a room");
    let mut hostess = Client::connect(&host.loopback_addr(), "host");
    let mut guest = Client::connect(&host.local_addr().to_string(), "guest");
    hostess.pump_until("host in", |c| c.in_lobby("host"));
    guest.pump_until("guest in", |c| c.in_lobby("guest") && c.in_lobby("host"));
    guest.say("thanks for hosting");
    hostess.pump_until("host hears", |c| {
        c.has_entry(EntryKind::Other, "thanks for hosting")
    });
}
