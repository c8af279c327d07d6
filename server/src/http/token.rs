//! `GET /v1/tokens/{token_id}/status`: active, revoked or locked, for the app.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};

use super::json::ApiPath;
use super::{ApiError, AppState};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/tokens/{token_id}/status", get(status))
}

async fn status(
    State(state): State<AppState>,
    ApiPath(token_id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let status = state.service.token_status(&token_id).await?;
    Ok(Json(json!({ "state": status })))
}
