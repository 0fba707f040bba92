//! No line over 512 bytes (tags aside) leaves the server, even with
//! 30-character CJK nicknames, 64-byte room names and maximum-length messages;
//! and nothing is lost to the bound: lists are split, only free text is cut.

mod common;
use common::{only, TestClient, TestServer};

const MAX: usize = 512;

/// A 30-character nickname of three-byte characters, unique per `i`.
fn cjk_nick(i: usize) -> String {
    let distinct = [
        '甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸', '子', '丑',
    ];
    format!("{}{}", distinct[i % distinct.len()], "明".repeat(29))
}

/// A 64-byte room name: `#` and 21 three-byte characters.
fn long_room(i: usize) -> String {
    let digits = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    format!("#{}{}{}", digits[i / 10], digits[i % 10], "房".repeat(19))
}

#[test]
fn every_reply_that_lists_things_stays_within_512_bytes() {
    let server = TestServer::with(|c| {
        c.nick_len = 30;
        c.max_joined = 60;
    });
    let big = long_room(99);
    assert_eq!(big.len(), 64);
    let mut people: Vec<TestClient> = (0..12)
        .map(|i| {
            let mut c = server.connect();
            c.nick = cjk_nick(i);
            c.send("CAP REQ :multi-prefix userhost-in-names");
            c.expect("CAP");
            c.send("CAP END");
            c.register(&cjk_nick(i));
            c.join(&big);
            c
        })
        .collect();
    // Everyone gets operator and voice, so NAMES shows "@+" before each name.
    for i in 1..people.len() {
        let nick = cjk_nick(i);
        people[0].send(&format!("MODE {big} +ov {nick} {nick}"));
    }
    people[0].sync();

    // NAMES: every member, over several lines.
    let asker = &mut people[1];
    asker.send(&format!("NAMES {big}"));
    let lines = asker.sync();
    let names = only(&lines, "353");
    assert!(names.len() > 1, "split over lines: {}", names.len());
    let listed: usize = names.iter().map(|m| m.params[3].split(' ').count()).sum();
    assert_eq!(listed, 12, "nobody lost from NAMES");

    // WHOIS of someone in 50 long-named rooms: 319 split, every room listed.
    let (first, rest) = people.split_at_mut(1);
    let busy = &mut first[0];
    for r in 0..49 {
        busy.join(&long_room(r));
    }
    let asker = &mut rest[0];
    asker.send(&format!("WHOIS {}", cjk_nick(0)));
    let lines = asker.sync();
    let rooms: usize = only(&lines, "319")
        .iter()
        .map(|m| m.params[2].split(' ').count())
        .sum();
    assert_eq!(rooms, 50, "every room in WHOIS");

    // WHO, LIST and MONITOR with everyone.
    asker.send(&format!("WHO {big}"));
    asker.send(&format!("WHO {big} %tcuihsnfdlaor,42"));
    asker.send("LIST");
    let all: Vec<String> = (0..12).map(cjk_nick).collect();
    for four in all.chunks(4) {
        asker.send(&format!("MONITOR + {}", four.join(",")));
    }
    asker.send("MONITOR L");
    let lines = asker.sync();
    assert_eq!(only(&lines, "352").len(), 12);
    assert_eq!(only(&lines, "354").len(), 12, "{lines:?}");
    let online: usize = only(&lines, "730")
        .iter()
        .map(|m| m.params[1].split(',').count())
        .sum();
    assert_eq!(online, 12, "MONITOR lists everyone online");

    // A maximum-length message from a long mask: cut, not dropped.
    let text = "话".repeat(145); // 435 bytes: near the longest line a client may send here
    let line = format!("PRIVMSG {big} :{text}");
    assert!(line.len() + 2 <= MAX);
    people[2].send(&line);
    let got = people[3].expect("PRIVMSG");
    let relayed = got.param(1).expect("text");
    assert!(!relayed.is_empty() && text.starts_with(relayed));
    assert!(relayed.len() < text.len(), "it had to be cut to fit");
    people[3].send(&format!("TOPIC {big} :{}", "题".repeat(130)));
    people[3].sync();

    for p in &mut people {
        p.sync();
        assert!(
            p.longest_line <= MAX,
            "{} got a {}-byte line",
            p.nick,
            p.longest_line
        );
    }
}
