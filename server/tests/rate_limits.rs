//! Rate limits on every public endpoint, per client address and per user or
//! token, on SQLite and PostgreSQL: bursts get 429 `rate_limited` with
//! `Retry-After`, other clients are unaffected, and the manual clock moving
//! past the window lets the client in again. No timing asserts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{HeaderMap, StatusCode};
use common::{Db, T0_MS, TestEnv, code_at};
use ichie_core::wire::ErrorCode;
use ichie_server::config::{Rate, RateLimits};
use ichie_server::service::Bucket;
use serde_json::{Value, json};

on_both_engines!(
    per_address_limits_on_every_public_endpoint,
    per_user_and_per_token_limits,
    the_service_exposes_a_per_user_activation_bucket,
);

/// method, path, key, body, requests allowed before the limit, Retry-After.
type Endpoint<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a Value>,
    usize,
    u64,
);

fn small_limits() -> RateLimits {
    RateLimits {
        time_per_ip: Rate::new(3, 60),
        activation_per_ip: Rate::new(3, 60),
        activation_per_user: Rate::new(2, 6),
        token_status_per_ip: Rate::new(4, 60),
        token_status_per_token: Rate::new(2, 6),
        verify_per_ip: Rate::new(5, 60),
        verify_per_user: Rate::new(3, 6),
        ..RateLimits::default()
    }
}

/// Asserts a 429 `rate_limited` answer with `Retry-After: secs`.
fn assert_limited(status: StatusCode, headers: &HeaderMap, body: &[u8], secs: u64) {
    let body: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        status.as_u16(),
        ErrorCode::RateLimited.http_status(),
        "{body}"
    );
    assert_eq!(body["code"], ErrorCode::RateLimited.as_str());
    assert_eq!(body["seconds_left"], secs);
    assert_eq!(headers["retry-after"], secs.to_string().as_str());
}

/// `n` calls from `from`; how many were answered 429 (the rest must not be).
async fn burst(
    env: &TestEnv,
    n: usize,
    from: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> (usize, Option<(StatusCode, HeaderMap, Vec<u8>)>) {
    let mut limited = 0;
    let mut last = None;
    for _ in 0..n {
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        let answer = env
            .call_from(
                Some(from),
                method,
                path,
                key,
                Some("application/json"),
                bytes,
            )
            .await;
        if answer.0 == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
        last = Some(answer);
    }
    (limited, last)
}

async fn per_address_limits_on_every_public_endpoint(db: Db) {
    // Per-user and per-token limits out of the way: this test is about addresses.
    let limits = RateLimits {
        token_status_per_token: Rate::new(1000, 60),
        verify_per_user: Rate::new(1000, 60),
        ..small_limits()
    };
    let Some(env) = TestEnv::with_rate_limits(db, limits).await else {
        return;
    };
    let start = json!({"v": 1, "service_id": "example-bank", "user_id": "nobody",
                       "client_public": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"});
    let verify = json!({"user_id": "someone", "code": "123456"});
    let verifier = env.verifier_key.clone();
    // (method, path, key, body, burst size, retry after) per endpoint.
    let endpoints: Vec<Endpoint> = vec![
        ("GET", "/v1/time", None, None, 3, 1),
        ("GET", "/activate?v=1", None, None, 0, 1),
        ("POST", "/v1/activations", None, Some(&start), 3, 1),
        (
            "POST",
            "/v1/activations/abc/confirm",
            None,
            Some(&start),
            0,
            1,
        ),
        ("GET", "/v1/tokens/tok1/status", None, None, 4, 1),
        ("POST", "/v1/verify", Some(&verifier), Some(&verify), 5, 1),
    ];
    let mut total_limited = 0;
    for (method, path, key, body, allowed, retry) in &endpoints {
        // The allowed part of the burst passes (whatever the endpoint answers).
        let (limited, _) = burst(&env, *allowed, "10.0.0.1", method, path, *key, *body).await;
        assert_eq!(limited, 0, "{method} {path}");
        // Then 10 more are refused, each with Retry-After.
        let (limited, last) = burst(&env, 10, "10.0.0.1", method, path, *key, *body).await;
        assert_eq!(limited, 10, "{method} {path}");
        let (status, headers, bytes) = last.unwrap();
        assert_limited(status, &headers, &bytes, *retry);
        total_limited += limited;
        // Another address is not affected.
        let (status, _, _) = env
            .call_from(
                Some("10.0.0.2"),
                method,
                path,
                *key,
                Some("application/json"),
                body.map(|b| serde_json::to_vec(b).unwrap()),
            )
            .await;
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "{method} {path}");
    }
    eprintln!("429 answers to 10.0.0.1: {total_limited}");
    // An unauthenticated flood of /v1/verify is refused before the key check.
    let (limited, last) = burst(&env, 5, "10.0.0.3", "POST", "/v1/verify", None, None).await;
    assert_eq!(limited, 0);
    assert_eq!(last.unwrap().0, StatusCode::UNAUTHORIZED);
    let (limited, _) = burst(&env, 5, "10.0.0.3", "POST", "/v1/verify", None, None).await;
    assert_eq!(limited, 5);
    // IPv6 clients are limited per /64: another address of the same /64 shares it.
    burst(&env, 3, "[2001:db8::1]", "GET", "/v1/time", None, None).await;
    let (limited, _) = burst(&env, 1, "[2001:db8::2]", "GET", "/v1/time", None, None).await;
    assert_eq!(limited, 1);
    // After the window the client is served again.
    env.clock.advance(1_000);
    let (status, _, _) = env
        .call_from(Some("10.0.0.1"), "GET", "/v1/time", None, None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // The admin API has no per-address limit (it needs the admin key).
    let (limited, _) = burst(
        &env,
        20,
        "10.0.0.1",
        "GET",
        "/v1/admin/audit",
        Some(&env.admin_key),
        None,
    )
    .await;
    assert_eq!(limited, 0);
}

async fn per_user_and_per_token_limits(db: Db) {
    // Per-address limits out of the way: this test is about users and tokens.
    let limits = RateLimits {
        activation_per_ip: Rate::new(1000, 60),
        token_status_per_ip: Rate::new(1000, 60),
        verify_per_ip: Rate::new(1000, 60),
        ..small_limits()
    };
    let Some(env) = TestEnv::with_rate_limits(db, limits).await else {
        return;
    };
    env.issue("ulla", "1234").await;
    let token = env.activate("ulla", "1234").await.unwrap();
    env.issue("vera", "1234").await;
    env.activate("vera", "1234").await.unwrap();
    let code = code_at(&token, T0_MS);
    let body = json!({"user_id": "ulla", "code": code});
    let key = env.verifier_key.clone();
    // Per user: 3, from three different addresses; the 4th is refused
    // whatever address it comes from. Retry after 10 s (6 per minute).
    let mut answers = Vec::new();
    for n in 0..4 {
        let (status, headers, bytes) = env
            .call_from(
                Some(&format!("10.1.0.{n}")),
                "POST",
                "/v1/verify",
                Some(&key),
                Some("application/json"),
                Some(serde_json::to_vec(&body).unwrap()),
            )
            .await;
        answers.push((status, headers, bytes));
    }
    let accepted: Value = serde_json::from_slice(&answers[0].2).unwrap();
    assert_eq!(accepted["result"], "accepted");
    for (status, _, bytes) in &answers[1..3] {
        let value: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(*status, StatusCode::OK);
        assert_eq!(value["reason"], "replayed");
    }
    let (status, headers, bytes) = &answers[3];
    assert_limited(*status, headers, bytes, 10);
    // Another user is not affected.
    let (status, _) = env.verify("vera", "000000").await;
    assert_eq!(status, StatusCode::OK);
    // After the refill, the user is served again.
    env.clock.advance(10_000);
    let (status, json) = env.verify("ulla", &code_at(&token, T0_MS + 10_000)).await;
    assert_eq!(status, StatusCode::OK, "{json}");

    // Per token status: 2 per token from any address, then 429.
    let path = format!("/v1/tokens/{}/status", token.token_id);
    for n in 0..2 {
        let (status, _, _) = env
            .call_from(Some(&format!("10.2.0.{n}")), "GET", &path, None, None, None)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, headers, bytes) = env
        .call_from(Some("10.2.0.9"), "GET", &path, None, None, None)
        .await;
    assert_limited(status, &headers, &bytes, 10);
    env.clock.advance(10_000);
    let (status, _, _) = env
        .call_from(Some("10.2.0.9"), "GET", &path, None, None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn the_service_exposes_a_per_user_activation_bucket(db: Db) {
    let Some(env) = TestEnv::with_rate_limits(db, small_limits()).await else {
        return;
    };
    let service = &env.service;
    assert!(service.check_rate(Bucket::ActivationUser, "wanda").is_ok());
    assert!(service.check_rate(Bucket::ActivationUser, "wanda").is_ok());
    let refused = service
        .check_rate(Bucket::ActivationUser, "wanda")
        .unwrap_err();
    assert!(
        matches!(
            refused,
            ichie_server::ServiceError::RateLimited {
                retry_after_secs: 10
            }
        ),
        "{refused:?}"
    );
    assert!(service.check_rate(Bucket::ActivationUser, "xena").is_ok());
    env.clock.advance(10_000);
    assert!(service.check_rate(Bucket::ActivationUser, "wanda").is_ok());
    // Bounded memory: a flood of distinct users never grows the table past
    // max_tracked_keys.
    for n in 0..30_000 {
        let _ = service.check_rate(Bucket::ActivationUser, &format!("flood-{n}"));
    }
    assert!(service.rate_keys_tracked(Bucket::ActivationUser) <= 100_000);
}
