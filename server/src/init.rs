//! `ichie-server init DIR`: keys, a development CA and server certificate, the
//! configuration file, the database, and the first admin and verifier API keys.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;

use crate::clock::SystemClock;
use crate::config::{CONFIG_FILE, Config, ConfigError};
use crate::keys::{KeyError, ServerKeys, write_secret};
use crate::runtime::{StartError, build_service};
use crate::service::{Role, ServiceError};

/// Why `init` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// `DIR/ichie-server.toml` exists already.
    #[error("{0} exists already; refusing to overwrite it")]
    Exists(PathBuf),
    /// A file or directory could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A key could not be made.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The certificates could not be made.
    #[error("certificate generation failed: {0}")]
    Certificate(String),
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The service could not start (database, keys, mail).
    #[error(transparent)]
    Start(#[from] StartError),
    /// Creating the API keys failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// What `init` is asked to make.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The directory to fill.
    pub dir: PathBuf,
    /// The base URL apps reach the server at.
    pub public_url: String,
    /// The address to listen on.
    pub listen: String,
    /// The service ID.
    pub service_id: String,
    /// The database URL (default: SQLite in DIR).
    pub database_url: Option<String>,
}

/// What `init` made: shown once (the API keys are not stored in clear anywhere).
#[derive(Debug, Clone, Serialize)]
pub struct InitOutput {
    /// The admin API key.
    pub admin_key: String,
    /// The verifier API key.
    pub verifier_key: String,
    /// The development CA certificate that apps and tests must trust.
    pub ca_pem_path: PathBuf,
    /// The public URL.
    pub public_url: String,
    /// The service ID.
    pub service_id: String,
    /// The signing key ID.
    pub signing_key_id: String,
    /// The signing public key, base64url.
    pub signing_public_key: String,
    /// The configuration file written.
    pub config_path: PathBuf,
}

/// Runs `init`.
pub async fn init(options: &InitOptions) -> Result<InitOutput, InitError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| InitError::Io { path, source }
    };
    std::fs::create_dir_all(&options.dir).map_err(io(&options.dir))?;
    let dir = options.dir.canonicalize().map_err(io(&options.dir))?;
    let config_path = dir.join(CONFIG_FILE);
    if config_path.exists() {
        return Err(InitError::Exists(config_path));
    }
    // Keys, TLS key and database live here: owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(io(&dir))?;
    }
    let keys_dir = dir.join("keys");
    let mut kid_bytes = [0u8; 4];
    SystemRandom::new()
        .fill(&mut kid_bytes)
        .map_err(|_| KeyError::Random)?;
    let signing_key_id = format!("key-{}", HEXLOWER.encode(&kid_bytes));
    ServerKeys::generate(&keys_dir, &signing_key_id)?;

    let tls_dir = dir.join("tls");
    std::fs::create_dir_all(&tls_dir).map_err(io(&tls_dir))?;
    let (ca_pem, cert_pem, key_pem) = dev_certificates(&options.public_url)?;
    let ca_pem_path = tls_dir.join("ca.pem");
    std::fs::write(&ca_pem_path, ca_pem).map_err(io(&ca_pem_path))?;
    let cert_path = tls_dir.join("server.pem");
    std::fs::write(&cert_path, cert_pem).map_err(io(&cert_path))?;
    let key_path = tls_dir.join("server.key");
    write_secret(&key_path, key_pem.as_bytes())?;

    let database_url = options
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("ichie.db").display()));
    let text = config_text(options, &database_url, &signing_key_id);
    std::fs::write(&config_path, text).map_err(io(&config_path))?;
    let config = Config::load(&config_path)?;

    let service = build_service(&config, Arc::new(SystemClock)).await?;
    let (_, admin_key) = service
        .create_api_key("init", Role::Admin, "created by init")
        .await?;
    let (_, verifier_key) = service
        .create_api_key("init", Role::Verifier, "created by init")
        .await?;
    let (signing_key_id, public_key) = service.signing_key();
    service.store().close().await;
    Ok(InitOutput {
        admin_key: admin_key.to_string(),
        verifier_key: verifier_key.to_string(),
        ca_pem_path,
        public_url: config.public_url,
        service_id: config.service_id,
        signing_key_id,
        signing_public_key: BASE64URL_NOPAD.encode(&public_key),
        config_path,
    })
}

/// A quoted TOML string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn config_text(options: &InitOptions, database_url: &str, signing_key_id: &str) -> String {
    format!(
        r#"# ichie-server configuration (written by `ichie-server init`).
# Relative paths are relative to this file's directory.

# Address to listen on (HTTPS only). Port 0 picks a free port; `serve --port-file` reports it.
listen = {listen}
# The base URL apps reach this server at: https://, no trailing slash. Goes into activation links.
public_url = {public_url}
# The service ID tokens are issued for.
service_id = {service_id}
# sqlite://PATH?mode=rwc (embedded, one instance) or postgres://USER@HOST/DB (several instances).
# The environment variable ICHIE_SERVER_DATABASE_URL overrides it (keep passwords there).
database_url = {database_url}
# signing-<kid>.key, master.key and pepper.key (32 raw bytes each, mode 0600). Back them up;
# without master.key no stored seed can be read, without pepper.key no pending issuance can be activated.
keys_dir = "keys"
# The signing key that signs activation challenges (apps pin its public key).
signing_key_id = {signing_key_id}

[tls]
# Certificate chain (PEM, leaf first) and private key. `init` made a development CA in tls/ca.pem.
cert = "tls/server.pem"
key = "tls/server.key"

[mail]
# Sender of the issuance e-mails.
from = "Ichie <ichie@localhost>"
# Without [mail.smtp], every e-mail is written as an .eml file into this directory.
outbox_dir = "outbox"
# [mail.smtp]
# host = "smtp.example.com"
# port = 587
# security = "starttls"        # starttls, tls or none
# username = "ichie"
# password_env = "ICHIE_SMTP_PASSWORD"   # the variable holding the password

[limits]
# How long an issuance can be activated (7 days).
issuance_ttl_secs = 604800
# How long a challenge can be confirmed (5 minutes).
activation_ttl_secs = 300
# Wrong activation passwords before the issuance locks (an operator unlocks).
max_activation_attempts = 5
# Consecutive failed verifications before the token locks (an operator unlocks).
max_verify_failures = 10
# After a revocation, no new issuance for the user during this time (20 minutes).
revoke_cooldown_secs = 1200
# Steps accepted either side of the current one (centred on the token's
# drift at its last success, at most 10 steps).
verify_window = 1
# Tokens whose unsealed key stays in memory to verify faster (0: none).
verify_cache_tokens = 10000
# Largest request body in bytes.
max_body_bytes = 16384

[http]
# Open connections at most; more are closed as soon as they are accepted.
max_connections = 512
# Open connections at most from one client address (IPv6: one /64).
max_connections_per_ip = 64
# Longest TLS handshake, in seconds.
tls_handshake_timeout_secs = 10
# Longest wait for a request's complete headers; on a keep-alive connection
# counted from the end of the previous answer.
header_timeout_secs = 10
# Longest pause while receiving a request body.
body_timeout_secs = 10
# Longest time from the headers to the answer (408 request_timeout).
request_timeout_secs = 30
# A connection that moves no byte this long after an answer, or while the
# client does not read what is sent to it, is closed.
idle_timeout_secs = 30

[rate_limits]
# Token buckets: `burst` requests at once, refilled at `per_minute`. Over the
# limit: 429 rate_limited with Retry-After. Per client address (IPv6: per /64;
# behind a reverse proxy every client has the proxy's address: raise the
# per-address limits or set enabled = false and limit at the proxy).
enabled = true
# Addresses, users and tokens remembered per limit (bounded memory).
max_tracked_keys = 100000
time_per_ip = {{ burst = 30, per_minute = 60 }}            # GET /v1/time, GET /activate
activation_per_ip = {{ burst = 20, per_minute = 20 }}      # POST /v1/activations, .../confirm
activation_per_user = {{ burst = 10, per_minute = 5 }}     # activation attempts per user
token_status_per_ip = {{ burst = 30, per_minute = 60 }}    # GET /v1/tokens/{{id}}/status
token_status_per_token = {{ burst = 10, per_minute = 10 }}
verify_per_ip = {{ burst = 300, per_minute = 3000 }}       # POST /v1/verify (relying parties)
verify_per_user = {{ burst = 20, per_minute = 20 }}
"#,
        listen = quoted(&options.listen),
        public_url = quoted(&options.public_url),
        service_id = quoted(&options.service_id),
        database_url = quoted(database_url),
        signing_key_id = quoted(signing_key_id),
    )
}

/// The host of an `https://host[:port]/…` URL.
fn url_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split('/').next()?;
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    (!host.is_empty()).then(|| host.to_owned())
}

/// A development CA, and a server certificate it signs for 127.0.0.1,
/// localhost and the public URL's host: (CA PEM, certificate PEM, key PEM).
/// The CA's private key is thrown away.
fn dev_certificates(public_url: &str) -> Result<(String, String, String), InitError> {
    let err = |e: rcgen::Error| InitError::Certificate(e.to_string());
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.distinguished_name
        .push(DnType::CommonName, "ichie-server development CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(err)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    if let Some(host) = url_host(public_url)
        && !names.contains(&host)
    {
        names.push(host);
    }
    let mut leaf = CertificateParams::new(names).map_err(err)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "ichie-server");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(err)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(err)?;
    Ok((ca_cert.pem(), leaf_cert.pem(), leaf_key.serialize_pem()))
}

#[cfg(test)]
mod tests {
    use super::{InitOptions, config_text, url_host};
    use crate::config::{Config, HttpLimits, Limits, RateLimits};

    #[test]
    fn the_written_configuration_states_the_defaults() {
        let options = InitOptions {
            dir: "/tmp/x".into(),
            public_url: "https://127.0.0.1:8443".into(),
            listen: "127.0.0.1:8443".into(),
            service_id: "demo".into(),
            database_url: None,
        };
        let text = config_text(&options, "sqlite://x.db", "key-1");
        let config: Config = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.limits, Limits::default());
        assert_eq!(config.http, HttpLimits::default());
        assert_eq!(config.rate_limits, RateLimits::default());
        assert!(config.check().is_ok());
    }

    #[test]
    fn hosts_of_urls() {
        for (url, host) in [
            ("https://127.0.0.1:8443", Some("127.0.0.1")),
            ("https://otp.example.com", Some("otp.example.com")),
            ("https://otp.example.com:443/x", Some("otp.example.com")),
            ("https://[::1]:8443", Some("::1")),
            ("http://x", None),
        ] {
            assert_eq!(url_host(url).as_deref(), host, "{url}");
        }
    }
}
