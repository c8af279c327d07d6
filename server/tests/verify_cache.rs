//! The verification key cache never decides on its own, on SQLite and
//! PostgreSQL: a token revoked behind the service's back (as through another
//! instance sharing the database) is answered `revoked`, and the user's new
//! token is verified, although the cache still held the old one; and a
//! verifier key revoked the same way is refused at once, although it was
//! checked less than a minute before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{Db, SERVICE, T0_MS, TestEnv, code_at, wrong_code};
use ichie_server::config::RateLimits;
use serde_json::json;

on_both_engines!(
    a_stale_cache_entry_never_decides,
    a_key_revoked_elsewhere_is_refused_at_once,
);

async fn a_stale_cache_entry_never_decides(db: Db) {
    let Some(env) = TestEnv::with_rate_limits(
        db,
        RateLimits {
            enabled: false,
            ..RateLimits::default()
        },
    )
    .await
    else {
        return;
    };
    env.issue("wes", "1357").await;
    let old = env.activate("wes", "1357").await.unwrap();
    let now = T0_MS + 5_000;
    env.clock.set(now);
    // Cached by this verification.
    let (_, json) = env.verify("wes", &code_at(&old, now)).await;
    assert_eq!(json["result"], "accepted");

    // Revoked in the database only: the service's cache is not told.
    let store = env.service.store();
    let (revoked, _) = store.revoke_user(SERVICE, "wes", now).await.unwrap();
    assert_eq!(revoked.as_deref(), Some(old.token_id.as_str()));
    env.clock.set(now + 30_000);
    for code in [code_at(&old, now + 30_000), wrong_code(&old, now + 30_000)] {
        let (_, json) = env.verify("wes", &code).await;
        assert_eq!(json, json!({"result": "rejected", "reason": "revoked"}));
    }
    let row = store.token(&old.token_id).await.unwrap().unwrap();
    assert_eq!(row.failures, 0, "no failure counted on a revoked token");

    // A new token after the cooldown; the old token's codes mean nothing.
    let later = now + 21 * 60 * 1000;
    env.clock.set(later);
    let (status, _) = env.issue("wes", "2468").await;
    assert!(status.is_success());
    let new = env.activate("wes", "2468").await.unwrap();
    let (_, json) = env.verify("wes", &code_at(&old, later)).await;
    assert_eq!(json["reason"], "invalid_code");
    let (_, json) = env.verify("wes", &code_at(&new, later)).await;
    assert_eq!(json["result"], "accepted", "{json}");
}

async fn a_key_revoked_elsewhere_is_refused_at_once(db: Db) {
    let Some(env) = TestEnv::new(db).await else {
        return;
    };
    env.issue("xena", "9753").await;
    let token = env.activate("xena", "9753").await.unwrap();
    let now = T0_MS + 5_000;
    env.clock.set(now);
    // The key is checked and remembered, the token cached.
    let (status, _) = env.verify("xena", &wrong_code(&token, now)).await;
    assert_eq!(status, StatusCode::OK);
    let (row, _) = env
        .service
        .authenticate(&env.verifier_key)
        .await
        .unwrap()
        .unwrap();
    let store = env.service.store();
    assert!(store.revoke_api_key(&row.id, now).await.unwrap());
    for code in [code_at(&token, now), wrong_code(&token, now)] {
        let (status, json) = env.verify("xena", &code).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{json}");
    }
    let row = store.token(&token.token_id).await.unwrap().unwrap();
    assert_eq!(
        (row.last_step, row.failures),
        (None, 1),
        "nothing accepted or counted with the revoked key"
    );
}
