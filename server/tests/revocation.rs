//! Revocation against activation, on SQLite and PostgreSQL: a revoke racing
//! a confirm either revokes the token the confirm created or makes the
//! confirm fail with `revoked` — never "nothing to revoke" with an active
//! token left behind; and revoking a user who had only a pending issuance
//! starts the re-issue cooldown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Db, SERVICE, TestEnv};
use ichie_core::activation::ActivationResult;
use ichie_core::wire::{ErrorCode, VerifyRejection};
use ichie_server::config::RateLimits;
use serde_json::Value;

on_both_engines!(
    revoke_racing_activation_never_leaves_an_active_token,
    revoking_a_pending_issuance_starts_the_cooldown,
);

async fn env_without_rate_limits(db: Db) -> Option<TestEnv> {
    TestEnv::with_rate_limits(
        db,
        RateLimits {
            enabled: false,
            ..RateLimits::default()
        },
    )
    .await
}

async fn revoke_racing_activation_never_leaves_an_active_token(db: Db) {
    let Some(env) = env_without_rate_limits(db).await else {
        return;
    };
    let env = Arc::new(env);
    let (mut token_revoked, mut confirm_refused) = (0, 0);
    for trial in 0..40 {
        let user = format!("race{trial}");
        env.issue(&user, "2468").await;
        let verified = env.challenge(&user, "2468").await.unwrap();
        let (awaiting, _) = verified.confirm();
        let confirm = {
            let env = env.clone();
            tokio::spawn(async move {
                let (status, body) = env.send_confirm(&awaiting).await;
                (status, body, awaiting)
            })
        };
        let revoke = {
            let (env, path) = (env.clone(), format!("/v1/admin/users/{user}/revoke"));
            tokio::spawn(async move {
                // Vary the interleaving from trial to trial.
                for _ in 0..trial % 8 {
                    tokio::task::yield_now().await;
                }
                env.call("POST", &path, Some(&env.admin_key), None).await
            })
        };
        let (confirm_status, confirm_body, awaiting) = confirm.await.unwrap();
        let (revoke_status, revoke_body) = revoke.await.unwrap();
        // There was always something to revoke: a pending issuance or the token.
        assert_eq!(
            revoke_status,
            StatusCode::OK,
            "trial {trial}: {revoke_body}"
        );
        if confirm_status == StatusCode::OK {
            let result = ActivationResult::from_json(&confirm_body).unwrap();
            let token = awaiting.finish(&result).unwrap();
            assert_eq!(
                revoke_body["revoked_token_id"], token.token_id,
                "trial {trial}: the new token must be the one revoked"
            );
            token_revoked += 1;
        } else {
            let body: Value = serde_json::from_slice(&confirm_body).unwrap();
            assert_eq!(body["code"], ErrorCode::Revoked.as_str(), "trial {trial}");
            assert_eq!(confirm_status.as_u16(), ErrorCode::Revoked.http_status());
            assert_eq!(revoke_body["revoked_token_id"], Value::Null);
            assert_eq!(revoke_body["cancelled_issuances"], 1);
            confirm_refused += 1;
        }
        assert!(
            env.service
                .store()
                .active_token(SERVICE, &user)
                .await
                .unwrap()
                .is_none(),
            "trial {trial}: an active token survived the revocation"
        );
        let (_, verdict) = env.verify(&user, "123456").await;
        assert_eq!(verdict["reason"], VerifyRejection::Revoked.as_str());
    }
    eprintln!(
        "40 races: {token_revoked} confirms first (token revoked), {confirm_refused} revokes first (confirm refused)"
    );
}

async fn revoking_a_pending_issuance_starts_the_cooldown(db: Db) {
    let Some(env) = env_without_rate_limits(db).await else {
        return;
    };
    env.issue("quinn", "1357").await;
    let (status, body) = env
        .call(
            "POST",
            "/v1/admin/users/quinn/revoke",
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["cancelled_issuances"], 1);
    assert_eq!(body["revoked_token_id"], Value::Null);
    let (status, body) = env.issue("quinn", "1357").await;
    assert_eq!(status.as_u16(), ErrorCode::Cooldown.http_status());
    assert_eq!(body["code"], ErrorCode::Cooldown.as_str());
    assert_eq!(body["seconds_left"], 1200);
    env.clock.advance(1_200_000);
    let (status, _) = env.issue("quinn", "1357").await;
    assert_eq!(status, StatusCode::CREATED);
}
