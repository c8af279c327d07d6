use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::test_support::{TestCa, client_trusting, serve};
use super::*;

#[test]
fn default_config() {
    let config = HttpsConfig::default();
    assert!(config.extra_roots_pem.is_empty());
    assert_eq!(config.timeout, Duration::from_secs(15));
    assert_eq!(config.connect_timeout, Duration::from_secs(10));
    client(&config).unwrap();
}

#[test]
fn extra_roots_must_be_pem_certificates() {
    let ca = TestCa::new("ichie test CA");
    let cases: [(&str, Vec<u8>); 3] = [
        ("empty", Vec::new()),
        ("not PEM", b"hello".to_vec()),
        ("a key, not a certificate", ca.stray_key_pem()),
    ];
    for (what, pem) in cases {
        let config = HttpsConfig {
            extra_roots_pem: vec![ca.pem(), pem],
            ..HttpsConfig::default()
        };
        let result = client(&config);
        assert!(
            matches!(&result, Err(HttpsError::BadCertificate(message)) if message.contains("#1")),
            "{what}: {result:?}"
        );
    }
    let mut two = ca.pem();
    two.extend_from_slice(&TestCa::new("second CA").pem());
    assert_eq!(parse_roots(&[two]).unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn trusts_an_extra_root_and_nothing_else() {
    let ca = TestCa::new("ichie test CA");
    let server = serve(
        Router::new().route("/", get(|| async { "hello" })),
        &ca.localhost(),
    );
    let body = client_trusting(&ca)
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "hello");

    let stranger = client_trusting(&TestCa::new("another CA"));
    assert!(stranger.get(server.url("/")).send().await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn localhost_by_name_works_too() {
    let ca = TestCa::new("ichie test CA");
    let server = serve(
        Router::new().route("/", get(|| async { "hello" })),
        &ca.localhost(),
    );
    let url = format!("https://localhost:{}/", server.addr.port());
    let response = client_trusting(&ca).get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_is_refused() {
    let ca = TestCa::new("ichie test CA");
    let result = client_trusting(&ca).get("http://127.0.0.1:9/").send().await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_to_plain_http_are_refused() {
    let ca = TestCa::new("ichie test CA");
    let router = Router::new()
        .route(
            "/to-http",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "http://127.0.0.1:9/")],
                )
                    .into_response()
            }),
        )
        .route(
            "/to-https",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/here")]).into_response() }),
        )
        .route("/here", get(|| async { "arrived" }))
        .route(
            "/loop",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]).into_response() }),
        );
    let server = serve(router, &ca.localhost());
    let client = client_trusting(&ca);

    let result = client.get(server.url("/to-http")).send().await;
    assert!(
        result.as_ref().is_err_and(reqwest::Error::is_redirect),
        "{result:?}"
    );

    let body = client
        .get(server.url("/to-https"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "arrived");

    let result = client.get(server.url("/loop")).send().await;
    assert!(
        result.as_ref().is_err_and(reqwest::Error::is_redirect),
        "{result:?}"
    );
}

/// A reqwest client around `verifier`, to test verifiers on their own.
fn client_with(verifier: Arc<dyn ServerCertVerifier>) -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn either_verifier_accepts_what_the_second_accepts() {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let ca = TestCa::new("ichie test CA");
    let server = serve(
        Router::new().route("/", get(|| async { "hello" })),
        &ca.localhost(),
    );
    let ca_root = parse_roots(&[ca.pem()]).unwrap();
    let other_root = parse_roots(&[TestCa::new("another CA").pem()]).unwrap();
    let platform: Arc<dyn ServerCertVerifier> =
        Arc::new(rustls_platform_verifier::Verifier::new(Arc::clone(&provider)).unwrap());

    let either = EitherVerifier {
        first: Arc::clone(&platform),
        second: webpki_verifier(ca_root, Arc::clone(&provider)).unwrap(),
    };
    let response = client_with(Arc::new(either))
        .get(server.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "hello");

    let neither = EitherVerifier {
        first: platform,
        second: webpki_verifier(other_root, provider).unwrap(),
    };
    let result = client_with(Arc::new(neither))
        .get(server.url("/"))
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
}
