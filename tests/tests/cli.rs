//! The `ichie` binary against the real server over TLS: the clock check,
//! activation by link with the password from the environment, codes the
//! server accepts, wrong passwords, status after revocation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

use ichie_e2e::Server;
use serde_json::Value;

/// The `ichie` binary cargo built next to this test.
fn ichie_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = dir.join("ichie");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p ichie` (scripts/test.sh does)",
        bin.display()
    );
    bin
}

struct Cli {
    dir: tempfile::TempDir,
    ca: PathBuf,
}

impl Cli {
    fn new(server: &Server) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &server.ca_pem).unwrap();
        let cli = Self { dir, ca };
        let out = cli.run(
            &["init", "--kdf-memory-kib", "64", "--kdf-iterations", "1"],
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        cli
    }

    fn run(&self, args: &[&str], password: Option<&str>) -> Output {
        let mut cmd = Command::new(ichie_binary());
        cmd.args(args)
            .env("ICHIE_VAULT", self.dir.path().join("tokens.vault"))
            .env("ICHIE_PASSPHRASE", "cli e2e")
            .stdin(std::process::Stdio::null());
        match password {
            Some(p) => cmd.env("ICHIE_ACTIVATION_PASSWORD", p),
            None => cmd.env_remove("ICHIE_ACTIVATION_PASSWORD"),
        };
        cmd.output().unwrap()
    }

    fn ok(&self, args: &[&str], password: Option<&str>) -> String {
        let out = self.run(args, password);
        assert!(
            out.status.success(),
            "ichie {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn ca(&self) -> &str {
        self.ca.to_str().unwrap()
    }

    /// A service directory listing `server` as "E2E Bank"; its path.
    fn write_directory(&self, server: &Server) -> PathBuf {
        let directory = self.dir.path().join("services.json");
        let entry = serde_json::json!({ "services": [{
            "service_id": server.init.service_id,
            "name": "E2E Bank",
            "base_url": server.url,
            "keys": [{ "key_id": server.init.signing_key_id, "public_key": server.init.signing_public_key }],
        }]});
        std::fs::write(&directory, entry.to_string()).unwrap();
        directory
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn clock_check_against_the_server_time_endpoint() {
    let server = Server::start().await;
    let cli = Cli::new(&server);
    let url = format!("{}/v1/time", server.url);
    let report: Value =
        serde_json::from_str(&cli.ok(&["--json", "clock", "--url", &url, "--ca", cli.ca()], None))
            .unwrap();
    assert_eq!(report["report"]["verdict"], "fine", "{report}");
    assert!(
        report["report"]["estimate"]["offset_ms"]
            .as_i64()
            .unwrap()
            .abs()
            < 1_000,
        "{report}"
    );
    // Without the private CA the server is not trusted.
    let out = cli.run(&["clock", "--url", &url], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TLS"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn activate_by_link_then_codes_are_accepted_and_revocation_shows() {
    let server = Server::start().await;
    let issued = server.admin().issue("kenji", "20250").await.unwrap();
    let link = issued["link"].as_str().unwrap();
    let cli = Cli::new(&server);

    // The service is in no directory here: without the user's confirmation
    // (no terminal, no flag) nothing is sent; the error names the server
    // and the key fingerprint to check.
    let unconfirmed = cli.run(
        &["activate", "--link", link, "--ca", cli.ca()],
        Some("20250"),
    );
    let stderr = String::from_utf8_lossy(&unconfirmed.stderr);
    assert_eq!(unconfirmed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not in the service directory"), "{stderr}");
    let host = server.url.trim_start_matches("https://");
    assert!(stderr.contains(host), "{stderr}");

    let wrong = cli.run(
        &[
            "activate",
            "--link",
            link,
            "--ca",
            cli.ca(),
            "--trust-new-service",
        ],
        Some("11111"),
    );
    assert_eq!(
        wrong.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("4 attempts left"));

    let out = cli.ok(
        &[
            "activate",
            "--link",
            link,
            "--ca",
            cli.ca(),
            "--trust-new-service",
        ],
        Some("20250"),
    );
    assert!(out.starts_with("Activated e2e-bank (kenji)"), "{out}");
    // A code from the CLI is accepted once.
    let code = loop {
        let view: Value =
            serde_json::from_str(&cli.ok(&["--json", "code", "kenji"], None)).unwrap();
        if view["ms_until_next"].as_u64().unwrap() > 2_000 {
            break view["code"].as_str().unwrap().to_owned();
        }
        std::thread::sleep(std::time::Duration::from_millis(
            view["ms_until_next"].as_u64().unwrap() + 50,
        ));
    };
    assert_eq!(server.verify("kenji", &code).await["result"], "accepted");

    assert_eq!(
        cli.ok(&["status", "--ca", cli.ca()], None),
        "e2e-bank (kenji): active\n"
    );
    server
        .admin()
        .call("POST", "/v1/admin/users/kenji/revoke", None)
        .await
        .unwrap();
    assert_eq!(
        cli.ok(&["status", "--ca", cli.ca()], None),
        "e2e-bank (kenji): revoked\n"
    );
    assert!(cli.ok(&["list"], None).contains("revoked by the issuer"));
    // A revoked token shows no code, and `ichie code` says why.
    let out = cli.run(&["code", "kenji"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("revoked by its issuer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn activate_by_service_and_user_through_a_service_directory() {
    let server = Server::start().await;
    server.admin().issue("yuki", "7531").await.unwrap();
    let cli = Cli::new(&server);
    let directory = cli.write_directory(&server);
    let dir_arg = directory.to_str().unwrap();

    let unknown = cli.run(
        &[
            "activate",
            "--service",
            "nope",
            "--user",
            "yuki",
            "--directory",
            dir_arg,
        ],
        Some("7531"),
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not in the service directory"));

    let out = cli.ok(
        &[
            "activate",
            "--service",
            "e2e-bank",
            "--user",
            "yuki",
            "--directory",
            dir_arg,
            "--ca",
            cli.ca(),
        ],
        Some("7531"),
    );
    // Listed under the directory's display name for the service.
    assert!(out.starts_with("Activated E2E Bank (yuki)"), "{out}");
}

/// The phishing e-mail: a link that names a service the app knows, with the
/// attacker's server and key. It is refused before anything is sent; the
/// genuine link for the same service goes through the directory.
#[tokio::test(flavor = "multi_thread")]
async fn a_forged_link_for_a_known_service_is_refused() {
    let server = Server::start().await;
    let issued = server.admin().issue("hana", "2468").await.unwrap();
    let cli = Cli::new(&server);
    let directory = cli.write_directory(&server);
    let dir_arg = directory.to_str().unwrap();
    // A listener that counts whoever connects: the rogue server.
    let rogue = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    rogue.set_nonblocking(true).unwrap();
    let rogue_url = format!("https://127.0.0.1:{}", rogue.local_addr().unwrap().port());
    let evil_key = data_encoding::BASE64URL_NOPAD.encode(&[7u8; 32]);
    let forged = [
        format!(
            "ichie://activate?v=2&url={}&service=e2e-bank&user=hana&kid={}&pk={}",
            rogue_url, server.init.signing_key_id, server.init.signing_public_key
        ),
        format!(
            "ichie://activate?v=2&url={}&service=e2e-bank&user=hana&kid=evil&pk={evil_key}",
            server.url
        ),
    ];
    for link in &forged {
        let out = cli.run(
            &[
                "activate",
                "--link",
                link,
                "--directory",
                dir_arg,
                "--ca",
                cli.ca(),
                "--trust-new-service",
            ],
            Some("2468"),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{link}: {stderr}");
        assert!(stderr.contains("forged"), "{link}: {stderr}");
    }
    assert!(
        rogue.accept().is_err(),
        "the app connected to the rogue server"
    );
    assert!(
        cli.ok(&["list"], None).contains("No tokens") || !cli.ok(&["list"], None).contains("hana")
    );

    let out = cli.ok(
        &[
            "activate",
            "--link",
            issued["link"].as_str().unwrap(),
            "--directory",
            dir_arg,
            "--ca",
            cli.ca(),
        ],
        Some("2468"),
    );
    assert!(out.starts_with("Activated E2E Bank (hana)"), "{out}");
}
