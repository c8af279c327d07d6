//! A log the app can read: what the library did, in short English lines,
//! handed to a sink the app installs (Logcat, `os_log`, a file). Lines never
//! hold a secret, a code or a password: only events, counts, hosts and the
//! errors' own texts (which never carry secrets either).

use std::sync::{Arc, RwLock};

use crate::error::IchieError;

/// How much a line matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    /// Detail for debugging.
    Debug,
    /// Something happened as it should.
    Info,
    /// Something failed that the user may retry or fix.
    Warn,
    /// Something failed that should not.
    Error,
}

/// Receives the library's log lines (implemented by the app).
#[uniffi::export(foreign)]
pub trait LogSink: Send + Sync {
    /// One line. An error thrown here is ignored.
    fn log(&self, level: LogLevel, message: String) -> Result<(), IchieError>;
}

static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);

/// Installs (or, with `None`, removes) the sink every `IchieApp` logs to.
#[uniffi::export]
pub fn set_log_sink(sink: Option<Arc<dyn LogSink>>) {
    match SINK.write() {
        Ok(mut slot) => *slot = sink,
        Err(poisoned) => *poisoned.into_inner() = sink,
    }
}

/// Hands one line to the sink, if there is one.
pub(crate) fn log(level: LogLevel, message: impl FnOnce() -> String) {
    let sink = match SINK.read() {
        Ok(slot) => slot.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    if let Some(sink) = sink {
        // The app's failure to write its log is not the library's.
        let _ = sink.log(level, message());
    }
}

/// Logs how a call ended: `done` at info level, or the error at `Warn`
/// (user-fixable) or `Error` (a bug or a failing platform).
pub(crate) fn outcome<T>(
    what: &str,
    result: &Result<T, IchieError>,
    done: impl FnOnce(&T) -> String,
) {
    match result {
        Ok(value) => log(LogLevel::Info, || format!("{what}: {}", done(value))),
        Err(error @ IchieError::Internal { .. }) => {
            log(LogLevel::Error, || format!("{what} failed: {error}"))
        }
        Err(error) => log(LogLevel::Warn, || format!("{what} failed: {error}")),
    }
}
