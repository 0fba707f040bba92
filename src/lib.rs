//! Banter: a self-hosted chat room that speaks IRC.
//!
//! # Layout
//! The layers run one way: `proto` ← `server` ← `client` ← `src/bin/`, and
//! nothing reaches back up (`tests/layers.rs` reads the sources to hold
//! it). A newcomer reads this map, then the `//!` map of the folder that
//! owns the behaviour.
//!
//! - [`proto`]: sans-io IRC for both sides: nothing here reads a clock, the
//!   environment or a socket.
//!   - `command`: every command's name and syntax line, for the server's
//!     table and the client's session alike; `numeric`: the numerics.
//!   - `message`: parse and format one line; `linebuf`: framing bytes into
//!     lines, bounded; `names`: nickname and room rules, casefolding;
//!     `time`: server-time; `discovery`: the LAN discovery datagrams.
//! - [`server`]: the server, one thread around a pure state.
//!   - `event_loop/`: the mio loop (`mod.rs`), accepting and refusing
//!     connections (`accept`), a connection's phases from open to removed
//!     (`lifecycle`); `connection`: one socket's bounded buffers and phase;
//!     `flood`: flood control by delay; `sys`: what is asked of the
//!     operating system beyond std (descriptor limits, socket options), the
//!     only `unsafe` outside `win`.
//!   - `chat/`: the pure chat state and a client's lifecycle (`mod.rs`), what
//!     it is made of (`model`), masks, replies, invariants for the fuzzer;
//!     `commands/`: the handlers by family with the table in `mod.rs`;
//!     `outbox`: what handling produced; `relay`: one message to many.
//!   - `history` (pure room memory) and `store` (its SQLite file, written
//!     from its own thread); `transcript`: a room's transcript for its
//!     host; `discovery`: answering LAN discovery; `tls`: the TLS port's
//!     certificates and configuration; `config`: settings and defaults.
//! - [`client`]: the desktop client.
//!   - `session/`: the pure session, split along the protocol
//!     (registration, incoming, outgoing, history, host controls in
//!     `room`); `input`: what was typed; `link`: the session wired to its
//!     socket worker without a window; `worker`: the only client code on
//!     the network; `tls`: trust on first use.
//!   - `app` (with `gui`): the controller; `ui` (with `gui`): the Slint
//!     adapters, the only code touching generated types; `tr`: the
//!     translations of the text Rust builds; `host`: a room hosted in this
//!     process; `discovery`: finding rooms on the LAN; `launch`, `settings`,
//!     `files`: the command line and what is remembered between runs.
//! - [`bench`]: the load generator behind `banter-bench` (options and
//!   report in `mod.rs`, one run's steps in `run`, one client in `bot`).
//! - [`logging`]: a `log` backend that writes from its own thread, so a
//!   stalled stderr cannot stall the server.
//! - [`clock`], [`env`], [`secret`]: the wall clock, the environment
//!   variables and the random source, each read in one place and passed in.
//! - `win` (Windows only): what the Windows builds need beyond portable Rust:
//!   the client's refresh-rate and font fix-ups, the server's console close.
//! - `src/bin/`: `banter` (the client), `banter-server`, `banter-bench`: thin
//!   wrappers that read arguments and the environment, then run.
//!
//! No file under `src/` is over 800 lines. The largest each hold one topic:
//! `client/ui/` (the adapters, and in `rows.rs` the history model the markup scrolls),
//! `commands/channels.rs` (JOIN to INVITE, one family), `event_loop/mod.rs`
//! (the loop and its numbered contracts) and `proto/message.rs` (half of it
//! the parser's table of cases).

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
