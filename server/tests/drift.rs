//! Clock drift (RFC 6238 §6), on SQLite and PostgreSQL, with the manual
//! clock: the window is centred on the drift recorded at the token's last
//! success, the drift is bounded, and replay protection still holds. Each
//! case runs with the server's key cache on (the one-UPDATE path after the
//! first verification) and off (every verification reads the token row).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Db, T0_MS, TestEnv, code_at};
use ichie_core::activation::ActivatedToken;
use ichie_server::config::{Limits, RateLimits};
use serde_json::json;

on_both_engines!(
    a_token_two_steps_behind_is_followed,
    a_token_two_steps_behind_is_followed_without_cache,
    drift_is_bounded,
    drift_is_bounded_without_cache,
);

const STEP: u64 = 30_000;

async fn env(db: Db, verify_window: u64, cache: usize) -> Option<TestEnv> {
    TestEnv::with_all_limits(
        db,
        Limits {
            verify_window,
            verify_cache_tokens: cache,
            ..Limits::default()
        },
        RateLimits {
            enabled: false,
            ..RateLimits::default()
        },
    )
    .await
}

async fn activated(env: &TestEnv, user: &str) -> ActivatedToken {
    let (status, _) = env.issue(user, "2468").await;
    assert!(status.is_success());
    env.activate(user, "2468").await.unwrap()
}

async fn drift_of(env: &TestEnv, token: &ActivatedToken) -> (Option<u64>, i64) {
    let row = env
        .service
        .store()
        .token(&token.token_id)
        .await
        .unwrap()
        .unwrap();
    (row.last_step, row.drift_steps)
}

async fn a_token_two_steps_behind_is_followed(db: Db) {
    two_steps_behind(db, 10_000).await;
}

async fn a_token_two_steps_behind_is_followed_without_cache(db: Db) {
    two_steps_behind(db, 0).await;
}

/// A token whose clock runs behind: one step, then two.
async fn two_steps_behind(db: Db, cache: usize) {
    let Some(env) = env(db, 1, cache).await else {
        return;
    };
    let token = activated(&env, "tara").await;
    let control = activated(&env, "uma").await;
    let now = T0_MS + 5_000;
    env.clock.set(now);
    let step = now / STEP;

    // Without a recorded drift, two steps behind is outside the window.
    let (_, json) = env.verify("uma", &code_at(&control, now - 2 * STEP)).await;
    assert_eq!(json["reason"], "invalid_code", "{json}");

    // One step behind: inside ±1, accepted, drift −1 recorded.
    let (_, json) = env.verify("tara", &code_at(&token, now - STEP)).await;
    assert_eq!(json, json!({"result": "accepted", "step": step - 1}));
    assert_eq!(drift_of(&env, &token).await, (Some(step - 1), -1));

    // Ten minutes later the token has fallen two steps behind: its code is
    // inside the window centred on now − 1 and accepted; drift −2.
    let later = now + 20 * STEP;
    env.clock.set(later);
    let behind = code_at(&token, later - 2 * STEP);
    let (_, json) = env.verify("tara", &behind).await;
    assert_eq!(
        json,
        json!({"result": "accepted", "step": step + 20 - 2}),
        "two steps behind after a drift of −1"
    );
    assert_eq!(drift_of(&env, &token).await, (Some(step + 18), -2));

    // Replay protection holds: the same code again, and the step before it.
    let (_, json) = env.verify("tara", &behind).await;
    assert_eq!(json, json!({"result": "rejected", "reason": "replayed"}));
    let (_, json) = env.verify("tara", &code_at(&token, later - 3 * STEP)).await;
    assert_eq!(json["reason"], "replayed", "{json}");

    // The window is centred on now − 2 (now − 3 … now − 1): the code of the
    // server's own step is outside it and counts as a failure.
    let (_, json) = env.verify("tara", &code_at(&token, later)).await;
    assert_eq!(json["reason"], "invalid_code", "{json}");
    let row = env
        .service
        .store()
        .token(&token.token_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.failures, 1);

    // The next step of the slow clock is accepted and resets the failures.
    env.clock.set(later + STEP);
    let (_, json) = env.verify("tara", &code_at(&token, later - STEP)).await;
    assert_eq!(json, json!({"result": "accepted", "step": step + 19}));
    let row = env
        .service
        .store()
        .token(&token.token_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.failures, row.drift_steps), (0, -2));
}

async fn drift_is_bounded(db: Db) {
    bounded(db, 10_000).await;
}

async fn drift_is_bounded_without_cache(db: Db) {
    bounded(db, 0).await;
}

/// With the widest window (10), a token running ahead can walk its drift
/// only up to ±10 steps: a code 20 steps ahead is accepted from a drift of
/// +10, but the drift stays +10, so 21 ahead is refused.
async fn bounded(db: Db, cache: usize) {
    let Some(env) = env(db, 10, cache).await else {
        return;
    };
    let token = activated(&env, "vera").await;
    let now = T0_MS + 5_000;
    env.clock.set(now);
    let step = now / STEP;
    let (_, json) = env.verify("vera", &code_at(&token, now + 10 * STEP)).await;
    assert_eq!(json, json!({"result": "accepted", "step": step + 10}));
    assert_eq!(drift_of(&env, &token).await, (Some(step + 10), 10));
    let (_, json) = env.verify("vera", &code_at(&token, now + 20 * STEP)).await;
    assert_eq!(json, json!({"result": "accepted", "step": step + 20}));
    assert_eq!(
        drift_of(&env, &token).await,
        (Some(step + 20), 10),
        "the recorded drift is bounded"
    );
    let (_, json) = env.verify("vera", &code_at(&token, now + 21 * STEP)).await;
    assert_eq!(json["reason"], "invalid_code", "{json}");
    // Behind the last accepted step but inside the window: a replay.
    let (_, json) = env.verify("vera", &code_at(&token, now + 15 * STEP)).await;
    assert_eq!(json["reason"], "replayed", "{json}");
}
