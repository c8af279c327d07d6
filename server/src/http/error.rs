//! Every error answer: a status and `{"code", "message", "attempts_left"?, "seconds_left"?}`.
//! The code and its HTTP status come from the one wire table,
//! [`ichie_core::wire::ErrorCode`]; nothing here repeats a code string or a
//! status. Internal errors are logged and answered generically.

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ichie_core::wire::ErrorCode;
use serde::Serialize;

use crate::service::ServiceError;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// The stable code (its HTTP status is [`ErrorCode::http_status`]).
    pub code: ErrorCode,
    /// English text for logs; never a secret.
    pub message: String,
    /// With `wrong_password` and `locked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With `cooldown` and `rate_limited` (then also the `Retry-After` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<u64>,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            attempts_left: None,
            seconds_left: None,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "a valid API key is required (Authorization: Bearer …)",
        )
    }

    /// 403 `forbidden`.
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "this API key's role may not do that")
    }

    /// 405 `method_not_allowed`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            ErrorCode::MethodNotAllowed,
            "method not allowed on this route",
        )
    }

    /// 408 `request_timeout`.
    pub fn request_timeout() -> Self {
        Self::new(ErrorCode::RequestTimeout, "the request took too long")
    }

    /// 429 `rate_limited`, to retry after `retry_after_secs`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            seconds_left: Some(retry_after_secs.max(1)),
            ..Self::new(ErrorCode::RateLimited, "too many requests; retry later")
        }
    }

    /// 500 `internal`.
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error; see the server log")
    }

    /// The HTTP status (from the wire table).
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        use ServiceError as E;
        match error {
            E::BadRequest(message) => Self::bad_request(message),
            E::VersionUnsupported(v) => Self::new(
                ErrorCode::VersionUnsupported,
                format!("activation protocol version {v} is not supported (this server speaks 2)"),
            ),
            E::UnknownOrExpired => Self::new(
                ErrorCode::UnknownOrExpired,
                "unknown, expired, used or locked",
            ),
            E::WrongPassword { attempts_left } => Self {
                attempts_left: Some(attempts_left),
                ..Self::new(ErrorCode::WrongPassword, "wrong activation password")
            },
            E::Locked => Self {
                attempts_left: Some(0),
                ..Self::new(
                    ErrorCode::Locked,
                    "too many wrong activation passwords; ask an operator to unlock",
                )
            },
            E::Revoked => Self::new(ErrorCode::Revoked, "revoked by an operator"),
            E::NotFound(what) => Self::not_found(format!("{what} not found")),
            E::Conflict(message) => Self::new(ErrorCode::Conflict, message),
            E::Cooldown { seconds_left } => Self {
                seconds_left: Some(seconds_left),
                ..Self::new(
                    ErrorCode::Cooldown,
                    "the user's token was revoked recently; re-issue is refused for now",
                )
            },
            E::RateLimited { retry_after_secs } => Self::rate_limited(retry_after_secs),
            E::Unauthorized => Self::unauthorized(),
            E::Internal(detail) => {
                tracing::error!(detail = %super::for_log(&detail), "internal error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = (self.code == ErrorCode::RateLimited)
            .then_some(self.seconds_left)
            .flatten();
        let mut response = (status, Json(self)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
