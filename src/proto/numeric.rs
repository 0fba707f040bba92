//! IRC numeric replies by name (RFC 1459/2812 and the IRCv3 additions we send),
//! for the server's replies and the client's matching.

/// Whether `code` is an error numeric (4xx or 5xx): the server refused
/// something, and its last parameter says why.
pub fn is_error(code: &str) -> bool {
    code.len() == 3 && (code.starts_with('4') || code.starts_with('5'))
}

pub const RPL_WELCOME: &str = "001";
pub const RPL_YOURHOST: &str = "002";
pub const RPL_CREATED: &str = "003";
pub const RPL_MYINFO: &str = "004";
pub const RPL_ISUPPORT: &str = "005";
pub const RPL_UMODEIS: &str = "221";
pub const RPL_LUSERCLIENT: &str = "251";
pub const RPL_LUSEROP: &str = "252";
pub const RPL_LUSERCHANNELS: &str = "254";
pub const RPL_LUSERME: &str = "255";
pub const RPL_LOCALUSERS: &str = "265";
pub const RPL_GLOBALUSERS: &str = "266";
pub const RPL_AWAY: &str = "301";
pub const RPL_USERHOST: &str = "302";
pub const RPL_ISON: &str = "303";
pub const RPL_UNAWAY: &str = "305";
pub const RPL_NOWAWAY: &str = "306";
pub const RPL_WHOISUSER: &str = "311";
pub const RPL_WHOISSERVER: &str = "312";
pub const RPL_ENDOFWHO: &str = "315";
pub const RPL_WHOISIDLE: &str = "317";
pub const RPL_ENDOFWHOIS: &str = "318";
pub const RPL_WHOISCHANNELS: &str = "319";
pub const RPL_LISTSTART: &str = "321";
pub const RPL_LIST: &str = "322";
pub const RPL_LISTEND: &str = "323";
pub const RPL_CHANNELMODEIS: &str = "324";
pub const RPL_CREATIONTIME: &str = "329";
pub const RPL_NOTOPIC: &str = "331";
pub const RPL_TOPIC: &str = "332";
pub const RPL_TOPICWHOTIME: &str = "333";
pub const RPL_WHOREPLY: &str = "352";
pub const RPL_NAMREPLY: &str = "353";
pub const RPL_ENDOFNAMES: &str = "366";
pub const RPL_ENDOFBANLIST: &str = "368";
pub const RPL_MOTD: &str = "372";
pub const RPL_MOTDSTART: &str = "375";
pub const RPL_ENDOFMOTD: &str = "376";

pub const ERR_UNKNOWNERROR: &str = "400";
pub const ERR_NOSUCHNICK: &str = "401";
pub const ERR_NOSUCHCHANNEL: &str = "403";
pub const ERR_CANNOTSENDTOCHAN: &str = "404";
pub const ERR_TOOMANYCHANNELS: &str = "405";
pub const ERR_TOOMANYTARGETS: &str = "407";
pub const ERR_NOORIGIN: &str = "409";
pub const ERR_NORECIPIENT: &str = "411";
pub const ERR_NOTEXTTOSEND: &str = "412";
pub const ERR_INPUTTOOLONG: &str = "417";
pub const ERR_UNKNOWNCOMMAND: &str = "421";
pub const ERR_NOMOTD: &str = "422";
pub const ERR_NONICKNAMEGIVEN: &str = "431";
pub const ERR_ERRONEUSNICKNAME: &str = "432";
pub const ERR_NICKNAMEINUSE: &str = "433";
/// Solanum's ERR_BANNICKCHANGE: a banned or muted member may not rename.
pub const ERR_BANNICKCHANGE: &str = "435";
/// A nickname held for a while after its owner left (servers other than
/// Banter send it; banter-bench retries on it).
pub const ERR_UNAVAILRESOURCE: &str = "437";
pub const ERR_USERNOTINCHANNEL: &str = "441";
pub const ERR_NOTONCHANNEL: &str = "442";
pub const ERR_NOTREGISTERED: &str = "451";
pub const ERR_NEEDMOREPARAMS: &str = "461";
pub const ERR_ALREADYREGISTERED: &str = "462";
pub const ERR_PASSWDMISMATCH: &str = "464";
/// Banned from the server (other servers' K-line).
pub const ERR_YOUREBANNEDCREEP: &str = "465";
pub const ERR_CHANOPRIVSNEEDED: &str = "482";
pub const ERR_UMODEUNKNOWNFLAG: &str = "501";
pub const ERR_USERSDONTMATCH: &str = "502";
pub const ERR_INVALIDCAPCMD: &str = "410";

pub const RPL_ADMINME: &str = "256";
pub const RPL_ADMINLOC1: &str = "257";
pub const RPL_ADMINLOC2: &str = "258";
pub const RPL_ADMINEMAIL: &str = "259";
pub const RPL_LUSERUNKNOWN: &str = "253";
pub const RPL_WHOISOPERATOR: &str = "313";
pub const RPL_WHOWASUSER: &str = "314";
pub const RPL_WHOISBOT: &str = "335";
pub const RPL_INVITELIST: &str = "336";
pub const RPL_ENDOFINVITELIST: &str = "337";
pub const RPL_INVITING: &str = "341";
pub const RPL_INVITELIST_MODE: &str = "346";
pub const RPL_ENDOFINVITELIST_MODE: &str = "347";
pub const RPL_EXCEPTLIST: &str = "348";
pub const RPL_ENDOFEXCEPTLIST: &str = "349";
pub const RPL_VERSION: &str = "351";
pub const RPL_WHOSPCRPL: &str = "354";
pub const RPL_LINKS: &str = "364";
pub const RPL_ENDOFLINKS: &str = "365";
pub const RPL_BANLIST: &str = "367";
pub const RPL_ENDOFWHOWAS: &str = "369";
pub const RPL_INFO: &str = "371";
pub const RPL_ENDOFINFO: &str = "374";
pub const RPL_YOUREOPER: &str = "381";
pub const RPL_TIME: &str = "391";
/// Solanum's quiet list (`+q`): `<channel> q <mask> <setter> <time>`.
pub const RPL_QUIETLIST: &str = "728";
pub const RPL_ENDOFQUIETLIST: &str = "729";
pub const RPL_MONONLINE: &str = "730";
pub const RPL_MONOFFLINE: &str = "731";
pub const RPL_MONLIST: &str = "732";
pub const RPL_ENDOFMONLIST: &str = "733";
pub const RPL_HELPSTART: &str = "704";
pub const RPL_HELPTXT: &str = "705";
pub const RPL_ENDOFHELP: &str = "706";

pub const ERR_NOSUCHSERVER: &str = "402";
pub const ERR_WASNOSUCHNICK: &str = "406";
pub const ERR_USERONCHANNEL: &str = "443";
pub const ERR_CHANNELISFULL: &str = "471";
pub const ERR_UNKNOWNMODE: &str = "472";
pub const ERR_INVITEONLYCHAN: &str = "473";
pub const ERR_BANNEDFROMCHAN: &str = "474";
pub const ERR_BADCHANNELKEY: &str = "475";
pub const ERR_BANLISTFULL: &str = "478";
/// A channel name the server will not create.
pub const ERR_BADCHANNAME: &str = "479";
/// A mode parameter the server will not take (modern IRC's numeric).
pub const ERR_INVALIDMODEPARAM: &str = "696";
pub const ERR_NOPRIVILEGES: &str = "481";
pub const ERR_NOOPERHOST: &str = "491";
/// InspIRCd's `531 <me> <nick> :<reason>`: a private message refused.
pub const ERR_CANTSENDTOUSER: &str = "531";
pub const ERR_HELPNOTFOUND: &str = "524";
pub const ERR_INVALIDKEY: &str = "525";
pub const ERR_MONLISTFULL: &str = "734";

/// Banter's own ISUPPORT (005) token: the server's own room
/// (`banter.chat/ROOM=#class7b`), where a client that was given only an
/// address lands. Its value is escaped as ISUPPORT values are.
pub const ISUPPORT_ROOM: &str = "banter.chat/ROOM";
