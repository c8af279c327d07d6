//! Per-client-address rate limits on the public endpoints, applied after
//! routing (the matched route picks the [`Bucket`]) and before any extractor,
//! so a flood is refused before authentication, JSON parsing or the database.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppState};
use crate::service::Bucket;

/// The per-address bucket of a route, if it has one (the admin API has none:
/// it needs an admin key).
fn bucket_of(method: &Method, route: &str) -> Option<Bucket> {
    match (method.as_str(), route) {
        ("GET" | "HEAD", "/v1/time" | "/activate") => Some(Bucket::TimeIp),
        ("POST", "/v1/activations" | "/v1/activations/{activation_id}/confirm") => {
            Some(Bucket::ActivationIp)
        }
        ("GET" | "HEAD", "/v1/tokens/{token_id}/status") => Some(Bucket::TokenStatusIp),
        ("POST", "/v1/verify") => Some(Bucket::VerifyIp),
        _ => None,
    }
}

/// The rate-limit key of a client address: the IPv4 address, or the /64 of
/// an IPv6 address (one subscriber usually holds a whole /64).
pub fn client_key(addr: Option<IpAddr>) -> String {
    match addr {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        // Served without connection information (only `oneshot` in tests):
        // every request shares one key.
        None => "unknown".to_owned(),
    }
}

/// The middleware: 429 `rate_limited` with `Retry-After` when the client's
/// address is over its limit for this route.
pub async fn per_ip(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let bucket = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|route| bucket_of(request.method(), route.as_str()));
    if let Some(bucket) = bucket {
        let addr = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        if let Err(error) = state.service.check_rate(bucket, &client_key(addr)) {
            tracing::info!(?bucket, "rate limited");
            return ApiError::from(error).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::client_key;

    #[test]
    fn ipv6_is_keyed_by_its_64() {
        let a = client_key("2001:db8:1:2:aaaa::1".parse().ok());
        let b = client_key("2001:db8:1:2:bbbb::9".parse().ok());
        let c = client_key("2001:db8:1:3::1".parse().ok());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(client_key("::ffff:10.0.0.1".parse().ok()), "10.0.0.1");
        assert_eq!(client_key("10.0.0.1".parse().ok()), "10.0.0.1");
    }
}
