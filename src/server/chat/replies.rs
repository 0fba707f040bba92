//! Replies to one client: numerics and server lines, with what came from the
//! user made safe and cut so that the whole line fits in 512 bytes.

use super::Chat;
use crate::proto::message::{line_len, MAX_BODY_LEN};
use crate::server::outbox::{ClientId, Outbox};

impl Chat {
    /// `:server <command> <params...>` to one client.
    pub(crate) fn server_line(
        &self,
        id: ClientId,
        out: &mut Outbox,
        command: &str,
        params: &[&str],
    ) {
        if let Some(line) = out.format([], Some(&self.config.server_name), command, params) {
            out.send(id, line);
        }
    }

    /// `:server <numeric> <nick> <params...>` to one client. A middle parameter
    /// that came from the user and cannot be sent as one becomes `*`, and so
    /// does one too long to fit the line.
    pub(crate) fn reply(&self, id: ClientId, out: &mut Outbox, numeric: &str, params: &[&str]) {
        let Some(client) = self.client(id) else {
            return;
        };
        let mut all: Vec<&str> = Vec::with_capacity(params.len() + 1);
        all.push(client.target());
        for (i, p) in params.iter().enumerate() {
            let middle = i + 1 < params.len();
            let bad = p.is_empty() || p.contains(' ') || p.starts_with(':');
            all.push(if middle && bad { "*" } else { p });
        }
        // Outbox::format can shorten only the last parameter, so a long name
        // echoed in the middle (a 480-byte channel in 403, a NAMES list in
        // 366) would take the line past 512 bytes: the longest go first.
        let last = all.len() - 1;
        let mut len = line_len(&self.config.server_name, numeric, &all[..last], 0);
        while len > MAX_BODY_LEN {
            let Some((i, longest)) = all[..last]
                .iter()
                .enumerate()
                .skip(1)
                .max_by_key(|(_, p)| p.len())
                .filter(|(_, p)| p.len() > 1)
            else {
                break;
            };
            len -= longest.len() - 1;
            all[i] = "*";
        }
        self.server_line(id, out, numeric, &all);
    }

    /// Replies `numeric` with `head` parameters and then `items` joined by
    /// spaces, split over as many lines as it takes to keep each within 512
    /// bytes (the budget counts the real prefix).
    pub(crate) fn reply_list<'a>(
        &self,
        id: ClientId,
        out: &mut Outbox,
        numeric: &str,
        head: &[&str],
        items: impl IntoIterator<Item = &'a str>,
    ) {
        self.reply_list_by(id, out, numeric, head, items, ' ');
    }

    /// As [`Chat::reply_list`], with the items joined by `sep`.
    pub(crate) fn reply_list_by<'a>(
        &self,
        id: ClientId,
        out: &mut Outbox,
        numeric: &str,
        head: &[&str],
        items: impl IntoIterator<Item = &'a str>,
        sep: char,
    ) {
        let Some(client) = self.client(id) else {
            return;
        };
        // ":server NNN nick head... :items\r\n"
        let mut middle = vec![client.target()];
        middle.extend_from_slice(head);
        let fixed = line_len(&self.config.server_name, numeric, &middle, 0);
        let budget = MAX_BODY_LEN.saturating_sub(fixed).max(1);
        let mut line = String::new();
        let flush = |line: &str, out: &mut Outbox| {
            let mut params: Vec<&str> = head.to_vec();
            params.push(line);
            self.reply(id, out, numeric, &params);
        };
        for item in items {
            if !line.is_empty() && line.len() + 1 + item.len() > budget {
                flush(&line, out);
                line.clear();
            }
            if !line.is_empty() {
                line.push(sep);
            }
            line.push_str(item);
        }
        if !line.is_empty() {
            flush(&line, out);
        }
    }
}
