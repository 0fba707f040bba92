//! The host controls and what members see of them: status from NAMES and
//! MODE, host actions as lines, mutes, removals, and what a reconnect forgets.

use super::*;

/// `me` hosting `#lobby` (with the quiet list a Banter server offers) with
/// alice (host) and bob (voiced) in it.
fn hosting_lobby() -> Session {
    let mut s = Session::new("me", None, vec!["#lobby".into()]);
    s.on_connected();
    feed(
        &mut s,
        &[
            ":srv 001 me :Welcome",
            ":srv 005 me PREFIX=(ov)@+ CHANMODES=beIq,k,l,Cimnst :are supported",
            ":me!u@h JOIN #lobby",
            ":srv 353 me = #lobby :@me @+alice +bob carol",
            ":srv 366 me #lobby :End",
        ],
    );
    s.drain();
    s
}

fn member(s: &Session, nick: &str) -> Member {
    s.conversation("#lobby").unwrap().members[nick].clone()
}

#[test]
fn names_and_modes_say_who_hosts_and_who_may_talk() {
    let mut s = hosting_lobby();
    assert!(member(&s, "alice").host && member(&s, "alice").voice);
    assert!(!member(&s, "bob").host && member(&s, "bob").voice);
    assert!(!member(&s, "carol").host && !member(&s, "carol").voice);
    assert!(s.hosting_active());
    feed(
        &mut s,
        &[
            ":srv 324 me #lobby +ntk secret",
            ":srv 728 me #lobby q carol!*@* me 1700000000",
        ],
    );
    let lobby = s.conversation("#lobby").unwrap().clone();
    assert!(lobby.modes.password && !lobby.modes.moderated && !lobby.modes.locked);
    assert!(lobby.is_muted(&member(&s, "carol"), s.casemap()));
    assert!(!lobby.is_muted(&member(&s, "bob"), s.casemap()));

    // One MODE line with parameters in the server's order.
    let u = feed(&mut s, &[":alice!a@h MODE #lobby +mo-v+i carol bob"]);
    let notices: Vec<String> = entries(&u).into_iter().map(|(_, e)| e.text).collect();
    assert_eq!(
        notices,
        [
            "alice muted everyone: only hosts can talk now",
            "alice made carol a host",
            "alice took bob's voice",
            "alice locked the room: only invited people can join",
        ]
    );
    let lobby = s.conversation("#lobby").unwrap().clone();
    assert!(lobby.modes.moderated && lobby.modes.locked);
    assert!(member(&s, "carol").host);
    assert!(
        lobby.is_muted(&member(&s, "bob"), s.casemap()),
        "+m without voice"
    );
    // A renamed member keeps their status.
    feed(&mut s, &[":carol!c@h NICK caro"]);
    assert!(member(&s, "caro").host);
}

#[test]
fn host_actions_become_mode_kick_and_topic_lines() {
    let mut s = hosting_lobby();
    let cases: Vec<(HostAction, Vec<&str>)> = vec![
        (
            HostAction::Mute("carol".into()),
            vec!["MODE #lobby +q carol!*@*"],
        ),
        (
            HostAction::Mute("bob".into()),
            vec!["MODE #lobby +q-v bob!*@* bob"],
        ),
        (
            HostAction::Remove {
                nick: "carol".into(),
                reason: "spam".into(),
            },
            vec!["KICK #lobby carol spam"],
        ),
        (
            HostAction::Remove {
                nick: "carol".into(),
                reason: " ".into(),
            },
            vec!["KICK #lobby carol :Removed by a host"],
        ),
        (
            HostAction::Ban {
                nick: "carol".into(),
                reason: String::new(),
            },
            vec![
                "MODE #lobby +b carol!*@*",
                "KICK #lobby carol :Banned by a host",
            ],
        ),
        (
            HostAction::MakeHost("bob".into()),
            vec!["MODE #lobby +o bob"],
        ),
        (
            HostAction::RemoveHost("alice".into()),
            vec!["MODE #lobby -o alice"],
        ),
        (HostAction::MuteEveryone(true), vec!["MODE #lobby +m"]),
        (HostAction::Lock(false), vec!["MODE #lobby -i"]),
        (
            HostAction::Password(Some(" pw ".into())),
            vec!["MODE #lobby +k pw"],
        ),
        (HostAction::Password(None), vec!["MODE #lobby -k *"]),
        (
            HostAction::PinNotice("Homework due Friday".into()),
            vec!["TOPIC #lobby :Homework due Friday"],
        ),
    ];
    for (action, want) in cases {
        s.host_action(action.clone()).unwrap();
        assert_eq!(sent(&mut s), want, "{action:?}");
    }
    // Unmuting lifts the quiet on their name (a broader mask is for whoever
    // set it), and gives voice under +m.
    feed(
        &mut s,
        &[
            ":me!u@h MODE #lobby +qm Carol!*@* ",
            ":me!u@h MODE #lobby +q car*!*@*",
        ],
    );
    s.host_action(HostAction::Unmute("carol".into())).unwrap();
    assert_eq!(
        sent(&mut s),
        ["MODE #lobby -q Carol!*@*", "MODE #lobby +v carol"]
    );
    assert!(s
        .host_action(HostAction::Password(Some("two words".into())))
        .is_err());
    assert!(sent(&mut s).is_empty());
    // Without the host's `@`, nothing is sent.
    feed(&mut s, &[":alice!a@h MODE #lobby -o me"]);
    assert!(!s.hosting_active());
    let why = s.host_action(HostAction::MuteEveryone(false)).unwrap_err();
    assert!(why.contains("Only a host"), "{why}");
    assert!(sent(&mut s).is_empty());
}

#[test]
fn without_a_quiet_list_muting_one_person_uses_voice() {
    let mut s = in_lobby("me", "");
    feed(
        &mut s,
        &[
            ":srv 353 me = #lobby :@me +bob carol",
            ":srv 366 me #lobby :End",
        ],
    );
    // Taking a voice mutes nobody while everyone may talk.
    assert!(s.host_action(HostAction::Mute("bob".into())).is_err());
    feed(&mut s, &[":me!u@h MODE #lobby +m"]);
    s.host_action(HostAction::Mute("bob".into())).unwrap();
    assert_eq!(sent(&mut s), ["MODE #lobby -v bob"]);
    assert!(s.host_action(HostAction::Mute("carol".into())).is_err());
}

#[test]
fn a_muted_member_is_told_why_and_keeps_the_text() {
    let mut s = in_lobby("me", "echo-message");
    feed(&mut s, &[":srv 005 me CHANMODES=beIq,k,l,imnst :ok"]);
    s.on_input("first", T0).unwrap();
    sent(&mut s);
    // The server refused it: the pending line goes, a notice says why.
    let u = feed(
        &mut s,
        &[":srv 404 me #lobby :Cannot send to channel (+q): a host has muted you"],
    );
    assert!(u
        .iter()
        .any(|u| matches!(u, Update::Refused { key, .. } if key == "#lobby")));
    let texts: Vec<String> = entries(&u).into_iter().map(|(_, e)| e.text).collect();
    assert_eq!(
        texts,
        ["Not sent: “first”. Cannot send to channel (+q): a host has muted you"]
    );
    // Once the quiet is known, the client says so before sending.
    feed(&mut s, &[":alice!a@h MODE #lobby +q me!*@*"]);
    let lobby = s.conversation("#lobby").unwrap();
    assert_eq!(
        s.cannot_talk(lobby).as_deref(),
        Some("A host has muted you in #lobby.")
    );
    // Said above the box already, so not again under it.
    assert_eq!(
        s.on_input("second", T0).unwrap_err(),
        NotSent::CannotTalk("A host has muted you in #lobby.".into())
    );
    assert!(sent(&mut s).is_empty());
    // Muting everyone says so; a voice lets one talk again.
    feed(&mut s, &[":alice!a@h MODE #lobby -q+m me!*@*"]);
    let lobby = s.conversation("#lobby").unwrap();
    assert_eq!(
        s.cannot_talk(lobby).as_deref(),
        Some("Only hosts can talk in #lobby right now.")
    );
    feed(&mut s, &[":alice!a@h MODE #lobby +v me"]);
    s.on_input("third", T0).unwrap();
    assert_eq!(sent(&mut s), ["PRIVMSG #lobby third"]);
    // Private conversations are never muted by a room.
    feed(&mut s, &[":alice!a@h MODE #lobby -v me"]);
    s.on_input("/msg alice psst", T0).unwrap();
    assert_eq!(sent(&mut s), ["PRIVMSG alice psst"]);
}

#[test]
fn a_removed_member_keeps_the_room_with_the_reason() {
    let mut s = in_lobby("me", "");
    let u = feed(&mut s, &[":alice!a@h KICK #lobby me :stop spamming"]);
    let lobby = s.conversation("#lobby").expect("the conversation stays");
    let why = "alice removed you from #lobby (stop spamming).";
    assert_eq!(lobby.removed.as_deref(), Some(why));
    assert!(lobby.members.is_empty());
    assert_eq!(entries(&u).last().map(|(_, e)| e.text.as_str()), Some(why));
    assert_eq!(
        s.on_input("hello?", T0).unwrap_err(),
        NotSent::CannotTalk(why.into())
    );
    // A reconnect does not sneak back in.
    s.on_disconnected("gone", T0);
    s.on_connected();
    s.drain();
    feed(&mut s, &[":srv 001 me :Welcome"]);
    assert!(!sent(&mut s).iter().any(|l| l.starts_with("JOIN")));
    // "Join again" does, and the room is ours again once the server agrees.
    s.rejoin_active();
    assert_eq!(sent(&mut s), ["JOIN #lobby"]);
    feed(&mut s, &[":me!u@h JOIN #lobby"]);
    assert!(s.conversation("#lobby").unwrap().removed.is_none());
}

#[test]
fn mode_lines_are_read_with_care() {
    let mut s = hosting_lobby();
    feed(
        &mut s,
        &[":srv 005 me PREFIX=(qaohv)~&@%+ CHANMODES=beI,k,l,imnst :ok"],
    );
    feed(
        &mut s,
        &[
            ":srv 353 me = #lobby :@me ~&@carol bob",
            ":srv 366 me #lobby :End",
        ],
    );
    // An owner who loses @ is still a host.
    feed(&mut s, &[":srv MODE #lobby -o carol"]);
    assert!(member(&s, "carol").host);
    feed(&mut s, &[":srv MODE #lobby -qa carol carol"]);
    assert!(!member(&s, "carol").host);
    // Changes missing their parameter change nothing and say nothing.
    let u = feed(&mut s, &[":alice!a@h MODE #lobby +ov bob"]);
    assert!(member(&s, "bob").host);
    assert_eq!(entries(&u).len(), 1, "only the +o is told");
    let u = feed(&mut s, &[":alice!a@h MODE #lobby +b"]);
    assert!(entries(&u).is_empty());
}

#[test]
fn only_a_quiet_on_the_name_counts_as_muted_here() {
    let mut s = hosting_lobby();
    let u = feed(&mut s, &[":alice!a@h MODE #lobby +q"]);
    assert!(entries(&u).is_empty(), "a +q without a mask says nothing");
    assert!(s.conversation("#lobby").unwrap().modes.quiets.is_empty());
    // A broad mask is not judged here (the server's 404 says when it applies).
    feed(&mut s, &[":alice!a@h MODE #lobby +q car*!*@*"]);
    let lobby = s.conversation("#lobby").unwrap();
    assert!(!lobby.is_muted(&member(&s, "carol"), s.casemap()));
    feed(&mut s, &[":alice!a@h MODE #lobby +q CAROL!*@*"]);
    let lobby = s.conversation("#lobby").unwrap();
    assert!(lobby.is_muted(&member(&s, "carol"), s.casemap()));
}

#[test]
fn a_reconnect_forgets_status_and_the_quiet_list_until_told_again() {
    let mut s = hosting_lobby();
    feed(
        &mut s,
        &[":srv 324 me #lobby +m", ":me!u@h MODE #lobby +q carol!*@*"],
    );
    assert!(s.hosting_active());
    s.on_disconnected("reset", T0);
    assert!(!s.hosting_active(), "no host controls while away");
    let lobby = s.conversation("#lobby").unwrap();
    assert!(!lobby.modes.moderated && lobby.modes.quiets.is_empty());
    // Back: the lists come again, without the quiet lifted meanwhile.
    s.on_connected();
    feed(
        &mut s,
        &[
            ":srv 001 me :Welcome",
            ":me!u@h JOIN #lobby",
            ":srv 353 me = #lobby :@me carol",
            ":srv 366 me #lobby :End",
            ":srv 324 me #lobby +n",
            ":srv 729 me #lobby q :End",
        ],
    );
    assert!(s.hosting_active());
    let lobby = s.conversation("#lobby").unwrap();
    assert!(!lobby.is_muted(&member(&s, "carol"), s.casemap()));
}

#[test]
fn lines_waiting_for_a_room_we_were_removed_from_are_dropped() {
    let mut s = in_lobby("me", "echo-message");
    s.on_disconnected("reset", T0);
    s.on_input("said while away", T0).unwrap();
    s.drain();
    s.on_connected();
    feed(&mut s, &[":srv 001 me :Welcome"]);
    let u = feed(&mut s, &[":alice!a@h KICK #lobby me :bye"]);
    assert!(u.iter().any(|u| matches!(u, Update::Refused { .. })));
    feed(&mut s, &[":me!u@h JOIN #lobby"]);
    assert!(!sent(&mut s).iter().any(|l| l.contains("said while away")));
}

#[test]
fn a_change_the_server_made_is_the_servers() {
    let mut s = hosting_lobby();
    let u = feed(&mut s, &[":irc.example MODE #lobby +o carol"]);
    let texts: Vec<String> = entries(&u).into_iter().map(|(_, e)| e.text).collect();
    assert_eq!(texts, ["The server made carol a host"]);
}

#[test]
fn the_owner_of_the_servers_room_is_the_teacher_and_her_lines_say_so() {
    let mut s = Session::new("me", None, vec!["#lobby".into(), "#side".into()]);
    s.on_connected();
    feed(
        &mut s,
        &[
            ":srv 001 me :Welcome",
            ":srv 005 me PREFIX=(Oov)~@+ CHANMODES=beIq,k,l,Cimnst banter.chat/ROOM=#lobby :ok",
            ":me!u@h JOIN #lobby",
            ":srv 353 me = #lobby :me ~@ana @bob",
            ":srv 366 me #lobby :End",
            ":me!u@h JOIN #side",
            ":srv 353 me = #side :me ~@ana",
            ":srv 366 me #side :End",
        ],
    );
    let lobby = s.conversation("#lobby").unwrap();
    assert_eq!(s.rank_in(lobby, "ana"), Rank::Teacher);
    assert_eq!(s.rank_in(lobby, "bob"), Rank::CoHost);
    assert_eq!(s.rank_in(lobby, "me"), Rank::Member);
    // Anyone can found a room: there she is its owner, not "the teacher".
    assert_eq!(
        s.rank_in(s.conversation("#side").unwrap(), "ana"),
        Rank::Owner
    );

    let u = feed(&mut s, &[":ana!u@h PRIVMSG #lobby :Homework is on page 12"]);
    assert_eq!(entries(&u)[0].1.rank, Rank::Teacher);
    // A look-alike gets no badge, and an owner who drops @ keeps hers.
    let u = feed(
        &mut s,
        &[":srv MODE #lobby -o ana", ":bob!u@h PRIVMSG #lobby :hi"],
    );
    assert!(member(&s, "ana").owner && member(&s, "ana").host);
    assert_eq!(entries(&u).last().unwrap().1.rank, Rank::CoHost);
    feed(&mut s, &[":srv MODE #lobby -O ana"]);
    assert!(!member(&s, "ana").host);
}

#[test]
fn a_ban_keeps_out_the_computer_and_says_who_shares_its_address() {
    let mut s = Session::new("me", None, vec!["#lobby".into()]);
    s.on_connected();
    feed(
        &mut s,
        &[
            ":srv 001 me :Welcome",
            ":srv 005 me PREFIX=(Oov)~@+ CHANMODES=beIq,k,l,Cimnst :ok",
            ":me!u@10.0.0.1 JOIN #lobby",
            // userhost-in-names: everyone's address.
            ":srv 353 me = #lobby :~@me!u@10.0.0.1 ming!u@10.0.0.5 li!u@10.0.0.5 ana!u@10.0.0.9",
            ":srv 366 me #lobby :End",
            ":erin!u@10.0.0.5 JOIN #lobby",
        ],
    );
    s.drain();
    assert_eq!(s.sharing_address("ming"), ["erin", "li"]);
    assert!(s.sharing_address("ana").is_empty());
    let ban = |nick: &str| HostAction::Ban {
        nick: nick.into(),
        reason: "spam".into(),
    };
    s.host_action(ban("ming")).expect("a host may ban");
    assert_eq!(
        sent(&mut s),
        ["MODE #lobby +b *!*@10.0.0.5", "KICK #lobby ming spam"]
    );
    // The list the host lifts bans from.
    feed(&mut s, &[":me!u@10.0.0.1 MODE #lobby +b *!*@10.0.0.5"]);
    let modes = &s.conversation("#lobby").unwrap().modes;
    assert_eq!(modes.bans, ["*!*@10.0.0.5"]);
    s.host_action(HostAction::Unban("*!*@10.0.0.5".into()))
        .expect("lift");
    assert_eq!(sent(&mut s), ["MODE #lobby -b *!*@10.0.0.5"]);
    feed(&mut s, &[":me!u@10.0.0.1 MODE #lobby -b *!*@10.0.0.5"]);
    assert!(s.conversation("#lobby").unwrap().modes.bans.is_empty());
}

#[test]
fn deleting_a_line_names_it_by_id_and_a_deletion_reaches_its_conversation() {
    let mut s = Session::new("me", None, vec!["#lobby".into()]);
    s.on_connected();
    feed(
        &mut s,
        &[
            ":srv CAP * LS :message-tags echo-message draft/message-redaction",
            ":srv CAP * ACK :message-tags echo-message draft/message-redaction",
            ":srv 001 me :Welcome",
            ":me!u@h JOIN #lobby",
        ],
    );
    assert!(s.can_delete());
    s.drain();
    s.delete_message("m42");
    assert_eq!(sent(&mut s), ["REDACT #lobby m42"]);
    let u = feed(&mut s, &[":ana!u@h REDACT #lobby m42 :not true"]);
    assert!(u.contains(&Update::Redacted {
        key: "#lobby".into(),
        msgid: "m42".into(),
        by: "ana".into()
    }));
    // A private line's deletion belongs to the conversation with its author.
    feed(&mut s, &[":bob!u@h PRIVMSG me :psst"]);
    let u = feed(&mut s, &[":bob!u@h REDACT me m7"]);
    assert!(u.contains(&Update::Redacted {
        key: "bob".into(),
        msgid: "m7".into(),
        by: "bob".into()
    }));
    // Without the capability nothing is sent.
    let mut plain = Session::new("me", None, vec!["#lobby".into()]);
    plain.on_connected();
    feed(&mut plain, &[":srv 001 me :Welcome", ":me!u@h JOIN #lobby"]);
    plain.drain();
    plain.delete_message("m42");
    assert!(sent(&mut plain).is_empty());
}
