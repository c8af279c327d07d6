//! The verification key cache never decides on its own, on SQLite and
//! PostgreSQL: a token revoked behind the service's back (as through another
//! instance sharing the database) is answered `revoked`, and the user's new
//! token is verified, although the cache still held the old one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Db, SERVICE, T0_MS, TestEnv, code_at, wrong_code};
use ichie_server::config::RateLimits;
use serde_json::json;

on_both_engines!(a_stale_cache_entry_never_decides);

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
