//! Replay protection across instances: two `ichie-server serve` processes
//! (the real binary) on one PostgreSQL database receive the same valid code
//! 50 times at once, split over both: exactly one acceptance, 49 `replayed`.
//! Skipped without PostgreSQL unless ICHIE_REQUIRE_POSTGRES=1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ichie_core::activation::{
    ActivationClient, ActivationLink, ActivationPassword, ActivationTarget,
};
use ichie_core::clock::{SystemClock, WallClock};
use ichie_core::https::{Client, HttpsConfig, client};
use ichie_core::otp::Totp;
use ichie_core::token::OtpKind;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_ichie-server");
const REQUESTS: usize = 50;

/// A `serve` process, killed when dropped.
struct Instance {
    child: Child,
    url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, name: &str) -> Instance {
    let port_file = dir.join(format!("{name}.port"));
    let child = Command::new(BIN)
        .args(["serve", "--dir", dir.to_str().unwrap(), "--port-file"])
        .arg(&port_file)
        .env_remove("ICHIE_SERVER_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let port: u16 = loop {
        if let Ok(text) = std::fs::read_to_string(&port_file)
            && let Ok(port) = text.trim().parse()
        {
            break port;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{name} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    Instance {
        child,
        url: format!("https://127.0.0.1:{port}"),
    }
}

async fn post(http: &Client, url: &str, key: &str, body: Value) -> (u16, Value) {
    let response = http
        .post(url)
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_code_at_two_instances_is_accepted_once() {
    let Some(database_url) = common::postgres_url().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let init = Command::new(BIN)
        .args(["init", d, "--listen", "127.0.0.1:0", "--service-id", "twin"])
        .args(["--database-url", &database_url, "--json"])
        .env_remove("ICHIE_SERVER_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let init: Value = serde_json::from_slice(&init.stdout).unwrap();
    // 50 verifications of one user from 127.0.0.1 are not an attack here.
    let config_path = dir.path().join("ichie-server.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(config.contains("\nenabled = true\n"));
    std::fs::write(
        &config_path,
        config.replace("\nenabled = true\n", "\nenabled = false\n"),
    )
    .unwrap();
    let instances = [serve(dir.path(), "a"), serve(dir.path(), "b")];

    let http = client(&HttpsConfig {
        extra_roots_pem: vec![std::fs::read(init["ca_pem_path"].as_str().unwrap()).unwrap()],
        ..HttpsConfig::default()
    })
    .unwrap();
    let admin_key = init["admin_key"].as_str().unwrap();
    let verifier_key = init["verifier_key"].as_str().unwrap().to_owned();
    // Issued through instance a, activated through instance b.
    let (status, issued) = post(
        &http,
        &format!("{}/v1/admin/issuances", instances[0].url),
        admin_key,
        json!({"user_id": "yuki", "email": "yuki@example.com", "activation_password": "86420"}),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let mut target: ActivationTarget = ActivationLink::parse(issued["link"].as_str().unwrap())
        .unwrap()
        .into();
    target.base_url = instances[1].url.clone();
    let activation = ActivationClient::new(http.clone());
    let begun = activation
        .begin(
            &target,
            &ActivationPassword::new("86420").unwrap(),
            &SystemClock,
        )
        .await
        .unwrap();
    let token = activation.complete(begun).await.unwrap();
    let OtpKind::Totp { step, .. } = token.params.kind else {
        panic!("activation issues TOTP");
    };
    let totp = Totp::new(
        token.params.algorithm,
        &token.secret,
        token.params.digits,
        step,
        0,
    );
    // A code with at least 5 s of its step left (the window would accept it
    // anyway; this keeps the test about replays, not about the window).
    let code = loop {
        let now = SystemClock.now_ms();
        let window = totp.window_at(now).unwrap();
        if window.ms_until_next > 5_000 {
            break window.code.to_zeroizing_string().to_string();
        }
        tokio::time::sleep(Duration::from_millis(window.ms_until_next + 50)).await;
    };

    let tasks: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let http = http.clone();
            let url = format!("{}/v1/verify", instances[i % 2].url);
            let (key, code) = (verifier_key.clone(), code.clone());
            tokio::spawn(async move {
                post(&http, &url, &key, json!({"user_id": "yuki", "code": code})).await
            })
        })
        .collect();
    let (mut accepted, mut replayed) = (Vec::new(), 0);
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, answer) = task.await.unwrap();
        assert_eq!(status, 200, "{answer}");
        if answer["result"] == "accepted" {
            accepted.push(i % 2);
        } else {
            assert_eq!(answer, json!({"result": "rejected", "reason": "replayed"}));
            replayed += 1;
        }
    }
    assert_eq!(accepted.len(), 1, "accepted by instances {accepted:?}");
    assert_eq!(replayed, REQUESTS - 1);
}
