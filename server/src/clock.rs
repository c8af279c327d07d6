//! Where the service layer takes the time from: the system clock, or a manual one in tests.
//!
//! These are the core's clocks (`ichie_core::clock`), so the server, the
//! core and the apps share one clock trait and one scripted test clock.

pub use ichie_core::clock::{ManualClock, SystemClock, WallClock as Clock};
