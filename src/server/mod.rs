//! The Banter server: a single-threaded mio event loop around a pure chat state.
//!
//! Where to look:
//! - a connection's life (accept, read, write, close): [`event_loop`], one
//!   socket's buffers in [`connection`], flood control in [`flood`], the
//!   operating system's limits and socket options in [`sys`];
//! - what a line does: the table in `commands/mod.rs`, then the handler's
//!   family file; the state it changes in [`chat`] (the model in
//!   `chat/model.rs`); what it sends in [`outbox`], and one message to many
//!   in `relay`;
//! - what a room remembers: [`history`] in memory, [`store`] on disk,
//!   [`transcript`] for its host;
//! - the rest: [`config`] (every setting and its default), [`tls`] (the TLS
//!   port), [`discovery`] (answering LAN discovery).

pub mod chat;
mod commands;
pub mod config;
pub(crate) mod connection;
pub mod discovery;
pub(crate) mod event_loop;
pub(crate) mod flood;
pub mod history;
pub mod outbox;
pub(crate) mod relay;
pub mod store;
pub mod sys;
pub mod tls;
pub mod transcript;

pub use config::{Config, FloodConfig};
pub use event_loop::{Server, ServerHandle, StartError};
pub use tls::{TlsError, TlsSettings};
