//! `GET /v1/time`: the server clock for the app's clock check.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use super::AppState;

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/time", get(time))
}

async fn time(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(CACHE_CONTROL, "no-store")],
        Json(json!({ "unix_ms": state.service.now_ms() })),
    )
}
