//! The desktop client: session state, input commands, the socket worker
//! and the link that wires the two,
//! hosting a room, TLS trust, the translations of its texts, and (with the
//! `gui` feature) the Slint UI.

#[cfg(feature = "gui")]
pub mod app;
pub mod discovery;
pub mod files;
pub mod host;
pub mod input;
pub mod launch;
pub mod link;
pub mod session;
pub mod settings;
pub mod tls;
pub mod tr;
#[cfg(feature = "gui")]
pub mod ui;
pub mod worker;
