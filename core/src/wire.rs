//! The wire error table: every stable error code an Ichie server answers
//! with, its HTTP status, and the JSON body that carries it. Server and
//! clients build their answers and their parsing from this one table.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A code string that is not in [`ErrorCode::ALL`] (a newer server's code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code")]
pub struct UnknownErrorCode;

/// The stable error codes of the activation endpoints (see `docs/protocol.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 404: no such issuance or activation, or it expired, was used, or is locked
    /// (step 1 does not say which, so user IDs cannot be probed).
    UnknownOrExpired,
    /// 403: the activation password is wrong; `attempts_left` says how many remain.
    WrongPassword,
    /// 423: too many wrong passwords; an operator must unlock the user.
    Locked,
    /// 410: the token was revoked.
    Revoked,
    /// 400: a malformed message, a bad key or a ciphertext that does not decrypt.
    BadRequest,
    /// 400: a protocol version the server does not speak.
    VersionUnsupported,
    /// 429: too many requests from this client; retry later.
    RateLimited,
    /// 500: the server failed; nothing about the cause is disclosed.
    Internal,
}

impl ErrorCode {
    /// Every code, for tables and tests.
    pub const ALL: [ErrorCode; 8] = [
        Self::UnknownOrExpired,
        Self::WrongPassword,
        Self::Locked,
        Self::Revoked,
        Self::BadRequest,
        Self::VersionUnsupported,
        Self::RateLimited,
        Self::Internal,
    ];

    /// The code as it appears in [`ActivationErrorBody::code`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownOrExpired => "unknown_or_expired",
            Self::WrongPassword => "wrong_password",
            Self::Locked => "locked",
            Self::Revoked => "revoked",
            Self::BadRequest => "bad_request",
            Self::VersionUnsupported => "version_unsupported",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status that goes with the code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::UnknownOrExpired => 404,
            Self::WrongPassword => 403,
            Self::Locked => 423,
            Self::Revoked => 410,
            Self::BadRequest | Self::VersionUnsupported => 400,
            Self::RateLimited => 429,
            Self::Internal => 500,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorCode {
    type Err = UnknownErrorCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or(UnknownErrorCode)
    }
}

/// The JSON body of every error answer of the activation endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationErrorBody {
    /// One of the stable codes of [`ErrorCode`]; a client treats unknown codes
    /// like `internal`.
    pub code: String,
    /// A human-readable explanation (English); never contains secrets.
    pub message: String,
    /// With `wrong_password` (and `locked`: 0): how many attempts remain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
}

impl ActivationErrorBody {
    /// A body with `code` and `message` and no attempt count.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_owned(),
            message: message.into(),
            attempts_left: None,
        }
    }

    /// The same body saying how many attempts remain.
    pub fn with_attempts_left(mut self, attempts_left: u32) -> Self {
        self.attempts_left = Some(attempts_left);
        self
    }

    /// The code, if it is one this version knows.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.parse().ok()
    }
}

impl ActivationErrorBody {
    /// Parses an error body.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// The body as JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
}
