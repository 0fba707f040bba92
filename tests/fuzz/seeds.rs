//! The seed corpus: cases written as text, read from `tests/fuzz/seeds/`,
//! printed back for reproductions, and mutated; and the minimiser that
//! shrinks a failing case to a short one.
//!
//! Format, one action per line (`#` starts a comment):
//! - `config password=hunter2` (also `room=`, `max_joined=`, `max_channels=`,
//!   `nick_len=`, `recvq=`, `motd=`, `message_log=`), before the actions;
//! - `connect <key>` or `connect6 <key>` (an IPv6 peer);
//! - `<key> <line>`: the line and CR LF, as received on that connection;
//! - `raw <key> <bytes>`: bytes as they are, escaped: `\r`, `\n`, `\0`,
//!   `\t`, `\\`, `\xHH`;
//! - `disconnect <key>`, `tick <milliseconds>`, `shutdown`.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use super::driver::{replay, Action, Exec, Failure, Settings, SLOTS};
use super::gen::Gen;

/// A case: its settings and its actions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Case {
    pub settings: Settings,
    pub actions: Vec<Action>,
}

fn slot(word: &str, line: usize) -> Result<usize, String> {
    match word.parse::<usize>() {
        Ok(s) if s < SLOTS => Ok(s),
        _ => Err(format!("line {line}: bad key {word:?}")),
    }
}

fn unescape(text: &str, line: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b'0') => out.push(0),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                let hex = std::str::from_utf8(&hex).unwrap_or("");
                let b = u8::from_str_radix(hex, 16)
                    .map_err(|_| format!("line {line}: bad \\x escape"))?;
                out.push(b);
            }
            _ => return Err(format!("line {line}: bad escape")),
        }
    }
    Ok(out)
}

fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                '\0' => out.push_str("\\0"),
                '\t' => out.push_str("\\t"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    // Editors strip trailing spaces.
    if out.ends_with(' ') {
        out.pop();
        out.push_str("\\x20");
    }
    out
}

impl Case {
    pub fn parse(text: &str) -> Result<Case, String> {
        let mut case = Case::default();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            let (word, rest) = raw.split_once(' ').unwrap_or((raw, ""));
            let action = match word {
                "config" => {
                    let (key, value) = rest
                        .split_once('=')
                        .ok_or(format!("line {n}: config needs key=value"))?;
                    let s = &mut case.settings;
                    let number = || {
                        value
                            .parse::<usize>()
                            .map_err(|_| format!("line {n}: {key} needs a number"))
                    };
                    match key {
                        "password" => s.password = Some(value.to_owned()),
                        "room" => s.room = value.to_owned(),
                        "max_joined" => s.max_joined = number()?,
                        "max_channels" => s.max_channels = number()?,
                        "nick_len" => s.nick_len = number()?,
                        "recvq" => s.recvq = number()?,
                        "motd" => s.motd = value == "true",
                        "message_log" => s.message_log = value == "true",
                        _ => return Err(format!("line {n}: unknown setting {key:?}")),
                    }
                    continue;
                }
                "connect" | "connect6" => Action::Connect {
                    slot: slot(rest, n)?,
                    v6: word == "connect6",
                },
                "disconnect" => Action::Disconnect {
                    slot: slot(rest, n)?,
                },
                "tick" => Action::Tick {
                    ms: rest
                        .parse()
                        .map_err(|_| format!("line {n}: tick needs milliseconds"))?,
                },
                "shutdown" => Action::Shutdown,
                "raw" => {
                    let (key, bytes) = rest.split_once(' ').unwrap_or((rest, ""));
                    Action::Send {
                        slot: slot(key, n)?,
                        bytes: unescape(bytes, n)?,
                    }
                }
                key => {
                    let mut bytes = rest.as_bytes().to_vec();
                    bytes.extend_from_slice(b"\r\n");
                    Action::Send {
                        slot: slot(key, n)?,
                        bytes,
                    }
                }
            };
            case.actions.push(action);
        }
        Ok(case)
    }

    /// The case in the seed format, ready to save under `tests/fuzz/seeds/`.
    pub fn to_text(&self) -> String {
        let s = &self.settings;
        let d = Settings::default();
        let mut out = String::new();
        if let Some(p) = &s.password {
            out.push_str(&format!("config password={p}\n"));
        }
        for (key, value, default) in [
            ("room", s.room.clone(), d.room.clone()),
            (
                "max_joined",
                s.max_joined.to_string(),
                d.max_joined.to_string(),
            ),
            (
                "max_channels",
                s.max_channels.to_string(),
                d.max_channels.to_string(),
            ),
            ("nick_len", s.nick_len.to_string(), d.nick_len.to_string()),
            ("recvq", s.recvq.to_string(), d.recvq.to_string()),
            ("motd", s.motd.to_string(), d.motd.to_string()),
            (
                "message_log",
                s.message_log.to_string(),
                d.message_log.to_string(),
            ),
        ] {
            if value != default {
                out.push_str(&format!("config {key}={value}\n"));
            }
        }
        for a in &self.actions {
            match a {
                Action::Connect { slot, v6: false } => out.push_str(&format!("connect {slot}\n")),
                Action::Connect { slot, v6: true } => out.push_str(&format!("connect6 {slot}\n")),
                Action::Disconnect { slot } => out.push_str(&format!("disconnect {slot}\n")),
                Action::Tick { ms } => out.push_str(&format!("tick {ms}\n")),
                Action::Shutdown => out.push_str("shutdown\n"),
                Action::Send { slot, bytes } => {
                    let plain = bytes
                        .strip_suffix(b"\r\n")
                        .filter(|l| !l.is_empty() && !l.ends_with(b" ") && !l.starts_with(b" "))
                        .and_then(|l| std::str::from_utf8(l).ok())
                        .filter(|l| !l.chars().any(char::is_control));
                    match plain {
                        Some(l) => out.push_str(&format!("{slot} {l}\n")),
                        None => out.push_str(&format!("raw {slot} {}\n", escape(bytes))),
                    }
                }
            }
        }
        out
    }

    /// Runs the case; a panic propagates.
    pub fn run(&self) -> Result<(), Failure> {
        replay(&self.settings, &self.actions)
    }
}

/// The seed files, sorted by name.
pub fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/seeds")
}

pub fn load_seeds() -> Vec<(String, Case)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(seed_dir())
        .expect("tests/fuzz/seeds exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).expect("a readable seed");
            let case = Case::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, case)
        })
        .collect()
}

/// A generated case: settings and 50 to 200 actions (mostly under 100)
/// chosen as they run. Returns the case as run, and its failure if it failed.
pub fn generate(seed: u64) -> (Case, Result<(), Failure>) {
    let mut case = Case::default();
    let result = generate_into(seed, &mut case);
    (case, result)
}

/// As [`generate`], building the case in `case`: each action is recorded
/// before it runs, so after a panic `case` holds the reproduction.
pub fn generate_into(seed: u64, case: &mut Case) -> Result<(), Failure> {
    let mut gen = Gen::new(seed);
    case.settings = gen.settings();
    case.actions.clear();
    // Mostly short cases: more of them per second, and most bugs need few steps.
    let steps = if gen.rng.chance(3, 4) {
        gen.rng.range(50, 100)
    } else {
        gen.rng.range(100, 200)
    };
    let mut exec = Exec::new(&case.settings);
    for step in 0..steps {
        let action = gen.next(&exec);
        case.actions.push(action);
        exec.apply(&case.actions[step])
            .map_err(|message| Failure { step, message })?;
    }
    Ok(())
}

/// A variation of a seed: actions dropped, repeated, swapped, mutated, cut
/// in two, or new lines spliced in. Then it runs with a generator that goes
/// on from where the seed ends, so that a seed also starts a random walk.
pub fn mutate_and_run(seed_case: &Case, seed: u64) -> (Case, Result<(), Failure>) {
    let mut case = Case::default();
    let result = mutate_and_run_into(seed_case, seed, &mut case);
    (case, result)
}

/// As [`mutate_and_run`], building the case in `case` (see [`generate_into`]).
pub fn mutate_and_run_into(seed_case: &Case, seed: u64, case: &mut Case) -> Result<(), Failure> {
    let mut gen = Gen::new(seed);
    case.clone_from(seed_case);
    for _ in 0..gen.rng.range(1, 6) {
        let len = case.actions.len();
        if len == 0 {
            break;
        }
        let i = gen.rng.below(len);
        match gen.rng.below(6) {
            0 => {
                case.actions.remove(i);
            }
            1 => {
                let a = case.actions[i].clone();
                case.actions.insert(i, a);
            }
            2 => {
                let j = gen.rng.below(len);
                case.actions.swap(i, j);
            }
            kind => {
                let Action::Send { slot, mut bytes } = case.actions[i].clone() else {
                    continue;
                };
                match kind {
                    3 => {
                        gen.mutate(&mut bytes);
                        case.actions[i] = Action::Send { slot, bytes };
                    }
                    4 if bytes.len() > 1 => {
                        let rest = bytes.split_off(gen.rng.range(1, bytes.len() - 1));
                        case.actions[i] = Action::Send { slot, bytes };
                        let rest = Action::Send { slot, bytes: rest };
                        case.actions.insert(i + 1, rest);
                    }
                    _ => {
                        // The same words from someone else.
                        let slot = (slot + 1) % 4;
                        case.actions[i] = Action::Send { slot, bytes };
                    }
                }
            }
        }
    }
    let mut exec = Exec::new(&case.settings);
    for (step, action) in case.actions.iter().enumerate() {
        exec.apply(action)
            .map_err(|message| Failure { step, message })?;
    }
    for _ in 0..gen.rng.range(0, 60) {
        let action = gen.next(&exec);
        case.actions.push(action);
        let step = case.actions.len() - 1;
        exec.apply(&case.actions[step])
            .map_err(|message| Failure { step, message })?;
    }
    Ok(())
}

/// How a candidate fared: the same failure, another, or none.
fn outcome(case: &Case) -> Option<String> {
    match panic::catch_unwind(AssertUnwindSafe(|| case.run())) {
        Ok(Ok(())) => None,
        Ok(Err(f)) => Some(f.kind()),
        Err(payload) => Some(panic_text(&payload)),
    }
}

/// The first words of a panic's message.
pub fn panic_text(payload: &Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    format!(
        "panic: {}",
        text.split(['"', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
            .next()
            .unwrap_or("")
    )
}

/// Shrinks a failing case while it fails the same way: drops actions (in
/// halves, then one by one), then shortens the inputs that remain. Panics are
/// caught here only to compare candidates, with the panic hook silenced.
pub fn minimize(case: &Case) -> Case {
    let Some(want) = outcome_quiet(case) else {
        return case.clone();
    };
    let same = |c: &Case| outcome_quiet(c).as_deref() == Some(want.as_str());
    let mut best = case.clone();
    // Everything after the failing step is noise.
    if let Ok(Err(f)) = panic::catch_unwind(AssertUnwindSafe(|| best.run())) {
        best.actions.truncate(f.step + 1);
    }
    loop {
        let before = best.actions.len();
        best = drop_actions(best, &same);
        best = split_sends(best, &same);
        if best.actions.len() == before {
            return best;
        }
    }
}

/// Removes runs of actions, halving the run length down to one.
fn drop_actions(mut best: Case, same: &impl Fn(&Case) -> bool) -> Case {
    let mut chunk = best.actions.len().div_ceil(2);
    while chunk >= 1 {
        let mut i = 0;
        while i < best.actions.len() {
            let mut candidate = best.clone();
            let end = (i + chunk).min(candidate.actions.len());
            candidate.actions.drain(i..end);
            if same(&candidate) {
                best = candidate;
            } else {
                i += chunk;
            }
        }
        chunk /= 2;
    }
    best
}

/// Splits each send into one action per line, so that lines can go one by one.
fn split_sends(mut best: Case, same: &impl Fn(&Case) -> bool) -> Case {
    let mut i = 0;
    while i < best.actions.len() {
        if let Action::Send { slot, bytes } = &best.actions[i] {
            let slot = *slot;
            let pieces: Vec<Vec<u8>> = bytes
                .split_inclusive(|&b| b == b'\n')
                .map(<[u8]>::to_vec)
                .collect();
            if pieces.len() > 1 {
                let mut candidate = best.clone();
                candidate.actions.splice(
                    i..=i,
                    pieces.into_iter().map(|bytes| Action::Send { slot, bytes }),
                );
                if same(&candidate) {
                    best = candidate;
                }
            }
        }
        i += 1;
    }
    best
}

fn outcome_quiet(case: &Case) -> Option<String> {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = outcome(case);
    panic::set_hook(hook);
    result
}
