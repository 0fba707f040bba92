//! Flood control by delay ("fake lag"): a client's lines are processed no faster
//! than the configured rate after an initial burst, and none is dropped.
//!
//! The gate keeps the virtual time at which the client's processed lines would
//! have been paid off at the steady rate; a line may be processed while that
//! debt is at most `burst` intervals ahead of now.

use std::time::Instant;

use super::config::FloodConfig;

#[derive(Debug, Default)]
pub struct FloodGate {
    paid_until: Option<Instant>,
}

impl FloodGate {
    /// `Ok` when a line may be processed now, else the instant it may.
    pub fn check(&self, now: Instant, cfg: &FloodConfig) -> Result<(), Instant> {
        let Some(paid_until) = self.paid_until else {
            return Ok(());
        };
        let allowed_ahead = cfg.interval * cfg.burst;
        let after_this = paid_until.max(now) + cfg.interval;
        if after_this <= now + allowed_ahead {
            Ok(())
        } else {
            Err(after_this - allowed_ahead)
        }
    }

    /// Whether anything is still owed at `now`: a gate that is not is the
    /// same as a new one, and can be forgotten.
    pub fn is_owed_at(&self, now: Instant) -> bool {
        self.paid_until.is_some_and(|p| p > now)
    }

    /// Records that a line costing `tokens` (one for most lines) was
    /// processed at `now`: the next line waits until the debt is back within
    /// the burst.
    pub fn charge(&mut self, now: Instant, cfg: &FloodConfig, tokens: u32) {
        let base = self.paid_until.map_or(now, |p| p.max(now));
        self.paid_until = Some(base + cfg.interval * tokens.max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_steady_rate() {
        let cfg = FloodConfig {
            burst: 3,
            interval: Duration::from_millis(100),
        };
        let t0 = Instant::now();
        let mut gate = FloodGate::default();
        for _ in 0..3 {
            assert_eq!(gate.check(t0, &cfg), Ok(()));
            gate.charge(t0, &cfg, 1);
        }
        let resume = gate.check(t0, &cfg).unwrap_err();
        assert_eq!(resume, t0 + Duration::from_millis(100));
        assert_eq!(gate.check(resume, &cfg), Ok(()));
        gate.charge(resume, &cfg, 1);
        assert_eq!(
            gate.check(resume, &cfg),
            Err(t0 + Duration::from_millis(200))
        );
        // After a quiet spell the whole burst is available again.
        let later = t0 + Duration::from_secs(5);
        for _ in 0..3 {
            assert_eq!(gate.check(later, &cfg), Ok(()));
            gate.charge(later, &cfg, 1);
        }
        assert!(gate.check(later, &cfg).is_err());
    }
}
