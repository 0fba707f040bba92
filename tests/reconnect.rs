//! The desktop client's session and worker never lose a word: a connection
//! that goes silent or is cut under it is noticed, replaced, and the client
//! ends with its name, its rooms and the same history as one that never
//! dropped, including what it typed meanwhile.

mod common;
use banter::client::session::{EntryKind, Session, Update};
use common::harness::Client;
use common::proxy::Proxy;
use common::TestServer;

/// What was said in #lobby, as this client shows it: (who, text), in order,
/// a pending line of ours moving to where its confirmation puts it (as the
/// UI does).
fn said(c: &Client) -> Vec<(String, String)> {
    let mut lines: Vec<(u64, String, String)> = Vec::new();
    for u in &c.updates {
        match u {
            Update::Entry { key, entry } if key == "#lobby" && entry.kind != EntryKind::Notice => {
                lines.push((entry.pending, entry.nick.clone(), entry.text.clone()));
            }
            Update::Delivered { key, id, .. } if key == "#lobby" => {
                if let Some(i) = lines.iter().position(|l| l.0 == *id) {
                    let mut line = lines.remove(i);
                    line.0 = 0;
                    lines.push(line);
                }
            }
            _ => {}
        }
    }
    lines.into_iter().map(|(_, n, t)| (n, t)).collect()
}

fn lost_and_back(cut: bool) {
    let server = TestServer::start();
    let proxy = Proxy::start(server.addr);
    let mut ming = Client::connect_session(
        &proxy.addr.to_string(),
        Session::new("小明", None, vec!["#lobby".into()]).with_keepalive(300, 300),
    );
    let mut watcher = Client::connect(&server.addr.to_string(), "watcher");
    ming.pump_until("ming in", |c| c.in_lobby("小明"));
    watcher.pump_until("watcher in", |c| {
        c.in_lobby("watcher") && c.in_lobby("小明")
    });
    let mut teacher = server.member("teacher", "#lobby");
    teacher.send("PRIVMSG #lobby :one");
    ming.pump_until("one", |c| c.has_entry(EntryKind::Other, "one"));
    watcher.pump_until("one", |c| c.has_entry(EntryKind::Other, "one"));

    if cut {
        proxy.cut_all();
    } else {
        proxy.freeze_all();
    }
    teacher.send("PRIVMSG #lobby :two, while you were away");
    teacher.sync();
    // Typed before the client noticed anything: it must arrive anyway.
    ming.say("typed into the void");
    // Shown at once as pending; caught up when the missed line is in and
    // the server has confirmed ours.
    assert!(ming.has_entry(EntryKind::Own, "typed into the void"));
    ming.pump_until("caught up", |c| {
        c.has_entry(EntryKind::Other, "two, while you were away")
            && c.updates
                .iter()
                .any(|u| matches!(u, Update::Delivered { .. }))
    });
    teacher.send("PRIVMSG #lobby :three");
    ming.pump_until("three", |c| c.has_entry(EntryKind::Other, "three"));
    watcher.pump_until("three", |c| {
        c.has_entry(EntryKind::Other, "typed into the void")
            && c.has_entry(EntryKind::Other, "three")
    });

    assert_eq!(ming.session().nick(), "小明", "kept its name");
    assert!(
        ming.session().conversation("#lobby").is_some(),
        "kept its room"
    );
    // The same history, in the same order, each line once.
    let mine = said(&ming);
    let theirs = said(&watcher);
    let texts = |v: &[(String, String)]| v.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
    assert_eq!(
        texts(&mine),
        texts(&theirs),
        "ming {mine:?} watcher {theirs:?}"
    );
    assert_eq!(
        texts(&mine),
        [
            "one",
            "two, while you were away",
            "typed into the void",
            "three"
        ]
    );
}

#[test]
fn a_silent_drop_is_noticed_and_nothing_is_lost() {
    lost_and_back(false);
}

#[test]
fn a_cut_connection_comes_back_and_nothing_is_lost() {
    lost_and_back(true);
}
