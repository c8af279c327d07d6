//! `GET /activate`: the page behind the e-mail's https link, showing the
//! `ichie://` link to open the app (plain HTML, no script).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header::CACHE_CONTROL;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ichie_core::activation::ActivationLink;

use super::{ApiError, AppState};

/// The routes of this resource.
pub fn router() -> Router<AppState> {
    Router::new().route("/activate", get(activate))
}

async fn activate(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let url = format!(
        "{}/activate?{}",
        state.service.settings().public_url,
        query.unwrap_or_default()
    );
    let link = ActivationLink::parse(&url)
        .map_err(|_| ApiError::bad_request("not a valid activation link"))?;
    let app_uri = escape(&link.to_app_uri());
    let service = escape(link.service_id.as_str());
    let user = escape(link.user_id.as_str());
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Activate your Ichie token</title></head><body>\
         <h1>Activate your token</h1>\
         <p>Service: <b>{service}</b><br>User: <b>{user}</b></p>\
         <p><a href=\"{app_uri}\">Open in the Ichie app</a></p>\
         <p>If the button does nothing, copy this link into the app:</p>\
         <p><code>{app_uri}</code></p>\
         <p>The app asks for your activation password, which you received separately.</p>\
         </body></html>\n"
    );
    Ok(([(CACHE_CONTROL, "no-store")], Html(page)).into_response())
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
