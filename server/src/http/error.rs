//! Every error answer: a status and `{"code", "message", "attempts_left"?, "seconds_left"?}`
//! with a stable code. Internal errors are logged and answered generically.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::service::ServiceError;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// The stable code.
    pub code: &'static str,
    /// English text for logs; never a secret.
    pub message: String,
    /// With `wrong_password` and `locked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With `cooldown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<u64>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            attempts_left: None,
            seconds_left: None,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required (Authorization: Bearer …)",
        )
    }

    /// 403 `forbidden`.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this API key's role may not do that",
        )
    }

    /// 405 `method_not_allowed`.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed on this route",
        )
    }

    /// 500 `internal`.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        use ServiceError as E;
        match error {
            E::BadRequest(message) => Self::bad_request(message),
            E::VersionUnsupported(v) => Self::new(
                StatusCode::BAD_REQUEST,
                "version_unsupported",
                format!("activation protocol version {v} is not supported (this server speaks 1)"),
            ),
            E::UnknownOrExpired => Self::new(
                StatusCode::NOT_FOUND,
                "unknown_or_expired",
                "unknown, expired, used or locked",
            ),
            E::WrongPassword { attempts_left } => Self {
                attempts_left: Some(attempts_left),
                ..Self::new(
                    StatusCode::FORBIDDEN,
                    "wrong_password",
                    "wrong activation password",
                )
            },
            E::Locked => Self {
                attempts_left: Some(0),
                ..Self::new(
                    StatusCode::LOCKED,
                    "locked",
                    "too many wrong activation passwords; ask an operator to unlock",
                )
            },
            E::Revoked => Self::new(StatusCode::GONE, "revoked", "revoked by an operator"),
            E::NotFound(what) => Self::not_found(format!("{what} not found")),
            E::Conflict(message) => Self::new(StatusCode::CONFLICT, "conflict", message),
            E::Cooldown { seconds_left } => Self {
                seconds_left: Some(seconds_left),
                ..Self::new(
                    StatusCode::CONFLICT,
                    "cooldown",
                    "the user's token was revoked recently; re-issue is refused for now",
                )
            },
            E::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}
