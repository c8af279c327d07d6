//! API keys can be listed (never the key), revoked and made to expire, over
//! the admin API (SQLite and PostgreSQL) and the admin CLI; revoked or
//! expired keys get 401; every change is audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use axum::http::StatusCode;
use common::TestEnv;
use ichie_core::wire::ErrorCode;
use serde_json::{Value, json};

on_both_databases!(keys_are_listed_revoked_and_expire);

async fn verify_with(env: &TestEnv, key: &str) -> StatusCode {
    env.call(
        "POST",
        "/v1/verify",
        Some(key),
        Some(&json!({"user_id": "nobody", "code": "123456"})),
    )
    .await
    .0
}

async fn keys_are_listed_revoked_and_expire(env: TestEnv) {
    let admin = env.admin_key.clone();
    let (status, created) = env
        .call(
            "POST",
            "/v1/admin/api-keys",
            Some(&admin),
            Some(&json!({"role": "verifier", "label": "shop", "expires_in_secs": 60})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let expiring = created["key"].as_str().unwrap().to_owned();
    let expiring_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["expires_ms"], common::T0_MS + 60_000);
    let (_, created) = env
        .call(
            "POST",
            "/v1/admin/api-keys",
            Some(&admin),
            Some(&json!({"role": "verifier", "label": "old shop"})),
        )
        .await;
    let doomed = created["key"].as_str().unwrap().to_owned();
    let doomed_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(verify_with(&env, &expiring).await, StatusCode::OK);
    assert_eq!(verify_with(&env, &doomed).await, StatusCode::OK);

    // Listing: ID, role, label, times and state; never a key or a hash.
    let (status, list) = env
        .call("GET", "/v1/admin/api-keys", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let keys = list["api_keys"].as_array().unwrap();
    assert_eq!(keys.len(), 4, "{list}");
    let text = list.to_string();
    for secret in [&admin, &env.verifier_key, &expiring, &doomed] {
        assert!(!text.contains(secret.as_str()), "a key in the listing");
    }
    for key in keys {
        let mut fields: Vec<&str> = key
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "created_ms",
                "expires_ms",
                "id",
                "label",
                "last_used_ms",
                "revoked_ms",
                "role",
                "state"
            ]
        );
        assert_eq!(key["state"], "active");
    }
    let shop = keys
        .iter()
        .find(|k| k["id"] == expiring_id.as_str())
        .unwrap();
    assert_eq!(shop["last_used_ms"], common::T0_MS);
    assert_eq!(shop["label"], "shop");

    // Revoked: 401 from then on; a second revoke is 404.
    let path = format!("/v1/admin/api-keys/{doomed_id}/revoke");
    let (status, _) = env.call("POST", &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = env.call("POST", &path, Some(&admin), None).await;
    assert_eq!(body["code"], ErrorCode::NotFound.as_str());
    assert_eq!(status.as_u16(), ErrorCode::NotFound.http_status());
    let (status, body) = env
        .call(
            "POST",
            "/v1/verify",
            Some(&doomed),
            Some(&json!({"user_id": "nobody", "code": "123456"})),
        )
        .await;
    assert_eq!(status.as_u16(), ErrorCode::Unauthorized.http_status());
    assert_eq!(body["code"], ErrorCode::Unauthorized.as_str());

    // Expired: 401 once its time has come.
    env.clock.advance(59_999);
    assert_eq!(verify_with(&env, &expiring).await, StatusCode::OK);
    env.clock.advance(1);
    assert_eq!(verify_with(&env, &expiring).await, StatusCode::UNAUTHORIZED);
    let (_, list) = env
        .call("GET", "/v1/admin/api-keys", Some(&admin), None)
        .await;
    let state_of = |id: &str| {
        list["api_keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state_of(&expiring_id), "expired");
    assert_eq!(state_of(&doomed_id), "revoked");

    // Only admins manage keys; expiries in the past are refused.
    let (status, _) = env
        .call("GET", "/v1/admin/api-keys", Some(&env.verifier_key), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = env
        .call(
            "POST",
            "/v1/admin/api-keys",
            Some(&admin),
            Some(&json!({"role": "admin", "expires_ms": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Audited.
    let (_, audit) = env.call("GET", "/v1/admin/audit", Some(&admin), None).await;
    let actions: Vec<(&str, &str)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("api_key.revoke", doomed_id.as_str())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("api_key.create", expiring_id.as_str())),
        "{actions:?}"
    );
}

const BIN: &str = env!("CARGO_BIN_EXE_ichie-server");

fn cli(dir: &str, args: &[&str]) -> Value {
    let output = Command::new(BIN)
        .args(["admin", "--dir", dir, "--json"])
        .args(args)
        .env_remove("ICHIE_SERVER_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_cli_lists_revokes_and_expires_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let init = Command::new(BIN)
        .args(["init", d, "--json"])
        .env_remove("ICHIE_SERVER_DATABASE_URL")
        .output()
        .unwrap();
    assert!(init.status.success());
    let day = cli(
        d,
        &["create-key", "--role", "verifier", "--expires-in", "1d"],
    );
    let dated = cli(
        d,
        &[
            "create-key",
            "--role",
            "admin",
            "--expires-at",
            "2099-01-01",
        ],
    );
    assert_eq!(dated["expires_ms"], 4_070_908_800_000u64);
    let listed = cli(d, &["list-keys"]);
    let keys = listed.as_array().unwrap();
    assert_eq!(keys.len(), 4);
    assert!(!listed.to_string().contains(day["key"].as_str().unwrap()));
    let id = day["id"].as_str().unwrap();
    let entry = keys.iter().find(|k| k["id"] == id).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let expires = entry["expires_ms"].as_u64().unwrap();
    assert!(expires.abs_diff(now + 86_400_000) < 600_000, "{entry}");
    cli(d, &["revoke-key", id]);
    let listed = cli(d, &["list-keys"]);
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(entry["state"], "revoked");
    let audit = cli(d, &["audit"]);
    assert!(audit.to_string().contains("api_key.revoke"));
    let refused = Command::new(BIN)
        .args([
            "admin",
            "--dir",
            d,
            "create-key",
            "--role",
            "admin",
            "--expires-in",
            "soon",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    // Generated IDs are base64url and one in 64 starts with '-': such an ID
    // is an ID to the CLI, not an option (an unknown one is "not found").
    for args in [
        &["revoke-key", "-T2Wq"][..],
        &["unlock", "-x"],
        &["unlock-token", "-y"],
        &["revoke", "-z"],
    ] {
        let out = Command::new(BIN)
            .args(["admin", "--dir", d])
            .args(args)
            .env_remove("ICHIE_SERVER_DATABASE_URL")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            !stderr.contains("unexpected argument"),
            "{args:?}: {stderr}"
        );
    }
}
