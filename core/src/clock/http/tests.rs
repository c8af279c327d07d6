use std::time::{Duration, UNIX_EPOCH};

use axum::Router;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};

use super::*;
use crate::clock::{ClockVerdict, SystemClock, check, verdict};
use crate::https::TransportError;
use crate::https::test_support::{TestCa, client_trusting, serve};
use crate::otp::Step;

/// A server whose clock is `offset_ms` off, and which dawdles around reading it.
#[derive(Debug, Clone, Copy)]
struct Lie {
    offset_ms: i64,
    before_ms: u64,
    after_ms: u64,
}

async fn lying_time(lie: Lie) -> Response {
    tokio::time::sleep(Duration::from_millis(lie.before_ms)).await;
    let now = SystemClock
        .now_ms()
        .checked_add_signed(lie.offset_ms)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(lie.after_ms)).await;
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(now));
    (
        [
            (header::DATE, date),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        axum::Json(serde_json::json!({ "unix_ms": now })),
    )
        .into_response()
}

fn lying_router(lie: Lie) -> Router {
    Router::new().route("/v1/time", get(move || lying_time(lie)))
}

const LIES: [Lie; 3] = [
    Lie {
        offset_ms: 90_000,
        before_ms: 40,
        after_ms: 40,
    },
    Lie {
        offset_ms: -7_300,
        before_ms: 40,
        after_ms: 40,
    },
    Lie {
        offset_ms: 90_000,
        before_ms: 80,
        after_ms: 0,
    },
];

fn expected_verdict(offset_ms: i64) -> ClockVerdict {
    if offset_ms.unsigned_abs() > 30_000 {
        ClockVerdict::CodesWrong
    } else {
        ClockVerdict::Warn
    }
}

/// The server and the client read the same system clock, so the truth is the lie itself.
fn assert_found(est: &crate::clock::ClockEstimate, lie: Lie, min_uncertainty: u64) {
    let error = (est.offset_ms - lie.offset_ms).unsigned_abs();
    assert!(error <= est.uncertainty_ms + 2, "{lie:?}: {est:?}");
    assert!(est.uncertainty_ms >= min_uncertainty, "{lie:?}: {est:?}");
    assert_eq!(est.samples, 3, "{lie:?}");
    assert_eq!(
        verdict(est, Step::THIRTY_SECONDS),
        expected_verdict(lie.offset_ms),
        "{lie:?}: {est:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_source_finds_a_lying_server() {
    let ca = TestCa::new("ichie test CA");
    let identity = ca.localhost();
    for lie in LIES {
        let server = serve(lying_router(lie), &identity);
        let source = JsonTimeSource::new(client_trusting(&ca), server.url("/v1/time"));
        let est = check(&source, &SystemClock, 3).await.unwrap();
        // The server dawdles 80 ms in all, so the round trip is at least that.
        assert_found(&est, lie, 40);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn date_header_source_finds_a_lying_server() {
    let ca = TestCa::new("ichie test CA");
    let identity = ca.localhost();
    for lie in LIES {
        let server = serve(lying_router(lie), &identity);
        let source = DateHeaderSource::new(client_trusting(&ca), server.url("/v1/time"));
        let est = check(&source, &SystemClock, 3).await.unwrap();
        assert_found(&est, lie, 540);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn date_header_source_falls_back_to_get_when_head_is_refused() {
    let ca = TestCa::new("ichie test CA");
    let router = Router::new().route(
        "/",
        any(|method: Method| async move {
            if method == Method::HEAD {
                StatusCode::METHOD_NOT_ALLOWED.into_response()
            } else {
                lying_time(Lie {
                    offset_ms: -20_000,
                    before_ms: 0,
                    after_ms: 0,
                })
                .await
            }
        }),
    );
    let server = serve(router, &ca.localhost());
    let source = DateHeaderSource::new(client_trusting(&ca), server.url("/"));
    let sample = source.sample(&SystemClock).await.unwrap();
    let est = crate::clock::estimate(&[sample]).unwrap();
    assert!(
        (est.offset_ms + 20_000).unsigned_abs() <= est.uncertainty_ms + 2,
        "{est:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn date_header_source_reads_the_time_from_a_404() {
    let ca = TestCa::new("ichie test CA");
    let server = serve(Router::new(), &ca.localhost());
    let source = DateHeaderSource::new(client_trusting(&ca), server.url("/nothing-here"));
    let sample = source.sample(&SystemClock).await.unwrap();
    assert_eq!(sample.server_resolution_ms, 1_000);
    let est = crate::clock::estimate(&[sample]).unwrap();
    assert!(
        est.offset_ms.unsigned_abs() <= est.uncertainty_ms + 2,
        "{est:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_ca_is_a_tls_error() {
    let trusted = TestCa::new("trusted CA");
    let unknown = TestCa::new("unknown CA");
    let server = serve(lying_router(LIES[0]), &unknown.localhost());
    let source = JsonTimeSource::new(client_trusting(&trusted), server.url("/v1/time"));
    let result = check(&source, &SystemClock, 3).await;
    assert!(
        matches!(result, Err(ClockError::Transport(TransportError::Tls(_)))),
        "{result:?}"
    );

    let system_only = crate::https::client(&crate::https::HttpsConfig::default()).unwrap();
    let source = DateHeaderSource::new(system_only, server.url("/v1/time"));
    let result = source.sample(&SystemClock).await;
    assert!(
        matches!(result, Err(ClockError::Transport(TransportError::Tls(_)))),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_for_another_name_is_a_tls_error() {
    let ca = TestCa::new("ichie test CA");
    let server = serve(lying_router(LIES[0]), &ca.leaf(&["time.example"]));
    let source = JsonTimeSource::new(client_trusting(&ca), server.url("/v1/time"));
    let result = source.sample(&SystemClock).await;
    assert!(
        matches!(result, Err(ClockError::Transport(TransportError::Tls(_)))),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_port_is_a_network_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ca = TestCa::new("ichie test CA");
    let url = reqwest::Url::parse(&format!("https://127.0.0.1:{port}/v1/time")).unwrap();
    let json = JsonTimeSource::new(client_trusting(&ca), url.clone());
    let result = check(&json, &SystemClock, 3).await;
    match &result {
        // The URL is left out: a URL may carry credentials.
        Err(ClockError::Transport(TransportError::Network(message))) => {
            assert!(!message.contains("/v1/time"), "{message}")
        }
        other => panic!("expected Network, got {other:?}"),
    }
    let date = DateHeaderSource::new(client_trusting(&ca), url);
    let result = date.sample(&SystemClock).await;
    assert!(
        matches!(
            result,
            Err(ClockError::Transport(TransportError::Network(_)))
        ),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_is_an_http_error() {
    let ca = TestCa::new("ichie test CA");
    let router = Router::new().route(
        "/v1/time",
        any(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "secret stack trace").into_response() }),
    );
    let server = serve(router, &ca.localhost());
    let json = JsonTimeSource::new(client_trusting(&ca), server.url("/v1/time"));
    assert_eq!(
        json.sample(&SystemClock).await,
        Err(ClockError::Transport(TransportError::Http { status: 500 }))
    );
    assert_eq!(
        check(&json, &SystemClock, 3).await,
        Err(ClockError::Transport(TransportError::Http { status: 500 }))
    );
    let date = DateHeaderSource::new(client_trusting(&ca), server.url("/v1/time"));
    assert_eq!(
        date.sample(&SystemClock).await,
        Err(ClockError::Transport(TransportError::Http { status: 500 }))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_source_wants_a_success_status() {
    let ca = TestCa::new("ichie test CA");
    let server = serve(Router::new(), &ca.localhost());
    let json = JsonTimeSource::new(client_trusting(&ca), server.url("/v1/time"));
    assert_eq!(
        json.sample(&SystemClock).await,
        Err(ClockError::Transport(TransportError::Http { status: 404 }))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_is_a_bad_response() {
    let ca = TestCa::new("ichie test CA");
    let long = "x".repeat(5_000);
    let router = Router::new()
        .route(
            "/html",
            get(|| async { "<html>this is not the time you are looking for</html>" }),
        )
        .route(
            "/string",
            get(|| async { axum::Json(serde_json::json!({ "unix_ms": "soon" })) }),
        )
        .route(
            "/negative",
            get(|| async { axum::Json(serde_json::json!({ "unix_ms": -5 })) }),
        )
        .route("/long", get(move || async move { long }));
    let server = serve(router, &ca.localhost());
    for path in ["/html", "/string", "/negative", "/long"] {
        let json = JsonTimeSource::new(client_trusting(&ca), server.url(path));
        let result = json.sample(&SystemClock).await;
        match &result {
            Err(ClockError::Transport(TransportError::BadResponse(message))) => {
                assert!(message.chars().count() < 250, "{path}: {message}");
                assert!(!message.contains(&"x".repeat(60)), "{path}: {message}");
            }
            other => panic!("{path}: expected BadResponse, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_date_header_is_a_bad_response() {
    let ca = TestCa::new("ichie test CA");
    let router = Router::new().route(
        "/",
        get(|| async {
            (
                [(header::DATE, HeaderValue::from_static("yesterday at noon"))],
                "",
            )
        }),
    );
    let server = serve(router, &ca.localhost());
    let date = DateHeaderSource::new(client_trusting(&ca), server.url("/"));
    let result = date.sample(&SystemClock).await;
    assert!(
        matches!(
            result,
            Err(ClockError::Transport(TransportError::BadResponse(_)))
        ),
        "{result:?}"
    );
}

/// Issue 8's hostile time servers, read through the real HTTPS sources: the
/// answers parse, and the bound refuses to turn them into a correction.
#[tokio::test(flavor = "multi_thread")]
async fn absurd_times_are_read_but_never_become_a_correction() {
    let ca = TestCa::new("ichie test CA");
    let router = Router::new()
        .route(
            "/max",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"unix_ms":18446744073709551615}"#,
                )
            }),
        )
        .route(
            "/9999",
            get(|| async {
                (
                    [(
                        header::DATE,
                        HeaderValue::from_static("Fri, 31 Dec 9999 23:59:59 GMT"),
                    )],
                    "",
                )
            }),
        );
    let server = serve(router, &ca.localhost());
    let json = JsonTimeSource::new(client_trusting(&ca), server.url("/max"));
    let est = check(&json, &SystemClock, 3).await.unwrap();
    assert_eq!(est.offset_ms, i64::MAX);
    let date = DateHeaderSource::new(client_trusting(&ca), server.url("/9999"));
    let far = check(&date, &SystemClock, 3).await.unwrap();
    assert!(far.offset_ms > 200_000_000_000_000, "{far:?}");
    for est in [est, far] {
        for force in [false, true] {
            assert!(
                matches!(
                    crate::clock::bound_correction(&est, Step::THIRTY_SECONDS, force),
                    Err(crate::clock::CorrectionError::TooLarge { .. })
                ),
                "{est:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_is_a_timeout() {
    let ca = TestCa::new("ichie test CA");
    let router = Router::new().route(
        "/v1/time",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            axum::Json(serde_json::json!({ "unix_ms": 0 }))
        }),
    );
    let server = serve(router, &ca.localhost());
    let client = crate::https::client(&crate::https::HttpsConfig {
        extra_roots_pem: vec![ca.pem()],
        timeout: Duration::from_millis(300),
        connect_timeout: Duration::from_millis(300),
    })
    .unwrap();
    let json = JsonTimeSource::new(client, server.url("/v1/time"));
    assert_eq!(
        json.sample(&SystemClock).await,
        Err(ClockError::Transport(TransportError::Timeout))
    );
}

#[test]
fn dates_in_all_three_http_formats_are_read() {
    let want = 784_111_777_000;
    for text in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ] {
        assert_eq!(parse_date(text.as_bytes()), Ok(want), "{text}");
    }
    for text in ["", "06 Nov 1994", "Sun, 06 Nov 1994 08:49:37 CET", "\u{ff}"] {
        assert!(
            matches!(
                parse_date(text.as_bytes()),
                Err(ClockError::Transport(TransportError::BadResponse(_)))
            ),
            "{text:?}"
        );
    }
}

#[test]
fn snippets_are_short_and_quoted() {
    assert_eq!(snippet(b"abc"), "\"abc\"");
    let long = snippet("é".repeat(100).as_bytes());
    assert_eq!(long.chars().count(), SNIPPET_CHARS + 3, "{long}");
    assert!(long.ends_with('…'));
}
