//! Session state without a window or a socket: messages in, lines and updates out.

use super::*;

mod outgoing;

const T0: u64 = 1_795_316_645_000;

fn line(s: &str) -> Message {
    Message::parse(s.as_bytes()).expect(s)
}

fn sent(s: &mut Session) -> Vec<String> {
    let (out, _) = s.drain();
    out.iter()
        .map(|m| {
            String::from_utf8(m.to_bytes().unwrap())
                .unwrap()
                .trim_end()
                .to_owned()
        })
        .collect()
}

fn feed(s: &mut Session, lines: &[&str]) -> Vec<Update> {
    for l in lines {
        s.on_message(&line(l), T0);
    }
    std::mem::take(&mut s.updates)
}

fn entries(updates: &[Update]) -> Vec<(ConvKey, Entry)> {
    updates
        .iter()
        .filter_map(|u| match u {
            Update::Entry { key, entry } => Some((key.clone(), entry.clone())),
            _ => None,
        })
        .collect()
}

/// A session logged in as `me` with `#lobby` joined and alice + bob in it.
fn in_lobby(me: &str, caps: &str) -> Session {
    let mut s = Session::new(me, None, vec!["#lobby".into()]);
    s.on_connected();
    s.drain();
    if !caps.is_empty() {
        feed(
            &mut s,
            &[
                &format!(":srv CAP * LS :{caps}"),
                &format!(":srv CAP * ACK :{caps}"),
            ],
        );
    }
    feed(
        &mut s,
        &[
            &format!(":srv 001 {me} :Welcome"),
            &format!(":{me}!u@h JOIN #lobby"),
            &format!(":srv 353 {me} = #lobby :{me} @alice +bob"),
            &format!(":srv 366 {me} #lobby :End"),
        ],
    );
    s.drain();
    s
}

fn members(s: &Session, room: &str) -> Vec<String> {
    s.conversation(room)
        .unwrap()
        .members
        .values()
        .map(|m| m.nick.clone())
        .collect()
}

#[test]
fn registers_with_caps_and_joins() {
    let mut s = Session::new("小明", Some("pw".into()), vec!["#lobby".into()]);
    s.on_connected();
    assert_eq!(
        sent(&mut s),
        [
            "CAP LS 302",
            "PASS pw",
            "NICK 小明",
            "USER banter 0 * :Banter user"
        ]
    );
    feed(
        &mut s,
        &[":srv CAP * LS :message-tags server-time echo-message sasl"],
    );
    assert_eq!(
        sent(&mut s),
        ["CAP REQ :server-time echo-message message-tags"]
    );
    feed(&mut s, &[":srv CAP * ACK :server-time echo-message"]);
    assert!(s.echo_message());
    assert_eq!(sent(&mut s), ["CAP END"]);
    let updates = feed(&mut s, &[":srv 001 小明 :Welcome"]);
    assert!(updates.contains(&Update::Registered));
    assert!(s.is_registered());
    assert_eq!(sent(&mut s), ["JOIN #lobby"]);
}

#[test]
fn with_only_an_address_it_joins_the_room_the_server_names_once() {
    let mut s = Session::new("ming", None, Vec::new()).with_server_room("#lobby");
    s.on_connected();
    s.drain();
    feed(&mut s, &[":srv 001 ming :Welcome"]);
    // Nothing yet: the room is named in 005, which follows 001.
    assert!(sent(&mut s).is_empty());
    feed(
        &mut s,
        &[":srv 005 ming CHANTYPES=# banter.chat/ROOM=#7b\\x3Dmaths :are supported"],
    );
    assert_eq!(sent(&mut s), ["JOIN #7b=maths"]);
    feed(&mut s, &[":srv 376 ming :End of MOTD"]);
    assert!(sent(&mut s).is_empty(), "joined once");

    // A server that names none: the fallback, at the end of its MOTD.
    let mut s = Session::new("ming", None, Vec::new()).with_server_room("#lobby");
    s.on_connected();
    s.drain();
    feed(
        &mut s,
        &[":srv 001 ming :Welcome", ":srv 005 ming CHANTYPES=# :ok"],
    );
    assert!(sent(&mut s).is_empty());
    feed(&mut s, &[":srv 422 ming :MOTD File is missing"]);
    assert_eq!(sent(&mut s), ["JOIN #lobby"]);
}

#[test]
fn works_without_caps() {
    let mut s = Session::new("ming", None, vec!["#lobby".into()]);
    s.on_connected();
    s.drain();
    // A multi-line LS with nothing we want, then a server that ignores CAP.
    feed(
        &mut s,
        &[":srv CAP * LS * :account-notify", ":srv CAP * LS :sasl"],
    );
    assert_eq!(sent(&mut s), ["CAP END"]);
    assert!(!s.echo_message());
    feed(
        &mut s,
        &[
            ":srv NOTICE * :*** Looking up your hostname",
            ":srv 001 ming :Hi",
        ],
    );
    assert!(s.is_registered());
}

#[test]
fn taken_name_fails_login_and_retry_works() {
    let mut s = Session::new("Ming", None, vec![]);
    s.on_connected();
    s.drain();
    let updates = feed(&mut s, &[":srv 433 * Ming :Nickname is already in use"]);
    assert_eq!(
        updates,
        [Update::LoginFailed(LoginError::NickTaken("Ming".into()))]
    );
    assert!(LoginError::NickTaken("Ming".into())
        .to_string()
        .contains("taken, try another"));
    s.retry_nick("小明");
    assert_eq!(sent(&mut s), ["NICK 小明"]);
    feed(&mut s, &[":srv 001 小明 :Welcome"]);
    assert_eq!(s.nick(), "小明");
}

#[test]
fn look_alike_and_mixed_alphabet_refusals_read_as_sentences() {
    let mut s = Session::new("\u{410}na", None, vec![]);
    s.on_connected();
    let u = feed(
        &mut s,
        &[":srv 433 * \u{410}na :Nickname looks the same as one in use"],
    );
    assert_eq!(
        u,
        [Update::LoginFailed(LoginError::NickLookalike(
            "\u{410}na".into()
        ))]
    );
    let text = LoginError::NickLookalike("\u{410}na".into()).to_string();
    assert!(text.contains("looks the same as someone else"), "{text}");

    let mut s = Session::new("\u{410}n\u{430}", None, vec![]);
    s.on_connected();
    let u = feed(
        &mut s,
        &[":srv 432 * \u{410}n\u{430} :Nickname mixes alphabets that no language mixes, such as Latin with Cyrillic"],
    );
    let [Update::LoginFailed(e @ LoginError::NickInvalid { .. })] = u.as_slice() else {
        panic!("{u:?}");
    };
    assert_eq!(
        e.to_string(),
        "“\u{410}n\u{430}” cannot be used as a name: it mixes alphabets that no language mixes, such as Latin with Cyrillic"
    );
}

#[test]
fn other_login_failures() {
    let mut s = Session::new("9x", None, vec![]);
    s.on_connected();
    let u = feed(&mut s, &[":srv 432 * 9x :Erroneous nickname"]);
    assert!(
        matches!(&u[0], Update::LoginFailed(LoginError::NickInvalid { nick, .. }) if nick == "9x")
    );

    let mut s = Session::new("a", Some("bad".into()), vec![]);
    s.on_connected();
    let u = feed(
        &mut s,
        &[":srv 464 a :Password incorrect", "ERROR :Bad password"],
    );
    assert_eq!(
        u,
        [Update::LoginFailed(LoginError::BadPassword)],
        "one failure, not two"
    );

    let mut s = Session::new("a", None, vec![]);
    s.on_connected();
    let u = feed(&mut s, &["ERROR :Too many connections: the server is full"]);
    assert_eq!(
        u,
        [Update::LoginFailed(LoginError::Refused(
            "Too many connections: the server is full".into()
        ))]
    );
}

#[test]
fn member_list_follows_join_part_quit_and_nick() {
    let mut s = in_lobby("me", "");
    assert_eq!(members(&s, "#lobby"), ["alice", "bob", "me"]);
    let u = feed(&mut s, &[":carol!u@h JOIN #lobby"]);
    assert!(u.contains(&Update::MembersChanged("#lobby".into())));
    assert_eq!(entries(&u)[0].1.text, "carol joined");
    assert_eq!(entries(&u)[0].1.kind, EntryKind::Notice);
    let u = feed(&mut s, &[":bob!u@h PART #lobby :homework"]);
    assert_eq!(entries(&u)[0].1.text, "bob left (homework)");
    let u = feed(&mut s, &[":alice!u@h NICK :Alicia"]);
    assert_eq!(entries(&u)[0].1.text, "alice is now known as Alicia");
    assert_eq!(members(&s, "#lobby"), ["Alicia", "carol", "me"]);
    let u = feed(&mut s, &[":carol!u@h QUIT :Connection closed"]);
    assert_eq!(
        entries(&u)[0].1.text,
        "carol left the chat (Connection closed)"
    );
    assert_eq!(members(&s, "#lobby"), ["Alicia", "me"]);
    // Someone we share no room with quitting changes nothing.
    assert!(entries(&feed(&mut s, &[":stranger!u@h QUIT :bye"])).is_empty());
    let u = feed(&mut s, &[":me!u@h NICK Mingo"]);
    assert!(u.contains(&Update::NickChanged));
    assert_eq!(s.nick(), "Mingo");
    assert_eq!(members(&s, "#lobby"), ["Alicia", "Mingo"]);
}

#[test]
fn own_and_others_without_echo_message() {
    let mut s = in_lobby("me", "");
    s.on_input("hello all", T0 + 5).unwrap();
    let (out, u) = s.drain();
    assert_eq!(out[0].params, ["#lobby", "hello all"]);
    let e = entries(&u);
    assert_eq!(
        (e[0].1.kind, e[0].1.text.as_str(), e[0].1.time_ms),
        (EntryKind::Own, "hello all", T0 + 5)
    );
    let u = feed(&mut s, &[":alice!u@h PRIVMSG #lobby :hi me"]);
    let e = entries(&u);
    assert_eq!(
        (e[0].1.kind, e[0].1.nick.as_str()),
        (EntryKind::Other, "alice")
    );
}

#[test]
fn own_messages_are_pending_until_the_echo_with_echo_message() {
    let mut s = in_lobby("me", "server-time echo-message");
    s.on_input("hello all", T0).unwrap();
    let (out, u) = s.drain();
    assert_eq!(out.len(), 1);
    let shown = entries(&u);
    assert_eq!(shown.len(), 1, "shown at once");
    let id = shown[0].1.pending;
    assert!(id != 0, "as pending");
    let u = feed(
        &mut s,
        &["@time=2026-11-22T03:04:05.123Z :me!u@h PRIVMSG #lobby :hello all"],
    );
    assert!(entries(&u).is_empty(), "the echo is not shown twice");
    assert!(u.contains(&Update::Delivered {
        key: "#lobby".into(),
        id,
        time_ms: 1_795_316_645_123,
        msgid: None,
    }));
    // An echo of a line this session did not send (another client of ours)
    // is shown as a line of its own.
    let u = feed(&mut s, &[":me!u@h PRIVMSG #lobby :from my phone"]);
    assert_eq!(entries(&u)[0].1.pending, 0);
}

#[test]
fn timestamps_come_from_server_time_else_the_local_clock() {
    let mut s = in_lobby("me", "server-time");
    s.on_message(
        &line("@time=2026-11-22T03:04:05.123Z :bob!u@h PRIVMSG #lobby :tagged"),
        42,
    );
    s.on_message(&line(":bob!u@h PRIVMSG #lobby :untagged"), 42);
    s.on_message(&line("@time=garbage :bob!u@h PRIVMSG #lobby :bad tag"), 43);
    let times: Vec<u64> = entries(&s.drain().1)
        .iter()
        .map(|(_, e)| e.time_ms)
        .collect();
    assert_eq!(times, [1_795_316_645_123, 42, 43]);
}

#[test]
fn private_conversations() {
    let mut s = in_lobby("me", "");
    let u = feed(&mut s, &[":Bob!u@h PRIVMSG me :psst"]);
    assert!(u.contains(&Update::ConversationsChanged));
    let conv = s.conversation("bob").expect("private conversation");
    assert!(conv.private);
    assert_eq!(conv.name, "Bob");
    assert_eq!(conv.unread, 1, "not on screen, so unread");
    assert_eq!(entries(&u)[0].0, "bob");
    let bob = s
        .conversations()
        .iter()
        .position(|c| c.key == "bob")
        .unwrap();
    s.set_active(bob);
    assert_eq!(s.conversation("bob").unwrap().unread, 0);

    s.on_input("/msg alice are you there", T0).unwrap();
    let (out, u) = s.drain();
    assert_eq!(out[0].params, ["alice", "are you there"]);
    assert_eq!(s.active().unwrap().key, "alice");
    assert_eq!(entries(&u)[0].0, "alice");
    // Plain text now goes to alice.
    s.on_input("just you", T0).unwrap();
    assert_eq!(s.drain().0[0].params, ["alice", "just you"]);
    // Bob changes name: the conversation follows him.
    let u = feed(&mut s, &[":Bob!u@h NICK Robert"]);
    assert!(u.contains(&Update::Renamed {
        from: "bob".into(),
        to: "robert".into()
    }));
    assert_eq!(s.conversation("robert").unwrap().name, "Robert");
    // Our echoed private message goes into the conversation with its target.
    let mut s = in_lobby("me", "echo-message");
    let u = feed(&mut s, &[":me!u@h PRIVMSG carol :hi carol"]);
    assert_eq!(entries(&u)[0].0, "carol");
    assert_eq!(entries(&u)[0].1.kind, EntryKind::Own);
    // Actions.
    let u = feed(
        &mut s,
        &[":carol!u@h PRIVMSG #lobby :\u{1}ACTION waves\u{1}"],
    );
    let e = &entries(&u)[0].1;
    assert!(e.action);
    assert_eq!(e.text, "waves");
}

#[test]
fn reconnect_rejoins_rooms_and_keeps_history_markers() {
    let mut s = in_lobby("me", "");
    feed(&mut s, &[":me!u@h JOIN #games"]);
    s.on_disconnected("connection reset", T0);
    let (_, u) = s.drain();
    assert_eq!(entries(&u).len(), 2, "a notice in each room");
    assert!(entries(&u)[0].1.text.contains("connection reset"));
    // The server's own reason, when it gave one, is the one shown.
    s.on_connected();
    feed(
        &mut s,
        &[":srv 001 me :Welcome back", "ERROR :Server shutting down"],
    );
    s.on_disconnected("the server closed the connection", T0);
    let notices = entries(&s.drain().1);
    assert!(
        notices[0].1.text.ends_with("Server shutting down"),
        "{notices:?}"
    );
    // What is said meanwhile waits, is shown as waiting, and is not lost.
    assert!(s.on_input("while away", T0).is_ok());
    let (out, u) = s.drain();
    assert!(out.is_empty(), "nothing to send on a dead connection");
    assert!(entries(&u)[0].1.text.contains("will be sent"), "{u:?}");
    assert!(
        s.on_input("/topic not now", T0).is_err(),
        "commands wait for the user"
    );
    s.on_connected();
    s.drain();
    // The old connection still holds the name: take a variant automatically.
    feed(&mut s, &[":srv 433 * me :Nickname is already in use"]);
    assert_eq!(sent(&mut s), ["NICK me_"]);
    let u = feed(&mut s, &[":srv 001 me_ :Welcome back"]);
    assert!(u.contains(&Update::Registered));
    assert_eq!(sent(&mut s), ["JOIN #lobby,#games"]);
    assert_eq!(s.conversations().len(), 2, "conversations kept");
    // Back in the room, the waiting line goes out, once.
    feed(&mut s, &[":me_!u@h JOIN #lobby"]);
    assert_eq!(
        sent(&mut s),
        [
            "MODE #lobby",
            "MODE #lobby +b",
            "PRIVMSG #lobby :while away"
        ]
    );
    feed(&mut s, &[":me_!u@h JOIN #games"]);
    assert_eq!(
        sent(&mut s),
        ["MODE #games", "MODE #games +b"],
        "nothing waited for #games"
    );
}

#[test]
fn keepalive_pings_a_silent_server_and_declares_it_dead() {
    let mut s = in_lobby("me", "");
    s.tick(T0 + KEEPALIVE_AFTER_MS - 1);
    assert!(sent(&mut s).is_empty());
    s.tick(T0 + KEEPALIVE_AFTER_MS + 1);
    assert_eq!(sent(&mut s), ["PING banter-keepalive"]);
    // An answer resets it: no verdict, the next check waits for silence.
    feed(&mut s, &[":srv PONG srv banter-keepalive"]);
    s.tick(T0 + KEEPALIVE_AFTER_MS - 1);
    let (out, u) = s.drain();
    assert!(out.is_empty() && !u.contains(&Update::ConnectionDead));
    // Silence after the next PING: dead.
    let later = T0 + 10 * KEEPALIVE_AFTER_MS;
    s.tick(later);
    assert_eq!(sent(&mut s), ["PING banter-keepalive"]);
    s.tick(later + DEAD_AFTER_MS - 1);
    assert!(!s.drain().1.contains(&Update::ConnectionDead));
    s.tick(later + DEAD_AFTER_MS);
    assert!(s.drain().1.contains(&Update::ConnectionDead));
}

#[test]
fn history_is_fetched_merged_by_msgid_and_marked_after_a_reconnect() {
    let caps = "batch message-tags server-time echo-message draft/chathistory";
    let mut s = Session::new("me", None, vec!["#lobby".into()]);
    s.on_connected();
    feed(
        &mut s,
        &[
            &format!(":srv CAP * LS :{caps}"),
            &format!(":srv CAP * ACK :{caps}"),
            ":srv 001 me :Welcome",
            ":me!u@h JOIN #lobby",
        ],
    );
    let out = sent(&mut s);
    assert_eq!(
        out.last().map(String::as_str),
        Some("CHATHISTORY LATEST #lobby * 50")
    );
    let u = feed(
        &mut s,
        &[
            // A live line arrives while the fetch is under way: it waits.
            "@msgid=m3 :bob!u@h PRIVMSG #lobby :live",
            ":srv BATCH +h1 chathistory #lobby",
            "@batch=h1;msgid=m1 :bob!u@h PRIVMSG #lobby :old one",
            "@batch=h1;msgid=m2 :amy!u@h PRIVMSG #lobby :old two",
            "@batch=h1;msgid=m9 :amy!u@h JOIN #lobby",
            ":srv BATCH -h1",
            // The same line again (a replay): shown once.
            "@msgid=m2 :amy!u@h PRIVMSG #lobby :old two",
        ],
    );
    let texts: Vec<String> = entries(&u).iter().map(|(_, e)| e.text.clone()).collect();
    assert_eq!(texts, ["old one", "old two", "live"]);
    // Fetched lines are marked as such: they are not news for the title.
    let past: Vec<bool> = entries(&u).iter().map(|(_, e)| e.past).collect();
    assert_eq!(past, [true, true, false]);

    s.on_disconnected("reset", T0);
    s.on_connected();
    feed(
        &mut s,
        &[
            ":srv CAP * LS :batch message-tags server-time echo-message draft/chathistory",
            ":srv CAP * ACK :batch message-tags server-time echo-message draft/chathistory",
            ":srv 001 me :Welcome back",
        ],
    );
    s.drain();
    feed(&mut s, &[":me!u@h JOIN #lobby"]);
    assert_eq!(
        sent(&mut s),
        [
            "MODE #lobby",
            "MODE #lobby +b",
            "CHATHISTORY AFTER #lobby msgid=m3 100"
        ]
    );
    let u = feed(
        &mut s,
        &[
            ":srv BATCH +h2 chathistory #lobby",
            "@batch=h2;msgid=m4 :bob!u@h PRIVMSG #lobby :missed",
            ":srv BATCH -h2",
        ],
    );
    let texts: Vec<String> = entries(&u).iter().map(|(_, e)| e.text.clone()).collect();
    assert_eq!(texts, ["While you were away:", "missed"]);
}

#[test]
fn a_held_seat_is_taken_back_with_the_token() {
    let mut s = in_lobby("me", "banter.chat/resume");
    feed(&mut s, &[":srv RESUME TOKEN abc123"]);
    s.on_disconnected("reset", T0);
    s.on_connected();
    s.drain();
    feed(&mut s, &[":srv CAP * LS :banter.chat/resume"]);
    assert_eq!(sent(&mut s), ["CAP REQ banter.chat/resume"]);
    feed(&mut s, &[":srv CAP * ACK banter.chat/resume"]);
    assert_eq!(sent(&mut s), ["RESUME abc123", "CAP END"]);
}

#[test]
fn input_commands() {
    let mut s = in_lobby("me", "");
    let cases: &[(&str, &[&str])] = &[
        ("/join games", &["JOIN #games"]),
        ("/nick Ming", &["NICK Ming"]),
        ("/topic Homework due", &["TOPIC #lobby :Homework due"]),
        ("/me waves", &["PRIVMSG #lobby :\u{1}ACTION waves\u{1}"]),
        ("/part bye", &["PART #lobby bye"]),
        ("//not a command", &["PRIVMSG #lobby :/not a command"]),
    ];
    for (input, want) in cases {
        s.on_input(input, T0).unwrap();
        assert_eq!(sent(&mut s), *want, "{input}");
    }
    let unknown = s.on_input("/frob", T0).unwrap_err();
    assert!(unknown.under_the_box().contains("/help"), "{unknown:?}");
    // /join focuses the room when the server confirms it.
    let games = s.conversations().len();
    feed(&mut s, &[":me!u@h JOIN #games"]);
    assert_eq!(s.active_index(), games);
    assert_eq!(
        sent(&mut s),
        ["MODE #games", "MODE #games +b"],
        "asks for the room's settings and bans"
    );
    // exit asks first; Cancel changes nothing, OK quits.
    s.on_input("exit", T0).unwrap();
    let (out, u) = s.drain();
    assert!(out.is_empty());
    assert_eq!(u, [Update::ConfirmExit]);
    s.confirm_exit(false);
    assert_eq!(s.drain(), (vec![], vec![]));
    s.confirm_exit(true);
    let (out, u) = s.drain();
    assert_eq!(out[0].command, "QUIT");
    assert_eq!(u, [Update::Quit]);
    // /quit leaves at once.
    let mut s = in_lobby("me", "");
    s.on_input("/quit see you", T0).unwrap();
    assert_eq!(sent(&mut s), ["QUIT :see you"]);
}

#[test]
fn pings_errors_and_topics() {
    let mut s = in_lobby("me", "");
    feed(&mut s, &["PING :abc"]);
    assert_eq!(sent(&mut s), ["PONG abc"]);
    let u = feed(&mut s, &[":srv 401 me nobody :No such nick/channel"]);
    assert_eq!(entries(&u)[0].1.text, "Nobody called nobody is here now.");
    let u = feed(&mut s, &[":alice!u@h TOPIC #lobby :Exams on Monday"]);
    assert!(u.contains(&Update::TopicChanged("#lobby".into())));
    assert_eq!(s.conversation("#lobby").unwrap().topic, "Exams on Monday");
    assert_eq!(
        entries(&u)[0].1.text,
        "alice pinned a notice: Exams on Monday"
    );
    feed(&mut s, &[":alice!u@h PRIVMSG me :\u{1}VERSION\u{1}"]);
    assert!(sent(&mut s)[0].starts_with("NOTICE alice :\u{1}VERSION Banter"));
}

#[test]
fn names_compare_the_way_the_server_says() {
    let mut s = Session::new("[me]", None, vec!["#Lobby".into()]);
    s.on_connected();
    feed(
        &mut s,
        &[
            ":srv 001 [me] :Welcome",
            ":srv 005 [me] CASEMAPPING=rfc1459 :are supported",
            // The server folds [ and { together: this JOIN is ours.
            ":{ME}!u@h JOIN #lobby",
        ],
    );
    assert_eq!(s.conversations().len(), 1, "our own join opened the room");
    assert!(s.conversation("#lobby").is_some());
}

#[test]
fn mentions_are_whole_names() {
    let fold = crate::proto::names::fold;
    assert!(mentions("hi Bob!", "bob", fold));
    assert!(mentions("bob: look", "bob", fold));
    assert!(!mentions("bobby is here", "bob", fold));
    assert!(!mentions("ask jimbob", "bob", fold));
    assert!(mentions("小明你好", "小明", fold));
    assert!(!mentions("anything", "", fold));
    let mut s = in_lobby("小明", "");
    let u = feed(
        &mut s,
        &[
            ":alice!a@h PRIVMSG #lobby :小明, are you there?",
            ":alice!a@h PRIVMSG #lobby :nobody",
        ],
    );
    let flags: Vec<bool> = entries(&u).into_iter().map(|(_, e)| e.mention).collect();
    assert_eq!(flags, [true, false]);
}

#[test]
fn a_note_before_any_room_waits_for_the_first_one() {
    let mut s = Session::new("me", None, vec!["#lobby".into()]);
    s.note("certificate remembered", T0);
    s.on_connected();
    let u = feed(&mut s, &[":srv 001 me :Welcome", ":me!u@h JOIN #lobby"]);
    let texts: Vec<String> = entries(&u).into_iter().map(|(_, e)| e.text).collect();
    assert_eq!(texts, ["You joined #lobby.", "certificate remembered"]);
    // Shown once: a later room does not repeat it.
    let u = feed(&mut s, &[":me!u@h JOIN #games"]);
    assert!(entries(&u)
        .iter()
        .all(|(_, e)| e.text != "certificate remembered"));
}

mod room;

/// The NICK lines sent (the keepalive's PINGs aside).
fn nick_lines(s: &mut Session) -> Vec<String> {
    sent(s)
        .into_iter()
        .filter(|l| l.starts_with("NICK"))
        .collect()
}

/// After a reconnect the old connection may still hold the name: a bounded
/// stand-in (N12), the user asked past that, and the chosen name taken
/// back as soon as it is free.
#[test]
fn a_stand_in_name_is_bounded_and_gives_way_to_the_chosen_one() {
    let mut s = in_lobby("me", "");
    s.on_disconnected("gone", T0);
    s.on_connected_at(T0);
    s.drain();
    for expected in ["NICK me_", "NICK me_2", "NICK me_3"] {
        feed(&mut s, &[":srv 433 * x :Nickname is already in use"]);
        assert_eq!(sent(&mut s), [expected]);
    }
    // Past the bound: the user is asked, not a fourth guess.
    let u = feed(&mut s, &[":srv 433 * me_3 :Nickname is already in use"]);
    assert!(sent(&mut s).is_empty());
    assert!(u
        .iter()
        .any(|u| matches!(u, Update::LoginFailed(LoginError::NickTaken(_)))));

    // In as a stand-in: the chosen name is asked back now and then, a
    // refusal is not shown, and once free it is ours again.
    let mut s = in_lobby("me", "");
    s.on_disconnected("gone", T0);
    s.on_connected_at(T0);
    s.drain();
    feed(
        &mut s,
        &[":srv 433 * me :in use", ":srv 001 me_ :Welcome back"],
    );
    s.drain();
    s.tick(T0 + 31_000);
    assert_eq!(nick_lines(&mut s), ["NICK me"]);
    let u = feed(&mut s, &[":srv 433 me_ me :Nickname is already in use"]);
    assert!(entries(&u).is_empty(), "the refusal is ours to set aside");
    s.tick(T0 + 40_000);
    assert!(
        nick_lines(&mut s).is_empty(),
        "not more often than every 30 s"
    );
    s.tick(T0 + 62_000);
    assert_eq!(nick_lines(&mut s), ["NICK me"]);
    feed(&mut s, &[":me_!u@h NICK :me"]);
    assert_eq!(s.nick(), "me");
    s.tick(T0 + 100_000);
    assert!(nick_lines(&mut s).is_empty(), "wearing the chosen name");
}

/// What the screen shows is true: while reconnecting nobody is listed as
/// present, and a notice pinned in a room that closed (a class re-hosted)
/// does not come back unless the server says it again.
#[test]
fn reconnecting_lists_nobody_and_a_rejoined_room_keeps_no_stale_notice() {
    let mut s = in_lobby("me", "");
    feed(&mut s, &[":alice!u@h TOPIC #lobby :Homework: page 12"]);
    assert_eq!(s.conversation("#lobby").unwrap().topic, "Homework: page 12");
    s.on_disconnected("gone", T0);
    let u = std::mem::take(&mut s.updates);
    assert!(u.contains(&Update::MembersChanged("#lobby".into())));
    assert!(members(&s, "#lobby").is_empty(), "nobody known to be here");
    s.on_connected_at(T0);
    feed(
        &mut s,
        &[":srv 001 me :Welcome back", ":me!u@h JOIN #lobby"],
    );
    assert_eq!(
        s.conversation("#lobby").unwrap().topic,
        "",
        "no 332: no notice"
    );
    feed(
        &mut s,
        &[":srv 353 me = #lobby :me @ana", ":srv 366 me #lobby :End"],
    );
    assert_eq!(members(&s, "#lobby"), ["ana", "me"]);
}
