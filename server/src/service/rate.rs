//! Rate limits: one keyed token bucket (GCRA) per [`Bucket`], in memory,
//! bounded, driven by the service's clock (so tests move time by hand).
//!
//! Memory is bounded whatever the attacker sends: keys are stored as a
//! 64-bit keyed hash (the key itself, say a 16 KB user ID, is never kept),
//! and each bucket keeps at most `max_tracked_keys` of them in two
//! generations: when the current one is full it becomes the previous one
//! and the old previous one is forgotten. A forgotten key starts again with a
//! full bucket, so flooding with fresh keys can at worst reset limits, never
//! exhaust memory. Limits are per instance; several instances each apply them.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Mutex;

use super::{Service, ServiceError};
use crate::config::{Rate, RateLimits};

/// Which limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Bucket {
    /// `GET /v1/time` and `GET /activate`, per client address.
    TimeIp,
    /// The activation endpoints, per client address.
    ActivationIp,
    /// Activation attempts, per user ID (called by the activation service).
    ActivationUser,
    /// Token status, per client address.
    TokenStatusIp,
    /// Token status, per token ID.
    TokenStatusToken,
    /// `POST /v1/verify`, per client address.
    VerifyIp,
    /// `POST /v1/verify`, per user ID.
    VerifyUser,
}

impl Bucket {
    /// Every bucket.
    pub const ALL: [Bucket; 7] = [
        Self::TimeIp,
        Self::ActivationIp,
        Self::ActivationUser,
        Self::TokenStatusIp,
        Self::TokenStatusToken,
        Self::VerifyIp,
        Self::VerifyUser,
    ];

    fn rate(self, limits: &RateLimits) -> Rate {
        match self {
            Self::TimeIp => limits.time_per_ip,
            Self::ActivationIp => limits.activation_per_ip,
            Self::ActivationUser => limits.activation_per_user,
            Self::TokenStatusIp => limits.token_status_per_ip,
            Self::TokenStatusToken => limits.token_status_per_token,
            Self::VerifyIp => limits.verify_per_ip,
            Self::VerifyUser => limits.verify_per_user,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::TimeIp => 0,
            Self::ActivationIp => 1,
            Self::ActivationUser => 2,
            Self::TokenStatusIp => 3,
            Self::TokenStatusToken => 4,
            Self::VerifyIp => 5,
            Self::VerifyUser => 6,
        }
    }
}

/// One bucket's remembered keys: key hash → theoretical arrival time (µs).
#[derive(Debug, Default)]
struct Keys {
    current: HashMap<u64, u64>,
    previous: HashMap<u64, u64>,
}

/// The keyed limiters of every [`Bucket`].
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limits: RateLimits,
    hasher: RandomState,
    buckets: [Mutex<Keys>; 7],
}

impl RateLimiter {
    /// Limiters for `limits`.
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            hasher: RandomState::new(),
            buckets: Default::default(),
        }
    }

    /// Counts one request of `key` against `bucket` at `now_ms`: `Ok`, or
    /// the seconds until one would be allowed.
    pub(crate) fn check(&self, bucket: Bucket, key: &str, now_ms: u64) -> Result<(), u64> {
        if !self.limits.enabled {
            return Ok(());
        }
        let rate = bucket.rate(&self.limits);
        // GCRA in microseconds: one request per `interval`, `burst` at once.
        let interval = 60_000_000 / u64::from(rate.per_minute.max(1));
        let tolerance = interval.saturating_mul(u64::from(rate.burst.max(1)) - 1);
        let now = now_ms.saturating_mul(1000);
        let hash = self.hasher.hash_one((bucket.index(), key));
        let per_generation = (self.limits.max_tracked_keys / 2).max(1);
        let Some(slot) = self.buckets.get(bucket.index()) else {
            return Ok(());
        };
        // A poisoned lock only means another request panicked mid-update of
        // plain integers: the map is still usable.
        let mut keys = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let stored = match keys.current.get(&hash) {
            Some(tat) => Some(*tat),
            None => keys.previous.remove(&hash),
        };
        let tat = stored.unwrap_or(now).max(now);
        if tat - now > tolerance {
            let wait_us = tat - tolerance - now;
            return Err(wait_us.div_ceil(1_000_000).max(1));
        }
        if !keys.current.contains_key(&hash) && keys.current.len() >= per_generation {
            keys.previous = std::mem::take(&mut keys.current);
        }
        keys.current.insert(hash, tat + interval);
        Ok(())
    }

    /// How many keys `bucket` remembers (at most `max_tracked_keys`).
    pub(crate) fn tracked(&self, bucket: Bucket) -> usize {
        self.buckets.get(bucket.index()).map_or(0, |slot| {
            let keys = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            keys.current.len() + keys.previous.len()
        })
    }
}

impl Service {
    /// Counts one request of `key` (a client address, user ID or token ID)
    /// against `bucket`; [`ServiceError::RateLimited`] when over the limit.
    pub fn check_rate(&self, bucket: Bucket, key: &str) -> Result<(), ServiceError> {
        self.inner
            .limiter
            .check(bucket, key, self.now_ms())
            .map_err(|retry_after_secs| ServiceError::RateLimited { retry_after_secs })
    }

    /// How many keys `bucket` currently remembers (bounded by
    /// `max_tracked_keys`; for tests and diagnostics).
    pub fn rate_keys_tracked(&self, bucket: Bucket) -> usize {
        self.inner.limiter.tracked(bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::{Bucket, RateLimiter};
    use crate::config::{Rate, RateLimits};

    fn limiter(max_keys: usize) -> RateLimiter {
        RateLimiter::new(RateLimits {
            max_tracked_keys: max_keys,
            verify_per_user: Rate::new(3, 60),
            ..RateLimits::default()
        })
    }

    #[test]
    fn burst_then_refill() {
        let l = limiter(100);
        let t = 1_000_000;
        for _ in 0..3 {
            assert_eq!(l.check(Bucket::VerifyUser, "a", t), Ok(()));
        }
        assert_eq!(l.check(Bucket::VerifyUser, "a", t), Err(1));
        // Another key and another bucket are independent.
        assert_eq!(l.check(Bucket::VerifyUser, "b", t), Ok(()));
        assert_eq!(l.check(Bucket::VerifyIp, "a", t), Ok(()));
        // One per second refills.
        assert_eq!(l.check(Bucket::VerifyUser, "a", t + 999), Err(1));
        assert_eq!(l.check(Bucket::VerifyUser, "a", t + 1000), Ok(()));
        assert_eq!(l.check(Bucket::VerifyUser, "a", t + 1000), Err(1));
        assert_eq!(l.check(Bucket::VerifyUser, "a", t + 10_000), Ok(()));
    }

    #[test]
    fn memory_stays_bounded_under_a_key_flood() {
        let l = limiter(1000);
        for n in 0..50_000 {
            assert_eq!(l.check(Bucket::VerifyUser, &format!("u{n}"), 5), Ok(()));
            assert!(l.tracked(Bucket::VerifyUser) <= 1000);
        }
        // A key seen recently is still limited.
        for _ in 0..3 {
            let _ = l.check(Bucket::VerifyUser, "victim", 5);
        }
        assert!(l.check(Bucket::VerifyUser, "victim", 5).is_err());
    }
}
