//! `POST /v1/activations` and `POST /v1/activations/{id}/confirm` (docs/protocol.md).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ichie_core::activation::{ActivationConfirm, ActivationRequest};

use super::json::{ApiJson, ApiPath};
use super::{ApiError, AppState};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/activations", post(start))
        .route("/v1/activations/{activation_id}/confirm", post(confirm))
}

async fn start(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ActivationRequest>,
) -> Result<Response, ApiError> {
    let challenge = state.service.start_activation(&request).await?;
    Ok((StatusCode::CREATED, json_bytes(challenge.to_json())?).into_response())
}

async fn confirm(
    State(state): State<AppState>,
    ApiPath(activation_id): ApiPath<String>,
    ApiJson(confirm): ApiJson<ActivationConfirm>,
) -> Result<Response, ApiError> {
    let result = state
        .service
        .confirm_activation(&activation_id, &confirm)
        .await?;
    Ok((StatusCode::OK, json_bytes(result.to_json())?).into_response())
}

/// Core's canonical JSON bytes as a response body.
fn json_bytes(
    bytes: Result<Vec<u8>, ichie_core::activation::ActivationError>,
) -> Result<impl IntoResponse, ApiError> {
    let bytes = bytes.map_err(|e| ApiError::from(crate::service::ServiceError::from(e)))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes,
    ))
}
