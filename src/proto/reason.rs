//! The reasons Banter's server gives with a refusal, in one place: the
//! server sends them, and the desktop client recognises them to say the
//! same in the user's language (other servers' words are shown as sent).

/// `482` to a co-host who tried to remove, ban, mute or demote the room's
/// owner, or to give or take owner status.
pub const OWNER_PROTECTED: &str =
    "Only the room's owner or a server operator can do that to the room's owner";
