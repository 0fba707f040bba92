//! The translations keep up with the text: every `@tr` string in `ui/` and
//! every message in the Rust catalog (`banter::client::tr::ALL`) has a
//! translation, with the same placeholders, in each `lang/*/LC_MESSAGES/banter.po`;
//! no `.po` entry is left over; `lang/banter.pot` (the template translators
//! start from) matches the sources; and no user-visible literal in the
//! markup bypasses `@tr`.
//!
//! `BANTER_UPDATE_POT=1 cargo test --test translations` rewrites the template.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use banter::client::tr;

/// One translatable string, as gettext keys it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    context: Option<String>,
    id: String,
    plural: Option<String>,
    /// Where it occurs (files), for the template's `#:` lines.
    places: Vec<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn slint_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read ui/")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

/// Reads a Slint string literal at the start of `s` (after the opening
/// quote has been checked); returns its value and the rest after it.
fn string_literal(s: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = s[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (value, &s[i + 2..]),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => value.push('\n'),
                Some(other) => value.push(other),
                None => break,
            },
            c => value.push(c),
        }
    }
    panic!("unterminated string literal in {s:?}");
}

/// The argument of an `@tr(` whose text starts `s` (just after the
/// parenthesis): (context, msgid, plural), and the rest after the strings.
fn tr_call(s: &str) -> (Option<String>, String, Option<String>, &str) {
    let s = s.trim_start();
    assert!(s.starts_with('"'), "@tr must start with a string: {s:.40}");
    let (first, rest) = string_literal(s);
    let rest = rest.trim_start();
    let (context, id, rest) = match rest.strip_prefix("=>") {
        Some(after) => {
            let (id, rest) = string_literal(after.trim_start());
            (Some(first), id, rest.trim_start())
        }
        None => (None, first, rest),
    };
    match rest.strip_prefix('|') {
        Some(after) => {
            let (plural, rest) = string_literal(after.trim_start());
            (context, id, Some(plural), rest)
        }
        None => (context, id, None, rest),
    }
}

/// The markup with its `//` comment lines blanked, so examples in comments
/// are neither extracted nor flagged.
fn markup(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read markup");
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .expect("under the crate")
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every `@tr` string in `ui/`, in file and source order, merged by key.
fn markup_entries() -> Vec<Entry> {
    let mut files = Vec::new();
    slint_files(&root().join("ui"), &mut files);
    let mut entries: Vec<Entry> = Vec::new();
    for path in files {
        let text = markup(&path);
        let mut rest = text.as_str();
        while let Some(at) = rest.find("@tr(") {
            let (context, id, plural, after) = tr_call(&rest[at + 4..]);
            add(&mut entries, context, id, plural, relative(&path));
            rest = after;
        }
    }
    entries
}

fn rust_entries() -> Vec<Entry> {
    let mut entries = Vec::new();
    for msg in tr::ALL {
        add(
            &mut entries,
            msg.context.map(str::to_owned),
            msg.id.to_owned(),
            None,
            "src/client/tr.rs".into(),
        );
    }
    entries
}

fn add(
    entries: &mut Vec<Entry>,
    context: Option<String>,
    id: String,
    plural: Option<String>,
    place: String,
) {
    match entries
        .iter_mut()
        .find(|e| e.context == context && e.id == id)
    {
        Some(e) => {
            assert_eq!(e.plural, plural, "{id:?} is used with two plural forms");
            if !e.places.contains(&place) {
                e.places.push(place);
            }
        }
        None => entries.push(Entry {
            context,
            id,
            plural,
            places: vec![place],
        }),
    }
}

fn all_entries() -> Vec<Entry> {
    let mut entries = markup_entries();
    for e in rust_entries() {
        let place = e.places[0].clone();
        add(&mut entries, e.context, e.id, e.plural, place);
    }
    entries
}

/// The placeholders of a text, normalised: Slint's `{}` count up from 0 like
/// `{0}`, `{1}`; named ones (`{nick}`, `{n}`) stay as they are.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut next = 0;
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(stripped) = after.strip_prefix('{') {
            rest = stripped;
            continue;
        }
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if name.is_empty() {
            found.insert(next.to_string());
            next += 1;
        } else {
            found.insert(name.to_owned());
        }
        rest = &after[close + 1..];
    }
    found
}

fn translated_languages() -> Vec<tr::Language> {
    let languages: Vec<_> = tr::languages()
        .into_iter()
        .filter(|l| l.code != tr::ENGLISH)
        .collect();
    assert!(
        languages.iter().any(|l| l.code == "zh_CN"),
        "Simplified Chinese ships"
    );
    languages
}

#[test]
fn every_string_is_translated_with_the_same_placeholders() {
    let entries = all_entries();
    assert!(entries.len() > 60, "found only {} strings", entries.len());
    let mut problems = Vec::new();
    for language in translated_languages() {
        for e in &entries {
            match tr::translate(language.code, e.context.as_deref(), &e.id) {
                None => problems.push(format!("{}: no translation for {:?}", language.code, e.id)),
                Some(text) if placeholders(text) != placeholders(&e.id) => problems.push(format!(
                    "{}: {:?} has placeholders {:?}, the original {:?}",
                    language.code,
                    text,
                    placeholders(text),
                    placeholders(&e.id)
                )),
                Some(_) => {}
            }
        }
    }
    assert!(
        problems.is_empty(),
        "translations behind the sources (see README, Translations):\n{}",
        problems.join("\n")
    );
}

#[test]
fn no_translation_is_left_over() {
    let known: BTreeSet<(Option<String>, String)> = all_entries()
        .into_iter()
        .map(|e| (e.context, e.id))
        .collect();
    let mut stale = Vec::new();
    for language in translated_languages() {
        for (context, id) in tr::entries(language.code) {
            if !known.contains(&(context.map(str::to_owned), id.to_owned())) {
                stale.push(format!("{}: {id:?}", language.code));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "entries no source uses any more (msgmerge marks them obsolete):\n{}",
        stale.join("\n")
    );
}

fn po_string(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

fn template(entries: &[Entry]) -> String {
    let mut pot = String::from(
        "# Banter's user interface text: the template for lang/<locale>/LC_MESSAGES/banter.po.\n\
         # Generated by `BANTER_UPDATE_POT=1 cargo test --test translations`; do not edit.\n\
         msgid \"\"\n\
         msgstr \"\"\n\
         \"Project-Id-Version: banter\\n\"\n\
         \"MIME-Version: 1.0\\n\"\n\
         \"Content-Type: text/plain; charset=UTF-8\\n\"\n\
         \"Content-Transfer-Encoding: 8bit\\n\"\n\
         \"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n\"\n",
    );
    for e in entries {
        pot.push('\n');
        writeln!(pot, "#: {}", e.places.join(" ")).unwrap();
        if let Some(context) = &e.context {
            writeln!(pot, "msgctxt {}", po_string(context)).unwrap();
        }
        writeln!(pot, "msgid {}", po_string(&e.id)).unwrap();
        match &e.plural {
            Some(plural) => {
                writeln!(pot, "msgid_plural {}", po_string(plural)).unwrap();
                pot.push_str("msgstr[0] \"\"\nmsgstr[1] \"\"\n");
            }
            None => pot.push_str("msgstr \"\"\n"),
        }
    }
    pot
}

#[test]
fn the_template_matches_the_sources() {
    let path = root().join("lang/banter.pot");
    let want = template(&all_entries());
    if std::env::var_os("BANTER_UPDATE_POT").is_some() {
        std::fs::write(&path, &want).expect("write lang/banter.pot");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "lang/banter.pot is out of date: run `BANTER_UPDATE_POT=1 cargo test --test translations`"
    );
}

/// Properties whose text a person reads or hears.
const SHOWN: &[&str] = &[
    "text",
    "title",
    "label",
    "heading",
    "placeholder-text",
    "accessible-label",
    "accessible-description",
    "question",
    "detail",
    "ok-text",
];

/// Literals shown as they are in every language.
const UNTRANSLATED_ON_PURPOSE: &[&str] = &["Banter"];

#[test]
fn no_shown_text_bypasses_tr() {
    let mut files = Vec::new();
    slint_files(&root().join("ui"), &mut files);
    let mut bare = Vec::new();
    for path in files {
        for (n, line) in markup(&path).lines().enumerate() {
            let trimmed = line.trim_start();
            let Some((property, value)) = trimmed.split_once(':') else {
                continue;
            };
            let property = property.trim().trim_start_matches("in property <string> ");
            if !SHOWN.contains(&property) {
                continue;
            }
            // Drop the @tr calls, then look at the literals left.
            let mut rest = value;
            let mut outside = String::new();
            while let Some(at) = rest.find("@tr(") {
                outside.push_str(&rest[..at]);
                rest = tr_call(&rest[at + 4..]).3;
            }
            outside.push_str(rest);
            let mut rest = outside.as_str();
            while let Some(quote) = rest.find('"') {
                let (literal, after) = string_literal(&rest[quote..]);
                if literal.chars().any(char::is_alphabetic)
                    && !UNTRANSLATED_ON_PURPOSE.contains(&literal.as_str())
                {
                    bare.push(format!("{}:{}: {literal:?}", relative(&path), n + 1));
                }
                rest = after;
            }
        }
    }
    assert!(
        bare.is_empty(),
        "shown text without @tr:\n{}",
        bare.join("\n")
    );
}

#[test]
fn the_extractor_reads_every_form_of_tr() {
    let (c, id, p, rest) = tr_call(r#""menu" => "Open \"{}\"", x) + 1"#);
    assert_eq!(
        (c.as_deref(), id.as_str(), p),
        (Some("menu"), "Open \"{}\"", None)
    );
    assert_eq!(rest, ", x) + 1");
    let (c, id, p, _) = tr_call(r#""{n} person" | "{n} people" % n)"#);
    assert_eq!(
        (c, id.as_str(), p.as_deref()),
        (None, "{n} person", Some("{n} people"))
    );
    assert_eq!(
        placeholders("{0}, {1} unread"),
        placeholders("{}, {} unread")
    );
    assert_eq!(
        placeholders("{{literal}} {nick}"),
        BTreeSet::from(["nick".to_owned()])
    );
}
