//! The rows the chat view lists: a message as the view shows it (its
//! badge, its colour slot, its time), the ring buffer behind each
//! conversation's history, and the order members are listed in.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::VecDeque;

use slint::{Model, ModelNotify, ModelRc, ModelTracker, SharedString, VecModel};

use super::{MessageItem, MessageKind, Rank};
use crate::client::session::{self, Entry, EntryKind};
use crate::proto::names::fold;

/// A stable colour slot for a name (FNV-1a of the folded name).
pub fn name_index(nick: &str) -> i32 {
    let hash = fold(nick).bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (hash % 1024) as i32
}

/// Local time of day for a Unix-milliseconds timestamp.
pub fn format_time(unix_ms: u64) -> String {
    use chrono::{Local, TimeZone};
    match Local.timestamp_millis_opt(unix_ms as i64).single() {
        Some(t) => t.format("%H:%M").to_string(),
        None => String::new(),
    }
}

pub(super) fn message_item(entry: &Entry) -> MessageItem {
    MessageItem {
        kind: match entry.kind {
            EntryKind::Own => MessageKind::Own,
            EntryKind::Other => MessageKind::Other,
            EntryKind::Notice => MessageKind::Notice,
        },
        nick: entry.nick.as_str().into(),
        text: entry.text.as_str().into(),
        time: format_time(entry.time_ms).into(),
        action: entry.action,
        name_index: name_index(&entry.nick),
        pending: entry.pending != 0,
        // Slint's int; local ids are small counters, so this never wraps.
        local_id: i32::try_from(entry.pending).unwrap_or(0),
        mention: entry.mention,
        rank: rank_item(entry.rank),
        msgid: entry.msgid.as_deref().unwrap_or_default().into(),
        links: links_of(entry),
    }
}

/// The links in a line of someone's (none in notices), as the view's list.
fn links_of(entry: &Entry) -> ModelRc<SharedString> {
    if entry.kind == EntryKind::Notice {
        return ModelRc::default();
    }
    let found = crate::client::links::find_links(&entry.text);
    if found.is_empty() {
        return ModelRc::default();
    }
    let urls: Vec<SharedString> = found.into_iter().map(|l| l.url.into()).collect();
    ModelRc::new(VecModel::from(urls))
}

/// A rank as the view's enum.
pub(super) fn rank_item(rank: session::Rank) -> Rank {
    match rank {
        session::Rank::Member => Rank::Member,
        session::Rank::CoHost => Rank::CoHost,
        session::Rank::Owner => Rank::Owner,
        session::Rank::Teacher => Rank::Teacher,
    }
}

/// A conversation's lines: a ring buffer behind the view, so that dropping
/// the oldest of 5,000 lines costs nothing per message (`VecModel::remove(0)`
/// moved every row).
#[derive(Default)]
pub(super) struct History {
    pub(super) rows: RefCell<VecDeque<MessageItem>>,
    notify: ModelNotify,
}

impl History {
    pub(super) fn push(&self, item: MessageItem) {
        let row = {
            let mut rows = self.rows.borrow_mut();
            rows.push_back(item);
            rows.len() - 1
        };
        self.notify.row_added(row, 1);
    }

    pub(super) fn remove(&self, row: usize) {
        let removed = self.rows.borrow_mut().remove(row).is_some();
        if removed {
            self.notify.row_removed(row, 1);
        }
    }
}

impl Model for History {
    type Data = MessageItem;

    fn row_count(&self) -> usize {
        self.rows.borrow().len()
    }

    fn row_data(&self, row: usize) -> Option<MessageItem> {
        self.rows.borrow().get(row).cloned()
    }

    fn set_row_data(&self, row: usize, data: MessageItem) {
        let changed = match self.rows.borrow_mut().get_mut(row) {
            Some(slot) => {
                *slot = data;
                true
            }
            None => false,
        };
        if changed {
            self.notify.row_changed(row);
        }
    }

    fn model_tracker(&self) -> &dyn ModelTracker {
        &self.notify
    }
}

/// Names in the order people expect: digits compare as numbers
/// (学生2 before 学生10), the rest as the server folds it (case aside).
pub(super) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (fold(a), fold(b));
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let run = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        digits.push(c);
                        it.next();
                    }
                    digits
                };
                let (m, n) = (run(&mut x), run(&mut y));
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                let order = m.len().cmp(&n.len()).then_with(|| m.cmp(n));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                x.next();
                y.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_names_sort_as_numbers() {
        let mut names = vec![
            "学生10", "学生2", "Ana", "ana", "学生1", "Bob", "bob7", "bob07x", "bob12",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["Ana", "ana", "Bob", "bob7", "bob07x", "bob12", "学生1", "学生2", "学生10"]
        );
    }
}
