//! `ichie-server serve`: HTTPS (rustls on ring) until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::clock::SystemClock;
use crate::config::Config;
use crate::http::app;
use crate::runtime::{StartError, build_service};

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The service could not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The certificate or key could not be loaded.
    #[error("TLS: {0}")]
    Tls(String),
    /// Binding or serving failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// The rustls server configuration (ring provider, HTTP/1.1) from PEM files.
pub fn tls_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, ServeError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| ServeError::Tls(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(ServeError::Tls(format!(
            "{}: no certificate",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| ServeError::Tls(format!("{}: {e}", key.display())))?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| ServeError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| ServeError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves `router` over TLS on `listener` until `handle` shuts it down.
pub async fn serve_on(
    listener: std::net::TcpListener,
    tls: Arc<ServerConfig>,
    router: Router,
    handle: Handle<SocketAddr>,
) -> Result<(), ServeError> {
    listener.set_nonblocking(true)?;
    axum_server::from_tcp_rustls(listener, RustlsConfig::from_config(tls))?
        .handle(handle)
        .serve(router.into_make_service())
        .await?;
    Ok(())
}

/// Runs the server of `config`; writes the bound port to `port_file` if given.
pub async fn serve(config: &Config, port_file: Option<&Path>) -> Result<(), ServeError> {
    let tls = tls_config(&config.tls.cert, &config.tls.key)?;
    let service = build_service(config, Arc::new(SystemClock)).await?;
    let listener = std::net::TcpListener::bind(&config.listen)?;
    let addr = listener.local_addr()?;
    if let Some(path) = port_file {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, format!("{}\n", addr.port()))?;
        std::fs::rename(&tmp, path)?;
    }
    tracing::info!(%addr, public_url = %config.public_url, service_id = %config.service_id, "listening (HTTPS)");
    let handle = Handle::new();
    tokio::spawn(shutdown_on_signal(handle.clone()));
    serve_on(listener, tls, app(service.clone()), handle).await?;
    service.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGINT or SIGTERM, then drains connections for up to 10 s.
async fn shutdown_on_signal(handle: Handle<SocketAddr>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(error) => {
                    tracing::error!(%error, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    handle.graceful_shutdown(Some(Duration::from_secs(10)));
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(Duration::from_secs(10)));
}
