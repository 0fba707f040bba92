//! Banter: a self-hosted chat room that speaks IRC.
//!
//! # Layout
//! - [`proto`]: sans-io IRC shared by server and client: message parse/format,
//!   numerics, nickname and channel rules, line framing, server-time. It imports
//!   nothing else from this crate.
//! - [`server`]: the single-threaded mio event loop ([`server::event_loop`]) and
//!   the pure chat state it drives ([`server::chat`], with the command handlers).
//! - [`client`]: the desktop client: the pure session ([`client::session`]),
//!   input commands, the socket worker thread, hosting a room in-process, and
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
pub mod logging;
pub mod proto;
pub mod server;
#[cfg(windows)]
pub mod win;
