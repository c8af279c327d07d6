//! Ichie's domain: OTP codes, `otpauth://` URIs, the encrypted token vault, the
//! clock check, the activation protocol and the facade that the shells and the
//! CLI drive.

pub mod activation;
pub mod app;
pub mod backup;
pub mod clock;
#[cfg(feature = "client")]
pub mod https;
pub mod otp;
pub mod token;
pub mod uri;
pub mod vault;
pub mod wire;
