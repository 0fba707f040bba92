//! Windows only: what the Windows builds need beyond portable Rust.
//!
//! - [`refresh_rate`]: the client reads a display's "default" refresh rate
//!   (0 or 1 Hz) as 60 Hz, so Slint neither panics nor redraws once a second.
//! - [`fonts`] (with `gui`): CJK text finds an installed font where the
//!   system's font fallback names none (Wine).
//! - [`console`]: closing `banter-server`'s console window shuts it down with
//!   goodbyes sent, as Ctrl+C does.
//!
//! Each of these calls Win32 APIs that std does not wrap, so `unsafe` is
//! allowed here (and, outside `win/`, only in `server::sys`).
#![allow(unsafe_code)]

pub mod console;
#[cfg(feature = "gui")]
pub mod fonts;
pub mod refresh_rate;
