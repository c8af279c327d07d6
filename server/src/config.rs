//! The configuration file (`ichie-server.toml`) and its defaults.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment variable that overrides `database_url`.
pub const DATABASE_URL_ENV: &str = "ICHIE_SERVER_DATABASE_URL";

/// The file name `init` writes and `--dir` reads.
pub const CONFIG_FILE: &str = "ichie-server.toml";

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("invalid configuration {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:8443`; port 0 picks a free port).
    pub listen: String,
    /// The base URL apps reach this server at (`https://…`, no trailing slash).
    pub public_url: String,
    /// The service ID tokens are issued for.
    pub service_id: String,
    /// `sqlite://PATH?mode=rwc` or `postgres://user@host/db`; overridden by
    /// `ICHIE_SERVER_DATABASE_URL`.
    pub database_url: String,
    /// Directory of `signing-<kid>.key`, `master.key` and `pepper.key`.
    pub keys_dir: PathBuf,
    /// Which signing key signs challenges.
    pub signing_key_id: String,
    /// The server certificate and key.
    pub tls: TlsConfig,
    /// How issuance e-mails are sent.
    #[serde(default)]
    pub mail: MailConfig,
    /// Lifetimes and limits.
    #[serde(default)]
    pub limits: Limits,
    /// Connection limits and timeouts of the HTTPS listener.
    #[serde(default)]
    pub http: HttpLimits,
    /// Request rates per client address, user and token.
    #[serde(default)]
    pub rate_limits: RateLimits,
}

/// TLS files (PEM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// Private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// E-mail: a file outbox (the default) or SMTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The sender address.
    pub from: String,
    /// Directory where each e-mail is written as an `.eml` file (used when `smtp` is absent).
    pub outbox_dir: Option<PathBuf>,
    /// An SMTP relay; when set, e-mails go there instead of the outbox.
    pub smtp: Option<SmtpConfig>,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            from: "Ichie <ichie@localhost>".into(),
            outbox_dir: None,
            smtp: None,
        }
    }
}

/// An SMTP relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name.
    pub host: String,
    /// Port (587 with STARTTLS, 465 with TLS, 25 plain).
    pub port: u16,
    /// `starttls` (default), `tls` or `none` (local relays only).
    #[serde(default = "default_security")]
    pub security: String,
    /// User name, if the relay needs one.
    pub username: Option<String>,
    /// The environment variable holding the password (never the password itself).
    pub password_env: Option<String>,
}

fn default_security() -> String {
    "starttls".into()
}

/// Lifetimes and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// How long an issuance may be activated (seconds; 7 days).
    pub issuance_ttl_secs: u64,
    /// How long a challenge may be confirmed (seconds; 5 minutes).
    pub activation_ttl_secs: u64,
    /// Wrong activation passwords before the issuance locks.
    pub max_activation_attempts: u32,
    /// Consecutive failed verifications before the token locks.
    pub max_verify_failures: u32,
    /// How long after a revocation the user cannot be issued a new token (seconds; 20 min).
    pub revoke_cooldown_secs: u64,
    /// Steps accepted either side of the server's step (plus the token's
    /// recorded drift).
    pub verify_window: u64,
    /// Tokens whose unsealed key is kept in memory for verification (0: none).
    pub verify_cache_tokens: usize,
    /// Largest request body (bytes).
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            issuance_ttl_secs: 7 * 24 * 3600,
            activation_ttl_secs: 300,
            max_activation_attempts: 5,
            max_verify_failures: 10,
            revoke_cooldown_secs: 20 * 60,
            verify_window: 1,
            verify_cache_tokens: 10_000,
            max_body_bytes: 16 * 1024,
        }
    }
}

/// Connection limits and timeouts of the HTTPS listener (`[http]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpLimits {
    /// Open connections at most; more are closed as soon as accepted.
    pub max_connections: usize,
    /// Open connections at most from one client address (IPv6: one /64).
    pub max_connections_per_ip: usize,
    /// Longest TLS handshake (seconds).
    pub tls_handshake_timeout_secs: u64,
    /// Longest wait for a request's complete headers (seconds); on a
    /// keep-alive connection counted from the end of the previous answer.
    pub header_timeout_secs: u64,
    /// Longest time to receive a request body (seconds).
    pub body_timeout_secs: u64,
    /// Longest time from the headers to the answer (seconds).
    pub request_timeout_secs: u64,
    /// Longest time a connection may stay idle: a keep-alive connection
    /// between requests, or a client that does not read the answer (seconds).
    pub idle_timeout_secs: u64,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_connections: 512,
            max_connections_per_ip: 64,
            tls_handshake_timeout_secs: 10,
            header_timeout_secs: 10,
            body_timeout_secs: 10,
            request_timeout_secs: 30,
            idle_timeout_secs: 30,
        }
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Requests allowed at once (the bucket's size).
    pub burst: u32,
    /// Requests allowed per minute in the long run (the refill rate).
    pub per_minute: u32,
}

impl Rate {
    /// `burst` at once, `per_minute` in the long run.
    pub const fn new(burst: u32, per_minute: u32) -> Self {
        Self { burst, per_minute }
    }
}

/// Request rates (`[rate_limits]`): per client address on every public
/// endpoint, and per user or token where the request names one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// `false` turns every rate limit off (e.g. behind a proxy that limits).
    pub enabled: bool,
    /// Keys (addresses, users, tokens) remembered per limit at most; the
    /// least recently seen are forgotten first.
    pub max_tracked_keys: usize,
    /// `GET /v1/time` and `GET /activate`, per client address.
    pub time_per_ip: Rate,
    /// `POST /v1/activations` and `…/confirm`, per client address.
    pub activation_per_ip: Rate,
    /// Activation attempts per user.
    pub activation_per_user: Rate,
    /// `GET /v1/tokens/{id}/status`, per client address.
    pub token_status_per_ip: Rate,
    /// `GET /v1/tokens/{id}/status`, per token.
    pub token_status_per_token: Rate,
    /// `POST /v1/verify`, per client address (relying parties call from few addresses).
    pub verify_per_ip: Rate,
    /// `POST /v1/verify`, per user.
    pub verify_per_user: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            max_tracked_keys: 100_000,
            time_per_ip: Rate::new(30, 60),
            activation_per_ip: Rate::new(20, 20),
            activation_per_user: Rate::new(10, 5),
            token_status_per_ip: Rate::new(30, 60),
            token_status_per_token: Rate::new(10, 10),
            verify_per_ip: Rate::new(300, 3000),
            verify_per_user: Rate::new(20, 20),
        }
    }
}

impl RateLimits {
    /// Every rate with its key name (for checks and messages).
    pub fn rates(&self) -> [(&'static str, Rate); 7] {
        [
            ("time_per_ip", self.time_per_ip),
            ("activation_per_ip", self.activation_per_ip),
            ("activation_per_user", self.activation_per_user),
            ("token_status_per_ip", self.token_status_per_ip),
            ("token_status_per_token", self.token_status_per_token),
            ("verify_per_ip", self.verify_per_ip),
            ("verify_per_user", self.verify_per_user),
        ]
    }
}

impl Config {
    /// Reads `path`; relative paths in it are relative to its directory;
    /// `ICHIE_SERVER_DATABASE_URL` overrides the database URL.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_paths(base);
        if let Ok(url) = std::env::var(DATABASE_URL_ENV)
            && !url.is_empty()
        {
            config.database_url = url;
        }
        config.check()?;
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.keys_dir);
        fix(&mut self.tls.cert);
        fix(&mut self.tls.key);
        if let Some(dir) = self.mail.outbox_dir.as_mut() {
            fix(dir);
        }
    }

    /// Checks values that TOML types cannot.
    pub fn check(&self) -> Result<(), ConfigError> {
        ichie_core::activation::Identifier::new(&self.service_id)
            .map_err(|_| ConfigError::Invalid("service_id is not a valid identifier".into()))?;
        if !self.public_url.starts_with("https://") || self.public_url.ends_with('/') {
            return Err(ConfigError::Invalid(
                "public_url must start with https:// and have no trailing slash".into(),
            ));
        }
        let l = &self.limits;
        if l.max_activation_attempts == 0 || l.max_verify_failures == 0 {
            return Err(ConfigError::Invalid(
                "attempt limits must be at least 1".into(),
            ));
        }
        if l.activation_ttl_secs == 0 || l.issuance_ttl_secs == 0 {
            return Err(ConfigError::Invalid(
                "lifetimes must be at least 1 s".into(),
            ));
        }
        if l.verify_window > 10 {
            return Err(ConfigError::Invalid(
                "verify_window must be at most 10".into(),
            ));
        }
        if l.verify_cache_tokens > 1_000_000 {
            return Err(ConfigError::Invalid(
                "verify_cache_tokens must be at most 1000000".into(),
            ));
        }
        if l.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be at least 1024".into(),
            ));
        }
        let h = &self.http;
        if h.max_connections == 0 || h.max_connections_per_ip == 0 {
            return Err(ConfigError::Invalid(
                "[http] connection limits must be at least 1".into(),
            ));
        }
        for (name, secs) in [
            ("tls_handshake_timeout_secs", h.tls_handshake_timeout_secs),
            ("header_timeout_secs", h.header_timeout_secs),
            ("body_timeout_secs", h.body_timeout_secs),
            ("request_timeout_secs", h.request_timeout_secs),
            ("idle_timeout_secs", h.idle_timeout_secs),
        ] {
            if !(1..=3600).contains(&secs) {
                return Err(ConfigError::Invalid(format!(
                    "[http] {name} must be 1 to 3600"
                )));
            }
        }
        let r = &self.rate_limits;
        if r.max_tracked_keys < 2 {
            return Err(ConfigError::Invalid(
                "[rate_limits] max_tracked_keys must be at least 2".into(),
            ));
        }
        for (name, rate) in r.rates() {
            if rate.burst == 0 || rate.per_minute == 0 {
                return Err(ConfigError::Invalid(format!(
                    "[rate_limits] {name}: burst and per_minute must be at least 1"
                )));
            }
        }
        Ok(())
    }
}
