//! Generates cases from a seed: a small PRNG, a dictionary of every command
//! the server knows with awkward parameters, byte-level mutations, and the
//! choice of what happens next (connects, chunks of input, disconnects,
//! ticks, the odd shutdown).
//!
//! Generation looks at the running state (which keys are connected, which
//! nicknames the server confirmed) so that most input reaches real handlers;
//! the actions taken are recorded, so a replay needs no generator.

use super::driver::{Action, Exec, Settings, OPER, SLOTS};

/// SplitMix64: tiny, fast, and good enough to pick test inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True `n` times in `d`.
    pub fn chance(&mut self, n: usize, d: usize) -> bool {
        self.below(d) < n
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

const NICKS: &[&str] = &[
    "alice",
    "Alice",
    "bob",
    "carol",
    "dave",
    "eve",
    "mallory",
    "小明",
    "ｍｉｎｇ",
    "Ming",
    "x",
    "[bot]",
    "a_b-c",
    "Ω",
    "ＡＢＣ",
    "abc",
    "zed^",
    "root",
];
const BAD_NICKS: &[&str] = &[
    "1abc",
    "-x",
    "*",
    "#chan",
    "a,b",
    "nick!u",
    "é\u{301}",
    "a.b",
    "@op",
    "+v",
    ":colon",
    "ab cd",
    "\u{200b}",
    "🎉",
    "",
];
const CHANNELS: &[&str] = &[
    "#lobby",
    "#Lobby",
    "#a",
    "#b",
    "#rust",
    "#RUST",
    "#小房",
    "#ｒｕｓｔ",
    "#x",
    "#y",
    "#z",
];
const BAD_CHANNELS: &[&str] = &["#", "#a:b", "&local", "lobby", "#\u{7}", "##", "#a b"];
const CAPS: &[&str] = &[
    "away-notify",
    "batch",
    "cap-notify",
    "echo-message",
    "extended-monitor",
    "invite-notify",
    "labeled-response",
    "message-tags",
    "multi-prefix",
    "server-time",
    "setname",
    "userhost-in-names",
    "-echo-message",
    "-labeled-response",
    "-batch",
    "sasl",
    "bogus",
];
const TEXTS: &[&str] = &[
    "hi",
    "hello world",
    ":colon first",
    "  spaces  ",
    "\u{1}ACTION waves\u{1}",
    "你好，世界",
    "ｆｕｌｌｗｉｄｔｈ",
    "tab\there",
    "emoji 🎉🎉",
    "semi;colon\\back",
    "x",
];
const MASKS: &[&str] = &[
    "*",
    "*!*@*",
    "bob",
    "*@127.0.0.1",
    "*@127.0.0.2",
    "a!b@c",
    "*!*@::1",
    "b?b*",
    "小*",
    "!@",
    "alice!*@*",
    "*!~a*@*",
    "**?*",
];
const LABELS: &[&str] = &["a", "L1", "x y", "semi;colon", "\\back"];

/// `+0;+1;+2;...` cut at a tag boundary near `len` bytes; built once,
/// since building it per line would cost more than the server's parse.
fn many_tags(len: usize) -> &'static str {
    static TAGS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let all = TAGS.get_or_init(|| {
        let mut s = String::new();
        let mut i = 0;
        while s.len() < 9000 {
            s.push_str(&format!("+{i};"));
            i += 1;
        }
        s
    });
    let cut = all[..len.min(all.len())].rfind(';').unwrap_or(0);
    &all[..cut]
}

/// A generated case as it runs: the generator state and what it chose.
pub struct Gen {
    pub rng: Rng,
    /// Bytes generated for a connection and not yet delivered: lines are cut
    /// anywhere, and the rest arrives in a later step.
    pending: Vec<Vec<u8>>,
    password: Option<String>,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::new(seed),
            pending: vec![Vec::new(); SLOTS],
            password: None,
        }
    }

    /// Server settings for a case: mostly the defaults, sometimes tight limits.
    pub fn settings(&mut self) -> Settings {
        let r = &mut self.rng;
        let mut s = Settings::default();
        if r.chance(1, 8) {
            s.password = Some("hunter2".into());
        }
        if r.chance(1, 8) {
            s.room = String::new();
        }
        if r.chance(1, 6) {
            s.max_joined = 3;
        }
        if r.chance(1, 6) {
            s.max_channels = 4;
        }
        if r.chance(1, 6) {
            s.nick_len = 9;
        }
        if r.chance(1, 6) {
            s.recvq = 700;
        }
        s.motd = !r.chance(1, 8);
        s.message_log = r.chance(1, 4);
        self.password = s.password.clone();
        s
    }

    /// The next action, given the state so far.
    pub fn next(&mut self, exec: &Exec) -> Action {
        let connected: Vec<usize> = (0..SLOTS).filter(|&s| exec.is_connected(s)).collect();
        for s in 0..SLOTS {
            if !exec.is_connected(s) {
                self.pending[s].clear();
            }
        }
        let roll = self.rng.below(1000);
        if connected.is_empty() || roll < 70 {
            if let Some(slot) = (0..SLOTS).find(|&s| !exec.is_connected(s)) {
                // Keys are handed out lowest first, as a slab reuses them.
                if self.rng.chance(17, 20) {
                    self.pending[slot] = self.registration();
                }
                let v6 = self.rng.chance(1, 8);
                return Action::Connect { slot, v6 };
            }
        }
        if connected.is_empty() {
            return Action::Tick { ms: 1000 };
        }
        if roll < 100 {
            let slot = connected[self.rng.below(connected.len())];
            return Action::Disconnect { slot };
        }
        if roll < 150 {
            let ms = match self.rng.below(10) {
                0 => 0,
                1..=6 => self.rng.range(1, 5_000) as u64,
                7 | 8 => self.rng.range(30_000, 100_000) as u64,
                _ => self.rng.range(100_000, 200_000) as u64,
            };
            return Action::Tick { ms };
        }
        if roll < 152 {
            return Action::Shutdown;
        }
        // Waiting input goes first, so registration bursts arrive early.
        let slot = match connected
            .iter()
            .find(|&&s| !self.pending[s].is_empty() && self.rng.chance(3, 4))
        {
            Some(&s) => s,
            None => connected[self.rng.below(connected.len())],
        };
        let mut bytes = std::mem::take(&mut self.pending[slot]);
        if bytes.is_empty() || self.rng.chance(1, 3) {
            self.input(exec, slot, &mut bytes);
        }
        // Cut anywhere; the rest comes later.
        if bytes.len() > 1 && self.rng.chance(1, 4) {
            let cut = self.rng.range(1, bytes.len() - 1);
            self.pending[slot] = bytes.split_off(cut);
        }
        Action::Send { slot, bytes }
    }

    /// What a client usually says first.
    fn registration(&mut self) -> Vec<u8> {
        let mut s = String::new();
        if self.rng.chance(7, 10) {
            s.push_str("CAP LS 302\r\n");
            let n = self.rng.range(1, 6);
            let caps: Vec<&str> = (0..n).map(|_| self.rng.pick(&CAPS[..12])).collect();
            s.push_str(&format!("CAP REQ :{}\r\n", caps.join(" ")));
        }
        if let Some(p) = &self.password {
            if self.rng.chance(9, 10) {
                s.push_str(&format!("PASS {p}\r\n"));
            }
        }
        let nick = self.rng.pick(NICKS);
        if self.rng.chance(1, 2) {
            s.push_str(&format!("NICK {nick}{}\r\n", self.rng.below(10)));
        } else {
            s.push_str(&format!("NICK {nick}\r\n"));
        }
        s.push_str("USER u 0 * :Real Name\r\n");
        if s.starts_with("CAP") {
            s.push_str("CAP END\r\n");
        }
        s.into_bytes()
    }

    /// Appends the next input of `slot`: lines, broken lines or noise.
    fn input(&mut self, exec: &Exec, slot: usize, bytes: &mut Vec<u8>) {
        match self.rng.below(100) {
            0..=79 => {
                for _ in 0..self.rng.range(1, 3) {
                    let line = self.line(exec, slot);
                    bytes.extend_from_slice(line.as_bytes());
                    self.ending(bytes);
                }
            }
            80..=91 => {
                let mut line = self.line(exec, slot).into_bytes();
                self.mutate(&mut line);
                bytes.extend_from_slice(&line);
                self.ending(bytes);
            }
            92..=97 => self.noise(bytes),
            _ => {
                // Past the receive limit without a line ending.
                let n = self.rng.range(600, 9000);
                bytes.extend(std::iter::repeat_n(b'A', n));
            }
        }
    }

    fn ending(&mut self, bytes: &mut Vec<u8>) {
        bytes.extend_from_slice(match self.rng.below(40) {
            0..=33 => b"\r\n",
            34..=37 => b"\n",
            38 => b"\r",
            _ => b"",
        });
    }

    fn noise(&mut self, bytes: &mut Vec<u8>) {
        const SPECIAL: &[u8] = b"\r\n\0 :@;,#!*+-=\\\xff\xc3\xa9\xe6\x98";
        let n = if self.rng.chance(1, 10) {
            self.rng.range(400, 1200)
        } else {
            self.rng.range(0, 64)
        };
        for _ in 0..n {
            let b = match self.rng.below(4) {
                0 => SPECIAL[self.rng.below(SPECIAL.len())],
                1 => self.rng.next_u64() as u8,
                _ => b'a' + self.rng.below(26) as u8,
            };
            bytes.push(b);
        }
    }

    /// A few byte-level changes: flips, inserted specials, cuts, repeats.
    pub fn mutate(&mut self, line: &mut Vec<u8>) {
        const INSERT: &[u8] = b"\r\0\xff\xc3 :@;,\n=!*#+\t";
        for _ in 0..self.rng.range(1, 4) {
            let len = line.len();
            match self.rng.below(6) {
                0 if len > 0 => {
                    let i = self.rng.below(len);
                    line[i] = self.rng.next_u64() as u8;
                }
                1 => {
                    let i = self.rng.below(len + 1);
                    line.insert(i, INSERT[self.rng.below(INSERT.len())]);
                }
                2 if len > 0 => {
                    let i = self.rng.below(len);
                    let j = self.rng.range(i, len.min(i + 16));
                    line.drain(i..j);
                }
                3 if len > 0 => {
                    let i = self.rng.below(len);
                    let j = self.rng.range(i, len.min(i + 32));
                    let copy = line[i..j].to_vec();
                    for _ in 0..self.rng.range(1, 20) {
                        line.splice(i..i, copy.iter().copied());
                    }
                }
                4 if len > 0 => line.truncate(self.rng.below(len)),
                _ => {
                    let i = self.rng.below(len + 1);
                    let word = self.rng.pick(&["明", "ＡＢＣ", "#a", ",", " :", "@", "%"]);
                    line.splice(i..i, word.bytes());
                }
            }
        }
    }

    // Parameters. Each sometimes comes out long, since the 512-byte bound is
    // where replies that repeat their input go wrong.

    /// Text of about `n` bytes: ASCII, CJK and separators.
    fn long(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n + 4);
        while s.len() < n {
            let r = self.rng.next_u64();
            // One draw makes several characters.
            for k in 0..8 {
                let x = (r >> (k * 8)) as u8;
                match x % 10 {
                    0 => s.push('明'),
                    1 => s.push(','),
                    2 => s.push(' '),
                    _ => s.push((b'a' + x % 26) as char),
                }
            }
        }
        s
    }

    /// A length that, with a command around it, lands near the line limit.
    fn near_limit(&mut self) -> usize {
        *self.rng.pick(&[
            &100, &300, &400, &440, &460, &470, &480, &490, &495, &500, &505, &520,
        ])
    }

    fn nick(&mut self, exec: &Exec) -> String {
        match self.rng.below(20) {
            0..=9 => self.rng.pick(NICKS).to_owned(),
            10..=15 => {
                let slot = self.rng.below(SLOTS);
                exec.nick(slot).unwrap_or("alice").to_owned()
            }
            16 | 17 => {
                let n = self.rng.pick(NICKS);
                format!("{n}{}", self.rng.below(10))
            }
            18 => self.rng.pick(BAD_NICKS).to_owned(),
            _ => match self.rng.below(3) {
                0 => "n".repeat(self.rng.range(9, 40)),
                1 => "明".repeat(self.rng.range(9, 40)),
                _ => {
                    let n = self.near_limit();
                    self.long(n).replace([' ', ','], "x")
                }
            },
        }
    }

    /// Up to many nicknames joined by commas; sometimes enough to fill a
    /// MONITOR list or the whole line.
    fn nicks(&mut self, exec: &Exec) -> String {
        let n = match self.rng.below(10) {
            0..=6 => self.rng.range(1, 3),
            7 | 8 => self.rng.range(4, 8),
            _ => self.rng.range(40, 130),
        };
        let mut list: Vec<String> = Vec::new();
        for i in 0..n {
            if n > 10 {
                list.push(format!("n{i}"));
            } else {
                list.push(self.nick(exec));
            }
        }
        list.join(",")
    }

    fn channel(&mut self) -> String {
        match self.rng.below(20) {
            0..=15 => self.rng.pick(CHANNELS).to_owned(),
            16 => self.rng.pick(BAD_CHANNELS).to_owned(),
            17 => format!("#{}", "明".repeat(self.rng.range(18, 25))),
            18 => format!("#c{}", self.rng.below(8)),
            _ => {
                let n = self.near_limit();
                format!("#{}", self.long(n).replace([' ', ','], "_"))
            }
        }
    }

    fn channels(&mut self) -> String {
        let n = match self.rng.below(10) {
            0..=7 => 1,
            8 => self.rng.range(2, 4),
            _ => self.rng.range(20, 120),
        };
        let list: Vec<String> = (0..n).map(|_| self.channel()).collect();
        list.join(",")
    }

    fn text(&mut self) -> String {
        if self.rng.chance(1, 8) {
            let n = self.near_limit();
            self.long(n)
        } else {
            self.rng.pick(TEXTS).to_owned()
        }
    }

    fn mask(&mut self, exec: &Exec) -> String {
        match self.rng.below(10) {
            0..=6 => self.rng.pick(MASKS).to_owned(),
            7 | 8 => format!("{}!*@*", self.nick(exec)),
            _ => {
                let n = self.rng.range(30, 200);
                self.long(n).replace([' ', ','], "*")
            }
        }
    }

    /// Tags before the command: labels, client tags, and sometimes a lot of them.
    fn tags(&mut self, line: &mut String) {
        let mut tags: Vec<String> = Vec::new();
        match self.rng.below(10) {
            0..=5 => {
                let label = match self.rng.below(8) {
                    0 => "l".repeat(64),
                    1 => "l".repeat(65),
                    2 => String::new(),
                    _ => self.rng.pick(LABELS).to_owned(),
                };
                let escaped = label
                    .replace('\\', "\\\\")
                    .replace(';', "\\:")
                    .replace(' ', "\\s");
                tags.push(format!("label={escaped}"));
            }
            6..=8 => {
                tags.push("+typing=active".into());
                tags.push("+draft/react=👍".into());
                if self.rng.chance(1, 2) {
                    tags.push("msgid=forged;time=2000-01-01T00:00:00.000Z".into());
                }
            }
            _ => {
                // Near and over the 4094-byte client tag budget.
                let n = *self.rng.pick(&[&2000, &4000, &4090, &4100, &8000]);
                tags.push(many_tags(n).to_owned());
            }
        }
        if self.rng.chance(1, 3) {
            tags.push(format!("label=L{}", self.rng.below(100)));
        }
        line.push('@');
        line.push_str(&tags.join(";"));
        line.push(' ');
    }

    /// One line of IRC (without its ending).
    pub fn line(&mut self, exec: &Exec, slot: usize) -> String {
        let mut line = String::new();
        if self.rng.chance(1, 5) {
            self.tags(&mut line);
        }
        if self.rng.chance(1, 30) {
            line.push_str(":someone!u@h ");
        }
        let body = self.command(exec, slot);
        if self.rng.chance(1, 20) {
            // Commands are case-insensitive.
            let (cmd, rest) = body.split_once(' ').unwrap_or((&body, ""));
            line.push_str(&cmd.to_ascii_lowercase());
            if !rest.is_empty() {
                line.push(' ');
                line.push_str(rest);
            }
        } else {
            line.push_str(&body);
        }
        line
    }

    fn command(&mut self, exec: &Exec, slot: usize) -> String {
        let r = &mut self.rng;
        match r.below(40) {
            0 => match r.below(8) {
                0 => "CAP LS 302".into(),
                1 => "CAP LS".into(),
                2 => "CAP LIST".into(),
                3 | 4 => {
                    let n = r.range(1, 5);
                    let caps: Vec<&str> = (0..n).map(|_| r.pick(CAPS)).collect();
                    format!("CAP REQ :{}", caps.join(" "))
                }
                5 => "CAP END".into(),
                6 => "CAP REQ".into(),
                _ => "CAP FOO bar".into(),
            },
            1 => {
                let p = r.pick(&["hunter2", "wrong", ":hunter2", ""]);
                format!("PASS {p}")
            }
            2..=3 => format!("NICK {}", self.nick(exec)),
            4 => match r.below(4) {
                0 => "USER u 0 * :Real Name".into(),
                1 => "USER u 0 *".into(),
                2 => "USER 明!@ 0 * :".into(),
                _ => format!("USER {} 0 * :{}", r.below(99), self.text()),
            },
            5 => match r.below(3) {
                0 => format!("PING {}", self.text()),
                1 => "PING".into(),
                _ => "PONG :banter.local".into(),
            },
            6 => {
                if r.chance(1, 4) {
                    format!("QUIT :{}", self.text())
                } else {
                    "PING keepalive".into()
                }
            }
            7..=9 => match r.below(12) {
                0 => "JOIN 0".into(),
                1 => {
                    let keys = r.pick(&["key", "key,other", "wrong", ":", "::x"]);
                    format!("JOIN {} {keys}", self.channels())
                }
                _ => format!("JOIN {}", self.channels()),
            },
            10 => {
                if r.chance(1, 2) {
                    format!("PART {} :{}", self.channels(), self.text())
                } else {
                    format!("PART {}", self.channels())
                }
            }
            11 => match r.below(3) {
                0 => format!("TOPIC {}", self.channel()),
                1 => format!("TOPIC {} :", self.channel()),
                _ => format!("TOPIC {} :{}", self.channel(), self.text()),
            },
            12 => {
                if r.chance(1, 4) {
                    "NAMES".into()
                } else {
                    format!("NAMES {}", self.channels())
                }
            }
            13 => {
                let terms = [
                    "", ">0", "<3", "C>1", "C<10", "T>0", "T<5", "#*", "!#a*", "*明*",
                ];
                let n = r.range(0, 3);
                let picked: Vec<&str> = (0..n).map(|_| r.pick(&terms)).collect();
                format!("LIST {}", picked.join(",")).trim_end().to_owned()
            }
            14..=15 => {
                let rooms = if r.chance(1, 5) {
                    self.channels()
                } else {
                    self.channel()
                };
                let who = self.nicks(exec);
                if self.rng.chance(1, 2) {
                    format!("KICK {rooms} {who} :{}", self.text())
                } else {
                    format!("KICK {rooms} {who}")
                }
            }
            16 => {
                if r.chance(1, 5) {
                    "INVITE".into()
                } else {
                    format!("INVITE {} {}", self.nick(exec), self.channel())
                }
            }
            17..=19 => self.channel_mode(exec),
            20 => {
                let target = if r.chance(4, 5) {
                    exec.nick(slot).unwrap_or("alice").to_owned()
                } else {
                    self.nick(exec)
                };
                let modes = self.rng.pick(&[
                    "", "+i", "-i", "+w", "+B", "-o", "+o", "+iwB", "-iwBo", "+x", "i",
                ]);
                format!("MODE {target} {modes}").trim_end().to_owned()
            }
            21..=24 => {
                let command = r.pick(&["PRIVMSG", "PRIVMSG", "NOTICE"]);
                let target = self.message_target(exec);
                match self.rng.below(10) {
                    0 => format!("{command} {target}"),
                    1 => format!("{command} {target} :"),
                    _ => format!("{command} {target} :{}", self.text()),
                }
            }
            25 => {
                let target = self.message_target(exec);
                format!("@+typing=active;+reply=x TAGMSG {target}")
            }
            26 => {
                let mask = match r.below(5) {
                    0 => String::new(),
                    1 => self.channel(),
                    2 => self.nick(exec),
                    _ => self.mask(exec),
                };
                let option = match self.rng.below(5) {
                    0 | 1 => String::new(),
                    2 => " o".into(),
                    _ => {
                        let fields = self
                            .rng
                            .pick(&["tcuihsnfdlaor", "n", "cnf", "tn", "r", "a"]);
                        let token = self.rng.pick(&["", ",1", ",123", ",1234", ",:x"]);
                        format!(" %{fields}{token}")
                    }
                };
                format!("WHO {mask}{option}").trim_end().to_owned()
            }
            27 => {
                if r.chance(1, 4) {
                    format!("WHOIS banter.local {}", self.nick(exec))
                } else {
                    format!("WHOIS {}", self.nick(exec))
                }
            }
            28 => {
                let count = r.pick(&["", " 1", " 0", " -5", " 99999999999999999999"]);
                format!("WHOWAS {}{count}", self.nick(exec))
            }
            29 => {
                let simple = [
                    "LUSERS",
                    "MOTD",
                    "TIME",
                    "VERSION",
                    "INFO",
                    "ADMIN",
                    "LINKS",
                    "HELP",
                    "HELPOP mode",
                    "HELP who",
                    "HELP nope",
                    "TIME other.server",
                    "LINKS *",
                    "VERSION *.local",
                ];
                r.pick(&simple).to_owned()
            }
            30 => {
                let who = self.nicks(exec).replace(',', " ");
                if self.rng.chance(1, 2) {
                    format!("USERHOST {who}")
                } else {
                    format!("ISON :{who}")
                }
            }
            31..=32 => match r.below(8) {
                0..=2 => format!("MONITOR + {}", self.nicks(exec)),
                3 => format!("MONITOR - {}", self.nicks(exec)),
                4 => "MONITOR C".into(),
                5 => "MONITOR L".into(),
                6 => "MONITOR S".into(),
                _ => "MONITOR X".into(),
            },
            33 => {
                if r.chance(3, 4) {
                    format!("OPER {} {}", OPER.0, OPER.1)
                } else {
                    "OPER root wrong".into()
                }
            }
            34 => format!("KILL {} :{}", self.nick(exec), self.text()),
            35 => format!("WALLOPS :{}", self.text()),
            36 => {
                if r.chance(1, 3) {
                    "AWAY".into()
                } else {
                    format!("AWAY :{}", self.text())
                }
            }
            37 => format!("SETNAME :{}", self.text()),
            38 => {
                let odd = [
                    "FOO bar", "001 x :y", "PRIVMSG", "JOIN", "MODE", "KICK #a", "   ",
                ];
                r.pick(&odd).to_owned()
            }
            _ => {
                // A message to oneself, a favourite of labeled-response edge cases.
                let me = exec.nick(slot).unwrap_or("alice").to_owned();
                format!("PRIVMSG {me} :{}", self.text())
            }
        }
    }

    fn message_target(&mut self, exec: &Exec) -> String {
        match self.rng.below(10) {
            0..=3 => self.channel(),
            4 => format!("@{}", self.channel()),
            5 => format!("+{}", self.channel()),
            6..=8 => self.nick(exec),
            _ => {
                let n = self.rng.range(2, 6);
                let list: Vec<String> = (0..n)
                    .map(|_| {
                        if self.rng.chance(1, 2) {
                            self.channel()
                        } else {
                            self.nick(exec)
                        }
                    })
                    .collect();
                list.join(",")
            }
        }
    }

    /// `MODE #room <changes> <params>` with every channel mode letter.
    fn channel_mode(&mut self, exec: &Exec) -> String {
        let room = self.channel();
        if self.rng.chance(1, 8) {
            return format!("MODE {room}");
        }
        const LETTERS: &[u8] = b"ovbeIklimnstovbeIqxOV";
        let mut changes = String::new();
        let mut params: Vec<String> = Vec::new();
        for _ in 0..self.rng.range(1, 14) {
            match self.rng.below(6) {
                0 => changes.push('+'),
                1 => changes.push('-'),
                _ => {}
            }
            let c = LETTERS[self.rng.below(LETTERS.len())] as char;
            changes.push(c);
            if self.rng.chance(1, 6) {
                continue; // A missing parameter.
            }
            match c {
                'o' | 'v' => params.push(self.nick(exec)),
                'b' | 'e' | 'I' | 'q' => params.push(self.mask(exec)),
                'k' => params.push(
                    self.rng
                        .pick(&["key", "k,ey", "x".repeat(24).as_str(), "other"])
                        .to_owned(),
                ),
                'l' => params.push(
                    self.rng
                        .pick(&["1", "2", "0", "-1", "99999999999999999999999", "x"])
                        .to_owned(),
                ),
                _ => {}
            }
        }
        let mut line = format!("MODE {room} {changes}");
        for p in params {
            line.push(' ');
            line.push_str(&p);
        }
        line
    }
}
