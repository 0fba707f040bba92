//! The Banter server: a single-threaded mio event loop around a pure chat state.

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
