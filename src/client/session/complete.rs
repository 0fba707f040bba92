//! Tab completion of names in the message box: the word before the end of
//! the text is completed from the people in the open conversation, in the
//! server's case rules (so CJK names, which are slow to type, complete from
//! their first character); Tab again goes to the next name.

use super::Session;

/// What a Tab produced, kept so that the next Tab can go on to the next name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The box's text after the completion.
    pub text: String,
    /// The text before the completed word.
    base: String,
    /// The names that fit, in order, and which one is shown.
    names: Vec<String>,
    index: usize,
}

impl Session {
    /// Completes the last word of `text` with a name from the open
    /// conversation; `previous` is the last completion, continued when the
    /// text is still what it produced. `None` when nothing fits.
    pub fn complete(&self, text: &str, previous: Option<&Completion>) -> Option<Completion> {
        if let Some(p) = previous.filter(|p| p.text == text && p.names.len() > 1) {
            let index = (p.index + 1) % p.names.len();
            return Some(Completion {
                text: filled(&p.base, &p.names[index]),
                index,
                ..p.clone()
            });
        }
        let start = text
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let (base, word) = text.split_at(start);
        let word = word.strip_prefix('@').unwrap_or(word);
        if word.is_empty() {
            return None;
        }
        let prefix = (self.casemap)(word);
        let conv = self.active()?;
        let mut names: Vec<String> = if conv.private {
            vec![conv.name.clone()]
        } else {
            conv.members
                .values()
                .map(|m| m.nick.clone())
                .filter(|n| !self.is_me(n))
                .collect()
        };
        names.retain(|n| (self.casemap)(n).starts_with(&prefix));
        names.sort_by_key(|n| (self.casemap)(n));
        let first = names.first()?;
        Some(Completion {
            text: filled(base, first),
            base: base.to_owned(),
            names,
            index: 0,
        })
    }
}

/// `base` and `name`: "name: " at the start of a line (an address), "name "
/// inside one.
fn filled(base: &str, name: &str) -> String {
    if base.trim().is_empty() {
        format!("{base}{name}: ")
    } else {
        format!("{base}{name} ")
    }
}

#[cfg(test)]
mod tests {
    use crate::client::session::Session;
    use crate::proto::Message;

    fn session() -> Session {
        let mut s = Session::new("me", None, vec!["#lobby".into()]);
        s.on_connected();
        for l in [
            ":srv 001 me :Welcome",
            ":me!u@h JOIN #lobby",
            ":srv 353 me = #lobby :me @小明 小红 Ming mingyu alice",
            ":srv 366 me #lobby :End",
        ] {
            s.on_message(&Message::parse(l.as_bytes()).unwrap(), 0);
        }
        s
    }

    #[test]
    fn names_complete_from_their_first_letters_and_tab_goes_on() {
        let s = session();
        let c = s.complete("小", None).unwrap();
        assert_eq!(c.text, "小明: ");
        let c = s.complete(&c.text.clone(), Some(&c)).unwrap();
        assert_eq!(c.text, "小红: ", "Tab again: the next name");
        let c = s.complete(&c.text.clone(), Some(&c)).unwrap();
        assert_eq!(c.text, "小明: ", "and round again");
        // Inside a line, case ignored, an @ allowed; never yourself.
        assert_eq!(s.complete("thanks MIN", None).unwrap().text, "thanks Ming ");
        assert_eq!(s.complete("hi @al", None).unwrap().text, "hi alice ");
        assert!(s
            .complete("m", None)
            .is_some_and(|c| !c.text.starts_with("me")));
        assert!(s.complete("nobody", None).is_none());
        assert!(s.complete("ends with a space ", None).is_none());
        // Edited since: a new completion, not the next name.
        let c = s.complete("Min", None).unwrap();
        assert_eq!(
            s.complete("Ming: and mi", Some(&c)).unwrap().text,
            "Ming: and Ming "
        );
    }
}
