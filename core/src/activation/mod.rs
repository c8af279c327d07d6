//! Activation protocol v1: the app and the server derive a token seed that never travels.
//!
//! The app sends an ephemeral X25519 key and a nonce ([`ActivationRequest`]);
//! the server answers with its own ephemeral key, a nonce, its time and the
//! token parameters, signed with its long-term Ed25519 key
//! ([`ActivationChallenge`]). Both hash the two messages into the transcript
//! hash `TH` and derive three keys from the X25519 secret. Only after the app
//! has checked the signature against a pinned key does it send the activation
//! password, encrypted ([`ActivationConfirm`]); the server checks it and
//! answers with the token ID and a confirmation MAC, encrypted
//! ([`ActivationResult`]). Both sides then derive the seed from `k_seed` and
//! the token ID.
//!
//! The app's side is a state machine ([`ClientActivation`] →
//! [`VerifiedActivation`] → [`AwaitingResult`] → [`ActivatedToken`]);
//! the server's side is two steps ([`respond`], then
//! [`PendingActivation::open_password`] and [`PendingActivation::complete`]).
//! Everything here is pure: no network, no clock. `docs/protocol.md` is the
//! specification, with a worked example that the tests replay.

mod client;
mod directory;
mod keys;
mod link;
mod messages;
mod password;
#[cfg(feature = "client")]
mod remote;
mod server;
mod transcript;

pub use crate::wire::{ActivationErrorBody, ErrorCode};
pub use client::{ActivatedToken, AwaitingResult, ClientActivation, PinnedKey, VerifiedActivation};
pub use directory::{ActivationTarget, ServiceDirectory, ServiceEntry};
pub use link::ActivationLink;
pub use messages::{
    ActivationChallenge, ActivationConfirm, ActivationRequest, ActivationResult, Identifier,
    TotpParams,
};
pub use password::{ActivationPassword, password_verifier, verify_password};
#[cfg(feature = "client")]
pub use remote::{ActivationClient, ActivationClientError, BegunActivation, RemoteTokenState};
pub use server::{PendingActivation, SigningKey, respond};

#[doc(hidden)]
pub use client::start_with;
#[doc(hidden)]
pub use server::respond_with;

/// The protocol version this module speaks.
pub const VERSION: u32 = 1;

/// The domain label signed in front of the transcript hash.
pub const SIGNATURE_LABEL: &[u8] = b"ichie-activation-v1";

/// Why an activation step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActivationError {
    /// A message is malformed: bad JSON, a wrong length, a forbidden character.
    #[error("malformed activation message: {0}")]
    BadMessage(String),
    /// The peer speaks a protocol version other than 1.
    #[error("activation protocol version {0} is not supported (this side speaks 1)")]
    VersionUnsupported(u32),
    /// The challenge is signed with a key ID that is not pinned for the service.
    #[error("the server signed with key {0:?}, which is not pinned for this service")]
    UnknownKeyId(String),
    /// The challenge signature does not verify: the answer was altered or forged.
    #[error("the server's signature does not verify")]
    BadSignature,
    /// The activation password is not 4 to 8 ASCII digits.
    #[error("the activation password must be 4 to 8 digits")]
    WrongPasswordFormat,
    /// A ciphertext does not decrypt under the session key and transcript.
    #[error("an encrypted activation message does not decrypt")]
    DecryptFailed,
    /// The decrypted confirmation MAC does not match the derived seed.
    #[error("the server's confirmation does not match the derived seed")]
    ConfirmationMismatch,
    /// The peer's X25519 key is malformed or of low order (all-zero shared secret).
    #[error("the peer's ephemeral key is invalid")]
    InvalidPeerKey,
    /// Token parameters the protocol cannot carry (only TOTP with T0 = 0).
    #[error("unsupported token parameters: {0}")]
    UnsupportedParams(String),
    /// Exported pending-activation state could not be read back.
    #[error("corrupt pending activation state: {0}")]
    BadState(String),
    /// The random generator or a cryptographic primitive failed.
    #[error("cryptographic failure")]
    Crypto,
}

impl ActivationError {
    /// The stable error code a server answers with when this error ends a
    /// request (see `docs/protocol.md`).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::VersionUnsupported(_) => ErrorCode::VersionUnsupported,
            Self::BadMessage(_)
            | Self::UnknownKeyId(_)
            | Self::BadSignature
            | Self::WrongPasswordFormat
            | Self::DecryptFailed
            | Self::ConfirmationMismatch
            | Self::InvalidPeerKey => ErrorCode::BadRequest,
            Self::UnsupportedParams(_) | Self::BadState(_) | Self::Crypto => ErrorCode::Internal,
        }
    }
}

impl From<ring::error::Unspecified> for ActivationError {
    fn from(_: ring::error::Unspecified) -> Self {
        Self::Crypto
    }
}

#[cfg(test)]
mod tests;
