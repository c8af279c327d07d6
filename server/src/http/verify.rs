//! `POST /v1/verify`: the relying party checks a user's code (verifier or admin key).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::auth::VerifyAuth;
use super::json::ApiJson;
use super::{ApiError, AppState};
use crate::service::VerifyOutcome;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/verify", post(verify))
}

#[derive(Deserialize)]
struct VerifyRequest {
    user_id: String,
    code: Zeroizing<String>,
    #[serde(default)]
    service_id: Option<String>,
}

async fn verify(
    State(state): State<AppState>,
    VerifyAuth(auth): VerifyAuth,
    ApiJson(request): ApiJson<VerifyRequest>,
) -> Result<Json<VerifyOutcome>, ApiError> {
    tracing::debug!(actor = %auth.actor, "verify");
    let outcome = state
        .service
        .verify_with_key(
            auth.recheck,
            request.service_id.as_deref(),
            &request.user_id,
            &request.code,
        )
        .await?;
    Ok(Json(outcome))
}
