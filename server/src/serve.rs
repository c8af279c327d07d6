//! `ichie-server serve`: HTTPS (rustls on ring), HTTP/1.1 only, until SIGINT
//! or SIGTERM.
//!
//! Against slow and greedy clients ([`HttpLimits`], `[http]` in the
//! configuration): at most `max_connections` connections, and at most
//! `max_connections_per_ip` from one address (IPv6: one /64) — more are
//! closed as soon as accepted; a TLS handshake timeout; hyper's header read
//! timeout (which also bounds the wait for the next request on a keep-alive
//! connection); a body inactivity timeout and a whole-request timeout (408
//! `request_timeout`); and an idle timeout on the connection itself: after an
//! answer, or while the client does not read what we write, a connection that
//! moves no byte for `idle_timeout_secs` is closed. The listener is served by
//! axum-server over hyper-util; only the acceptor and the stream wrapper
//! here are ours.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_server::Handle;
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use hyper_util::rt::TokioTimer;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};
use tower_http::timeout::TimeoutBody;

use crate::clock::SystemClock;
use crate::config::{Config, HttpLimits};
use crate::http::{ApiError, app, limit::client_key};
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

/// Serves `router` over TLS on `listener` with the default [`HttpLimits`]
/// until `handle` shuts it down.
pub async fn serve_on(
    listener: std::net::TcpListener,
    tls: Arc<ServerConfig>,
    router: Router,
    handle: Handle<SocketAddr>,
) -> Result<(), ServeError> {
    serve_with(listener, tls, router, handle, &HttpLimits::default()).await
}

/// Serves `router` over TLS on `listener` with `limits` until `handle` shuts
/// it down: HTTP/1.1 only, connection caps and every timeout of
/// [`HttpLimits`]; handlers see the client's address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve_with(
    listener: std::net::TcpListener,
    tls: Arc<ServerConfig>,
    router: Router,
    handle: Handle<SocketAddr>,
    limits: &HttpLimits,
) -> Result<(), ServeError> {
    listener.set_nonblocking(true)?;
    let secs = Duration::from_secs;
    let timeouts = RequestTimeouts {
        body: secs(limits.body_timeout_secs),
        request: secs(limits.request_timeout_secs),
    };
    let router = router.layer(axum::middleware::from_fn(move |request, next| {
        request_timeouts(timeouts, request, next)
    }));
    let acceptor = GuardAcceptor {
        inner: RustlsAcceptor::new(RustlsConfig::from_config(tls))
            .handshake_timeout(secs(limits.tls_handshake_timeout_secs)),
        slots: Arc::new(Slots::new(
            limits.max_connections,
            limits.max_connections_per_ip,
        )),
        idle: secs(limits.idle_timeout_secs),
    };
    let mut server = axum_server::from_tcp(listener)?
        .acceptor(acceptor)
        .http1_only()
        .handle(handle);
    server
        .http_builder()
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(secs(limits.header_timeout_secs))
        .keep_alive(true);
    server
        .serve(router.into_make_service_with_connect_info::<SocketAddr>())
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
    serve_with(listener, tls, app(service.clone()), handle, &config.http).await?;
    service.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The body and whole-request timeouts.
#[derive(Debug, Clone, Copy)]
struct RequestTimeouts {
    body: Duration,
    request: Duration,
}

/// Bounds the pause between body chunks and the time from the headers to
/// the answer; either answers 408 `request_timeout`.
async fn request_timeouts(timeouts: RequestTimeouts, request: Request, next: Next) -> Response {
    let request = request.map(|body| Body::new(TimeoutBody::new(timeouts.body, body)));
    match tokio::time::timeout(timeouts.request, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::info!("request timed out");
            ApiError::request_timeout().into_response()
        }
    }
}

/// Open connections, in total and per client address key.
#[derive(Debug)]
struct Slots {
    max_total: usize,
    max_per_ip: usize,
    open: Mutex<(usize, HashMap<String, usize>)>,
}

impl Slots {
    fn new(max_total: usize, max_per_ip: usize) -> Self {
        Self {
            max_total,
            max_per_ip,
            open: Mutex::new((0, HashMap::new())),
        }
    }

    /// A slot for a connection from `ip`, if both caps allow one more.
    fn take(self: &Arc<Self>, ip: Option<IpAddr>) -> Option<Slot> {
        let key = client_key(ip);
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (total, per_ip) = &mut *open;
        let from_ip = per_ip.get(&key).copied().unwrap_or(0);
        if *total >= self.max_total || from_ip >= self.max_per_ip {
            return None;
        }
        *total += 1;
        per_ip.insert(key.clone(), from_ip + 1);
        Some(Slot {
            slots: self.clone(),
            key,
        })
    }
}

/// One open connection's place; given back when the connection is dropped.
#[derive(Debug)]
struct Slot {
    slots: Arc<Slots>,
    key: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (total, per_ip) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(count) = per_ip.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                per_ip.remove(&self.key);
            }
        }
    }
}

/// The acceptor around TLS: takes a connection slot before the handshake
/// (over a cap the connection is closed at once), and wraps the decrypted
/// stream in the idle timeout, which so sees HTTP bytes only.
#[derive(Debug, Clone)]
struct GuardAcceptor<A> {
    inner: A,
    slots: Arc<Slots>,
    idle: Duration,
}

/// What [`GuardAcceptor`] returns.
type Guarding<T, S> = Pin<Box<dyn Future<Output = io::Result<(Guarded<T>, S)>> + Send>>;

impl<A, S> Accept<TcpStream, S> for GuardAcceptor<A>
where
    A: Accept<TcpStream, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = Guarded<A::Stream>;
    type Service = A::Service;
    type Future = Guarding<A::Stream, A::Service>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let ip = stream.peer_addr().ok().map(|addr| addr.ip());
        let Some(slot) = self.slots.take(ip) else {
            tracing::debug!("connection refused: connection cap reached");
            return Box::pin(std::future::ready(Err(io::Error::other(
                "connection cap reached",
            ))));
        };
        let idle = self.idle;
        let handshake = self.inner.accept(stream, service);
        Box::pin(async move {
            let (stream, service) = handshake.await?;
            Ok((Guarded::new(stream, slot, idle), service))
        })
    }
}

/// A connection (its TLS stream) that holds its [`Slot`] and times out when
/// idle: while the client does not read what we write, or when it sends
/// nothing after our last write (between requests on a keep-alive connection).
#[derive(Debug)]
struct Guarded<S> {
    inner: S,
    _slot: Slot,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    armed: bool,
    wrote_last: bool,
}

impl<S> Guarded<S> {
    fn new(inner: S, slot: Slot, idle: Duration) -> Self {
        Self {
            inner,
            _slot: slot,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            armed: false,
            wrote_last: false,
        }
    }

    /// Bytes moved: the idle clock stops.
    fn progress(&mut self, wrote: bool) {
        self.armed = false;
        self.wrote_last = wrote;
    }

    /// Nothing moved: starts the idle clock if it is not running; an error
    /// once it has run out.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if !self.armed {
            self.armed = true;
            let deadline = Instant::now() + self.idle;
            self.timer.as_mut().reset(deadline);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle too long",
            )),
            Poll::Pending => Ok(()),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.progress(false);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                // Waiting for the client after we answered: idle.
                if this.wrote_last {
                    this.poll_idle(cx)?;
                }
                Poll::Pending
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    this.progress(true);
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                // The client does not read what we send.
                this.poll_idle(cx)?;
                Poll::Pending
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Pending => {
                this.poll_idle(cx)?;
                Poll::Pending
            }
            ready => ready,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Pending => {
                this.poll_idle(cx)?;
                Poll::Pending
            }
            ready => ready,
        }
    }
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
