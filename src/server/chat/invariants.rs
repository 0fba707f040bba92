//! Self-checks of the chat state for the fuzzing harness (`tests/fuzz/`),
//! built for unit tests and with the `fuzz` feature, which the test crates
//! turn on for themselves (a dev-dependency of the package on itself).

use super::{Chat, Client, MAX_INVITES, MAX_LIST, MAX_MONITOR, WHOWAS_LEN};
use std::collections::HashMap;

use crate::proto::names::{fold, skeleton};

/// The harness may drive only the public API and so cannot look at the
/// state directly: these walks look for it.
impl Chat {
    /// Whether the counters, the nickname and skeleton maps, membership and the
    /// MONITOR map agree with the clients themselves; the first disagreement
    /// found, if any. Walks everything: for tests, not for the event loop.
    pub fn check_invariants(&self) -> Result<(), String> {
        let live = || self.live_clients();
        let count = |f: fn(&Client) -> bool| live().filter(|(_, c)| f(c)).count();
        let counters = [
            ("client_count", self.client_count, count(|_| true)),
            (
                "registered_count",
                self.registered_count,
                count(|c| c.registered),
            ),
            (
                "invisible_count",
                self.invisible_count,
                count(|c| c.registered && c.invisible),
            ),
            (
                "oper_count",
                self.oper_count,
                count(|c| c.registered && c.oper),
            ),
        ];
        for (name, kept, real) in counters {
            if kept != real {
                return Err(format!("{name} is {kept} but {real} clients qualify"));
            }
        }
        if self.max_registered < self.registered_count {
            return Err("max_registered is below registered_count".into());
        }
        // With every named client found under its own nick below, equal sizes
        // leave no room for a stale entry.
        let named = count(|c| c.nick.is_some());
        if self.nicks.len() != named {
            return Err(format!(
                "{} nicks kept for {named} named clients",
                self.nicks.len()
            ));
        }
        // The skeleton map holds exactly the names in use, by clients and by
        // held seats, and no two of them look alike.
        let mut skeletons = HashMap::new();
        let in_use = live()
            .filter_map(|(_, c)| c.nick.as_deref())
            .chain(self.seats.values().map(|s| s.nick.as_str()));
        for nick in in_use {
            let folded = fold(nick);
            if let Some(other) = skeletons.insert(skeleton(nick), folded.clone()) {
                if other != folded {
                    return Err(format!("{nick:?} looks the same as {other:?}, also in use"));
                }
            }
        }
        if skeletons != self.skeletons {
            return Err(format!(
                "the skeleton map {:?} does not match the names in use {skeletons:?}",
                self.skeletons
            ));
        }
        for (id, c) in live() {
            if let Some(nick) = &c.nick {
                if self.nicks.get(&fold(nick)) != Some(&id) {
                    return Err(format!(
                        "client {id}'s nick {nick:?} is not in the nick map"
                    ));
                }
            }
            if c.registered {
                let (Some(nick), Some(user)) = (&c.nick, &c.user) else {
                    return Err(format!("client {id} is registered without a nick and user"));
                };
                let host = c
                    .mask
                    .strip_prefix(nick.as_str())
                    .and_then(|r| r.strip_prefix('!'));
                let host = host
                    .and_then(|r| r.strip_prefix(user.as_str()))
                    .and_then(|r| r.strip_prefix('@'));
                if host != Some(c.host().as_str()) {
                    return Err(format!("client {id}'s mask {:?} is stale", c.mask));
                }
            } else if !c.channels.is_empty() || c.oper || c.invisible {
                return Err(format!("unregistered client {id} has channels or modes"));
            }
            if c.channels.len() > self.config.max_joined {
                return Err(format!("client {id} is in {} channels", c.channels.len()));
            }
            if c.monitoring.len() > MAX_MONITOR || c.invites.len() > MAX_INVITES {
                return Err(format!(
                    "client {id}'s MONITOR or invite list is over its bound"
                ));
            }
            for folded in &c.channels {
                if !self
                    .channels
                    .get(folded)
                    .is_some_and(|ch| ch.members.contains_key(&id))
                {
                    return Err(format!(
                        "client {id} lists {folded:?}, which does not list it"
                    ));
                }
            }
            for folded in &c.monitoring {
                if !self.monitors.get(folded).is_some_and(|w| w.contains(&id)) {
                    return Err(format!(
                        "client {id} monitors {folded:?} unknown to the map"
                    ));
                }
            }
        }
        for (folded, ch) in &self.channels {
            if fold(&ch.name) != *folded {
                return Err(format!("channel {:?} is filed under {folded:?}", ch.name));
            }
            if ch.members.is_empty() && !ch.permanent {
                return Err(format!("empty channel {folded:?} was kept"));
            }
            if [&ch.bans, &ch.excepts, &ch.invex, &ch.quiets]
                .iter()
                .any(|l| l.len() > MAX_LIST)
            {
                return Err(format!("a mask list of {folded:?} is over its bound"));
            }
            for &id in ch.members.keys() {
                match self.client(id) {
                    Some(c) if c.registered && c.channels.contains(folded) => {}
                    _ => {
                        return Err(format!(
                            "{folded:?} has member {id}, which does not list it"
                        ))
                    }
                }
            }
        }
        if self.channels.len() > self.config.max_channels.max(1) {
            return Err(format!("{} channels exist", self.channels.len()));
        }
        for (folded, watchers) in &self.monitors {
            if watchers.is_empty() {
                return Err(format!("MONITOR entry {folded:?} has no watchers"));
            }
            for &id in watchers {
                if !self
                    .client(id)
                    .is_some_and(|c| c.monitoring.contains(folded))
                {
                    return Err(format!("{id} watches {folded:?} but does not list it"));
                }
            }
        }
        if let Some(id) = self.oper_backoff.keys().find(|&&id| !self.is_client(id)) {
            return Err(format!("OPER backoff kept for {id}, who has gone"));
        }
        if self.whowas.len() > WHOWAS_LEN {
            return Err("WHOWAS is over its bound".into());
        }
        Ok(())
    }
}
