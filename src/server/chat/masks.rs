//! `nick!user@host` masks: glob matching, and completing a ban-style mask.

use crate::proto::names::fold;

/// Whether `text` matches the glob `pattern` (`*` any run, `?` one
/// character); both already folded. Iterative, so no input can make it
/// recurse deeply or take more than O(len(pattern) * len(text)).
pub(crate) fn mask_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A mask in the form list entries are matched in.
pub(crate) fn fold_mask(mask: &str) -> String {
    fold(mask)
}

/// A ban-style mask completed to `nick!user@host` (`bob` is `bob!*@*`,
/// `*@host` is `*!*@host`).
pub(crate) fn normalize_mask(mask: &str) -> String {
    let (nick, rest) = match mask.split_once('!') {
        Some((n, r)) => (n, Some(r)),
        None => (mask, None),
    };
    let (nick, user, host) = match rest {
        Some(r) => match r.split_once('@') {
            Some((u, h)) => (nick, u, h),
            None => (nick, r, "*"),
        },
        None => match nick.split_once('@') {
            Some((u, h)) => ("*", u, h),
            None => (nick, "*", "*"),
        },
    };
    let or_star = |s: &str| {
        if s.is_empty() {
            "*".to_owned()
        } else {
            s.to_owned()
        }
    };
    format!("{}!{}@{}", or_star(nick), or_star(user), or_star(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_like_irc_globs() {
        assert!(mask_matches("*!*@*", "bob!~b@127.0.0.1"));
        assert!(mask_matches("bob!*@*", "bob!~b@127.0.0.1"));
        assert!(!mask_matches("bob!*@*", "bobby!~b@127.0.0.1"));
        assert!(mask_matches("b?b*", "bob!x@y"));
        assert!(mask_matches("小*!*@*", "小明!~u@::1"));
        assert!(!mask_matches("", "x"));
        assert!(mask_matches("*", ""));
        // Many stars against a long non-match stays linear-ish.
        let long = "a".repeat(500);
        assert!(!mask_matches(&"*a".repeat(50).replace("a", "a*b"), &long));
    }

    #[test]
    fn masks_are_completed() {
        assert_eq!(normalize_mask("bob"), "bob!*@*");
        assert_eq!(normalize_mask("*@10.0.0.1"), "*!*@10.0.0.1");
        assert_eq!(normalize_mask("bob!~b"), "bob!~b@*");
        assert_eq!(normalize_mask("a!b@c"), "a!b@c");
        assert_eq!(normalize_mask("!@"), "*!*@*");
    }
}
