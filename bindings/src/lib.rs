//! Ichie's mobile bindings: the core's `app` facade exported to Kotlin and Swift with uniffi.
//!
//! Thin by design: every function converts its arguments, calls the core,
//! and converts the answer. One file per core module it exposes.

mod activation;
mod app;
mod clock;
mod error;
mod https;
mod log;
mod otp;
mod token;
mod vault;

pub use activation::{
    ActivationReport, LinkInspection, RemoteTokenState, StatusOutcome, inspect_activation_link,
};
pub use app::{AddReport, IchieApp, TokenCode, TokenView, VaultObserver};
pub use clock::{ClockEstimate, ClockReport, ClockVerdict, WallClock};
pub use error::IchieError;
pub use log::{LogLevel, LogSink, set_log_sink};
pub use otp::Algorithm;
pub use token::TokenState;
pub use vault::generate_vault_key;

uniffi::setup_scaffolding!();
