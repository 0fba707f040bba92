//! How a server's MODE lines read: which letters are statuses (ISUPPORT
//! `PREFIX`) and which take a parameter (`CHANMODES`), so that a MODE line
//! is split into changes the way the server meant it.

use super::room::Member;

/// How the server's channel modes take parameters (ISUPPORT `PREFIX` and
/// `CHANMODES`), so that a MODE line is read the way the server meant it.
#[derive(Debug, Clone)]
pub(super) struct ModeSyntax {
    /// (mode letter, prefix symbol), highest first: `(o, @)`, `(v, +)`.
    pub(super) prefixes: Vec<(char, char)>,
    /// Type A (lists: always a parameter), B (always), C (only when set).
    lists: String,
    always: String,
    when_set: String,
}

impl Default for ModeSyntax {
    /// RFC 2812's, for servers that do not say.
    fn default() -> Self {
        ModeSyntax {
            prefixes: vec![('o', '@'), ('v', '+')],
            lists: "beI".into(),
            always: "k".into(),
            when_set: "l".into(),
        }
    }
}

impl ModeSyntax {
    /// Reads one `005` token; others are ignored.
    pub(super) fn learn(&mut self, token: &str) {
        if let Some(v) = token.strip_prefix("CHANMODES=") {
            let mut kinds = v.split(',');
            self.lists = kinds.next().unwrap_or("").into();
            self.always = kinds.next().unwrap_or("").into();
            self.when_set = kinds.next().unwrap_or("").into();
        } else if let Some(v) = token.strip_prefix("PREFIX=") {
            // `(ov)@+`
            if let Some((modes, symbols)) = v.strip_prefix('(').and_then(|r| r.split_once(')')) {
                self.prefixes = modes.chars().zip(symbols.chars()).collect();
            }
        }
    }

    pub(super) fn takes_param(&self, mode: char, adding: bool) -> bool {
        self.prefixes.iter().any(|(m, _)| *m == mode)
            || self.lists.contains(mode)
            || self.always.contains(mode)
            || (adding && self.when_set.contains(mode))
    }

    /// The server has Banter's owner mode (`+O`, shown `~`), which a
    /// room's creator may give itself.
    pub(super) fn has_owner_mode(&self) -> bool {
        self.prefixes.contains(&('O', '~'))
    }

    pub(super) fn has_quiet_list(&self) -> bool {
        self.lists.contains('q') && !self.prefixes.iter().any(|(m, _)| *m == 'q')
    }

    /// A member as a NAMES entry shows them: `nick` with the status its
    /// prefix symbols give.
    pub(super) fn member(&self, symbols: &str, nick: &str) -> Member {
        let mut member = Member::new(nick);
        for (_, symbol) in &self.prefixes {
            if symbols.contains(*symbol) {
                member.set(*symbol, true);
            }
        }
        member
    }

    /// The prefix symbols at the start of a NAMES entry.
    pub(super) fn split_prefix<'a>(&self, entry: &'a str) -> (&'a str, &'a str) {
        let end = entry
            .char_indices()
            .find(|(_, c)| !self.prefixes.iter().any(|(_, s)| s == c))
            .map_or(entry.len(), |(i, _)| i);
        entry.split_at(end)
    }
}

/// One change in a MODE line: `(adding, letter, parameter)`.
pub(super) type Change = (bool, char, Option<String>);

pub(super) fn changes(syntax: &ModeSyntax, params: &[String]) -> Vec<Change> {
    let mut out = Vec::new();
    let Some(modes) = params.first() else {
        return out;
    };
    let mut args = params[1..].iter();
    let mut adding = true;
    for c in modes.chars() {
        match c {
            '+' => adding = true,
            '-' => adding = false,
            _ => {
                let arg = if syntax.takes_param(c, adding) {
                    match args.next() {
                        Some(a) if !a.is_empty() => Some(a.clone()),
                        // A change missing its parameter means nothing.
                        _ => continue,
                    }
                } else {
                    None
                };
                out.push((adding, c, arg));
            }
        }
    }
    out
}
