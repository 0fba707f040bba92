//! Banter: a self-hosted chat room that speaks IRC.
//!
//! # Layout
//! - [`proto`]: sans-io IRC shared by server and client: message parse/format,
//!   numerics, nickname and channel rules, line framing, server-time. It imports
//!   nothing else from this crate.
//! - [`server`]: the single-threaded mio event loop ([`server::event_loop`]) and
//!   the pure chat state it drives ([`server::chat`], with the command handlers).
//! - `src/bin/banter-server.rs`: the command line around [`server::Server`].

pub mod proto;
pub mod server;
