//! Sans-io IRC: messages, command names and numerics, name rules, line
//! framing and server-time. Nothing here touches a socket, a clock or any
//! other module of this crate.

pub mod command;
pub mod discovery;
pub mod linebuf;
pub mod message;
pub mod names;
pub mod numeric;
pub mod reason;
pub mod time;

pub use linebuf::{LineReader, Overflow};
pub use message::{escape_tag_value, write_line, FormatError, Message, ParseError, Tag};
