//! The app core against the real server over real TLS: issue → activate →
//! codes accepted by the verify API; wrong passwords, lockout and unlock;
//! revocation seen by the app; a man in the middle who can terminate TLS but
//! lacks the signing key; phishing servers with their own pinned key
//! (relaying to the real server, or guessing the password); lost confirm
//! answers resent; unknown users indistinguishable from real ones; interop
//! with oathtool.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_server::Handle;
use ichie_core::activation::{
    ActivationChallenge, ActivationClient, ActivationClientError, ActivationConfirm,
    ActivationError, ActivationPassword, ActivationRequest, ActivationTarget, ChallengeIds,
    ClientActivation, Identifier, PendingActivation, PinnedKey, Prs, RemoteTokenState, SigningKey,
    TotpParams, respond_with, sign_challenge,
};
use ichie_core::app::{App, AppError, ClockPolicy};
use ichie_core::clock::SystemClock;
use ichie_core::https::{self, Client, HttpsConfig};
use ichie_core::otp::{Algorithm, Digits, Step};
use ichie_core::token::{Origin, OtpParams, TokenState};
use ichie_core::vault::{VaultKey, VaultOptions};
use ichie_e2e::Server;
use serde_json::{Value, json};

/// An app with a fresh vault.
struct Phone {
    _dir: tempfile::TempDir,
    app: App,
    client: ActivationClient,
}

impl Phone {
    fn new(server: &Server) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = App::create(
            &dir.path().join("tokens.vault"),
            VaultKey::from_bytes([5; 32]),
            None,
            VaultOptions::default(),
            Arc::new(SystemClock),
        )
        .unwrap();
        Self {
            _dir: dir,
            app,
            client: ActivationClient::new(server.http()),
        }
    }

    async fn activate(
        &mut self,
        target: &ActivationTarget,
        password: &str,
    ) -> Result<String, AppError> {
        self.app
            .activate(&self.client, target, password, None, ClockPolicy::Refuse)
            .await
            .map(|r| r.id)
    }

    /// The current code of the only token, waiting for a fresh step if the
    /// current one is about to end (so the server judges the same step).
    fn code(&self, index: usize) -> String {
        loop {
            let view = self.app.list().unwrap().remove(index);
            if view.ms_until_next.unwrap() > 2_000 {
                return view.code.clone().unwrap();
            }
            std::thread::sleep(std::time::Duration::from_millis(
                view.ms_until_next.unwrap() + 50,
            ));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn issued_activated_and_accepted_once() {
    let server = Server::start().await;
    let target = server.issue("taro", "4321").await;
    let mut phone = Phone::new(&server);
    phone.activate(&target, "4321").await.unwrap();
    let view = &phone.app.list().unwrap()[0];
    assert_eq!(view.name, "e2e-bank (taro)");
    assert_eq!(view.server.as_deref(), Some(server.url.as_str()));

    let code = phone.code(0);
    let first = server.verify("taro", &code).await;
    assert_eq!(first["result"], "accepted", "{first}");
    let again = server.verify("taro", &code).await;
    assert_eq!(
        (again["result"].as_str(), again["reason"].as_str()),
        (Some("rejected"), Some("replayed")),
        "{again}"
    );
    let wrong = server.verify("taro", "000000").await;
    assert_eq!(wrong["result"], "rejected", "{wrong}");

    // The same issuance cannot be activated twice: the server answers as it
    // does for any user without a pending issuance (a decoy challenge whose
    // confirm fails like a wrong password), so user IDs cannot be probed.
    let mut other = Phone::new(&server);
    let err = other.activate(&target, "4321").await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::WrongPassword { attempts_left: 4 })
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oathtool_code_is_accepted() {
    let server = Server::start().await;
    let target = server.issue("hanako", "98765432").await;
    let mut phone = Phone::new(&server);
    phone.activate(&target, "98765432").await.unwrap();
    // The test knows the seed (it is in the app's vault): an independent
    // implementation computes the code.
    let secret = phone.app.tokens()[0].spec.secret.to_base32();
    phone.code(0); // waits for a step with time to spare
    let out = match Command::new("oathtool")
        .args(["--totp", "-b", secret.as_str()])
        .output()
    {
        Ok(out) => out,
        Err(_) if std::env::var_os("ICHIE_REQUIRE_OATHTOOL").is_none() => {
            eprintln!("oathtool not installed: skipping");
            return;
        }
        Err(e) => panic!("oathtool is required: {e}"),
    };
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let verdict = server.verify("hanako", &code).await;
    assert_eq!(
        verdict["result"], "accepted",
        "oathtool's {code}: {verdict}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_count_down_lock_and_unlock() {
    let server = Server::start().await;
    let target = server.issue("jiro", "2468").await;
    let mut phone = Phone::new(&server);
    for left in [4, 3, 2, 1] {
        match phone.activate(&target, "1111").await {
            Err(AppError::Activation(ActivationClientError::WrongPassword { attempts_left })) => {
                assert_eq!(attempts_left, left)
            }
            other => panic!("expected a wrong password with {left} left, got {other:?}"),
        }
    }
    let fifth = phone.activate(&target, "1111").await.unwrap_err();
    assert!(
        matches!(
            fifth,
            AppError::Activation(
                ActivationClientError::Locked
                    | ActivationClientError::WrongPassword { attempts_left: 0 }
            )
        ),
        "{fifth}"
    );
    // Locked: even the right password is refused now.
    let locked = phone.activate(&target, "2468").await.unwrap_err();
    assert!(
        matches!(
            locked,
            AppError::Activation(
                ActivationClientError::Locked | ActivationClientError::UnknownOrExpired
            )
        ),
        "{locked}"
    );
    // The operator unlocks; the right password works.
    let list = server
        .admin()
        .call("GET", "/v1/admin/issuances", None)
        .await
        .unwrap();
    let id = list
        .as_array()
        .or_else(|| list["issuances"].as_array())
        .unwrap()[0]["id"]
        .as_str()
        .or_else(|| list.as_array().and_then(|a| a[0]["issuance_id"].as_str()))
        .unwrap()
        .to_owned();
    server
        .admin()
        .call("POST", &format!("/v1/admin/issuances/{id}/unlock"), None)
        .await
        .unwrap();
    phone.activate(&target, "2468").await.unwrap();
    assert!(phone.app.tokens().len() == 1);
    // Malformed passwords never reach the server.
    let err = Phone::new(&server)
        .activate(&target, "12a4")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Protocol(ActivationError::WrongPasswordFormat)
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn revocation_reaches_the_app() {
    let server = Server::start().await;
    let target = server.issue("saburo", "13579").await;
    let mut phone = Phone::new(&server);
    phone.activate(&target, "13579").await.unwrap();
    let outcomes = phone.app.refresh_status(&phone.client).await.unwrap();
    assert_eq!(outcomes[0].state, Some(RemoteTokenState::Active));
    let code = phone.code(0);
    server
        .admin()
        .call("POST", "/v1/admin/users/saburo/revoke", None)
        .await
        .unwrap();
    let outcomes = phone.app.refresh_status(&phone.client).await.unwrap();
    assert_eq!(
        outcomes[0].state,
        Some(RemoteTokenState::Revoked),
        "{outcomes:?}"
    );
    assert_eq!(phone.app.tokens()[0].state, TokenState::Revoked);
    // The app shows no code for it any more, and the server refuses the
    // code it showed before.
    assert_eq!(phone.app.list().unwrap()[0].code, None);
    let verdict = server.verify("saburo", &code).await;
    assert_eq!(
        (verdict["result"].as_str(), verdict["reason"].as_str()),
        (Some("rejected"), Some("revoked")),
        "{verdict}"
    );
    // A new issuance for the user waits for the cooldown.
    let err = server
        .admin()
        .issue("saburo", "13579")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("409") && err.contains("cooldown"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_pinned_key_is_refused_before_the_password_is_sent() {
    let server = Server::start().await;
    let mut target = server.issue("shiro", "5555").await;
    target.pinned[0].public_key[0] ^= 1;
    let mut phone = Phone::new(&server);
    let err = phone.activate(&target, "5555").await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::Protocol(
                ActivationError::BadSignature
            ))
        ),
        "{err}"
    );
    target.pinned = vec![PinnedKey {
        key_id: "not-the-servers".into(),
        public_key: [1; 32],
    }];
    let err = phone.activate(&target, "5555").await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::Protocol(
                ActivationError::UnknownKeyId(_)
            ))
        ),
        "{err}"
    );
}

/// What the man in the middle does besides forwarding and recording.
#[derive(Clone)]
enum Tamper {
    Nothing,
    /// Puts its own CPace share in the challenge (it lacks the signing key).
    SwapServerShare,
    /// A rogue server whose own signing key the phone pins: re-signs the
    /// real challenge under that key, naming it with this key ID.
    Resign(Arc<SigningKey>),
    /// Forwards the first confirm (the server acts on it), then loses the answer.
    LoseFirstConfirmAnswer(Loss),
}

/// How an answer is lost on its way back to the phone.
#[derive(Clone, Copy, Debug)]
enum Loss {
    /// 200, then the connection drops before the body.
    CutBody,
    /// A gateway's 502 with an HTML body.
    BadGateway,
}

/// One request the man in the middle relayed and the server's answer.
#[derive(Clone, Debug)]
struct Exchange {
    path: String,
    request: Bytes,
    status: u16,
    answer: Bytes,
}

/// A TLS-terminating man in the middle (the app trusts its CA too, as if a
/// CA were compromised, or because the user was phished): forwards
/// everything to the server, tampers as told, and records every exchange.
#[derive(Clone)]
struct Mitm {
    upstream: String,
    http: Client,
    tamper: Tamper,
    seen: Arc<Mutex<Vec<Exchange>>>,
}

impl Mitm {
    fn confirms(&self) -> Vec<Exchange> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.path.ends_with("/confirm"))
            .cloned()
            .collect()
    }
}

async fn mitm_forward(State(mitm): State<Mitm>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap();
    let answer = mitm
        .http
        .post(format!("{}{path}", mitm.upstream))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let answer = answer.bytes().await.unwrap();
    let earlier_confirms = {
        let mut seen = mitm.seen.lock().unwrap();
        let n = seen.iter().filter(|e| e.path.ends_with("/confirm")).count();
        seen.push(Exchange {
            path: path.clone(),
            request: body.clone(),
            status,
            answer: answer.clone(),
        });
        n
    };
    let is_challenge = path == "/v1/activations" && status == 201;
    let mut bytes = answer.to_vec();
    match &mitm.tamper {
        Tamper::SwapServerShare if is_challenge => {
            let mut challenge: Value = serde_json::from_slice(&bytes).unwrap();
            // The attacker's own CPace share (any valid encoding shows the swap).
            challenge["server_share"] = json!("4gbnYpDY4g4bYfXxqj9NQL5kRo2fA9tzzGHPZqO-XSs");
            bytes = serde_json::to_vec(&challenge).unwrap();
        }
        Tamper::Resign(key) if is_challenge => {
            let request = ActivationRequest::from_json(&body).unwrap();
            let mut challenge = ActivationChallenge::from_json(&bytes).unwrap();
            challenge.key_id = Identifier::new(key.key_id()).unwrap();
            sign_challenge(&request, &mut challenge, key);
            bytes = challenge.to_json().unwrap();
        }
        Tamper::LoseFirstConfirmAnswer(loss)
            if path.ends_with("/confirm") && earlier_confirms == 0 =>
        {
            return lost_answer(*loss);
        }
        _ => {}
    }
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        bytes,
    )
        .into_response()
}

fn lost_answer(loss: Loss) -> Response {
    match loss {
        Loss::CutBody => {
            let cut = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("cut"))
            });
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                axum::body::Body::from_stream(cut),
            )
                .into_response()
        }
        Loss::BadGateway => (
            StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
    }
}

/// Serves `router` on 127.0.0.1 over TLS with a certificate from a fresh CA;
/// returns its URL, its CA PEM and the shutdown handle.
fn start_tls(router: axum::Router) -> (String, Vec<u8>, Handle<SocketAddr>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let ca_pem = ca.pem();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap(),
    )
    .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let handle = Handle::new();
    tokio::spawn(ichie_server::serve::serve_on(
        listener,
        Arc::new(config),
        router,
        handle.clone(),
    ));
    (url, ca_pem.into_bytes(), handle)
}

fn start_mitm(mitm: Mitm) -> (String, Vec<u8>, Handle<SocketAddr>) {
    start_tls(axum::Router::new().fallback(mitm_forward).with_state(mitm))
}

fn mitm_for(server: &Server, tamper: Tamper) -> Mitm {
    Mitm {
        upstream: server.url.clone(),
        http: server.http(),
        tamper,
        seen: Arc::new(Mutex::new(Vec::new())),
    }
}

/// A phone that trusts both the server's CA and the attacker's.
fn phone_trusting(server: &Server, mitm_ca: Vec<u8>) -> Phone {
    let mut phone = Phone::new(server);
    let http = https::client(&HttpsConfig {
        extra_roots_pem: vec![server.ca_pem.clone(), mitm_ca],
        ..HttpsConfig::default()
    })
    .unwrap();
    phone.client = ActivationClient::new(http);
    phone
}

#[tokio::test(flavor = "multi_thread")]
async fn a_man_in_the_middle_without_the_signing_key_never_sees_the_password() {
    let server = Server::start().await;
    let mut target = server.issue("goro", "8642").await;
    let mitm = mitm_for(&server, Tamper::SwapServerShare);
    let (mitm_url, mitm_ca, handle) = start_mitm(mitm.clone());
    target.base_url = mitm_url;
    let mut phone = phone_trusting(&server, mitm_ca);
    let err = phone.activate(&target, "8642").await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::Protocol(
                ActivationError::BadSignature
            ))
        ),
        "{err}"
    );
    assert_eq!(
        mitm.confirms().len(),
        0,
        "the app sent a password-dependent message"
    );
    assert!(phone.app.tokens().is_empty());
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replayed_confirm_creates_nothing() {
    let server = Server::start().await;
    let mut target = server.issue("rokuro", "97531").await;
    let mitm = mitm_for(&server, Tamper::Nothing);
    let (mitm_url, mitm_ca, handle) = start_mitm(mitm.clone());
    target.base_url = mitm_url;
    let mut phone = phone_trusting(&server, mitm_ca);
    phone.activate(&target, "97531").await.unwrap();
    let Exchange {
        path,
        request: body,
        ..
    } = mitm.confirms().pop().unwrap();

    let replay = |path: String, body: Bytes| {
        let http = server.http();
        let url = format!("{}{path}", server.url);
        async move {
            let answer = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (answer.status().as_u16(), answer.text().await.unwrap())
        }
    };
    // Replayed onto its own (consumed) activation: no second token is made;
    // at most the identical encrypted answer comes back, which the attacker
    // already saw and cannot read.
    let (status, _) = replay(path.clone(), body.clone()).await;
    assert!(status == 200 || status == 404, "{status}");
    let list = server
        .admin()
        .call("GET", "/v1/admin/issuances", None)
        .await
        .unwrap();
    let mine: Vec<&Value> = list["issuances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["user_id"] == "rokuro")
        .collect();
    let Origin::Activated(binding) = &phone.app.tokens()[0].origin else {
        panic!("not activated")
    };
    assert_eq!(mine.len(), 1, "{list}");
    assert_eq!(mine[0]["token_id"], binding.token_id.as_str(), "{list}");
    // Replayed onto a fresh activation of another issuance: refused.
    let other = server.issue("shichiro", "97531").await;
    let begun = ActivationClient::new(server.http())
        .begin(
            &other,
            &ichie_core::activation::ActivationPassword::new("97531").unwrap(),
            &SystemClock,
        )
        .await
        .unwrap();
    let fresh_path = format!(
        "/v1/activations/{}/confirm",
        begun.verified().activation_id()
    );
    let (status, body_text) = replay(fresh_path, body).await;
    assert!((400..500).contains(&status), "{status} {body_text}");
    handle.shutdown();
}

/// The server's issuances of `user` (admin API).
async fn issuances_of(server: &Server, user: &str) -> Vec<Value> {
    let list = server
        .admin()
        .call("GET", "/v1/admin/issuances", None)
        .await
        .unwrap();
    list["issuances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["user_id"] == user)
        .cloned()
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rogue_server_relaying_to_the_real_one_gets_no_token_and_no_password() {
    rogue_relay_gets_nothing(|_| "evil".to_owned(), "hachiro", "73915046").await;
}

/// A rogue that calls its own key by the real key's ID: the transcript
/// holds the signer's public key, not only its ID, so the relay fails the
/// same way and the rogue never becomes a token's server.
#[tokio::test(flavor = "multi_thread")]
async fn a_rogue_relaying_under_the_real_key_id_gets_nothing() {
    rogue_relay_gets_nothing(|real| real.to_owned(), "jiichiro", "61829374").await;
}

/// The phishing link (the rogue's URL and key, for a service the app does
/// not know and the user agreed to trust; the key named by `key_id` given
/// the real key ID): the rogue relays to the real server and re-signs the
/// challenge with its own key.
async fn rogue_relay_gets_nothing(key_id: fn(&str) -> String, user: &str, password: &str) {
    let server = Server::start().await;
    let genuine = server.issue(user, password).await;
    let rogue_key =
        Arc::new(SigningKey::from_seed(&key_id(&genuine.pinned[0].key_id), &[66; 32]).unwrap());
    let rogue = mitm_for(&server, Tamper::Resign(Arc::clone(&rogue_key)));
    let (rogue_url, rogue_ca, handle) = start_mitm(rogue.clone());
    let forged = ActivationTarget {
        base_url: rogue_url,
        pinned: vec![rogue_key.pinned()],
        ..genuine.clone()
    };
    let mut phone = phone_trusting(&server, rogue_ca);
    let err = phone.activate(&forged, password).await.unwrap_err();
    // The app accepted the re-signed challenge and confirmed, but its
    // transcript holds the rogue's key, so the real server's does not
    // match: to both sides it looks like a wrong password.
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::WrongPassword { attempts_left: 4 })
        ),
        "{err:?}"
    );
    assert!(phone.app.tokens().is_empty());
    let seen = rogue.seen.lock().unwrap().clone();
    let paths: Vec<(&str, u16)> = seen.iter().map(|e| (e.path.as_str(), e.status)).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert_eq!(paths[0], ("/v1/activations", 201));
    assert!(
        paths[1].0.ends_with("/confirm") && paths[1].1 == 403,
        "{paths:?}"
    );
    let verdict: Value = serde_json::from_slice(&seen[1].answer).unwrap();
    assert_eq!(verdict["code"], "wrong_password", "{verdict}");
    for exchange in &seen {
        assert!(
            !contains(&exchange.request, password) && !contains(&exchange.answer, password),
            "the rogue saw the password in {exchange:?}"
        );
    }
    let mine = issuances_of(&server, user).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        (
            mine[0]["state"].as_str(),
            &mine[0]["token_id"],
            mine[0]["failures"].as_u64(),
            mine[0]["locked"].as_bool()
        ),
        (Some("pending"), &Value::Null, Some(1), Some(false)),
        "{mine:?}"
    );
    handle.shutdown();

    // The real user, with the real link, still activates (one attempt burnt).
    let mut real = Phone::new(&server);
    real.activate(&genuine, password).await.unwrap();
    let verdict = server.verify(user, &real.code(0)).await;
    assert_eq!(verdict["result"], "accepted", "{verdict}");
}

/// A rogue server that runs the server's side itself, on a password it guesses.
#[derive(Clone)]
struct Guesser {
    key: Arc<SigningKey>,
    guess: Arc<Mutex<ActivationPassword>>,
    scalar: [u8; 32],
    /// The last request, challenge and server state.
    started: Arc<Mutex<Option<(ActivationRequest, ActivationChallenge, PendingActivation)>>>,
    /// Every confirm received, and whether it matched the guess.
    confirms: Arc<Mutex<Vec<(ActivationConfirm, bool)>>>,
}

async fn guesser_start(State(rogue): State<Guesser>, body: Bytes) -> Response {
    let request = ActivationRequest::from_json(&body).unwrap();
    let prs = Prs::derive(
        request.service_id.as_str(),
        request.user_id.as_str(),
        &rogue.guess.lock().unwrap(),
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let (pending, challenge) = respond_with(
        &request,
        ROGUE_IDS,
        &prs,
        rogue_params(),
        u64::try_from(now_ms).unwrap(),
        &rogue.key,
        &rogue.scalar,
    )
    .unwrap();
    let body = challenge.to_json().unwrap();
    *rogue.started.lock().unwrap() = Some((request, challenge, pending));
    (
        StatusCode::CREATED,
        [("content-type", "application/json")],
        body,
    )
        .into_response()
}

async fn guesser_confirm(State(rogue): State<Guesser>, body: Bytes) -> Response {
    let confirm = ActivationConfirm::from_json(&body).unwrap();
    let (_, _, pending) = rogue.started.lock().unwrap().clone().unwrap();
    let right = pending.confirm_matches(&confirm);
    rogue.confirms.lock().unwrap().push((confirm, right));
    if right {
        let (_, result) = pending.complete("rogue-token").unwrap();
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            result.to_json().unwrap(),
        )
            .into_response();
    }
    let lie = json!({"code": "wrong_password", "message": "wrong activation password", "attempts_left": 4});
    (StatusCode::FORBIDDEN, axum::Json(lie)).into_response()
}

const ROGUE_IDS: ChallengeIds<'static> = ChallengeIds {
    activation_id: "rogue-activation",
    issuance_id: "rogue-issuance",
};

fn rogue_params() -> OtpParams {
    TotpParams {
        algorithm: Algorithm::Sha1,
        digits: Digits::new(6).unwrap(),
        period: Step::from_secs(30).unwrap(),
    }
    .to_otp_params()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rogue_server_with_its_own_guess_learns_one_guess_only() {
    let server = Server::start().await;
    let password = "50617283";
    let genuine = server.issue("kuro", password).await;
    let key = Arc::new(SigningKey::from_seed("evil", &[66; 32]).unwrap());
    let rogue = Guesser {
        key: Arc::clone(&key),
        guess: Arc::new(Mutex::new(ActivationPassword::new("12345678").unwrap())),
        scalar: [7; 32],
        started: Arc::new(Mutex::new(None)),
        confirms: Arc::new(Mutex::new(Vec::new())),
    };
    let router = axum::Router::new()
        .route("/v1/activations", axum::routing::post(guesser_start))
        .route(
            "/v1/activations/{id}/confirm",
            axum::routing::post(guesser_confirm),
        )
        .with_state(rogue.clone());
    let (rogue_url, rogue_ca, handle) = start_tls(router);
    let forged = ActivationTarget {
        base_url: rogue_url,
        pinned: vec![key.pinned()],
        ..genuine.clone()
    };
    let mut phone = phone_trusting(&server, rogue_ca);
    let err = phone.activate(&forged, password).await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Activation(ActivationClientError::WrongPassword { attempts_left: 4 })
        ),
        "{err:?}"
    );
    let (confirm, matched) = rogue.confirms.lock().unwrap()[0].clone();
    assert!(!matched, "the wrong guess matched");
    // Offline, the rogue cannot test another password against what it got,
    // not even the right one: its share was made from the wrong guess.
    let (request, challenge, _) = rogue.started.lock().unwrap().clone().unwrap();
    let right = Prs::derive(
        "e2e-bank",
        "kuro",
        &ActivationPassword::new(password).unwrap(),
    );
    let (replayed, _) = respond_with(
        &request,
        ROGUE_IDS,
        &right,
        rogue_params(),
        challenge.server_time_ms,
        &key,
        &rogue.scalar,
    )
    .unwrap();
    assert!(!replayed.confirm_matches(&confirm));

    // A second run is a second guess: a right one gets the app a token the
    // rogue made (useless at the real service), never the real one.
    *rogue.guess.lock().unwrap() = ActivationPassword::new(password).unwrap();
    phone.activate(&forged, password).await.unwrap();
    assert_eq!(rogue.confirms.lock().unwrap().len(), 2);
    assert!(rogue.confirms.lock().unwrap()[1].1);
    let verdict = server.verify("kuro", &phone.code(0)).await;
    assert_eq!(verdict["result"], "rejected", "{verdict}");
    handle.shutdown();
    let mine = issuances_of(&server, "kuro").await;
    assert_eq!(
        (mine[0]["state"].as_str(), mine[0]["failures"].as_u64()),
        (Some("pending"), Some(0)),
        "{mine:?}"
    );
    Phone::new(&server)
        .activate(&genuine, password)
        .await
        .unwrap();
}

/// A proxy loses the answer to the first confirm after the server acted on
/// it: the app resends the same bytes and gets the kept result.
async fn a_lost_confirm_answer_is_recovered(loss: Loss) {
    let server = Server::start().await;
    let mut target = server.issue("kyuro", "86420").await;
    let proxy = mitm_for(&server, Tamper::LoseFirstConfirmAnswer(loss));
    let (proxy_url, proxy_ca, handle) = start_mitm(proxy.clone());
    target.base_url = proxy_url;
    let mut phone = phone_trusting(&server, proxy_ca);
    phone.activate(&target, "86420").await.unwrap();
    let confirms = proxy.confirms();
    assert_eq!(confirms.len(), 2, "{loss:?}: {confirms:?}");
    assert_eq!(confirms[0].path, confirms[1].path);
    assert_eq!(confirms[0].request, confirms[1].request);
    // The server created the token at the first confirm and answered the
    // resend with the same (kept) result.
    assert_eq!((confirms[0].status, confirms[1].status), (200, 200));
    assert_eq!(confirms[0].answer, confirms[1].answer);
    let Origin::Activated(binding) = &phone.app.tokens()[0].origin else {
        panic!("not activated")
    };
    let mine = issuances_of(&server, "kyuro").await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["state"], "used", "{mine:?}");
    assert_eq!(mine[0]["token_id"], binding.token_id.as_str(), "{mine:?}");
    let verdict = server.verify("kyuro", &phone.code(0)).await;
    assert_eq!(verdict["result"], "accepted", "{loss:?}: {verdict}");
    handle.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_confirm_answer_is_resent_and_the_token_arrives_once() {
    a_lost_confirm_answer_is_recovered(Loss::CutBody).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_confirm_answer_lost_behind_a_502_is_resent_and_the_token_arrives_once() {
    a_lost_confirm_answer_is_recovered(Loss::BadGateway).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn probing_an_unknown_user_looks_like_probing_a_real_one() {
    let server = Server::start().await;
    let target = server.issue("juro", "24680").await;
    let http = server.http();
    let post = |path: String, body: Vec<u8>| {
        let request = http
            .post(format!("{}{path}", server.url))
            .header("content-type", "application/json")
            .body(body);
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            let body: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
            (status, body)
        }
    };
    let garbage_mac = json!({ "client_mac": "Z".repeat(42) + "A" }).to_string();
    let mut rounds: Vec<Vec<(u16, Value, u16, Value)>> = Vec::new();
    for user in ["juro", "nobody"] {
        let mut seen = Vec::new();
        for _ in 0..5 {
            let mut random = [0u8; 4];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random).unwrap();
            let guess = format!("{:08}", u32::from_be_bytes(random) % 100_000_000);
            let (state, request) = ClientActivation::start(
                "e2e-bank",
                user,
                &ActivationPassword::new(&guess).unwrap(),
            )
            .unwrap();
            let (status, challenge) =
                post("/v1/activations".into(), request.to_json().unwrap()).await;
            // Both challenges are signed with the service's real key.
            let parsed = ActivationChallenge::from_json(challenge.to_string().as_bytes()).unwrap();
            state.accept_challenge(&parsed, &target.pinned).unwrap();
            let confirm_path = format!(
                "/v1/activations/{}/confirm",
                challenge["activation_id"].as_str().unwrap()
            );
            let (confirm_status, verdict) =
                post(confirm_path, garbage_mac.clone().into_bytes()).await;
            seen.push((status, challenge, confirm_status, verdict));
        }
        rounds.push(seen);
    }
    let shape = |challenge: &Value| {
        let object = challenge.as_object().unwrap();
        let mut fields: Vec<(String, usize)> = object
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or(0, str::len)))
            .collect();
        fields.sort();
        (
            fields,
            challenge["params"].clone(),
            challenge["key_id"].clone(),
        )
    };
    let expected = [
        (403, Some(4)),
        (403, Some(3)),
        (403, Some(2)),
        (403, Some(1)),
        (423, Some(0)),
    ];
    for (round, (real, unknown)) in rounds[0].iter().zip(&rounds[1]).enumerate() {
        assert_eq!((real.0, unknown.0), (201, 201), "round {round}");
        assert_eq!(
            shape(&real.1),
            shape(&unknown.1),
            "round {round}: {} vs {}",
            real.1,
            unknown.1
        );
        // The same status and the same body, word for word.
        assert_eq!((real.2, &real.3), (unknown.2, &unknown.3), "round {round}");
        assert_eq!(
            (real.2, real.3["attempts_left"].as_u64()),
            (expected[round].0, expected[round].1),
            "round {round}: {}",
            real.3
        );
        let code = if real.2 == 423 {
            "locked"
        } else {
            "wrong_password"
        };
        assert_eq!(real.3["code"], code, "round {round}: {}", real.3);
    }
}
