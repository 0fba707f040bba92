//! What we say: pieces that fit after our real source, the pacer, labels,
//! and the bound on what may be in flight.

use super::*;

#[test]
fn long_text_is_split_and_nothing_is_lost() {
    // Pieces fit whole once the server puts our source in front, whatever
    // its length (a long CJK name on a long IPv6 host here, N7).
    let me = "小明同学小明同学";
    let host = "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff.ipv6.school-network.example.org";
    for source in [format!("{me}!u@h"), format!("{me}!~student@{host}")] {
        let mut s = in_lobby(me, "");
        feed(&mut s, &[&format!(":{source} JOIN #class")]);
        s.drain();
        let text = "word ".repeat(250) + &"长".repeat(300);
        s.on_input(&text, T0).unwrap();
        let (out, _) = s.drain();
        assert!(out.len() > 2);
        for m in &out {
            let relayed = format!(":{source} ").len() + m.to_bytes().unwrap().len();
            assert!(relayed <= 512, "{relayed} bytes relayed");
        }
        let joined: String = out.iter().map(|m| m.params[1].as_str()).collect();
        assert_eq!(joined, text);
    }
}

#[test]
fn a_long_paste_is_paced_labelled_and_bounded() {
    let mut s = in_lobby("me", "batch message-tags echo-message labeled-response");
    // 30 pieces of one paste: a burst goes at once, labelled in order.
    let piece = "x".repeat(300);
    let paste = vec![piece.as_str(); 30].join(" ");
    s.on_input(&paste, T0).unwrap();
    let (out, u) = s.drain();
    assert_eq!(out.len() as u64, pace::BURST);
    let labels: Vec<&str> = out.iter().map(|m| m.tag("label").unwrap()).collect();
    assert_eq!(labels[..3], ["b1", "b2", "b3"]);
    let pending: Vec<u64> = entries(&u).iter().map(|(_, e)| e.pending).collect();
    assert_eq!(pending.len(), 30, "every piece shows, pending");
    assert!(pending.iter().all(|&id| id != 0));
    assert_eq!(s.in_flight(), 30);
    // The rest at the steady pace, as time goes by.
    s.tick(T0 + pace::INTERVAL_MS - 1);
    assert!(s.drain().0.is_empty(), "nothing before the next interval");
    s.tick(T0 + pace::INTERVAL_MS);
    assert_eq!(s.drain().0.len(), 1);
    s.tick(T0 + 60_000);
    let (rest, _) = s.drain();
    let rest = rest.iter().filter(|m| m.command == "PRIVMSG").count();
    assert_eq!(rest as u64, pace::BURST, "at most a burst after a pause");

    // An echo is matched by its label, even when the server shortened it,
    // and the same words said again find their own entries.
    let u = feed(&mut s, &["@label=b2 :me!u@h PRIVMSG #lobby :xxx"]);
    assert!(entries(&u).is_empty(), "not shown as a new line");
    assert!(u
        .iter()
        .any(|u| matches!(u, Update::Delivered { id, .. } if *id == pending[1])));
    // A refusal names its line by label too.
    let u = feed(
        &mut s,
        &["@label=b5 :srv 404 me #lobby :Cannot send to channel"],
    );
    assert!(u.contains(&Update::Refused {
        key: "#lobby".into(),
        id: pending[4]
    }));
    assert_eq!(s.in_flight(), 28);

    // Past the bound, input is refused with the reason and kept.
    let huge = vec![piece.as_str(); crate::client::session::outgoing::MAX_IN_FLIGHT].join(" ");
    assert_eq!(
        s.on_input(&huge, T0 + 60_000),
        Err(NotSent::Because(tr::TOO_MUCH_AT_ONCE.to_string()))
    );
    assert_eq!(s.in_flight(), 28, "nothing of it was taken");

    // A dropped connection keeps every unconfirmed piece, sent or not, to
    // send again in order.
    s.on_disconnected("gone", T0 + 61_000);
    assert_eq!(s.in_flight(), 0);
    assert_eq!(s.queued.len(), 28);
    assert_eq!(s.queued[0].id, pending[0], "the first piece first");
    assert_eq!(s.queued[1].id, pending[2], "the second was delivered");
}

#[test]
fn several_lines_are_said_in_order_and_a_command_takes_one() {
    let mut s = in_lobby("me", "");
    s.on_input("Question 1\r\n\nQuestion 2\n   \nQuestion 3\n", T0)
        .unwrap();
    assert_eq!(
        sent(&mut s),
        [
            "PRIVMSG #lobby :Question 1",
            "PRIVMSG #lobby :Question 2",
            "PRIVMSG #lobby :Question 3"
        ]
    );
    // A command keeps to one line: its line breaks are spaces.
    s.on_input("/me waves\nhello", T0).unwrap();
    assert_eq!(
        sent(&mut s),
        ["PRIVMSG #lobby :\u{1}ACTION waves hello\u{1}"]
    );
    // Past the bound, none of the lines goes.
    let piece = "x".repeat(300);
    let many = vec![piece.as_str(); crate::client::session::outgoing::MAX_IN_FLIGHT + 1].join("\n");
    assert!(s.on_input(&many, T0).is_err());
    assert!(sent(&mut s).is_empty(), "all or nothing");
}
