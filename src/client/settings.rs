//! What the client remembers between runs: the last server (with `ircs://`
//! when it was a TLS one), name, theme, language and window size, as TOML
//! in the platform's config folder (`~/.config/banter/settings.toml`,
//! `%APPDATA%\banter\settings.toml`).
//!
//! Contract: a missing, unreadable or corrupt file never stops the client:
//! [`Settings::load`] then gives the defaults and says why, and the next save
//! writes a good file. Saving writes a temporary file and renames it over the
//! old one, so a crash mid-save cannot leave half a file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::files::{read_small, write_whole, ReadError};

/// The remembered choices; every field is optional so that an older or
/// hand-edited file with fewer fields still loads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub server: Option<String>,
    pub name: Option<String>,
    /// `light`, `dark`, or none to follow the system.
    pub theme: Option<String>,
    /// A language code such as `zh_CN`; none follows the system.
    pub language: Option<String>,
    /// The window's size in logical pixels.
    pub window: Option<(u32, u32)>,
    /// "Host a room on this computer" was ticked.
    pub host: Option<bool>,
    /// The hosted room's name ("7B Maths").
    pub room_title: Option<String>,
    /// The seat the server holds for this client after a lost connection
    /// (`banter.chat/resume`): a relaunch after a crash takes it back at
    /// once instead of finding its own name taken.
    pub seat: Option<Seat>,
}

/// A held seat's secret, and the server and name it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Seat {
    pub server: String,
    pub name: String,
    pub token: String,
}

/// The palette the reader chose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ThemeChoice {
    /// Light or dark as the system is.
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    /// In the order the theme selector lists them.
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    /// As [`Settings::theme`] and `BANTER_THEME` spell it: none for the system.
    pub fn code(self) -> Option<&'static str> {
        match self {
            ThemeChoice::System => None,
            ThemeChoice::Light => Some("light"),
            ThemeChoice::Dark => Some("dark"),
        }
    }

    /// The choice `code` names; anything else follows the system.
    pub fn from_code(code: Option<&str>) -> ThemeChoice {
        match code.map(str::trim) {
            Some(c) if c.eq_ignore_ascii_case("light") => ThemeChoice::Light,
            Some(c) if c.eq_ignore_ascii_case("dark") => ThemeChoice::Dark,
            _ => ThemeChoice::System,
        }
    }
}

/// Where the settings live: `$BANTER_SETTINGS` when set (tests), else the
/// platform's config folder; `None` when this user has none.
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BANTER_SETTINGS").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::BaseDirs::new().map(|d| d.config_dir().join("banter").join("settings.toml"))
}

/// Settings files are small; anything bigger is not ours.
const MAX_BYTES: u64 = 64 * 1024;

impl Settings {
    /// The settings in `path`, or the defaults and why not (a message for
    /// the log; a missing file is not worth one).
    pub fn load(path: &Path) -> (Settings, Option<String>) {
        let text = match read_small(path, MAX_BYTES) {
            Ok(Some(text)) => text,
            Ok(None) => return (Settings::default(), None),
            Err(ReadError::TooBig) => {
                return (
                    Settings::default(),
                    Some(format!("{} is too big to be settings", path.display())),
                )
            }
            Err(ReadError::Io(e)) => {
                return (
                    Settings::default(),
                    Some(format!("cannot read {}: {e}", path.display())),
                )
            }
        };
        match toml::from_str::<Settings>(&text) {
            Ok(mut s) => {
                s.sanitise();
                (s, None)
            }
            Err(e) => {
                // One line: it is shown under the login form. toml's own
                // text quotes the damaged line across several.
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                let what = e.message().split('\n').collect::<Vec<_>>().join(", ");
                let at = line.map(|l| format!(", line {l}")).unwrap_or_default();
                (
                    Settings::default(),
                    Some(format!("{} is damaged{at}: {what}", path.display())),
                )
            }
        }
    }

    /// Keeps values within what the client can use.
    fn sanitise(&mut self) {
        for v in [
            &mut self.server,
            &mut self.name,
            &mut self.theme,
            &mut self.language,
            &mut self.room_title,
        ] {
            if v.as_ref()
                .is_some_and(|s| s.len() > 256 || s.chars().any(char::is_control))
            {
                *v = None;
            }
        }
        let odd = |s: &str| s.len() > 256 || s.chars().any(char::is_control);
        if self
            .seat
            .as_ref()
            .is_some_and(|s| odd(&s.server) || odd(&s.name) || odd(&s.token) || s.token.is_empty())
        {
            self.seat = None;
        }
        if let Some((w, h)) = self.window {
            if !(200..=10_000).contains(&w) || !(150..=10_000).contains(&h) {
                self.window = None;
            }
        }
    }

    /// Writes the settings to `path` (creating its folder), atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = toml::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_whole(path, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("banter-settings-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("deep").join("settings.toml")
    }

    #[test]
    fn theme_codes_round_trip_and_anything_else_follows_the_system() {
        for choice in ThemeChoice::ALL {
            assert_eq!(ThemeChoice::from_code(choice.code()), choice);
        }
        assert_eq!(ThemeChoice::from_code(Some(" Dark ")), ThemeChoice::Dark);
        assert_eq!(ThemeChoice::from_code(Some("purple")), ThemeChoice::System);
        assert_eq!(ThemeChoice::from_code(None), ThemeChoice::System);
    }

    #[test]
    fn settings_survive_a_restart() {
        let path = temp("restart");
        assert_eq!(Settings::load(&path), (Settings::default(), None));
        let s = Settings {
            server: Some("ircs://192.168.1.20:6697".into()),
            name: Some("小明".into()),
            theme: Some("dark".into()),
            language: Some("zh_CN".into()),
            window: Some((1024, 700)),
            host: Some(true),
            room_title: Some("7B Maths".into()),
            seat: Some(Seat {
                server: "ircs://192.168.1.20:6697".into(),
                name: "小明".into(),
                token: "0123456789abcdef".into(),
            }),
        };
        s.save(&path).expect("save");
        assert_eq!(Settings::load(&path), (s.clone(), None));
        // A file from an older client, with a `secure` flag the address now
        // carries as `ircs://`, still loads.
        let old = std::fs::read_to_string(&path).unwrap() + "secure = true\n";
        std::fs::write(&path, old).unwrap();
        assert_eq!(Settings::load(&path), (s, None));
    }

    #[test]
    fn a_corrupt_or_strange_file_gives_defaults_and_says_why() {
        let path = temp("corrupt");
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, "server = [unclosed\n\u{0}").expect("write");
        let (s, why) = Settings::load(&path);
        assert_eq!(s, Settings::default());
        let why = why.expect("a reason");
        assert!(why.contains("is damaged, line 1: "), "{why}");
        assert!(!why.contains('\n'), "one line, for the login screen: {why}");

        std::fs::write(&path, vec![b'#'; 100_000]).expect("write");
        assert!(Settings::load(&path).1.expect("reason").contains("too big"));

        std::fs::write(
            &path,
            "name = \"a\\u0007b\"\nwindow = [5, 5]\nunknown = 1\n",
        )
        .expect("write");
        let (s, why) = Settings::load(&path);
        assert_eq!((s.name, s.window, why), (None, None, None));

        // A good save replaces the damaged file.
        Settings::default().save(&path).expect("save");
        assert_eq!(Settings::load(&path).1, None);
    }
}
