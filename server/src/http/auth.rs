//! Bearer API keys: [`AdminKey`] for the admin API, [`VerifyAuth`] (a
//! verifier or admin key) for verification. Missing or unknown key: 401; wrong role: 403.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::{ApiError, AppState};
use crate::service::{Role, VerifierAuth};

/// A request made with an admin key; holds the actor name for the audit log.
#[derive(Debug, Clone)]
pub struct AdminKey(pub String);

/// A `/v1/verify` request made with a verifier or admin key; a key checked
/// in the database within the last minute is let in here and checked again
/// by the verification itself ([`crate::service::Service::verify_with_key`]).
#[derive(Debug, Clone)]
pub struct VerifyAuth(pub VerifierAuth);

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::unauthorized)?;
    let key = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 256)
        .ok_or_else(ApiError::unauthorized)?;
    Ok(key)
}

async fn role_of(parts: &Parts, state: &AppState) -> Result<(String, Role), ApiError> {
    let key = bearer(parts)?;
    let (row, role) = state
        .service
        .authenticate(key)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok((format!("key:{}", row.id), role))
}

impl FromRequestParts<AppState> for AdminKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match role_of(parts, state).await? {
            (actor, Role::Admin) => Ok(Self(actor)),
            (_, Role::Verifier) => Err(ApiError::forbidden()),
        }
    }
}

impl FromRequestParts<AppState> for VerifyAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = bearer(parts)?;
        state
            .service
            .authenticate_verifier(key)
            .await?
            .map(Self)
            .ok_or_else(ApiError::unauthorized)
    }
}
