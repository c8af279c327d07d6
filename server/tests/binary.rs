//! The real binary: `init`, `serve` over HTTPS on a free port (a GET of
//! `/v1/time` through core's HTTPS client trusting the init-made CA), the
//! admin subcommands on the same database, and shutdown on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ichie_core::https::{HttpsConfig, client};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ichie-server");

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).stdin(Stdio::null());
    for (k, v) in envs {
        command.env(k, v);
    }
    command.env_remove("ICHIE_SERVER_DATABASE_URL");
    command.output().unwrap()
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn wait_for_port(path: &Path) -> u16 {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(port) = text.trim().parse()
        {
            return port;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_serve_https_admin_cli_and_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let init = json_of(&run(
        &[
            "init",
            d,
            "--listen",
            "127.0.0.1:0",
            "--service-id",
            "acme",
            "--json",
        ],
        &[],
    ));
    for field in [
        "admin_key",
        "verifier_key",
        "ca_pem_path",
        "public_url",
        "service_id",
        "signing_key_id",
        "signing_public_key",
    ] {
        assert!(init[field].is_string(), "{field} in {init}");
    }
    assert_eq!(init["service_id"], "acme");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("keys/master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second init refuses to overwrite.
    let again = run(&["init", d], &[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing"));

    let port_file = dir.path().join("port");
    let mut server = Command::new(BIN)
        .args([
            "serve",
            "--dir",
            d,
            "--port-file",
            port_file.to_str().unwrap(),
        ])
        .env_remove("ICHIE_SERVER_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let port = wait_for_port(&port_file);

    let ca = std::fs::read(init["ca_pem_path"].as_str().unwrap()).unwrap();
    let https = client(&HttpsConfig {
        extra_roots_pem: vec![ca],
        ..Default::default()
    })
    .unwrap();
    let base = format!("https://127.0.0.1:{port}");
    let response = https.get(format!("{base}/v1/time")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let time: Value = response.json().await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        time["unix_ms"].as_u64().unwrap().abs_diff(now) < 60_000,
        "{time}"
    );
    let response = https
        .post(format!("{base}/v1/admin/issuances"))
        .bearer_auth(init["admin_key"].as_str().unwrap())
        .json(&serde_json::json!({"user_id": "web", "email": "web@example.com", "activation_password": "2468"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    // Plain HTTP is not served.
    let plain = https
        .get(format!("http://127.0.0.1:{port}/v1/time"))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));

    // The admin CLI works on the same database while the server runs.
    let issued = json_of(&run(
        &[
            "admin",
            "--dir",
            d,
            "--json",
            "issue",
            "--user",
            "zed",
            "--email",
            "zed@example.com",
            "--password-env",
            "PW",
        ],
        &[("PW", "1357")],
    ));
    assert!(
        issued["link"]
            .as_str()
            .unwrap()
            .starts_with("ichie://activate?v=2&")
    );
    let conflict = run(
        &[
            "admin",
            "--dir",
            d,
            "issue",
            "--user",
            "zed",
            "--email",
            "zed@example.com",
            "--password-env",
            "PW",
        ],
        &[("PW", "1357")],
    );
    assert!(!conflict.status.success());
    let listed = json_of(&run(&["admin", "--dir", d, "--json", "list"], &[]));
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let key = json_of(&run(
        &[
            "admin",
            "--dir",
            d,
            "--json",
            "create-key",
            "--role",
            "verifier",
        ],
        &[],
    ));
    assert!(key["key"].as_str().unwrap().starts_with("ichie_"));
    let revoke = run(&["admin", "--dir", d, "revoke", "zed"], &[]);
    assert!(revoke.status.success());
    let audit = json_of(&run(&["admin", "--dir", d, "--json", "audit"], &[]));
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"user.revoke") && actions.contains(&"issuance.create"),
        "{actions:?}"
    );
    let outbox = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(outbox, 2);

    // SIGTERM: graceful shutdown, exit code 0, nothing secret in the log.
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(exit) = server.try_wait().unwrap() {
            break exit;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no shutdown on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut log).unwrap();
    assert!(log.contains("listening"), "{log}");
    assert!(log.contains(&format!("127.0.0.1:{port}")), "{log}");
    for secret in [init["admin_key"].as_str().unwrap(), "2468"] {
        assert!(!log.contains(secret), "a secret in the log");
    }
}
