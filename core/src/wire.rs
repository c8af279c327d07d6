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

/// The stable error codes of an Ichie server's answers: those of the
/// activation endpoints (see `docs/protocol.md`, listed in [`ErrorCode::ALL`])
/// and those of the rest of the API (`docs/operations.md`, all of them in
/// [`ErrorCode::EVERY`]). Each code has one string and one HTTP status, here.
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
    /// 404: no such route or record (outside the activation endpoints).
    NotFound,
    /// 401: a valid API key is required (missing, unknown, revoked or expired).
    Unauthorized,
    /// 403: the API key's role may not do that.
    Forbidden,
    /// 409: the user already has an active token or a pending issuance.
    Conflict,
    /// 409: the user's token was revoked recently; re-issue is refused for now.
    Cooldown,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 408: the request (its headers, body or handling) took too long.
    RequestTimeout,
    /// 413: the request body is too large.
    PayloadTooLarge,
    /// 415: the request body is not JSON.
    UnsupportedMediaType,
}

impl ErrorCode {
    /// The codes of the activation endpoints (the ones an activation client
    /// maps); [`ErrorCode::EVERY`] has every code of the API.
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

    /// Every code any endpoint answers with, for tables and tests.
    pub const EVERY: [ErrorCode; 17] = [
        Self::UnknownOrExpired,
        Self::WrongPassword,
        Self::Locked,
        Self::Revoked,
        Self::BadRequest,
        Self::VersionUnsupported,
        Self::RateLimited,
        Self::Internal,
        Self::NotFound,
        Self::Unauthorized,
        Self::Forbidden,
        Self::Conflict,
        Self::Cooldown,
        Self::MethodNotAllowed,
        Self::RequestTimeout,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
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
            Self::NotFound => "not_found",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::Conflict => "conflict",
            Self::Cooldown => "cooldown",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::RequestTimeout => "request_timeout",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
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
            Self::NotFound => 404,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::Conflict | Self::Cooldown => 409,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
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
        Self::EVERY
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or(UnknownErrorCode)
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Why `POST /v1/verify` rejected a code (`{"result":"rejected","reason":…}`,
/// HTTP 200): the relying party's answer, not an error of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VerifyRejection {
    /// The code is not the token's within the window.
    InvalidCode,
    /// The code's step (or a later one) was accepted before.
    Replayed,
    /// Too many failed verifications; an operator must unlock the token.
    Locked,
    /// The user's token was revoked.
    Revoked,
    /// The user has no token.
    NoToken,
}

impl VerifyRejection {
    /// Every reason.
    pub const ALL: [VerifyRejection; 5] = [
        Self::InvalidCode,
        Self::Replayed,
        Self::Locked,
        Self::Revoked,
        Self::NoToken,
    ];

    /// The reason as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidCode => "invalid_code",
            Self::Replayed => "replayed",
            Self::Locked => "locked",
            Self::Revoked => "revoked",
            Self::NoToken => "no_token",
        }
    }
}

impl fmt::Display for VerifyRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VerifyRejection {
    type Err = UnknownErrorCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.as_str() == s)
            .ok_or(UnknownErrorCode)
    }
}

impl Serialize for VerifyRejection {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
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

#[cfg(test)]
mod tests {
    use super::{ErrorCode, VerifyRejection};

    #[test]
    fn every_code_round_trips_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::EVERY {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
            assert!((400..600).contains(&code.http_status()), "{code}");
            assert_eq!(
                serde_json::to_string(&code).ok(),
                Some(format!("\"{code}\""))
            );
        }
        assert!(ErrorCode::ALL.iter().all(|c| ErrorCode::EVERY.contains(c)));
        for reason in VerifyRejection::ALL {
            assert_eq!(reason.as_str().parse::<VerifyRejection>(), Ok(reason));
        }
    }
}
