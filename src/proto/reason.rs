//! The reasons Banter's server gives with a refusal, in one place: the
//! server sends them, and the desktop client recognises them to say the
//! same in the user's language (other servers' words are shown as sent).

/// `482` to a co-host who tried to remove, ban, mute or demote the room's
/// owner, or to give or take owner status.
pub const OWNER_PROTECTED: &str =
    "Only the room's owner or a server operator can do that to the room's owner";

/// `531` to a private message the room's rule (`+P off`) forbids.
pub const PRIVATE_CHATS_OFF: &str = "Private messages are turned off in a room you are in";
/// `531` to a private message to someone other than a host (`+P hosts`).
pub const PRIVATE_CHATS_HOSTS: &str =
    "Private messages are allowed only with the hosts of a room you are in";
/// `482` to a new room while private chats are limited: no back door.
pub const NO_NEW_ROOMS: &str =
    "While private messages are limited in a room you are in, you cannot open rooms of your own";

/// The room's notice (from the server) when its private-chat rule changes,
/// for clients that do not read MODE lines to people.
pub const PRIVATE_CHATS_NOW_ANYONE: &str = "Private messages: anyone may write to anyone";
pub const PRIVATE_CHATS_NOW_HOSTS: &str = "Private messages: only with the room's hosts";
pub const PRIVATE_CHATS_NOW_OFF: &str = "Private messages: off (hosts may still write to anyone)";
