//! Bytes on the wire: invalid UTF-8, injection attempts, line endings, fragmentation.

mod common;
use std::time::Duration;

use common::{only, TestServer};

#[test]
fn invalid_utf8_is_refused_and_never_relayed() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("bob", "#lobby");
    a.sync();
    a.send_raw(b"PRIVMSG #lobby :caf\xe9 latin-1\r\n");
    let fail = a.expect("FAIL");
    assert_eq!(fail.params[..2], ["PRIVMSG", "INVALID_UTF8"]);
    assert!(b.sync().is_empty(), "nothing relayed");

    let mut c = server.connect();
    c.send_raw(b"NICK \xff\xfe\r\n");
    assert_eq!(c.expect("FAIL").params[..2], ["NICK", "INVALID_UTF8"]);
    c.register("carol");
}

#[test]
fn cr_and_nul_inside_a_line_cannot_inject_commands() {
    let server = TestServer::start();
    let mut a = server.member("alice", "#lobby");
    let mut b = server.member("bob", "#lobby");
    a.sync();
    a.send_raw(b"PRIVMSG #lobby :hi\rQUIT :injected\r\n");
    assert_eq!(a.expect("400").params[1], "PRIVMSG");
    a.send_raw(b"PRIVMSG #lobby :nul\0byte\r\n");
    a.expect("400");
    let seen = b.sync();
    assert!(seen.is_empty(), "{seen:?}");
    a.send("PRIVMSG #lobby :clean");
    assert_eq!(b.expect("PRIVMSG").param(1), Some("clean"));
}

#[test]
fn escaped_line_breaks_in_tags_stay_escaped() {
    let server = TestServer::start();
    let mut a = server.member_with_caps("alice", "message-tags", "#lobby");
    let mut b = server.member_with_caps("bob", "message-tags", "#lobby");
    a.sync();
    a.send(r"@+note=line1\r\nQUIT\s:x PRIVMSG #lobby :tagged");
    // The server has read alice's line once she has her PONG: only then can
    // bob's sync be sure to come after the relay (Windows showed the race).
    a.sync();
    let seen = b.sync();
    assert_eq!(seen.len(), 1, "exactly one message arrived: {seen:?}");
    assert_eq!(seen[0].tag("+note"), Some("line1\r\nQUIT :x"));
}

#[test]
fn bare_newlines_and_byte_by_byte_lines_work() {
    let server = TestServer::start();
    let mut a = server.connect();
    a.send_raw(b"NICK lf\nUSER lf 0 * :LF only\n");
    a.expect("001");
    let mut b = server.connect();
    for byte in b"NICK slow\r\nUSER slow 0 * :Slow\r\n" {
        b.send_raw(&[*byte]);
        std::thread::sleep(Duration::from_millis(1));
    }
    b.expect("001");
    b.send_raw(b"\r\n\r\n   \r\nJOIN #lobby\r\n");
    b.expect("JOIN");
    assert!(only(&b.sync(), "421").is_empty(), "empty lines are ignored");
}
