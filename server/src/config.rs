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
    /// Steps accepted either side of the server's step.
    pub verify_window: u64,
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
            max_body_bytes: 16 * 1024,
        }
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
        if l.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes must be at least 1024".into(),
            ));
        }
        Ok(())
    }
}
