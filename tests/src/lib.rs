//! Shared pieces of the end-to-end tests and the load generator: a real
//! ichie-server started in-process over TLS, and an admin client.
// Test scaffolding: a set-up step that fails must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use axum_server::Handle;
use ichie_core::activation::{ActivationLink, ActivationTarget};
use ichie_core::https::{self, Client, HttpsConfig};
use ichie_server::init::{InitOptions, InitOutput, init};
use serde_json::{Value, json};

/// A real ichie-server on 127.0.0.1 with TLS, in this process.
pub struct Server {
    dir: tempfile::TempDir,
    /// The server's base URL (`https://127.0.0.1:PORT`).
    pub url: String,
    /// What `init` printed: API keys, CA path, signing key.
    pub init: InitOutput,
    /// The development CA that signed the server's certificate.
    pub ca_pem: Vec<u8>,
    handle: Handle<SocketAddr>,
}

impl Server {
    /// Initialises a server in a temporary directory (SQLite) and serves it on a free port.
    ///
    /// # Panics
    /// When any step of the set-up fails: this is test scaffolding.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let url = format!("https://127.0.0.1:{}", addr.port());
        let init = init(&InitOptions {
            dir: dir.path().join("server"),
            public_url: url.clone(),
            listen: addr.to_string(),
            service_id: "e2e-bank".into(),
            database_url: None,
        })
        .await
        .unwrap();
        let config = ichie_server::config::Config::load(&init.config_path).unwrap();
        let tls = ichie_server::serve::tls_config(&config.tls.cert, &config.tls.key).unwrap();
        let service = ichie_server::runtime::build_service(
            &config,
            Arc::new(ichie_server::clock::SystemClock),
        )
        .await
        .unwrap();
        let handle = Handle::new();
        tokio::spawn(ichie_server::serve::serve_on(
            listener,
            tls,
            ichie_server::app(service),
            handle.clone(),
        ));
        let ca_pem = std::fs::read(&init.ca_pem_path).unwrap();
        Self {
            dir,
            url,
            init,
            ca_pem,
            handle,
        }
    }

    /// An HTTPS client trusting the server's CA.
    pub fn http(&self) -> Client {
        https::client(&HttpsConfig {
            extra_roots_pem: vec![self.ca_pem.clone()],
            ..HttpsConfig::default()
        })
        .unwrap()
    }

    /// The admin API with the admin key.
    pub fn admin(&self) -> AdminClient {
        AdminClient::new(self.http(), &self.url, &self.init.admin_key)
    }

    /// Issues a token to `user` and returns the activation target from the link.
    pub async fn issue(&self, user: &str, password: &str) -> ActivationTarget {
        let issued = self.admin().issue(user, password).await.unwrap();
        ActivationLink::parse(issued["link"].as_str().unwrap())
            .unwrap()
            .into()
    }

    /// `POST /v1/verify` with the verifier key.
    pub async fn verify(&self, user: &str, code: &str) -> Value {
        let response = self
            .http()
            .post(format!("{}/v1/verify", self.url))
            .bearer_auth(&self.init.verifier_key)
            .header("content-type", "application/json")
            .body(json!({ "user_id": user, "code": code }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        serde_json::from_str(&response.text().await.unwrap()).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

impl Server {
    /// The server's directory (configuration, keys, outbox, database).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

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
