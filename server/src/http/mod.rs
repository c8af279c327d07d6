//! The HTTP API: one router per resource, merged by [`app`], with JSON errors,
//! bounded bodies, request spans and no socket (tests call `oneshot`).

mod activation;
mod admin;
mod auth;
mod error;
mod json;
pub mod limit;
mod time;
mod token;
mod verify;
mod web;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, Response};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::service::Service;

pub use error::ApiError;

/// What every handler gets.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The service layer.
    pub service: Service,
}

/// The whole API as a router, ready to serve or to call with `oneshot`.
pub fn app(service: Service) -> Router {
    let max_body = service.settings().limits.max_body_bytes;
    let state = AppState { service };
    Router::new()
        .merge(time::router())
        .merge(activation::router())
        .merge(token::router())
        .merge(verify::router())
        .merge(admin::router())
        .merge(web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit::per_ip,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(|_panic| {
            ApiError::internal().into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    // The path only (never the query, headers or body), cut
                    // to MAX_LOGGED_CHARS so a client cannot flood the log.
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %for_log(request.uri().path()),
                    )
                })
                .on_request(())
                .on_response(
                    |response: &Response<Body>, latency: Duration, _span: &Span| {
                        tracing::info!(
                            status = response.status().as_u16(),
                            latency_ms = latency.as_secs_f64() * 1000.0,
                            "response"
                        );
                    },
                ),
        )
        .with_state(state)
}

/// The longest client-chosen text (path, ID) written to the log whole.
pub const MAX_LOGGED_CHARS: usize = 128;

/// `text` for the log: at most [`MAX_LOGGED_CHARS`] characters, and when cut,
/// a marker saying how many more there were (`…[+7872 chars]`).
pub fn for_log(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_LOGGED_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            std::borrow::Cow::Owned(format!("{}…[+{rest} chars]", &text[..cut]))
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
