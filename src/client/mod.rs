//! The desktop client: session state, input commands, the socket worker,
//! hosting a room, and (with the `gui` feature) the Slint UI.

pub mod host;
pub mod input;
pub mod session;
pub mod worker;
