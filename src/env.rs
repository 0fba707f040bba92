//! The environment variables that say how a run behaves (`BANTER_DISCOVERY`,
//! `BANTER_LANG`, `BANTER_DATA_DIR`): read here, by the binaries alone, and passed in as values,
//! so that `proto`, the server and the client's controller never read the
//! process's environment, and tests never have to change it (setting a
//! variable while other threads read the environment is undefined behaviour
//! with glibc).

use crate::proto::discovery::Mode;

/// The discovery mode `BANTER_DISCOVERY` asks for, for client and server
/// alike: `lan` when unset; `off` (with a warning) for a value it does not
/// know, since guessing could broadcast.
pub fn discovery_mode() -> Mode {
    match std::env::var("BANTER_DISCOVERY") {
        Err(_) => Mode::Lan,
        Ok(v) => Mode::parse(&v).unwrap_or_else(|| {
            log::warn!("BANTER_DISCOVERY={v:?} is not off, loopback or lan: discovery is off");
            Mode::Off
        }),
    }
}

/// The palette `BANTER_THEME` forces for this run (`light`, `dark`, over
/// the remembered one), if it is set and not empty.
pub fn forced_theme() -> Option<String> {
    std::env::var("BANTER_THEME").ok().filter(|t| !t.is_empty())
}

/// The language `BANTER_LANG` forces for this run (over the system's and the
/// remembered one), if it is set and not empty.
pub fn forced_language() -> Option<String> {
    std::env::var("BANTER_LANG").ok().filter(|l| !l.is_empty())
}

/// The desktop client's data folder (a hosted room's history):
/// `BANTER_DATA_DIR` when set, else this user's local (not roaming) data
/// folder, `banter` in it; `None` when this user has none.
pub fn client_data_dir() -> Option<std::path::PathBuf> {
    match std::env::var_os("BANTER_DATA_DIR") {
        Some(d) if !d.is_empty() => Some(d.into()),
        _ => directories::BaseDirs::new().map(|d| d.data_local_dir().join("banter")),
    }
}
