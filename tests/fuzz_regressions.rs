//! Bugs the fuzzer found (`docs/fuzzing.md`), each pinned by a focused test
//! that drives the chat state directly, as the harness does: no sockets.

use std::net::SocketAddr;
use std::time::Instant;

use banter::proto::Message;
use banter::server::chat::{Chat, Now};
use banter::server::outbox::{ClientId, Outbox};
use banter::server::Config;

/// A chat state, the time, and what the last call sent to whom.
struct Harness {
    chat: Chat,
    out: Outbox,
    now: Now,
}

impl Harness {
    fn new() -> Harness {
        let now = Now {
            instant: Instant::now(),
            unix_ms: 1_700_000_000_000,
        };
        let config = Config {
            message_log: false,
            ..Config::default()
        };
        Harness {
            chat: Chat::new(config, &now),
            out: Outbox::new(),
            now,
        }
    }

    fn connect(&mut self, id: usize) {
        let addr: SocketAddr = ([127, 0, 0, 1], 40000 + id as u16).into();
        self.chat
            .connect(ClientId::from_slab_key(id), addr, &self.now);
    }

    /// Handles the lines and returns what `id` was sent, as raw lines.
    fn send(&mut self, id: usize, lines: &[&str]) -> Vec<Vec<u8>> {
        self.out.clear();
        for line in lines {
            self.chat.handle_line(
                ClientId::from_slab_key(id),
                line.as_bytes(),
                &self.now,
                &mut self.out,
            );
        }
        let sent = self
            .out
            .sends()
            .filter(|(to, _)| to.slab_key() == id)
            .map(|(_, l)| l.to_vec())
            .collect();
        self.chat.check_invariants().expect("invariants hold");
        sent
    }

    fn register(&mut self, id: usize, nick: &str) {
        self.connect(id);
        self.send(id, &[&format!("NICK {nick}"), "USER u 0 * :Real"]);
    }
}

/// Parsed `(command, params)` of raw lines.
fn parsed(lines: &[Vec<u8>]) -> Vec<(String, Vec<String>)> {
    lines
        .iter()
        .map(|l| {
            let m = Message::parse(l).expect("a server line parses");
            (m.command, m.params)
        })
        .collect()
}

/// Shutdown forgot the MONITOR map and the invisible and operator counts, so
/// a chat used after it (the harness goes on; so would any embedder that
/// keeps the state) told a newcomer who took the watcher's key about a
/// nickname it never watched, and LUSERS counted people who were gone.
#[test]
fn shutdown_forgets_monitors_and_counts() {
    let mut h = Harness::new();
    h.register(3, "watcher");
    h.send(3, &["MONITOR + alice", "MODE watcher +i"]);
    h.out.clear();
    h.chat.shutdown(&h.now, &mut h.out);
    h.chat
        .check_invariants()
        .expect("nothing left of the old clients");

    h.register(3, "newcomer");
    let sent = h.send(3, &["LUSERS"]);
    let lusers = parsed(&sent);
    assert!(
        lusers
            .iter()
            .any(|(c, p)| c == "251" && p[1].contains("1 users and 0 invisible")),
        "{lusers:?}"
    );
    h.register(4, "alice");
    assert!(
        h.out.sends().all(|(to, _)| to.slab_key() != 3),
        "the newcomer watches nobody"
    );
}

/// Numerics that echo a name in a middle parameter (403, 366, 401, 734...)
/// went past 512 bytes for a long name: `Outbox::format` can only cut the
/// last parameter. Now a middle parameter that cannot fit becomes `*`.
#[test]
fn echoed_names_never_take_a_reply_past_512_bytes() {
    let mut h = Harness::new();
    h.register(0, "Alice5");
    let room = format!("#{}", "明_".repeat(126));
    let rooms = vec!["#nope"; 80].join(",");
    let nick = "n".repeat(480);
    let full: Vec<String> = (0..100).map(|i| format!("n{i}")).collect();
    let rest: Vec<String> = (0..110).map(|i| format!("m{i}")).collect();
    for (line, numeric) in [
        (format!("JOIN {room}"), "403"),
        (format!("NAMES {rooms}"), "366"),
        (format!("PRIVMSG {nick} :hi"), "401"),
        (format!("MONITOR + {}", full.join(",")), "731"),
        (format!("MONITOR + {}", rest.join(",")), "734"),
    ] {
        assert!(line.len() <= 510, "the input itself is accepted");
        let sent = h.send(0, &[&line]);
        for l in &sent {
            assert!(
                l.len() <= 512,
                "{} bytes: {}",
                l.len(),
                String::from_utf8_lossy(l)
            );
        }
        let replies = parsed(&sent);
        let reply = replies
            .iter()
            .find(|(c, _)| c == numeric)
            .unwrap_or_else(|| panic!("{numeric} for {line:.40}: {replies:?}"));
        // Echoed whole when it fits, as `*` when it cannot.
        assert!(
            reply.1[1] == "*" || line.contains(reply.1[1].as_str()),
            "{reply:?}"
        );
    }
}

/// Twelve list changes with long masks made a MODE announcement over 512
/// bytes (527 for 31-byte masks from a 30-character CJK nickname), and
/// Relay's cut of the last parameter announced an empty mask in place of
/// the one set. Now the changes are spread over as many lines as it takes,
/// for the quiet list (`+q`, added later) as for bans.
#[test]
fn long_mode_announcements_are_split_not_cut() {
    let mut h = Harness::new();
    h.register(0, &"明".repeat(30));
    h.send(0, &["JOIN #a"]);
    let masks: Vec<String> = (0..12).map(|i| format!("{}{i}", "m".repeat(30))).collect();
    for (letter, item) in [('b', "367"), ('q', "728")] {
        let letters = letter.to_string().repeat(masks.len());
        let line = format!("MODE #a +{letters} {}", masks.join(" "));
        let sent = h.send(0, &[&line]);
        let mut announced = Vec::new();
        for l in &sent {
            assert!(l.len() <= 512, "{} bytes", l.len());
            let m = Message::parse(l).expect("parses");
            if m.command == "MODE" {
                assert!(m.params[1].chars().all(|c| c == '+' || c == letter));
                announced.extend(m.params[2..].iter().cloned());
            }
        }
        let expected: Vec<String> = masks.iter().map(|m| format!("{m}!*@*")).collect();
        assert_eq!(announced, expected, "every {letter} mask, whole, in order");
        let listed = parsed(&h.send(0, &[&format!("MODE #a {letter}")]));
        assert_eq!(listed.iter().filter(|(c, _)| c == item).count(), 12);
    }
}
