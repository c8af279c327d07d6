//! Shared test environment: a service over SQLite or PostgreSQL with a manual
//! clock, its router, API keys, and helpers that drive the HTTP API.
#![allow(dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use ichie_core::activation::{
    ActivatedToken, ActivationChallenge, ActivationPassword, ActivationResult, AwaitingResult,
    ClientActivation, PinnedKey,
};
use ichie_core::otp::Totp;
use ichie_server::clock::ManualClock;
use ichie_server::config::{Limits, RateLimits};
use ichie_server::keys::ServerKeys;
use ichie_server::mail::Mailer;
use ichie_server::service::{Role, Service, Settings};
use ichie_server::store::Store;
use serde_json::Value;
use sqlx::{Connection, Executor};
use tower::ServiceExt;

/// The database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// 2026-01-01T00:00:00Z, the start of a 30-second step.
pub const T0_MS: u64 = 1_767_225_600_000;
pub const SERVICE: &str = "example-bank";

pub struct TestEnv {
    pub service: Service,
    pub clock: Arc<ManualClock>,
    pub app: Router,
    pub admin_key: String,
    pub verifier_key: String,
    pub pinned: PinnedKey,
    pub dir: tempfile::TempDir,
}

/// A fresh PostgreSQL database on the test cluster, or `None` to skip.
pub async fn postgres_url() -> Option<String> {
    let Ok(url) = std::env::var("ICHIE_TEST_POSTGRES_URL") else {
        if std::env::var("ICHIE_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("ICHIE_REQUIRE_POSTGRES=1 but ICHIE_TEST_POSTGRES_URL is not set");
        }
        eprintln!("skipped: ICHIE_TEST_POSTGRES_URL is not set");
        return None;
    };
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url)
        .await
        .expect("connect to the test PostgreSQL");
    let name = format!("ichie_t_{}", ichie_server::service::random_id().unwrap())
        .to_lowercase()
        .replace('-', "_");
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create a test database");
    conn.close().await.ok();
    let base = url.split('?').next().unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    Some(format!("{server}/{name}"))
}

impl TestEnv {
    pub async fn new(db: Db) -> Option<Self> {
        Self::with_limits(db, Limits::default()).await
    }

    pub async fn with_limits(db: Db, limits: Limits) -> Option<Self> {
        Self::with_all_limits(db, limits, RateLimits::default()).await
    }

    pub async fn with_rate_limits(db: Db, rate_limits: RateLimits) -> Option<Self> {
        Self::with_all_limits(db, Limits::default(), rate_limits).await
    }

    pub async fn with_all_limits(db: Db, limits: Limits, rate_limits: RateLimits) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let url = match db {
            Db::Sqlite => format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()),
            Db::Postgres => postgres_url().await?,
        };
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let keys =
            ServerKeys::from_bytes("2026-01", &[9u8; 32], &[7u8; 32], b"test pepper").unwrap();
        let pinned = keys.signing.pinned();
        let clock = Arc::new(ManualClock::new(T0_MS));
        let mailer = Mailer::Outbox {
            dir: dir.path().join("outbox"),
            from: "Ichie <ichie@localhost>".parse().unwrap(),
        };
        let service = Service::new(
            store,
            keys,
            Settings {
                service_id: SERVICE.into(),
                public_url: "https://otp.example.com".into(),
                limits,
                rate_limits,
            },
            clock.clone(),
            mailer,
        );
        let (_, admin_key) = service
            .create_api_key("test", Role::Admin, "t")
            .await
            .unwrap();
        let (_, verifier_key) = service
            .create_api_key("test", Role::Verifier, "t")
            .await
            .unwrap();
        Some(Self {
            app: ichie_server::app(service.clone()),
            service,
            clock,
            admin_key: admin_key.to_string(),
            verifier_key: verifier_key.to_string(),
            pinned,
            dir,
        })
    }

    /// Sends a request; the status and the body parsed as JSON (Null if empty or not JSON).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        self.call_raw(method, path, key, Some("application/json"), bytes)
            .await
    }

    pub async fn call_raw(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Value) {
        let (status, bytes) = self.call_bytes(method, path, key, content_type, body).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn call_bytes(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Vec<u8>) {
        let (status, _, bytes) = self
            .call_from(None, method, path, key, content_type, body)
            .await;
        (status, bytes)
    }

    /// A request as if from client address `from` (none: no connection
    /// information, as with a bare `oneshot`); status, headers and body.
    pub async fn call_from(
        &self,
        from: Option<&str>,
        method: &str,
        path: &str,
        key: Option<&str>,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        if let (Some(ct), Some(_)) = (content_type, body.as_ref()) {
            request = request.header("content-type", ct);
        }
        let mut request = request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        if let Some(from) = from {
            let addr: std::net::SocketAddr = format!("{from}:40000").parse().unwrap();
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
        }
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, headers, bytes.to_vec())
    }

    /// Issues a token to `user` with `password` through the admin API.
    pub async fn issue(&self, user: &str, password: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/v1/admin/issuances",
            Some(&self.admin_key),
            Some(&serde_json::json!({
                "user_id": user,
                "email": format!("{user}@example.com"),
                "activation_password": password,
            })),
        )
        .await
    }

    /// Step 1 over HTTP with the app's CPace share for `password`: the
    /// status, and the verified state if it was 201.
    pub async fn challenge(
        &self,
        user: &str,
        password: &str,
    ) -> Result<ichie_core::activation::VerifiedActivation, (StatusCode, Value)> {
        let (client, request) =
            ClientActivation::start(SERVICE, user, &ActivationPassword::new(password).unwrap())
                .unwrap();
        let (status, bytes) = self
            .call_bytes(
                "POST",
                "/v1/activations",
                None,
                Some("application/json"),
                Some(request.to_json().unwrap()),
            )
            .await;
        if status != StatusCode::CREATED {
            return Err((
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            ));
        }
        let challenge = ActivationChallenge::from_json(&bytes).unwrap();
        Ok(client
            .accept_challenge(&challenge, std::slice::from_ref(&self.pinned))
            .unwrap())
    }

    /// Steps 3–4 over HTTP: sends the confirm; the status, body and the state.
    pub async fn confirm(
        &self,
        verified: ichie_core::activation::VerifiedActivation,
    ) -> (StatusCode, Vec<u8>, AwaitingResult) {
        let (awaiting, _confirm) = verified.confirm();
        let (status, bytes) = self.send_confirm(&awaiting).await;
        (status, bytes, awaiting)
    }

    pub async fn send_confirm(&self, awaiting: &AwaitingResult) -> (StatusCode, Vec<u8>) {
        self.call_bytes(
            "POST",
            &format!("/v1/activations/{}/confirm", awaiting.activation_id()),
            None,
            Some("application/json"),
            Some(awaiting.confirm_message().to_json().unwrap()),
        )
        .await
    }

    /// The whole activation; the token or the failing status and body.
    pub async fn activate(
        &self,
        user: &str,
        password: &str,
    ) -> Result<ActivatedToken, (StatusCode, Value)> {
        let verified = self.challenge(user, password).await?;
        let (status, bytes, awaiting) = self.confirm(verified).await;
        if status != StatusCode::OK {
            return Err((
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            ));
        }
        Ok(awaiting
            .finish(&ActivationResult::from_json(&bytes).unwrap())
            .unwrap())
    }

    /// `POST /v1/verify` with the verifier key.
    pub async fn verify(&self, user: &str, code: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/v1/verify",
            Some(&self.verifier_key),
            Some(&serde_json::json!({ "user_id": user, "code": code })),
        )
        .await
    }
}

/// The app's code for `token` at `unix_ms`.
pub fn code_at(token: &ActivatedToken, unix_ms: u64) -> String {
    let ichie_core::token::OtpKind::Totp { step, .. } = token.params.kind else {
        panic!("activation issues TOTP");
    };
    let totp = Totp::new(
        token.params.algorithm,
        &token.secret,
        token.params.digits,
        step,
        0,
    );
    totp.code_at(unix_ms)
        .unwrap()
        .to_zeroizing_string()
        .to_string()
}

/// A code that is not the token's at `unix_ms` (nor in the window).
pub fn wrong_code(token: &ActivatedToken, unix_ms: u64) -> String {
    let right: Vec<String> = [unix_ms - 30_000, unix_ms, unix_ms + 30_000]
        .iter()
        .map(|t| code_at(token, *t))
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !right.contains(c))
        .unwrap()
}

/// Runs each listed `async fn(Db)` on SQLite and on PostgreSQL (the test
/// builds its own environment; on PostgreSQL it returns early when
/// `TestEnv::with_*` gives `None`).
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Postgres).await;
                }
            )*
        }
    };
}

/// Runs each listed `async fn(TestEnv)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let env = $crate::common::TestEnv::new($crate::common::Db::Sqlite).await.unwrap();
                    super::$name(env).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(env) = $crate::common::TestEnv::new($crate::common::Db::Postgres).await {
                        super::$name(env).await;
                    }
                }
            )*
        }
    };
}
