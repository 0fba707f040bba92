//! Links in a message: `http://`, `https://`, `irc://`, `ircs://` and bare
//! `www.` addresses, found the way chat clients do (a link ends at a space,
//! and punctuation that ends a sentence is not part of it), with the
//! address a click opens.

/// A link found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where it is in the text, in bytes.
    pub start: usize,
    pub end: usize,
    /// What a click opens: the text, with `https://` before a bare `www.`.
    pub url: String,
}

/// How an address starts, ASCII case ignored.
const SCHEMES: &[&str] = &["https://", "http://", "ircs://", "irc://", "www."];

/// Most links found in one message (a pasted list of 1,000 is text).
pub const MAX_LINKS: usize = 8;

/// The links in `text`, in order.
pub fn find_links(text: &str) -> Vec<Link> {
    let mut found = Vec::new();
    // Lowered once: ASCII lowering keeps every byte offset.
    let lower = text.to_ascii_lowercase();
    let mut at = 0;
    while at < text.len() && found.len() < MAX_LINKS {
        let Some((offset, scheme)) = next_start(&lower[at..]) else {
            break;
        };
        let start = at + offset;
        // A link starts a word: `xwww.` and `foohttp://` are not links, but
        // Chinese puts no space before one (`请看https://…`).
        let starts_word = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric() && !"./-_@".contains(c));
        let word_end = text[start..]
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .map_or(text.len(), |n| start + n);
        let end = start + trim_end(&text[start..word_end]);
        // Nothing after the scheme (`http://` alone, `www.`) is not a link.
        if starts_word && end > start + scheme.len() + 1 {
            let shown = &text[start..end];
            let url = if scheme == "www." {
                format!("https://{shown}")
            } else {
                shown.to_owned()
            };
            found.push(Link { start, end, url });
        }
        at = word_end.max(start + scheme.len());
    }
    found
}

/// The first address start in `lower` (lowered text), and which.
fn next_start(lower: &str) -> Option<(usize, &'static str)> {
    SCHEMES
        .iter()
        .filter_map(|s| lower.find(s).map(|i| (i, *s)))
        .min_by_key(|&(i, s)| (i, std::cmp::Reverse(s.len())))
}

/// How much of `word` is the link: sentence punctuation at the end is not,
/// nor a closing bracket that was not opened inside it (Wikipedia's
/// `Fraction_(mathematics)` keeps its own).
fn trim_end(word: &str) -> usize {
    let mut end = word.len();
    loop {
        let Some(last) = word[..end].chars().next_back() else {
            return end;
        };
        let trailing = ".,;:!?'\"”’»。，；：！？、".contains(last);
        let unopened = match last {
            ')' => word[..end].matches('(').count() < word[..end].matches(')').count(),
            ']' => word[..end].matches('[').count() < word[..end].matches(']').count(),
            '}' => word[..end].matches('{').count() < word[..end].matches('}').count(),
            _ => false,
        };
        if trailing || unopened {
            end -= last.len_utf8();
        } else {
            return end;
        }
    }
}

/// Whether a click may hand `url` to the system's browser: web addresses
/// only (never `file:`, `javascript:` or a program's own scheme).
pub fn is_web(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<String> {
        find_links(text).into_iter().map(|l| l.url).collect()
    }

    #[test]
    fn links_as_chat_clients_find_them() {
        assert_eq!(
            urls("see https://example.org/class/fractions?week=3."),
            ["https://example.org/class/fractions?week=3"]
        );
        assert_eq!(urls("www.example.com, then"), ["https://www.example.com"]);
        assert_eq!(
            urls("(https://en.wikipedia.org/wiki/Fraction_(mathematics))"),
            ["https://en.wikipedia.org/wiki/Fraction_(mathematics)"]
        );
        assert_eq!(
            urls("join irc://10.0.0.5:6667/#7b!"),
            ["irc://10.0.0.5:6667/#7b"]
        );
        assert_eq!(urls("HTTPS://EXAMPLE.ORG"), ["HTTPS://EXAMPLE.ORG"]);
        assert_eq!(
            urls("看这个：https://example.org/作业。"),
            ["https://example.org/作业"]
        );
        assert_eq!(
            urls("请看https://example.org 谢谢"),
            ["https://example.org"]
        );
        assert!(urls("http:// and www. and xwww.example.com").is_empty());
        assert_eq!(
            urls("a https://a.b b http://c.d"),
            ["https://a.b", "http://c.d"]
        );
        let many = "http://a.b ".repeat(50);
        assert_eq!(find_links(&many).len(), MAX_LINKS);
        let l = &find_links("go: https://x.y/z now")[0];
        assert_eq!((l.start, l.end), (4, 17));
    }

    #[test]
    fn only_web_addresses_go_to_the_browser() {
        assert!(is_web("https://example.org"));
        assert!(is_web("HTTP://example.org"));
        assert!(!is_web("irc://example.org"));
        assert!(!is_web("file:///etc/passwd"));
        assert!(!is_web("javascript:alert(1)"));
    }
}
