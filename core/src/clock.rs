//! The clock-skew check: how far the device clock is from a time source, and whether codes suffer.
//!
//! A check takes a few round trips to a [`TimeSource`] (the Ichie server's time
//! endpoint, or any HTTPS server's `Date` header as a coarse fallback), keeps
//! the one with the shortest round trip and turns it into an offset with an
//! uncertainty, NTP style ([`estimate`]). [`verdict`] then says whether the
//! codes of a token with a given time step are fine, doubtful or wrong.
//!
//! A measured offset becomes the stored clock correction only through
//! [`bound_correction`], the one bound every path (`ichie clock --apply`, the
//! apps, activation) goes through: never beyond [`MAX_CORRECTION_MS`], beyond
//! [`FORCE_CORRECTION_ABOVE_MS`] only when forced, and never from a
//! measurement too uncertain for the shortest time step in use.
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

/// The largest clock correction ever stored, either way: 24 hours.
///
/// A clock that is off by more than a day has the wrong date, not a drift
/// worth correcting behind the user's back; and a time source claiming such a
/// difference is far likelier broken or hostile (an answer of
/// `{"unix_ms": 18446744073709551615}`, a `Date` in the year 9999) than right.
/// A day still covers the one large honest error, a time zone set wrong
/// (at most 14 hours from UTC), when the user forces it.
pub const MAX_CORRECTION_MS: u64 = 24 * 60 * 60 * 1000;

/// Corrections larger than this, 5 minutes, are stored only when forced.
///
/// A clock kept by the network is seconds off at worst, and a free-running
/// quartz clock drifts about a minute a month; more than five minutes means a
/// wrong setting (or a wrong time source), which the user should look at
/// before every code is shifted by it.
pub const FORCE_CORRECTION_ABOVE_MS: u64 = 5 * 60 * 1000;

/// Why a measured offset was not stored as the clock correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CorrectionError {
    /// The offset is beyond [`MAX_CORRECTION_MS`]; it is never stored, forced or not.
    #[error(
        "a clock correction of {} is beyond the limit of ±{} h; set this device's date and time instead",
        seconds(*offset_ms),
        limit_ms / 3_600_000
    )]
    TooLarge {
        /// The offset that was refused, in milliseconds.
        offset_ms: i64,
        /// The limit, in milliseconds.
        limit_ms: u64,
    },
    /// The offset is beyond [`FORCE_CORRECTION_ABOVE_MS`]; it is stored only when forced.
    #[error(
        "a clock correction of {} is more than {} minutes; check this device's time and time zone (or force the correction)",
        seconds(*offset_ms),
        limit_ms / 60_000
    )]
    NeedsForce {
        /// The offset that was refused, in milliseconds.
        offset_ms: i64,
        /// The limit beyond which force is needed, in milliseconds.
        limit_ms: u64,
    },
    /// The measurement is too uncertain for the shortest time step in use
    /// (see [`correction_uncertainty_limit_ms`]); forcing does not help.
    #[error(
        "the measured offset is uncertain by ±{:.3} s, more than the ±{:.3} s allowed for {} s codes; measure again over a faster connection or a more precise time source",
        *uncertainty_ms as f64 / 1000.0,
        *limit_ms as f64 / 1000.0,
        step_s
    )]
    TooUncertain {
        /// The measurement's uncertainty, in milliseconds.
        uncertainty_ms: u64,
        /// The largest uncertainty allowed, in milliseconds.
        limit_ms: u64,
        /// The step the limit was judged against, in seconds.
        step_s: u32,
    },
}

/// An offset in milliseconds as signed seconds for messages: `+606.000 s`.
fn seconds(ms: i64) -> String {
    format!("{:+.3} s", ms as f64 / 1000.0)
}

/// The largest uncertainty a measurement may have to become the correction
/// for codes of step `step`: a quarter of the step, and at most
/// [`FINE_TOLERANCE_MS`].
///
/// After the correction, the clock is off by at most the uncertainty; a
/// quarter step keeps the code right for three quarters of every step even
/// with no tolerance at the verifier, and [`FINE_TOLERANCE_MS`] keeps a
/// corrected clock within what [`verdict`] calls fine. (A `Date` header, with
/// its one-second resolution, can therefore never correct codes with steps
/// under 2 s, which it cannot resolve.)
pub fn correction_uncertainty_limit_ms(step: Step) -> u64 {
    (step.as_millis() / 4).min(FINE_TOLERANCE_MS)
}

/// Checks a correction's size alone: refused beyond [`MAX_CORRECTION_MS`],
/// and beyond [`FORCE_CORRECTION_ABOVE_MS`] unless `force`.
///
/// [`bound_correction`] calls this; a correction typed in by hand, which has
/// no uncertainty, is checked with this alone.
pub fn check_correction_size(correction_ms: i64, force: bool) -> Result<(), CorrectionError> {
    let size = correction_ms.unsigned_abs();
    if size > MAX_CORRECTION_MS {
        return Err(CorrectionError::TooLarge {
            offset_ms: correction_ms,
            limit_ms: MAX_CORRECTION_MS,
        });
    }
    if size > FORCE_CORRECTION_ABOVE_MS && !force {
        return Err(CorrectionError::NeedsForce {
            offset_ms: correction_ms,
            limit_ms: FORCE_CORRECTION_ABOVE_MS,
        });
    }
    Ok(())
}

/// The correction to store for a measured offset, or why none may be: the
/// one bound every path that stores a measured correction goes through.
///
/// `step` is the shortest time step the correction will serve. Refuses, in
/// this order:
/// 1. [`CorrectionError::TooLarge`]: `|offset| > MAX_CORRECTION_MS`, even with `force`;
/// 2. [`CorrectionError::TooUncertain`]: the uncertainty exceeds
///    [`correction_uncertainty_limit_ms`]`(step)`, even with `force` (checked
///    before the next rule so that forcing is never suggested in vain);
/// 3. [`CorrectionError::NeedsForce`]: `|offset| > FORCE_CORRECTION_ABOVE_MS`
///    and `force` is false.
///
/// Otherwise returns the offset, which is the correction to store.
pub fn bound_correction(
    estimate: &ClockEstimate,
    step: Step,
    force: bool,
) -> Result<i64, CorrectionError> {
    check_correction_size(estimate.offset_ms, true)?;
    let limit_ms = correction_uncertainty_limit_ms(step);
    if estimate.uncertainty_ms > limit_ms {
        return Err(CorrectionError::TooUncertain {
            uncertainty_ms: estimate.uncertainty_ms,
            limit_ms,
            step_s: step.as_secs(),
        });
    }
    check_correction_size(estimate.offset_ms, force)?;
    Ok(estimate.offset_ms)
}

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
    /// The exchange with the time source failed: network, TLS, timeout, an
    /// HTTP status that carries no time, or an answer that could not be read.
    #[cfg(feature = "client")]
    #[error(transparent)]
    Transport(#[from] crate::https::TransportError),
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
