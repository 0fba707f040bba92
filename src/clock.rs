//! The wall clock, read in one place. The sans-io parts (`proto`, the chat
//! state, the client session) never read it: the event loop, the socket
//! worker, the controller and the tests pass its readings in.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch; 0 for a clock set before 1970, which
/// the protocol's server-time then shows as such rather than failing.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
