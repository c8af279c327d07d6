//! The one place that builds Ichie's HTTPS client: rustls on ring, the platform's trust plus extra roots.
//!
//! The TLS configuration is built here rather than left to reqwest so that the
//! crypto provider is always ring (reqwest's own default, aws-lc, is hard to
//! cross-build for phones) and so that a private deployment can add its own
//! root certificates on top of the platform's.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

#[cfg(test)]
pub(crate) mod test_support;
pub(crate) mod transport;

pub use transport::TransportError;

/// The HTTP client type [`client`] builds (reqwest's), so callers need not name reqwest.
pub use reqwest::Client;

/// How many redirects the client follows (all of them to HTTPS URLs).
pub const MAX_REDIRECTS: usize = 5;

/// Why the HTTPS client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpsError {
    /// An extra root certificate could not be read or was refused.
    #[error("bad root certificate: {0}")]
    BadCertificate(String),
    /// The TLS configuration could not be set up (for example no trusted roots at all).
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The HTTP client could not be built.
    #[error("HTTP client setup failed: {0}")]
    Build(String),
}

/// How to build the HTTPS client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsConfig {
    /// Root certificates trusted on top of the platform's, each a PEM file's
    /// contents (one or more `CERTIFICATE` blocks). For private deployments and tests.
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// The longest a whole request may take, connection included.
    pub timeout: Duration,
    /// The longest connecting (TCP and TLS) may take.
    pub connect_timeout: Duration,
}

impl Default for HttpsConfig {
    /// No extra roots, a 15 s request timeout and a 10 s connect timeout.
    fn default() -> Self {
        Self {
            extra_roots_pem: Vec::new(),
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Builds an HTTPS-only client that verifies servers with the platform verifier and the extra roots.
///
/// Plain `http://` URLs are refused, and so are redirects to them; at most
/// [`MAX_REDIRECTS`] redirects are followed.
pub fn client(config: &HttpsConfig) -> Result<reqwest::Client, HttpsError> {
    let tls = tls_config(config)?;
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.url().scheme() != "https" {
            attempt.error("refusing to follow a redirect to a non-HTTPS URL")
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .https_only(true)
        .redirect(redirects)
        .timeout(config.timeout)
        .connect_timeout(config.connect_timeout)
        .user_agent(concat!("ichie/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| HttpsError::Build(error.to_string()))
}

/// The rustls client configuration behind [`client`]: ring, safe default versions, platform verifier.
fn tls_config(config: &HttpsConfig) -> Result<rustls::ClientConfig, HttpsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra_roots = parse_roots(&config.extra_roots_pem)?;
    let verifier = verifier(extra_roots, Arc::clone(&provider))?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| HttpsError::Tls(error.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Reads every certificate of every PEM file; a file without any is an error.
fn parse_roots(pems: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>, HttpsError> {
    let mut roots = Vec::new();
    for (index, pem) in pems.iter().enumerate() {
        let before = roots.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots.push(cert.map_err(|error| {
                HttpsError::BadCertificate(format!("extra root #{index}: {error}"))
            })?);
        }
        if roots.len() == before {
            return Err(HttpsError::BadCertificate(format!(
                "extra root #{index} holds no PEM certificate"
            )));
        }
    }
    Ok(roots)
}

/// The platform verifier, with the extra roots added to the platform's trust.
#[cfg(not(target_os = "android"))]
fn verifier(
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, HttpsError> {
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider)
        .map_err(bad_root_or_tls)?;
    Ok(Arc::new(verifier))
}

/// The platform verifier; the Android one cannot take extra roots, so those
/// are tried by a WebPKI verifier when the platform refuses a certificate.
#[cfg(target_os = "android")]
fn verifier(
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, HttpsError> {
    let platform = Arc::new(
        rustls_platform_verifier::Verifier::new(Arc::clone(&provider))
            .map_err(|error| HttpsError::Tls(error.to_string()))?,
    );
    if extra_roots.is_empty() {
        return Ok(platform);
    }
    Ok(Arc::new(EitherVerifier {
        first: platform,
        second: webpki_verifier(extra_roots, provider)?,
    }))
}

/// A WebPKI verifier trusting exactly `roots`.
#[cfg_attr(not(any(test, target_os = "android")), allow(dead_code))]
fn webpki_verifier(
    roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, HttpsError> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store
            .add(root)
            .map_err(|error| HttpsError::BadCertificate(error.to_string()))?;
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
        .build()
        .map_err(|error| HttpsError::Tls(error.to_string()))?;
    Ok(verifier)
}

fn bad_root_or_tls(error: rustls::Error) -> HttpsError {
    match error {
        rustls::Error::InvalidCertificate(_) | rustls::Error::InvalidCertRevocationList(_) => {
            HttpsError::BadCertificate(error.to_string())
        }
        other => HttpsError::Tls(other.to_string()),
    }
}

/// Accepts a server certificate that either verifier accepts (the first one's error wins).
///
/// Used on Android to add private roots to the platform verifier; compiled
/// everywhere so that the tests exercise it.
#[derive(Debug)]
#[cfg_attr(not(any(test, target_os = "android")), allow(dead_code))]
struct EitherVerifier {
    first: Arc<dyn ServerCertVerifier>,
    second: Arc<dyn ServerCertVerifier>,
}

impl ServerCertVerifier for EitherVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.first
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .or_else(|error| {
                self.second
                    .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                    .map_err(|_| error)
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.first.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.first.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.first.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests;
