//! Translations of the text the client builds in Rust (errors, banners,
//! notices, `/help`), and the choice of language for the whole client.
//!
//! Contract:
//! 1. Every string Rust shows on screen is a [`Msg`] in the catalog below;
//!    [`ALL`] lists them, so a test can check that each shipped language
//!    translates each one.
//! 2. The translations come from the same `lang/<locale>/LC_MESSAGES/banter.po`
//!    files as the markup's `@tr` strings: `build.rs` compiles them into a
//!    table, so the executable needs no files beside it.
//! 3. Arguments are named placeholders (`{nick}`), filled after translating,
//!    so a translation may put them in any order. A missing translation, or
//!    an unknown language, falls back to English without complaint.
//! 4. The language is process-wide: the worker thread's texts follow it too.

use std::fmt::{self, Display};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Per shipped locale (sorted), its translated entries sorted by key:
/// `msgid`, or `msgctxt` U+0004 `msgid`.
static CATALOGS: &[(&str, &[(&str, &str)])] = include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// The source language, which needs no catalog.
pub const ENGLISH: &str = "en";

/// Index into [`languages`]; 0 is English.
static CURRENT: AtomicUsize = AtomicUsize::new(0);

/// A message in English (its gettext `msgid`), with an optional context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg {
    pub context: Option<&'static str>,
    pub id: &'static str,
}

impl Msg {
    /// The message in the current language.
    pub fn text(self) -> &'static str {
        lookup(CURRENT.load(Ordering::Relaxed), self).unwrap_or(self.id)
    }

    /// The message in the current language with its placeholders filled:
    /// `JOINED.fill(&[("nick", &who)])`.
    pub fn fill(self, args: &[(&str, &dyn Display)]) -> String {
        fill(self.text(), args)
    }
}

impl Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// Replaces each `{name}` in `template` with its argument; unknown names stay.
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let arg = after
            .find('}')
            .and_then(|close| Some((close, args.iter().find(|(n, _)| *n == &after[..close])?)));
        match arg {
            Some((close, (_, value))) => {
                out.push_str(&value.to_string());
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Declares the catalog: one constant per message (`NAME = "text";`, or
/// `NAME = "text" in "context";`), and [`ALL`].
macro_rules! catalog {
    ($($(#[$doc:meta])* $name:ident = $id:literal $(in $context:literal)?;)*) => {
        $(
            $(#[$doc])*
            pub const $name: Msg = Msg { context: catalog!(@context $($context)?), id: $id };
        )*
        /// Every message in the catalog.
        pub const ALL: &[Msg] = &[$($name),*];
    };
    (@context) => { None };
    (@context $context:literal) => { Some($context) };
}

catalog! {
    /// The name of a translation's language, in that language ("简体中文"):
    /// what the language selector lists.
    LANGUAGE_NAME = "English" in "language name";

    // The login form (src/client/app/, session.rs).
    TYPE_A_NAME = "Type a name first.";
    /// `reason` is one of the NAME_* texts below, or the server's words.
    BAD_NAME = "“{nick}” cannot be used as a name: {reason}";
    NAME_TOO_LONG = "it is too long";
    NAME_BAD_START = "it may not start with a digit or “-”";
    NAME_BAD_CHAR = "it may not contain “{char}”";
    NAME_MIXED_SCRIPTS = "it mixes alphabets that no language mixes, such as Latin with Cyrillic";
    NICK_TAKEN = "The name “{nick}” is taken, try another.";
    /// A name that reads the same as someone's here (`Аna` with a Cyrillic А).
    NICK_LOOKALIKE = "The name “{nick}” looks the same as someone else’s here, try another.";
    BAD_PASSWORD = "Wrong password for this server.";
    REFUSED = "The server refused the connection: {reason}";
    NOT_A_PORT = "“{port}” is not a port number";
    CANNOT_HOST = "Could not host a room: {error}. Try another port in the address field.";
    /// `reason` is one of the connection texts below (the worker's).
    CANNOT_CONNECT = "Could not connect: {reason}.";
    DISCONNECTED = "Disconnected: {reason}";

    // Why a connection failed or ended (src/client/worker.rs).
    CANNOT_FIND = "cannot find {address}";
    CANNOT_FIND_BECAUSE = "cannot find {address}: {error}";
    NOTHING_LISTENING = "nothing is listening at {address} (is the server running?)";
    NO_ANSWER = "{address} did not answer";
    CANNOT_REACH = "cannot reach {address}: {error}";
    CANNOT_SET_UP = "cannot set up the connection";
    SERVER_CLOSED = "the server closed the connection";
    CONNECTION_ERROR = "connection error: {error}";
    OVERLONG_LINE = "the server sent an over-long line";

    // Addresses typed or given on the command line (src/client/tls.rs).
    ADDRESS_SCHEME = "{address}: only irc:// and ircs:// addresses are understood";
    ADDRESS_BAD_PORT = "{address}: the port must be a number from 1 to 65535";
    ADDRESS_NO_BRACKET = "{address}: an IPv6 address in [ ] is missing its “]”";
    ADDRESS_NO_HOST = "{address}: the server's name or address is missing";
    LINK_NOT_IRC = "{link}: a chat link looks like irc://host:port/#room (or ircs:// for a secure one)";
    LINK_BAD_ROOM = "{link}: “{room}” cannot be a room's name";

    // Secure connections (src/client/tls.rs, src/client/worker.rs).
    /// The warning that matters most: keep it plain and firm.
    CERT_CHANGED = "The server's certificate has changed since you last connected to {server}. If the host did not change it, someone may be intercepting the connection: do not go on. If the host did make a new one, check its fingerprint with them ({presented}; it was {pinned}) and remove the line for {server} from {file} to trust it";
    CERT_CANNOT_CHECK = "cannot check the server's certificate: {error}";
    TLS_CANNOT_START = "cannot start a secure connection: {error}";
    TLS_BAD_NAME = "{host} is not a valid server name";
    TLS_NOT_TLS = "{server} did not answer securely (is that a plain IRC port? then use irc:// instead of ircs://)";
    TLS_BAD_CERTIFICATE = "the certificate of {server} is not valid: {error}";
    TLS_FAILED = "the secure connection to {server} failed: {error}";
    TLS_NO_HANDSHAKE = "{server} accepted the connection but never finished setting up the secure connection";
    TLS_ERROR = "the secure connection broke: {error}";
    PINS_TOO_BIG = "{file} is larger than 1 MiB; is it the right file?";
    PINS_CANNOT_READ = "cannot read {file}: {error}";
    PINS_CANNOT_WRITE = "cannot write {file}: {error}";

    // The chat window (src/client/app/, ui/).
    /// The window's title: the open conversation, then whose window it is
    /// (several on one screen, a teacher's and a student's, stay apart).
    CHAT_TITLE = "{conversation} — {nick} · Banter";
    PRIVATE_CHAT_WITH = "Private chat with {nick}";
    HOSTING_ON_PORT = "You are hosting this room on port {port}.";
    HOSTING_JOIN_AT = "You are hosting. Others join at: {addresses}";
    CONNECTION_LOST = "Connection lost: {reason}";
    RECONNECTING = "Connection lost. Reconnecting in {seconds} s (attempt {attempt})… Your conversations are kept.";

    // Notices in the history (src/client/session.rs).
    RECONNECTED = "Reconnected.";
    YOU_JOINED = "You joined {room}.";
    YOU_ARE_BACK = "You are back in {room}.";
    JOINED = "{nick} joined";
    LEFT = "{nick} left";
    LEFT_BECAUSE = "{nick} left ({reason})";
    REMOVED = "{nick} was removed by {by} ({reason})";
    QUIT = "{nick} left the chat";
    QUIT_BECAUSE = "{nick} left the chat ({reason})";
    YOU_ARE_NOW = "You are now known as {nick}";
    NOW_KNOWN_AS = "{old} is now known as {new}";
    TOPIC_IS = "Topic: {topic}";
    TOPIC_SET = "{nick} pinned a notice: {topic}";
    TOPIC_CLEARED = "{nick} removed the pinned notice";
    NO_TOPIC = "No topic is set.";
    SERVER_SAYS = "Server: {text}";

    // Typed lines that cannot be sent (src/client/input.rs, session.rs).
    NOTHING_TO_SEND = "Nothing to send";
    UNKNOWN_COMMAND = "Unknown command /{command}; type /help for the list";
    /// `usage` is one of the USAGE_* texts.
    USAGE = "Usage: {usage}";
    USAGE_ME = "/me <action>";
    USAGE_MSG = "/msg <name> <text>";
    USAGE_NICK = "/nick <new name>";
    USAGE_JOIN = "/join <room>";
    USAGE_INVITE = "/invite <name>";
    INVITE_FROM_A_ROOM = "Open the room to let someone into, then type /invite <name>.";
    YOU_INVITED = "You let {nick} into {room}: they can join now, even while it is locked.";
    INVITED_YOU = "{by} invites you to {room}.";
    NOT_CONNECTED = "Not connected right now: your text is kept, send it again when the connection is back.";
    QUEUED = "Not connected: “{text}” will be sent when the connection is back.";
    TOO_MANY_QUEUED = "Not connected, and too many lines are already waiting: your text is kept.";
    TOO_MUCH_AT_ONCE = "That is too much to send at once while earlier lines are still going out: your text is kept, send it in a moment or in smaller parts.";
    WHILE_AWAY = "While you were away:";
    FOUND_ROOM_DETAIL = "{count} here · {address}";
    SAVED_TO = "Saved to {path}";
    STOPPED_ANSWERING = "the server stopped answering";
    CANNOT_SAVE = "Could not save the conversation: {error}";
    /// No save dialog could open (Linux without the desktop portal).
    SAVED_WITHOUT_DIALOG = "No save dialog could open here, so the conversation was saved to {path}";
    NO_SAVE_DIALOG = "no save dialog can open on this computer";
    TEXT_FILES = "Text";
    CANNOT_OPEN_LINK = "Could not open the link: {error}";
    WEB_PAGES = "Web page";
    FOUND_ROOM_LOCKED = "{count} here · {address} · password needed";
    /// Who hosts a room found on the network, before its FOUND_ROOM_DETAIL.
    FOUND_ROOM_HOST = "hosted by {host}";
    MSG_IS_FOR_PEOPLE = "Use /join to talk in a room; /msg is for one person.";
    NOTHING_TO_LEAVE = "There is no conversation to leave.";
    TOPICS_ARE_FOR_ROOMS = "Topics belong to rooms.";
    JOIN_A_ROOM_FIRST = "Join a room first: /join #lobby";
    // Host controls and what members see of them (src/client/session/room.rs).
    ONLY_HOSTS_TALK_IN = "Only hosts can talk in {room} right now.";
    YOU_ARE_MUTED = "A host has muted you in {room}.";
    ONLY_HOSTS_CAN = "Only a host of this room can do that.";
    CANNOT_MUTE_ONE = "This server cannot mute one person: mute everyone, then let the others talk.";
    DEFAULT_REMOVE_REASON = "Removed by a host";
    DEFAULT_BAN_REASON = "Banned by a host";
    BAD_ROOM_PASSWORD = "A room password is one word, without spaces or commas.";
    YOU_WERE_REMOVED = "{by} removed you from {room} ({reason}).";
    NOT_SENT_TEXT = "Not sent: “{text}”. {reason}";
    NOT_SENT = "Not sent. {reason}";
    MADE_HOST = "{by} made {nick} a host";
    NO_LONGER_HOST = "{nick} is no longer a host ({by})";
    MAY_TALK = "{by} let {nick} talk";
    MAY_NOT_TALK = "{by} took {nick}'s voice";
    MUTED_BY = "{by} muted {mask}";
    UNMUTED_BY = "{by} unmuted {mask}";
    BANNED_BY = "{by} banned {mask}";
    UNBANNED_BY = "{by} lifted the ban on {mask}";
    MUTED_EVERYONE = "{by} muted everyone: only hosts can talk now";
    UNMUTED_EVERYONE = "{by} let everyone talk again";
    LOCKED = "{by} locked the room: only invited people can join";
    UNLOCKED = "{by} unlocked the room";
    PASSWORD_SET = "{by} set a room password";
    PASSWORD_REMOVED = "{by} removed the room password";
    MODE_CHANGED = "{by} changed the room settings: {change}";
    CONFIRM_REMOVE = "Remove {nick} from the room?";
    CONFIRM_BAN = "Ban {nick} from the room?";
    REMOVE_BUTTON = "Remove";
    BAN_BUTTON = "Ban";
    /// A ban keeps out the computer, not the name.
    BAN_DETAIL = "{nick} will not get back in, even under another name.";
    /// Others behind the same address (a school's router) are kept out too.
    BAN_SHARED = "Others here connect from the same address ({names}): they will be kept out too.";
    REASON_IS = "Reason: {reason}";
    /// What stays where a deleted message was.
    MESSAGE_DELETED_BY = "Message deleted by {by}";
    PRIVATE_HOSTS_BY = "{by} limited private messages: only with the room's hosts";
    PRIVATE_OFF_BY = "{by} turned private messages off (hosts may still write to you)";
    PRIVATE_ANYONE_BY = "{by} let everyone write private messages again";
    PRIVATE_REFUSED_OFF = "Private messages are turned off in this class.";
    PRIVATE_REFUSED_HOSTS = "In this class you can write privately only to the teacher and the co-hosts.";
    NO_NEW_ROOMS_NOW = "While private messages are limited, you cannot open rooms of your own.";
    OWNER_NOW = "{nick} is now this room's owner";
    OWNER_NO_MORE = "{nick} is no longer this room's owner ({by})";

    // What the server refused, in plain words (src/client/session/refusals.rs).
    ROOM_LOCKED = "{room} is locked. Ask the teacher to let you in.";
    ROOM_FULL = "{room} is full. Ask the teacher to make room for you.";
    ROOM_BANNED = "You are banned from {room}.";
    ROOM_NEEDS_PASSWORD = "{room} needs a room password. Ask the teacher for it.";
    OWNER_IS_PROTECTED = "Only the room's owner (the teacher) or a server operator can do that to the owner.";
    ONLY_HOSTS_OF = "Only a host of {room} can do that.";
    NOBODY_CALLED = "Nobody called {nick} is here now.";
    NO_SUCH_ROOM = "There is no room called {room}.";
    NOT_IN_ROOM = "You are not in {room}.";
    THEY_ARE_NOT_IN = "{nick} is not in {room}.";
    ALREADY_IN = "{nick} is already in {room}.";
    TOO_MANY_ROOMS = "You are in too many rooms: leave one first.";
    NO_RENAME_WHILE_BANNED = "You cannot change your name while you are banned from a room you are in.";
    SERVER_UNKNOWN_COMMAND = "The server does not know the command {command}.";
    BAD_ROOM_NAME = "{room} cannot be used as a room name: {reason}";
    CERTIFICATE_PINNED = "First visit to {server}: its certificate is now remembered (SHA-256 {fingerprint}). It should match the one the host's server printed; a changed one will be refused.";
    /// Who made a change the server made itself: "{by} made Ming a host".
    THE_SERVER = "The server";
    SETTINGS_UNREADABLE = "Your saved settings could not be used ({reason}); the client starts with its defaults and saves new ones when you leave.";
    HOST_LOGIN_OK = "You are logged in as a host of this server.";
    HOST_LOGIN_FAILED = "The host name or password is wrong.";
    HOST_LOGIN_EMPTY = "Type the host name and password the server was started with.";
    HELP = "Commands: /msg <name> <text> (private message), /me <action>, /nick <new name>, /join <room>, /invite <name> (let someone into a locked room), /part [reason], /topic [text], /quit [reason]. Type exit to leave. Start a message with // to send a line beginning with /.";
}

fn catalog(language: usize) -> Option<&'static [(&'static str, &'static str)]> {
    CATALOGS
        .get(language.checked_sub(1)?)
        .map(|(_, entries)| *entries)
}

fn lookup(language: usize, msg: Msg) -> Option<&'static str> {
    lookup_key(language, msg.context, msg.id)
}

fn lookup_key(language: usize, context: Option<&str>, id: &str) -> Option<&'static str> {
    let entries = catalog(language)?;
    let key = match context {
        Some(context) => std::borrow::Cow::Owned(format!("{context}\u{4}{id}")),
        None => std::borrow::Cow::Borrowed(id),
    };
    let i = entries
        .binary_search_by(|(k, _)| (*k).cmp(key.as_ref()))
        .ok()?;
    Some(entries[i].1)
}

/// A language the client can be shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// `en`, or the translation's folder name under `lang/` (`zh_CN`):
    /// what [`set_language`] takes and a setting would store.
    pub code: &'static str,
    /// The language's name in itself, for the selector.
    pub name: &'static str,
}

/// English, then every shipped translation.
pub fn languages() -> Vec<Language> {
    let english = Language {
        code: ENGLISH,
        name: LANGUAGE_NAME.id,
    };
    let translated = CATALOGS.iter().enumerate().map(|(i, (code, _))| Language {
        code,
        name: lookup(i + 1, LANGUAGE_NAME).unwrap_or(code),
    });
    std::iter::once(english).chain(translated).collect()
}

/// Where `code` is in [`languages`], without building the list: texts are
/// looked up on every line shown.
fn index_of(code: &str) -> Option<usize> {
    if code == ENGLISH {
        return Some(0);
    }
    CATALOGS.iter().position(|(c, _)| *c == code).map(|i| i + 1)
}

/// Switches the Rust-side texts to `code` (see [`Language::code`]); an
/// unknown code selects English. The markup is switched by the UI adapter.
pub fn set_language(code: &str) {
    CURRENT.store(index_of(code).unwrap_or(0), Ordering::Relaxed);
}

/// The code of the current language.
pub fn language() -> &'static str {
    match CURRENT.load(Ordering::Relaxed).checked_sub(1) {
        Some(i) => CATALOGS.get(i).map_or(ENGLISH, |(code, _)| code),
        None => ENGLISH,
    }
}

/// `msg` in language `code`, if that language translates it.
pub fn translation(code: &str, msg: Msg) -> Option<&'static str> {
    translate(code, msg.context, msg.id)
}

/// Any entry of language `code`'s catalog, the markup's included (a plural
/// entry gives its first form), if translated.
pub fn translate(code: &str, context: Option<&str>, id: &str) -> Option<&'static str> {
    lookup_key(index_of(code)?, context, id)
}

/// Every translated entry of language `code`, as (context, msgid) pairs.
pub fn entries(code: &str) -> Vec<(Option<&'static str>, &'static str)> {
    catalog(index_of(code).unwrap_or(0))
        .unwrap_or_default()
        .iter()
        .map(|(key, _)| match key.split_once('\u{4}') {
            Some((context, id)) => (Some(context), id),
            None => (None, *key),
        })
        .collect()
}

/// The shipped language for a locale name as systems spell it (`zh_CN.UTF-8`,
/// `zh-Hant-HK`, `fr_FR`, `C`), or `None` when there is no translation.
///
/// Chinese is matched by script: Traditional for `Hant` and for Taiwan, Hong
/// Kong and Macau; Simplified otherwise. Other languages match on the region,
/// then on the language alone.
pub fn match_locale(locale: &str) -> Option<&'static str> {
    let locale = locale.split(['.', '@']).next().unwrap_or("");
    let mut parts = locale.split(['_', '-']).filter(|p| !p.is_empty());
    let lang = parts.next()?.to_ascii_lowercase();
    let (mut script, mut region) = (None, None);
    for part in parts {
        if part.len() == 4 && part.chars().all(|c| c.is_ascii_alphabetic()) {
            script = Some(part.to_ascii_lowercase());
        } else if part.len() == 2 || part.len() == 3 {
            region.get_or_insert(part.to_ascii_uppercase());
        }
    }
    if lang == "en" {
        return Some(ENGLISH);
    }
    let shipped = languages();
    let find = |code: &str| shipped.iter().find(|l| l.code == code).map(|l| l.code);
    let mut wanted = Vec::new();
    if lang == "zh" {
        let traditional = match script.as_deref() {
            Some("hant") => true,
            Some(_) => false,
            None => matches!(region.as_deref(), Some("TW" | "HK" | "MO")),
        };
        let same_script: &[&str] = if traditional {
            &["TW", "HK", "MO"]
        } else {
            &["CN", "SG", "MY"]
        };
        if let Some(r) = region.as_deref().filter(|r| same_script.contains(r)) {
            wanted.push(format!("zh_{r}"));
        }
        wanted.extend(same_script.iter().map(|r| format!("zh_{r}")));
        wanted.push("zh".into());
    } else {
        if let Some(r) = &region {
            wanted.push(format!("{lang}_{r}"));
        }
        wanted.push(lang.clone());
    }
    if let Some(code) = wanted.iter().find_map(|w| find(w)) {
        return Some(code);
    }
    // Another variant of the language beats English (zh_TW for a zh_CN reader).
    let prefix = format!("{lang}_");
    shipped
        .iter()
        .find(|l| l.code.starts_with(&prefix))
        .map(|l| l.code)
}

/// The language to start in: `BANTER_LANG` if set (for testing), else the
/// first of the system's preferred languages that is English or translated,
/// else English.
#[cfg(feature = "gui")]
pub fn initial_language(forced: Option<&str>) -> &'static str {
    if let Some(forced) = forced {
        return match_locale(forced).unwrap_or(ENGLISH);
    }
    sys_locale::get_locales()
        .find_map(|l| match_locale(&l))
        .unwrap_or(ENGLISH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_named_placeholders_in_any_order() {
        let (a, b) = ("Ming", "Alex");
        assert_eq!(
            fill("{old} is now {new}", &[("new", &b), ("old", &a)]),
            "Ming is now Alex"
        );
        assert_eq!(
            fill("{new} ← {old}", &[("new", &b), ("old", &a)]),
            "Alex ← Ming"
        );
        assert_eq!(fill("{x} {y", &[("y", &1)]), "{x} {y");
        assert_eq!(fill("{n} s", &[("n", &3)]), "3 s");
    }

    #[test]
    fn locales_pick_the_right_translation() {
        let cases = [
            ("zh_CN.UTF-8", Some("zh_CN")),
            ("zh-CN", Some("zh_CN")),
            ("zh", Some("zh_CN")),
            ("zh_SG", Some("zh_CN")),
            ("zh-Hans", Some("zh_CN")),
            ("zh-Hans-HK", Some("zh_CN")),
            ("zh_TW.UTF-8", Some("zh_TW")),
            ("zh-HK", Some("zh_TW")),
            ("zh_HK.Big5HKSCS", Some("zh_TW")),
            ("zh-Hant", Some("zh_TW")),
            ("zh-Hant-HK", Some("zh_TW")),
            ("en_US.UTF-8", Some("en")),
            ("en", Some("en")),
            ("fr_FR.UTF-8", None),
            ("C", None),
            ("", None),
        ];
        for (locale, want) in cases {
            assert_eq!(match_locale(locale), want, "{locale}");
        }
    }

    #[test]
    fn english_is_first_and_translations_name_themselves() {
        let languages = languages();
        assert_eq!(languages[0].code, ENGLISH);
        assert_eq!(languages[0].name, "English");
        let zh = languages
            .iter()
            .find(|l| l.code == "zh_CN")
            .expect("zh_CN ships");
        assert_eq!(zh.name, "简体中文");
    }

    #[test]
    fn messages_translate_per_language() {
        // Looks up by language code, not through the process-wide choice, so
        // the other unit tests keep seeing English.
        assert_eq!(translation("zh_CN", JOINED), Some("{nick} 加入了聊天室"));
        assert_eq!(translation("en", JOINED), None);
        assert_eq!(translation("fr", JOINED), None);
        assert_eq!(JOINED.text(), "{nick} joined");
    }
}
