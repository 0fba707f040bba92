//! IRC command names, one vocabulary for both sides: the server's dispatch
//! table names what it accepts with these, and the client builds and matches
//! its lines with them, so a misspelt command fails to compile.
//!
//! Each doc is the command's syntax line (RFC 1459/2812 and the IRCv3
//! extensions Banter speaks). Plain `&str` constants rather than an enum: the
//! server compares them with the line's command as it always did, and a match
//! names them by path (`command::JOIN =>`), which a typo cannot turn into a
//! catch-all binding.

// Registration and the connection.

/// `CAP LS [302] | LIST | REQ :<caps> | ACK :<caps> | NAK :<caps> | END`
pub const CAP: &str = "CAP";
/// `PASS <password>`
pub const PASS: &str = "PASS";
/// `NICK <nickname>`
pub const NICK: &str = "NICK";
/// `USER <username> <mode> <unused> :<realname>`
pub const USER: &str = "USER";
/// `PING <token>`
pub const PING: &str = "PING";
/// `PONG [<server>] <token>`
pub const PONG: &str = "PONG";
/// `QUIT [:<reason>]`
pub const QUIT: &str = "QUIT";
/// `ERROR :<reason>`: the server closes the connection, saying why.
pub const ERROR: &str = "ERROR";
/// `RESUME <token>` (before registration); from the server,
/// `RESUME TOKEN <token>`: the secret that takes this seat back later.
pub const RESUME: &str = "RESUME";
/// `SETNAME :<realname>`
pub const SETNAME: &str = "SETNAME";
/// `AWAY [:<message>]`
pub const AWAY: &str = "AWAY";

// Rooms.

/// `JOIN <channel>{,<channel>} [<key>{,<key>}]` or `JOIN 0`
pub const JOIN: &str = "JOIN";
/// `PART <channel>{,<channel>} [:<reason>]`
pub const PART: &str = "PART";
/// `TOPIC <channel> [:<topic>]`
pub const TOPIC: &str = "TOPIC";
/// `NAMES [<channel>{,<channel>}]`
pub const NAMES: &str = "NAMES";
/// `LIST [<channel>{,<channel>} | <filter>{,<filter>}]`
pub const LIST: &str = "LIST";
/// `KICK <channel>{,<channel>} <nick>{,<nick>} [:<reason>]`
pub const KICK: &str = "KICK";
/// `INVITE <nick> <channel>`, or `INVITE` alone to list one's invitations.
pub const INVITE: &str = "INVITE";
/// `MODE <channel> [<modes> [<params>...]]` or `MODE <nick> [<modes>]`
pub const MODE: &str = "MODE";

// Messages.

/// `PRIVMSG <target>{,<target>} :<text>`
pub const PRIVMSG: &str = "PRIVMSG";
/// `NOTICE <target>{,<target>} :<text>`: never answered automatically.
pub const NOTICE: &str = "NOTICE";
/// `REDACT <target> <msgid> [:<reason>]`: deletes a message
/// (`draft/message-redaction`); relayed as sent, from whoever deleted it.
pub const REDACT: &str = "REDACT";
/// `TAGMSG <target>{,<target>}`: tags only, for clients with `message-tags`.
pub const TAGMSG: &str = "TAGMSG";
/// `BATCH +<ref> <type> [<params>...]` opens a batch, `BATCH -<ref>` ends it.
pub const BATCH: &str = "BATCH";
/// `FAIL <command> <code> [<context>...] :<description>` (IRCv3 standard replies)
pub const FAIL: &str = "FAIL";

// Queries.

/// `WHO [<mask>|<#room> [%<fields>[,<token>]]]`
pub const WHO: &str = "WHO";
/// `WHOIS [<server>] <nick>`
pub const WHOIS: &str = "WHOIS";
/// `WHOWAS <nick> [<count>]`
pub const WHOWAS: &str = "WHOWAS";
/// `LUSERS`
pub const LUSERS: &str = "LUSERS";
/// `MOTD`
pub const MOTD: &str = "MOTD";
/// `USERHOST <nick>{ <nick>}`
pub const USERHOST: &str = "USERHOST";
/// `ISON <nick>{ <nick>}`
pub const ISON: &str = "ISON";
/// `TIME [<server>]`
pub const TIME: &str = "TIME";
/// `VERSION [<server>]`
pub const VERSION: &str = "VERSION";
/// `INFO [<server>]`
pub const INFO: &str = "INFO";
/// `ADMIN [<server>]`
pub const ADMIN: &str = "ADMIN";
/// `LINKS [[<remote>] <mask>]`
pub const LINKS: &str = "LINKS";
/// `HELP [<subject>]`
pub const HELP: &str = "HELP";
/// `HELPOP [<subject>]`: HELP's older name.
pub const HELPOP: &str = "HELPOP";

// History, presence and operators.

/// `CHATHISTORY LATEST|BEFORE|AFTER|AROUND <target> <ref> <limit>`,
/// `CHATHISTORY BETWEEN <target> <ref> <ref> <limit>`,
/// `CHATHISTORY TARGETS <timestamp> <timestamp> <limit>`
pub const CHATHISTORY: &str = "CHATHISTORY";
/// `MONITOR + <nick>{,<nick>} | - <nick>{,<nick>} | C | L | S`
pub const MONITOR: &str = "MONITOR";
/// `OPER <name> <password>`
pub const OPER: &str = "OPER";
/// `KILL <nick> [:<reason>]`
pub const KILL: &str = "KILL";
/// `WALLOPS :<text>`
pub const WALLOPS: &str = "WALLOPS";
