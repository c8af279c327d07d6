//! The clock-skew check: how far the device clock is from a time source, and whether codes suffer.
//!
//! A check takes a few round trips to a [`TimeSource`] (the Ichie server's time
//! endpoint, or any HTTPS server's `Date` header as a coarse fallback), keeps
//! the one with the shortest round trip and turns it into an offset with an
//! uncertainty, NTP style ([`estimate`]). [`verdict`] then says whether the
//! codes of a token with a given time step are fine, doubtful or wrong.
//!
//! Nothing here reads the wall clock by itself: [`check`] is handed a
//! [`WallClock`], and [`estimate`] and [`verdict`] are pure functions.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::otp::Step;

#[cfg(feature = "client")]
mod http;

#[cfg(feature = "client")]
pub use http::{DateHeaderSource, JsonTimeSource};

/// The fewest samples [`check`] takes.
pub const MIN_SAMPLES: usize = 3;

/// The most samples [`check`] takes.
pub const MAX_SAMPLES: usize = 5;

/// How far off (offset plus uncertainty) a clock may be and still count as fine: 5 s.
///
/// A TOTP code changes every 30 s and servers usually accept the previous and
/// the next one as well, so a few seconds of skew never costs a login. Five
/// seconds is also what a phone that syncs its time over the network keeps to
/// with ease, so a clock beyond it is worth a word to the user, even though
/// codes still work.
pub const FINE_TOLERANCE_MS: u64 = 5_000;

/// Why a clock check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockError {
    /// There were no samples to estimate from.
    #[error("no time samples to estimate the clock offset from")]
    NoSamples,
    /// A sample is impossible (for example it was received before it was sent).
    #[error("impossible time sample: {0}")]
    BadSample(String),
    /// The time source could not be reached (DNS, connection refused, reset…).
    #[error("network error: {0}")]
    Network(String),
    /// The TLS handshake failed, typically because the certificate is not trusted.
    #[error("TLS error: {0}")]
    Tls(String),
    /// The time source answered with an HTTP status that carries no time.
    #[error("the time source answered with HTTP status {status}")]
    Http {
        /// The HTTP status code.
        status: u16,
    },
    /// The answer could not be understood.
    #[error("unexpected answer from the time source: {0}")]
    BadResponse(String),
    /// The time source did not answer in time.
    #[error("the time source did not answer in time")]
    Timeout,
}

#[cfg(feature = "client")]
impl From<crate::https::TransportError> for ClockError {
    fn from(error: crate::https::TransportError) -> Self {
        use crate::https::TransportError;
        match error {
            TransportError::Network(m) => Self::Network(m),
            TransportError::Tls(m) => Self::Tls(m),
            TransportError::Timeout => Self::Timeout,
            TransportError::Http { status } => Self::Http { status },
            TransportError::BadResponse(m) => Self::BadResponse(m),
            // A variant added later still reaches the user as a network error.
            #[allow(unreachable_patterns)]
            other => Self::Network(other.to_string()),
        }
    }
}

/// The device's wall clock, as Unix milliseconds. Shells may supply their own.
pub trait WallClock: Send + Sync {
    /// The current time in milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> u64;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl WallClock for SystemClock {
    /// The system time; a time before 1970 yields 0.
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to: tests (of the core, the server and
/// the shells) script time with it instead of sleeping.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock standing at `now_ms` (Unix milliseconds).
    pub fn new(now_ms: u64) -> Self {
        Self(AtomicU64::new(now_ms))
    }

    /// Sets the time.
    pub fn set(&self, now_ms: u64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    /// Moves the time forward by `ms` (saturating at `u64::MAX`).
    pub fn advance(&self, ms: u64) {
        // `fetch_update` with a closure that always answers `Some` cannot fail.
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(ms))
            });
    }
}

impl WallClock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// One exchange with a time source: local send/receive times and the server's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Local time just before the request left, in Unix milliseconds.
    pub sent_ms: u64,
    /// The time the server reported, in Unix milliseconds, truncated to its resolution.
    pub server_ms: u64,
    /// Local time right after the answer arrived, in Unix milliseconds.
    pub received_ms: u64,
    /// How coarse the server's time is: the true server time lies in
    /// `server_ms .. server_ms + server_resolution_ms` (1 for milliseconds,
    /// 1000 for an HTTP `Date` header; 0 means exact).
    pub server_resolution_ms: u64,
}

impl Sample {
    /// The round trip: `received_ms - sent_ms`, or `None` if received before sent.
    pub fn round_trip_ms(&self) -> Option<u64> {
        self.received_ms.checked_sub(self.sent_ms)
    }
}

/// Something that tells the time over a round trip.
pub trait TimeSource {
    /// Asks for the time once, reading `clock` just before sending and right after the answer.
    fn sample(
        &self,
        clock: &dyn WallClock,
    ) -> impl std::future::Future<Output = Result<Sample, ClockError>> + Send;
}

/// How far the device clock is from the time source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ClockEstimate {
    /// Server time minus local time, in milliseconds: add it to the local time to get the true time.
    pub offset_ms: i64,
    /// The true offset lies within `offset_ms ± uncertainty_ms`.
    pub uncertainty_ms: u64,
    /// The round trip of the sample the estimate rests on.
    pub round_trip_ms: u64,
    /// How many samples were considered.
    pub samples: usize,
}

/// Whether a clock is good enough for codes of a given time step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockVerdict {
    /// The clock is within [`FINE_TOLERANCE_MS`], uncertainty included.
    Fine,
    /// The clock may be off by more than [`FINE_TOLERANCE_MS`] (or the
    /// measurement is too coarse to say), but not surely by more than a step.
    Warn,
    /// The clock is surely off by more than one time step: codes will be refused.
    CodesWrong,
}

/// Estimates the clock offset from samples, NTP style, from the one with the shortest round trip.
///
/// The server read its clock somewhere between `sent_ms` and `received_ms`,
/// and the true server time lies in `server_ms .. server_ms + resolution`, so
/// the offset lies in `[server_ms - received_ms, server_ms + resolution -
/// sent_ms]`. The estimate is the middle of that interval and the uncertainty
/// half its width (rounded up): half the round trip plus half the resolution.
/// The sample with the shortest round trip gives the narrowest interval (ties
/// go to the first such sample).
///
/// Fails with [`ClockError::NoSamples`] for an empty slice and
/// [`ClockError::BadSample`] if any sample was received before it was sent.
pub fn estimate(samples: &[Sample]) -> Result<ClockEstimate, ClockError> {
    let mut best: Option<(u64, &Sample)> = None;
    for sample in samples {
        let round_trip = sample.round_trip_ms().ok_or_else(|| {
            ClockError::BadSample(format!(
                "received at {} ms, before it was sent at {} ms",
                sample.received_ms, sample.sent_ms
            ))
        })?;
        if best.is_none_or(|(shortest, _)| round_trip < shortest) {
            best = Some((round_trip, sample));
        }
    }
    let (round_trip_ms, sample) = best.ok_or(ClockError::NoSamples)?;

    let server = i128::from(sample.server_ms);
    let low = server - i128::from(sample.received_ms);
    let high = server + i128::from(sample.server_resolution_ms) - i128::from(sample.sent_ms);
    let offset = (low + high).div_euclid(2);
    let uncertainty = high - offset;

    Ok(ClockEstimate {
        offset_ms: saturate_i64(offset),
        uncertainty_ms: u64::try_from(uncertainty).unwrap_or(u64::MAX),
        round_trip_ms,
        samples: samples.len(),
    })
}

/// Judges a clock estimate for codes with time step `step`.
///
/// - [`ClockVerdict::Fine`] if `|offset| + uncertainty <= FINE_TOLERANCE_MS`:
///   even the worst case is a few seconds, which no server notices.
/// - [`ClockVerdict::CodesWrong`] if `|offset| - uncertainty > step`: even the
///   best case is beyond one step. A server that accepts the previous, current
///   and next code (the usual ±1 window) then refuses the device's code for at
///   least part of every step, and always once the skew passes two steps.
/// - [`ClockVerdict::Warn`] otherwise: the clock is noticeably off, or the
///   measurement is too coarse to call it fine, but codes still mostly work.
pub fn verdict(estimate: &ClockEstimate, step: Step) -> ClockVerdict {
    let skew = estimate.offset_ms.unsigned_abs();
    if skew.saturating_add(estimate.uncertainty_ms) <= FINE_TOLERANCE_MS {
        ClockVerdict::Fine
    } else if skew.saturating_sub(estimate.uncertainty_ms) > step.as_millis() {
        ClockVerdict::CodesWrong
    } else {
        ClockVerdict::Warn
    }
}

/// Measures the clock offset against `source` with `samples` round trips, one after another.
///
/// `samples` is clamped to [`MIN_SAMPLES`]`..=`[`MAX_SAMPLES`]. Failed round
/// trips are tolerated as long as one succeeds; if all fail, the last error is
/// returned.
pub async fn check<S: TimeSource>(
    source: &S,
    clock: &dyn WallClock,
    samples: usize,
) -> Result<ClockEstimate, ClockError> {
    let attempts = samples.clamp(MIN_SAMPLES, MAX_SAMPLES);
    let mut good = Vec::with_capacity(attempts);
    let mut last_error = None;
    for _ in 0..attempts {
        match source.sample(clock).await {
            Ok(sample) => good.push(sample),
            Err(error) => last_error = Some(error),
        }
    }
    match (good.is_empty(), last_error) {
        (true, Some(error)) => Err(error),
        _ => estimate(&good),
    }
}

fn saturate_i64(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests;
