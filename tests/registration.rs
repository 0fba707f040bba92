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
        "PREFIX=(ov)@+",
        "CHANMODES=beIq,k,l,Cimnst",
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
