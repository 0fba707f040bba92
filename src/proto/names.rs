//! Nickname and channel-name rules and case folding: the one place that decides
//! which names are valid and which two names are the same.
//!
//! Nicknames may be written in any script: letters and digits as Unicode defines
//! them, plus the IRC specials ``[]\`_^{|}-``. Two names are the same when their
//! folds are equal; the fold maps full-width ASCII forms to ASCII and then
//! lower-cases every character the Unicode way, so `Ming`, `ming` and `ｍｉｎｇ`
//! are one name while `小明` is another. This is the case-mapping step of RFC 8265
//! (PRECIS), which is why the server advertises `CASEMAPPING=rfc8265`; unlike the
//! full profile no NFC normalisation is done, which matters little because
//! combining accents are not letters and so are refused in nicknames.
//!
//! Two further rules keep anyone from passing for someone else (UTS #39,
//! Unicode's security mechanisms):
//! - a nickname may not mix scripts that no language mixes, such as Latin with
//!   Cyrillic ([`check_scripts`]);
//! - the server refuses a nickname whose [`skeleton`] equals that of a name in
//!   use, so `Ana` written with a Cyrillic `А` is not a second `Ana`.

use std::fmt;

use unicode_script::Script;
use unicode_security::mixed_script::AugmentedScriptSet;

/// The characters besides letters and digits that nicknames may contain.
pub const NICK_SPECIALS: &str = "[]\\`_^{|}-";
/// Default most characters in a nickname.
pub const DEFAULT_NICK_LEN: usize = 30;
/// Most bytes in a channel name, `#` included.
pub const CHANNEL_LEN: usize = 64;

/// The text of the `433` a server sends for a nickname whose [`skeleton`]
/// is someone else's: the client tells this case from a plain "taken" by it.
pub const LOOKALIKE_REASON: &str = "Nickname looks the same as one in use";

/// The text of the `432` a server sends for a name [`check_scripts`] refuses.
pub const MIXED_SCRIPTS_REASON: &str =
    "Nickname mixes alphabets that no language mixes, such as Latin with Cyrillic";

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    Empty,
    TooLong,
    /// Starts with a digit or `-`, which IRC reserves.
    BadStart,
    /// Contains a character that is not a letter, digit or allowed special.
    BadChar(char),
    /// A channel name that does not start with `#`.
    NotChannel,
    /// A nickname mixing scripts that no language mixes (see [`check_scripts`]).
    MixedScripts,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => write!(f, "name is empty"),
            NameError::TooLong => write!(f, "name is too long"),
            NameError::BadStart => write!(f, "name may not start with a digit or '-'"),
            NameError::BadChar(c) => write!(f, "name may not contain {c:?}"),
            NameError::NotChannel => write!(f, "channel names start with '#'"),
            NameError::MixedScripts => write!(
                f,
                "name mixes alphabets that no language mixes, such as Latin with Cyrillic"
            ),
        }
    }
}

impl std::error::Error for NameError {}

/// Checks a nickname: 1 to `max_chars` characters, letters and digits of any
/// script plus [`NICK_SPECIALS`], not starting with a digit or `-`. Whether
/// its scripts go together is [`check_scripts`]'s to say: a server asks that
/// after whether the name looks like one in use, which is the better reason.
pub fn validate_nick(nick: &str, max_chars: usize) -> Result<(), NameError> {
    let first = nick.chars().next().ok_or(NameError::Empty)?;
    if nick.chars().count() > max_chars {
        return Err(NameError::TooLong);
    }
    if first.is_numeric() || first == '-' {
        return Err(NameError::BadStart);
    }
    match nick
        .chars()
        .find(|&c| !(c.is_alphanumeric() || NICK_SPECIALS.contains(c)))
    {
        Some(c) => Err(NameError::BadChar(c)),
        None => Ok(()),
    }
}

/// Checks that a name's letters could all come from one language's writing:
/// UTS #39's "Moderately Restrictive" level (section 5.2). Digits and
/// punctuation belong to every script; beyond that a name is
/// 1. of one script (Chinese with Bopomofo, Japanese and Korean count as one
///    each: `田中さん`, `Мария`, `محمد`), or
/// 2. Latin with Chinese, Japanese or Korean (`Ming小明`), or
/// 3. Latin with one other script in common use that is not Cyrillic or Greek,
///    the two whose letters pass for Latin ones (`Ravi_रवि`).
///
/// So `Аna` with a Cyrillic `А` is refused. Unlike the crate's own
/// restriction level, characters outside UTS #39's identifier profile (the
/// IRC specials among them) do not fail the check: which characters may be
/// used is [`validate_nick`]'s business.
pub fn check_scripts(name: &str) -> Result<(), NameError> {
    let mut all = AugmentedScriptSet::default();
    let mut but_latin = AugmentedScriptSet::default();
    for c in name.chars() {
        let set = AugmentedScriptSet::for_char(c);
        all.intersect_with(set);
        if !set.base.contains_script(Script::Latin) {
            but_latin.intersect_with(set);
        }
    }
    if !all.is_empty() || but_latin.hanb || but_latin.jpan || but_latin.kore {
        return Ok(());
    }
    let mut others = but_latin.base.iter();
    match (others.next(), others.next()) {
        (Some(s), None) if s.is_recommended() && s != Script::Cyrillic && s != Script::Greek => {
            Ok(())
        }
        _ => Err(NameError::MixedScripts),
    }
}

/// The confusable skeleton of a nickname, as ergo computes it: full-width
/// forms narrowed, each character replaced by the one UTS #39 says it is
/// confused with (section 4), then case-folded. Names that read alike have
/// equal skeletons: `Ana` with a Latin or a Cyrillic `А`, `Bill` and `BiII`,
/// `Bob` and `B0b`. A key for comparing, never for showing (`m` becomes `rn`).
pub fn skeleton(nick: &str) -> String {
    let narrow: String = nick.chars().map(narrow).collect();
    fold(&unicode_security::skeleton(&narrow).collect::<String>())
}

/// Full-width ASCII variants (U+FF01..U+FF5E) sit 0xFEE0 above ASCII.
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Checks a channel name: `#` then 1 or more characters, at most
/// [`CHANNEL_LEN`] bytes, without spaces, commas, colons, control characters
/// or invisible formatting: bidirectional overrides and isolates (U+202A to
/// U+202E, U+2066 to U+2069), which make a name read backwards, and
/// zero-width characters, which make two names look the same.
pub fn validate_channel(name: &str) -> Result<(), NameError> {
    let rest = name.strip_prefix('#').ok_or(NameError::NotChannel)?;
    if rest.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > CHANNEL_LEN {
        return Err(NameError::TooLong);
    }
    match rest
        .chars()
        .find(|&c| c == ' ' || c == ',' || c == ':' || c.is_control() || is_invisible_format(c))
    {
        Some(c) => Err(NameError::BadChar(c)),
        None => Ok(()),
    }
}

/// Bidirectional controls and zero-width characters: nothing to see, but
/// they change how a name reads or make two names look alike.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// Whether a target names a channel rather than a user.
pub fn is_channel(target: &str) -> bool {
    target.starts_with('#')
}

/// A room name as a person types it, `lobby` or `#lobby`: with the `#`
/// added when it is missing (and not checked: see [`validate_channel`]).
pub fn room_name(typed: &str) -> String {
    if is_channel(typed) {
        typed.to_owned()
    } else {
        format!("#{typed}")
    }
}

/// The case-folded form of a nickname or channel name (see the module doc).
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().map(narrow) {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// ASCII-only folding (`CASEMAPPING=ascii`).
pub fn fold_ascii(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// `CASEMAPPING=rfc1459`: ASCII, and `[]\~` are the capitals of `{}|^`.
pub fn fold_rfc1459(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '[' => '{',
            ']' => '}',
            '\\' => '|',
            '~' => '^',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// `CASEMAPPING=strict-rfc1459`: as rfc1459 without `~`/`^`.
pub fn fold_strict_rfc1459(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '[' => '{',
            ']' => '}',
            '\\' => '|',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The folding a server's `CASEMAPPING` token names; Banter's own
/// ([`fold`]) for `rfc8265` and anything unknown.
pub fn casemapping(token: &str) -> fn(&str) -> String {
    match token.to_ascii_lowercase().as_str() {
        "ascii" => fold_ascii,
        "rfc1459" => fold_rfc1459,
        "strict-rfc1459" => fold_strict_rfc1459,
        _ => fold,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_nicks_of_any_script() {
        for nick in [
            "Ming",
            "小明",
            "Zoë",
            "Ярослав",
            "アキラ",
            "ming_2",
            "[away]",
            "a-b",
            "x^y|z`",
        ] {
            assert_eq!(validate_nick(nick, 30), Ok(()), "{nick}");
        }
    }

    #[test]
    fn refuses_bad_nicks() {
        assert_eq!(validate_nick("", 30), Err(NameError::Empty));
        assert_eq!(validate_nick("9lives", 30), Err(NameError::BadStart));
        assert_eq!(validate_nick("-dash", 30), Err(NameError::BadStart));
        assert_eq!(validate_nick("a b", 30), Err(NameError::BadChar(' ')));
        assert_eq!(validate_nick("a,b", 30), Err(NameError::BadChar(',')));
        assert_eq!(validate_nick("a!b", 30), Err(NameError::BadChar('!')));
        assert_eq!(validate_nick("a@b", 30), Err(NameError::BadChar('@')));
        assert_eq!(validate_nick("#chan", 30), Err(NameError::BadChar('#')));
        assert_eq!(validate_nick(":x", 30), Err(NameError::BadChar(':')));
        assert_eq!(
            validate_nick("e\u{301}", 30),
            Err(NameError::BadChar('\u{301}'))
        );
        assert_eq!(validate_nick("a😀", 30), Err(NameError::BadChar('😀')));
        // The limit counts characters, not bytes.
        assert_eq!(validate_nick(&"明".repeat(30), 30), Ok(()));
        assert_eq!(validate_nick(&"明".repeat(31), 30), Err(NameError::TooLong));
    }

    #[test]
    fn folds_the_way_people_expect() {
        assert_eq!(fold("Ming"), fold("ming"));
        assert_eq!(fold("MING"), fold("ｍｉｎｇ"));
        assert_eq!(fold("ZOË"), fold("zoë"));
        assert_eq!(fold("ЯРОСЛАВ"), fold("ярослав"));
        assert_ne!(fold("小明"), fold("Ming"));
        assert_eq!(fold("小明"), "小明");
        // ASCII specials are not folded into each other (unlike rfc1459).
        assert_ne!(fold("a[b"), fold("a{b"));
        assert_eq!(fold("#Lobby"), "#lobby");
    }

    #[test]
    fn names_of_one_language_pass_the_script_check() {
        for nick in [
            "Ana",
            "bob_2",
            "小明",
            "学生10",
            "Ming小明",
            "Мария",
            "Ελένη",
            "محمد",
            "アキラ",
            "田中さん",
            "김민수",
            "Ravi_रवि",
            "x^y|z`",
            "ｍｉｎｇ",
        ] {
            assert_eq!(check_scripts(nick), Ok(()), "{nick}");
        }
    }

    #[test]
    fn names_mixing_look_alike_scripts_are_refused() {
        // Cyrillic А, а and о among Latin letters; Greek with Latin.
        for nick in [
            "\u{410}na",
            "\u{410}n\u{430}",
            "J\u{43E}hn",
            "Ελena",
            "Мария小明",
        ] {
            assert_eq!(check_scripts(nick), Err(NameError::MixedScripts), "{nick}");
            // Letters all, so well-formed otherwise.
            assert_eq!(validate_nick(nick, 30), Ok(()));
        }
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        let ana = skeleton("Ana");
        for same in ["\u{410}na", "ana", "ANA", "\u{410}n\u{430}", "Ａｎａ"] {
            assert_eq!(skeleton(same), ana, "{same}");
        }
        assert_eq!(skeleton("Bill"), skeleton("BiII"));
        assert_eq!(skeleton("Bob"), skeleton("B0b"));
        assert_ne!(skeleton("Ana"), skeleton("Anna"));
        assert_ne!(skeleton("小明"), skeleton("小朋"));
        assert_eq!(skeleton("小明"), "小明");
        // Whole words of another script too: Cyrillic ВОВ reads as BOB.
        assert_eq!(skeleton("\u{412}\u{41E}\u{412}"), skeleton("BOB"));
    }

    #[test]
    fn channel_names() {
        assert_eq!(validate_channel("#lobby"), Ok(()));
        assert_eq!(validate_channel("#中文"), Ok(()));
        assert_eq!(validate_channel("lobby"), Err(NameError::NotChannel));
        assert_eq!(validate_channel("#"), Err(NameError::Empty));
        assert_eq!(validate_channel("#a,b"), Err(NameError::BadChar(',')));
        assert_eq!(validate_channel("#a\x07"), Err(NameError::BadChar('\x07')));
        // Reads as "#abc" after a right-to-left override; looks like "#ab".
        assert_eq!(
            validate_channel("#cba\u{202E}"),
            Err(NameError::BadChar('\u{202E}'))
        );
        assert_eq!(
            validate_channel("#a\u{200B}b"),
            Err(NameError::BadChar('\u{200B}'))
        );
        assert_eq!(
            validate_channel(&format!("#{}", "x".repeat(64))),
            Err(NameError::TooLong)
        );
        assert!(is_channel("#x") && !is_channel("x"));
    }

    #[test]
    fn server_casemappings() {
        assert_eq!(casemapping("rfc1459")("[Bob]~"), "{bob}^");
        assert_eq!(casemapping("strict-rfc1459")("[Bob]~"), "{bob}~");
        assert_eq!(casemapping("ascii")("[ZOË]"), "[zoË]");
        assert_eq!(casemapping("rfc8265")("ZOË"), "zoë");
        assert_eq!(casemapping("unheard-of")("ZOË"), "zoë");
    }

    #[test]
    fn a_typed_room_name_gets_its_hash_once() {
        assert_eq!(room_name("lobby"), "#lobby");
        assert_eq!(room_name("#lobby"), "#lobby");
        assert_eq!(room_name("教室"), "#教室");
    }
}
