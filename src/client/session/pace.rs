//! How fast our own lines go out: a token bucket, so that a long paste
//! leaves at a rate servers accept (a burst, then a steady pace) instead of
//! tripping their flood control, filling the socket and stalling whatever
//! else we have to say.

/// Lines that may go at once after a quiet spell (servers commonly allow
/// 5 to 10 before they start delaying; ours allows 10).
pub(super) const BURST: u64 = 8;
/// The steady pace after that: a little under the 4 lines a second our
/// server allows, so the server never has to hold our lines back.
pub(super) const INTERVAL_MS: u64 = 300;

/// A token bucket kept as "when the bucket will be full again": a line may
/// go while that time is at most `burst` intervals ahead of now.
#[derive(Debug, Clone)]
pub(super) struct Pacer {
    full_at_ms: u64,
    burst: u64,
    interval_ms: u64,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new(BURST, INTERVAL_MS)
    }
}

impl Pacer {
    pub(super) fn new(burst: u64, interval_ms: u64) -> Pacer {
        Pacer {
            full_at_ms: 0,
            burst: burst.max(1),
            interval_ms,
        }
    }

    /// Takes a token for one line at `now_ms`; `false` when the line must wait.
    pub(super) fn take(&mut self, now_ms: u64) -> bool {
        let start = self.full_at_ms.max(now_ms);
        if start + self.interval_ms > now_ms + self.burst * self.interval_ms {
            return false;
        }
        self.full_at_ms = start + self.interval_ms;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_steady_pace() {
        let mut p = Pacer::default();
        let now = 1_000_000;
        let burst = (0..100).take_while(|_| p.take(now)).count();
        assert_eq!(burst as u64, BURST);
        assert!(
            !p.take(now + INTERVAL_MS - 1),
            "nothing before the next interval"
        );
        assert!(p.take(now + INTERVAL_MS));
        assert!(!p.take(now + INTERVAL_MS));
        // Ten seconds at rest: one more second of lines, but never more
        // than the burst.
        let later = now + 10_000;
        let burst = (0..100).take_while(|_| p.take(later)).count();
        assert_eq!(burst as u64, BURST);
    }
}
