//! Shared pieces of the end-to-end tests and the load generator: an admin
//! client for a running ichie-server.

use ichie_core::https::Client;
use serde_json::{Value, json};

/// Why an admin call failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request did not complete.
    #[error("request failed: {0}")]
    Request(String),
    /// The server refused.
    #[error("HTTP {status}: {body}")]
    Refused {
        /// The status code.
        status: u16,
        /// The error body.
        body: String,
    },
}

/// Calls a server's admin API with an admin key.
#[derive(Debug, Clone)]
pub struct AdminClient {
    http: Client,
    base_url: String,
    key: String,
}

impl AdminClient {
    /// A client for the server at `base_url`.
    pub fn new(http: Client, base_url: &str, key: &str) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
        }
    }

    /// `POST /v1/admin/issuances`: issues a token to `user_id`; the answer
    /// carries the activation links.
    pub async fn issue(&self, user_id: &str, password: &str) -> Result<Value, AdminError> {
        let body = json!({
            "user_id": user_id,
            "email": format!("{user_id}@example.com"),
            "activation_password": password,
        });
        self.call("POST", "/v1/admin/issuances", Some(body)).await
    }

    /// Any admin call; `body` is sent as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, AdminError> {
        let url = format!("{}{path}", self.base_url);
        let request = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url),
        };
        let request = request.bearer_auth(&self.key);
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(body.to_string()),
            None => request,
        };
        let response = request
            .send()
            .await
            .map_err(|e| AdminError::Request(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| AdminError::Request(e.to_string()))?;
        if !(200..300).contains(&status) {
            return Err(AdminError::Refused { status, body: text });
        }
        serde_json::from_str(&text)
            .map_err(|e| AdminError::Request(format!("bad JSON answer: {e}")))
    }
}
