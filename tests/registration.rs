//! Registration: welcome burst, nickname rules and retries, CAP, PASS, 451.

mod common;
use common::{only, TestServer};

#[test]
fn welcome_burst_advertises_what_clients_need() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.send("NICK alice");
    c.send("USER alice 0 * :Alice A");
    let mut got = Vec::new();
    loop {
        let m = c.recv().expect("burst");
        let done = m.command == "376";
        got.push(m);
        if done {
            break;
        }
    }
    let commands: Vec<&str> = got.iter().map(|m| m.command.as_str()).collect();
    for numeric in [
        "001", "002", "003", "004", "005", "251", "255", "265", "266", "375", "372", "376",
    ] {
        assert!(
            commands.contains(&numeric),
            "missing {numeric} in {commands:?}"
        );
    }
    assert!(got[0].param(1).unwrap().contains("alice!~alice@127.0.0.1"));
    let isupport: Vec<&str> = only(&got, "005")
        .iter()
        .flat_map(|m| m.params[1..m.params.len() - 1].iter().map(String::as_str))
        .collect();
    for token in [
        "CASEMAPPING=rfc8265",
        "CHANTYPES=#",
        "NICKLEN=30",
        "CHANNELLEN=64",
        "TOPICLEN=390",
        "PREFIX=(Oov)~@+",
        "banter.chat/ROOM=#lobby",
        "CHANMODES=beIq,k,lP,Cimnst",
        "NETWORK=Banter",
        "UTF8ONLY",
    ] {
        assert!(isupport.contains(&token), "005 lacks {token}: {isupport:?}");
    }
}

#[test]
fn without_motd_the_server_says_422() {
    let server = TestServer::with(|c| c.motd = None);
    let mut c = server.connect();
    c.send("NICK bob");
    c.send("USER bob 0 * :Bob");
    c.expect("422");
}

#[test]
fn taken_nickname_can_be_retried_on_the_same_connection() {
    let server = TestServer::start();
    let _ming = server.client("Ming");
    let mut c = server.connect();
    c.send("USER x 0 * :X");
    for taken in ["Ming", "ming", "MING", "ｍｉｎｇ"] {
        c.send(&format!("NICK {taken}"));
        let m = c.expect("433");
        assert_eq!(m.params[1], taken);
    }
    c.send("NICK 小明");
    let welcome = c.expect("001");
    assert_eq!(welcome.param(0), Some("小明"));
}

#[test]
fn utf8_nicknames_register_and_fold() {
    let server = TestServer::start();
    let mut a = server.client("小明");
    let mut b = server.client("Zoë");
    // Addressing by another case still reaches the person.
    a.send("PRIVMSG ZOË :hi");
    let m = b.expect("PRIVMSG");
    assert_eq!(m.source_nick(), Some("小明"));
    let mut c = server.connect();
    c.send("NICK zoë");
    c.expect("433");
}

#[test]
fn invalid_nicknames_get_432() {
    let server = TestServer::start();
    let mut c = server.connect();
    let too_long = "n".repeat(31);
    for bad in [
        "9lives",
        "-dash",
        "a!b",
        "a@b",
        "#chan",
        "a:b",
        "a😀",
        too_long.as_str(),
    ] {
        c.send(&format!("NICK {bad}"));
        let m = c.expect("432");
        assert_eq!(m.params[0], "*");
    }
    c.send("NICK :has space");
    assert_eq!(
        c.expect("432").params[1],
        "*",
        "a nick that cannot be echoed as a word is shown as *"
    );
    c.send("NICK");
    c.expect("431");
    c.send("NICK fine");
    c.send("USER u 0 * :U");
    c.expect("001");
}

#[test]
fn commands_before_registration_get_451() {
    let server = TestServer::start();
    let mut c = server.connect();
    for line in ["JOIN #lobby", "PRIVMSG #lobby :hi", "WHOIS x", "FOOBAR"] {
        c.send(line);
        c.expect("451");
    }
    c.send("PING early");
    assert_eq!(c.expect("PONG").param(1), Some("early"));
    c.register("late");
}

#[test]
fn cap_negotiation_holds_registration_until_end() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.send("CAP LS 302");
    let ls = c.expect("CAP");
    assert_eq!(ls.params[1], "LS");
    for cap in ["server-time", "echo-message", "message-tags"] {
        assert!(ls.params[2].split(' ').any(|c| c == cap), "{cap} offered");
    }
    c.send("NICK capper");
    c.send("USER u 0 * :U");
    c.send("CAP REQ :server-time echo-message");
    let ack = c.expect("CAP");
    assert_eq!(
        (ack.params[1].as_str(), ack.params[2].as_str()),
        ("ACK", "server-time echo-message")
    );
    c.send("CAP REQ :server-time unknown-cap");
    assert_eq!(c.expect("CAP").params[1], "NAK");
    let before_end = c.sync();
    assert!(
        only(&before_end, "001").is_empty(),
        "no welcome before CAP END"
    );
    c.send("CAP LIST");
    let list = c.expect("CAP");
    assert_eq!(list.params[1], "LIST");
    assert!(list.params[2].contains("echo-message"));
    c.send("CAP END");
    c.expect("001");
    c.send("CAP BOGUS");
    c.expect("410");
}

#[test]
fn password_is_required_when_set() {
    let server = TestServer::with(|c| c.password = Some("sesame".into()));
    let mut wrong = server.connect();
    wrong.send("PASS guess");
    wrong.send("NICK w");
    wrong.send("USER w 0 * :W");
    wrong.expect("464");
    let rest = wrong.expect_closed();
    assert!(
        rest.iter().any(|m| m.command == "ERROR"),
        "ERROR before close: {rest:?}"
    );

    let mut missing = server.connect();
    missing.send("NICK m");
    missing.send("USER m 0 * :M");
    missing.expect("464");

    let mut right = server.connect();
    right.send("PASS sesame");
    right.send("NICK r");
    right.send("USER r 0 * :R");
    right.expect("001");
    right.send("PASS again");
    right.expect("462");
    right.send("USER again 0 * :A");
    right.expect("462");
}

#[test]
fn unknown_commands_get_421_and_short_ones_461() {
    let server = TestServer::start();
    let mut c = server.client("u");
    c.send("FROBNICATE now");
    assert_eq!(c.expect("421").params[1], "FROBNICATE");
    c.send("JOIN");
    assert_eq!(c.expect("461").params[1], "JOIN");
    c.send("USER");
    c.expect("461");
}

/// An IPv6 peer's host reads as other servers write it (`0::1`, never a
/// parameter starting with `:`, which WHO and WHOIS would have to hide).
#[test]
fn an_ipv6_peer_shows_a_usable_host() {
    let server = TestServer::with(|c| c.bind = "[::1]:0".parse().unwrap());
    let mut ana = server.client("ana");
    ana.send("WHOIS ana");
    let whois = ana.expect("311");
    assert_eq!(whois.params[3], "0::1", "{whois:?}");
    ana.send("WHO ana");
    let who = ana.expect("352");
    assert_eq!(who.params[3], "0::1", "{who:?}");
}

/// An IPv4 peer on a dual-stack listener shows (and is banned) as the IPv4
/// address it is, not as `::ffff:127.0.0.1`.
#[cfg(target_os = "linux")]
#[test]
fn an_ipv4_peer_on_a_dual_stack_listener_shows_its_ipv4_address() {
    // Bound to the v4-mapped loopback address: dual-stack without
    // listening beyond this computer.
    let server = TestServer::with(|c| c.bind = "[::ffff:127.0.0.1]:0".parse().unwrap());
    let v4 = std::net::SocketAddr::from(([127, 0, 0, 1], server.addr.port()));
    let mut ana = common::TestClient::connect(v4);
    ana.register("ana");
    ana.send("WHOIS ana");
    let whois = ana.expect("311");
    assert_eq!(whois.params[3], "127.0.0.1", "{whois:?}");
}

/// Cyrillic capital A, which looks like the Latin one.
const CYRILLIC_A: char = '\u{410}';

/// Sends `NICK nick` on an unregistered connection and returns the reply's
/// numeric and text.
#[track_caller]
fn try_nick(c: &mut common::TestClient, nick: &str) -> (String, String) {
    c.send(&format!("NICK {nick}"));
    let reply = c.recv().expect("a reply to NICK");
    (
        reply.command.clone(),
        reply.params.last().cloned().unwrap_or_default(),
    )
}

#[test]
fn a_look_alike_of_someone_present_is_refused_with_a_reason() {
    let server = TestServer::start();
    let mut ana = server.member("Ana", "#class");
    let mut bob = server.member("bob_2", "#class");
    let mut c = server.connect();
    c.send("USER x 0 * :X");
    // Cyrillic А, then Latin "na": looks like Ana, so "in use" is the reason.
    let fake = format!("{CYRILLIC_A}na");
    let (code, reason) = try_nick(&mut c, &fake);
    assert_eq!(code, "433");
    assert!(reason.contains("looks the same"), "{reason}");
    // Latin look-alikes too (a capital I for an l, a zero for an O).
    let _bill = server.client("Bill");
    for fake in ["BiII", "BILL", "Bi11"] {
        assert_eq!(try_nick(&mut c, fake).0, "433", "{fake}");
    }
    // The same after registering: a rename is held to the same rule, and
    // nobody saw a NICK.
    bob.send(&format!("NICK {fake}"));
    let refused = bob.expect("433");
    assert_eq!(refused.params[1], fake);
    assert!(refused.params[2].contains("looks the same"));
    bob.send("PRIVMSG #class :still bob");
    assert_eq!(ana.expect("PRIVMSG").source_nick(), Some("bob_2"));
    c.send("NICK Anna");
    assert_eq!(c.expect("001").params[0], "Anna");
}

#[test]
fn names_mixing_alphabets_are_refused_and_names_of_one_language_work() {
    let server = TestServer::start();
    let mut c = server.connect();
    c.send("USER x 0 * :X");
    // Cyrillic А and а around a Latin n: nobody is called that.
    let (code, reason) = try_nick(&mut c, &format!("{CYRILLIC_A}n\u{430}"));
    assert_eq!(code, "432");
    assert!(reason.contains("mixes alphabets"), "{reason}");
    assert_eq!(try_nick(&mut c, "Ελena").0, "432", "Greek with Latin");
    c.send("NICK 小明");
    assert_eq!(c.expect("001").params[0], "小明");
    for nick in ["学生10", "Мария", "Ελένη", "محمد", "bob_2", "Ming小明"] {
        let mut c = server.connect();
        c.register(nick);
    }
}

#[test]
fn renaming_to_a_look_alike_of_your_own_name_works() {
    let server = TestServer::start();
    let mut bill = server.member("Bill", "#class");
    let mut watcher = server.member("watcher", "#class");
    bill.expect("JOIN");
    for new in ["BiII", "bill", "Bi11"] {
        bill.send(&format!("NICK {new}"));
        let renamed = bill.expect("NICK");
        assert_eq!(renamed.params[0], new);
        assert_eq!(watcher.expect("NICK").params[0], new);
    }
    // A whole word in Cyrillic that reads as Latin is one script.
    let mut bob = server.client("BOB");
    let cyrillic = "\u{412}\u{41E}\u{412}";
    bob.send(&format!("NICK {cyrillic}"));
    assert_eq!(bob.expect("NICK").params[0], cyrillic);
    // BOB still reads as the name in use.
    let mut c = server.connect();
    c.send("USER x 0 * :X");
    assert_eq!(try_nick(&mut c, "BOB").0, "433");
    // A name that does not look like one in use is free at once.
    bill.send("NICK William");
    bill.expect("NICK");
    c.send("NICK Bill");
    assert_eq!(c.expect("001").params[0], "Bill");
}

#[test]
fn a_look_alike_is_free_once_the_owner_quits() {
    let server = TestServer::start();
    let mut bill = server.client("Bill");
    let mut c = server.connect();
    c.send("USER x 0 * :X");
    assert_eq!(try_nick(&mut c, "BiII").0, "433");
    bill.send("QUIT :bye");
    bill.expect_closed();
    c.send("NICK BiII");
    assert_eq!(c.expect("001").params[0], "BiII");
    // And the other way round: Bill is now the look-alike.
    let mut d = server.connect();
    d.send("USER x 0 * :X");
    assert_eq!(try_nick(&mut d, "Bill").0, "433");
}

#[test]
fn a_look_alike_of_a_held_seat_is_refused() {
    let server = TestServer::start();
    let mut watcher = server.member("watcher", "#class");
    let mut ana = server.connect();
    ana.nick = "Ana".into();
    ana.send("CAP REQ :banter.chat/resume");
    assert_eq!(ana.expect("CAP").params[1], "ACK");
    ana.send("CAP END");
    ana.register("Ana");
    let token = ana.expect("RESUME").params[1].clone();
    ana.join("#class");
    watcher.expect("JOIN");
    // Ana's connection drops without a QUIT: her seat is held.
    drop(ana);
    assert_eq!(watcher.expect("QUIT").source_nick(), Some("Ana"));
    let mut c = server.connect();
    c.send("USER x 0 * :X");
    let (code, reason) = try_nick(&mut c, &format!("{CYRILLIC_A}na"));
    assert_eq!(code, "433");
    assert!(reason.contains("looks the same"), "{reason}");
    assert_eq!(try_nick(&mut c, "ANA").0, "433", "held");
    // Ana takes her seat back, and the look-alike is still refused.
    let mut back = server.connect();
    back.nick = "Ana".into();
    back.send("CAP REQ :banter.chat/resume");
    back.expect("CAP");
    back.send(&format!("RESUME {token}"));
    back.send("NICK Ana");
    back.send("USER ana 0 * :Ana");
    back.send("CAP END");
    assert_eq!(back.expect("001").params[0], "Ana");
    assert_eq!(back.expect("RESUME").params, ["SUCCESS", "Ana"]);
    back.sync();
    assert_eq!(try_nick(&mut c, &format!("{CYRILLIC_A}na")).0, "433");
}
