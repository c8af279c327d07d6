//! The service layer: every rule of activation, verification and
//! administration, over the store, the keys and a clock. The HTTP handlers and
//! the admin subcommands both call it.

mod activation;
mod admin;
mod cache;
mod rate;
mod verify;

use std::fmt;
use std::sync::Arc;

use data_encoding::BASE64URL_NOPAD;
use ichie_core::activation::{ActivationError, ErrorCode};
use ring::rand::{SecureRandom, SystemRandom};

use crate::clock::Clock;
use crate::config::{Limits, RateLimits};
use crate::keys::ServerKeys;
use crate::mail::Mailer;
use crate::seal::SealError;
use crate::store::Store;

pub use admin::{ApiKeyInfo, IssuanceCreated, IssueRequest, RevokeOutcome, Role, VerifierAuth};
pub use rate::Bucket;
pub use verify::{MAX_DRIFT_STEPS, TokenStatus, VerifyOutcome};

/// Why a service call failed. Each variant is one answer the API gives.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// Malformed input (the message never contains a secret).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// An activation protocol version other than 1.
    #[error("activation protocol version {0} is not supported")]
    VersionUnsupported(u32),
    /// No such pending issuance or activation, or it expired, was used or is locked.
    #[error("unknown or expired")]
    UnknownOrExpired,
    /// The activation password is wrong.
    #[error("wrong activation password")]
    WrongPassword {
        /// How many attempts remain.
        attempts_left: u32,
    },
    /// Too many wrong activation passwords: an operator must unlock.
    #[error("locked after too many wrong activation passwords")]
    Locked,
    /// The issuance was revoked (cancelled) before the confirm.
    #[error("revoked")]
    Revoked,
    /// No such record.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The user already has an active token or a pending issuance.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The user's token was revoked too recently to issue a new one.
    #[error("re-issue refused during the revocation cooldown")]
    Cooldown {
        /// Seconds until issuing is allowed again.
        seconds_left: u64,
    },
    /// The API key is unknown, revoked or expired (found out after the
    /// request was let in on a key checked less than a minute before).
    #[error("unauthorized")]
    Unauthorized,
    /// Too many requests for one client address, user or token.
    #[error("rate limited; retry after {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the next request may succeed (at least 1).
        retry_after_secs: u64,
    },
    /// Anything else: logged, answered generically.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for ServiceError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(format!("database: {error}"))
    }
}

impl From<SealError> for ServiceError {
    fn from(error: SealError) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<ActivationError> for ServiceError {
    fn from(error: ActivationError) -> Self {
        match error.error_code() {
            ErrorCode::VersionUnsupported => match error {
                ActivationError::VersionUnsupported(v) => Self::VersionUnsupported(v),
                _ => Self::VersionUnsupported(0),
            },
            ErrorCode::BadRequest => Self::BadRequest(error.to_string()),
            _ => Self::Internal(error.to_string()),
        }
    }
}

/// What the service needs besides its store and keys.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The service ID tokens are issued for.
    pub service_id: String,
    /// The base URL apps reach the server at.
    pub public_url: String,
    /// Lifetimes and limits.
    pub limits: Limits,
    /// Request rates.
    pub rate_limits: RateLimits,
}

/// The service: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    keys: ServerKeys,
    settings: Settings,
    clock: Arc<dyn Clock>,
    mailer: Mailer,
    limiter: rate::RateLimiter,
    token_cache: cache::TokenCache,
    key_memo: cache::KeyMemo,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("service_id", &self.inner.settings.service_id)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A service over `store` with `keys`, taking the time from `clock`.
    pub fn new(
        store: Store,
        keys: ServerKeys,
        settings: Settings,
        clock: Arc<dyn Clock>,
        mailer: Mailer,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                keys,
                limiter: rate::RateLimiter::new(settings.rate_limits.clone()),
                token_cache: cache::TokenCache::new(settings.limits.verify_cache_tokens),
                key_memo: cache::KeyMemo::default(),
                settings,
                clock,
                mailer,
            }),
        }
    }

    /// Now, in Unix ms, from the service's clock.
    pub fn now_ms(&self) -> u64 {
        self.inner.clock.now_ms()
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The signing key's ID and public key (what apps pin).
    pub fn signing_key(&self) -> (String, [u8; 32]) {
        let key = &self.inner.keys.signing;
        (key.key_id().to_owned(), key.public_key())
    }

    fn keys(&self) -> &ServerKeys {
        &self.inner.keys
    }

    fn key_memo(&self) -> &cache::KeyMemo {
        &self.inner.key_memo
    }

    fn token_cache(&self) -> &cache::TokenCache {
        &self.inner.token_cache
    }

    fn limits(&self) -> &Limits {
        &self.inner.settings.limits
    }
}

/// A fresh 128-bit random ID, base64url without padding (22 characters).
pub fn random_id() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| ServiceError::Internal("random generator failed".into()))?;
    Ok(BASE64URL_NOPAD.encode(&bytes))
}

/// `seconds` as milliseconds (saturating).
fn secs_to_ms(seconds: u64) -> u64 {
    seconds.saturating_mul(1000)
}
