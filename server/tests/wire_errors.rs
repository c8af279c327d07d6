//! Every error answer is built from core's one wire table: each code the
//! server answers with is an `ichie_core::wire::ErrorCode`, answered with
//! that code's HTTP status, and every code of the table that a request can
//! provoke is provoked here (on SQLite and PostgreSQL). The expected codes are
//! the table's variants, not a copy of its strings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::{T0_MS, TestEnv, code_at, wrong_code};
use ichie_core::wire::{ErrorCode, VerifyRejection};
use ichie_server::config::{Limits, Rate, RateLimits};
use serde_json::{Value, json};

on_both_engines!(verify_answers_locked_to_every_code_after_the_lock);

mod every_code {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        every_reachable_code_comes_with_its_table_status(common::Db::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        every_reachable_code_comes_with_its_table_status(common::Db::Postgres).await;
    }
}

/// The code of an error answer, checked against the table: known code,
/// status equal to the table's.
fn checked_code(status: StatusCode, body: &Value) -> ErrorCode {
    let code: ErrorCode = body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {body}"))
        .parse()
        .unwrap_or_else(|_| panic!("a code outside the wire table: {body}"));
    assert_eq!(status.as_u16(), code.http_status(), "{body}");
    assert!(body["message"].is_string(), "{body}");
    code
}

async fn every_reachable_code_comes_with_its_table_status(db: common::Db) {
    let limits = Limits {
        max_activation_attempts: 2,
        ..Limits::default()
    };
    let rates = RateLimits {
        time_per_ip: Rate::new(1, 1),
        ..RateLimits::default()
    };
    let Some(env) = TestEnv::with_all_limits(db, limits, rates).await else {
        return;
    };
    let admin = env.admin_key.clone();
    let verifier = env.verifier_key.clone();
    let mut seen = BTreeSet::new();
    let mut record = |(status, body): (StatusCode, Value)| {
        seen.insert(checked_code(status, &body).as_str());
    };
    let j = Some("application/json");
    record(env.call("GET", "/nope", None, None).await);
    record(env.call("DELETE", "/v1/time", None, None).await);
    record(env.call("GET", "/v1/admin/audit", None, None).await);
    record(
        env.call("GET", "/v1/admin/audit", Some(&verifier), None)
            .await,
    );
    record(
        env.call_raw("POST", "/v1/activations", None, j, Some(b"{".to_vec()))
            .await,
    );
    record(
        env.call_raw(
            "POST",
            "/v1/activations",
            None,
            Some("text/plain"),
            Some(b"{}".to_vec()),
        )
        .await,
    );
    record(
        env.call_raw("POST", "/v1/activations", None, j, Some(vec![b' '; 20_000]))
            .await,
    );
    let (_, request) = ichie_core::activation::ClientActivation::start(
        common::SERVICE,
        "a",
        &ichie_core::activation::ActivationPassword::new("1234").unwrap(),
    )
    .unwrap();
    let mut v1: Value = serde_json::from_slice(&request.to_json().unwrap()).unwrap();
    v1["version"] = json!(1);
    record(env.call("POST", "/v1/activations", None, Some(&v1)).await);
    // A confirm for no such activation (a start never says whether a user exists).
    record(
        env.call(
            "POST",
            "/v1/activations/nope/confirm",
            None,
            Some(&json!({"client_mac": "A".repeat(43)})),
        )
        .await,
    );
    record(env.call("GET", "/v1/tokens/nope/status", None, None).await);
    // wrong_password, then locked.
    env.issue("olga", "1234").await;
    record(env.activate("olga", "9999").await.unwrap_err());
    record(env.activate("olga", "9999").await.unwrap_err());
    record(env.issue("olga", "1234").await);
    // revoked: the issuance is cancelled between challenge and confirm.
    env.issue("pia", "1234").await;
    let verified = env.challenge("pia", "1234").await.unwrap();
    env.call("POST", "/v1/admin/users/pia/revoke", Some(&admin), None)
        .await;
    let (status, bytes, _) = env.confirm(verified).await;
    record((status, serde_json::from_slice(&bytes).unwrap()));
    record(env.issue("pia", "1234").await);
    // rate_limited: the second /v1/time.
    env.call("GET", "/v1/time", None, None).await;
    record(env.call("GET", "/v1/time", None, None).await);

    let expected: BTreeSet<&str> = ErrorCode::EVERY
        .into_iter()
        // A fault of the server, and timeouts (tests/connections.rs).
        .filter(|c| !matches!(c, ErrorCode::Internal | ErrorCode::RequestTimeout))
        .map(ErrorCode::as_str)
        .collect();
    assert_eq!(seen, expected);
}

async fn verify_answers_locked_to_every_code_after_the_lock(db: common::Db) {
    let rates = RateLimits {
        verify_per_user: Rate::new(100, 60),
        ..RateLimits::default()
    };
    let Some(env) = TestEnv::with_rate_limits(db, rates).await else {
        return;
    };
    env.issue("gus", "4321").await;
    let token = env.activate("gus", "4321").await.unwrap();
    let wrong = wrong_code(&token, T0_MS);
    let right = code_at(&token, T0_MS);
    // 30 wrong codes at once against a lock at 10: exactly 10 are counted as
    // invalid_code (the 10th locks); every other one gets locked.
    let env = std::sync::Arc::new(env);
    let tasks: Vec<_> = (0..30)
        .map(|n| {
            let env = env.clone();
            let wrong = wrong.clone();
            tokio::spawn(async move {
                let from = format!("10.9.0.{n}");
                let body = serde_json::to_vec(&json!({"user_id": "gus", "code": wrong})).unwrap();
                let (status, _, bytes) = env
                    .call_from(
                        Some(&from),
                        "POST",
                        "/v1/verify",
                        Some(&env.verifier_key),
                        Some("application/json"),
                        Some(body),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK);
                let body: Value = serde_json::from_slice(&bytes).unwrap();
                body["reason"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut reasons = Vec::new();
    for task in tasks {
        reasons.push(task.await.unwrap());
    }
    let invalid = reasons
        .iter()
        .filter(|r| *r == VerifyRejection::InvalidCode.as_str())
        .count();
    let locked = reasons
        .iter()
        .filter(|r| *r == VerifyRejection::Locked.as_str())
        .count();
    eprintln!("30 concurrent wrong codes: {invalid} invalid_code, {locked} locked");
    assert_eq!(invalid, 10, "{reasons:?}");
    assert_eq!(locked, 20, "{reasons:?}");
    // After the lock, right and wrong codes get the same answer.
    env.clock.advance(1_000);
    for code in [&wrong, &right] {
        let (_, json) = env.verify("gus", code).await;
        assert_eq!(json["result"], "rejected");
        assert_eq!(json["reason"], VerifyRejection::Locked.as_str());
    }
}
