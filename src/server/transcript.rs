//! A room's transcript for its host, as plain text or HTML, from stored history.

use super::history::Event;
use crate::proto::command;
use crate::proto::message::nick_of;
use crate::proto::time::format_server_time;

/// The transcript's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of Unix milliseconds.
fn when(ms: u64) -> String {
    let t = format_server_time(ms);
    // 2026-11-22T10:04:05.123Z
    format!("{} {}", &t[..10], &t[11..19])
}

/// One event as a reader would want it said; `None` for what a transcript leaves out.
fn describe(e: &Event) -> Option<(String, String)> {
    let who = nick_of(&e.source).to_owned();
    let p = |i: usize| e.params.get(i).map(String::as_str).unwrap_or("");
    let line = match e.command.as_str() {
        command::PRIVMSG | command::NOTICE => {
            let text = p(1);
            if let Some(action) = text
                .strip_prefix("\u{1}ACTION ")
                .map(|a| a.trim_end_matches('\u{1}'))
            {
                return Some((who.clone(), format!("* {who} {action}")));
            }
            if text.starts_with('\u{1}') {
                return None;
            }
            return Some((who, text.to_owned()));
        }
        command::JOIN => format!("{who} joined"),
        command::PART if p(1).is_empty() => format!("{who} left"),
        command::PART => format!("{who} left ({})", p(1)),
        command::QUIT => format!("{who} quit ({})", p(0)),
        command::KICK => format!("{who} removed {} ({})", p(1), p(2)),
        command::NICK => format!("{who} is now known as {}", p(0)),
        command::TOPIC => format!("{who} set the topic: {}", p(1)),
        command::MODE => format!(
            "{who} set mode {}",
            e.params.get(1..).unwrap_or_default().join(" ")
        ),
        _ => return None,
    };
    Some((String::new(), line))
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Text with control characters shown as `\u{..}`, so a transcript cannot
/// carry terminal escapes.
fn plain(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One line of a transcript: when, who (empty for events and `/me`), what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub when: String,
    pub who: String,
    pub text: String,
}

/// The transcript of `room` (its display name) from `events`, oldest first.
pub fn render(room: &str, events: &[Event], format: Format) -> String {
    let lines: Vec<Line> = events
        .iter()
        .filter_map(|e| {
            let (who, text) = describe(e)?;
            // `/me` lines read "* nick waves": no separate speaker.
            let who = if text.starts_with("* ") {
                String::new()
            } else {
                who
            };
            Some(Line {
                when: when(e.time_ms),
                who,
                text,
            })
        })
        .collect();
    render_lines(room, &lines, format)
}

/// A transcript titled after `room` from ready-made lines (the desktop
/// client's "Save conversation" uses this with what it shows).
pub fn render_lines(room: &str, lines: &[Line], format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Text => {
            out.push_str(&format!("Transcript of {}\n", plain(room)));
            for l in lines {
                let line = if l.who.is_empty() && !l.text.starts_with("* ") {
                    format!("[{}] -- {}\n", l.when, plain(&l.text))
                } else if l.who.is_empty() {
                    format!("[{}] {}\n", l.when, plain(&l.text))
                } else {
                    format!("[{}] <{}> {}\n", l.when, plain(&l.who), plain(&l.text))
                };
                out.push_str(&line);
            }
        }
        Format::Html => {
            let title = escape_html(room);
            out.push_str(&format!(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Transcript of {title}</title>\n\
                 <style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}\
                 .t{{color:#888;font-size:.85em}}.n{{font-weight:bold}}.e{{color:#777;font-style:italic}}</style>\n\
                 </head><body>\n<h1>Transcript of {title}</h1>\n"
            ));
            for l in lines {
                let time = escape_html(&l.when);
                if l.who.is_empty() {
                    out.push_str(&format!(
                        "<p><span class=\"t\">{time}</span> <span class=\"e\">{}</span></p>\n",
                        escape_html(&l.text)
                    ));
                } else {
                    out.push_str(&format!(
                        "<p><span class=\"t\">{time}</span> <span class=\"n\">{}</span> {}</p>\n",
                        escape_html(&l.who),
                        escape_html(&l.text)
                    ));
                }
            }
            out.push_str("</body></html>\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(command: &str, source: &str, params: &[&str]) -> Event {
        Event {
            target: "#lobby".into(),
            msgid: "x".into(),
            time_ms: 1_795_400_000_000,
            source: source.into(),
            command: command.into(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn says_who_said_what_and_escapes_the_rest() {
        let events = [
            ev("JOIN", "小明!u@h", &["#lobby"]),
            ev(
                "PRIVMSG",
                "小明!u@h",
                &["#lobby", "hi <b>all</b> \u{1b}[2J"],
            ),
            ev("PRIVMSG", "bob!u@h", &["#lobby", "\u{1}ACTION waves\u{1}"]),
            ev("PRIVMSG", "bob!u@h", &["#lobby", "\u{1}VERSION\u{1}"]),
            ev("KICK", "t!u@h", &["#lobby", "bob", "spam"]),
        ];
        let text = render("#lobby", &events, Format::Text);
        assert!(text.contains("] -- 小明 joined\n"), "{text}");
        assert!(
            text.contains("] <小明> hi <b>all</b> \\u{1b}[2J\n"),
            "{text}"
        );
        assert!(text.contains("] * bob waves\n"));
        assert!(!text.contains("VERSION"));
        assert!(text.contains("t removed bob (spam)"));
        let html = render("#lobby", &events, Format::Html);
        assert!(html.contains("hi &lt;b&gt;all&lt;/b&gt;"));
        assert!(!html.contains('\u{1b}'));
        assert!(html.starts_with("<!DOCTYPE html>"));
    }
}
