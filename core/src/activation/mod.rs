//! Activation protocol v2: the app and the server derive a token seed that
//! never travels, from a PAKE under the activation password, which never
//! leaves the app in any form.
//!
//! The app derives the password-related string ([`Prs`]) and sends its CPace
//! share with a nonce ([`ActivationRequest`]); the server, which keeps the
//! issuance's PRS sealed, answers with its own share, its time and the token
//! parameters, signed with its long-term Ed25519 key
//! ([`ActivationChallenge`]). The app checks the signature against the keys
//! pinned for the service, then both hash the CPace key `ISK` with the
//! transcript hash `TH` into three keys. The app proves it knows the password
//! with a MAC ([`ActivationConfirm`]); the server checks it, counts a
//! failure or answers with the token ID and a confirmation, encrypted
//! ([`ActivationResult`]). Both derive the seed from `k_seed` and the token
//! ID.
//!
//! The app's side is a state machine ([`ClientActivation`] →
//! [`VerifiedActivation`] → [`AwaitingResult`] → [`ActivatedToken`]);
//! the server's side is two steps ([`respond`], then
//! [`PendingActivation::confirm_matches`] and [`PendingActivation::complete`]).
//! Everything here is pure: no network, no clock. `docs/protocol.md` is the
//! specification, with a worked example that the tests replay.

mod client;
mod cpace;
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
pub use link::{ActivationLink, LinkCheck};
pub use messages::{
    ActivationChallenge, ActivationConfirm, ActivationRequest, ActivationResult, Identifier,
    TotpParams,
};
pub use password::{ActivationPassword, Prs};
#[cfg(feature = "client")]
pub use remote::{ActivationClient, ActivationClientError, BegunActivation, RemoteTokenState};
pub use server::{ChallengeIds, PendingActivation, SigningKey, respond};

#[doc(hidden)]
pub use client::start_with;
#[doc(hidden)]
pub use server::{respond_with, sign_challenge};

/// The protocol version this module speaks.
pub const VERSION: u32 = 2;

/// The domain label signed in front of the transcript hash.
pub const SIGNATURE_LABEL: &[u8] = b"ichie-activation-v2";

/// Why an activation step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActivationError {
    /// A message is malformed: bad JSON, a wrong length, a forbidden character.
    #[error("malformed activation message: {0}")]
    BadMessage(String),
    /// The peer speaks a protocol version other than 2.
    #[error("activation protocol version {0} is not supported (this side speaks 2)")]
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
    /// An activation link names a service the app knows, with another server
    /// URL or signing key than the app's directory: a forged link.
    #[error(
        "this link does not match the service {service_id:?} the app knows: its {what} differs (a forged link?)"
    )]
    LinkMismatch {
        /// The service the link names.
        service_id: String,
        /// What differs: "server URL" or "signing key".
        what: &'static str,
    },
    /// The decrypted confirmation MAC does not match the derived seed.
    #[error("the server's confirmation does not match the derived seed")]
    ConfirmationMismatch,
    /// The peer's CPace share does not decode or gives the neutral element.
    #[error("the peer's CPace share is invalid")]
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
            | Self::LinkMismatch { .. }
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
