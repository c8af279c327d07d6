//! The admin API (admin key): issuances, revocation, unlocking, the audit
//! log, API keys.

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use ichie_core::activation::ActivationPassword;
use serde::Deserialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::auth::AdminKey;
use super::json::{ApiJson, ApiPath};
use super::{ApiError, AppState};
use crate::service::{ApiKeyInfo, IssuanceCreated, IssueRequest, RevokeOutcome, Role};
use crate::store::{AuditEntry, IssuanceRow};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/issuances", post(issue).get(list))
        .route("/v1/admin/issuances/{id}", get(show))
        .route("/v1/admin/issuances/{id}/unlock", post(unlock_issuance))
        .route("/v1/admin/users/{user_id}/revoke", post(revoke))
        .route("/v1/admin/tokens/{token_id}/unlock", post(unlock_token))
        .route("/v1/admin/audit", get(audit))
        .route("/v1/admin/api-keys", post(create_key).get(list_keys))
        .route("/v1/admin/api-keys/{id}/revoke", post(revoke_key))
}

#[derive(Deserialize)]
struct CreateKeyBody {
    role: String,
    #[serde(default)]
    label: Option<String>,
    /// Lifetime in seconds from now.
    #[serde(default)]
    expires_in_secs: Option<u64>,
    /// Or an absolute expiry (Unix ms).
    #[serde(default)]
    expires_ms: Option<u64>,
}

async fn create_key(
    State(state): State<AppState>,
    AdminKey(actor): AdminKey,
    ApiJson(body): ApiJson<CreateKeyBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let role = Role::parse(&body.role)
        .ok_or_else(|| ApiError::bad_request("role must be admin or verifier"))?;
    let expires_ms = match (body.expires_in_secs, body.expires_ms) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "give expires_in_secs or expires_ms, not both",
            ));
        }
        (Some(secs), None) => Some(
            state
                .service
                .now_ms()
                .saturating_add(secs.saturating_mul(1000)),
        ),
        (None, at) => at,
    };
    let label = body
        .label
        .unwrap_or_else(|| "created over the admin API".into());
    let (row, key) = state
        .service
        .create_api_key_expiring(&actor, role, &label, expires_ms)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": row.id,
            "role": row.role,
            "label": row.label,
            "created_ms": row.created_ms,
            "expires_ms": row.expires_ms,
            "key": key.as_str(),
        })),
    ))
}

async fn list_keys(
    State(state): State<AppState>,
    _admin: AdminKey,
) -> Result<Json<Value>, ApiError> {
    let keys: Vec<ApiKeyInfo> = state.service.list_api_keys().await?;
    Ok(Json(json!({ "api_keys": keys })))
}

async fn revoke_key(
    State(state): State<AppState>,
    AdminKey(actor): AdminKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    state.service.revoke_api_key(&actor, &id).await?;
    Ok(Json(json!({ "revoked": id })))
}

#[derive(Deserialize)]
struct IssueBody {
    user_id: String,
    email: String,
    activation_password: Zeroizing<String>,
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    digits: Option<u32>,
    #[serde(default)]
    period: Option<u32>,
}

async fn issue(
    State(state): State<AppState>,
    AdminKey(actor): AdminKey,
    ApiJson(body): ApiJson<IssueBody>,
) -> Result<(StatusCode, Json<IssuanceCreated>), ApiError> {
    let activation_password = ActivationPassword::new(&body.activation_password)
        .map_err(|_| ApiError::bad_request("activation_password must be 4 to 8 digits"))?;
    let created = state
        .service
        .issue(
            &actor,
            IssueRequest {
                user_id: body.user_id,
                email: body.email,
                activation_password,
                algorithm: body.algorithm,
                digits: body.digits,
                period: body.period,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    before: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    _admin: AdminKey,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(page) = page.map_err(|_| ApiError::bad_request("malformed query string"))?;
    let limit = page.limit.unwrap_or(100);
    let issuances: Vec<IssuanceRow> = state.service.list_issuances(limit).await?;
    Ok(Json(json!({ "issuances": issuances })))
}

async fn show(
    State(state): State<AppState>,
    _admin: AdminKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<IssuanceRow>, ApiError> {
    Ok(Json(state.service.issuance(&id).await?))
}

async fn unlock_issuance(
    State(state): State<AppState>,
    AdminKey(actor): AdminKey,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    state.service.unlock_issuance(&actor, &id).await?;
    Ok(Json(json!({ "unlocked": id })))
}

async fn revoke(
    State(state): State<AppState>,
    AdminKey(actor): AdminKey,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Json<RevokeOutcome>, ApiError> {
    Ok(Json(state.service.revoke_user(&actor, &user_id).await?))
}

async fn unlock_token(
    State(state): State<AppState>,
    AdminKey(actor): AdminKey,
    ApiPath(token_id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    state.service.unlock_token(&actor, &token_id).await?;
    Ok(Json(json!({ "unlocked": token_id })))
}

async fn audit(
    State(state): State<AppState>,
    _admin: AdminKey,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(page) = page.map_err(|_| ApiError::bad_request("malformed query string"))?;
    let (limit, before) = (page.limit.unwrap_or(100), page.before);
    let entries: Vec<AuditEntry> = state.service.audit_log(limit, before).await?;
    Ok(Json(json!({ "entries": entries })))
}
