//! Time for the codes: a clock the app may supply, and the clock check's report.

use std::sync::{Arc, Mutex};

use ichie_core::{app, clock};

use crate::error::IchieError;

/// The device's wall clock, implemented by the app (Kotlin/Swift) when it
/// wants to supply time itself; without one the system clock is used.
#[uniffi::export(foreign)]
pub trait WallClock: Send + Sync {
    /// The current time in milliseconds since 1970-01-01T00:00:00Z. An
    /// exception thrown here reaches the caller of the `IchieApp` method
    /// that asked for the time as `IchieError.Internal`, never as a panic.
    fn now_ms(&self) -> Result<u64, IchieError>;
}

/// The app's clock seen as the core's clock. The core's clock cannot fail,
/// so a failure is kept here (and 0 given instead) until the `IchieApp`
/// method that asked turns it into an error and drops what it computed.
pub(crate) struct ForeignClock {
    app_clock: Arc<dyn WallClock>,
    failure: Mutex<Option<String>>,
}

impl ForeignClock {
    /// The failure since the last call, if any (and forgets it).
    pub(crate) fn take_failure(&self) -> Option<String> {
        match self.failure.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

impl clock::WallClock for ForeignClock {
    fn now_ms(&self) -> u64 {
        match self.app_clock.now_ms() {
            Ok(ms) => ms,
            Err(error) => {
                let mut slot = match self.failure.lock() {
                    Ok(slot) => slot,
                    Err(poisoned) => poisoned.into_inner(),
                };
                *slot = Some(error.to_string());
                0
            }
        }
    }
}

/// The clock the core uses, and the app's clock (to ask it for failures)
/// when the app supplied one.
pub(crate) fn core_clock(
    clock: Option<Arc<dyn WallClock>>,
) -> (Arc<dyn clock::WallClock>, Option<Arc<ForeignClock>>) {
    match clock {
        Some(app_clock) => {
            let foreign = Arc::new(ForeignClock {
                app_clock,
                failure: Mutex::new(None),
            });
            (
                Arc::clone(&foreign) as Arc<dyn clock::WallClock>,
                Some(foreign),
            )
        }
        None => (Arc::new(clock::SystemClock), None),
    }
}

/// How far the device clock is from a time source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ClockEstimate {
    /// Server time minus device time, in milliseconds.
    pub offset_ms: i64,
    /// The true offset lies within `offset_ms ± uncertainty_ms`.
    pub uncertainty_ms: u64,
    /// The round trip of the sample the estimate rests on.
    pub round_trip_ms: u64,
    /// How many samples were considered.
    pub samples: u32,
}

impl From<clock::ClockEstimate> for ClockEstimate {
    fn from(e: clock::ClockEstimate) -> Self {
        Self {
            offset_ms: e.offset_ms,
            uncertainty_ms: e.uncertainty_ms,
            round_trip_ms: e.round_trip_ms,
            samples: u32::try_from(e.samples).unwrap_or(u32::MAX),
        }
    }
}

impl From<ClockEstimate> for clock::ClockEstimate {
    fn from(e: ClockEstimate) -> Self {
        Self {
            offset_ms: e.offset_ms,
            uncertainty_ms: e.uncertainty_ms,
            round_trip_ms: e.round_trip_ms,
            samples: e.samples as usize,
        }
    }
}

/// Whether a clock is good enough for codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ClockVerdict {
    /// Within 5 s, uncertainty included.
    Fine,
    /// Possibly more than 5 s off, but not surely more than a step.
    Warn,
    /// Surely off by more than a step: codes will be refused.
    CodesWrong,
}

impl From<clock::ClockVerdict> for ClockVerdict {
    fn from(v: clock::ClockVerdict) -> Self {
        match v {
            clock::ClockVerdict::Fine => Self::Fine,
            clock::ClockVerdict::Warn => Self::Warn,
            clock::ClockVerdict::CodesWrong => Self::CodesWrong,
        }
    }
}

/// The result of a clock check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ClockReport {
    /// Offset, uncertainty and round trip.
    pub estimate: ClockEstimate,
    /// Fine, warn, or codes wrong.
    pub verdict: ClockVerdict,
    /// The step the verdict was judged against, in seconds.
    pub judged_step_s: u32,
}

impl From<app::ClockReport> for ClockReport {
    fn from(r: app::ClockReport) -> Self {
        Self {
            estimate: r.estimate.into(),
            verdict: r.verdict.into(),
            judged_step_s: r.judged_step_s,
        }
    }
}
