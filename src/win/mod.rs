//! Windows only: what the Windows builds need beyond portable Rust.
//!
//! - [`refresh_rate`]: the client reads a display's "default" refresh rate
//!   (0 or 1 Hz) as 60 Hz, so Slint neither panics nor redraws once a second.

pub mod refresh_rate;
