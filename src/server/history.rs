//! Room memory: the recent events of each room (and of each private
//! conversation while both people are here), bounded, addressed by msgid and
//! time, and read by CHATHISTORY selectors and the replay on JOIN.
//!
//! Contract:
//! 1. Pure: events and the time come in, nothing touches a disk; what must be
//!    stored goes out through the [`super::outbox::Outbox`] (see `store.rs`).
//! 2. Each conversation keeps at most `lines` events and `bytes` of text, and
//!    none older than `max_age` when one is set; the oldest go first. Age is
//!    enforced on every read ([`History::trim`] before a conversation is
//!    read) and by a sweep ([`History::expire`]), so a quiet conversation
//!    ages too, not only one that is still being written to.
//! 3. At most `max_targets` conversations are kept; the one updated least
//!    recently goes first.
//! 4. Events of one conversation are in the order they happened; their times
//!    never go backwards (a clock step back is clamped to the last time).
//! 5. Every private conversation is indexed under both its nicknames, and
//!    only those that exist are: forgetting someone's private conversations
//!    costs what they had, not a walk over every conversation.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// One remembered event, as it was relayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The conversation: a folded room name, or [`dm_key`] of two nicknames.
    pub target: String,
    pub msgid: String,
    pub time_ms: u64,
    /// `nick!user@host` of whoever caused it.
    pub source: String,
    /// `PRIVMSG`, `NOTICE`, `TOPIC`, `JOIN`, `PART`, `QUIT`, `KICK`, `NICK`, `MODE`.
    pub command: String,
    pub params: Vec<String>,
}

impl Event {
    /// Whether it is something someone said (shown without event-playback).
    pub fn is_message(&self) -> bool {
        matches!(
            self.command.as_str(),
            crate::proto::command::PRIVMSG | crate::proto::command::NOTICE
        )
    }

    fn size(&self) -> usize {
        self.source.len() + self.params.iter().map(String::len).sum::<usize>() + 64
    }
}

/// How much to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub lines: usize,
    pub bytes: usize,
    pub max_age: Option<Duration>,
    pub max_targets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            lines: 1000,
            bytes: 1 << 20,
            max_age: None,
            max_targets: 4096,
        }
    }
}

/// A CHATHISTORY reference: `msgid=...` or `timestamp=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    MsgId(String),
    Time(u64),
}

/// The private conversation of two (folded) nicknames, the same either way round.
pub fn dm_key(a: &str, b: &str) -> String {
    if a <= b {
        format!("\u{0}{a}\u{0}{b}")
    } else {
        format!("\u{0}{b}\u{0}{a}")
    }
}

/// Whether a conversation key is a private one.
pub fn is_dm_key(key: &str) -> bool {
    key.starts_with('\u{0}')
}

/// The two nicknames of a private conversation key.
fn dm_parts(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix('\u{0}')?.split_once('\u{0}')
}

#[derive(Debug, Default)]
struct Ring {
    events: VecDeque<Event>,
    bytes: usize,
    /// When it last changed, for evicting whole conversations (contract 3).
    touched: u64,
}

impl Ring {
    /// Drops the events before `cutoff` (Unix ms); they are the oldest.
    fn drop_older(&mut self, cutoff: u64) {
        while self.events.front().is_some_and(|e| e.time_ms < cutoff) {
            if let Some(old) = self.events.pop_front() {
                self.bytes -= old.size();
            }
        }
    }
}

/// See the module contract.
#[derive(Debug)]
pub struct History {
    limits: Limits,
    rings: HashMap<String, Ring>,
    /// Folded nickname to the keys of its private conversations (contract 5).
    dms: HashMap<String, Vec<String>>,
    clock: u64,
}

impl History {
    pub fn new(limits: Limits) -> History {
        History {
            limits,
            rings: HashMap::new(),
            dms: HashMap::new(),
            clock: 0,
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The oldest time (Unix ms) still kept at `now_ms`: 0 without an age limit.
    pub fn cutoff(&self, now_ms: u64) -> u64 {
        match self.limits.max_age {
            Some(age) => now_ms.saturating_sub(u64::try_from(age.as_millis()).unwrap_or(u64::MAX)),
            None => 0,
        }
    }

    /// Drops what `target` holds beyond the age limit at `now_ms`: called
    /// before a conversation is read, so no read serves an expired event.
    pub fn trim(&mut self, target: &str, now_ms: u64) {
        let cutoff = self.cutoff(now_ms);
        let Some(ring) = self.rings.get_mut(target) else {
            return;
        };
        ring.drop_older(cutoff);
        if ring.events.is_empty() {
            self.remove_ring(target);
        }
    }

    /// Removes a conversation and its index entries (contract 5).
    fn remove_ring(&mut self, key: &str) {
        if self.rings.remove(key).is_none() {
            return;
        }
        if let Some((a, b)) = dm_parts(key) {
            for nick in [a, b] {
                if let Some(keys) = self.dms.get_mut(nick) {
                    keys.retain(|k| k != key);
                    if keys.is_empty() {
                        self.dms.remove(nick);
                    }
                }
            }
        }
    }

    /// Remembers `event` (contract 2-4); returns it as stored (its time
    /// clamped), or `None` if it alone is over the byte limit.
    pub fn push(&mut self, mut event: Event) -> Option<&Event> {
        self.clock += 1;
        if !self.rings.contains_key(&event.target) && self.rings.len() >= self.limits.max_targets {
            if let Some(oldest) = self
                .rings
                .iter()
                .min_by_key(|(_, r)| r.touched)
                .map(|(k, _)| k.clone())
            {
                self.remove_ring(&oldest);
            }
        }
        let limits = self.limits;
        let key = event.target.clone();
        if !self.rings.contains_key(&key) {
            if let Some((a, b)) = dm_parts(&key) {
                for nick in [a, b] {
                    self.dms
                        .entry(nick.to_owned())
                        .or_default()
                        .push(key.clone());
                }
            }
        }
        let ring = self.rings.entry(key.clone()).or_default();
        ring.touched = self.clock;
        if let Some(last) = ring.events.back() {
            event.time_ms = event.time_ms.max(last.time_ms);
        }
        ring.bytes += event.size();
        ring.events.push_back(event);
        while ring.events.len() > limits.lines.max(1) || ring.bytes > limits.bytes {
            match ring.events.pop_front() {
                Some(old) => ring.bytes -= old.size(),
                None => break,
            }
        }
        if let (Some(age), Some(newest)) = (limits.max_age, ring.events.back()) {
            let age = u64::try_from(age.as_millis()).unwrap_or(u64::MAX);
            ring.drop_older(newest.time_ms.saturating_sub(age));
        }
        self.rings.get(&key)?.events.back()
    }

    /// Drops events older than the age limit everywhere (`Chat::tick` calls
    /// it about once a minute, so memory follows the limit between reads).
    pub fn expire(&mut self, now_ms: u64) {
        if self.limits.max_age.is_none() {
            return;
        }
        let cutoff = self.cutoff(now_ms);
        let mut emptied = Vec::new();
        for (key, ring) in &mut self.rings {
            ring.drop_older(cutoff);
            if ring.events.is_empty() {
                emptied.push(key.clone());
            }
        }
        for key in emptied {
            self.remove_ring(&key);
        }
    }

    /// Forgets a conversation (a room that ended).
    pub fn forget(&mut self, target: &str) {
        self.remove_ring(target);
    }

    /// Forgets every private conversation `folded_nick` was part of: only
    /// those, found through the index (contract 5), on every quit.
    pub fn forget_dms_of(&mut self, folded_nick: &str) {
        for key in self.dms.remove(folded_nick).unwrap_or_default() {
            self.remove_ring(&key);
        }
    }

    /// All events of `target`, oldest first.
    pub fn events(
        &self,
        target: &str,
    ) -> impl DoubleEndedIterator<Item = &Event> + ExactSizeIterator {
        self.rings
            .get(target)
            .map(|r| r.events.iter())
            .unwrap_or_default()
    }

    /// The event `msgid` in conversation `target`, if still kept.
    pub fn find(&self, target: &str, msgid: &str) -> Option<&Event> {
        self.rings
            .get(target)?
            .events
            .iter()
            .rev()
            .find(|e| e.msgid == msgid)
    }

    /// Deletes the event `msgid` from conversation `target` (a redaction).
    pub fn remove(&mut self, target: &str, msgid: &str) -> Option<Event> {
        let ring = self.rings.get_mut(target)?;
        let at = ring.events.iter().rposition(|e| e.msgid == msgid)?;
        let event = ring.events.remove(at)?;
        ring.bytes -= event.size();
        Some(event)
    }

    /// The conversations with events, and the time of their newest.
    pub fn targets(&self) -> impl Iterator<Item = (&str, u64)> {
        self.rings
            .iter()
            .filter_map(|(k, r)| r.events.back().map(|e| (k.as_str(), e.time_ms)))
    }

    /// The index in `target` of the first event after `sel` (exclusive), or
    /// at/after it (`inclusive`); `None` for an unknown msgid.
    fn position(&self, target: &str, sel: &Selector, inclusive: bool) -> Option<usize> {
        let ring = self.rings.get(target)?;
        match sel {
            Selector::MsgId(id) => {
                let i = ring.events.iter().position(|e| &e.msgid == id)?;
                Some(if inclusive { i } else { i + 1 })
            }
            Selector::Time(t) => Some(if inclusive {
                ring.events.partition_point(|e| e.time_ms < *t)
            } else {
                ring.events.partition_point(|e| e.time_ms <= *t)
            }),
        }
    }

    /// The index of the first event at or after `sel`, counting a msgid's
    /// own event as "at" and a timestamp's equal time as "after" (for BEFORE).
    fn before_index(&self, target: &str, sel: &Selector) -> Option<usize> {
        self.position(target, sel, true)
    }

    /// `LATEST <target> <*|sel> <limit>`: the newest `limit` events, after `sel` if given.
    pub fn latest(&self, target: &str, after: Option<&Selector>, limit: usize) -> Vec<&Event> {
        let start = match after {
            Some(sel) => match self.position(target, sel, false) {
                Some(i) => i,
                None => return Vec::new(),
            },
            None => 0,
        };
        let all: Vec<&Event> = self.events(target).skip(start).collect();
        let skip = all.len().saturating_sub(limit);
        all.into_iter().skip(skip).collect()
    }

    /// `BEFORE <target> <sel> <limit>`: the `limit` events just before `sel`.
    pub fn before(&self, target: &str, sel: &Selector, limit: usize) -> Vec<&Event> {
        let Some(end) = self.before_index(target, sel) else {
            return Vec::new();
        };
        let start = end.saturating_sub(limit);
        self.events(target).skip(start).take(end - start).collect()
    }

    /// `AFTER <target> <sel> <limit>`: the `limit` events just after `sel`.
    pub fn after(&self, target: &str, sel: &Selector, limit: usize) -> Vec<&Event> {
        let Some(start) = self.position(target, sel, false) else {
            return Vec::new();
        };
        self.events(target).skip(start).take(limit).collect()
    }

    /// `AROUND <target> <sel> <limit>`: `limit` events centred on `sel`.
    pub fn around(&self, target: &str, sel: &Selector, limit: usize) -> Vec<&Event> {
        let Some(centre) = self.position(target, sel, true) else {
            return Vec::new();
        };
        let len = self.events(target).len();
        let limit = limit.max(1);
        let mut start = centre.saturating_sub((limit - 1) / 2);
        let end = start.saturating_add(limit).min(len);
        start = end.saturating_sub(limit);
        self.events(target).skip(start).take(end - start).collect()
    }

    /// `BETWEEN <target> <a> <b> <limit>`: events strictly between the two;
    /// the `limit` nearest `a` (so backwards when `a` is the later one).
    pub fn between(&self, target: &str, a: &Selector, b: &Selector, limit: usize) -> Vec<&Event> {
        let (Some(a_after), Some(b_after)) = (
            self.position(target, a, false),
            self.position(target, b, false),
        ) else {
            return Vec::new();
        };
        let (Some(a_at), Some(b_at)) = (self.before_index(target, a), self.before_index(target, b))
        else {
            return Vec::new();
        };
        if a_at <= b_at {
            // Forwards from a.
            let (start, end) = (a_after, b_at);
            if start >= end {
                return Vec::new();
            }
            self.events(target)
                .skip(start)
                .take((end - start).min(limit))
                .collect()
        } else {
            // Backwards from a.
            let (start, end) = (b_after, a_at);
            if start >= end {
                return Vec::new();
            }
            let from = end.saturating_sub(limit).max(start);
            self.events(target).skip(from).take(end - from).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(target: &str, n: u64) -> Event {
        Event {
            target: target.into(),
            msgid: format!("m{n}"),
            time_ms: 1000 + n * 10,
            source: "a!u@h".into(),
            command: "PRIVMSG".into(),
            params: vec![target.into(), format!("text {n}")],
        }
    }

    fn ids(events: &[&Event]) -> Vec<String> {
        events.iter().map(|e| e.msgid.clone()).collect()
    }

    fn ten() -> History {
        let mut h = History::new(Limits::default());
        for n in 0..10 {
            h.push(ev("#c", n));
        }
        h
    }

    #[test]
    fn selectors_pick_what_chathistory_asks_for() {
        let h = ten();
        let m = |n: u64| Selector::MsgId(format!("m{n}"));
        let t = |n: u64| Selector::Time(1000 + n * 10);
        assert_eq!(ids(&h.latest("#c", None, 3)), ["m7", "m8", "m9"]);
        assert_eq!(ids(&h.latest("#c", Some(&m(7)), 10)), ["m8", "m9"]);
        assert_eq!(ids(&h.latest("#c", Some(&t(7)), 10)), ["m8", "m9"]);
        assert_eq!(ids(&h.before("#c", &m(6), 2)), ["m4", "m5"]);
        assert_eq!(ids(&h.before("#c", &t(6), 2)), ["m4", "m5"]);
        assert_eq!(ids(&h.after("#c", &m(3), 3)), ["m4", "m5", "m6"]);
        assert_eq!(ids(&h.after("#c", &t(3), 3)), ["m4", "m5", "m6"]);
        assert_eq!(ids(&h.around("#c", &m(7), 1)), ["m7"]);
        assert_eq!(ids(&h.around("#c", &m(7), 3)), ["m6", "m7", "m8"]);
        assert_eq!(ids(&h.around("#c", &m(9), 3)), ["m7", "m8", "m9"]);
        assert_eq!(ids(&h.between("#c", &m(0), &m(9), 3)), ["m1", "m2", "m3"]);
        assert_eq!(ids(&h.between("#c", &m(9), &m(0), 3)), ["m6", "m7", "m8"]);
        assert_eq!(h.between("#c", &m(0), &m(9), 100).len(), 8);
        assert_eq!(h.between("#c", &t(9), &t(0), 100).len(), 8);
        assert!(h.after("#c", &Selector::MsgId("nope".into()), 5).is_empty());
        assert!(h.latest("#other", None, 5).is_empty());
    }

    #[test]
    fn bounded_by_lines_bytes_age_and_conversations() {
        let mut h = History::new(Limits {
            lines: 5,
            ..Limits::default()
        });
        for n in 0..20 {
            h.push(ev("#c", n));
        }
        assert_eq!(
            ids(&h.latest("#c", None, 100)),
            ["m15", "m16", "m17", "m18", "m19"]
        );

        let mut h = History::new(Limits {
            bytes: 1000,
            ..Limits::default()
        });
        for n in 0..100 {
            h.push(ev("#c", n));
        }
        assert!(h.events("#c").map(Event::size).sum::<usize>() <= 1000);
        assert_eq!(h.events("#c").last().map(|e| e.msgid.as_str()), Some("m99"));

        let mut h = History::new(Limits {
            max_age: Some(Duration::from_millis(50)),
            ..Limits::default()
        });
        for n in 0..20 {
            h.push(ev("#c", n));
        }
        assert_eq!(h.events("#c").count(), 6);
        h.expire(10_000);
        assert_eq!(h.events("#c").count(), 0);

        // A quiet conversation ages on read, without a newer event or a sweep.
        h.push(ev("#q", 1));
        h.push(ev("#q", 2));
        assert_eq!(h.cutoff(1_065), 1_015);
        h.trim("#q", 1_065);
        assert_eq!(ids(&h.latest("#q", None, 10)), ["m2"]);
        h.trim("#q", 1_100);
        assert_eq!(h.targets().count(), 0, "an emptied conversation is gone");

        let mut h = History::new(Limits {
            max_targets: 2,
            ..Limits::default()
        });
        h.push(ev("#a", 1));
        h.push(ev("#b", 2));
        h.push(ev("#a", 3));
        h.push(ev("#c", 4));
        assert_eq!(h.events("#b").count(), 0, "least recently updated goes");
        assert_eq!(h.events("#a").count(), 2);
    }

    #[test]
    fn time_never_goes_backwards_and_private_ones_are_forgotten() {
        let mut h = History::new(Limits::default());
        h.push(ev("#c", 5));
        let mut back = ev("#c", 1);
        back.msgid = "late".into();
        assert_eq!(h.push(back).map(|e| e.time_ms), Some(1050));
        let dm = dm_key("bob", "alice");
        assert_eq!(dm, dm_key("alice", "bob"));
        h.push(ev(&dm, 1));
        h.push(ev(&dm_key("alice", "carol"), 2));
        h.push(ev(&dm_key("bob", "carol"), 3));
        h.forget_dms_of("alice");
        assert_eq!(h.events(&dm).count(), 0);
        assert_eq!(h.events(&dm_key("alice", "carol")).count(), 0);
        assert_eq!(h.events(&dm_key("bob", "carol")).count(), 1);
        assert_eq!(h.events("#c").count(), 2);
        // A name that merely starts like another is a different person.
        h.push(ev(&dm_key("al", "ali"), 4));
        h.forget_dms_of("alice");
        assert_eq!(h.events(&dm_key("al", "ali")).count(), 1);
    }

    /// Contract 5: the index names exactly the private conversations that
    /// exist, whichever way one goes (forgotten, aged, evicted).
    #[test]
    fn the_private_index_follows_every_way_a_conversation_goes() {
        let mut h = History::new(Limits {
            max_age: Some(Duration::from_millis(50)),
            max_targets: 3,
            ..Limits::default()
        });
        let consistent = |h: &History| {
            let mut indexed: Vec<&String> = h.dms.values().flatten().collect();
            indexed.sort();
            let mut expected: Vec<&String> = h
                .rings
                .keys()
                .filter(|k| is_dm_key(k))
                .flat_map(|k| [k, k])
                .collect();
            expected.sort();
            assert_eq!(indexed, expected);
        };
        h.push(ev(&dm_key("a", "b"), 1));
        h.push(ev(&dm_key("a", "c"), 2));
        h.push(ev(&dm_key("b", "c"), 3));
        consistent(&h);
        h.push(ev("#room", 4)); // evicts a+b, the least recently updated
        assert_eq!(h.events(&dm_key("a", "b")).count(), 0);
        consistent(&h);
        h.trim(&dm_key("a", "c"), 1_075); // aged out on read
        consistent(&h);
        h.expire(1_200);
        consistent(&h);
        assert!(h.dms.is_empty() && h.rings.is_empty());
        h.push(ev(&dm_key("a", "b"), 30));
        h.forget(&dm_key("a", "b"));
        consistent(&h);
        assert!(h.dms.is_empty());
    }
}
