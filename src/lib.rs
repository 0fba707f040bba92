//! Banter: a self-hosted chat room that speaks IRC.
//!
//! # Layout
//! - [`proto`]: sans-io IRC shared by server and client: message parse/format,
//!   numerics, nickname and channel rules, line framing, server-time. It imports
//!   nothing else from this crate.
//! - [`server`]: the single-threaded mio event loop ([`server::event_loop`]) and
//!   the pure chat state it drives ([`server::chat`]); the command handlers by
//!   family in `server/commands/` (registration, channels, modes, messages,
//!   queries, operators, monitor, history, resume) with the table in its
//!   `mod.rs`; room memory ([`server::history`], pure) and its SQLite file
//!   ([`server::store`], written from its own thread); transcripts
//!   ([`server::transcript`]); [`server::tls`] sets up the optional TLS port,
//!   whose rustls engines the same loop drives; [`server::sys`] holds what is
//!   asked of the OS beyond std (file limits, socket options), the only
//!   `unsafe` outside `win`.
//! - [`client`]: the desktop client: the pure session ([`client::session`]),
//!   input commands, the socket worker thread, TLS trust on first use
//!   ([`client::tls`]), hosting a room in-process, the translations of the
//!   text it builds ([`client::tr`], from `lang/*.po`), and
//!   with the `gui` feature the Slint adapters (the only code touching
//!   generated UI types) and the controller that ties them together.
//! - [`bench`]: the load generator behind `banter-bench`.
//! - [`logging`]: a `log` backend that writes from its own thread, so a
//!   stalled stderr cannot stall the server.
//! - `win` (Windows only): what the Windows builds need beyond portable Rust:
//!   the client's refresh-rate and font fix-ups, the server's console close.
//! - `src/bin/`: `banter` (the client), `banter-server`, `banter-bench`: thin wrappers.

pub mod bench;
pub mod client;
pub mod clock;
pub mod env;
pub mod logging;
pub mod proto;
pub mod secret;
pub mod server;
#[cfg(windows)]
pub mod win;
