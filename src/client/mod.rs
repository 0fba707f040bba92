//! The desktop client: session state, input commands, the socket worker
//! and the link that wires the two,
//! hosting a room, TLS trust, the translations of its texts, and (with the
//! `gui` feature) the Slint UI.
//!
//! Where to look:
//! - what the client says and makes of what it hears: [`session`] (pure;
//!   its `//!` maps registration, incoming, outgoing, history and host
//!   controls), what was typed in [`input`], the links in a message in
//!   [`links`];
//! - the network: [`worker`] (the only code on a socket), [`link`] (the
//!   session wired to it, without a window), [`tls`] (trust on first use),
//!   [`discovery`] (rooms on the LAN), [`host`] (a room served from here);
//! - the window (with `gui`): `app` (the controller) and `ui` (the
//!   adapters, the only code touching generated Slint types);
//! - what is remembered and said: [`settings`], [`files`], [`launch`] (the
//!   command line), [`tr`] (translations).

#[cfg(feature = "gui")]
pub mod app;
pub mod discovery;
pub mod files;
pub mod host;
pub mod input;
pub mod launch;
pub mod link;
pub mod links;
pub mod session;
pub mod settings;
pub mod tls;
pub mod tr;
#[cfg(feature = "gui")]
pub mod ui;
pub mod worker;
