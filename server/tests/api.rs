//! The HTTP API end to end through `app().oneshot()`, on SQLite and (when
//! `ICHIE_TEST_POSTGRES_URL` is set) PostgreSQL: robustness, auth, issuance
//! rules, the full activation with core's client, verification, lockouts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{SERVICE, T0_MS, TestEnv, code_at, wrong_code};
use ichie_core::activation::ActivationResult;
use serde_json::{Value, json};

on_both_databases!(
    bad_input_gets_json_4xx,
    auth_is_required_and_roles_are_enforced,
    issuance_conflicts_and_validation,
    full_activation_then_verify_with_replay_protection,
    identical_confirm_resend_gets_the_same_result,
    wrong_passwords_count_down_then_lock_until_unlocked,
    expired_issuance_and_expired_challenge,
    revoke_then_cooldown_then_reissue,
    verify_lockout_then_admin_unlock,
    concurrent_replays_accept_exactly_once,
    admin_lists_shows_and_audits,
);

/// method, path, key, content type, body, expected status, expected code.
type Case<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Vec<u8>,
    u16,
    &'a str,
);

fn code_of(body: &Value) -> &str {
    body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code in {body}"))
}

async fn bad_input_gets_json_4xx(env: TestEnv) {
    let admin = Some(env.admin_key.as_str());
    let cases: Vec<Case> =
        vec![
        (
            "POST",
            "/v1/activations",
            None,
            Some("application/json"),
            b"garbage".to_vec(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/activations",
            None,
            Some("application/json"),
            b"{}".to_vec(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/activations",
            None,
            Some("application/json"),
            b"[1,2,3]".to_vec(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/activations",
            None,
            Some("application/json"),
            vec![0xff, 0xfe, 0x00],
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/activations",
            None,
            Some("text/plain"),
            b"{}".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/v1/activations",
            None,
            None,
            b"{}".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/v1/activations",
            None,
            Some("application/json"),
            vec![b' '; 17 * 1024],
            413,
            "payload_too_large",
        ),
        (
            "POST",
            "/v1/activations/x/confirm",
            None,
            Some("application/json"),
            b"{\"client_mac\":1}".to_vec(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/activations/x/confirm",
            None,
            Some("application/json"),
            b"{\"client_mac\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}".to_vec(),
            404,
            "unknown_or_expired",
        ),
        ("GET", "/nope", None, None, vec![], 404, "not_found"),
        (
            "GET",
            "/v1/activations",
            None,
            None,
            vec![],
            405,
            "method_not_allowed",
        ),
        ("GET", "/v1/tokens/%FF/status", None, None, vec![], 400, "bad_request"),
        (
            "GET",
            "/v1/tokens/nope/status",
            None,
            None,
            vec![],
            404,
            "not_found",
        ),
        (
            "POST",
            "/v1/admin/issuances",
            admin,
            Some("application/json"),
            b"{\"user_id\":\"u\"}".to_vec(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/admin/issuances",
            admin,
            Some("application/json"),
            br#"{"user_id":"u","email":"u@example.com","activation_password":"12a4"}"#.to_vec(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/admin/issuances",
            admin,
            Some("application/json"),
            br#"{"user_id":"u","email":"not an address","activation_password":"1234"}"#.to_vec(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/admin/issuances",
            admin,
            Some("application/json"),
            br#"{"user_id":"u","email":"u@example.com","activation_password":"1234","period":45}"#
                .to_vec(),
            400,
            "bad_request",
        ),
        (
            "POST",
            "/v1/admin/issuances",
            admin,
            Some("application/json"),
            br#"{"user_id":"","email":"u@example.com","activation_password":"1234"}"#.to_vec(),
            400,
            "bad_request",
        ),
        (
            "GET",
            "/v1/admin/audit?limit=abc",
            admin,
            None,
            vec![],
            400,
            "bad_request",
        ),
        (
            "GET",
            "/activate?v=1&service=x",
            None,
            None,
            vec![],
            400,
            "bad_request",
        ),
    ];
    for (method, path, key, ct, body, status, code) in cases {
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        let (got, json) = env.call_raw(method, path, key, ct, Some(body)).await;
        assert_eq!(
            got.as_u16(),
            status,
            "{method} {path} {ct:?} {shown:?}: {json}"
        );
        assert_eq!(code_of(&json), code, "{method} {path} {shown:?}");
        assert!(json["message"].is_string(), "{json}");
    }
    // Version 1 of the protocol (X25519, retired).
    let (status, json) = env
        .call(
            "POST",
            "/v1/activations",
            None,
            Some(&json!({"version": 1, "service_id": SERVICE, "user_id": "u",
                "client_share": "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo",
                "client_nonce": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"})),
        )
        .await;
    assert_eq!(
        (status, code_of(&json)),
        (StatusCode::BAD_REQUEST, "version_unsupported")
    );
    // Verify input that is not a code at all.
    for code in ["", "12345678901", "12 456", "abcdef"] {
        let (status, json) = env.verify("u", code).await;
        assert_eq!(
            (status, code_of(&json)),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{code:?}"
        );
        assert!(!json.to_string().contains(code) || code.is_empty());
    }
    // The time endpoint.
    let (status, json) = env.call("GET", "/v1/time", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["unix_ms"], T0_MS);
}

async fn auth_is_required_and_roles_are_enforced(env: TestEnv) {
    let body = json!({"user_id": "u", "code": "123456"});
    for key in [
        None,
        Some("wrong"),
        Some("ichie_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    ] {
        let (status, json) = env.call("POST", "/v1/verify", key, Some(&body)).await;
        assert_eq!(
            (status, code_of(&json)),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{key:?}"
        );
        let (status, json) = env.call("GET", "/v1/admin/issuances", key, None).await;
        assert_eq!(
            (status, code_of(&json)),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{key:?}"
        );
    }
    let (status, json) = env
        .call("GET", "/v1/admin/issuances", Some(&env.verifier_key), None)
        .await;
    assert_eq!(
        (status, code_of(&json)),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let (status, json) = env
        .call("POST", "/v1/verify", Some(&env.admin_key), Some(&body))
        .await;
    assert_eq!(status, StatusCode::OK, "an admin key may verify: {json}");
    assert_eq!(json, json!({"result": "rejected", "reason": "no_token"}));
    let (status, _) = env
        .call(
            "POST",
            "/v1/verify",
            Some(&env.verifier_key),
            Some(&json!({"user_id": "u", "code": "123456", "service_id": "other"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn issuance_conflicts_and_validation(env: TestEnv) {
    let (status, created) = env.issue("carol", "246810").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["service_id"], SERVICE);
    assert_eq!(created["email_sent"], true);
    assert!(created["link"].as_str().unwrap().starts_with("ichie://activate?v=2&url=https%3A%2F%2Fotp.example.com&service=example-bank&user=carol&kid=2026-01&pk="));
    assert!(
        created["https_link"]
            .as_str()
            .unwrap()
            .starts_with("https://otp.example.com/activate?v=2&")
    );
    assert!(!created.to_string().contains("246810"));
    // The e-mail: IDs and links, never the password.
    let outbox: Vec<_> = std::fs::read_dir(env.dir.path().join("outbox"))
        .unwrap()
        .collect();
    assert_eq!(outbox.len(), 1);
    let mail = std::fs::read_to_string(outbox[0].as_ref().unwrap().path()).unwrap();
    assert!(
        mail.contains("carol@example.com") && mail.contains("ichie://activate"),
        "{mail}"
    );
    assert!(!mail.contains("246810"));
    // ...and what the app shows before it trusts a service it does not know.
    assert!(mail.contains("Server: otp.example.com"), "{mail}");
    assert!(
        mail.contains(&format!("Key fingerprint: {}", env.pinned.fingerprint())),
        "{mail}"
    );
    // A second pending issuance for the same user: conflict.
    let (status, json) = env.issue("carol", "111111").await;
    assert_eq!((status, code_of(&json)), (StatusCode::CONFLICT, "conflict"));
    // Once active: still a conflict (one active token per user).
    env.activate("carol", "246810").await.unwrap();
    let (status, json) = env.issue("carol", "111111").await;
    assert_eq!((status, code_of(&json)), (StatusCode::CONFLICT, "conflict"));
    // The HTTPS link's page shows the app link.
    let path = created["https_link"]
        .as_str()
        .unwrap()
        .trim_start_matches("https://otp.example.com");
    let (status, page) = env.call_bytes("GET", path, None, None, None).await;
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("ichie://activate?v=2&amp;url="), "{page}");
}

async fn full_activation_then_verify_with_replay_protection(env: TestEnv) {
    env.issue("alice", "123456").await;
    let token = env.activate("alice", "123456").await.unwrap();
    let (status, json) = env
        .call(
            "GET",
            &format!("/v1/tokens/{}/status", token.token_id),
            None,
            None,
        )
        .await;
    assert_eq!((status, json), (StatusCode::OK, json!({"state": "active"})));
    // The issuance is used: no second activation. The challenge looks like
    // any other (a decoy); the confirm fails like a wrong password.
    let (status, json) = env.activate("alice", "123456").await.unwrap_err();
    assert_eq!(
        (status, code_of(&json)),
        (StatusCode::FORBIDDEN, "wrong_password")
    );

    let now = T0_MS + 5_000;
    env.clock.set(now);
    let step = now / 30_000;
    let code = code_at(&token, now);
    let (status, json) = env.verify("alice", &code).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json, json!({"result": "accepted", "step": step}));
    // The same code again: replayed.
    let (_, json) = env.verify("alice", &code).await;
    assert_eq!(json, json!({"result": "rejected", "reason": "replayed"}));
    // The next step's code (clock drift +1) is accepted; then the earlier step's is not.
    let next = code_at(&token, now + 30_000);
    let (_, json) = env.verify("alice", &next).await;
    assert_eq!(json, json!({"result": "accepted", "step": step + 1}));
    env.clock.set(now + 30_000);
    let previous = code_at(&token, now);
    let (_, json) = env.verify("alice", &previous).await;
    assert_eq!(
        json["reason"], "replayed",
        "an earlier step after a later one"
    );
    // Drift was recorded (+1 step at the second acceptance).
    let row = env
        .service
        .store()
        .token(&token.token_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.last_step, row.drift_steps), (Some(step + 1), 1));
    // Outside the window: invalid.
    let far = code_at(&token, now + 30_000 * 5);
    let (_, json) = env.verify("alice", &far).await;
    assert_eq!(json["reason"], "invalid_code");
    // Unknown users.
    let (_, json) = env.verify("nobody", "123456").await;
    assert_eq!(json["reason"], "no_token");
}

async fn identical_confirm_resend_gets_the_same_result(env: TestEnv) {
    env.issue("dora", "97531").await;
    let verified = env.challenge("dora", "97531").await.unwrap();
    let (status, first, awaiting) = env.confirm(verified).await;
    assert_eq!(status, StatusCode::OK);
    // The answer was "lost": the app resends the same bytes.
    let (status, again) = env.send_confirm(&awaiting).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first, again);
    let activation_id = awaiting.activation_id().to_owned();
    let awaiting_body = awaiting.confirm_message().to_json().unwrap();
    let token = awaiting
        .finish(&ActivationResult::from_json(&again).unwrap())
        .unwrap();
    assert_eq!(token.params.digits.get(), 6);
    // A different confirm for the consumed activation: 404.
    let (status, json) = env
        .call(
            "POST",
            &format!("/v1/activations/{activation_id}/confirm"),
            None,
            Some(&json!({"client_mac": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})),
        )
        .await;
    assert_eq!(
        (status, code_of(&json)),
        (StatusCode::NOT_FOUND, "unknown_or_expired")
    );
    // After the activation's lifetime the kept result is gone too.
    env.clock.advance(300_001);
    let (status, json) = env
        .call(
            "POST",
            &format!("/v1/activations/{activation_id}/confirm"),
            None,
            Some(&serde_json::from_slice::<Value>(&awaiting_body).unwrap()),
        )
        .await;
    assert_eq!(
        (status, code_of(&json)),
        (StatusCode::NOT_FOUND, "unknown_or_expired")
    );
}

async fn wrong_passwords_count_down_then_lock_until_unlocked(env: TestEnv) {
    let (_, created) = env.issue("bob", "13579").await;
    let issuance = created["issuance_id"].as_str().unwrap().to_owned();
    for left in [4, 3, 2, 1] {
        let (status, json) = env.activate("bob", "00000").await.unwrap_err();
        assert_eq!(status, StatusCode::FORBIDDEN, "{json}");
        assert_eq!(json["code"], "wrong_password");
        assert_eq!(json["attempts_left"], left);
    }
    let (status, json) = env.activate("bob", "00000").await.unwrap_err();
    assert_eq!((status, code_of(&json)), (StatusCode::LOCKED, "locked"));
    assert_eq!(json["attempts_left"], 0);
    // Locked: even the right password is answered `locked`.
    let (status, json) = env.activate("bob", "13579").await.unwrap_err();
    assert_eq!((status, code_of(&json)), (StatusCode::LOCKED, "locked"));
    // A challenge taken before the lock is answered `locked` at confirm.
    let (status, json) = env
        .call(
            "POST",
            &format!("/v1/admin/issuances/{issuance}/unlock"),
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let (_, shown) = env
        .call(
            "GET",
            &format!("/v1/admin/issuances/{issuance}"),
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(
        (shown["failures"].as_u64(), shown["locked"].as_bool()),
        (Some(0), Some(false))
    );
    let token = env.activate("bob", "13579").await.unwrap();
    assert!(!token.token_id.is_empty());
    let (status, _) = env
        .call(
            "POST",
            "/v1/admin/issuances/nope/unlock",
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn expired_issuance_and_expired_challenge(env: TestEnv) {
    env.issue("erin", "4444").await;
    // A challenge that is not confirmed within 5 minutes expires.
    let verified = env.challenge("erin", "4444").await.unwrap();
    env.clock.advance(300_001);
    let (status, bytes, _) = env.confirm(verified).await;
    let json: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        (status, code_of(&json)),
        (StatusCode::NOT_FOUND, "unknown_or_expired")
    );
    // After 7 days the issuance itself expires: a decoy challenge, and the
    // confirm fails like a wrong password.
    env.clock.advance(7 * 24 * 3600 * 1000);
    let (status, json) = env.activate("erin", "4444").await.unwrap_err();
    assert_eq!(
        (status, code_of(&json)),
        (StatusCode::FORBIDDEN, "wrong_password")
    );
    // ...and a new one may be issued.
    let (status, json) = env.issue("erin", "5555").await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    env.activate("erin", "5555").await.unwrap();
}

async fn revoke_then_cooldown_then_reissue(env: TestEnv) {
    env.issue("frank", "8642").await;
    let token = env.activate("frank", "8642").await.unwrap();
    let (status, json) = env
        .call(
            "POST",
            "/v1/admin/users/frank/revoke",
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["revoked_token_id"], token.token_id.as_str());
    let (_, json) = env
        .call(
            "GET",
            &format!("/v1/tokens/{}/status", token.token_id),
            None,
            None,
        )
        .await;
    assert_eq!(json, json!({"state": "revoked"}));
    let (_, json) = env.verify("frank", &code_at(&token, T0_MS)).await;
    assert_eq!(json["reason"], "revoked");
    // Re-issue is refused during the 20-minute cooldown.
    env.clock.advance(60_000);
    let (status, json) = env.issue("frank", "8642").await;
    assert_eq!((status, code_of(&json)), (StatusCode::CONFLICT, "cooldown"));
    assert_eq!(json["seconds_left"], 1140);
    env.clock.advance(1140 * 1000);
    let (status, json) = env.issue("frank", "8642").await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    // Revoking again cancels the pending issuance; confirming it is then `revoked`.
    let verified = env.challenge("frank", "8642").await.unwrap();
    env.call(
        "POST",
        "/v1/admin/users/frank/revoke",
        Some(&env.admin_key),
        None,
    )
    .await;
    let (status, bytes, _) = env.confirm(verified).await;
    let json: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!((status, code_of(&json)), (StatusCode::GONE, "revoked"));
    let (status, _) = env
        .call(
            "POST",
            "/v1/admin/users/nobody/revoke",
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn verify_lockout_then_admin_unlock(env: TestEnv) {
    env.issue("gina", "1029").await;
    let token = env.activate("gina", "1029").await.unwrap();
    let wrong = wrong_code(&token, T0_MS);
    for _ in 0..10 {
        let (_, json) = env.verify("gina", &wrong).await;
        assert_eq!(json["reason"], "invalid_code");
    }
    let right = code_at(&token, T0_MS);
    let (_, json) = env.verify("gina", &right).await;
    assert_eq!(json["reason"], "locked");
    let (_, json) = env
        .call(
            "GET",
            &format!("/v1/tokens/{}/status", token.token_id),
            None,
            None,
        )
        .await;
    assert_eq!(json, json!({"state": "locked"}));
    let (status, _) = env
        .call(
            "POST",
            &format!("/v1/admin/tokens/{}/unlock", token.token_id),
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, json) = env.verify("gina", &right).await;
    assert_eq!(json["result"], "accepted");
    // A success resets the count: 9 failures do not lock.
    for _ in 0..9 {
        env.verify("gina", &wrong).await;
    }
    env.clock.advance(30_000);
    let (_, json) = env.verify("gina", &code_at(&token, T0_MS + 30_000)).await;
    assert_eq!(json["result"], "accepted");
}

async fn concurrent_replays_accept_exactly_once(env: TestEnv) {
    env.issue("hugo", "5678").await;
    let token = env.activate("hugo", "5678").await.unwrap();
    let code = code_at(&token, T0_MS);
    let env = std::sync::Arc::new(env);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let env = env.clone();
            let code = code.clone();
            tokio::spawn(async move { env.verify("hugo", &code).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        let (status, json) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{json}");
        if json["result"] == "accepted" {
            accepted += 1;
        } else {
            assert_eq!(json["reason"], "replayed");
        }
    }
    assert_eq!(accepted, 1);
}

async fn admin_lists_shows_and_audits(env: TestEnv) {
    let (_, created) = env.issue("ivan", "3141").await;
    env.activate("ivan", "00000").await.unwrap_err();
    let (status, list) = env
        .call(
            "GET",
            "/v1/admin/issuances?limit=10",
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows = list["issuances"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], created["issuance_id"]);
    assert_eq!(rows[0]["failures"], 1);
    assert!(rows[0].get("sealed_prs").is_none());
    let (status, _) = env
        .call(
            "GET",
            "/v1/admin/issuances/nope",
            Some(&env.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, audit) = env
        .call("GET", "/v1/admin/audit", Some(&env.admin_key), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..2],
        ["activation.wrong_password", "issuance.create"],
        "{actions:?}"
    );
    assert!(!audit.to_string().contains("3141"));
}
