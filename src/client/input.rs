//! What the user typed into the message box, parsed into a command.

use super::tr;
use crate::proto::names::room_name;

/// One line of user input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Plain text for the conversation on screen.
    Say(String),
    /// `/me waves`
    Action(String),
    /// `/msg <nick> <text>`: a private message, opening that conversation.
    Msg { to: String, text: String },
    /// `/nick <name>`
    Nick(String),
    /// `/join <room>` (the `#` may be left out)
    Join(String),
    /// `/part [reason]`: leave the room on screen.
    Part(Option<String>),
    /// `/invite <name>`: lets someone into the room on screen (past a lock).
    Invite(String),
    /// `/topic [text]`: show or set the room's topic.
    Topic(Option<String>),
    /// `/quit [reason]`: leave at once.
    Quit(Option<String>),
    /// `exit` on its own: leave, after asking.
    Exit,
    /// `/help`
    Help,
}

/// Why a line could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    Empty,
    Unknown(String),
    /// The command needs an argument; the message (a `tr::USAGE_*`) says
    /// which.
    Usage(tr::Msg),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Empty => write!(f, "{}", tr::NOTHING_TO_SEND),
            InputError::Unknown(cmd) => f.write_str(&tr::UNKNOWN_COMMAND.fill(&[("command", cmd)])),
            InputError::Usage(usage) => f.write_str(&tr::USAGE.fill(&[("usage", usage)])),
        }
    }
}

fn rest(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Text made safe for one IRC line: line breaks (a pasted paragraph) and
/// tabs become spaces, NUL and other control characters are dropped, so
/// nothing typed is refused by the formatter and silently lost.
pub fn sanitise(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' | '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Parses one line of input.
pub fn parse(line: &str) -> Result<Input, InputError> {
    let line = sanitise(line.trim_end_matches(['\r', '\n']));
    let line = line.as_str();
    if line.trim().is_empty() {
        return Err(InputError::Empty);
    }
    if line.trim().eq_ignore_ascii_case("exit") {
        return Ok(Input::Exit);
    }
    if let Some(literal) = line.strip_prefix("//") {
        return Ok(Input::Say(format!("/{literal}")));
    }
    let Some(command_line) = line.strip_prefix('/') else {
        return Ok(Input::Say(line.to_owned()));
    };
    let (command, args) = command_line.split_once(' ').unwrap_or((command_line, ""));
    match command.to_ascii_lowercase().as_str() {
        "me" => rest(args)
            .map(Input::Action)
            .ok_or(InputError::Usage(tr::USAGE_ME)),
        "msg" | "query" => {
            let (to, text) = args
                .trim_start()
                .split_once(' ')
                .unwrap_or((args.trim(), ""));
            match (rest(to), rest(text)) {
                (Some(to), Some(text)) => Ok(Input::Msg { to, text }),
                _ => Err(InputError::Usage(tr::USAGE_MSG)),
            }
        }
        "nick" => rest(args)
            .map(Input::Nick)
            .ok_or(InputError::Usage(tr::USAGE_NICK)),
        "join" => {
            let room = rest(args).ok_or(InputError::Usage(tr::USAGE_JOIN))?;
            Ok(Input::Join(room_name(&room)))
        }
        "part" | "leave" => Ok(Input::Part(rest(args))),
        "invite" => rest(args)
            .map(Input::Invite)
            .ok_or(InputError::Usage(tr::USAGE_INVITE)),
        "topic" => Ok(Input::Topic(rest(args))),
        "quit" => Ok(Input::Quit(rest(args))),
        "help" => Ok(Input::Help),
        other => Err(InputError::Unknown(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        let cases = [
            ("hello there", Input::Say("hello there".into())),
            ("/me waves", Input::Action("waves".into())),
            (
                "/msg 小明 hi there",
                Input::Msg {
                    to: "小明".into(),
                    text: "hi there".into(),
                },
            ),
            ("/nick Ming", Input::Nick("Ming".into())),
            ("/join games", Input::Join("#games".into())),
            ("/join #games", Input::Join("#games".into())),
            ("/part", Input::Part(None)),
            ("/part bye all", Input::Part(Some("bye all".into()))),
            ("/topic", Input::Topic(None)),
            ("/invite 小明", Input::Invite("小明".into())),
            ("/topic Homework", Input::Topic(Some("Homework".into()))),
            ("/quit", Input::Quit(None)),
            ("/QUIT gone", Input::Quit(Some("gone".into()))),
            ("exit", Input::Exit),
            (" EXIT ", Input::Exit),
            ("exit now", Input::Say("exit now".into())),
            ("//shrug", Input::Say("/shrug".into())),
            ("/help", Input::Help),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line), Ok(want), "{line}");
        }
    }

    #[test]
    fn explains_mistakes() {
        assert_eq!(parse("   "), Err(InputError::Empty));
        assert_eq!(parse("/frob x"), Err(InputError::Unknown("frob".into())));
        let said = |line| parse(line).unwrap_err().to_string();
        assert_eq!(said("/msg bob"), "Usage: /msg <name> <text>");
        assert_eq!(said("/nick"), "Usage: /nick <new name>");
        assert_eq!(said("/me"), "Usage: /me <action>");
        assert!(parse("/frob").unwrap_err().to_string().contains("/help"));
    }

    #[test]
    fn pasted_lines_and_control_bytes_are_made_safe() {
        assert_eq!(
            parse("first line\r\nsecond\tline\0!"),
            Ok(Input::Say("first line second line!".into()))
        );
        assert_eq!(sanitise("a\n\nb\u{7}  c"), "a  b  c");
    }
}
